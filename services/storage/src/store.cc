#include "store.h"

#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "parsed.h"
#include "probe.h"
#include "search.h"
#include "tern/core/error.h"
#include "tern/core/log.h"
#include "tern/core/status.h"

namespace tern::storage {
namespace {

constexpr uint32_t kAllFlags = pb::FLAG_SEEN | pb::FLAG_ANSWERED | pb::FLAG_FLAGGED |
                               pb::FLAG_DELETED | pb::FLAG_DRAFT;

struct Mailbox {
  int64_t id = 0;
  std::string name;
  uint32_t uidvalidity = 0;
  uint32_t uidnext = 0;
  uint64_t highestmodseq = 0;
  int special_use = 0;
  bool noselect = false;
};

std::string Sha256(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof(md));
}

std::string Bytes(const pqxx::field& f) { return pqxx::binarystring(f).str(); }

absl::Status ValidateFlags(uint32_t flags, const google::protobuf::RepeatedPtrField<std::string>& kw) {
  if (flags & ~kAllFlags) return absl::InvalidArgumentError("flags: unknown system flag bits");
  if (kw.size() > 64) return absl::InvalidArgumentError("keywords: more than 64");
  for (const auto& k : kw) {
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

std::string TimestampSql(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return std::to_string(t.seconds());
}

absl::StatusOr<Mailbox> LoadMailbox(pqxx::transaction_base& tx, int64_t account_id,
                                    const std::string& name, bool for_update) {
  std::string sql =
      "SELECT id, name, uidvalidity, uidnext, highestmodseq, special_use, noselect FROM mailboxes "
      "WHERE account_id = $1 AND name = $2";
  if (for_update) sql += " FOR UPDATE";
  pqxx::result r = tx.exec_params(sql, account_id, name);
  if (r.empty()) return ReasonError(Reason::kNoSuchMailbox, "no such mailbox: " + name);
  Mailbox m;
  m.id = r[0][0].as<int64_t>();
  m.name = r[0][1].as<std::string>();
  m.uidvalidity = r[0][2].as<uint32_t>();
  m.uidnext = r[0][3].as<uint32_t>();
  m.highestmodseq = r[0][4].as<uint64_t>();
  m.special_use = r[0][5].as<int>();
  m.noselect = r[0][6].as<bool>();
  return m;
}

absl::StatusOr<Mailbox> LoadSelectable(pqxx::transaction_base& tx, int64_t account_id,
                                       const std::string& name, bool for_update) {
  TERN_ASSIGN_OR_RETURN(Mailbox m, LoadMailbox(tx, account_id, name, for_update));
  if (m.noselect) return ReasonError(Reason::kNoSuchMailbox, "mailbox cannot be selected: " + name);
  return m;
}

// The largest UID in use, the value of "*" in UID sets.
uint32_t MaxUid(pqxx::transaction_base& tx, int64_t mailbox_id) {
  pqxx::result r =
      tx.exec_params("SELECT coalesce(max(uid), 0) FROM mailbox_messages WHERE mailbox_id = $1",
                     mailbox_id);
  return r[0][0].as<uint32_t>();
}

void FillCounts(pqxx::transaction_base& tx, const Mailbox& m, pb::MailboxInfo* info) {
  info->set_name(m.name);
  info->set_uidvalidity(m.uidvalidity);
  info->set_uidnext(m.uidnext);
  info->set_highestmodseq(m.highestmodseq);
  info->set_special_use(static_cast<pb::SpecialUse>(m.special_use));
  info->set_noselect(m.noselect);
  pqxx::result r = tx.exec_params(
      "SELECT count(*), count(*) FILTER (WHERE flags & 1 = 0), count(*) FILTER (WHERE flags & 8 "
      "<> 0), coalesce(sum(size), 0), (SELECT min(uid) FROM mailbox_messages WHERE mailbox_id = "
      "$1 AND flags & 1 = 0) FROM mailbox_messages WHERE mailbox_id = $1",
      m.id);
  info->set_messages(r[0][0].as<uint32_t>());
  info->set_unseen(r[0][1].as<uint32_t>());
  info->set_deleted(r[0][2].as<uint32_t>());
  info->set_size(r[0][3].as<uint64_t>());
  if (!r[0][4].is_null()) {
    pqxx::result s = tx.exec_params(
        "SELECT count(*) FROM mailbox_messages WHERE mailbox_id = $1 AND uid <= $2", m.id,
        r[0][4].as<uint32_t>());
    info->set_first_unseen_seq(s[0][0].as<uint32_t>());
  }
}

void FillFlagState(const pqxx::row& row, pb::FlagState* out) {
  out->set_uid(row[0].as<uint32_t>());
  out->set_flags(row[1].as<uint32_t>());
  for (auto& k : pg::ParseTextArray(row[2])) out->add_keywords(std::move(k));
  out->set_modseq(row[3].as<uint64_t>());
}

std::vector<std::string> Keywords(const google::protobuf::RepeatedPtrField<std::string>& kw) {
  std::set<std::string> s(kw.begin(), kw.end());
  return {s.begin(), s.end()};
}

// Finds the part an IMAP section path names (see FetchContentRequest).
absl::StatusOr<const pb::BodyPart*> FindPart(const pb::BodyPart& root,
                                             const google::protobuf::RepeatedField<uint32_t>& path) {
  const pb::BodyPart* cur = &root;
  for (int i = 0; i < path.size(); ++i) {
    uint32_t n = path[i];
    if (n == 0) return absl::InvalidArgumentError("part numbers start at 1");
    if (i > 0 && cur->type() == "message" && cur->subtype() == "rfc822" &&
        cur->children_size() == 1) {
      cur = &cur->children(0);
    }
    if (cur->type() == "multipart") {
      if (n > static_cast<uint32_t>(cur->children_size())) {
        return absl::NotFoundError("no such body part");
      }
      cur = &cur->children(n - 1);
    } else if (n != 1) {
      return absl::NotFoundError("no such body part");
    }
  }
  return cur;
}

// A one-dimensional PostgreSQL array in the binary wire format (what array_recv reads), sent
// as one binary parameter: a batch's message bodies go to the server as they are, unquoted.
class BinaryArray {
 public:
  // Element type OIDs.
  static constexpr uint32_t kBytea = 17, kInt8 = 20, kInt4 = 23, kText = 25;

  explicit BinaryArray(uint32_t element_type) : element_type_(element_type) {
    data_.resize(kHeader);
  }
  void Add(std::string_view value) {
    Put32(static_cast<uint32_t>(value.size()));
    data_.append(value);
    ++count_;
  }
  void AddInt8(int64_t value) {
    Put32(8);
    Put32(static_cast<uint32_t>(static_cast<uint64_t>(value) >> 32));
    Put32(static_cast<uint32_t>(value));
    ++count_;
  }
  void AddInt4(int32_t value) {
    Put32(4);
    Put32(static_cast<uint32_t>(value));
    ++count_;
  }
  void AddNull() {
    Put32(0xffffffff);  // length -1
    has_null_ = true;
    ++count_;
  }
  // The parameter: header (one dimension, lower bound 1) and elements.
  pqxx::binarystring Finish() {
    const uint32_t header[kHeader / 4] = {1, has_null_ ? 1u : 0u, element_type_, count_, 1};
    for (size_t i = 0; i < kHeader / 4; ++i) Set32(i * 4, header[i]);
    return pqxx::binarystring(data_);
  }

 private:
  static constexpr size_t kHeader = 20;
  void Put32(uint32_t v) {
    data_.resize(data_.size() + 4);
    Set32(data_.size() - 4, v);
  }
  void Set32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) data_[at + i] = static_cast<char>(v >> (24 - 8 * i));
  }

  const uint32_t element_type_;
  uint32_t count_ = 0;
  bool has_null_ = false;
  std::string data_;
};

// The status of one delivery refused in a batch (see tern_deliver_batch), as Pool::Run maps
// the same SQLSTATE for a delivery alone.
absl::Status RefusalStatus(const std::string& state, const std::string& message) {
  if (auto raised = pg::RaisedError(state, message)) return *raised;
  log::Error("database error", {{"op", "deliver_batch"}, {"sqlstate", state}, {"error", message}});
  return absl::InternalError("database error");
}

}  // namespace

