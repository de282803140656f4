// SELECT and EXAMINE (RFC 3501 6.3.1, 6.3.2).
#include "../session.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

awaitable<bool> Session::OnSelect(ip::Command& cmd) {
  auto& c = std::get<ip::Select>(cmd);
  // A failed SELECT leaves the session unselected (RFC 3501 6.3.1).
  if (selected_) {
    Deselect();
    state_ = State::kAuthenticated;
    Untagged("OK [CLOSED] Previous mailbox closed");
  }
  auto name = MailboxName(c.mailbox);
  if (!name) co_return true;
  sv::SelectRequest req;
  req.set_account(account_);
  req.set_mailbox(*name);
  req.set_with_messages(true);
  req.set_claim_recent(!c.read_only);  // EXAMINE shows \Recent but takes none (RFC 3501 6.3.2)
  auto r = co_await Ask(&clients::MailStore::Select, req);
  if (!r.ok()) {
    Fail(Call::kSelect, r.status());
    co_return true;
  }
  Mailbox m;
  m.name = r->mailbox.name();
  m.read_only = c.read_only;
  m.uidvalidity = r->mailbox.uidvalidity();
  m.uidnext = r->mailbox.uidnext();
  m.modseq = r->mailbox.highestmodseq();
  m.uids = std::move(r->uids);
  m.flags = std::move(r->flags);
  m.keywords = std::move(r->keywords);
  m.keywords.resize(m.uids.size());
  m.flags.resize(m.uids.size());
  m.recent.resize(m.uids.size());
  size_t recent = 0;
  for (size_t i = 0; i < m.uids.size(); ++i) {
    m.recent[i] = m.uids[i] > r->recent_after && m.uids[i] <= r->recent_through;
    recent += m.recent[i];
  }
  m.permanent_keywords = std::move(r->permanent_keywords);
  std::string kw;
  for (const auto& k : m.permanent_keywords) kw += " " + k;
  Untagged("FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft" + kw + ")");
  Untagged("OK [PERMANENTFLAGS (" +
           std::string(c.read_only ? "" : "\\Answered \\Flagged \\Deleted \\Seen \\Draft" + kw +
                                              " \\*") +
           ")] Flags permitted");
  Untagged(std::to_string(m.uids.size()) + " EXISTS");
  Untagged(std::to_string(recent) + " RECENT");
  uint32_t unseen = 0;
  for (size_t i = 0; i < m.flags.size(); ++i) {
    if (!(m.flags[i] & sv::FLAG_SEEN)) {
      unseen = static_cast<uint32_t>(i + 1);
      break;
    }
  }
  if (unseen) Untagged("OK [UNSEEN " + std::to_string(unseen) + "] First unseen");
  Untagged("OK [UIDVALIDITY " + std::to_string(m.uidvalidity) + "] UIDs valid");
  Untagged("OK [UIDNEXT " + std::to_string(m.uidnext) + "] Predicted next UID");
  hints_->mailbox = m.name;
  hints_->pending = false;
  selected_ = std::move(m);
  state_ = State::kSelected;
  if (c.read_only) {
    Ok("EXAMINE completed", "READ-ONLY");
  } else {
    Ok("SELECT completed", "READ-WRITE");
  }
  co_return true;
}

}  // namespace tern::imap_gateway
