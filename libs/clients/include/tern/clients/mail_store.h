// Storage as the IMAP gateway sees it: the mailbox calls of tern.storage.v1, each started at
// once with its result handed to `done` on a gRPC thread (the callback API: a call in flight
// holds no thread; sessions await them with net::Await). Requests and results are the storage
// protos; server streams are read to their end and handed over whole, except a message's
// content, which OpenSection reads chunk by chunk as the caller asks.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tern/clients/clients.h"
#include "tern/rpc/channel.h"
#include "tern/storage/v1/storage.pb.h"

namespace tern::clients {

// A selected mailbox: its header and every message, ascending by UID.
struct SelectedMailbox {
  storage::v1::MailboxInfo mailbox;
  std::vector<std::string> permanent_keywords;
  std::vector<uint32_t> uids;
  std::vector<uint32_t> flags;
  std::vector<uint64_t> modseqs;
  std::vector<std::string> keywords;  // keywords[i] of uids[i], joined by spaces
  // UIDs in (recent_after, recent_through] are \Recent for this session (SelectResponse).
  uint32_t recent_after = 0;
  uint32_t recent_through = 0;
};

class MailStore {
 public:
  virtual ~MailStore() = default;
  virtual void Select(storage::v1::SelectRequest req, Done<SelectedMailbox> done) = 0;
  virtual void Status(storage::v1::StatusRequest req, Done<storage::v1::StatusResponse> done) = 0;
  virtual void List(storage::v1::ListMailboxesRequest req,
                    Done<storage::v1::ListMailboxesResponse> done) = 0;
  virtual void Create(storage::v1::CreateMailboxRequest req,
                      Done<storage::v1::CreateMailboxResponse> done) = 0;
  virtual void Rename(storage::v1::RenameMailboxRequest req, DoneStatus done) = 0;
  virtual void Delete(storage::v1::DeleteMailboxRequest req, DoneStatus done) = 0;
  virtual void Subscribe(storage::v1::SetSubscribedRequest req, DoneStatus done) = 0;
  // OK only after commit.
  virtual void Append(storage::v1::AppendRequest req, Done<storage::v1::AppendResponse> done) = 0;
  virtual void FetchMetadata(storage::v1::FetchMetadataRequest req,
                             Done<std::vector<storage::v1::MessageMetadata>> done) = 0;
  // Whole messages (at most 256 UIDs; those over max_message_bytes left out), in UID order.
  virtual void FetchMessages(storage::v1::FetchMessagesRequest req,
                             Done<std::vector<storage::v1::FetchMessagesResponse>> done) = 0;
  // The selected content (a section, a range of it) read whole: for small pieces.
  virtual void FetchContent(storage::v1::FetchContentRequest req, Done<std::string> done) = 0;
  // The same, chunk by chunk as the caller asks (a big body is never held whole).
  virtual std::unique_ptr<ContentStream> OpenSection(storage::v1::FetchContentRequest req) = 0;
  virtual void StoreFlags(storage::v1::StoreFlagsRequest req,
                          Done<storage::v1::StoreFlagsResponse> done) = 0;
  virtual void Copy(storage::v1::CopyRequest req, bool move,
                    Done<storage::v1::CopyResponse> done) = 0;
  virtual void Expunge(storage::v1::ExpungeRequest req,
                       Done<storage::v1::ExpungeResponse> done) = 0;
  virtual void ChangesSince(storage::v1::ChangesSinceRequest req,
                            Done<storage::v1::ChangesSinceResponse> done) = 0;
  virtual void Search(storage::v1::SearchRequest req, Done<storage::v1::SearchResponse> done) = 0;
  virtual void GetQuota(storage::v1::GetQuotaRequest req, Done<storage::v1::Quota> done) = 0;
};

absl::StatusOr<std::unique_ptr<MailStore>> MakeGrpcMailStore(const rpc::ChannelOptions& options);

}  // namespace tern::clients
