// Writing messages: Deliver and Append, with group commit (see MailStore::WriteMessage).
#include <openssl/sha.h>

#include <algorithm>
#include <optional>
#include <set>

#include "absl/synchronization/notification.h"
#include "parsed.h"
#include "probe.h"
#include "store.h"
#include "store_internal.h"
#include "tern/core/error.h"
#include "tern/core/log.h"
#include "tern/core/status.h"

namespace tern::storage {
namespace {

std::string Sha256(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof(md));
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

namespace internal {

void PrepareDelivery(pg::Pool& db) {
  db.Prepare("deliver",
             "SELECT message_id, account, uidvalidity, uid, account_id, modseq FROM "
             "tern_deliver($1::text[], $2, $3, $4, $5, $6, $7, $8, to_timestamp($9::bigint), $10, "
             "$11, coalesce(to_timestamp($12::bigint), now()), $13, $14::text[])");
  db.Prepare("deliver_batch",
             "SELECT delivery, message_id, account, account_id, uidvalidity, uid, modseq, job_id, "
             "refusal_state, refusal FROM tern_deliver_batch($1::text[], $2::text[], "
             "$3::bytea[], $4::bigint[], $5::bigint[], $6::bytea[], $7::bytea[], $8::bytea[], "
             "$9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::integer[], "
             "$14::text[], $15::text[], $16::text[])");
  db.Prepare("set_pop3_size", "UPDATE messages SET pop3_size = $2 WHERE id = $1");
}

}  // namespace internal

// One WriteMessage call: its validated input, and its outcome once its batch is written.
struct MailStore::WriteJob {
  const std::vector<std::string>& accounts;
  const std::string& mailbox;
  const std::string_view content;
  const ParsedMessage parsed;
  const std::string sha;
  const std::optional<int64_t> date;
  const uint32_t flags;
  const std::vector<std::string>& keywords;
  const std::string& sender;
  const std::vector<std::string>& outbound;
  // Set by the batch's leader before `turn`.
  DeliverResult result;
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
  result = {};
  hints.clear();
  std::optional<std::string> sent;
  if (parsed.sent_date) sent = std::to_string(absl::ToUnixSeconds(*parsed.sent_date));
  const std::string when = date ? std::to_string(*date) : "";
  pqxx::result r = tx.exec_prepared(
      "deliver", pg::TextArray(accounts), mailbox, pqxx::binarystring(sha),
      static_cast<int64_t>(parsed.size), static_cast<int64_t>(parsed.header_size),
      pqxx::binarystring(content.data(), content.size()), pqxx::binarystring(parsed.envelope),
      pqxx::binarystring(parsed.body_structure), sent ? sent->c_str() : nullptr,
      parsed.header_text, parsed.body_text ? parsed.body_text->c_str() : nullptr,
      when.empty() ? nullptr : when.c_str(), static_cast<int>(flags), pg::TextArray(keywords));
  for (const auto& row : r) {
    result.message_id = row[0].as<uint64_t>();
    const DeliveredCopy& c = result.copies.emplace_back(DeliveredCopy{
        row[1].as<std::string>(), mailbox, row[2].as<uint32_t>(), row[3].as<uint32_t>()});
    hints.push_back({row[4].as<int64_t>(), mailbox, row[5].as<uint64_t>(), c.uid + 1});
  }
  if (!outbound.empty()) {
    int64_t id = tx.exec_params("SELECT id FROM messages WHERE sha256 = $1",
                                pqxx::binarystring(sha))[0][0]
                     .as<int64_t>();
    result.message_id = static_cast<uint64_t>(id);
    for (const auto& row : tx.exec_params("SELECT tern_enqueue($1, $2, $3::text[])", id, sender,
                                          pg::TextArray(outbound))) {
      result.outbound_jobs.push_back(row[0].as<uint64_t>());
    }
  }
  if (SetsPop3Size()) {
    // NULL means equal to size (migration 0008), so only these messages get a value. The row may
    // be older (content is stored once by sha256): it gets the same value again.
    tx.exec_prepared("set_pop3_size", static_cast<int64_t>(result.message_id),
                     static_cast<int64_t>(parsed.pop3_size));
  }
}

absl::StatusOr<DeliverResult> MailStore::WriteMessage(
    const std::vector<std::string>& accounts, const std::string& mailbox, std::string_view trace,
    std::string_view content, std::optional<int64_t> date, uint32_t flags,
    const std::vector<std::string>& keywords, const std::string& sender,
    const std::vector<std::string>& outbound) {
  if (!trace.empty()) return absl::UnimplementedError("trace: not yet");
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
               .outbound = outbound};
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
  return std::move(job.result);
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
    if (job->date) {
      internal_date.AddInt8(*job->date);
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
      job->result = {};
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
        job.result = {};
        job.hints.clear();
      } else if (!row[7].is_null()) {
        job.result.message_id = row[1].as<uint64_t>();
        job.result.outbound_jobs.push_back(row[7].as<uint64_t>());
      } else {
        job.result.message_id = row[1].as<uint64_t>();
        const DeliveredCopy& c = job.result.copies.emplace_back(DeliveredCopy{
            row[2].as<std::string>(), job.mailbox, row[4].as<uint32_t>(), row[5].as<uint32_t>()});
        job.hints.push_back({row[3].as<int64_t>(), job.mailbox, row[6].as<uint64_t>(), c.uid + 1});
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

absl::StatusOr<DeliverResult> MailStore::Deliver(const DeliverArgs& req) {
  if (req.accounts.empty() && req.outbound.empty()) {
    return absl::InvalidArgumentError("accounts: none given");
  }
  if (req.outbound.size() > 1000) return absl::InvalidArgumentError("outbound: more than 1000");
  std::set<std::string> outbound;
  for (const auto& a : req.outbound) {
    TERN_ASSIGN_OR_RETURN(std::string n, NormalizeOutboundAddress(a));
    outbound.insert(n);
  }
  if (req.sender.size() > 320) return absl::InvalidArgumentError("sender: too long");
  if (req.accounts.size() > 1000) return absl::InvalidArgumentError("accounts: more than 1000");
  std::set<std::string> accounts;  // sorted and unique: mailboxes are locked in one order
  for (const auto& a : req.accounts) {
    TERN_ASSIGN_OR_RETURN(std::string n, NormalizeAccount(a));
    accounts.insert(n);
  }
  std::string mailbox = "INBOX";
  if (!req.mailbox.empty()) {
    TERN_ASSIGN_OR_RETURN(mailbox, NormalizeMailbox(req.mailbox));
  }
  TERN_RETURN_IF_ERROR(internal::ValidateFlags(req.flags, req.keywords));
  return WriteMessage({accounts.begin(), accounts.end()}, mailbox, req.trace, req.content,
                      req.internal_date, req.flags, internal::SortedKeywords(req.keywords),
                      req.sender, {outbound.begin(), outbound.end()});
}

absl::StatusOr<AppendResult> MailStore::Append(const AppendArgs& req) {
  TERN_ASSIGN_OR_RETURN(std::string account, NormalizeAccount(req.account));
  TERN_ASSIGN_OR_RETURN(std::string mailbox, NormalizeMailbox(req.mailbox));
  TERN_RETURN_IF_ERROR(internal::ValidateFlags(req.flags, req.keywords));
  TERN_ASSIGN_OR_RETURN(DeliverResult d,
                        WriteMessage({account}, mailbox, {}, req.content, req.internal_date,
                                     req.flags, internal::SortedKeywords(req.keywords)));
  if (d.copies.size() != 1) return absl::InternalError("append stored no copy");
  return AppendResult{d.copies[0].uidvalidity, d.copies[0].uid};
}

}  // namespace tern::storage
