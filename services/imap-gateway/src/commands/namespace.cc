// NAMESPACE (RFC 2342).

#include "../session.h"

namespace tern::imap_gateway {

awaitable<bool> Session::OnNamespace(ip::Command&) {
  Untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
  Ok("NAMESPACE completed");
  co_return true;
}

}  // namespace tern::imap_gateway
