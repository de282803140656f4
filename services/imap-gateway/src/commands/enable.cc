// ENABLE (RFC 5161).

#include "../session.h"

namespace tern::imap_gateway {

awaitable<bool> Session::OnEnable(ip::Command&) {
  // None of the ENABLE-able extensions (CONDSTORE, QRESYNC, UTF8=ACCEPT) is advertised: per
  // RFC 5161 the ones not supported are just left out of the ENABLED response.
  Untagged("ENABLED");
  Ok("ENABLE completed");
  co_return true;
}

}  // namespace tern::imap_gateway
