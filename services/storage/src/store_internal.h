// What the files of MailStore share: the mailbox row and the small queries and checks that
// several concerns use. Not part of the store's API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pqxx/pqxx"
#include "store_types.h"
#include "tern/pg/pool.h"

namespace tern::storage::internal {

// A row of `mailboxes`.
struct Mailbox {
  int64_t id = 0;
  std::string name;
  uint32_t uidvalidity = 0;
  uint32_t uidnext = 0;
  uint64_t highestmodseq = 0;
  int special_use = 0;
  bool noselect = false;
  uint32_t recent_uid = 0;  // \Recent claimed up to this UID
};

// The columns Mailbox reads, in its order, for a SELECT over `mailboxes`.
inline constexpr const char* kMailboxColumns =
    "id, name, uidvalidity, uidnext, highestmodseq, special_use, noselect, recent_uid";
Mailbox MailboxFromRow(const pqxx::row& row);

// NOT_FOUND (no such mailbox) when the account has no mailbox `name`.
absl::StatusOr<Mailbox> LoadMailbox(pqxx::transaction_base& tx, int64_t account_id,
                                    const std::string& name, bool for_update);
// The same, and NOT_FOUND for a \Noselect mailbox.
absl::StatusOr<Mailbox> LoadSelectable(pqxx::transaction_base& tx, int64_t account_id,
                                       const std::string& name, bool for_update);
// The largest UID in use, the value of "*" in UID sets.
uint32_t MaxUid(pqxx::transaction_base& tx, int64_t mailbox_id);
// The mailbox's name, UIDs, MODSEQ and attributes only.
MailboxInfo InfoOf(const Mailbox& m);
// InfoOf() and the message counts (STATUS, SELECT, LIST-STATUS).
MailboxInfo InfoWithCounts(pqxx::transaction_base& tx, const Mailbox& m);
// A row of uid, flags, keywords, modseq.
FlagState FlagStateFromRow(const pqxx::row& row);

// System flag bits we know, and keywords that are IMAP atoms (at most 64, 1..128 bytes).
absl::Status ValidateFlags(uint32_t flags, const std::vector<std::string>& keywords);
// Sorted and unique.
std::vector<std::string> SortedKeywords(const std::vector<std::string>& keywords);

// The statements each concern prepares on every pooled connection (deliver.cc, reads.cc).
void PrepareDelivery(pg::Pool& db);
void PrepareReads(pg::Pool& db);

}  // namespace tern::storage::internal
