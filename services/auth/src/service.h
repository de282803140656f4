// The gRPC faces of the auth service: Auth (gateways) and AuthAdmin (operators, bearer token).
#pragma once

#include <string>

#include "directory.h"
#include "login.h"
#include "tern/auth/v1/auth.grpc.pb.h"
#include "tern/rpc/server_metrics.h"

namespace tern::auth {

class AuthService final : public pb::Auth::Service {
 public:
  AuthService(Directory& directory, Login& login, rpc::ServerMetrics& metrics)
      : directory_(directory), login_(login), metrics_(metrics) {}
  using Ctx = grpc::ServerContext;
  grpc::Status LookupRecipient(Ctx*, const pb::LookupRecipientRequest*,
                               pb::LookupRecipientResponse*) override;
  grpc::Status Authenticate(Ctx*, const pb::AuthenticateRequest*, pb::AuthenticateResponse*) override;
  grpc::Status VerifyApop(Ctx*, const pb::VerifyApopRequest*, pb::AuthenticateResponse*) override;

 private:
  Directory& directory_;
  Login& login_;
  rpc::ServerMetrics& metrics_;
};

class AdminService final : public pb::AuthAdmin::Service {
 public:
  // An empty `token` refuses every call.
  AdminService(Directory& directory, std::string token, rpc::ServerMetrics& metrics)
      : directory_(directory), token_digest_(token.empty() ? "" : Sha256(token)), metrics_(metrics) {}
  using Ctx = grpc::ServerContext;
  grpc::Status AddDomain(Ctx*, const pb::DomainRequest*, pb::Domain*) override;
  grpc::Status ListDomains(Ctx*, const pb::ListDomainsRequest*, pb::ListDomainsResponse*) override;
  grpc::Status RemoveDomain(Ctx*, const pb::DomainRequest*, pb::RemoveResponse*) override;
  grpc::Status SetDomainPostmaster(Ctx*, const pb::DomainRequest*, pb::Domain*) override;
  grpc::Status AddAccount(Ctx*, const pb::AddAccountRequest*, pb::Account*) override;
  grpc::Status GetAccount(Ctx*, const pb::AccountRequest*, pb::Account*) override;
  grpc::Status ListAccounts(Ctx*, const pb::ListAccountsRequest*, pb::ListAccountsResponse*) override;
  grpc::Status SetPassword(Ctx*, const pb::SetPasswordRequest*, pb::Account*) override;
  grpc::Status SetEnabled(Ctx*, const pb::SetEnabledRequest*, pb::Account*) override;
  grpc::Status SetQuota(Ctx*, const pb::SetQuotaRequest*, pb::Account*) override;
  grpc::Status SetApop(Ctx*, const pb::SetApopRequest*, pb::Account*) override;
  grpc::Status RemoveAccount(Ctx*, const pb::AccountRequest*, pb::RemoveResponse*) override;
  grpc::Status AddAlias(Ctx*, const pb::AddAliasRequest*, pb::Alias*) override;
  grpc::Status ListAliases(Ctx*, const pb::ListAliasesRequest*, pb::ListAliasesResponse*) override;
  grpc::Status RemoveAlias(Ctx*, const pb::RemoveAliasRequest*, pb::RemoveResponse*) override;
  grpc::Status ListAudit(Ctx*, const pb::ListAuditRequest*, pb::ListAuditResponse*) override;

 private:
  // The actor for the audit log, or UNAUTHENTICATED / PERMISSION_DENIED.
  absl::StatusOr<std::string> Authorize(Ctx* ctx) const;
  Directory& directory_;
  const std::string token_digest_;
  rpc::ServerMetrics& metrics_;
};

// The client address a gateway passed in the "x-tern-client-ip" metadata ("" if none).
std::string ClientIp(const grpc::ServerContext* ctx);

}  // namespace tern::auth
