#include "tern/clients/clients.h"

#include <algorithm>

#include "tern/auth/v1/auth.grpc.pb.h"
#include "tern/pop3_protocol/multiline.h"
#include "tern/rpc/client.h"
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

// The client address, for auth's per-address throttling.
rpc::Metadata ClientIp(const std::string& ip) {
  if (ip.empty()) return {};
  return {{"x-tern-client-ip", ip}};
}

class GrpcAuthClient final : public AuthClient {
 public:
  using Stub = auth::v1::Auth::Stub;
  explicit GrpcAuthClient(rpc::ServiceClient<auth::v1::Auth> client) : client_(std::move(client)) {}
  absl::Status Health() override { return HealthOf(client_.channel()); }
  absl::StatusOr<auth::v1::LookupRecipientResponse> Lookup(const std::string& address) override {
    auth::v1::LookupRecipientRequest req;
    req.set_address(address);
    return client_.Call(&Stub::LookupRecipient, req, 5s);
  }
  absl::StatusOr<auth::v1::AuthenticateResponse> Authenticate(
      const std::string& mechanism, const std::vector<std::string>& responses,
      const std::string& client_ip) override {
    auth::v1::AuthenticateRequest req;
    req.set_mechanism(mechanism);
    for (const auto& r : responses) req.add_responses(r);
    return client_.Call(&Stub::Authenticate, req, 10s, ClientIp(client_ip));
  }
  absl::StatusOr<auth::v1::AuthenticateResponse> VerifyApop(const std::string& user,
                                                            const std::string& timestamp,
                                                            const std::string& digest,
                                                            const std::string& client_ip) override {
    auth::v1::VerifyApopRequest req;
    req.set_user(user);
    req.set_timestamp(timestamp);
    req.set_digest(digest);
    return client_.Call(&Stub::VerifyApop, req, 10s, ClientIp(client_ip));
  }

 private:
  rpc::ServiceClient<auth::v1::Auth> client_;
};

