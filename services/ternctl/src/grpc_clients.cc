// Clients over gRPC: one channel per service, a deadline on every call, the admin token on every
// AuthAdmin call.
#include <utility>

#include "tern/auth/v1/auth.grpc.pb.h"
#include "tern/rpc/channel.h"
#include "tern/rpc/status.h"
#include "tern/storage/v1/storage.grpc.pb.h"
#include "tern/ternctl/clients.h"

namespace tern::ternctl {
namespace {

class GrpcClients : public Clients {
 public:
  GrpcClients(const Settings& settings, std::shared_ptr<grpc::Channel> auth,
              std::shared_ptr<grpc::Channel> storage)
      : token_(settings.token),
        timeout_(settings.timeout),
        auth_channel_(std::move(auth)),
        storage_channel_(std::move(storage)),
        admin_(authpb::AuthAdmin::NewStub(auth_channel_)),
        storage_(storagepb::Storage::NewStub(storage_channel_)) {}

  absl::StatusOr<authpb::Domain> AddDomain(const authpb::DomainRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::AddDomain, req);
  }
  absl::StatusOr<authpb::ListDomainsResponse> ListDomains(
      const authpb::ListDomainsRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::ListDomains, req);
  }
  absl::StatusOr<authpb::RemoveResponse> RemoveDomain(const authpb::DomainRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::RemoveDomain, req);
  }
  absl::StatusOr<authpb::Domain> SetDomainPostmaster(const authpb::DomainRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::SetDomainPostmaster, req);
  }
  absl::StatusOr<authpb::Account> AddAccount(const authpb::AddAccountRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::AddAccount, req);
  }
  absl::StatusOr<authpb::Account> GetAccount(const authpb::AccountRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::GetAccount, req);
  }
  absl::StatusOr<authpb::ListAccountsResponse> ListAccounts(
      const authpb::ListAccountsRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::ListAccounts, req);
  }
  absl::StatusOr<authpb::Account> SetPassword(const authpb::SetPasswordRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::SetPassword, req);
  }
  absl::StatusOr<authpb::Account> SetEnabled(const authpb::SetEnabledRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::SetEnabled, req);
  }
  absl::StatusOr<authpb::Account> SetQuota(const authpb::SetQuotaRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::SetQuota, req);
  }
  absl::StatusOr<authpb::Account> SetApop(const authpb::SetApopRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::SetApop, req);
  }
  absl::StatusOr<authpb::RemoveResponse> RemoveAccount(const authpb::AccountRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::RemoveAccount, req);
  }
  absl::StatusOr<authpb::Alias> AddAlias(const authpb::AddAliasRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::AddAlias, req);
  }
  absl::StatusOr<authpb::ListAliasesResponse> ListAliases(
      const authpb::ListAliasesRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::ListAliases, req);
  }
  absl::StatusOr<authpb::RemoveResponse> RemoveAlias(
      const authpb::RemoveAliasRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::RemoveAlias, req);
  }
  absl::StatusOr<authpb::ListAuditResponse> ListAudit(
      const authpb::ListAuditRequest& req) override {
    return Admin(&authpb::AuthAdmin::Stub::ListAudit, req);
  }

  absl::StatusOr<storagepb::ListMailboxesResponse> ListMailboxes(
      const storagepb::ListMailboxesRequest& req) override {
    return Call(*storage_, &storagepb::Storage::Stub::ListMailboxes, req, false);
  }
  absl::StatusOr<storagepb::Quota> GetQuota(const storagepb::GetQuotaRequest& req) override {
    return Call(*storage_, &storagepb::Storage::Stub::GetQuota, req, false);
  }
  absl::StatusOr<storagepb::ListOutboundResponse> ListOutbound(
      const storagepb::ListOutboundRequest& req) override {
    return Call(*storage_, &storagepb::Storage::Stub::ListOutbound, req, false);
  }
  absl::StatusOr<storagepb::OutboundJob> UpdateOutbound(
      const storagepb::UpdateOutboundRequest& req) override {
    return Call(*storage_, &storagepb::Storage::Stub::UpdateOutbound, req, false);
  }

  absl::StatusOr<bool> Health(Service service) override {
    return rpc::CheckHealth(service == Service::kAuth ? auth_channel_ : storage_channel_, "",
                            timeout_);
  }

 private:
  // One unary call with the deadline, and the admin token when `with_token`.
  template <typename Stub, typename Req, typename Resp>
  absl::StatusOr<Resp> Call(Stub& stub,
                            grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const Req& req, bool with_token) {
    std::unique_ptr<grpc::ClientContext> ctx = rpc::ContextWithDeadline(timeout_);
    if (with_token) ctx->AddMetadata("authorization", "Bearer " + token_);
    Resp resp;
    grpc::Status status = (stub.*method)(ctx.get(), req, &resp);
    if (!status.ok()) return rpc::FromGrpc(status);
    return resp;
  }

  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Admin(grpc::Status (authpb::AuthAdmin::Stub::*method)(grpc::ClientContext*,
                                                                             const Req&, Resp*),
                             const Req& req) {
    return Call(*admin_, method, req, true);
  }

  std::string token_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<grpc::Channel> auth_channel_;
  std::shared_ptr<grpc::Channel> storage_channel_;
  std::unique_ptr<authpb::AuthAdmin::Stub> admin_;
  std::unique_ptr<storagepb::Storage::Stub> storage_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Clients>> MakeGrpcClients(const Settings& settings) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> auth =
      rpc::MakeChannel({.target = settings.auth, .tls = settings.tls});
  if (!auth.ok()) return auth.status();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> storage =
      rpc::MakeChannel({.target = settings.storage, .tls = settings.tls});
  if (!storage.ok()) return storage.status();
  return std::unique_ptr<Clients>(new GrpcClients(settings, *auth, *storage));
}

}  // namespace tern::ternctl
