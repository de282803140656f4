// MailStore's own request and result types: plain structs, so that the store knows nothing of
// gRPC or protobuf messages. service.cc (through convert.cc) turns the tern.storage.v1 messages
// into these and back; the meaning of every field is the one documented in storage.proto.
// Views (std::string_view) point into the caller's request, or into a database result for the
// duration of an `emit` callback, and are valid only that long.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::storage {

// System flags as bits (storage.proto Flag).
enum Flag : uint32_t {
  kFlagSeen = 1,
  kFlagAnswered = 2,
  kFlagFlagged = 4,
  kFlagDeleted = 8,
  kFlagDraft = 16,
};
constexpr uint32_t kAllFlags = kFlagSeen | kFlagAnswered | kFlagFlagged | kFlagDeleted | kFlagDraft;
// The largest special-use value (storage.proto SpecialUse: NONE 0 ... FLAGGED 7).
constexpr int kMaxSpecialUse = 7;

// An inclusive range of UIDs or sequence numbers; `last` 0 means "*" (the largest).
struct Range {
  uint32_t first = 0;
  uint32_t last = 0;
};
using IdSet = std::vector<Range>;

struct MailboxInfo {
  std::string name;
  uint32_t uidvalidity = 0;
  uint32_t uidnext = 0;
  uint64_t highestmodseq = 0;
  uint32_t messages = 0;
  uint32_t unseen = 0;
  uint32_t deleted = 0;
  uint64_t size = 0;
  int special_use = 0;
  bool subscribed = false;
  bool has_children = false;
  bool noselect = false;
  uint32_t first_unseen_seq = 0;  // 0 if none
  uint32_t recent = 0;            // unclaimed \Recent messages
};

struct CreateMailboxArgs {
  std::string account;
  std::string name;
  int special_use = 0;
};

struct ListMailboxesArgs {
  std::string account;
  std::string reference;
  std::string pattern;
  bool subscribed_only = false;
  bool with_counts = false;
};
struct MailboxList {
  std::vector<MailboxInfo> mailboxes;
  std::vector<std::string> subscribed_nonexistent;
};

// A message to write: Deliver (to many accounts, and the outbound queue) and Append (one
// account and mailbox). The stored message is `trace` followed by `content`, as if the client
// had sent the two as one; neither is copied by the store.
struct DeliverArgs {
  std::vector<std::string> accounts;
  std::string_view trace;
  std::string_view content;
  std::string mailbox;  // "" = INBOX
  std::optional<int64_t> internal_date;  // Unix seconds; none = the time of the commit
  uint32_t flags = 0;
  std::vector<std::string> keywords;
  std::vector<std::string> outbound;
  std::string sender;
};
struct DeliveredCopy {
  std::string account;
  std::string mailbox;
  uint32_t uidvalidity = 0;
  uint32_t uid = 0;
};
struct DeliverResult {
  uint64_t message_id = 0;
  std::vector<DeliveredCopy> copies;
  std::vector<uint64_t> outbound_jobs;
};

struct AppendArgs {
  std::string account;
  std::string mailbox;
  std::string_view content;
  uint32_t flags = 0;
  std::vector<std::string> keywords;
  std::optional<int64_t> internal_date;
};
struct AppendResult {
  uint32_t uidvalidity = 0;
  uint32_t uid = 0;
};

struct SelectArgs {
  std::string account;
  std::string mailbox;
  bool with_messages = false;
  bool list_only = false;
  bool claim_recent = false;
};
// The first chunk carries `mailbox` (and the permanent keywords); the following ones the
// message lists, as parallel vectors ascending by UID (flags, modseqs and keywords empty with
// list_only; sizes are POP3 sizes then).
struct SelectChunk {
  std::optional<MailboxInfo> mailbox;
  std::vector<std::string> permanent_keywords;
  std::vector<uint32_t> uids;
  std::vector<uint32_t> flags;
  std::vector<uint64_t> modseqs;
  std::vector<std::string> keywords;  // of uids[i], joined by spaces
  std::vector<uint64_t> sizes;
  // First chunk: UIDs in (recent_after, recent_through] are \Recent for the caller.
  uint32_t recent_after = 0;
  uint32_t recent_through = 0;
};

struct FetchMetadataArgs {
  std::string account;
  std::string mailbox;
  IdSet uids;
  bool envelope = false;
  bool body_structure = false;
  uint64_t changed_since = 0;
};
struct MessageMetadata {
  uint32_t uid = 0;
  uint32_t flags = 0;
  std::vector<std::string> keywords;
  int64_t internal_date = 0;  // Unix seconds
  uint64_t size = 0;
  uint64_t modseq = 0;
  uint64_t header_size = 0;
  uint64_t message_id = 0;
  // Serialized tern.storage.v1.Envelope and BodyPart, as parsed once at delivery; none when
  // not asked for.
  std::optional<std::string> envelope;
  std::optional<std::string> body_structure;
};

