#include "tern/clients/mail_store.h"

#include <chrono>

#include "async_call.h"
#include "content_stream.h"
#include "tern/rpc/status.h"
#include "tern/storage/v1/storage.grpc.pb.h"

namespace tern::clients {
namespace {

namespace sv = storage::v1;
using namespace std::chrono_literals;
using Stub = sv::Storage::Stub;

class GrpcMailStore final : public MailStore {
 public:
  explicit GrpcMailStore(std::shared_ptr<grpc::Channel> ch)
      : channel_(std::move(ch)), stub_(sv::Storage::NewStub(channel_)) {}

  void Select(sv::SelectRequest req, Done<SelectedMailbox> done) override {
    auto out = std::make_shared<SelectedMailbox>();
    Read<sv::SelectRequest, sv::SelectResponse>(
        std::move(req), 60s,
        [out](sv::SelectResponse& r) {
          if (r.has_mailbox()) {
            out->mailbox = r.mailbox();
            out->recent_after = r.recent_after();
            out->recent_through = r.recent_through();
          }
          for (auto& k : *r.mutable_permanent_keywords()) out->permanent_keywords.push_back(std::move(k));
          out->uids.insert(out->uids.end(), r.uids().begin(), r.uids().end());
          out->flags.insert(out->flags.end(), r.flags().begin(), r.flags().end());
          out->modseqs.insert(out->modseqs.end(), r.modseqs().begin(), r.modseqs().end());
          for (auto& k : *r.mutable_keywords()) out->keywords.push_back(std::move(k));
        },
        [out, done = std::move(done)](const grpc::Status& s) {
          if (!s.ok()) return done(rpc::FromGrpc(s));
          done(std::move(*out));
        },
        [this](auto* ctx, auto* rq, auto* r) { stub_->async()->Select(ctx, rq, r); });
  }
  void Status(sv::StatusRequest req, Done<sv::StatusResponse> done) override {
    Unary<sv::StatusRequest, sv::StatusResponse>(std::move(req), 10s, std::move(done),
                                                 [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->Status(c, q, r, std::move(cb)); });
  }
  void List(sv::ListMailboxesRequest req, Done<sv::ListMailboxesResponse> done) override {
    Unary<sv::ListMailboxesRequest, sv::ListMailboxesResponse>(
        std::move(req), 30s, std::move(done), [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->ListMailboxes(c, q, r, std::move(cb)); });
  }
  void Create(sv::CreateMailboxRequest req, Done<sv::CreateMailboxResponse> done) override {
    Unary<sv::CreateMailboxRequest, sv::CreateMailboxResponse>(
        std::move(req), 10s, std::move(done), [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->CreateMailbox(c, q, r, std::move(cb)); });
  }
  void Rename(sv::RenameMailboxRequest req, DoneStatus done) override {
    Unary<sv::RenameMailboxRequest, sv::RenameMailboxResponse>(
        std::move(req), 60s, StatusOnly<sv::RenameMailboxResponse>(std::move(done)),
        [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->RenameMailbox(c, q, r, std::move(cb)); });
  }
  void Delete(sv::DeleteMailboxRequest req, DoneStatus done) override {
    Unary<sv::DeleteMailboxRequest, sv::DeleteMailboxResponse>(
        std::move(req), 60s, StatusOnly<sv::DeleteMailboxResponse>(std::move(done)),
        [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->DeleteMailbox(c, q, r, std::move(cb)); });
  }
  void Subscribe(sv::SetSubscribedRequest req, DoneStatus done) override {
    Unary<sv::SetSubscribedRequest, sv::SetSubscribedResponse>(
        std::move(req), 10s, StatusOnly<sv::SetSubscribedResponse>(std::move(done)),
        [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->SetSubscribed(c, q, r, std::move(cb)); });
  }
  void Append(sv::AppendRequest req, Done<sv::AppendResponse> done) override {
    Unary<sv::AppendRequest, sv::AppendResponse>(std::move(req), 60s, std::move(done),
                                                 [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->Append(c, q, r, std::move(cb)); });
  }
  void FetchMetadata(sv::FetchMetadataRequest req,
                     Done<std::vector<sv::MessageMetadata>> done) override {
    auto out = std::make_shared<std::vector<sv::MessageMetadata>>();
    Read<sv::FetchMetadataRequest, sv::FetchMetadataResponse>(
        std::move(req), 120s,
        [out](sv::FetchMetadataResponse& r) {
          for (auto& m : *r.mutable_messages()) out->push_back(std::move(m));
        },
        [out, done = std::move(done)](const grpc::Status& s) {
          if (!s.ok()) return done(rpc::FromGrpc(s));
          done(std::move(*out));
        },
        [this](auto* ctx, auto* rq, auto* r) { stub_->async()->FetchMetadata(ctx, rq, r); });
  }
  void FetchMessages(sv::FetchMessagesRequest req,
                     Done<std::vector<sv::FetchMessagesResponse>> done) override {
    auto out = std::make_shared<std::vector<sv::FetchMessagesResponse>>();
    Read<sv::FetchMessagesRequest, sv::FetchMessagesResponse>(
        std::move(req), 120s,
        [out](sv::FetchMessagesResponse& r) {
          // A message comes in one or more responses of the same UID, in order.
          if (!out->empty() && out->back().uid() == r.uid()) {
            out->back().mutable_content()->append(r.content());
          } else {
            out->push_back(std::move(r));
          }
        },
        [out, done = std::move(done)](const grpc::Status& s) {
          if (!s.ok()) return done(rpc::FromGrpc(s));
          done(std::move(*out));
        },
        [this](auto* ctx, auto* rq, auto* r) { stub_->async()->FetchMessages(ctx, rq, r); });
  }
  void FetchContent(sv::FetchContentRequest req, Done<std::string> done) override {
    auto out = std::make_shared<std::string>();
    Read<sv::FetchContentRequest, sv::FetchContentResponse>(
        std::move(req), 120s, [out](sv::FetchContentResponse& r) { out->append(r.data()); },
        [out, done = std::move(done)](const grpc::Status& s) {
          if (!s.ok()) return done(rpc::FromGrpc(s));
          done(std::move(*out));
        },
        [this](auto* ctx, auto* rq, auto* r) { stub_->async()->FetchContent(ctx, rq, r); });
  }
  std::unique_ptr<ContentStream> OpenSection(sv::FetchContentRequest req) override {
    return std::make_unique<internal::GrpcContentStream>(*stub_, in_flight_, std::move(req));
  }
  void StoreFlags(sv::StoreFlagsRequest req, Done<sv::StoreFlagsResponse> done) override {
    Unary<sv::StoreFlagsRequest, sv::StoreFlagsResponse>(std::move(req), 30s, std::move(done),
                                                         [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->StoreFlags(c, q, r, std::move(cb)); });
  }
  void Copy(sv::CopyRequest req, bool move, Done<sv::CopyResponse> done) override {
    Unary<sv::CopyRequest, sv::CopyResponse>(
        std::move(req), 120s, std::move(done),
        [this, move](auto* c, auto* q, auto* r, auto cb) {
          if (move) {
            stub_->async()->Move(c, q, r, std::move(cb));
          } else {
            stub_->async()->Copy(c, q, r, std::move(cb));
          }
        });
  }
  void Expunge(sv::ExpungeRequest req, Done<sv::ExpungeResponse> done) override {
    Unary<sv::ExpungeRequest, sv::ExpungeResponse>(std::move(req), 60s, std::move(done),
                                                   [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->Expunge(c, q, r, std::move(cb)); });
  }
  void ChangesSince(sv::ChangesSinceRequest req, Done<sv::ChangesSinceResponse> done) override {
    Unary<sv::ChangesSinceRequest, sv::ChangesSinceResponse>(
        std::move(req), 30s, std::move(done), [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->ChangesSince(c, q, r, std::move(cb)); });
  }
  void Search(sv::SearchRequest req, Done<sv::SearchResponse> done) override {
    Unary<sv::SearchRequest, sv::SearchResponse>(std::move(req), 120s, std::move(done),
                                                 [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->Search(c, q, r, std::move(cb)); });
  }
  void GetQuota(sv::GetQuotaRequest req, Done<sv::Quota> done) override {
    Unary<sv::GetQuotaRequest, sv::Quota>(std::move(req), 10s, std::move(done),
                                          [this](auto* c, auto* q, auto* r, auto cb) { stub_->async()->GetQuota(c, q, r, std::move(cb)); });
  }

