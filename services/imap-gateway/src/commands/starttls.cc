// STARTTLS (RFC 3501 6.2.1).

#include "../session.h"

namespace tern::imap_gateway {

awaitable<bool> Session::OnStartTls(ip::Command&) {
  if (conn_->tls()) {
    Bad("TLS is already active");
    co_return true;
  }
  if (!conn_->tls_available()) {
    No("TLS is not available");
    co_return true;
  }
  Ok("Begin TLS negotiation now");
  out_ += tagged_;  // before the handshake, not after
  tagged_.clear();
  upgrade_ = true;
  co_return true;
}

}  // namespace tern::imap_gateway