MailStore::MailStore(pg::Pool& db, Probe& probe, ChangePublisher& publisher, StoreLimits limits)
    : db_(db), probe_(probe), publisher_(publisher), limits_(limits) {
  db_.Prepare("fetch_many",
              "SELECT mm.uid, m.content FROM mailboxes b JOIN mailbox_messages mm ON "
              "mm.mailbox_id = b.id JOIN messages m ON m.id = mm.message_id WHERE b.account_id = "
              "$1 AND b.name = $2 AND NOT b.noselect AND mm.uid = ANY($3::bigint[]) AND m.size <= "
              "$4 ORDER BY mm.uid");
  db_.Prepare("fetch_small",
              "SELECT m.size, CASE WHEN m.size <= $4 THEN m.content END FROM mailboxes b JOIN "
              "mailbox_messages mm ON mm.mailbox_id = b.id JOIN messages m ON m.id = "
              "mm.message_id WHERE b.account_id = $1 AND b.name = $2 AND NOT b.noselect AND "
              "mm.uid = $3");
  db_.Prepare("deliver",
              "SELECT message_id, account, uidvalidity, uid, account_id, modseq FROM "
              "tern_deliver($1::text[], $2, $3, $4, $5, $6, $7, $8, to_timestamp($9::bigint), $10, "
              "$11, coalesce(to_timestamp($12::bigint), now()), $13, $14::text[])");
  db_.Prepare("deliver_batch",
              "SELECT delivery, message_id, account, account_id, uidvalidity, uid, modseq, job_id, "
              "refusal_state, refusal FROM tern_deliver_batch($1::text[], $2::text[], "
              "$3::bytea[], $4::bigint[], $5::bigint[], $6::bytea[], $7::bytea[], $8::bytea[], "
              "$9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::integer[], "
              "$14::text[], $15::text[], $16::text[])");
  db_.Prepare("set_pop3_size", "UPDATE messages SET pop3_size = $2 WHERE id = $1");
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

absl::StatusOr<int64_t> MailStore::AccountId(const std::string& account) {
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeAccount(account));
  {
    absl::MutexLock lock(&cache_mu_);
    auto it = account_ids_.find(name);
    if (it != account_ids_.end()) return it->second;
  }
  int64_t id = 0;
  TERN_RETURN_IF_ERROR(db_.Run("account", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    id = tx.exec_params("SELECT tern_account_id($1)", name)[0][0].as<int64_t>();
    return absl::OkStatus();
  }));
  absl::MutexLock lock(&cache_mu_);
  if (account_ids_.size() > 100000) account_ids_.clear();
  account_ids_[name] = id;
  return id;
}

absl::StatusOr<bool> MailStore::EnsureAccount(const std::string& account) {
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeAccount(account));
  bool created = false;
  TERN_RETURN_IF_ERROR(db_.Run("account", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    created = tx.exec_params("SELECT 1 FROM mail_accounts WHERE name = $1", name).empty();
    tx.exec_params("SELECT tern_account_id($1)", name);
    return absl::OkStatus();
  }));
  return created;
}

absl::StatusOr<uint32_t> MailStore::DeleteAccount(const std::string& account) {
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeAccount(account));
  std::vector<int64_t> freed;
  TERN_RETURN_IF_ERROR(db_.Run("delete_account", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    freed.clear();
    for (const auto& row : tx.exec_params(
             "DELETE FROM mailbox_messages WHERE mailbox_id IN (SELECT b.id FROM mailboxes b JOIN "
             "mail_accounts a ON a.id = b.account_id WHERE a.name = $1) RETURNING message_id",
             name)) {
      freed.push_back(row[0].as<int64_t>());
    }
    tx.exec_params("DELETE FROM mail_accounts WHERE name = $1", name);
    return absl::OkStatus();
  }));
  {
    absl::MutexLock lock(&cache_mu_);
    account_ids_.erase(name);
  }
  probe_.MessagesExpunged(static_cast<int>(freed.size()));
  CollectGarbage(freed);
  return static_cast<uint32_t>(freed.size());
}

absl::Status MailStore::CreateMailbox(const pb::CreateMailboxRequest& req,
                                      pb::CreateMailboxResponse* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.name()));
  if (req.special_use() < 0 || req.special_use() > pb::SpecialUse_MAX) {
    return absl::InvalidArgumentError("special_use: unknown value");
  }
  return db_.Run("create_mailbox", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    auto existing = LoadMailbox(tx, account_id, name, true);
    if (existing.ok() && !existing->noselect) {
      return ReasonError(Reason::kAlreadyExists, "mailbox exists: " + name);
    }
    if (existing.ok()) {
      tx.exec_params("UPDATE mailboxes SET noselect = false, special_use = $2 WHERE id = $1",
                     existing->id, static_cast<int>(req.special_use()));
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
          account_id, name, static_cast<int>(req.special_use()));
    }
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadMailbox(tx, account_id, name, false));
    FillCounts(tx, m, resp->mutable_mailbox());
    return absl::OkStatus();
  });
}

absl::Status MailStore::RenameMailbox(const pb::RenameMailboxRequest& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string from, NormalizeMailbox(req.from()));
  TERN_ASSIGN_OR_RETURN(std::string to, NormalizeMailbox(req.to()));
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

absl::Status MailStore::DeleteMailbox(const pb::DeleteMailboxRequest& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.name()));
  if (name == "INBOX") return absl::FailedPreconditionError("INBOX cannot be deleted");
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

absl::Status MailStore::ListMailboxes(const pb::ListMailboxesRequest& req,
                                      pb::ListMailboxesResponse* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  std::string pattern = req.reference() + (req.pattern().empty() ? "*" : req.pattern());
  if (pattern.size() > 1000) return absl::InvalidArgumentError("pattern: too long");
  // INBOX is case-insensitive in patterns too.
  if (pattern.size() >= 5 && strncasecmp(pattern.c_str(), "INBOX", 5) == 0 &&
      (pattern.size() == 5 || pattern[5] == '/' || pattern[5] == '*' || pattern[5] == '%')) {
    pattern.replace(0, 5, "INBOX");
  }
  return db_.Run("list_mailboxes", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    pqxx::result boxes = tx.exec_params(
        "SELECT id, name, uidvalidity, uidnext, highestmodseq, special_use, noselect FROM "
        "mailboxes WHERE account_id = $1 ORDER BY name",
        account_id);
    std::set<std::string> subscribed;
    for (const auto& row :
         tx.exec_params("SELECT name FROM subscriptions WHERE account_id = $1", account_id)) {
      subscribed.insert(row[0].as<std::string>());
    }
    std::set<std::string> names;
    for (const auto& row : boxes) names.insert(row[1].as<std::string>());
    for (const auto& row : boxes) {
      Mailbox m;
      m.id = row[0].as<int64_t>();
      m.name = row[1].as<std::string>();
      m.uidvalidity = row[2].as<uint32_t>();
      m.uidnext = row[3].as<uint32_t>();
      m.highestmodseq = row[4].as<uint64_t>();
      m.special_use = row[5].as<int>();
      m.noselect = row[6].as<bool>();
      if (!MatchPattern(pattern, m.name)) continue;
      bool is_subscribed = subscribed.count(m.name) > 0;
      if (req.subscribed_only() && !is_subscribed) continue;
      pb::MailboxInfo* info = resp->add_mailboxes();
      if (req.with_counts() && !m.noselect) {
        FillCounts(tx, m, info);
      } else {
        info->set_name(m.name);
        info->set_uidvalidity(m.uidvalidity);
        info->set_uidnext(m.uidnext);
        info->set_highestmodseq(m.highestmodseq);
        info->set_special_use(static_cast<pb::SpecialUse>(m.special_use));
        info->set_noselect(m.noselect);
      }
      info->set_subscribed(is_subscribed);
      auto next = names.upper_bound(m.name + "/");
      auto child = names.lower_bound(m.name + "/");
      (void)next;
      info->set_has_children(child != names.end() && child->rfind(m.name + "/", 0) == 0);
    }
    for (const auto& s : subscribed) {
      if (!names.count(s) && MatchPattern(pattern, s)) resp->add_subscribed_nonexistent(s);
    }
    return absl::OkStatus();
  });
}