 private:
  template <typename Resp>
  static Done<Resp> StatusOnly(DoneStatus done) {
    return [done = std::move(done)](absl::StatusOr<Resp> r) { done(r.status()); };
  }
  // A unary call: `start(ctx, req, resp, cb)` calls the stub's async() method.
  template <typename Req, typename Resp, typename Start>
  void Unary(Req req, std::chrono::milliseconds timeout, Done<Resp> done, Start start) {
    internal::Unary<Req, Resp, absl::StatusOr<Resp>>(
        in_flight_, std::move(req), timeout, nullptr,
        [start](grpc::ClientContext* ctx, const Req* rq, Resp* rs,
                std::function<void(grpc::Status)> cb) { start(ctx, rq, rs, std::move(cb)); },
        [](Resp& r) -> absl::StatusOr<Resp> { return std::move(r); }, std::move(done));
  }
  // A server stream read to its end: `bind(ctx, req, reactor)` hands the reactor to the stub.
  template <typename Req, typename Resp, typename Bind>
  void Read(Req req, std::chrono::milliseconds timeout, std::function<void(Resp&)> each,
            std::function<void(const grpc::Status&)> done, Bind bind) {
    auto* reader = new internal::Reader<Req, Resp>(in_flight_, std::move(req), timeout,
                                                    std::move(each), std::move(done));
    bind(reader->context(), reader->request(), reader);
    reader->Go();
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
  internal::InFlight in_flight_;  // last: waits for callbacks before the stub goes
};

}  // namespace

absl::StatusOr<std::unique_ptr<MailStore>> MakeGrpcMailStore(const rpc::ChannelOptions& options) {
  auto ch = rpc::MakeChannel(options);
  if (!ch.ok()) return ch.status();
  return std::unique_ptr<MailStore>(std::make_unique<GrpcMailStore>(*ch));
}

}  // namespace tern::clients
