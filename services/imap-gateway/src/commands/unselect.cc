// UNSELECT (RFC 3691).
#include "../session.h"

namespace tern::imap_gateway {

awaitable<bool> Session::OnUnselect(ip::Command&) {
  Deselect();
  state_ = State::kAuthenticated;
  Ok("UNSELECT completed");
  co_return true;
}

}  // namespace tern::imap_gateway
