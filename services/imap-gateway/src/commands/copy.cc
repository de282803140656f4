// COPY, MOVE and their UID forms (RFC 3501 6.4.7, RFC 6851), with COPYUID.

#include "../format.h"
#include "../session.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

awaitable<bool> Session::OnCopy(ip::Command& cmd) {
  auto& c = std::get<ip::Copy>(cmd);
  auto& m = *selected_;
  auto to = MailboxName(c.mailbox);
  if (!to) co_return true;
  if (c.move && m.read_only) {
    No("Mailbox is read-only", "READ-ONLY");
    co_return true;
  }
  if (!CheckSet(c.set, c.uid)) co_return true;
  const auto uids = UidsOf(c.set, c.uid);
  if (uids.empty()) {
    Ok(c.move ? "MOVE completed" : "COPY completed");
    co_return true;
  }
  sv::CopyRequest req;
  req.set_account(account_);
  req.set_mailbox(m.name);
  SetUids(uids, req.mutable_uids());
  req.set_to_mailbox(*to);
  auto& store = env_.store;
  const bool move = c.move;
  auto call = [&store, &req, move](auto done) { store.Copy(req, move, std::move(done)); };
  auto r = co_await Await<absl::StatusOr<sv::CopyResponse>>(call);
  if (!r.ok()) {
    Fail(Call::kCopy, r.status());
    co_return true;
  }
  std::string code;
  // COPYUID pairs each source UID with its copy; a response that cannot be paired gets none.
  if (r->source_uids_size() > 0 && r->source_uids_size() == r->dest_uids_size()) {
    std::string src, dst;
    for (int i = 0; i < r->source_uids_size(); ++i) {
      if (i) src += ',', dst += ',';
      src += std::to_string(r->source_uids(i));
      dst += std::to_string(r->dest_uids(i));
    }
    code = "COPYUID " + std::to_string(r->uidvalidity()) + " " + src + " " + dst;
  }
  if (c.move) {
    // RFC 6851: COPYUID in an untagged OK before the EXPUNGEs.
    if (!code.empty()) Untagged("OK [" + code + "] Moved");
    for (uint32_t uid : r->source_uids()) Expunged(uid);
    // Whatever storage moved and did not name is caught up by the Sync after the command.
    if (r->source_uids_size() != static_cast<int>(uids.size())) hints_->pending = true;
    Ok("MOVE completed");
  } else {
    Ok("COPY completed", code);
  }
  if (*to == m.name) hints_->pending = true;
  co_return true;
}

}  // namespace tern::imap_gateway
