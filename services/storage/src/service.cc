#include "service.h"


#include "convert.h"
#include "tern/core/log.h"
#include "tern/core/status.h"
#include "tern/rpc/status.h"

namespace tern::storage {

#define TERN_UNARY(Name, Req, Resp, body)                                      \
  grpc::Status StorageService::Name(Ctx* ctx, const Req* req, Resp* resp) {    \
    return rpc_.Serve(#Name, ctx, [&]() -> absl::Status { body; });                 \
  }
// The store's result for `call` (a StatusOr), converted into `resp`.
#define TERN_REPLY(call)                    \
  TERN_ASSIGN_OR_RETURN(auto result, call); \
  ToProto(result, resp);                    \
  return absl::OkStatus()

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
TERN_UNARY(CreateMailbox, pb::CreateMailboxRequest, pb::CreateMailboxResponse, {
  TERN_ASSIGN_OR_RETURN(MailboxInfo info, store_.CreateMailbox(FromProto(*req)));
  ToProto(info, resp->mutable_mailbox());
  return absl::OkStatus();
})
TERN_UNARY(RenameMailbox, pb::RenameMailboxRequest, pb::RenameMailboxResponse,
           (void)resp; return store_.RenameMailbox(req->account(), req->from(), req->to()))
TERN_UNARY(DeleteMailbox, pb::DeleteMailboxRequest, pb::DeleteMailboxResponse,
           (void)resp; return store_.DeleteMailbox(req->account(), req->name()))
TERN_UNARY(ListMailboxes, pb::ListMailboxesRequest, pb::ListMailboxesResponse,
           TERN_REPLY(store_.ListMailboxes(FromProto(*req))))
TERN_UNARY(SetSubscribed, pb::SetSubscribedRequest, pb::SetSubscribedResponse,
           (void)resp; return store_.SetSubscribed(req->account(), req->name(), req->subscribed()))
TERN_UNARY(Deliver, pb::DeliverRequest, pb::DeliverResponse,
           TERN_REPLY(store_.Deliver(FromProto(*req))))
TERN_UNARY(Append, pb::AppendRequest, pb::AppendResponse,
           TERN_REPLY(store_.Append(FromProto(*req))))
TERN_UNARY(Status, pb::StatusRequest, pb::StatusResponse, {
  TERN_ASSIGN_OR_RETURN(MailboxInfo info, store_.Status(req->account(), req->mailbox()));
  ToProto(info, resp->mutable_mailbox());
  return absl::OkStatus();
})
TERN_UNARY(StoreFlags, pb::StoreFlagsRequest, pb::StoreFlagsResponse, {
  TERN_ASSIGN_OR_RETURN(StoreFlagsArgs args, FromProto(*req));
  TERN_REPLY(store_.StoreFlags(args));
})
TERN_UNARY(Copy, pb::CopyRequest, pb::CopyResponse, TERN_REPLY(store_.Copy(FromProto(*req), false)))
TERN_UNARY(Move, pb::CopyRequest, pb::CopyResponse, TERN_REPLY(store_.Copy(FromProto(*req), true)))
TERN_UNARY(Expunge, pb::ExpungeRequest, pb::ExpungeResponse,
           TERN_REPLY(store_.Expunge(FromProto(*req))))
TERN_UNARY(ChangesSince, pb::ChangesSinceRequest, pb::ChangesSinceResponse,
           TERN_REPLY(store_.ChangesSince(FromProto(*req))))
TERN_UNARY(Search, pb::SearchRequest, pb::SearchResponse,
           TERN_REPLY(store_.Search(FromProto(*req))))
TERN_UNARY(AcquireLease, pb::LeaseRequest, pb::LeaseResponse,
           TERN_REPLY(store_.Lease(MailStore::LeaseOp::kAcquire, FromProto(*req))))
TERN_UNARY(RenewLease, pb::LeaseRequest, pb::LeaseResponse,
           TERN_REPLY(store_.Lease(MailStore::LeaseOp::kRenew, FromProto(*req))))
TERN_UNARY(ReleaseLease, pb::LeaseRequest, pb::LeaseResponse,
           TERN_REPLY(store_.Lease(MailStore::LeaseOp::kRelease, FromProto(*req))))
TERN_UNARY(ClaimOutbound, pb::ClaimOutboundRequest, pb::ClaimOutboundResponse, {
  TERN_ASSIGN_OR_RETURN(auto jobs, store_.ClaimOutbound(FromProto(*req)));
  for (auto& j : jobs) ToProto(std::move(j), resp->add_jobs());
  return absl::OkStatus();
})
TERN_UNARY(CompleteOutbound, pb::CompleteOutboundRequest, pb::CompleteOutboundResponse, {
  TERN_ASSIGN_OR_RETURN(bool removed, store_.CompleteOutbound(FromProto(*req)));
  resp->set_removed(removed);
  return absl::OkStatus();
})
TERN_UNARY(ListOutbound, pb::ListOutboundRequest, pb::ListOutboundResponse, {
  TERN_ASSIGN_OR_RETURN(auto jobs, store_.ListOutbound(req->state(), req->limit()));
  for (const auto& j : jobs) ToProto(j, resp->add_jobs());
  return absl::OkStatus();
})
TERN_UNARY(UpdateOutbound, pb::UpdateOutboundRequest, pb::OutboundJob, {
  TERN_ASSIGN_OR_RETURN(UpdateOutboundArgs args, FromProto(*req));
  TERN_REPLY(store_.UpdateOutbound(args));
})
TERN_UNARY(GetQuota, pb::GetQuotaRequest, pb::Quota, TERN_REPLY(store_.GetQuota(req->account())))
TERN_UNARY(SetQuota, pb::SetQuotaRequest, pb::Quota, TERN_REPLY(store_.SetQuota(FromProto(*req))))

#undef TERN_REPLY
#undef TERN_UNARY

// Streaming reads: each chunk the store hands over becomes one message on the stream.
template <typename Chunk, typename Message>
static std::function<bool(const Chunk&)> Writer(grpc::ServerWriter<Message>* w) {
  return [w](const Chunk& chunk) {
    Message m;
    ToProto(chunk, &m);
    return w->Write(m);
  };
}

grpc::Status StorageService::Select(Ctx* ctx, const pb::SelectRequest* req,
                                    grpc::ServerWriter<pb::SelectResponse>* w) {
  return rpc_.Serve("Select", ctx, [&] {
    return store_.Select(FromProto(*req), Writer<SelectChunk>(w));
  });
}

grpc::Status StorageService::FetchMetadata(Ctx* ctx, const pb::FetchMetadataRequest* req,
                                           grpc::ServerWriter<pb::FetchMetadataResponse>* w) {
  return rpc_.Serve("FetchMetadata", ctx, [&] {
    return store_.FetchMetadata(FromProto(*req), Writer<std::vector<MessageMetadata>>(w));
  });
}

grpc::Status StorageService::FetchContent(Ctx* ctx, const pb::FetchContentRequest* req,
                                          grpc::ServerWriter<pb::FetchContentResponse>* w) {
  return rpc_.Serve("FetchContent", ctx, [&]() -> absl::Status {
    TERN_ASSIGN_OR_RETURN(FetchContentArgs args, FromProto(*req));
    return store_.FetchContent(args, Writer<ContentChunk>(w));
  });
}

grpc::Status StorageService::FetchMessages(Ctx* ctx, const pb::FetchMessagesRequest* req,
                                           grpc::ServerWriter<pb::FetchMessagesResponse>* w) {
  return rpc_.Serve("FetchMessages", ctx, [&] {
    return store_.FetchMessages(FromProto(*req), Writer<MessageContent>(w));
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
