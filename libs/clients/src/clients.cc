#include "tern/clients/clients.h"

#include <algorithm>

#include "async_call.h"
#include "content_stream.h"
#include "tern/auth/v1/auth.grpc.pb.h"
#include "tern/pop3_protocol/multiline.h"
#include "tern/rpc/channel.h"
#include "tern/rpc/status.h"
#include "tern/sasl/sasl.h"
#include "tern/storage/v1/storage.grpc.pb.h"

namespace tern::clients {
namespace {

#define TERN_RETURN_IF_ERROR_GRPC(call)                 \
  do {                                                  \
    ::grpc::Status tern_g_ = (call);                    \
    if (!tern_g_.ok()) return rpc::FromGrpc(tern_g_);   \
  } while (0)

using namespace std::chrono_literals;

absl::Status HealthOf(const std::shared_ptr<grpc::Channel>& channel) {
  auto serving = rpc::CheckHealth(channel, "", 2000ms);
  if (!serving.ok()) return serving.status();
  return *serving ? absl::OkStatus() : absl::UnavailableError("not serving");
}

void WithClientIp(grpc::ClientContext* ctx, const std::string& ip) {
  if (!ip.empty()) ctx->AddMetadata("x-tern-client-ip", ip);
}

class GrpcAuthClient final : public AuthClient {
 public:
  explicit GrpcAuthClient(std::shared_ptr<grpc::Channel> ch)
      : channel_(ch), stub_(auth::v1::Auth::NewStub(ch)) {}
  absl::Status Health() override { return HealthOf(channel_); }

  absl::StatusOr<auth::v1::LookupRecipientResponse> Lookup(const std::string& address) override {
    return internal::Wait<absl::StatusOr<auth::v1::LookupRecipientResponse>>(
        [&](auto done) { LookupAsync(address, std::move(done)); });
  }
  absl::StatusOr<auth::v1::AuthenticateResponse> Authenticate(
      const std::string& mechanism, const std::vector<std::string>& responses,
      const std::string& client_ip) override {
    return internal::Wait<absl::StatusOr<auth::v1::AuthenticateResponse>>(
        [&](auto done) { AuthenticateAsync(mechanism, responses, client_ip, std::move(done)); });
  }
  absl::StatusOr<auth::v1::AuthenticateResponse> VerifyApop(const std::string& user,
                                                            const std::string& timestamp,
                                                            const std::string& digest,
                                                            const std::string& client_ip) override {
    return internal::Wait<absl::StatusOr<auth::v1::AuthenticateResponse>>([&](auto done) {
      VerifyApopAsync(user, timestamp, digest, client_ip, std::move(done));
    });
  }

  void LookupAsync(const std::string& address,
                   Done<auth::v1::LookupRecipientResponse> done) override {
    auth::v1::LookupRecipientRequest req;
    req.set_address(address);
    Call<auth::v1::LookupRecipientRequest, auth::v1::LookupRecipientResponse>(
        std::move(req), 5s, nullptr,
        [this](auto* ctx, auto* rq, auto* rs, auto cb) {
          stub_->async()->LookupRecipient(ctx, rq, rs, std::move(cb));
        },
        std::move(done));
  }
  void AuthenticateAsync(const std::string& mechanism, const std::vector<std::string>& responses,
                         const std::string& client_ip,
                         Done<auth::v1::AuthenticateResponse> done) override {
    auth::v1::AuthenticateRequest req;
    req.set_mechanism(mechanism);
    for (const auto& r : responses) req.add_responses(r);
    Call<auth::v1::AuthenticateRequest, auth::v1::AuthenticateResponse>(
        std::move(req), 10s, [client_ip](grpc::ClientContext* c) { WithClientIp(c, client_ip); },
        [this](auto* ctx, auto* rq, auto* rs, auto cb) {
          stub_->async()->Authenticate(ctx, rq, rs, std::move(cb));
        },
        std::move(done));
  }
  void VerifyApopAsync(const std::string& user, const std::string& timestamp,
                       const std::string& digest, const std::string& client_ip,
                       Done<auth::v1::AuthenticateResponse> done) override {
    auth::v1::VerifyApopRequest req;
    req.set_user(user);
    req.set_timestamp(timestamp);
    req.set_digest(digest);
    Call<auth::v1::VerifyApopRequest, auth::v1::AuthenticateResponse>(
        std::move(req), 10s, [client_ip](grpc::ClientContext* c) { WithClientIp(c, client_ip); },
        [this](auto* ctx, auto* rq, auto* rs, auto cb) {
          stub_->async()->VerifyApop(ctx, rq, rs, std::move(cb));
        },
        std::move(done));
  }

