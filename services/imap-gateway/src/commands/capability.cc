// CAPABILITY (RFC 3501 6.1.1): what the session offers in its state; the greeting and LOGIN's OK
// carry it too.

#include "../session.h"

namespace tern::imap_gateway {

namespace {

constexpr const char* kBase =
    "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT SPECIAL-USE "
    "CHILDREN";

}  // namespace

std::string Session::Capabilities() const {
  std::string caps = kBase;
  if (state_ == State::kNotAuthenticated) {
    if (conn_->tls_available() && !conn_->tls()) caps += " STARTTLS";
    if (PlaintextLoginAllowed()) {
      caps += " AUTH=PLAIN AUTH=LOGIN";
    } else {
      caps += " LOGINDISABLED";
    }
  }
  return caps;
}

awaitable<bool> Session::OnCapability(ip::Command&) {
  Untagged("CAPABILITY " + Capabilities());
  Ok("Capability completed");
  co_return true;
}

}  // namespace tern::imap_gateway
