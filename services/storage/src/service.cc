#include "service.h"


#include "tern/core/log.h"
#include "tern/core/status.h"
#include "tern/rpc/status.h"

namespace tern::storage {

#define TERN_UNARY(Name, Req, Resp, body)                                      \
  grpc::Status StorageService::Name(Ctx* ctx, const Req* req, Resp* resp) {    \
    return rpc_.Serve(#Name, ctx, [&]() -> absl::Status { body; });                 \
  }

TERN_UNARY(EnsureAccount, pb::EnsureAccountRequest, pb::EnsureAccountResponse, {
  TERN_ASSIGN_OR_RETURN(bool created, store_.EnsureAccount(req->account()));
  resp->set_created(created);
  return absl::OkStatus();
})
TERN_UNARY(DeleteAccount, pb::DeleteAccountRequest, pb::DeleteAccountResponse, {
  TERN_ASSIGN_OR_RETURN(uint32_t n, store_.DeleteAccount(req->account()));
  resp->set_messages_deleted(n);
  return absl::OkStatus();
})
TERN_UNARY(CreateMailbox, pb::CreateMailboxRequest, pb::CreateMailboxResponse,
           return store_.CreateMailbox(*req, resp))
TERN_UNARY(RenameMailbox, pb::RenameMailboxRequest, pb::RenameMailboxResponse,
           (void)resp; return store_.RenameMailbox(*req))
TERN_UNARY(DeleteMailbox, pb::DeleteMailboxRequest, pb::DeleteMailboxResponse,
           (void)resp; return store_.DeleteMailbox(*req))
TERN_UNARY(ListMailboxes, pb::ListMailboxesRequest, pb::ListMailboxesResponse,
           return store_.ListMailboxes(*req, resp))
TERN_UNARY(SetSubscribed, pb::SetSubscribedRequest, pb::SetSubscribedResponse,
           (void)resp; return store_.SetSubscribed(*req))
TERN_UNARY(Deliver, pb::DeliverRequest, pb::DeliverResponse, return store_.Deliver(*req, resp))
TERN_UNARY(Append, pb::AppendRequest, pb::AppendResponse, return store_.Append(*req, resp))
TERN_UNARY(Status, pb::StatusRequest, pb::StatusResponse, return store_.Status(*req, resp))
TERN_UNARY(StoreFlags, pb::StoreFlagsRequest, pb::StoreFlagsResponse,
           return store_.StoreFlags(*req, resp))
TERN_UNARY(Copy, pb::CopyRequest, pb::CopyResponse, return store_.Copy(*req, false, resp))
TERN_UNARY(Move, pb::CopyRequest, pb::CopyResponse, return store_.Copy(*req, true, resp))
TERN_UNARY(Expunge, pb::ExpungeRequest, pb::ExpungeResponse, return store_.Expunge(*req, resp))
TERN_UNARY(ChangesSince, pb::ChangesSinceRequest, pb::ChangesSinceResponse,
           return store_.ChangesSince(*req, resp))
TERN_UNARY(Search, pb::SearchRequest, pb::SearchResponse, return store_.Search(*req, resp))
TERN_UNARY(AcquireLease, pb::LeaseRequest, pb::LeaseResponse,
           return store_.Lease(MailStore::LeaseOp::kAcquire, *req, resp))
TERN_UNARY(RenewLease, pb::LeaseRequest, pb::LeaseResponse,
           return store_.Lease(MailStore::LeaseOp::kRenew, *req, resp))
TERN_UNARY(ReleaseLease, pb::LeaseRequest, pb::LeaseResponse,
           return store_.Lease(MailStore::LeaseOp::kRelease, *req, resp))
TERN_UNARY(ClaimOutbound, pb::ClaimOutboundRequest, pb::ClaimOutboundResponse,
           return store_.ClaimOutbound(*req, resp))
TERN_UNARY(CompleteOutbound, pb::CompleteOutboundRequest, pb::CompleteOutboundResponse,
           return store_.CompleteOutbound(*req, resp))
TERN_UNARY(ListOutbound, pb::ListOutboundRequest, pb::ListOutboundResponse,
           return store_.ListOutbound(*req, resp))
TERN_UNARY(UpdateOutbound, pb::UpdateOutboundRequest, pb::OutboundJob,
           return store_.UpdateOutbound(*req, resp))
TERN_UNARY(GetQuota, pb::GetQuotaRequest, pb::Quota, return store_.GetQuota(req->account(), resp))
TERN_UNARY(SetQuota, pb::SetQuotaRequest, pb::Quota, return store_.SetQuota(*req, resp))

#undef TERN_UNARY

grpc::Status StorageService::Select(Ctx* ctx, const pb::SelectRequest* req,
                                    grpc::ServerWriter<pb::SelectResponse>* w) {
  return rpc_.Serve("Select", ctx, [&] {
    return store_.Select(*req, [&](const pb::SelectResponse& r) { return w->Write(r); });
  });
}

grpc::Status StorageService::FetchMetadata(Ctx* ctx, const pb::FetchMetadataRequest* req,
                                           grpc::ServerWriter<pb::FetchMetadataResponse>* w) {
  return rpc_.Serve("FetchMetadata", ctx, [&] {
    return store_.FetchMetadata(*req, [&](const pb::FetchMetadataResponse& r) { return w->Write(r); });
  });
}

grpc::Status StorageService::FetchContent(Ctx* ctx, const pb::FetchContentRequest* req,
                                          grpc::ServerWriter<pb::FetchContentResponse>* w) {
  return rpc_.Serve("FetchContent", ctx, [&] {
    return store_.FetchContent(*req, [&](const pb::FetchContentResponse& r) { return w->Write(r); });
  });
}

grpc::Status StorageService::FetchMessages(Ctx* ctx, const pb::FetchMessagesRequest* req,
                                           grpc::ServerWriter<pb::FetchMessagesResponse>* w) {
  return rpc_.Serve("FetchMessages", ctx, [&] {
    return store_.FetchMessages(*req, [&](const pb::FetchMessagesResponse& r) { return w->Write(r); });
  });
}

grpc::ServerWriteReactor<pb::ChangeHint>* StorageService::Watch(grpc::CallbackServerContext*,
                                                                 const pb::WatchRequest* req) {
  return StartWatch(store_, hub_, probe_, watches_, *req);
}

grpc::ServerBidiReactor<pb::WatchAccountsRequest, pb::ChangeHint>* StorageService::WatchAccounts(
    grpc::CallbackServerContext*) {
  return StartWatchAccounts(store_, hub_, probe_, watches_);
}

}  // namespace tern::storage