// Which part of a message FetchContent reads (storage.proto FetchContentRequest.What).
enum class Section {
  kFull,
  kHeader,
  kText,
  kPart,
  kPartHeader,
  kPartMessageHeader,
  kPartMessageText,
};
struct FetchContentArgs {
  std::string account;
  std::string mailbox;
  uint32_t uid = 0;
  Section section = Section::kFull;
  std::vector<uint32_t> part;  // IMAP part path, [1, 2] for "1.2"
  uint64_t offset = 0;
  uint64_t length = 0;  // 0 = to the end
};
// `data` points into the database result and is valid during the callback only.
struct ContentChunk {
  std::string_view data;
  std::optional<uint64_t> total_size;  // the first chunk only
};

struct FetchMessagesArgs {
  std::string account;
  std::string mailbox;
  std::vector<uint32_t> uids;
  uint64_t max_message_bytes = 0;
};
// `content` points into the database result and is valid during the callback only.
struct MessageContent {
  uint32_t uid = 0;
  std::string_view content;
};

enum class StoreMode { kAdd, kRemove, kReplace };
struct StoreFlagsArgs {
  std::string account;
  std::string mailbox;
  IdSet uids;
  StoreMode mode = StoreMode::kAdd;
  uint32_t flags = 0;
  std::vector<std::string> keywords;
  uint64_t unchanged_since = 0;
};
struct FlagState {
  uint32_t uid = 0;
  uint32_t flags = 0;
  std::vector<std::string> keywords;
  uint64_t modseq = 0;
};
struct StoreFlagsResult {
  std::vector<FlagState> updated;
  std::vector<uint32_t> modified;
  uint64_t highestmodseq = 0;
};

struct CopyArgs {
  std::string account;
  std::string mailbox;
  IdSet uids;
  std::string to_mailbox;
};
struct CopyResult {
  uint32_t uidvalidity = 0;
  std::vector<uint32_t> source_uids;
  std::vector<uint32_t> dest_uids;
};

struct ExpungeArgs {
  std::string account;
  std::string mailbox;
  IdSet uids;  // empty: every message flagged \Deleted
  bool ignore_deleted_flag = false;
};
struct ExpungeResult {
  std::vector<uint32_t> expunged;
  uint64_t highestmodseq = 0;
};

struct ChangesSinceArgs {
  std::string account;
  std::string mailbox;
  uint64_t modseq = 0;
  bool claim_recent = false;
};
struct Changes {
  std::vector<FlagState> changed;
  std::vector<uint32_t> vanished;
  uint64_t highestmodseq = 0;
  uint32_t uidvalidity = 0;
  uint32_t recent_after = 0;  // as in SelectChunk
  uint32_t recent_through = 0;
};

// An RFC 3501 SEARCH key tree (storage.proto SearchKey).
struct SearchKey {
  enum class Kind {
    kAll,
    kFlagSet,     // number: flag bits
    kFlagUnset,
    kNew,
    kKeyword,     // text
    kUnkeyword,
    kBefore,      // number: Unix seconds (internal date, by day, UTC)
    kOn,
    kSince,
    kSentBefore,  // number: Unix seconds (Date: header, by day)
    kSentOn,
    kSentSince,
    kLarger,      // number: octets
    kSmaller,
    kModseq,      // number: MODSEQ >= this
    kHeader,      // field, text (substring; empty matches any message with the field)
    kText,        // text
    kBody,
    kUid,         // set
    kSeq,
    kAnd,         // children
    kOr,
    kNot,         // children[0]
  };
  Kind kind = Kind::kAll;
  int64_t number = 0;
  std::string field;
  std::string text;
  IdSet set;
  std::vector<SearchKey> children;
};
struct SearchArgs {
  std::string account;
  std::string mailbox;
  SearchKey key;
};
struct SearchResult {
  std::vector<uint32_t> uids;
  uint64_t highestmodseq = 0;
};

struct LeaseArgs {
  std::string account;
  std::string name;
  std::string owner;
  uint32_t ttl_seconds = 0;
};
struct LeaseResult {
  bool granted = false;
  int64_t expires = 0;  // Unix seconds; 0 when not granted or released
};

struct OutboundJob {
  uint64_t id = 0;
  uint64_t message_id = 0;
  std::string sender;
  std::string domain;
  std::vector<std::string> recipients;
  std::string state;
  uint32_t attempts = 0;
  int64_t next_attempt = 0;  // Unix seconds
  std::string last_error;
  int64_t created = 0;  // Unix seconds
  uint64_t size = 0;
  std::string content;  // ClaimOutbound only
  bool warned = false;
};
struct ClaimOutboundArgs {
  std::string owner;
  uint32_t lease_seconds = 0;
  uint32_t limit = 0;
  uint32_t max_per_domain = 0;
};
struct CompleteOutboundArgs {
  uint64_t id = 0;
  std::string owner;
  std::vector<std::string> retry;
  uint32_t retry_after_seconds = 0;
  std::string error;
  bool give_up = false;
  bool warned = false;
};
enum class OutboundAction { kRetry, kHold, kRelease, kDelete };
struct UpdateOutboundArgs {
  uint64_t id = 0;
  OutboundAction action = OutboundAction::kRetry;
};

struct Quota {
  uint64_t storage_bytes_limit = 0;
  uint64_t storage_bytes_used = 0;
  uint64_t messages_limit = 0;
  uint64_t messages_used = 0;
};
struct SetQuotaArgs {
  std::string account;
  uint64_t storage_bytes = 0;  // 0 = unlimited
  uint64_t messages = 0;
};

}  // namespace tern::storage