absl::Status MailStore::SetSubscribed(const pb::SetSubscribedRequest& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.name()));
  return db_.Run("subscribe", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    if (req.subscribed()) {
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

// One WriteMessage call: its validated input, and its outcome once its batch is written.
struct MailStore::WriteJob {
  const std::vector<std::string>& accounts;
  const std::string& mailbox;
  const std::string& content;
  const ParsedMessage parsed;
  const std::string sha;
  const google::protobuf::Timestamp& date;
  const uint32_t flags;
  const std::vector<std::string>& keywords;
  const std::string& sender;
  const std::vector<std::string>& outbound;
  // Set by the batch's leader before `turn`.
  pb::DeliverResponse* resp;
  std::vector<ChangeNote> hints;
  absl::Status status;
  bool lead = false;  // set before `turn`: this caller writes the next batch
  // Notified once: this call is written (the outcome above is final), or it is this caller's
  // turn to lead.
  absl::Notification turn;

  // The POP3 size differs from the stored size (a bare LF, no final line end): Write() stores
  // it, so the job is written alone, in a transaction (see RunWriteBatch).
  bool SetsPop3Size() const { return parsed.pop3_size != parsed.size; }
  // The statements of this delivery; throws what libpqxx throws.
  void Write(pqxx::transaction_base& tx);
};

void MailStore::WriteJob::Write(pqxx::transaction_base& tx) {
  resp->Clear();
  hints.clear();
  std::optional<std::string> sent;
  if (parsed.sent_date) sent = std::to_string(absl::ToUnixSeconds(*parsed.sent_date));
  const std::string when = TimestampSql(date);
  pqxx::result r = tx.exec_prepared(
      "deliver", pg::TextArray(accounts), mailbox, pqxx::binarystring(sha),
      static_cast<int64_t>(parsed.size), static_cast<int64_t>(parsed.header_size),
      pqxx::binarystring(content), pqxx::binarystring(parsed.envelope),
      pqxx::binarystring(parsed.body_structure), sent ? sent->c_str() : nullptr,
      parsed.header_text, parsed.body_text ? parsed.body_text->c_str() : nullptr,
      when.empty() ? nullptr : when.c_str(), static_cast<int>(flags), pg::TextArray(keywords));
  for (const auto& row : r) {
    resp->set_message_id(row[0].as<uint64_t>());
    pb::DeliveredCopy* c = resp->add_copies();
    c->set_account(row[1].as<std::string>());
    c->set_mailbox(mailbox);
    c->set_uidvalidity(row[2].as<uint32_t>());
    c->set_uid(row[3].as<uint32_t>());
    hints.push_back({row[4].as<int64_t>(), mailbox, row[5].as<uint64_t>(), c->uid() + 1});
  }
  if (!outbound.empty()) {
    int64_t id = tx.exec_params("SELECT id FROM messages WHERE sha256 = $1",
                                pqxx::binarystring(sha))[0][0]
                     .as<int64_t>();
    resp->set_message_id(id);
    for (const auto& row : tx.exec_params("SELECT tern_enqueue($1, $2, $3::text[])", id, sender,
                                          pg::TextArray(outbound))) {
      resp->add_outbound_jobs(row[0].as<uint64_t>());
    }
  }
  if (SetsPop3Size()) {
    // NULL means equal to size (migration 0008), so only these messages get a value. The row may
    // be older (content is stored once by sha256): it gets the same value again.
    tx.exec_prepared("set_pop3_size", static_cast<int64_t>(resp->message_id()),
                     static_cast<int64_t>(parsed.pop3_size));
  }
}

absl::Status MailStore::WriteMessage(const std::vector<std::string>& accounts,
                                     const std::string& mailbox, const std::string& content,
                                     const google::protobuf::Timestamp& date, uint32_t flags,
                                     const std::vector<std::string>& keywords,
                                     pb::DeliverResponse* resp, const std::string& sender,
                                     const std::vector<std::string>& outbound) {
  if (content.empty()) return absl::InvalidArgumentError("message: empty");
  if (content.size() > limits_.max_message_bytes) {
    return ReasonError(Reason::kMessageTooLarge, "size: message larger than " +
                                        std::to_string(limits_.max_message_bytes) + " bytes");
  }
  // Parsing and hashing happen here, in the caller's thread, while another batch is written.
  ParsedMessage parsed = ParseForStorage(content);
  WriteJob job{.accounts = accounts,
               .mailbox = mailbox,
               .content = content,
               .parsed = std::move(parsed),
               .sha = Sha256(content),
               .date = date,
               .flags = flags,
               .keywords = keywords,
               .sender = sender,
               .outbound = outbound,
               .resp = resp};
  bool lead = false;
  {
    absl::MutexLock lock(&write_mu_);
    if (write_batches_ < kMaxWriteBatches) {
      ++write_batches_;  // a writer is free: start at once
      lead = true;
    } else {
      write_queue_.push_back(&job);
    }
  }
  if (!lead) {
    // Gather while the batch in flight is written: then either another caller's batch has
    // written this call, or this caller leads the next batch.
    job.turn.WaitForNotification();
    lead = job.lead;
  }
  if (lead) {
    std::vector<WriteJob*> batch = {&job};
    {
      absl::MutexLock lock(&write_mu_);
      while (!write_queue_.empty() && batch.size() < kMaxWriteBatch) {
        batch.push_back(write_queue_.front());
        write_queue_.pop_front();
      }
    }
    RunWriteBatch(batch);
    WriteJob* next = nullptr;
    {
      absl::MutexLock lock(&write_mu_);
      if (write_queue_.empty()) {
        --write_batches_;
      } else {
        next = write_queue_.front();  // the calls gathered meanwhile are its batch
        write_queue_.pop_front();
        next->lead = true;
      }
    }
    if (next) next->turn.Notify();
    // After Notify a follower may return: its job is not touched again.
    for (WriteJob* j : batch) {
      if (j != &job) j->turn.Notify();
    }
  }
  TERN_RETURN_IF_ERROR(job.status);
  // Hints go out after the commit, batched by the publisher (see ChangePublisher).
  for (auto& h : job.hints) publisher_.Publish(std::move(h));
  probe_.MessagesStored(static_cast<int>(accounts.size()), content.size());
  return absl::OkStatus();
}

void MailStore::RunWriteBatch(std::vector<WriteJob*> batch) {
  if (batch.size() > 1) {
    // tern_deliver_batch does not store a POP3 size: a job that has one of its own is written
    // alone, the rest of the batch as before.
    auto alone = std::stable_partition(batch.begin(), batch.end(),
                                       [](const WriteJob* j) { return !j->SetsPop3Size(); });
    if (alone != batch.end()) {
      std::vector<WriteJob*> singles(alone, batch.end());
      batch.erase(alone, batch.end());
      if (!batch.empty()) RunWriteBatch(std::move(batch));
      for (WriteJob* job : singles) RunWriteBatch({job});
      return;
    }
  }
  probe_.WriteBatch(batch.size());
  if (batch.size() == 1) {
    // Alone, local copies only: one statement, autocommitted. With outbound recipients or a
    // POP3 size to store: the same statement and the queue rows or the size in one transaction
    // (250 means stored and queued).
    WriteJob& job = *batch[0];
    const pg::TxMode mode = job.outbound.empty() && !job.SetsPop3Size()
                                ? pg::TxMode::kAutocommit
                                : pg::TxMode::kReadWrite;
    job.status = db_.Run("deliver", mode, [&](pqxx::transaction_base& tx) {
      job.Write(tx);
      return absl::OkStatus();
    });
    return;
  }
  // Each delivery locks its accounts and mailboxes in name order, and they stay locked until
  // the batch commits. Sorted by first account, two batches (two replicas) mostly take their
  // locks in one order; a deadlock left over (40P01) is retried whole by the pool.
  std::stable_sort(batch.begin(), batch.end(), [](const WriteJob* a, const WriteJob* b) {
    if (a->accounts.empty() || b->accounts.empty()) return a->accounts.size() < b->accounts.size();
    return a->accounts.front() < b->accounts.front();
  });
  BinaryArray accounts(BinaryArray::kText), mailbox(BinaryArray::kText),
      sha(BinaryArray::kBytea), size(BinaryArray::kInt8), header_size(BinaryArray::kInt8),
      content(BinaryArray::kBytea), envelope(BinaryArray::kBytea),
      body_structure(BinaryArray::kBytea), sent(BinaryArray::kInt8),
      header_text(BinaryArray::kText), body_text(BinaryArray::kText),
      internal_date(BinaryArray::kInt8), flags(BinaryArray::kInt4), keywords(BinaryArray::kText),
      sender(BinaryArray::kText), outbound(BinaryArray::kText);
  for (const WriteJob* job : batch) {
    accounts.Add(pg::TextArray(job->accounts));
    mailbox.Add(job->mailbox);
    sha.Add(job->sha);
    size.AddInt8(static_cast<int64_t>(job->parsed.size));
    header_size.AddInt8(static_cast<int64_t>(job->parsed.header_size));
    content.Add(job->content);
    envelope.Add(job->parsed.envelope);
    body_structure.Add(job->parsed.body_structure);
    if (job->parsed.sent_date) {
      sent.AddInt8(absl::ToUnixSeconds(*job->parsed.sent_date));
    } else {
      sent.AddNull();
    }
    header_text.Add(job->parsed.header_text);
    if (job->parsed.body_text) {
      body_text.Add(*job->parsed.body_text);
    } else {
      body_text.AddNull();
    }
    if (job->date.seconds() != 0 || job->date.nanos() != 0) {
      internal_date.AddInt8(job->date.seconds());
    } else {
      internal_date.AddNull();
    }
    flags.AddInt4(static_cast<int32_t>(job->flags));
    keywords.Add(pg::TextArray(job->keywords));
    sender.Add(job->sender);
    outbound.Add(pg::TextArray(job->outbound));
  }
  const pqxx::binarystring params[] = {
      accounts.Finish(),    mailbox.Finish(),   sha.Finish(),           size.Finish(),
      header_size.Finish(), content.Finish(),   envelope.Finish(),      body_structure.Finish(),
      sent.Finish(),        header_text.Finish(), body_text.Finish(),   internal_date.Finish(),
      flags.Finish(),       keywords.Finish(),  sender.Finish(),        outbound.Finish()};
  // One statement, so one implicit transaction and one round trip; a refused delivery is rolled
  // back alone by tern_deliver_batch and reported by a row of its own.
  int attempt = 0;
  bool committed = false;
  absl::Status s = db_.Run("deliver_batch", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    if (attempt++ > 0) probe_.WriteBatchRetried("conflict");
    pqxx::result r = tx.exec_prepared(
        "deliver_batch", params[0], params[1], params[2], params[3], params[4], params[5],
        params[6], params[7], params[8], params[9], params[10], params[11], params[12],
        params[13], params[14], params[15]);
    committed = true;
    for (WriteJob* job : batch) {
      job->resp->Clear();
      job->hints.clear();
      job->status = absl::OkStatus();
    }
    for (const auto& row : r) {
      const int i = row[0].as<int>() - 1;
      if (i < 0 || i >= static_cast<int>(batch.size())) {
        return absl::InternalError("deliver_batch: delivery out of range");
      }
      WriteJob& job = *batch[i];
      if (!row[8].is_null()) {
        job.status = RefusalStatus(row[8].as<std::string>(), row[9].as<std::string>());
        job.resp->Clear();
        job.hints.clear();
      } else if (!row[7].is_null()) {
        job.resp->set_message_id(row[1].as<uint64_t>());
        job.resp->add_outbound_jobs(row[7].as<uint64_t>());
      } else {
        job.resp->set_message_id(row[1].as<uint64_t>());
        pb::DeliveredCopy* c = job.resp->add_copies();
        c->set_account(row[2].as<std::string>());
        c->set_mailbox(job.mailbox);
        c->set_uidvalidity(row[4].as<uint32_t>());
        c->set_uid(row[5].as<uint32_t>());
        job.hints.push_back({row[3].as<int64_t>(), job.mailbox, row[6].as<uint64_t>(), c->uid() + 1});
      }
    }
    return absl::OkStatus();
  });
  if (s.ok()) return;
  if (s.code() == absl::StatusCode::kInternal && !committed) {
    // A statement error other than a refusal: nothing was committed. Written one by one, the
    // delivery that caused it fails alone.
    probe_.WriteBatchRetried("error");
    for (WriteJob* job : batch) RunWriteBatch({job});
    return;
  }
  // The connection was lost, the commit is in doubt, the database is going away (or a result
  // could not be read after the commit): no message of the batch may be reported as stored.
  for (WriteJob* job : batch) job->status = s;
}

absl::Status MailStore::Deliver(const pb::DeliverRequest& req, pb::DeliverResponse* resp) {
  if (req.accounts().empty() && req.outbound().empty()) {
    return absl::InvalidArgumentError("accounts: none given");
  }
  if (req.outbound_size() > 1000) return absl::InvalidArgumentError("outbound: more than 1000");
  std::set<std::string> outbound;
  for (const auto& a : req.outbound()) {
    TERN_ASSIGN_OR_RETURN(std::string n, NormalizeOutboundAddress(a));
    outbound.insert(n);
  }
  if (req.sender().size() > 320) return absl::InvalidArgumentError("sender: too long");
  if (req.accounts_size() > 1000) return absl::InvalidArgumentError("accounts: more than 1000");
  std::set<std::string> accounts;  // sorted and unique: mailboxes are locked in one order
  for (const auto& a : req.accounts()) {
    TERN_ASSIGN_OR_RETURN(std::string n, NormalizeAccount(a));
    accounts.insert(n);
  }
  std::string mailbox = "INBOX";
  if (!req.mailbox().empty()) {
    TERN_ASSIGN_OR_RETURN(mailbox, NormalizeMailbox(req.mailbox()));
  }
  TERN_RETURN_IF_ERROR(ValidateFlags(req.flags(), req.keywords()));
  return WriteMessage({accounts.begin(), accounts.end()}, mailbox, req.content(),
                      req.internal_date(), req.flags(), Keywords(req.keywords()), resp,
                      req.sender(), {outbound.begin(), outbound.end()});
}

absl::Status MailStore::Append(const pb::AppendRequest& req, pb::AppendResponse* resp) {
  TERN_ASSIGN_OR_RETURN(std::string account, NormalizeAccount(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string mailbox, NormalizeMailbox(req.mailbox()));
  TERN_RETURN_IF_ERROR(ValidateFlags(req.flags(), req.keywords()));
  pb::DeliverResponse d;
  TERN_RETURN_IF_ERROR(WriteMessage({account}, mailbox, req.content(), req.internal_date(),
                                    req.flags(), Keywords(req.keywords()), &d));
  if (d.copies_size() != 1) return absl::InternalError("append stored no copy");
  resp->set_uidvalidity(d.copies(0).uidvalidity());
  resp->set_uid(d.copies(0).uid());
  return absl::OkStatus();
}

absl::Status MailStore::Select(const pb::SelectRequest& req,
                               const std::function<bool(const pb::SelectResponse&)>& emit) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox()));
  return db_.Run("select", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, false));
    pb::SelectResponse head;
    if (req.list_only()) {
      head.mutable_mailbox()->set_name(m.name);
      head.mutable_mailbox()->set_uidvalidity(m.uidvalidity);
      head.mutable_mailbox()->set_uidnext(m.uidnext);
      head.mutable_mailbox()->set_highestmodseq(m.highestmodseq);
    } else {
      FillCounts(tx, m, head.mutable_mailbox());
    }
    for (const auto& row : req.list_only() ? pqxx::result() : tx.exec_params(
             "SELECT DISTINCT unnest(keywords) AS k FROM mailbox_messages WHERE mailbox_id = $1 "
             "ORDER BY k LIMIT 1000",
             m.id)) {
      head.add_permanent_keywords(row[0].as<std::string>());
    }
    if (!emit(head)) return absl::CancelledError("client went away");
    if (!req.with_messages()) return absl::OkStatus();
    int64_t last = 0;
    for (;;) {
      pqxx::result r = tx.exec_params(
          req.list_only()
              ? "SELECT mm.uid, coalesce(m.pop3_size, m.size) FROM mailbox_messages mm JOIN "
                "messages m ON m.id = mm.message_id WHERE mm.mailbox_id = $1 AND mm.uid > $2 "
                "ORDER BY mm.uid LIMIT $3"
              : "SELECT uid, size, flags, modseq, array_to_string(keywords, ' ') FROM "
                "mailbox_messages WHERE mailbox_id = $1 AND uid > $2 ORDER BY uid LIMIT $3",
          m.id, last, static_cast<int64_t>(limits_.select_chunk));
      if (r.empty()) break;
      pb::SelectResponse chunk;
      for (const auto& row : r) {
        chunk.add_uids(row[0].as<uint32_t>());
        chunk.add_sizes(row[1].as<uint64_t>());
        if (req.list_only()) continue;
        chunk.add_flags(row[2].as<uint32_t>());
        chunk.add_modseqs(row[3].as<uint64_t>());
        chunk.add_keywords(row[4].as<std::string>());
      }
      last = chunk.uids(chunk.uids_size() - 1);
      if (!emit(chunk)) return absl::CancelledError("client went away");
      if (r.size() < limits_.select_chunk) break;
    }
    return absl::OkStatus();
  });
}

