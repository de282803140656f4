// LOGOUT (RFC 3501 6.1.3).

#include "../session.h"

namespace tern::imap_gateway {

awaitable<bool> Session::OnLogout(ip::Command&) {
  Untagged("BYE Logging out");
  Ok("LOGOUT completed");
  out_ += tagged_;
  tagged_.clear();
  state_ = State::kLogout;
  co_return false;
}

}  // namespace tern::imap_gateway
