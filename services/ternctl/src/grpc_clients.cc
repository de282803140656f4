// Clients over gRPC: one channel per service, a deadline on every call, the admin token on every
// AuthAdmin call — all through rpc::ServiceClient, as the suite's own clients make theirs.
#include <utility>

#include "tern/auth/v1/auth.grpc.pb.h"
#include "tern/rpc/client.h"
#include "tern/storage/v1/storage.grpc.pb.h"
#include "tern/ternctl/clients.h"

namespace tern::ternctl {
namespace {

class GrpcClients : public Clients {
 public:
  GrpcClients(const Settings& settings, rpc::ServiceClient<authpb::AuthAdmin> admin,
              rpc::ServiceClient<storagepb::Storage> storage)
      : token_(settings.token),
        timeout_(settings.timeout),
        admin_(std::move(admin)),
        storage_(std::move(storage)) {}

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
    return storage_.Call(&storagepb::Storage::Stub::ListMailboxes, req, timeout_);
  }
  absl::StatusOr<storagepb::Quota> GetQuota(const storagepb::GetQuotaRequest& req) override {
    return storage_.Call(&storagepb::Storage::Stub::GetQuota, req, timeout_);
  }
  absl::StatusOr<storagepb::ListOutboundResponse> ListOutbound(
      const storagepb::ListOutboundRequest& req) override {
    return storage_.Call(&storagepb::Storage::Stub::ListOutbound, req, timeout_);
  }
  absl::StatusOr<storagepb::OutboundJob> UpdateOutbound(
      const storagepb::UpdateOutboundRequest& req) override {
    return storage_.Call(&storagepb::Storage::Stub::UpdateOutbound, req, timeout_);
  }

  absl::StatusOr<bool> Health(Service service) override {
    return rpc::CheckHealth(service == Service::kAuth ? admin_.channel() : storage_.channel(), "",
                            timeout_);
  }

 private:
  // An AuthAdmin call, with the admin token.
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Admin(grpc::Status (authpb::AuthAdmin::Stub::*method)(grpc::ClientContext*,
                                                                             const Req&, Resp*),
                             const Req& req) {
    return admin_.Call(method, req, timeout_, {{"authorization", "Bearer " + token_}});
  }

  std::string token_;
  std::chrono::milliseconds timeout_;
  rpc::ServiceClient<authpb::AuthAdmin> admin_;
  rpc::ServiceClient<storagepb::Storage> storage_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Clients>> MakeGrpcClients(const Settings& settings) {
  auto admin = rpc::ServiceClient<authpb::AuthAdmin>::Make({.target = settings.auth, .tls = settings.tls});
  if (!admin.ok()) return admin.status();
  auto storage =
      rpc::ServiceClient<storagepb::Storage>::Make({.target = settings.storage, .tls = settings.tls});
  if (!storage.ok()) return storage.status();
  return std::unique_ptr<Clients>(new GrpcClients(settings, *std::move(admin), *std::move(storage)));
}

}  // namespace tern::ternctl