absl::Status MailStore::Status(const pb::StatusRequest& req, pb::StatusResponse* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox()));
  return db_.Run("status", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, false));
    FillCounts(tx, m, resp->mutable_mailbox());
    return absl::OkStatus();
  });
}

absl::Status MailStore::FetchMetadata(
    const pb::FetchMetadataRequest& req,
    const std::function<bool(const pb::FetchMetadataResponse&)>& emit) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox()));
  return db_.Run("fetch_metadata", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, false));
    TERN_ASSIGN_OR_RETURN(std::string cond,
                          IdSetSql(req.uids(), "mm.uid", MaxUid(tx, m.id), limits_.max_ranges));
    std::string cols =
        "mm.uid, mm.flags, mm.keywords, extract(epoch FROM mm.internal_date)::bigint, mm.size, "
        "mm.modseq, m.header_size, mm.message_id";
    if (req.envelope()) cols += ", m.envelope";
    if (req.body_structure()) cols += ", m.body_structure";
    int64_t last = 0;
    for (;;) {
      pqxx::result r = tx.exec_params(
          "SELECT " + cols +
              " FROM mailbox_messages mm JOIN messages m ON m.id = mm.message_id WHERE "
              "mm.mailbox_id = $1 AND mm.uid > $2 AND mm.modseq > $3 AND " + cond +
              " ORDER BY mm.uid LIMIT $4",
          m.id, last, static_cast<int64_t>(req.changed_since()),
          static_cast<int64_t>(limits_.fetch_chunk));
      if (r.empty()) break;
      pb::FetchMetadataResponse chunk;
      for (const auto& row : r) {
        pb::MessageMetadata* md = chunk.add_messages();
        md->set_uid(row[0].as<uint32_t>());
        md->set_flags(row[1].as<uint32_t>());
        for (auto& k : pg::ParseTextArray(row[2])) md->add_keywords(std::move(k));
        md->mutable_internal_date()->set_seconds(row[3].as<int64_t>());
        md->set_size(row[4].as<uint64_t>());
        md->set_modseq(row[5].as<uint64_t>());
        md->set_header_size(row[6].as<uint64_t>());
        md->set_message_id(row[7].as<uint64_t>());
        int col = 8;
        if (req.envelope()) md->mutable_envelope()->ParseFromString(Bytes(row[col++]));
        if (req.body_structure()) md->mutable_body_structure()->ParseFromString(Bytes(row[col++]));
        last = md->uid();
      }
      if (!emit(chunk)) return absl::CancelledError("client went away");
      if (r.size() < limits_.fetch_chunk) break;
    }
    return absl::OkStatus();
  });
}