 private:
  template <typename Req, typename Resp>
  void Call(Req req, std::chrono::milliseconds timeout,
            std::function<void(grpc::ClientContext*)> decorate,
            std::function<void(grpc::ClientContext*, const Req*, Resp*,
                               std::function<void(grpc::Status)>)>
                start,
            Done<Resp> done) {
    internal::Unary<Req, Resp, absl::StatusOr<Resp>>(
        in_flight_, std::move(req), timeout, std::move(decorate), std::move(start),
        [](Resp& r) -> absl::StatusOr<Resp> { return std::move(r); }, std::move(done));
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<auth::v1::Auth::Stub> stub_;
  internal::InFlight in_flight_;  // last: waits for callbacks before the stub goes
};


class GrpcStorageClient final : public StorageClient {
 public:
  explicit GrpcStorageClient(std::shared_ptr<grpc::Channel> ch)
      : channel_(ch), stub_(storage::v1::Storage::NewStub(ch)) {}
  absl::Status Health() override { return HealthOf(channel_); }

  absl::StatusOr<storage::v1::DeliverResponse> Deliver(const Envelope& envelope,
                                                       std::string content) override {
    return internal::Wait<absl::StatusOr<storage::v1::DeliverResponse>>(
        [&](auto done) { DeliverAsync(envelope, std::move(content), std::move(done)); });
  }
  absl::StatusOr<Maildrop> List(const std::string& account, const std::string& mailbox) override {
    return internal::Wait<absl::StatusOr<Maildrop>>(
        [&](auto done) { ListAsync(account, mailbox, std::move(done)); });
  }
  absl::StatusOr<std::string> Fetch(const std::string& account, const std::string& mailbox,
                                    uint32_t uid) override {
    return internal::Wait<absl::StatusOr<std::string>>(
        [&](auto done) { FetchAsync(account, mailbox, uid, std::move(done)); });
  }
  absl::StatusOr<std::map<uint32_t, std::string>> FetchMany(const std::string& account,
                                                            const std::string& mailbox,
                                                            const std::vector<uint32_t>& uids,
                                                            uint64_t max_bytes) override {
    return internal::Wait<absl::StatusOr<std::map<uint32_t, std::string>>>(
        [&](auto done) { FetchManyAsync(account, mailbox, uids, max_bytes, std::move(done)); });
  }
  absl::Status Remove(const std::string& account, const std::string& mailbox,
                      const std::vector<uint32_t>& uids) override {
    return internal::Wait<absl::Status>(
        [&](auto done) { RemoveAsync(account, mailbox, uids, std::move(done)); });
  }
  absl::StatusOr<bool> Lease(LeaseOp op, const std::string& account, const std::string& name,
                             const std::string& owner, uint32_t ttl_seconds) override {
    return internal::Wait<absl::StatusOr<bool>>(
        [&](auto done) { LeaseAsync(op, account, name, owner, ttl_seconds, std::move(done)); });
  }

