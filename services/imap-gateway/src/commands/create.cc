// CREATE (RFC 3501 6.3.3), with USE (RFC 6154).
#include "../session.h"
#include "tern/line_protocol/grammar.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

namespace {

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

}  // namespace tern::imap_gateway
