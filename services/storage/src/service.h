// The gRPC face of MailStore: each method is one line through Serve(), which records the
// method's latency and status code in exactly one place.
#pragma once

#include "convert.h"
#include "probe.h"
#include "store.h"
#include "tern/rpc/server_metrics.h"
#include "tern/storage/v1/storage.grpc.pb.h"
#include "watch_hub.h"
#include "watch_service.h"

namespace tern::storage {

// Watch and WatchAccounts are callback reactors (a waiting stream holds no thread); the rest
// are synchronous methods served by gRPC's thread pool.
using StorageServiceBase =
    pb::Storage::WithCallbackMethod_Watch<pb::Storage::WithCallbackMethod_WatchAccounts<
        pb::Storage::Service>>;

class StorageService final : public StorageServiceBase {
 public:
  StorageService(MailStore& store, WatchHub& hub, Probe& probe)
      : store_(store), hub_(hub), probe_(probe), rpc_(*probe.registry(), "tern_storage") {}

  using Ctx = grpc::ServerContext;
  grpc::Status EnsureAccount(Ctx*, const pb::EnsureAccountRequest*, pb::EnsureAccountResponse*) override;
  grpc::Status DeleteAccount(Ctx*, const pb::DeleteAccountRequest*, pb::DeleteAccountResponse*) override;
  grpc::Status CreateMailbox(Ctx*, const pb::CreateMailboxRequest*, pb::CreateMailboxResponse*) override;
  grpc::Status RenameMailbox(Ctx*, const pb::RenameMailboxRequest*, pb::RenameMailboxResponse*) override;
  grpc::Status DeleteMailbox(Ctx*, const pb::DeleteMailboxRequest*, pb::DeleteMailboxResponse*) override;
  grpc::Status ListMailboxes(Ctx*, const pb::ListMailboxesRequest*, pb::ListMailboxesResponse*) override;
  grpc::Status SetSubscribed(Ctx*, const pb::SetSubscribedRequest*, pb::SetSubscribedResponse*) override;
  grpc::Status Deliver(Ctx*, const pb::DeliverRequest*, pb::DeliverResponse*) override;
  grpc::Status Append(Ctx*, const pb::AppendRequest*, pb::AppendResponse*) override;
  grpc::Status Select(Ctx*, const pb::SelectRequest*, grpc::ServerWriter<pb::SelectResponse>*) override;
  grpc::Status Status(Ctx*, const pb::StatusRequest*, pb::StatusResponse*) override;
  grpc::Status FetchMetadata(Ctx*, const pb::FetchMetadataRequest*,
                             grpc::ServerWriter<pb::FetchMetadataResponse>*) override;
  grpc::Status FetchContent(Ctx*, const pb::FetchContentRequest*,
                            grpc::ServerWriter<pb::FetchContentResponse>*) override;
  grpc::Status FetchMessages(Ctx*, const pb::FetchMessagesRequest*,
                             grpc::ServerWriter<pb::FetchMessagesResponse>*) override;
  grpc::Status StoreFlags(Ctx*, const pb::StoreFlagsRequest*, pb::StoreFlagsResponse*) override;
  grpc::Status Copy(Ctx*, const pb::CopyRequest*, pb::CopyResponse*) override;
  grpc::Status Move(Ctx*, const pb::CopyRequest*, pb::CopyResponse*) override;
  grpc::Status Expunge(Ctx*, const pb::ExpungeRequest*, pb::ExpungeResponse*) override;
  grpc::Status ChangesSince(Ctx*, const pb::ChangesSinceRequest*, pb::ChangesSinceResponse*) override;
  grpc::ServerWriteReactor<pb::ChangeHint>* Watch(grpc::CallbackServerContext*,
                                                   const pb::WatchRequest*) override;
  grpc::ServerBidiReactor<pb::WatchAccountsRequest, pb::ChangeHint>* WatchAccounts(
      grpc::CallbackServerContext*) override;
  // Ends every Watch stream now (a stopping replica), so clients move to another one.
  void EndWatches() { watches_.EndAll(); }
  grpc::Status Search(Ctx*, const pb::SearchRequest*, pb::SearchResponse*) override;
  grpc::Status AcquireLease(Ctx*, const pb::LeaseRequest*, pb::LeaseResponse*) override;
  grpc::Status RenewLease(Ctx*, const pb::LeaseRequest*, pb::LeaseResponse*) override;
  grpc::Status ReleaseLease(Ctx*, const pb::LeaseRequest*, pb::LeaseResponse*) override;
  grpc::Status ClaimOutbound(Ctx*, const pb::ClaimOutboundRequest*, pb::ClaimOutboundResponse*) override;
  grpc::Status CompleteOutbound(Ctx*, const pb::CompleteOutboundRequest*,
                                pb::CompleteOutboundResponse*) override;
  grpc::Status ListOutbound(Ctx*, const pb::ListOutboundRequest*, pb::ListOutboundResponse*) override;
  grpc::Status UpdateOutbound(Ctx*, const pb::UpdateOutboundRequest*, pb::OutboundJob*) override;
  grpc::Status GetQuota(Ctx*, const pb::GetQuotaRequest*, pb::Quota*) override;
  grpc::Status SetQuota(Ctx*, const pb::SetQuotaRequest*, pb::Quota*) override;

 private:
  MailStore& store_;
  WatchHub& hub_;
  Probe& probe_;
  rpc::ServerMetrics rpc_;
  WatchStreams watches_;
};

}  // namespace tern::storage
