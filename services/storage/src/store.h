// MailStore: the storage service's logic over PostgreSQL. Every method validates its input,
// runs in one transaction and returns absl::Status; the gRPC layer (service.cc, with the
// conversions in convert.cc) only adapts. Requests and results are the plain structs of
// store_types.h. Streaming reads hand chunks to an `emit` callback that returns false when the
// client is gone. The methods are defined by concern, in the file named above each group.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "store_types.h"
#include "tern/pg/pool.h"

namespace tern::storage {

struct StoreLimits {
  uint64_t max_message_bytes = 50 << 20;
  size_t max_ranges = 10000;         // ranges in one UID/sequence set
  size_t max_search_keys = 1000;     // nodes in one SEARCH tree
  size_t max_search_depth = 64;
  size_t select_chunk = 10000;       // UIDs per Select stream message
  size_t fetch_chunk = 500;          // messages per FetchMetadata stream message
  size_t content_chunk = 256 << 10;  // bytes per FetchContent stream message
};

class Probe;

// A change committed to a mailbox, announced to every replica's Watch streams.
struct ChangeNote {
  int64_t account_id = 0;
  std::string mailbox;
  uint64_t modseq = 0;
  uint32_t uidnext = 0;
};

// Sends change notes after commit. Not inside the transaction: PostgreSQL serialises the
// commits of transactions that NOTIFY, which would defeat group commit under load. A note lost
// to a crash between commit and send is harmless: notes are hints (invariant 8).
class ChangePublisher {
 public:
  virtual ~ChangePublisher() = default;
  virtual void Publish(ChangeNote note) = 0;
};

class MailStore {
 public:
  MailStore(pg::Pool& db, Probe& probe, ChangePublisher& publisher, StoreLimits limits = {});

  // accounts.cc
  absl::StatusOr<bool> EnsureAccount(const std::string& account);
  // Removes the account's mail store; returns the number of message copies deleted.
  absl::StatusOr<uint32_t> DeleteAccount(const std::string& account);
  // The account id of a mail store (created on first use); cached.
  absl::StatusOr<int64_t> AccountId(const std::string& account);

  // mailboxes.cc
  absl::StatusOr<MailboxInfo> CreateMailbox(const CreateMailboxArgs& args);
  absl::Status RenameMailbox(const std::string& account, const std::string& from,
                             const std::string& to);
  absl::Status DeleteMailbox(const std::string& account, const std::string& name);
  absl::StatusOr<MailboxList> ListMailboxes(const ListMailboxesArgs& args);
  absl::Status SetSubscribed(const std::string& account, const std::string& name,
                             bool subscribed);

  // deliver.cc. Both return only after the commit that stored the message.
  absl::StatusOr<DeliverResult> Deliver(const DeliverArgs& args);
  absl::StatusOr<AppendResult> Append(const AppendArgs& args);

  // reads.cc
  absl::Status Select(const SelectArgs& args,
                      const std::function<bool(const SelectChunk&)>& emit);
  absl::StatusOr<MailboxInfo> Status(const std::string& account, const std::string& mailbox);
  absl::Status FetchMetadata(const FetchMetadataArgs& args,
                             const std::function<bool(const std::vector<MessageMetadata>&)>& emit);
  absl::Status FetchContent(const FetchContentArgs& args,
                            const std::function<bool(const ContentChunk&)>& emit);
  absl::Status FetchMessages(const FetchMessagesArgs& args,
                             const std::function<bool(const MessageContent&)>& emit);

  // flags_copy_expunge.cc
  absl::StatusOr<StoreFlagsResult> StoreFlags(const StoreFlagsArgs& args);
  absl::StatusOr<CopyResult> Copy(const CopyArgs& args, bool move);
  absl::StatusOr<ExpungeResult> Expunge(const ExpungeArgs& args);

  // changes.cc
  absl::StatusOr<Changes> ChangesSince(const ChangesSinceArgs& args);
  // \Recent for a read-write session: takes every UID above the mailbox's recent_uid up to
  // uidnext - 1 in one UPDATE (so no two sessions get the same one) and returns the range
  // taken as (after, through]; an empty range when there is nothing new. Not durable on its
  // own (synchronous_commit off): a PostgreSQL crash right after can at worst show a message
  // as \Recent to one more session, never lose a message or a flag.
  absl::StatusOr<std::pair<uint32_t, uint32_t>> ClaimRecent(int64_t account_id,
                                                            const std::string& mailbox);

  // search_store.cc
  absl::StatusOr<SearchResult> Search(const SearchArgs& args);

  // leases.cc. Acquire, renew or release (see the proto).
  enum class LeaseOp { kAcquire, kRenew, kRelease };
  absl::StatusOr<LeaseResult> Lease(LeaseOp op, const LeaseArgs& args);

