// NOOP (RFC 3501 6.1.2): a catch-up of the selected mailbox.

#include "../session.h"

namespace tern::imap_gateway {

awaitable<bool> Session::OnNoop(ip::Command&) {
  bool ok = co_await Sync(true, true);
  Ok("NOOP completed");
  co_return ok;
}

}  // namespace tern::imap_gateway