class GrpcStorageClient final : public StorageClient {
 public:
  using Stub = storage::v1::Storage::Stub;
  explicit GrpcStorageClient(rpc::ServiceClient<storage::v1::Storage> client)
      : client_(std::move(client)) {}
  absl::Status Health() override { return HealthOf(client_.channel()); }
  absl::StatusOr<storage::v1::DeliverResponse> Deliver(const Envelope& envelope,
                                                       std::string content) override {
    storage::v1::DeliverRequest req;
    for (const auto& a : envelope.accounts) req.add_accounts(a);
    for (const auto& a : envelope.outbound) req.add_outbound(a);
    req.set_sender(envelope.sender);
    req.set_content(std::move(content));
    // Not retried here: the caller answers 4xx and the sending MTA retries.
    return client_.Call(&Stub::Deliver, req, 30s);
  }
  absl::StatusOr<Maildrop> List(const std::string& account, const std::string& mailbox) override {
    storage::v1::SelectRequest req;
    req.set_account(account);
    req.set_mailbox(mailbox);
    req.set_with_messages(true);
    req.set_list_only(true);
    auto ctx = rpc::ContextWithDeadline(60s);
    auto reader = client_.stub().Select(ctx.get(), req);
    Maildrop drop;
    storage::v1::SelectResponse chunk;
    while (reader->Read(&chunk)) {
      if (chunk.has_mailbox()) drop.uidvalidity = chunk.mailbox().uidvalidity();
      for (int i = 0; i < chunk.uids_size() && i < chunk.sizes_size(); ++i) {
        drop.messages.push_back({chunk.uids(i), chunk.sizes(i)});
      }
    }
    TERN_RETURN_IF_ERROR_GRPC(reader->Finish());
    return drop;
  }
  absl::StatusOr<std::string> Fetch(const std::string& account, const std::string& mailbox,
                                    uint32_t uid) override {
    storage::v1::FetchContentRequest req;
    req.set_account(account);
    req.set_mailbox(mailbox);
    req.set_uid(uid);
    auto ctx = rpc::ContextWithDeadline(60s);
    auto reader = client_.stub().FetchContent(ctx.get(), req);
    std::string out;
    storage::v1::FetchContentResponse chunk;
    while (reader->Read(&chunk)) {
      if (out.empty() && chunk.total_size() > 0) out.reserve(chunk.total_size());
      out += chunk.data();
    }
    TERN_RETURN_IF_ERROR_GRPC(reader->Finish());
    return out;
  }
  absl::StatusOr<std::map<uint32_t, std::string>> FetchMany(const std::string& account,
                                                            const std::string& mailbox,
                                                            const std::vector<uint32_t>& uids,
                                                            uint64_t max_bytes) override {
    storage::v1::FetchMessagesRequest req;
    req.set_account(account);
    req.set_mailbox(mailbox);
    for (uint32_t u : uids) req.add_uids(u);
    req.set_max_message_bytes(max_bytes);
    auto ctx = rpc::ContextWithDeadline(60s);
    auto reader = client_.stub().FetchMessages(ctx.get(), req);
    std::map<uint32_t, std::string> out;
    storage::v1::FetchMessagesResponse r;
    while (reader->Read(&r)) out[r.uid()] = std::move(*r.mutable_content());
    TERN_RETURN_IF_ERROR_GRPC(reader->Finish());
    return out;
  }
  absl::Status Remove(const std::string& account, const std::string& mailbox,
                      const std::vector<uint32_t>& uids) override {
    if (uids.empty()) return absl::OkStatus();
    storage::v1::ExpungeRequest req;
    req.set_account(account);
    req.set_mailbox(mailbox);
    req.set_ignore_deleted_flag(true);
    for (uint32_t u : uids) {
      auto* r = req.mutable_uids()->add_ranges();
      r->set_first(u);
      r->set_last(u);
    }
    return client_.Call(&Stub::Expunge, req, 30s).status();
  }
  absl::StatusOr<bool> Lease(LeaseOp op, const std::string& account, const std::string& name,
                             const std::string& owner, uint32_t ttl_seconds) override {
    storage::v1::LeaseRequest req;
    req.set_account(account);
    req.set_name(name);
    req.set_owner(owner);
    req.set_ttl_seconds(ttl_seconds);
    auto resp = client_.Call(op == LeaseOp::kAcquire ? &Stub::AcquireLease
                             : op == LeaseOp::kRenew ? &Stub::RenewLease
                                                     : &Stub::ReleaseLease,
                             req, 10s);
    if (!resp.ok()) return resp.status();
    return resp->granted();
  }
  absl::StatusOr<std::vector<storage::v1::OutboundJob>> ClaimOutbound(
      const std::string& owner, uint32_t lease_seconds, uint32_t limit,
      uint32_t max_per_domain) override {
    storage::v1::ClaimOutboundRequest req;
    req.set_owner(owner);
    req.set_lease_seconds(lease_seconds);
    req.set_limit(limit);
    req.set_max_per_domain(max_per_domain);
    auto resp = client_.Call(&Stub::ClaimOutbound, req, 30s);
    if (!resp.ok()) return resp.status();
    return std::vector<storage::v1::OutboundJob>(std::make_move_iterator(resp->mutable_jobs()->begin()),
                                                 std::make_move_iterator(resp->mutable_jobs()->end()));
  }
  absl::StatusOr<bool> CompleteOutbound(
      const storage::v1::CompleteOutboundRequest& request) override {
    auto resp = client_.Call(&Stub::CompleteOutbound, request, 30s);
    if (!resp.ok()) return resp.status();
    return resp->removed();
  }
  absl::Status EnsureAccount(const std::string& account) override {
    storage::v1::EnsureAccountRequest req;
    req.set_account(account);
    return client_.Call(&Stub::EnsureAccount, req, 10s).status();
  }
  absl::Status SetQuota(const std::string& account, uint64_t bytes, uint64_t messages) override {
    storage::v1::SetQuotaRequest req;
    req.set_account(account);
    req.set_storage_bytes(bytes);
    req.set_messages(messages);
    return client_.Call(&Stub::SetQuota, req, 10s).status();
  }
  absl::Status DeleteAccount(const std::string& account) override {
    storage::v1::DeleteAccountRequest req;
    req.set_account(account);
    return client_.Call(&Stub::DeleteAccount, req, 30s).status();
  }

 private:
  rpc::ServiceClient<storage::v1::Storage> client_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuthClient>> MakeGrpcAuthClient(const rpc::ChannelOptions& options) {
  auto client = rpc::ServiceClient<auth::v1::Auth>::Make(options);
  if (!client.ok()) return client.status();
  return std::unique_ptr<AuthClient>(std::make_unique<GrpcAuthClient>(*std::move(client)));
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
  auto client = rpc::ServiceClient<storage::v1::Storage>::Make(options);
  if (!client.ok()) return client.status();
  return std::unique_ptr<StorageClient>(std::make_unique<GrpcStorageClient>(*std::move(client)));
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
