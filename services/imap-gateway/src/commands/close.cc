// CLOSE (RFC 3501 6.4.2).
#include "../session.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

awaitable<bool> Session::OnClose(ip::Command&) {
  if (!selected_->read_only) {
    sv::ExpungeRequest req;
    req.set_account(account_);
    req.set_mailbox(selected_->name);
    auto r = co_await Ask(&clients::MailStore::Expunge, req);
    if (!r.ok()) {
      Fail(Call::kWrite, r.status());
      co_return true;
    }
  }
  Deselect();
  state_ = State::kAuthenticated;
  Ok("CLOSE completed");
  co_return true;
}

}  // namespace tern::imap_gateway