  void DeliverAsync(const Envelope& envelope, std::string content,
                    Done<storage::v1::DeliverResponse> done) override {
    storage::v1::DeliverRequest req;
    for (const auto& a : envelope.accounts) req.add_accounts(a);
    for (const auto& a : envelope.outbound) req.add_outbound(a);
    req.set_sender(envelope.sender);
    req.set_trace(envelope.trace);
    req.set_content(std::move(content));
    // Not retried here: the caller answers 4xx and the sending MTA retries.
    internal::Unary<storage::v1::DeliverRequest, storage::v1::DeliverResponse,
                    absl::StatusOr<storage::v1::DeliverResponse>>(
        in_flight_, std::move(req), 30s, nullptr,
        [this](auto* ctx, auto* rq, auto* rs, auto cb) {
          stub_->async()->Deliver(ctx, rq, rs, std::move(cb));
        },
        [](storage::v1::DeliverResponse& r) -> absl::StatusOr<storage::v1::DeliverResponse> {
          return std::move(r);
        },
        std::move(done));
  }
  std::unique_ptr<ContentStream> OpenContent(const std::string& account,
                                             const std::string& mailbox, uint32_t uid) override {
    storage::v1::FetchContentRequest req;
    req.set_account(account);
    req.set_mailbox(mailbox);
    req.set_uid(uid);
    return std::make_unique<internal::GrpcContentStream>(*stub_, in_flight_, std::move(req));
  }
  void ListAsync(const std::string& account, const std::string& mailbox,
                 Done<Maildrop> done) override {
    storage::v1::SelectRequest req;
    req.set_account(account);
    req.set_mailbox(mailbox);
    req.set_with_messages(true);
    req.set_list_only(true);
    auto drop = std::make_shared<Maildrop>();
    Read<storage::v1::SelectRequest, storage::v1::SelectResponse>(
        std::move(req), 60s,
        [drop](storage::v1::SelectResponse& chunk) {
          if (chunk.has_mailbox()) drop->uidvalidity = chunk.mailbox().uidvalidity();
          for (int i = 0; i < chunk.uids_size() && i < chunk.sizes_size(); ++i) {
            drop->messages.push_back({chunk.uids(i), chunk.sizes(i)});
          }
        },
        [drop, done = std::move(done)](const grpc::Status& s) {
          if (!s.ok()) return done(rpc::FromGrpc(s));
          done(std::move(*drop));
        },
        [this](auto* ctx, auto* rq, auto* reactor) { stub_->async()->Select(ctx, rq, reactor); });
  }
  void FetchAsync(const std::string& account, const std::string& mailbox, uint32_t uid,
                  Done<std::string> done) override {
    storage::v1::FetchContentRequest req;
    req.set_account(account);
    req.set_mailbox(mailbox);
    req.set_uid(uid);
    auto out = std::make_shared<std::string>();
    Read<storage::v1::FetchContentRequest, storage::v1::FetchContentResponse>(
        std::move(req), 60s,
        [out](storage::v1::FetchContentResponse& chunk) {
          if (out->empty() && chunk.total_size() > 0) out->reserve(chunk.total_size());
          if (out->empty()) {
            out->swap(*chunk.mutable_data());  // the common case: one chunk, no copy
          } else {
            out->append(chunk.data());
          }
        },
        [out, done = std::move(done)](const grpc::Status& s) {
          if (!s.ok()) return done(rpc::FromGrpc(s));
          done(std::move(*out));
        },
        [this](auto* ctx, auto* rq, auto* reactor) {
          stub_->async()->FetchContent(ctx, rq, reactor);
        });
  }
  void FetchManyAsync(const std::string& account, const std::string& mailbox,
                      const std::vector<uint32_t>& uids, uint64_t max_bytes,
                      Done<std::map<uint32_t, std::string>> done) override {
    storage::v1::FetchMessagesRequest req;
    req.set_account(account);
    req.set_mailbox(mailbox);
    for (uint32_t u : uids) req.add_uids(u);
    req.set_max_message_bytes(max_bytes);
    auto out = std::make_shared<std::map<uint32_t, std::string>>();
    Read<storage::v1::FetchMessagesRequest, storage::v1::FetchMessagesResponse>(
        std::move(req), 60s,
        [out](storage::v1::FetchMessagesResponse& r) {
          (*out)[r.uid()] = std::move(*r.mutable_content());
        },
        [out, done = std::move(done)](const grpc::Status& s) {
          if (!s.ok()) return done(rpc::FromGrpc(s));
          done(std::move(*out));
        },
        [this](auto* ctx, auto* rq, auto* reactor) {
          stub_->async()->FetchMessages(ctx, rq, reactor);
        });
  }
  void RemoveAsync(const std::string& account, const std::string& mailbox,
                   const std::vector<uint32_t>& uids, DoneStatus done) override {
    if (uids.empty()) return done(absl::OkStatus());
    storage::v1::ExpungeRequest req;
    req.set_account(account);
    req.set_mailbox(mailbox);
    req.set_ignore_deleted_flag(true);
    for (uint32_t u : uids) {
      auto* r = req.mutable_uids()->add_ranges();
      r->set_first(u);
      r->set_last(u);
    }
    internal::Unary<storage::v1::ExpungeRequest, storage::v1::ExpungeResponse, absl::Status>(
        in_flight_, std::move(req), 30s, nullptr,
        [this](auto* ctx, auto* rq, auto* rs, auto cb) {
          stub_->async()->Expunge(ctx, rq, rs, std::move(cb));
        },
        [](storage::v1::ExpungeResponse&) { return absl::OkStatus(); }, std::move(done));
  }
  void LeaseAsync(LeaseOp op, const std::string& account, const std::string& name,
                  const std::string& owner, uint32_t ttl_seconds, Done<bool> done) override {
    storage::v1::LeaseRequest req;
    req.set_account(account);
    req.set_name(name);
    req.set_owner(owner);
    req.set_ttl_seconds(ttl_seconds);
    internal::Unary<storage::v1::LeaseRequest, storage::v1::LeaseResponse, absl::StatusOr<bool>>(
        in_flight_, std::move(req), 10s, nullptr,
        [this, op](auto* ctx, auto* rq, auto* rs, auto cb) {
          auto* a = stub_->async();
          if (op == LeaseOp::kAcquire) {
            a->AcquireLease(ctx, rq, rs, std::move(cb));
          } else if (op == LeaseOp::kRenew) {
            a->RenewLease(ctx, rq, rs, std::move(cb));
          } else {
            a->ReleaseLease(ctx, rq, rs, std::move(cb));
          }
        },
        [](storage::v1::LeaseResponse& r) -> absl::StatusOr<bool> { return r.granted(); },
        std::move(done));
  }
  absl::StatusOr<std::vector<storage::v1::OutboundJob>> ClaimOutbound(
      const std::string& owner, uint32_t lease_seconds, uint32_t limit,
      uint32_t max_per_domain) override {
    storage::v1::ClaimOutboundRequest req;
    req.set_owner(owner);
    req.set_lease_seconds(lease_seconds);
    req.set_limit(limit);
    req.set_max_per_domain(max_per_domain);
    storage::v1::ClaimOutboundResponse resp;
    auto ctx = rpc::ContextWithDeadline(30s);
    TERN_RETURN_IF_ERROR_GRPC(stub_->ClaimOutbound(ctx.get(), req, &resp));
    return std::vector<storage::v1::OutboundJob>(std::make_move_iterator(resp.mutable_jobs()->begin()),
                                                 std::make_move_iterator(resp.mutable_jobs()->end()));
  }
  absl::StatusOr<bool> CompleteOutbound(
      const storage::v1::CompleteOutboundRequest& request) override {
    storage::v1::CompleteOutboundResponse resp;
    auto ctx = rpc::ContextWithDeadline(30s);
    TERN_RETURN_IF_ERROR_GRPC(stub_->CompleteOutbound(ctx.get(), request, &resp));
    return resp.removed();
  }
  absl::Status EnsureAccount(const std::string& account) override {
    storage::v1::EnsureAccountRequest req;
    req.set_account(account);
    storage::v1::EnsureAccountResponse resp;
    auto ctx = rpc::ContextWithDeadline(10s);
    return rpc::FromGrpc(stub_->EnsureAccount(ctx.get(), req, &resp));
  }
  absl::Status SetQuota(const std::string& account, uint64_t bytes, uint64_t messages) override {
    storage::v1::SetQuotaRequest req;
    req.set_account(account);
    req.set_storage_bytes(bytes);
    req.set_messages(messages);
    storage::v1::Quota resp;
    auto ctx = rpc::ContextWithDeadline(10s);
    return rpc::FromGrpc(stub_->SetQuota(ctx.get(), req, &resp));
  }
  absl::Status DeleteAccount(const std::string& account) override {
    storage::v1::DeleteAccountRequest req;
    req.set_account(account);
    storage::v1::DeleteAccountResponse resp;
    auto ctx = rpc::ContextWithDeadline(30s);
    return rpc::FromGrpc(stub_->DeleteAccount(ctx.get(), req, &resp));
  }

