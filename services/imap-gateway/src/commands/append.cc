// APPEND (RFC 3501 6.3.11), answered OK [APPENDUID] only after the commit.
#include "../format.h"
#include "../session.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

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

}  // namespace tern::imap_gateway
