// Mailboxes: create (with missing parents), rename (with children; INBOX moves its mail),
// delete (a mailbox with children becomes \Noselect), list with IMAP patterns, subscribe.
#include <strings.h>

#include <set>

#include "probe.h"
#include "store.h"
#include "store_internal.h"
#include "tern/core/error.h"
#include "tern/core/status.h"

namespace tern::storage {

using internal::InfoOf;
using internal::InfoWithCounts;
using internal::kMailboxColumns;
using internal::LoadMailbox;
using internal::Mailbox;
using internal::MailboxFromRow;

absl::StatusOr<MailboxInfo> MailStore::CreateMailbox(const CreateMailboxArgs& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.name));
  if (req.special_use < 0 || req.special_use > kMaxSpecialUse) {
    return absl::InvalidArgumentError("special_use: unknown value");
  }
  MailboxInfo info;
  TERN_RETURN_IF_ERROR(db_.Run("create_mailbox", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    auto existing = LoadMailbox(tx, account_id, name, true);
    if (existing.ok() && !existing->noselect) {
      return ReasonError(Reason::kAlreadyExists, "mailbox exists: " + name);
    }
    if (existing.ok()) {
      tx.exec_params("UPDATE mailboxes SET noselect = false, special_use = $2 WHERE id = $1",
                     existing->id, req.special_use);
    } else {
      // Superior levels are created as needed (RFC 3501 CREATE).
      for (size_t pos = name.find('/'); pos != std::string::npos; pos = name.find('/', pos + 1)) {
        tx.exec_params(
            "INSERT INTO mailboxes (account_id, name, uidvalidity) VALUES ($1, $2, "
            "nextval('uidvalidity_seq')) ON CONFLICT (account_id, name) DO NOTHING",
            account_id, name.substr(0, pos));
      }
      tx.exec_params(
          "INSERT INTO mailboxes (account_id, name, uidvalidity, special_use) VALUES ($1, $2, "
          "nextval('uidvalidity_seq'), $3)",
          account_id, name, req.special_use);
    }
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadMailbox(tx, account_id, name, false));
    info = InfoWithCounts(tx, m);
    return absl::OkStatus();
  }));
  return info;
}

absl::Status MailStore::RenameMailbox(const std::string& account, const std::string& from_name,
                                     const std::string& to_name) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(account));
  TERN_ASSIGN_OR_RETURN(std::string from, NormalizeMailbox(from_name));
  TERN_ASSIGN_OR_RETURN(std::string to, NormalizeMailbox(to_name));
  if (from == to) return ReasonError(Reason::kAlreadyExists, "mailbox exists: " + to);
  if (to.rfind(from + "/", 0) == 0) {
    return absl::InvalidArgumentError("cannot rename a mailbox into its own child");
  }
  if (to == "INBOX") return ReasonError(Reason::kAlreadyExists, "mailbox exists: INBOX");
  return Change("rename_mailbox", [&](pqxx::transaction_base& tx, std::vector<ChangeNote>& hints) {
    TERN_ASSIGN_OR_RETURN(Mailbox src, LoadMailbox(tx, account_id, from, true));
    if (LoadMailbox(tx, account_id, to, false).ok()) {
      return ReasonError(Reason::kAlreadyExists, "mailbox exists: " + to);
    }
    for (size_t pos = to.find('/'); pos != std::string::npos; pos = to.find('/', pos + 1)) {
      tx.exec_params(
          "INSERT INTO mailboxes (account_id, name, uidvalidity) VALUES ($1, $2, "
          "nextval('uidvalidity_seq')) ON CONFLICT (account_id, name) DO NOTHING",
          account_id, to.substr(0, pos));
    }
    if (from == "INBOX") {
      // RFC 3501: renaming INBOX moves its messages to the new name and leaves INBOX empty.
      pqxx::result r = tx.exec_params(
          "INSERT INTO mailboxes (account_id, name, uidvalidity, uidnext, highestmodseq) VALUES "
          "($1, $2, nextval('uidvalidity_seq'), $3, $4) RETURNING id",
          account_id, to, src.uidnext, src.highestmodseq);
      int64_t new_id = r[0][0].as<int64_t>();
      uint64_t modseq = src.highestmodseq + 1;
      tx.exec_params(
          "INSERT INTO expunged (mailbox_id, uid, modseq) SELECT mailbox_id, uid, $2 FROM "
          "mailbox_messages WHERE mailbox_id = $1 ON CONFLICT (mailbox_id, uid) DO UPDATE SET "
          "modseq = EXCLUDED.modseq",
          src.id, modseq);
      tx.exec_params("UPDATE mailbox_messages SET mailbox_id = $2 WHERE mailbox_id = $1", src.id,
                     new_id);
      tx.exec_params("UPDATE mailboxes SET highestmodseq = $2 WHERE id = $1", src.id, modseq);
      hints.push_back({account_id, src.name, modseq, src.uidnext});
      return absl::OkStatus();
    }
    tx.exec_params(
        "UPDATE mailboxes SET name = $3 || substr(name, length($2) + 1) WHERE account_id = $1 AND "
        "(name = $2 OR starts_with(name, $2 || '/'))",
        account_id, from, to);
    tx.exec_params(
        "UPDATE subscriptions SET name = $3 || substr(name, length($2) + 1) WHERE account_id = $1 "
        "AND (name = $2 OR starts_with(name, $2 || '/')) AND NOT EXISTS (SELECT 1 FROM "
        "subscriptions s WHERE s.account_id = $1 AND s.name = $3 || substr(subscriptions.name, "
        "length($2) + 1))",
        account_id, from, to);
    return absl::OkStatus();
  });
}

