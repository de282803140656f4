// LIST and LSUB (RFC 3501 6.3.8, 6.3.9), with SPECIAL-USE and CHILDREN.
#include "../session.h"

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

}  // namespace

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

}  // namespace tern::imap_gateway
