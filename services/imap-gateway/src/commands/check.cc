// CHECK (RFC 3501 6.4.1).
#include "../session.h"

namespace tern::imap_gateway {

awaitable<bool> Session::OnCheck(ip::Command&) {
  bool ok = co_await Sync(true, true);
  Ok("CHECK completed");
  co_return ok;
}

}  // namespace tern::imap_gateway