absl::Status MailStore::DeleteMailbox(const std::string& account, const std::string& mailbox) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(mailbox));
  if (name == "INBOX") return WithReason(absl::FailedPreconditionError("INBOX cannot be deleted"), Reason::kNotAllowed);
  std::vector<int64_t> freed;
  TERN_RETURN_IF_ERROR(Change("delete_mailbox", [&](pqxx::transaction_base& tx, std::vector<ChangeNote>& hints) {
    freed.clear();
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadMailbox(tx, account_id, name, true));
    bool children = !tx.exec_params(
                           "SELECT 1 FROM mailboxes WHERE account_id = $1 AND starts_with(name, "
                           "$2 || '/') LIMIT 1",
                           account_id, name)
                         .empty();
    if (children && m.noselect) {
      return absl::FailedPreconditionError("mailbox has children and holds no messages");
    }
    pqxx::result gone = tx.exec_params(
        "DELETE FROM mailbox_messages WHERE mailbox_id = $1 RETURNING message_id, size", m.id);
    int64_t bytes = 0;
    for (const auto& row : gone) {
      freed.push_back(row[0].as<int64_t>());
      bytes += row[1].as<int64_t>();
    }
    tx.exec_params(
        "UPDATE mail_accounts SET used_bytes = greatest(used_bytes - $2, 0), used_messages = "
        "greatest(used_messages - $3, 0) WHERE id = $1",
        account_id, bytes, static_cast<int64_t>(gone.size()));
    if (children) {
      // RFC 3501: the mailbox stays as a \Noselect level for its children.
      tx.exec_params(
          "UPDATE mailboxes SET noselect = true, highestmodseq = highestmodseq + 1 WHERE id = $1",
          m.id);
      tx.exec_params("DELETE FROM expunged WHERE mailbox_id = $1", m.id);
    } else {
      tx.exec_params("DELETE FROM mailboxes WHERE id = $1", m.id);
    }
    hints.push_back({account_id, m.name, m.highestmodseq + 1, m.uidnext});
    return absl::OkStatus();
  }));
  probe_.MessagesExpunged(static_cast<int>(freed.size()));
  CollectGarbage(freed);
  return absl::OkStatus();
}

absl::StatusOr<MailboxList> MailStore::ListMailboxes(const ListMailboxesArgs& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  std::string pattern = req.reference + (req.pattern.empty() ? "*" : req.pattern);
  if (pattern.size() > 1000) return absl::InvalidArgumentError("pattern: too long");
  // INBOX is case-insensitive in patterns too.
  if (pattern.size() >= 5 && strncasecmp(pattern.c_str(), "INBOX", 5) == 0 &&
      (pattern.size() == 5 || pattern[5] == '/' || pattern[5] == '*' || pattern[5] == '%')) {
    pattern.replace(0, 5, "INBOX");
  }
  MailboxList out;
  TERN_RETURN_IF_ERROR(db_.Run("list_mailboxes", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    out = {};
    pqxx::result boxes = tx.exec_params(std::string("SELECT ") + kMailboxColumns +
                                            " FROM mailboxes WHERE account_id = $1 ORDER BY name",
                                        account_id);
    std::set<std::string> subscribed;
    for (const auto& row :
         tx.exec_params("SELECT name FROM subscriptions WHERE account_id = $1", account_id)) {
      subscribed.insert(row[0].as<std::string>());
    }
    std::set<std::string> names;
    for (const auto& row : boxes) names.insert(row[1].as<std::string>());
    for (const auto& row : boxes) {
      const Mailbox m = MailboxFromRow(row);
      if (!MatchPattern(pattern, m.name)) continue;
      bool is_subscribed = subscribed.count(m.name) > 0;
      if (req.subscribed_only && !is_subscribed) continue;
      MailboxInfo& info = out.mailboxes.emplace_back(
          req.with_counts && !m.noselect ? InfoWithCounts(tx, m) : InfoOf(m));
      info.subscribed = is_subscribed;
      auto child = names.lower_bound(m.name + "/");
      info.has_children = child != names.end() && child->rfind(m.name + "/", 0) == 0;
    }
    for (const auto& s : subscribed) {
      if (!names.count(s) && MatchPattern(pattern, s)) out.subscribed_nonexistent.push_back(s);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status MailStore::SetSubscribed(const std::string& account, const std::string& mailbox,
                                     bool subscribed) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(mailbox));
  return db_.Run("subscribe", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    if (subscribed) {
      tx.exec_params(
          "INSERT INTO subscriptions (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          account_id, name);
    } else {
      tx.exec_params("DELETE FROM subscriptions WHERE account_id = $1 AND name = $2", account_id,
                     name);
    }
    return absl::OkStatus();
  });
}

}  // namespace tern::storage
