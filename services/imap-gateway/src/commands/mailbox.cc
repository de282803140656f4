// Mailbox commands: SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST,
// LSUB, STATUS, APPEND, and leaving a mailbox: CHECK, CLOSE, UNSELECT, EXPUNGE.
#include "../format.h"
#include "../session.h"
#include "tern/line_protocol/grammar.h"
#include "tern/core/error.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

namespace {

std::string_view SpecialUseAttr(sv::SpecialUse u) {
  switch (u) {
    case sv::SPECIAL_USE_SENT: return "\\Sent";
    case sv::SPECIAL_USE_DRAFTS: return "\\Drafts";
    case sv::SPECIAL_USE_TRASH: return "\\Trash";
    case sv::SPECIAL_USE_JUNK: return "\\Junk";
    case sv::SPECIAL_USE_ARCHIVE: return "\\Archive";
    case sv::SPECIAL_USE_ALL: return "\\All";
    case sv::SPECIAL_USE_FLAGGED: return "\\Flagged";
    default: return "";
  }
}

std::optional<sv::SpecialUse> SpecialUseNamed(std::string_view a) {
  static const std::pair<std::string_view, sv::SpecialUse> kUses[] = {
      {"\\SENT", sv::SPECIAL_USE_SENT},   {"\\DRAFTS", sv::SPECIAL_USE_DRAFTS},
      {"\\TRASH", sv::SPECIAL_USE_TRASH}, {"\\JUNK", sv::SPECIAL_USE_JUNK},
      {"\\ARCHIVE", sv::SPECIAL_USE_ARCHIVE}, {"\\ALL", sv::SPECIAL_USE_ALL},
      {"\\FLAGGED", sv::SPECIAL_USE_FLAGGED}};
  for (const auto& [n, v] : kUses) {
    if (line_protocol::IEquals(n, a)) return v;
  }
  return std::nullopt;
}

}  // namespace

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

awaitable<bool> Session::OnCreate(ip::Command& cmd) {
  auto& c = std::get<ip::Create>(cmd);
  auto name = MailboxName(c.mailbox);
  if (!name) co_return true;
  sv::CreateMailboxRequest req;
  req.set_account(account_);
  req.set_name(*name);
  for (const auto& u : c.use) {
    auto use = SpecialUseNamed(u);
    if (!use) {
      No("Unknown special-use attribute", "USEATTR");
      co_return true;
    }
    req.set_special_use(*use);
  }
  auto r = co_await Ask(&clients::MailStore::Create, req);
  if (!r.ok()) {
    Fail(Call::kMailbox, r.status());
    co_return true;
  }
  Ok("CREATE completed");
  co_return true;
}

awaitable<bool> Session::OnDelete(ip::Command& cmd) {
  auto name = MailboxName(std::get<ip::Delete>(cmd).mailbox);
  if (!name) co_return true;
  sv::DeleteMailboxRequest req;
  req.set_account(account_);
  req.set_name(*name);
  auto s = co_await Ask(&clients::MailStore::Delete, req);
  if (!s.ok()) {
    Fail(Call::kMailbox, s);
    co_return true;
  }
  Ok("DELETE completed");
  co_return true;
}

awaitable<bool> Session::OnRename(ip::Command& cmd) {
  auto& c = std::get<ip::Rename>(cmd);
  auto from = MailboxName(c.from);
  if (!from) co_return true;
  auto to = MailboxName(c.to);
  if (!to) co_return true;
  sv::RenameMailboxRequest req;
  req.set_account(account_);
  req.set_from(*from);
  req.set_to(*to);
  auto s = co_await Ask(&clients::MailStore::Rename, req);
  if (!s.ok()) {
    Fail(Call::kMailbox, s);
    co_return true;
  }
  Ok("RENAME completed");
  co_return true;
}

