// MailStore's shared core: construction, the change-publishing transaction, garbage collection
// of content, and the helpers of store_internal.h. Each concern has its own file (see store.h).
#include "store.h"

#include <set>

#include "probe.h"
#include "store_internal.h"
#include "tern/core/error.h"
#include "tern/core/status.h"

namespace tern::storage {

namespace internal {

Mailbox MailboxFromRow(const pqxx::row& row) {
  Mailbox m;
  m.id = row[0].as<int64_t>();
  m.name = row[1].as<std::string>();
  m.uidvalidity = row[2].as<uint32_t>();
  m.uidnext = row[3].as<uint32_t>();
  m.highestmodseq = row[4].as<uint64_t>();
  m.special_use = row[5].as<int>();
  m.noselect = row[6].as<bool>();
  m.recent_uid = row[7].as<uint32_t>();
  return m;
}

absl::StatusOr<Mailbox> LoadMailbox(pqxx::transaction_base& tx, int64_t account_id,
                                    const std::string& name, bool for_update) {
  std::string sql = std::string("SELECT ") + kMailboxColumns +
                    " FROM mailboxes WHERE account_id = $1 AND name = $2";
  if (for_update) sql += " FOR UPDATE";
  pqxx::result r = tx.exec_params(sql, account_id, name);
  if (r.empty()) return ReasonError(Reason::kNoSuchMailbox, "no such mailbox: " + name);
  return MailboxFromRow(r[0]);
}

absl::StatusOr<Mailbox> LoadSelectable(pqxx::transaction_base& tx, int64_t account_id,
                                       const std::string& name, bool for_update) {
  TERN_ASSIGN_OR_RETURN(Mailbox m, LoadMailbox(tx, account_id, name, for_update));
  if (m.noselect) return ReasonError(Reason::kNoSuchMailbox, "mailbox cannot be selected: " + name);
  return m;
}

uint32_t MaxUid(pqxx::transaction_base& tx, int64_t mailbox_id) {
  pqxx::result r =
      tx.exec_params("SELECT coalesce(max(uid), 0) FROM mailbox_messages WHERE mailbox_id = $1",
                     mailbox_id);
  return r[0][0].as<uint32_t>();
}

MailboxInfo InfoOf(const Mailbox& m) {
  MailboxInfo info;
  info.name = m.name;
  info.uidvalidity = m.uidvalidity;
  info.uidnext = m.uidnext;
  info.highestmodseq = m.highestmodseq;
  info.special_use = m.special_use;
  info.noselect = m.noselect;
  return info;
}

MailboxInfo InfoWithCounts(pqxx::transaction_base& tx, const Mailbox& m) {
  MailboxInfo info = InfoOf(m);
  pqxx::result r = tx.exec_params(
      "SELECT count(*), count(*) FILTER (WHERE flags & 1 = 0), count(*) FILTER (WHERE flags & 8 "
      "<> 0), coalesce(sum(size), 0), (SELECT min(uid) FROM mailbox_messages WHERE mailbox_id = "
      "$1 AND flags & 1 = 0), count(*) FILTER (WHERE uid > $2) FROM mailbox_messages WHERE "
      "mailbox_id = $1",
      m.id, static_cast<int64_t>(m.recent_uid));
  info.recent = r[0][5].as<uint32_t>();
  info.messages = r[0][0].as<uint32_t>();
  info.unseen = r[0][1].as<uint32_t>();
  info.deleted = r[0][2].as<uint32_t>();
  info.size = r[0][3].as<uint64_t>();
  if (!r[0][4].is_null()) {
    pqxx::result s = tx.exec_params(
        "SELECT count(*) FROM mailbox_messages WHERE mailbox_id = $1 AND uid <= $2", m.id,
        r[0][4].as<uint32_t>());
    info.first_unseen_seq = s[0][0].as<uint32_t>();
  }
  return info;
}

FlagState FlagStateFromRow(const pqxx::row& row) {
  FlagState out;
  out.uid = row[0].as<uint32_t>();
  out.flags = row[1].as<uint32_t>();
  out.keywords = pg::ParseTextArray(row[2]);
  out.modseq = row[3].as<uint64_t>();
  return out;
}

absl::Status ValidateFlags(uint32_t flags, const std::vector<std::string>& keywords) {
  if (flags & ~kAllFlags) return absl::InvalidArgumentError("flags: unknown system flag bits");
  if (keywords.size() > 64) return absl::InvalidArgumentError("keywords: more than 64");
  for (const auto& k : keywords) {
    if (k.empty() || k.size() > 128) return absl::InvalidArgumentError("keyword: empty or too long");
    for (unsigned char c : k) {
      if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' ||
          c == '"' || c == '\\' || c == ']') {
        return absl::InvalidArgumentError("keyword: not an IMAP atom: " + k);
      }
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> SortedKeywords(const std::vector<std::string>& keywords) {
  std::set<std::string> s(keywords.begin(), keywords.end());
  return {s.begin(), s.end()};
}

}  // namespace internal

MailStore::MailStore(pg::Pool& db, Probe& probe, ChangePublisher& publisher, StoreLimits limits)
    : db_(db), probe_(probe), publisher_(publisher), limits_(limits) {
  internal::PrepareDelivery(db_);
  internal::PrepareReads(db_);
}

absl::Status MailStore::Change(
    const std::string& op,
    const std::function<absl::Status(pqxx::transaction_base&, std::vector<ChangeNote>&)>& fn) {
  std::vector<ChangeNote> hints;
  absl::Status s = db_.Run(op, pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    hints.clear();
    return fn(tx, hints);
  });
  // Hints go out after the commit, batched by the publisher (see ChangePublisher).
  if (s.ok()) {
    for (auto& h : hints) publisher_.Publish(std::move(h));
  }
  return s;
}

void MailStore::CollectGarbage(const std::vector<int64_t>& message_ids) {
  if (message_ids.empty()) return;
  // Best effort, after the expunge committed: content no copy refers to any more. A delivery of
  // identical content racing with this makes the DELETE fail its foreign-key check; the row then
  // stays, which is right.
  (void)db_.Run("gc", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    tx.exec_params(
        "DELETE FROM messages m WHERE m.id = ANY($1::bigint[]) AND NOT EXISTS (SELECT 1 FROM "
        "mailbox_messages mm WHERE mm.message_id = m.id) AND NOT EXISTS (SELECT 1 FROM "
        "outbound_queue q WHERE q.message_id = m.id)",
        pg::IntArray(message_ids));
    return absl::OkStatus();
  });
}

}  // namespace tern::storage
