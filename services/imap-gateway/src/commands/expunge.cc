// EXPUNGE and UID EXPUNGE (RFC 3501 6.4.3, RFC 4315).
#include "../format.h"
#include "../session.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

awaitable<bool> Session::OnExpunge(ip::Command& cmd) {
  auto& c = std::get<ip::Expunge>(cmd);
  if (selected_->read_only) {
    No("Mailbox is read-only", "READ-ONLY");
    co_return true;
  }
  sv::ExpungeRequest req;
  req.set_account(account_);
  req.set_mailbox(selected_->name);
  if (c.uids) {
    auto uids = UidsOf(*c.uids, true);
    if (uids.empty()) {
      Ok("EXPUNGE completed");
      co_return true;
    }
    SetUids(uids, req.mutable_uids());
  }
  auto r = co_await Ask(&clients::MailStore::Expunge, req);
  if (!r.ok()) {
    Fail(Call::kWrite, r.status());
    co_return true;
  }
  for (uint32_t uid : r->expunged()) Expunged(uid);
  Ok("EXPUNGE completed");
  co_return true;
}

}  // namespace tern::imap_gateway
