// Storage as the IMAP gateway sees it, in memory, for the session tests: mailboxes with UIDs,
// flags, keywords and MODSEQs that behave as storage's do (a MODSEQ per change, expunged UIDs
// remembered with theirs for ChangesSince), and change hints to subscribers as the storage
// Watch stream gives them. Calls answer at once on the caller's thread. What it does not model:
// the parsed MIME structure (ENVELOPE and BODYSTRUCTURE come back empty, part sections are
// NO_SUCH_PART), quotas (none), LIST patterns beyond "*" and "%", and the date and header
// SEARCH keys (they answer an error, so a test cannot pass on them by accident).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tern/clients/change_feed.h"
#include "tern/clients/mail_store.h"

namespace tern::imap_gateway::testing {

class FakeMailStore final : public clients::MailStore, public clients::HintSource {
 public:
  // What other sessions and deliveries do, with hints to the subscribers of `account`.
  void AddAccount(const std::string& account);  // with an INBOX
  uint32_t Deliver(const std::string& account, const std::string& mailbox,
                   const std::string& content, uint32_t flags = 0);
  void SetFlags(const std::string& account, const std::string& mailbox, uint32_t uid,
                uint32_t flags);
  void Remove(const std::string& account, const std::string& mailbox, uint32_t uid);
  // Every call answers UNAVAILABLE while down.
  void SetUnavailable(bool down);

  uint64_t Subscribe(const std::string& account, Callback cb) override;
  void Unsubscribe(uint64_t id) override;

  void Select(storage::v1::SelectRequest req, clients::Done<clients::SelectedMailbox> done) override;
  void Status(storage::v1::StatusRequest req,
              clients::Done<storage::v1::StatusResponse> done) override;
  void List(storage::v1::ListMailboxesRequest req,
            clients::Done<storage::v1::ListMailboxesResponse> done) override;
  void Create(storage::v1::CreateMailboxRequest req,
              clients::Done<storage::v1::CreateMailboxResponse> done) override;
  void Rename(storage::v1::RenameMailboxRequest req, clients::DoneStatus done) override;
  void Delete(storage::v1::DeleteMailboxRequest req, clients::DoneStatus done) override;
  void Subscribe(storage::v1::SetSubscribedRequest req, clients::DoneStatus done) override;
  void Append(storage::v1::AppendRequest req,
              clients::Done<storage::v1::AppendResponse> done) override;
  void FetchMetadata(storage::v1::FetchMetadataRequest req,
                     clients::Done<std::vector<storage::v1::MessageMetadata>> done) override;
  void FetchMessages(storage::v1::FetchMessagesRequest req,
                     clients::Done<std::vector<storage::v1::FetchMessagesResponse>> done) override;
  void FetchContent(storage::v1::FetchContentRequest req, clients::Done<std::string> done) override;
  std::unique_ptr<clients::ContentStream> OpenSection(
      storage::v1::FetchContentRequest req) override;
  void StoreFlags(storage::v1::StoreFlagsRequest req,
                  clients::Done<storage::v1::StoreFlagsResponse> done) override;
  void Copy(storage::v1::CopyRequest req, bool move,
            clients::Done<storage::v1::CopyResponse> done) override;
  void Expunge(storage::v1::ExpungeRequest req,
               clients::Done<storage::v1::ExpungeResponse> done) override;
  void ChangesSince(storage::v1::ChangesSinceRequest req,
                    clients::Done<storage::v1::ChangesSinceResponse> done) override;
  void Search(storage::v1::SearchRequest req,
              clients::Done<storage::v1::SearchResponse> done) override;
  void GetQuota(storage::v1::GetQuotaRequest req, clients::Done<storage::v1::Quota> done) override;

 private:
  struct Message {
    uint32_t uid = 0;
    uint32_t flags = 0;
    std::vector<std::string> keywords;
    uint64_t modseq = 0;
    std::string content;
    int64_t internal_date = 0;
  };
  struct Box {
    uint32_t uidvalidity = 0;
    uint32_t uidnext = 1;
    uint64_t modseq = 1;
    uint32_t recent_uid = 0;             // \Recent claimed up to here, as storage does
    std::vector<Message> messages;       // ascending by UID
    std::map<uint32_t, uint64_t> gone;  // expunged UID -> the MODSEQ of its expunge
    bool subscribed = false;
    storage::v1::SpecialUse special_use = storage::v1::SPECIAL_USE_NONE;
  };
  using Account = std::map<std::string, Box>;

  absl::Status Down() const;
  // The mailbox, or NO_SUCH_MAILBOX (kMustCreateFirst with `trycreate`).
  absl::StatusOr<Box*> BoxOf(const std::string& account, const std::string& mailbox,
                             bool trycreate = false) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  storage::v1::MailboxInfo Info(const std::string& name, const Box& box) const;
  // (after, through]: claimed for the caller with `claim`, else the unclaimed ones.
  static std::pair<uint32_t, uint32_t> Recent(Box& box, bool claim);
  uint32_t Add(Box& box, std::string content, uint32_t flags, std::vector<std::string> keywords,
               int64_t internal_date) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Hints to the account's subscribers, after the lock is let go.
  void Hint(const std::string& account, const std::string& mailbox);
  absl::StatusOr<bool> Matches(const storage::v1::SearchKey& key, const Box& box, size_t index);

  absl::Mutex mu_;
  std::map<std::string, Account> accounts_ ABSL_GUARDED_BY(mu_);
  uint32_t next_uidvalidity_ ABSL_GUARDED_BY(mu_) = 1000;
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex subs_mu_;
  std::map<uint64_t, std::pair<std::string, Callback>> subs_ ABSL_GUARDED_BY(subs_mu_);
  uint64_t next_sub_ ABSL_GUARDED_BY(subs_mu_) = 1;
};

}  // namespace tern::imap_gateway::testing
