// Any command the codec does not know.

#include "../session.h"

namespace tern::imap_gateway {

awaitable<bool> Session::OnUnknown(ip::Command&) {
  Bad("Unknown command");
  co_return true;
}

}  // namespace tern::imap_gateway