 private:
  // Starts a server-stream read: `bind(ctx, req, reactor)` hands the reactor to the stub.
  template <typename Req, typename Resp, typename Bind>
  void Read(Req req, std::chrono::milliseconds timeout, std::function<void(Resp&)> each,
            std::function<void(const grpc::Status&)> done, Bind bind) {
    auto* reader = new internal::Reader<Req, Resp>(in_flight_, std::move(req), timeout,
                                                    std::move(each), std::move(done));
    bind(reader->context(), reader->request(), reader);
    reader->Go();
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<storage::v1::Storage::Stub> stub_;
  internal::InFlight in_flight_;  // last: waits for callbacks before the stub goes
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuthClient>> MakeGrpcAuthClient(const rpc::ChannelOptions& options) {
  auto ch = rpc::MakeChannel(options);
  if (!ch.ok()) return ch.status();
  return std::unique_ptr<AuthClient>(std::make_unique<GrpcAuthClient>(*ch));
}

DependencyMonitor::DependencyMonitor(std::vector<std::pair<std::string, Check>> checks,
                                     absl::Duration interval)
    : checks_(std::move(checks)), interval_(interval) {
  Refresh();
  thread_ = std::thread([this] { Loop(); });
}

DependencyMonitor::~DependencyMonitor() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

absl::Status DependencyMonitor::Ready() {
  absl::MutexLock lock(&mu_);
  if (draining_) return absl::UnavailableError("draining");
  return state_;
}

void DependencyMonitor::Drain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
}

void DependencyMonitor::Refresh() {
  absl::Status state;
  for (const auto& [name, check] : checks_) {
    absl::Status s = check();
    if (!s.ok()) {
      state = absl::UnavailableError(name + ": " + std::string(s.message()));
      break;
    }
  }
  absl::MutexLock lock(&mu_);
  state_ = state;
}

void DependencyMonitor::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stop), interval_)) return;
    }
    Refresh();
  }
}

