// ID (RFC 2971).

#include "../session.h"

namespace tern::imap_gateway {

awaitable<bool> Session::OnId(ip::Command&) {
  Untagged("ID (\"name\" \"Tern\" \"vendor\" \"Tern\" \"support-url\" \"https://github.com/tern-mail\")");
  Ok("ID completed");
  co_return true;
}

}  // namespace tern::imap_gateway