absl::Status MailStore::FetchContent(
    const pb::FetchContentRequest& req,
    const std::function<bool(const pb::FetchContentResponse&)>& emit) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox()));
  if (req.uid() == 0) return absl::InvalidArgumentError("uid: 0 is not a UID");
  // The common case (a whole message that fits one chunk: POP3 RETR, IMAP BODY[]) in one
  // statement; everything else below in a snapshot.
  if (req.what() == pb::FetchContentRequest::FULL && req.offset() == 0 && req.length() == 0) {
    bool done = false;
    TERN_RETURN_IF_ERROR(db_.Run("fetch_content", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
      pqxx::result r = tx.exec_prepared("fetch_small", account_id, name,
                                        static_cast<int64_t>(req.uid()),
                                        static_cast<int64_t>(limits_.content_chunk));
      if (r.empty()) return absl::OkStatus();  // the general path says why
      if (r[0][1].is_null()) return absl::OkStatus();
      pb::FetchContentResponse chunk;
      chunk.set_total_size(r[0][0].as<uint64_t>());
      chunk.set_data(pqxx::binarystring(r[0][1]).str());
      done = true;
      if (!emit(chunk)) return absl::CancelledError("client went away");
      return absl::OkStatus();
    }));
    if (done) return absl::OkStatus();
  }
  return db_.Run("fetch_content", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, false));
    const bool needs_parts = req.what() >= pb::FetchContentRequest::PART;
    pqxx::result r = tx.exec_params(
        std::string("SELECT mm.message_id, m.size, m.header_size") +
            (needs_parts ? ", m.body_structure" : "") +
            " FROM mailbox_messages mm JOIN messages m ON m.id = mm.message_id WHERE "
            "mm.mailbox_id = $1 AND mm.uid = $2",
        m.id, static_cast<int64_t>(req.uid()));
    if (r.empty()) return ReasonError(Reason::kNoSuchMessage, "no message with UID " + std::to_string(req.uid()));
    const int64_t message_id = r[0][0].as<int64_t>();
    const uint64_t size = r[0][1].as<uint64_t>();
    const uint64_t header_size = r[0][2].as<uint64_t>();
    uint64_t start = 0, len = size;
    switch (req.what()) {
      case pb::FetchContentRequest::FULL: break;
      case pb::FetchContentRequest::HEADER: len = header_size; break;
      case pb::FetchContentRequest::TEXT: start = header_size; len = size - header_size; break;
      default: {
        pb::BodyPart root;
        if (!root.ParseFromString(Bytes(r[0][3]))) return absl::DataLossError("bad structure");
        TERN_ASSIGN_OR_RETURN(const pb::BodyPart* part, FindPart(root, req.part()));
        const pb::BodyPart* msg_body =
            part->children_size() == 1 && part->type() == "message" ? &part->children(0) : nullptr;
        switch (req.what()) {
          case pb::FetchContentRequest::PART:
            start = part->body_offset(), len = part->body_size();
            break;
          case pb::FetchContentRequest::PART_HEADER:
            start = part->header_offset(), len = part->header_size();
            break;
          case pb::FetchContentRequest::PART_MESSAGE_HEADER:
          case pb::FetchContentRequest::PART_MESSAGE_TEXT:
            if (msg_body == nullptr) {
              return absl::InvalidArgumentError("part is not a message/rfc822");
            }
            if (req.what() == pb::FetchContentRequest::PART_MESSAGE_HEADER) {
              start = msg_body->header_offset(), len = msg_body->header_size();
            } else {
              start = msg_body->body_offset(), len = msg_body->body_size();
            }
            break;
          default:
            return absl::InvalidArgumentError("what: unknown section");
        }
      }
    }
    start = std::min(start, size);
    len = std::min(len, size - start);
    const uint64_t total = len;
    // Apply the partial range (IMAP <offset.length>).
    uint64_t off = std::min<uint64_t>(req.offset(), len);
    start += off;
    len -= off;
    if (req.length() > 0) len = std::min<uint64_t>(len, req.length());
    bool first = true;
    do {
      uint64_t n = std::min<uint64_t>(len, limits_.content_chunk);
      pb::FetchContentResponse chunk;
      if (first) chunk.set_total_size(total);
      if (n > 0) {
        pqxx::result c = tx.exec_params("SELECT substring(content FROM $2 FOR $3) FROM messages WHERE id = $1",
                                        message_id, static_cast<int64_t>(start + 1),
                                        static_cast<int64_t>(n));
        chunk.set_data(Bytes(c[0][0]));
      }
      if (!emit(chunk)) return absl::CancelledError("client went away");
      first = false;
      start += n;
      len -= n;
    } while (len > 0);
    return absl::OkStatus();
  });
}

