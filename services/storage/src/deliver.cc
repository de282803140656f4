// Writing messages: Deliver and Append, with group commit (see MailStore::WriteMessage).
#include <openssl/evp.h>

#include <algorithm>
#include <memory>
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
#include "tern/pg/binary.h"

namespace tern::storage {
namespace {

// SHA-256 of trace followed by content, without making the concatenation.
std::string Sha256(std::string_view trace, std::string_view content) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), trace.data(), trace.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), content.data(), content.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), md, &n) != 1) {
    // Only on allocation failure; the message is then refused with INTERNAL (retry later).
    return {};
  }
  return std::string(reinterpret_cast<char*>(md), n);
}

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
  // The same with trace ($15) and content ($6) joined by the server, not by us.
  db.Prepare("deliver_trace",
             "SELECT message_id, account, uidvalidity, uid, account_id, modseq FROM "
             "tern_deliver($1::text[], $2, $3, $4, $5, $15::bytea || $6::bytea, $7, $8, "
             "to_timestamp($9::bigint), $10, $11, coalesce(to_timestamp($12::bigint), now()), "
             "$13, $14::text[])");
  db.Prepare("set_pop3_size", "UPDATE messages SET pop3_size = $2 WHERE id = $1");
}

}  // namespace internal

// One WriteMessage call: its validated input, and its outcome once its batch is written.
struct MailStore::WriteJob {
  const std::vector<std::string>& accounts;
  const std::string& mailbox;
  // The message is trace followed by content; both point into the caller's request.
  const std::string_view trace;
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
  // The body goes to libpq as it is in the request (no copy here).
  pg::Params params;
  params.Text(pg::TextArray(accounts))
      .Bytes(mailbox)
      .Bytes(sha)
      .Int(static_cast<int64_t>(parsed.size))
      .Int(static_cast<int64_t>(parsed.header_size))
      .Bytes(content)
      .Bytes(parsed.envelope)
      .Bytes(parsed.body_structure);
  if (sent) {
    params.Text(*sent);
  } else {
    params.Null();
  }
  params.Bytes(parsed.header_text);
  if (parsed.body_text) {
    params.Bytes(*parsed.body_text);
  } else {
    params.Null();
  }
  if (!when.empty()) {
    params.Text(when);
  } else {
    params.Null();
  }
  params.Int(flags).Text(pg::TextArray(keywords));
  if (!trace.empty()) params.Bytes(trace);
  pg::Result r = pg::ExecPrepared(tx, trace.empty() ? "deliver" : "deliver_trace", params);
  for (int i = 0; i < r.rows(); ++i) {
    result.message_id = static_cast<uint64_t>(r.Int(i, 0));
    const DeliveredCopy& c = result.copies.emplace_back(
        DeliveredCopy{std::string(r.Bytes(i, 1)), mailbox, static_cast<uint32_t>(r.Int(i, 2)),
                      static_cast<uint32_t>(r.Int(i, 3))});
    hints.push_back({r.Int(i, 4), mailbox, static_cast<uint64_t>(r.Int(i, 5)), c.uid + 1});
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
  if (content.empty()) return absl::InvalidArgumentError("message: empty");
  if (trace.size() + content.size() > limits_.max_message_bytes) {
    return ReasonError(Reason::kMessageTooLarge, "size: message larger than " +
                                        std::to_string(limits_.max_message_bytes) + " bytes");
  }
  // Parsing and hashing happen here, in the caller's thread, while another batch is written.
  ParsedMessage parsed = ParseForStorage(trace, content);
  std::string sha = Sha256(trace, content);
  if (sha.empty()) return absl::InternalError("hash: out of memory");
  WriteJob job{.accounts = accounts,
               .mailbox = mailbox,
               .trace = trace,
               .content = content,
               .parsed = std::move(parsed),
               .sha = std::move(sha),
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
  probe_.MessagesStored(static_cast<int>(accounts.size()), trace.size() + content.size());
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
  // Every field but the bodies in one binary array per column (small values, copied into the
  // array); each body in a parameter of its own that points into its request, so no body is
  // copied in this process, and joined to its trace by the server.
  using pg::BinaryArray;
  BinaryArray accounts(BinaryArray::kText), mailbox(BinaryArray::kText),
      sha(BinaryArray::kBytea), size(BinaryArray::kInt8), header_size(BinaryArray::kInt8),
      envelope(BinaryArray::kBytea), body_structure(BinaryArray::kBytea),
      sent(BinaryArray::kInt8), header_text(BinaryArray::kText), body_text(BinaryArray::kText),
      internal_date(BinaryArray::kInt8), flags(BinaryArray::kInt4), keywords(BinaryArray::kText),
      sender(BinaryArray::kText), outbound(BinaryArray::kText);
  constexpr int kArrays = 15;
  std::string contents = "ARRAY[";
  int next_param = kArrays + 1;
  for (const WriteJob* job : batch) {
    accounts.Add(pg::TextArray(job->accounts));
    mailbox.Add(job->mailbox);
    sha.Add(job->sha);
    size.AddInt8(static_cast<int64_t>(job->parsed.size));
    header_size.AddInt8(static_cast<int64_t>(job->parsed.header_size));
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
    if (job != batch.front()) contents += ", ";
    if (!job->trace.empty()) contents += "$" + std::to_string(next_param++) + "::bytea || ";
    contents += "$" + std::to_string(next_param++) + "::bytea";
  }
  contents += "]";
  pg::Params params;
  for (BinaryArray* a : {&accounts, &mailbox, &sha, &size, &header_size, &envelope,
                         &body_structure, &sent, &header_text, &body_text, &internal_date, &flags,
                         &keywords, &sender, &outbound}) {
    params.Bytes(a->Finish());
  }
  for (const WriteJob* job : batch) {
    if (!job->trace.empty()) params.Bytes(job->trace);
    params.Bytes(job->content);
  }
  // The statement's text depends on the batch (one parameter or two per body), so it is not
  // prepared; planning a function call is cheap next to the batch it writes.
  const std::string sql =
      "SELECT delivery, message_id, account, account_id, uidvalidity, uid, modseq, job_id, "
      "refusal_state, refusal FROM tern_deliver_batch($1::text[], $2::text[], $3::bytea[], "
      "$4::bigint[], $5::bigint[], " + contents + ", $6::bytea[], $7::bytea[], $8::bigint[], "
      "$9::text[], $10::text[], $11::bigint[], $12::integer[], $13::text[], $14::text[], "
      "$15::text[])";
  // One statement, so one implicit transaction and one round trip; a refused delivery is rolled
  // back alone by tern_deliver_batch and reported by a row of its own.
  int attempt = 0;
  bool committed = false;
  absl::Status s = db_.Run("deliver_batch", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    if (attempt++ > 0) probe_.WriteBatchRetried("conflict");
    pg::Result r = pg::Exec(tx, sql, params);
    committed = true;
    for (WriteJob* job : batch) {
      job->result = {};
      job->hints.clear();
      job->status = absl::OkStatus();
    }
    for (int row = 0; row < r.rows(); ++row) {
      const int64_t i = r.Int(row, 0) - 1;
      if (i < 0 || i >= static_cast<int64_t>(batch.size())) {
        return absl::InternalError("deliver_batch: delivery out of range");
      }
      WriteJob& job = *batch[i];
      if (!r.IsNull(row, 8)) {
        job.status = RefusalStatus(std::string(r.Bytes(row, 8)), std::string(r.Bytes(row, 9)));
        job.result = {};
        job.hints.clear();
      } else if (!r.IsNull(row, 7)) {
        job.result.message_id = static_cast<uint64_t>(r.Int(row, 1));
        job.result.outbound_jobs.push_back(static_cast<uint64_t>(r.Int(row, 7)));
      } else {
        job.result.message_id = static_cast<uint64_t>(r.Int(row, 1));
        const DeliveredCopy& c = job.result.copies.emplace_back(DeliveredCopy{
            std::string(r.Bytes(row, 2)), job.mailbox, static_cast<uint32_t>(r.Int(row, 4)),
            static_cast<uint32_t>(r.Int(row, 5))});
        job.hints.push_back(
            {r.Int(row, 3), job.mailbox, static_cast<uint64_t>(r.Int(row, 6)), c.uid + 1});
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
