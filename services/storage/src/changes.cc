// ChangesSince: what changed in a mailbox since a MODSEQ (CONDSTORE/QRESYNC resynchronisation),
// the catch-up for clients that missed a change hint.
#include <tuple>

#include "store.h"
#include "store_internal.h"
#include "tern/core/status.h"

namespace tern::storage {

absl::StatusOr<std::pair<uint32_t, uint32_t>> MailStore::ClaimRecent(int64_t account_id,
                                                                     const std::string& name) {
  std::pair<uint32_t, uint32_t> range{0, 0};
  TERN_RETURN_IF_ERROR(db_.Run("claim_recent", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    range = {0, 0};
    tx.exec("SET LOCAL synchronous_commit = off");
    pqxx::result r = tx.exec_params(
        "UPDATE mailboxes m SET recent_uid = m.uidnext - 1 FROM (SELECT id, recent_uid FROM "
        "mailboxes WHERE account_id = $1 AND name = $2 FOR UPDATE) old WHERE m.id = old.id AND "
        "old.recent_uid < m.uidnext - 1 RETURNING old.recent_uid, m.recent_uid",
        account_id, name);
    if (!r.empty()) range = {r[0][0].as<uint32_t>(), r[0][1].as<uint32_t>()};
    return absl::OkStatus();
  }));
  return range;
}

absl::StatusOr<Changes> MailStore::ChangesSince(const ChangesSinceArgs& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox));
  std::pair<uint32_t, uint32_t> claimed{0, 0};
  if (req.claim_recent) {
    TERN_ASSIGN_OR_RETURN(claimed, ClaimRecent(account_id, name));
  }
  Changes out;
  TERN_RETURN_IF_ERROR(db_.Run("changes_since", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    out = {};
    TERN_ASSIGN_OR_RETURN(internal::Mailbox m, internal::LoadSelectable(tx, account_id, name, false));
    const auto since = static_cast<int64_t>(req.modseq);
    for (const auto& row : tx.exec_params(
             "SELECT uid, flags, keywords, modseq FROM mailbox_messages WHERE mailbox_id = $1 AND "
             "modseq > $2 ORDER BY uid",
             m.id, since)) {
      out.changed.push_back(internal::FlagStateFromRow(row));
    }
    for (const auto& row : tx.exec_params(
             "SELECT uid FROM expunged WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid", m.id,
             since)) {
      out.vanished.push_back(row[0].as<uint32_t>());
    }
    out.highestmodseq = m.highestmodseq;
    out.uidvalidity = m.uidvalidity;
    if (req.claim_recent) {
      std::tie(out.recent_after, out.recent_through) = claimed;
    } else {
      out.recent_after = m.recent_uid;
      out.recent_through = m.uidnext - 1;
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tern::storage