std::unique_ptr<DependencyMonitor> MonitorBackends(std::shared_ptr<AuthClient> auth,
                                                   std::shared_ptr<StorageClient> storage) {
  return std::make_unique<DependencyMonitor>(
      std::vector<std::pair<std::string, DependencyMonitor::Check>>{
          {"auth", [auth] { return auth->Health(); }},
          {"storage", [storage] { return storage->Health(); }}},
      absl::Seconds(2));
}

absl::StatusOr<std::unique_ptr<StorageClient>> MakeGrpcStorageClient(const rpc::ChannelOptions& options) {
  auto ch = rpc::MakeChannel(options);
  if (!ch.ok()) return ch.status();
  return std::unique_ptr<StorageClient>(std::make_unique<GrpcStorageClient>(*ch));
}

namespace {

class WholeContentStream final : public ContentStream {
 public:
  explicit WholeContentStream(std::function<absl::StatusOr<std::string>()> fetch)
      : fetch_(std::move(fetch)) {}
  void Next(Done<std::string> done) override {
    if (!fetched_) {
      fetched_ = true;
      content_ = fetch_();
    }
    if (!content_.ok()) return done(content_.status());
    const size_t n = std::min<size_t>(content_->size() - at_, 64 << 10);
    std::string piece = content_->substr(at_, n);
    at_ += n;
    done(std::move(piece));
  }

 private:
  std::function<absl::StatusOr<std::string>()> fetch_;
  bool fetched_ = false;
  absl::StatusOr<std::string> content_;
  size_t at_ = 0;
};

}  // namespace

