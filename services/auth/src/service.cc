#include "service.h"

#include "tern/core/status.h"

namespace tern::auth {

std::string ClientIp(const grpc::ServerContext* ctx) {
  auto it = ctx->client_metadata().find("x-tern-client-ip");
  if (it == ctx->client_metadata().end() || it->second.size() > 64) return "";
  return std::string(it->second.data(), it->second.size());
}

grpc::Status AuthService::LookupRecipient(Ctx* ctx, const pb::LookupRecipientRequest* req,
                                          pb::LookupRecipientResponse* resp) {
  return metrics_.Serve("LookupRecipient", ctx, [&]() -> absl::Status {
    if (req->address().size() > 512) return absl::InvalidArgumentError("address too long");
    TERN_ASSIGN_OR_RETURN(*resp, directory_.Lookup(req->address()));
    return absl::OkStatus();
  });
}

grpc::Status AuthService::Authenticate(Ctx* ctx, const pb::AuthenticateRequest* req,
                                       pb::AuthenticateResponse* resp) {
  return metrics_.Serve("Authenticate", ctx, [&]() -> absl::Status {
    if (req->responses_size() > 4) return absl::InvalidArgumentError("too many SASL responses");
    std::vector<std::string> responses(req->responses().begin(), req->responses().end());
    *resp = login_.Authenticate(req->mechanism(), responses, ClientIp(ctx));
    return absl::OkStatus();
  });
}

grpc::Status AuthService::VerifyApop(Ctx* ctx, const pb::VerifyApopRequest* req,
                                     pb::AuthenticateResponse* resp) {
  return metrics_.Serve("VerifyApop", ctx, [&]() -> absl::Status {
    *resp = login_.VerifyApop(*req, ClientIp(ctx));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> AdminService::Authorize(Ctx* ctx) const {
  if (token_digest_.empty()) {
    return absl::PermissionDeniedError("admin API disabled: no admin.token configured");
  }
  auto it = ctx->client_metadata().find("authorization");
  if (it == ctx->client_metadata().end()) {
    return absl::UnauthenticatedError("admin token required (authorization: Bearer ...)");
  }
  std::string value(it->second.data(), it->second.size());
  const std::string prefix = "Bearer ";
  if (value.rfind(prefix, 0) != 0) return absl::UnauthenticatedError("admin token required");
  if (!ConstantTimeEquals(Sha256(value.substr(prefix.size())), token_digest_)) {
    return absl::PermissionDeniedError("admin token rejected");
  }
  // With mTLS the certificate names the operator; otherwise the token is all we know.
  std::string actor = "admin-token";
  if (auto auth = ctx->auth_context(); auth && auth->IsPeerAuthenticated()) {
    auto ids = auth->GetPeerIdentity();
    if (!ids.empty()) actor = "cert:" + std::string(ids[0].data(), ids[0].size());
  }
  return actor;
}

#define TERN_ADMIN(Name, Req, Resp, body)                                   \
  grpc::Status AdminService::Name(Ctx* ctx, const Req* req, Resp* resp) {   \
    return metrics_.Serve(#Name, ctx, [&]() -> absl::Status {               \
      TERN_ASSIGN_OR_RETURN(std::string actor, Authorize(ctx));             \
      (void)actor;                                                          \
      body;                                                                 \
    });                                                                     \
  }

TERN_ADMIN(AddDomain, pb::DomainRequest, pb::Domain, {
  TERN_ASSIGN_OR_RETURN(*resp, directory_.AddDomain(req->name(), req->postmaster(), actor));
  return absl::OkStatus();
})
TERN_ADMIN(SetDomainPostmaster, pb::DomainRequest, pb::Domain, {
  TERN_ASSIGN_OR_RETURN(*resp,
                        directory_.SetDomainPostmaster(req->name(), req->postmaster(), actor));
  return absl::OkStatus();
})
TERN_ADMIN(ListDomains, pb::ListDomainsRequest, pb::ListDomainsResponse, {
  (void)req;
  TERN_ASSIGN_OR_RETURN(auto list, directory_.ListDomains());
  for (auto& d : list) *resp->add_domains() = std::move(d);
  return absl::OkStatus();
})
TERN_ADMIN(RemoveDomain, pb::DomainRequest, pb::RemoveResponse,
           (void)resp; return directory_.RemoveDomain(req->name(), actor))
TERN_ADMIN(AddAccount, pb::AddAccountRequest, pb::Account, {
  TERN_ASSIGN_OR_RETURN(*resp, directory_.AddAccount(*req, actor));
  return absl::OkStatus();
})
TERN_ADMIN(GetAccount, pb::AccountRequest, pb::Account, {
  TERN_ASSIGN_OR_RETURN(*resp, directory_.GetAccount(req->address()));
  return absl::OkStatus();
})
TERN_ADMIN(ListAccounts, pb::ListAccountsRequest, pb::ListAccountsResponse, {
  TERN_ASSIGN_OR_RETURN(auto list, directory_.ListAccounts(req->domain()));
  for (auto& a : list) *resp->add_accounts() = std::move(a);
  return absl::OkStatus();
})
TERN_ADMIN(SetPassword, pb::SetPasswordRequest, pb::Account, {
  TERN_ASSIGN_OR_RETURN(*resp, directory_.SetPassword(req->address(), req->password(), actor));
  return absl::OkStatus();
})
TERN_ADMIN(SetEnabled, pb::SetEnabledRequest, pb::Account, {
  TERN_ASSIGN_OR_RETURN(*resp, directory_.SetEnabled(req->address(), req->enabled(), actor));
  return absl::OkStatus();
})
TERN_ADMIN(SetQuota, pb::SetQuotaRequest, pb::Account, {
  TERN_ASSIGN_OR_RETURN(*resp, directory_.SetQuota(*req, actor));
  return absl::OkStatus();
})
TERN_ADMIN(SetApop, pb::SetApopRequest, pb::Account, {
  TERN_ASSIGN_OR_RETURN(*resp, directory_.SetApop(*req, actor));
  return absl::OkStatus();
})
TERN_ADMIN(RemoveAccount, pb::AccountRequest, pb::RemoveResponse,
           (void)resp; return directory_.RemoveAccount(req->address(), actor))
TERN_ADMIN(AddAlias, pb::AddAliasRequest, pb::Alias, {
  TERN_ASSIGN_OR_RETURN(*resp, directory_.AddAlias(*req, actor));
  return absl::OkStatus();
})
TERN_ADMIN(ListAliases, pb::ListAliasesRequest, pb::ListAliasesResponse, {
  TERN_ASSIGN_OR_RETURN(auto list, directory_.ListAliases(req->domain()));
  for (auto& a : list) *resp->add_aliases() = std::move(a);
  return absl::OkStatus();
})
TERN_ADMIN(RemoveAlias, pb::RemoveAliasRequest, pb::RemoveResponse,
           (void)resp; return directory_.RemoveAlias(req->address(), actor))
TERN_ADMIN(ListAudit, pb::ListAuditRequest, pb::ListAuditResponse, {
  TERN_ASSIGN_OR_RETURN(auto list, directory_.ListAudit(req->limit()));
  for (auto& e : list) *resp->add_entries() = std::move(e);
  return absl::OkStatus();
})

#undef TERN_ADMIN

}  // namespace tern::auth