  // outbound.cc
  absl::StatusOr<std::vector<OutboundJob>> ClaimOutbound(const ClaimOutboundArgs& args);
  // True when nothing is left to do and the job is gone.
  absl::StatusOr<bool> CompleteOutbound(const CompleteOutboundArgs& args);
  absl::StatusOr<std::vector<OutboundJob>> ListOutbound(const std::string& state, uint32_t limit);
  absl::StatusOr<OutboundJob> UpdateOutbound(const UpdateOutboundArgs& args);
  // Jobs and the age of the oldest one (seconds), per state: queued, held, failed (every
  // state present, zero when empty). For the queue gauges.
  struct QueueState {
    int64_t jobs = 0;
    double oldest_seconds = 0;
  };
  absl::StatusOr<std::map<std::string, QueueState>> OutboundStats();
  // Drops jobs that gave up (state failed) longer than `retention` ago, with their content
  // when nothing else holds it. Returns how many.
  absl::StatusOr<int64_t> ExpireFailedOutbound(absl::Duration retention);

  // quotas.cc
  absl::StatusOr<Quota> GetQuota(const std::string& account);
  absl::StatusOr<Quota> SetQuota(const SetQuotaArgs& args);

 private:
  // deliver.cc. Writes one message, `trace` followed by `content` (both left where they are:
  // each goes to libpq as a parameter of its own and PostgreSQL joins them), to the same
  // mailbox of each account (and queues its outbound copies) with group commit: concurrent calls are queued, and one caller at a time
  // (the leader) takes every pending call, up to kMaxWriteBatch, and writes them with one
  // statement (tern_deliver_batch), so one transaction and one COMMIT. A delivery refused in a
  // batch (quota, no such mailbox) changes nothing and gets its own status while the others
  // commit; a failed COMMIT or a lost connection fails the whole batch; a deadlock retries it
  // whole. A message whose POP3 size differs from its size is written alone, with its POP3 size
  // in the same transaction. Returns only after the commit that stored the message.
  struct WriteJob;
  absl::StatusOr<DeliverResult> WriteMessage(const std::vector<std::string>& accounts,
                                             const std::string& mailbox,
                                             std::string_view trace, std::string_view content,
                                             std::optional<int64_t> internal_date,
                                             uint32_t flags,
                                             const std::vector<std::string>& keywords,
                                             const std::string& sender = "",
                                             const std::vector<std::string>& outbound = {});
  // Deliveries per batch: at most PostgreSQL's per-backend cache of subtransaction ids (64;
  // each delivery of a batch is a subtransaction), beyond which every snapshot gets slower.
  static constexpr size_t kMaxWriteBatch = 64;
  // Batches written at once, each on its own connection. One measured best on two cores (two
  // halve the batches and gave ~20% fewer deliveries/s); the price is that a batch waiting for a
  // mailbox lock held by another transaction holds up the replica's deliveries until then.
  static constexpr int kMaxWriteBatches = 1;
  // Runs `batch` (taken from write_queue_ by its leader) and sets each job's status.
  void RunWriteBatch(std::vector<WriteJob*> batch);

  // store.cc
  void CollectGarbage(const std::vector<int64_t>& message_ids);
  // A read-write transaction whose change notes are published after it commits.
  absl::Status Change(
      const std::string& op,
      const std::function<absl::Status(pqxx::transaction_base&, std::vector<ChangeNote>&)>& fn);

  pg::Pool& db_;
  Probe& probe_;
  ChangePublisher& publisher_;
  const StoreLimits limits_;
  absl::Mutex cache_mu_;
  absl::flat_hash_map<std::string, int64_t> account_ids_ ABSL_GUARDED_BY(cache_mu_);
  absl::Mutex write_mu_;
  std::deque<WriteJob*> write_queue_ ABSL_GUARDED_BY(write_mu_);
  int write_batches_ ABSL_GUARDED_BY(write_mu_) = 0;  // batches being written
};

// Validation and normalisation shared with tests.
// Account names are lower-cased; at most 320 bytes, printable, no spaces.
absl::StatusOr<std::string> NormalizeAccount(const std::string& account);
// An address of another domain as outbound delivery needs it: the local part exactly as given
// (case and quoting kept), the domain in lower case; no control characters.
absl::StatusOr<std::string> NormalizeOutboundAddress(const std::string& address);
// Mailbox names: UTF-8, "/" delimiter, "INBOX" case-insensitive (returned as "INBOX"); no empty
// levels, no wildcards or control characters, at most 1000 bytes and 255 per level.
absl::StatusOr<std::string> NormalizeMailbox(const std::string& name);
// IMAP LIST matching: "*" matches anything, "%" anything but "/".
bool MatchPattern(const std::string& pattern, const std::string& name);
// Replaces invalid UTF-8 with U+FFFD and drops NUL, so text fits a PostgreSQL text column.
std::string SanitizeUtf8(const std::string& in);

}  // namespace tern::storage