std::unique_ptr<ContentStream> InlineStorageClient::OpenContent(const std::string& account,
                                                               const std::string& mailbox,
                                                               uint32_t uid) {
  return std::make_unique<WholeContentStream>(
      [this, account, mailbox, uid] { return Fetch(account, mailbox, uid); });
}

void FakeAuthClient::AddAccount(const std::string& address, const std::string& password) {
  absl::MutexLock lock(&mu_);
  passwords_[address] = password;
}
void FakeAuthClient::AddDomain(const std::string& domain) {
  absl::MutexLock lock(&mu_);
  domains_.push_back(domain);
}

absl::StatusOr<auth::v1::LookupRecipientResponse> FakeAuthClient::Lookup(const std::string& address) {
  if (down_) return absl::UnavailableError("auth down");
  absl::MutexLock lock(&mu_);
  auth::v1::LookupRecipientResponse r;
  std::string a = address;
  std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return std::tolower(c); });
  // As auth: "postmaster" alone is the postmaster of the first domain.
  if (a == "postmaster" && !domains_.empty()) a += "@" + domains_.front();
  std::string domain = a.substr(a.rfind('@') + 1);
  r.set_local_domain(std::find(domains_.begin(), domains_.end(), domain) != domains_.end());
  if (passwords_.count(a)) {
    r.set_result(auth::v1::LookupRecipientResponse::ACCOUNTS);
    r.add_accounts(a);
  }
  return r;
}

absl::StatusOr<auth::v1::AuthenticateResponse> FakeAuthClient::Authenticate(
    const std::string& mechanism, const std::vector<std::string>& responses, const std::string&) {
  if (down_) return absl::UnavailableError("auth down");
  auth::v1::AuthenticateResponse r;
  sasl::Step step = sasl::Next(sasl::ParseMechanism(mechanism), responses);
  if (step.kind == sasl::Step::kChallenge) {
    r.set_result(auth::v1::AuthenticateResponse::CONTINUE);
    r.set_challenge(step.challenge);
    return r;
  }
  if (step.kind == sasl::Step::kMalformed) {
    r.set_result(auth::v1::AuthenticateResponse::MALFORMED);
    return r;
  }
  absl::MutexLock lock(&mu_);
  auto it = passwords_.find(step.credentials.authcid);
  bool ok = it != passwords_.end() && it->second == step.credentials.password;
  r.set_result(ok ? auth::v1::AuthenticateResponse::OK : auth::v1::AuthenticateResponse::FAILED);
  if (ok) r.set_account(it->first);
  return r;
}

absl::StatusOr<auth::v1::AuthenticateResponse> FakeAuthClient::VerifyApop(const std::string&,
                                                                          const std::string&,
                                                                          const std::string&,
                                                                          const std::string&) {
  auth::v1::AuthenticateResponse r;
  r.set_result(auth::v1::AuthenticateResponse::FAILED);
  return r;
}

absl::StatusOr<storage::v1::DeliverResponse> FakeStorageClient::Deliver(const Envelope& envelope,
                                                                       std::string content) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  if (!deliver_status_.ok()) return deliver_status_;
  content.insert(0, envelope.trace);  // stored as storage stores it: trace, then content
  for (const auto& a : envelope.accounts) inbox_[a][++next_uid_[a]] = content;
  storage::v1::DeliverResponse r;
  for (const auto& address : envelope.outbound) {
    storage::v1::OutboundJob job;
    job.set_id(jobs_.empty() ? 1 : jobs_.rbegin()->first + 1);
    job.set_message_id(deliveries_.size() + 1);
    job.set_sender(envelope.sender);
    job.set_domain(address.substr(address.rfind('@') + 1));
    job.add_recipients(address);
    job.set_state("queued");
    job.set_content(content);
    job.set_size(content.size());
    r.add_outbound_jobs(job.id());
    jobs_[job.id()] = std::move(job);
  }
  deliveries_.push_back({envelope.accounts, std::move(content), envelope.sender, envelope.outbound});
  r.set_message_id(deliveries_.size());
  return r;
}

