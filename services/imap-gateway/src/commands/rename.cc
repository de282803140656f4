// RENAME (RFC 3501 6.3.5).
#include "../session.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

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

}  // namespace tern::imap_gateway