absl::Status MailStore::FetchMessages(
    const pb::FetchMessagesRequest& req,
    const std::function<bool(const pb::FetchMessagesResponse&)>& emit) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox()));
  if (req.uids_size() == 0 || req.uids_size() > 256) {
    return absl::InvalidArgumentError("uids: 1 to 256");
  }
  std::vector<int64_t> uids(req.uids().begin(), req.uids().end());
  const int64_t max = static_cast<int64_t>(
      std::min<uint64_t>(req.max_message_bytes() ? req.max_message_bytes() : limits_.content_chunk,
                         limits_.max_message_bytes));
  return db_.Run("fetch_messages", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared("fetch_many", account_id, name, pg::IntArray(uids), max)) {
      pb::FetchMessagesResponse r;
      r.set_uid(row[0].as<uint32_t>());
      r.set_content(pqxx::binarystring(row[1]).str());
      if (!emit(r)) return absl::CancelledError("client went away");
    }
    return absl::OkStatus();
  });
}

absl::Status MailStore::StoreFlags(const pb::StoreFlagsRequest& req, pb::StoreFlagsResponse* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox()));
  TERN_RETURN_IF_ERROR(ValidateFlags(req.flags(), req.keywords()));
  const std::string kw = pg::TextArray(Keywords(req.keywords()));
  std::string flags_expr, kw_expr;
  switch (req.mode()) {
    case pb::STORE_ADD:
      flags_expr = "flags | $3";
      kw_expr = "ARRAY(SELECT DISTINCT k FROM unnest(keywords || $4::text[]) k ORDER BY k)";
      break;
    case pb::STORE_REMOVE:
      flags_expr = "flags & ~$3";
      kw_expr = "ARRAY(SELECT k FROM unnest(keywords) k WHERE k <> ALL($4::text[]) ORDER BY k)";
      break;
    case pb::STORE_REPLACE:
      flags_expr = "$3";
      kw_expr = "$4::text[]";
      break;
    default:
      return absl::InvalidArgumentError("mode: unknown");
  }
  return Change("store_flags", [&](pqxx::transaction_base& tx, std::vector<ChangeNote>& hints) {
    resp->Clear();
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, true));
    TERN_ASSIGN_OR_RETURN(std::string cond,
                          IdSetSql(req.uids(), "uid", MaxUid(tx, m.id), limits_.max_ranges));
    const uint64_t modseq = m.highestmodseq + 1;
    std::string guard = req.unchanged_since() > 0
                            ? " AND modseq <= " + std::to_string(req.unchanged_since())
                            : std::string();
    if (req.unchanged_since() > 0) {
      for (const auto& row : tx.exec_params("SELECT uid FROM mailbox_messages WHERE mailbox_id = $1 AND " +
                                                cond + " AND modseq > $2 ORDER BY uid",
                                            m.id, static_cast<int64_t>(req.unchanged_since()))) {
        resp->add_modified(row[0].as<uint32_t>());
      }
    }
    pqxx::result r = tx.exec_params(
        "UPDATE mailbox_messages SET flags = " + flags_expr + ", keywords = " + kw_expr +
            ", modseq = $2 WHERE mailbox_id = $1 AND " + cond + guard + " AND (flags, keywords) IS "
            "DISTINCT FROM (" + flags_expr + ", " + kw_expr + ") RETURNING uid, flags, keywords, "
            "modseq",
        m.id, static_cast<int64_t>(modseq), static_cast<int>(req.flags()), kw);
    for (const auto& row : r) FillFlagState(row, resp->add_updated());
    std::sort(resp->mutable_updated()->begin(), resp->mutable_updated()->end(),
              [](const pb::FlagState& a, const pb::FlagState& b) { return a.uid() < b.uid(); });
    if (!r.empty()) {
      tx.exec_params("UPDATE mailboxes SET highestmodseq = $2 WHERE id = $1", m.id,
                     static_cast<int64_t>(modseq));
      hints.push_back({account_id, m.name, modseq, m.uidnext});
      resp->set_highestmodseq(modseq);
    } else {
      resp->set_highestmodseq(m.highestmodseq);
    }
    return absl::OkStatus();
  });
}

absl::Status MailStore::Copy(const pb::CopyRequest& req, bool move, pb::CopyResponse* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string from, NormalizeMailbox(req.mailbox()));
  TERN_ASSIGN_OR_RETURN(std::string to, NormalizeMailbox(req.to_mailbox()));
  return Change(move ? "move" : "copy", [&](pqxx::transaction_base& tx, std::vector<ChangeNote>& hints) {
    resp->Clear();
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
                          IdSetSql(req.uids(), "uid", MaxUid(tx, src.id), limits_.max_ranges));
    pqxx::result rows = tx.exec_params(
        "SELECT uid, size FROM mailbox_messages WHERE mailbox_id = $1 AND " + cond + " ORDER BY uid",
        src.id);
    resp->set_uidvalidity(dst.uidvalidity);
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
      if (q.empty()) return ReasonError(Reason::kQuotaExceeded, "quota exceeded for " + req.account());
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
    for (auto u : src_uids) resp->add_source_uids(static_cast<uint32_t>(u));
    for (auto u : dst_uids) resp->add_dest_uids(static_cast<uint32_t>(u));
    return absl::OkStatus();
  });
}

