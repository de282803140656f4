// ChangesSince: what changed in a mailbox since a MODSEQ (CONDSTORE/QRESYNC resynchronisation),
// the catch-up for clients that missed a change hint.
#include "store.h"
#include "store_internal.h"
#include "tern/core/status.h"

namespace tern::storage {

absl::StatusOr<Changes> MailStore::ChangesSince(const ChangesSinceArgs& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox));
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
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tern::storage