absl::StatusOr<Maildrop> FakeStorageClient::List(const std::string& account, const std::string&) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  Maildrop d;
  d.uidvalidity = 7;
  for (const auto& [uid, content] : inbox_[account]) {
    d.messages.push_back({uid, pop3_protocol::ListSize(content)});
  }
  return d;
}

absl::StatusOr<std::string> FakeStorageClient::Fetch(const std::string& account, const std::string&,
                                                     uint32_t uid) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  auto it = inbox_[account].find(uid);
  if (it == inbox_[account].end()) return absl::NotFoundError("no such message");
  return it->second;
}

absl::StatusOr<std::map<uint32_t, std::string>> FakeStorageClient::FetchMany(
    const std::string& account, const std::string&, const std::vector<uint32_t>& uids,
    uint64_t max_bytes) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  std::map<uint32_t, std::string> out;
  for (uint32_t u : uids) {
    auto it = inbox_[account].find(u);
    if (it != inbox_[account].end() && it->second.size() <= max_bytes) out[u] = it->second;
  }
  return out;
}

absl::Status FakeStorageClient::Remove(const std::string& account, const std::string&,
                                       const std::vector<uint32_t>& uids) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  for (uint32_t u : uids) inbox_[account].erase(u);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<storage::v1::OutboundJob>> FakeStorageClient::ClaimOutbound(
    const std::string&, uint32_t, uint32_t limit, uint32_t) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  std::vector<storage::v1::OutboundJob> out;
  for (auto& [id, job] : jobs_) {
    if (out.size() >= limit) break;
    if (job.state() != "queued") continue;
    job.set_state("leased");
    job.set_attempts(job.attempts() + 1);
    out.push_back(job);
  }
  return out;
}

absl::Status FakeStorageClient::EnsureAccount(const std::string& account) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  inbox_[account];
  return absl::OkStatus();
}
absl::Status FakeStorageClient::SetQuota(const std::string&, uint64_t, uint64_t) {
  if (down_) return absl::UnavailableError("storage down");
  return absl::OkStatus();
}
absl::Status FakeStorageClient::DeleteAccount(const std::string& account) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  inbox_.erase(account);
  return absl::OkStatus();
}

absl::StatusOr<bool> FakeStorageClient::CompleteOutbound(
    const storage::v1::CompleteOutboundRequest& request) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(request.id());
  if (it == jobs_.end()) return absl::FailedPreconditionError("no such job");
  if (request.retry().empty()) {
    jobs_.erase(it);
    return true;
  }
  it->second.clear_recipients();
  for (const auto& r : request.retry()) it->second.add_recipients(r);
  it->second.set_state(request.give_up() ? "failed" : "queued");
  it->second.set_last_error(request.error());
  return false;
}

std::vector<storage::v1::OutboundJob> FakeStorageClient::jobs() {
  absl::MutexLock lock(&mu_);
  std::vector<storage::v1::OutboundJob> out;
  for (const auto& [id, job] : jobs_) out.push_back(job);
  return out;
}

absl::StatusOr<bool> FakeStorageClient::Lease(LeaseOp op, const std::string& account,
                                              const std::string& name, const std::string& owner,
                                              uint32_t) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  const std::string key = account + "/" + name;
  auto it = leases_.find(key);
  switch (op) {
    case LeaseOp::kAcquire:
      if (it != leases_.end() && it->second != owner) return false;
      leases_[key] = owner;
      return true;
    case LeaseOp::kRenew:
      return it != leases_.end() && it->second == owner;
    case LeaseOp::kRelease:
      if (it == leases_.end() || it->second != owner) return false;
      leases_.erase(it);
      return true;
  }
  return false;
}

bool FakeStorageClient::leased(const std::string& account, const std::string& name) {
  absl::MutexLock lock(&mu_);
  return leases_.count(account + "/" + name) > 0;
}

std::vector<FakeStorageClient::Delivery> FakeStorageClient::deliveries() {
  absl::MutexLock lock(&mu_);
  return deliveries_;
}

}  // namespace tern::clients
