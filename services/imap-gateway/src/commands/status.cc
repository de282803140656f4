// STATUS (RFC 3501 6.3.10).
#include "../session.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

awaitable<bool> Session::OnStatus(ip::Command& cmd) {
  auto& c = std::get<ip::Status>(cmd);
  auto name = MailboxName(c.mailbox);
  if (!name) co_return true;
  sv::StatusRequest req;
  req.set_account(account_);
  req.set_mailbox(*name);
  auto r = co_await Ask(&clients::MailStore::Status, req);
  if (!r.ok()) {
    Fail(Call::kSelect, r.status());
    co_return true;
  }
  const auto& m = r->mailbox();
  std::string items;
  for (auto item : c.items) {
    if (!items.empty()) items += ' ';
    switch (item) {
      case ip::StatusItem::kMessages: items += "MESSAGES " + std::to_string(m.messages()); break;
      case ip::StatusItem::kRecent: items += "RECENT " + std::to_string(m.recent()); break;
      case ip::StatusItem::kUidNext: items += "UIDNEXT " + std::to_string(m.uidnext()); break;
      case ip::StatusItem::kUidValidity: items += "UIDVALIDITY " + std::to_string(m.uidvalidity()); break;
      case ip::StatusItem::kUnseen: items += "UNSEEN " + std::to_string(m.unseen()); break;
      case ip::StatusItem::kHighestModSeq: items += "HIGHESTMODSEQ " + std::to_string(m.highestmodseq()); break;
      case ip::StatusItem::kSize: items += "SIZE " + std::to_string(m.size()); break;
    }
  }
  std::string line = "STATUS ";
  ip::AppendMailbox(ip::EncodeMailboxName(m.name().empty() ? *name : m.name()), &line);
  Untagged(line + " (" + items + ")");
  Ok("STATUS completed");
  co_return true;
}

}  // namespace tern::imap_gateway
