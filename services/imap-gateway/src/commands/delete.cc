// DELETE (RFC 3501 6.3.4).
#include "../session.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

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

}  // namespace tern::imap_gateway
