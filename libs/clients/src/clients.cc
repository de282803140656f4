#include "tern/clients/clients.h"

#include <algorithm>

#include "tern/auth/v1/auth.grpc.pb.h"
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

class GrpcAuthClient final : public AuthClient {
 public:
  explicit GrpcAuthClient(std::shared_ptr<grpc::Channel> ch) : stub_(auth::v1::Auth::NewStub(ch)) {}
  absl::StatusOr<auth::v1::LookupRecipientResponse> Lookup(const std::string& address) override {
    auth::v1::LookupRecipientRequest req;
    req.set_address(address);
    auth::v1::LookupRecipientResponse resp;
    auto ctx = rpc::ContextWithDeadline(5s);
    TERN_RETURN_IF_ERROR_GRPC(stub_->LookupRecipient(ctx.get(), req, &resp));
    return resp;
  }
  absl::StatusOr<auth::v1::AuthenticateResponse> Authenticate(
      const std::string& mechanism, const std::vector<std::string>& responses,
      const std::string& client_ip) override {
    auth::v1::AuthenticateRequest req;
    req.set_mechanism(mechanism);
    for (const auto& r : responses) req.add_responses(r);
    auth::v1::AuthenticateResponse resp;
    auto ctx = rpc::ContextWithDeadline(10s);
    if (!client_ip.empty()) ctx->AddMetadata("x-tern-client-ip", client_ip);
    TERN_RETURN_IF_ERROR_GRPC(stub_->Authenticate(ctx.get(), req, &resp));
    return resp;
  }
  absl::StatusOr<auth::v1::AuthenticateResponse> VerifyApop(const std::string& user,
                                                            const std::string& timestamp,
                                                            const std::string& digest,
                                                            const std::string& client_ip) override {
    auth::v1::VerifyApopRequest req;
    req.set_user(user);
    req.set_timestamp(timestamp);
    req.set_digest(digest);
    auth::v1::AuthenticateResponse resp;
    auto ctx = rpc::ContextWithDeadline(10s);
    if (!client_ip.empty()) ctx->AddMetadata("x-tern-client-ip", client_ip);
    TERN_RETURN_IF_ERROR_GRPC(stub_->VerifyApop(ctx.get(), req, &resp));
    return resp;
  }

 private:
  std::unique_ptr<auth::v1::Auth::Stub> stub_;
};

class GrpcStorageClient final : public StorageClient {
 public:
  explicit GrpcStorageClient(std::shared_ptr<grpc::Channel> ch)
      : stub_(storage::v1::Storage::NewStub(ch)) {}
  absl::StatusOr<storage::v1::DeliverResponse> Deliver(const std::vector<std::string>& accounts,
                                                       std::string content) override {
    storage::v1::DeliverRequest req;
    for (const auto& a : accounts) req.add_accounts(a);
    req.set_content(std::move(content));
    storage::v1::DeliverResponse resp;
    // Not retried here: the caller answers 4xx and the sending MTA retries.
    auto ctx = rpc::ContextWithDeadline(30s);
    TERN_RETURN_IF_ERROR_GRPC(stub_->Deliver(ctx.get(), req, &resp));
    return resp;
  }

 private:
  std::unique_ptr<storage::v1::Storage::Stub> stub_;
};

}  // namespace

std::unique_ptr<AuthClient> MakeGrpcAuthClient(const rpc::ChannelOptions& options) {
  auto ch = rpc::MakeChannel(options);
  return std::make_unique<GrpcAuthClient>(ch.ok() ? *ch : nullptr);
}

std::unique_ptr<StorageClient> MakeGrpcStorageClient(const rpc::ChannelOptions& options) {
  auto ch = rpc::MakeChannel(options);
  return std::make_unique<GrpcStorageClient>(ch.ok() ? *ch : nullptr);
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

absl::StatusOr<storage::v1::DeliverResponse> FakeStorageClient::Deliver(
    const std::vector<std::string>& accounts, std::string content) {
  if (down_) return absl::UnavailableError("storage down");
  absl::MutexLock lock(&mu_);
  deliveries_.push_back({accounts, std::move(content)});
  storage::v1::DeliverResponse r;
  r.set_message_id(deliveries_.size());
  return r;
}

std::vector<FakeStorageClient::Delivery> FakeStorageClient::deliveries() {
  absl::MutexLock lock(&mu_);
  return deliveries_;
}

}  // namespace tern::clients
