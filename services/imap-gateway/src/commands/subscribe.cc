// SUBSCRIBE and UNSUBSCRIBE (RFC 3501 6.3.6, 6.3.7).
#include "../session.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

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

}  // namespace tern::imap_gateway