absl::Status MailStore::Expunge(const pb::ExpungeRequest& req, pb::ExpungeResponse* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox()));
  if (req.ignore_deleted_flag() && req.uids().ranges().empty()) {
    return absl::InvalidArgumentError("uids: required when ignoring the \\Deleted flag");
  }
  std::vector<int64_t> freed;
  TERN_RETURN_IF_ERROR(Change("expunge", [&](pqxx::transaction_base& tx, std::vector<ChangeNote>& hints) {
    resp->Clear();
    freed.clear();
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, true));
    std::string cond = "TRUE";
    if (!req.uids().ranges().empty()) {
      TERN_ASSIGN_OR_RETURN(cond, IdSetSql(req.uids(), "uid", MaxUid(tx, m.id), limits_.max_ranges));
    }
    if (!req.ignore_deleted_flag()) cond += " AND flags & 8 <> 0";
    const uint64_t modseq = m.highestmodseq + 1;
    pqxx::result gone = tx.exec_params(
        "DELETE FROM mailbox_messages WHERE mailbox_id = $1 AND " + cond +
            " RETURNING uid, message_id, size",
        m.id);
    if (gone.empty()) {
      resp->set_highestmodseq(m.highestmodseq);
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
    for (auto u : uids) resp->add_expunged(static_cast<uint32_t>(u));
    resp->set_highestmodseq(modseq);
    return absl::OkStatus();
  }));
  probe_.MessagesExpunged(static_cast<int>(freed.size()));
  CollectGarbage(freed);
  return absl::OkStatus();
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

absl::Status MailStore::ChangesSince(const pb::ChangesSinceRequest& req,
                                     pb::ChangesSinceResponse* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox()));
  return db_.Run("changes_since", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, false));
    const auto since = static_cast<int64_t>(req.modseq());
    for (const auto& row : tx.exec_params(
             "SELECT uid, flags, keywords, modseq FROM mailbox_messages WHERE mailbox_id = $1 AND "
             "modseq > $2 ORDER BY uid",
             m.id, since)) {
      FillFlagState(row, resp->add_changed());
    }
    for (const auto& row : tx.exec_params(
             "SELECT uid FROM expunged WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid", m.id,
             since)) {
      resp->add_vanished(row[0].as<uint32_t>());
    }
    resp->set_highestmodseq(m.highestmodseq);
    resp->set_uidvalidity(m.uidvalidity);
    return absl::OkStatus();
  });
}

absl::Status MailStore::Search(const pb::SearchRequest& req, pb::SearchResponse* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox()));
  return db_.Run("search", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, false));
    SearchBuilder b(m.id, MaxUid(tx, m.id), limits_);
    // Sequence numbers need the count of messages for "*".
    b.set_max_seq(tx.exec_params("SELECT count(*) FROM mailbox_messages WHERE mailbox_id = $1",
                                 m.id)[0][0].as<uint32_t>());
    TERN_ASSIGN_OR_RETURN(std::string cond, b.Build(req.key()));
    pqxx::result r = tx.exec_params(
        "SELECT mm.uid, mm.modseq FROM mailbox_messages mm JOIN messages m ON m.id = "
        "mm.message_id WHERE mm.mailbox_id = $1 AND (" + cond + ") ORDER BY mm.uid",
        pqxx::prepare::make_dynamic_params(b.params()));
    uint64_t highest = 0;
    for (const auto& row : r) {
      resp->add_uids(row[0].as<uint32_t>());
      highest = std::max(highest, row[1].as<uint64_t>());
    }
    resp->set_highestmodseq(highest);
    return absl::OkStatus();
  });
}

absl::Status MailStore::Lease(LeaseOp op, const pb::LeaseRequest& req, pb::LeaseResponse* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  if (req.name().empty() || req.name().size() > 64 || req.owner().empty() ||
      req.owner().size() > 128) {
    return absl::InvalidArgumentError("lease: name and owner must be 1..64 and 1..128 bytes");
  }
  if (op != LeaseOp::kRelease && (req.ttl_seconds() < 1 || req.ttl_seconds() > 3600)) {
    return absl::InvalidArgumentError("lease: ttl_seconds must be 1..3600");
  }
  const std::string ttl = std::to_string(req.ttl_seconds()) + " seconds";
  return db_.Run("lease", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    pqxx::result r;
    switch (op) {
      case LeaseOp::kAcquire:
        // Taken when free, expired, or already ours.
        r = tx.exec_params(
            "INSERT INTO leases (account_id, name, owner, expires_at) VALUES ($1, $2, $3, now() + "
            "$4::interval) ON CONFLICT (account_id, name) DO UPDATE SET owner = EXCLUDED.owner, "
            "expires_at = EXCLUDED.expires_at WHERE leases.expires_at < now() OR leases.owner = "
            "EXCLUDED.owner RETURNING extract(epoch FROM expires_at)::bigint",
            account_id, req.name(), req.owner(), ttl);
        break;
      case LeaseOp::kRenew:
        r = tx.exec_params(
            "UPDATE leases SET expires_at = now() + $4::interval WHERE account_id = $1 AND name = "
            "$2 AND owner = $3 RETURNING extract(epoch FROM expires_at)::bigint",
            account_id, req.name(), req.owner(), ttl);
        break;
      case LeaseOp::kRelease:
        r = tx.exec_params(
            "DELETE FROM leases WHERE account_id = $1 AND name = $2 AND owner = $3 RETURNING 0",
            account_id, req.name(), req.owner());
        break;
    }
    resp->set_granted(!r.empty());
    if (!r.empty() && op != LeaseOp::kRelease) resp->mutable_expires()->set_seconds(r[0][0].as<int64_t>());
    return absl::OkStatus();
  });
}

namespace {

constexpr const char* kJobColumns =
    "q.id, q.message_id, q.sender, q.domain, q.recipients, q.state, q.attempts, extract(epoch "
    "FROM q.next_attempt_at)::bigint, q.last_error, extract(epoch FROM q.created_at)::bigint, "
    "m.size, q.warned";

void FillJob(const pqxx::row& r, pb::OutboundJob* j) {
  j->set_id(r[0].as<uint64_t>());
  j->set_message_id(r[1].as<uint64_t>());
  j->set_sender(r[2].as<std::string>());
  j->set_domain(r[3].as<std::string>());
  for (auto& a : pg::ParseTextArray(r[4])) j->add_recipients(std::move(a));
  j->set_state(r[5].as<std::string>());
  j->set_attempts(r[6].as<uint32_t>());
  j->mutable_next_attempt()->set_seconds(r[7].as<int64_t>());
  j->set_last_error(r[8].as<std::string>());
  j->mutable_created()->set_seconds(r[9].as<int64_t>());
  j->set_size(r[10].as<uint64_t>());
  j->set_warned(r[11].as<bool>());
}

}  // namespace

absl::Status MailStore::ClaimOutbound(const pb::ClaimOutboundRequest& req,
                                      pb::ClaimOutboundResponse* resp) {
  if (req.owner().empty() || req.owner().size() > 128) return absl::InvalidArgumentError("owner");
  if (req.lease_seconds() < 1 || req.lease_seconds() > 3600) {
    return absl::InvalidArgumentError("lease_seconds: 1..3600");
  }
  const int64_t limit = std::clamp<int64_t>(req.limit(), 1, 100);
  return db_.Run("claim_outbound", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    resp->Clear();
    // SKIP LOCKED: workers on every replica take different jobs without waiting for each other.
    pqxx::result r = tx.exec_params(
        std::string("WITH due AS (SELECT id FROM outbound_queue d WHERE state = 'queued' AND "
                    "next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now()) "
                    "AND ($4 = 0 OR (SELECT count(*) FROM outbound_queue l WHERE l.domain = "
                    "d.domain AND l.lease_owner IS NOT NULL AND l.lease_until > now()) < $4) "
                    "ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED), claimed AS "
                    "(UPDATE outbound_queue q SET lease_owner = $1, lease_until = now() + "
                    "$2::interval, attempts = q.attempts + 1 FROM due WHERE q.id = due.id "
                    "RETURNING q.*) SELECT ") + kJobColumns + ", m.content FROM claimed q JOIN "
            "messages m ON m.id = q.message_id ORDER BY q.id",
        req.owner(), std::to_string(req.lease_seconds()) + " seconds", limit,
        static_cast<int64_t>(req.max_per_domain()));
    for (const auto& row : r) {
      pb::OutboundJob* j = resp->add_jobs();
      FillJob(row, j);
      j->set_content(pqxx::binarystring(row[12]).str());
    }
    return absl::OkStatus();
  });
}