awaitable<bool> Session::OnSubscribe(ip::Command& cmd) {
  auto& c = std::get<ip::Subscribe>(cmd);
  auto name = MailboxName(c.mailbox);
  if (!name) co_return true;
  sv::SetSubscribedRequest req;
  req.set_account(account_);
  req.set_name(*name);
  req.set_subscribed(c.subscribe);
  auto s = co_await Ask(&clients::MailStore::Subscribe, req);
  if (!s.ok()) {
    Fail(Call::kMailbox, s);
    co_return true;
  }
  Ok(c.subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
  co_return true;
}

awaitable<bool> Session::OnList(ip::Command& cmd) {
  auto& c = std::get<ip::List>(cmd);
  const char* verb = c.lsub ? "LSUB" : "LIST";
  if (!c.lsub && c.pattern.empty()) {
    // The hierarchy delimiter and root (RFC 3501 6.3.8).
    Untagged("LIST (\\Noselect) \"/\" \"\"");
    Ok("LIST completed");
    co_return true;
  }
  auto reference = ip::DecodeMailboxName(c.reference);
  auto pattern = ip::DecodeMailboxName(c.pattern);
  if (!reference || !pattern) {
    Bad("Mailbox name is not valid modified UTF-7");
    co_return true;
  }
  sv::ListMailboxesRequest req;
  req.set_account(account_);
  req.set_reference(*reference);
  req.set_pattern(*pattern);
  req.set_subscribed_only(c.lsub || c.select_subscribed);
  auto r = co_await Ask(&clients::MailStore::List, req);
  if (!r.ok()) {
    Fail(Call::kMailbox, r.status());
    co_return true;
  }
  for (const auto& m : r->mailboxes()) {
    if (c.select_special_use && m.special_use() == sv::SPECIAL_USE_NONE) continue;
    std::string attrs;
    auto add = [&attrs](std::string_view a) {
      if (!attrs.empty()) attrs += ' ';
      attrs += a;
    };
    if (m.noselect()) add("\\Noselect");
    if (!c.lsub) add(m.has_children() ? "\\HasChildren" : "\\HasNoChildren");
    if (!c.lsub && (c.return_subscribed || c.select_subscribed) && m.subscribed()) add("\\Subscribed");
    if (!c.lsub && m.special_use() != sv::SPECIAL_USE_NONE) add(SpecialUseAttr(m.special_use()));
    std::string line = std::string(verb) + " (" + attrs + ") \"/\" ";
    ip::AppendMailbox(ip::EncodeMailboxName(m.name()), &line);
    Untagged(line);
  }
  if (c.lsub || c.select_subscribed) {
    for (const auto& n : r->subscribed_nonexistent()) {
      std::string line = std::string(verb) + (c.lsub ? " (\\Noselect) \"/\" " : " (\\Subscribed \\NonExistent) \"/\" ");
      ip::AppendMailbox(ip::EncodeMailboxName(n), &line);
      Untagged(line);
    }
  }
  Ok(std::string(verb) + " completed");
  co_return true;
}

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

awaitable<bool> Session::OnAppend(ip::Command& cmd) {
  auto& c = std::get<ip::Append>(cmd);
  auto name = MailboxName(c.mailbox);
  if (!name) co_return true;
  sv::AppendRequest req;
  req.set_account(account_);
  req.set_mailbox(*name);
  uint32_t bits = 0;
  std::vector<std::string> kw;
  SplitFlags(c.flags, &bits, &kw);
  req.set_flags(bits);
  for (auto& k : kw) req.add_keywords(k);
  if (c.date) req.mutable_internal_date()->set_seconds(c.date->unix_seconds);
  *req.mutable_content() = std::move(c.message);
  auto& store = env_.store;
  auto call = [&store, &req](auto done) { store.Append(std::move(req), std::move(done)); };
  auto r = co_await Await<absl::StatusOr<sv::AppendResponse>>(call);
  if (!r.ok()) {
    Fail(Call::kAppend, r.status());
    co_return true;
  }
  if (selected_ && selected_->name == *name) hints_->pending = true;
  Ok("APPEND completed", "APPENDUID " + std::to_string(r->uidvalidity()) + " " +
                             std::to_string(r->uid()));
  co_return true;
}

awaitable<bool> Session::OnCheck(ip::Command&) {
  bool ok = co_await Sync(true, true);
  Ok("CHECK completed");
  co_return ok;
}

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

awaitable<bool> Session::OnUnselect(ip::Command&) {
  Deselect();
  state_ = State::kAuthenticated;
  Ok("UNSELECT completed");
  co_return true;
}

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
