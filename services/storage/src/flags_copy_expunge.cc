// Changing messages: flags and keywords (STORE, with UNCHANGEDSINCE), copy and move, expunge.
// Each raises the MODSEQ of the mailboxes it changes and records expunges with theirs.
#include <algorithm>

#include "probe.h"
#include "search.h"
#include "store.h"
#include "store_internal.h"
#include "tern/core/error.h"
#include "tern/core/status.h"

namespace tern::storage {

using internal::FlagStateFromRow;
using internal::LoadMailbox;
using internal::LoadSelectable;
using internal::Mailbox;
using internal::MaxUid;
using internal::SortedKeywords;
using internal::ValidateFlags;

absl::StatusOr<StoreFlagsResult> MailStore::StoreFlags(const StoreFlagsArgs& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox));
  TERN_RETURN_IF_ERROR(ValidateFlags(req.flags, req.keywords));
  const std::string kw = pg::TextArray(SortedKeywords(req.keywords));
  std::string flags_expr, kw_expr;
  switch (req.mode) {
    case StoreMode::kAdd:
      flags_expr = "flags | $3";
      kw_expr = "ARRAY(SELECT DISTINCT k FROM unnest(keywords || $4::text[]) k ORDER BY k)";
      break;
    case StoreMode::kRemove:
      flags_expr = "flags & ~$3";
      kw_expr = "ARRAY(SELECT k FROM unnest(keywords) k WHERE k <> ALL($4::text[]) ORDER BY k)";
      break;
    case StoreMode::kReplace:
      flags_expr = "$3";
      kw_expr = "$4::text[]";
      break;
    default:
      return absl::InvalidArgumentError("mode: unknown");
  }
  StoreFlagsResult out;
  TERN_RETURN_IF_ERROR(Change("store_flags", [&](pqxx::transaction_base& tx, std::vector<ChangeNote>& hints) {
    out = {};
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, true));
    TERN_ASSIGN_OR_RETURN(std::string cond,
                          IdSetSql(req.uids, "uid", MaxUid(tx, m.id), limits_.max_ranges));
    const uint64_t modseq = m.highestmodseq + 1;
    std::string guard = req.unchanged_since > 0
                            ? " AND modseq <= " + std::to_string(req.unchanged_since)
                            : std::string();
    if (req.unchanged_since > 0) {
      for (const auto& row : tx.exec_params("SELECT uid FROM mailbox_messages WHERE mailbox_id = $1 AND " +
                                                cond + " AND modseq > $2 ORDER BY uid",
                                            m.id, static_cast<int64_t>(req.unchanged_since))) {
        out.modified.push_back(row[0].as<uint32_t>());
      }
    }
    pqxx::result r = tx.exec_params(
        "UPDATE mailbox_messages SET flags = " + flags_expr + ", keywords = " + kw_expr +
            ", modseq = $2 WHERE mailbox_id = $1 AND " + cond + guard + " AND (flags, keywords) IS "
            "DISTINCT FROM (" + flags_expr + ", " + kw_expr + ") RETURNING uid, flags, keywords, "
            "modseq",
        m.id, static_cast<int64_t>(modseq), static_cast<int>(req.flags), kw);
    for (const auto& row : r) out.updated.push_back(FlagStateFromRow(row));
    std::sort(out.updated.begin(), out.updated.end(),
              [](const FlagState& a, const FlagState& b) { return a.uid < b.uid; });
    if (!r.empty()) {
      tx.exec_params("UPDATE mailboxes SET highestmodseq = $2 WHERE id = $1", m.id,
                     static_cast<int64_t>(modseq));
      hints.push_back({account_id, m.name, modseq, m.uidnext});
      out.highestmodseq = modseq;
    } else {
      out.highestmodseq = m.highestmodseq;
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<CopyResult> MailStore::Copy(const CopyArgs& req, bool move) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string from, NormalizeMailbox(req.mailbox));
  TERN_ASSIGN_OR_RETURN(std::string to, NormalizeMailbox(req.to_mailbox));
  CopyResult out;
  TERN_RETURN_IF_ERROR(Change(move ? "move" : "copy", [&](pqxx::transaction_base& tx, std::vector<ChangeNote>& hints) {
    out = {};
    // Lock both mailboxes in id order so that concurrent copies cannot deadlock.
    TERN_ASSIGN_OR_RETURN(Mailbox src, LoadSelectable(tx, account_id, from, false));
    auto dst_or = LoadSelectable(tx, account_id, to, false);
    if (!dst_or.ok()) return ReasonError(Reason::kMustCreateFirst, "no such mailbox: " + to);
    Mailbox dst = *dst_or;
    tx.exec_params("SELECT id FROM mailboxes WHERE id IN ($1, $2) ORDER BY id FOR UPDATE", src.id,
                   dst.id);
    TERN_ASSIGN_OR_RETURN(src, LoadMailbox(tx, account_id, from, false));
    TERN_ASSIGN_OR_RETURN(dst, LoadMailbox(tx, account_id, to, false));
    TERN_ASSIGN_OR_RETURN(std::string cond,
                          IdSetSql(req.uids, "uid", MaxUid(tx, src.id), limits_.max_ranges));
    pqxx::result rows = tx.exec_params(
        "SELECT uid, size FROM mailbox_messages WHERE mailbox_id = $1 AND " + cond + " ORDER BY uid",
        src.id);
    out.uidvalidity = dst.uidvalidity;
    if (rows.empty()) return absl::OkStatus();
    std::vector<int64_t> src_uids, dst_uids;
    int64_t bytes = 0;
    for (const auto& row : rows) {
      src_uids.push_back(row[0].as<int64_t>());
      dst_uids.push_back(dst.uidnext + static_cast<int64_t>(dst_uids.size()));
      bytes += row[1].as<int64_t>();
    }
    const int64_t n = static_cast<int64_t>(rows.size());
    if (src.id == dst.id && move) return absl::OkStatus();
    if (!move) {
      pqxx::result q = tx.exec_params(
          "UPDATE mail_accounts SET used_bytes = used_bytes + $2, used_messages = used_messages + "
          "$3 WHERE id = $1 AND (quota_bytes = 0 OR used_bytes + $2 <= quota_bytes) AND "
          "(quota_messages = 0 OR used_messages + $3 <= quota_messages) RETURNING id",
          account_id, bytes, n);
      if (q.empty()) return ReasonError(Reason::kQuotaExceeded, "quota exceeded for " + req.account);
    }
    const uint64_t dst_modseq = dst.highestmodseq + 1;
    tx.exec_params(
        "INSERT INTO mailbox_messages (mailbox_id, uid, message_id, flags, keywords, "
        "internal_date, modseq, size) SELECT $2, d.uid, mm.message_id, mm.flags, mm.keywords, "
        "mm.internal_date, $3, mm.size FROM mailbox_messages mm JOIN unnest($4::bigint[], "
        "$5::bigint[]) AS d(src, uid) ON d.src = mm.uid WHERE mm.mailbox_id = $1",
        src.id, dst.id, static_cast<int64_t>(dst_modseq), pg::IntArray(src_uids), pg::IntArray(dst_uids));
    tx.exec_params("UPDATE mailboxes SET uidnext = uidnext + $2, highestmodseq = $3 WHERE id = $1",
                   dst.id, n, static_cast<int64_t>(dst_modseq));
    hints.push_back({account_id, dst.name, dst_modseq, static_cast<uint32_t>(dst.uidnext + n)});
    if (move) {
      const uint64_t src_modseq = (src.id == dst.id ? dst_modseq : src.highestmodseq) + 1;
      tx.exec_params("DELETE FROM mailbox_messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[])",
                     src.id, pg::IntArray(src_uids));
      tx.exec_params(
          "INSERT INTO expunged (mailbox_id, uid, modseq) SELECT $1, u, $2 FROM "
          "unnest($3::bigint[]) u ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = "
          "EXCLUDED.modseq",
          src.id, static_cast<int64_t>(src_modseq), pg::IntArray(src_uids));
      tx.exec_params("UPDATE mailboxes SET highestmodseq = $2 WHERE id = $1", src.id,
                     static_cast<int64_t>(src_modseq));
      hints.push_back({account_id, src.name, src_modseq, src.uidnext});
    }
    for (auto u : src_uids) out.source_uids.push_back(static_cast<uint32_t>(u));
    for (auto u : dst_uids) out.dest_uids.push_back(static_cast<uint32_t>(u));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ExpungeResult> MailStore::Expunge(const ExpungeArgs& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox));
  if (req.ignore_deleted_flag && req.uids.empty()) {
    return absl::InvalidArgumentError("uids: required when ignoring the \\Deleted flag");
  }
  std::vector<int64_t> freed;
  ExpungeResult out;
  TERN_RETURN_IF_ERROR(Change("expunge", [&](pqxx::transaction_base& tx, std::vector<ChangeNote>& hints) {
    out = {};
    freed.clear();
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, true));
    std::string cond = "TRUE";
    if (!req.uids.empty()) {
      TERN_ASSIGN_OR_RETURN(cond, IdSetSql(req.uids, "uid", MaxUid(tx, m.id), limits_.max_ranges));
    }
    if (!req.ignore_deleted_flag) cond += " AND flags & 8 <> 0";
    const uint64_t modseq = m.highestmodseq + 1;
    pqxx::result gone = tx.exec_params(
        "DELETE FROM mailbox_messages WHERE mailbox_id = $1 AND " + cond +
            " RETURNING uid, message_id, size",
        m.id);
    if (gone.empty()) {
      out.highestmodseq = m.highestmodseq;
      return absl::OkStatus();
    }
    std::vector<int64_t> uids;
    int64_t bytes = 0;
    for (const auto& row : gone) {
      uids.push_back(row[0].as<int64_t>());
      freed.push_back(row[1].as<int64_t>());
      bytes += row[2].as<int64_t>();
    }
    std::sort(uids.begin(), uids.end());
    tx.exec_params(
        "INSERT INTO expunged (mailbox_id, uid, modseq) SELECT $1, u, $2 FROM unnest($3::bigint[]) "
        "u ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq",
        m.id, static_cast<int64_t>(modseq), pg::IntArray(uids));
    tx.exec_params("UPDATE mailboxes SET highestmodseq = $2 WHERE id = $1", m.id,
                   static_cast<int64_t>(modseq));
    tx.exec_params(
        "UPDATE mail_accounts SET used_bytes = greatest(used_bytes - $2, 0), used_messages = "
        "greatest(used_messages - $3, 0) WHERE id = $1",
        account_id, bytes, static_cast<int64_t>(uids.size()));
    hints.push_back({account_id, m.name, modseq, m.uidnext});
    for (auto u : uids) out.expunged.push_back(static_cast<uint32_t>(u));
    out.highestmodseq = modseq;
    return absl::OkStatus();
  }));
  probe_.MessagesExpunged(static_cast<int>(freed.size()));
  CollectGarbage(freed);
  return out;
}

}  // namespace tern::storage