absl::Status MailStore::CompleteOutbound(const pb::CompleteOutboundRequest& req,
                                         pb::CompleteOutboundResponse* resp) {
  std::vector<int64_t> freed;
  TERN_RETURN_IF_ERROR(db_.Run("complete_outbound", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    freed.clear();
    pqxx::result r = tx.exec_params(
        "SELECT message_id FROM outbound_queue WHERE id = $1 AND lease_owner = $2 FOR UPDATE",
        static_cast<int64_t>(req.id()), req.owner());
    if (r.empty()) return absl::FailedPreconditionError("job not held by this worker (lease lost?)");
    // Remote text: kept valid UTF-8 (a text column refuses anything else) and bounded.
    const std::string error = SanitizeUtf8(req.error().substr(0, 1000));
    if (req.retry().empty()) {
      tx.exec_params("DELETE FROM outbound_queue WHERE id = $1", static_cast<int64_t>(req.id()));
      freed.push_back(r[0][0].as<int64_t>());
      resp->set_removed(true);
      return absl::OkStatus();
    }
    std::vector<std::string> retry(req.retry().begin(), req.retry().end());
    tx.exec_params(
        "UPDATE outbound_queue SET recipients = $2::text[], state = CASE WHEN $3 THEN 'failed' "
        "ELSE 'queued' END, next_attempt_at = now() + $4::interval, last_error = $5, "
        "lease_owner = NULL, lease_until = NULL, warned = warned OR $6 WHERE id = $1",
        static_cast<int64_t>(req.id()), pg::TextArray(retry), req.give_up(),
        std::to_string(std::min<uint32_t>(req.retry_after_seconds(), 7 * 86400)) + " seconds",
        error, req.warned());
    resp->set_removed(false);
    return absl::OkStatus();
  }));
  CollectGarbage(freed);
  return absl::OkStatus();
}

absl::Status MailStore::ListOutbound(const pb::ListOutboundRequest& req,
                                     pb::ListOutboundResponse* resp) {
  const int64_t limit = req.limit() == 0 ? 1000 : std::min<int64_t>(req.limit(), 10000);
  return db_.Run("list_outbound", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_params(
             std::string("SELECT ") + kJobColumns +
                 " FROM outbound_queue q JOIN messages m ON m.id = q.message_id WHERE $1 = '' OR "
                 "q.state = $1 ORDER BY q.id LIMIT $2",
             req.state(), limit)) {
      FillJob(row, resp->add_jobs());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> MailStore::ExpireFailedOutbound(absl::Duration retention) {
  std::vector<int64_t> freed;
  TERN_RETURN_IF_ERROR(db_.Run("expire_outbound", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    freed.clear();
    for (const auto& row : tx.exec_params(
             "DELETE FROM outbound_queue WHERE state = 'failed' AND next_attempt_at < now() - "
             "$1::interval RETURNING message_id",
             std::to_string(absl::ToInt64Seconds(retention)) + " seconds")) {
      freed.push_back(row[0].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  CollectGarbage(freed);
  return static_cast<int64_t>(freed.size());
}

absl::StatusOr<std::map<std::string, MailStore::QueueState>> MailStore::OutboundStats() {
  std::map<std::string, QueueState> out = {{"queued", {}}, {"held", {}}, {"failed", {}}};
  TERN_RETURN_IF_ERROR(db_.Run("outbound_stats", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec(
             "SELECT state, count(*), extract(epoch FROM now() - min(created_at))::float8 "
             "FROM outbound_queue GROUP BY state")) {
      out[row[0].as<std::string>()] = {row[1].as<int64_t>(), row[2].as<double>()};
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status MailStore::UpdateOutbound(const pb::UpdateOutboundRequest& req, pb::OutboundJob* resp) {
  std::vector<int64_t> freed;
  TERN_RETURN_IF_ERROR(db_.Run("update_outbound", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    freed.clear();
    const auto id = static_cast<int64_t>(req.id());
    pqxx::result cur = tx.exec_params(
        std::string("SELECT ") + kJobColumns +
            " FROM outbound_queue q JOIN messages m ON m.id = q.message_id WHERE q.id = $1 FOR "
            "UPDATE OF q",
        id);
    if (cur.empty()) return absl::NotFoundError("no such queued message: " + std::to_string(id));
    switch (req.action()) {
      case pb::UpdateOutboundRequest::RETRY:
        tx.exec_params("UPDATE outbound_queue SET state = 'queued', next_attempt_at = now() WHERE id = $1", id);
        break;
      case pb::UpdateOutboundRequest::HOLD:
        tx.exec_params("UPDATE outbound_queue SET state = 'held' WHERE id = $1", id);
        break;
      case pb::UpdateOutboundRequest::RELEASE:
        if (cur[0][5].as<std::string>() != "held") {
          return absl::FailedPreconditionError("job is not held");
        }
        tx.exec_params("UPDATE outbound_queue SET state = 'queued' WHERE id = $1", id);
        break;
      case pb::UpdateOutboundRequest::DELETE:
        tx.exec_params("DELETE FROM outbound_queue WHERE id = $1", id);
        freed.push_back(cur[0][1].as<int64_t>());
        FillJob(cur[0], resp);
        return absl::OkStatus();
      default:
        return absl::InvalidArgumentError("action: unknown");
    }
    FillJob(tx.exec_params(std::string("SELECT ") + kJobColumns +
                               " FROM outbound_queue q JOIN messages m ON m.id = q.message_id "
                               "WHERE q.id = $1",
                           id)[0],
            resp);
    return absl::OkStatus();
  }));
  CollectGarbage(freed);
  return absl::OkStatus();
}

absl::Status MailStore::GetQuota(const std::string& account, pb::Quota* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(account));
  return db_.Run("get_quota", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_params(
        "SELECT quota_bytes, used_bytes, quota_messages, used_messages FROM mail_accounts WHERE "
        "id = $1",
        account_id);
    if (r.empty()) return ReasonError(Reason::kNoSuchAccount, "no such account");
    resp->set_storage_bytes_limit(r[0][0].as<uint64_t>());
    resp->set_storage_bytes_used(r[0][1].as<uint64_t>());
    resp->set_messages_limit(r[0][2].as<uint64_t>());
    resp->set_messages_used(r[0][3].as<uint64_t>());
    return absl::OkStatus();
  });
}

absl::Status MailStore::SetQuota(const pb::SetQuotaRequest& req, pb::Quota* resp) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account()));
  if (req.storage_bytes() > (1ull << 62) || req.messages() > (1ull << 62)) {
    return absl::InvalidArgumentError("quota: value too large");
  }
  TERN_RETURN_IF_ERROR(db_.Run("set_quota", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    tx.exec_params("UPDATE mail_accounts SET quota_bytes = $2, quota_messages = $3 WHERE id = $1",
                   account_id, static_cast<int64_t>(req.storage_bytes()),
                   static_cast<int64_t>(req.messages()));
    return absl::OkStatus();
  }));
  return GetQuota(req.account(), resp);
}

}  // namespace tern::storage
