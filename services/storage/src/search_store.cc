// Search: the SEARCH key tree translated to SQL by SearchBuilder (search.cc), run in a snapshot.
#include <algorithm>

#include "search.h"
#include "store.h"
#include "store_internal.h"
#include "tern/core/status.h"

namespace tern::storage {

absl::StatusOr<SearchResult> MailStore::Search(const SearchArgs& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox));
  SearchResult out;
  TERN_RETURN_IF_ERROR(db_.Run("search", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    out = {};
    TERN_ASSIGN_OR_RETURN(internal::Mailbox m,
                          internal::LoadSelectable(tx, account_id, name, false));
    SearchBuilder b(m.id, internal::MaxUid(tx, m.id), limits_);
    // Sequence numbers need the count of messages for "*".
    b.set_max_seq(tx.exec_params("SELECT count(*) FROM mailbox_messages WHERE mailbox_id = $1",
                                 m.id)[0][0].as<uint32_t>());
    TERN_ASSIGN_OR_RETURN(std::string cond, b.Build(req.key));
    pqxx::result r = tx.exec_params(
        "SELECT mm.uid, mm.modseq FROM mailbox_messages mm JOIN messages m ON m.id = "
        "mm.message_id WHERE mm.mailbox_id = $1 AND (" + cond + ") ORDER BY mm.uid",
        pqxx::prepare::make_dynamic_params(b.params()));
    for (const auto& row : r) {
      out.uids.push_back(row[0].as<uint32_t>());
      out.highestmodseq = std::max(out.highestmodseq, row[1].as<uint64_t>());
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tern::storage
