// The calls ternctl makes, behind one interface so that commands can run against fakes in tests.
//
// `Clients` is every AuthAdmin call plus the few Storage calls ternctl needs and a health probe.
// `GrpcClients` (from MakeGrpcClients) is the real implementation: one channel per service, a
// deadline on every call, and the admin token as `authorization: Bearer <token>` metadata on every
// AuthAdmin call. Errors are the server's status unchanged (code and message); the caller maps
// them to what the operator sees (src/error_mapping.cc).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tern/auth/v1/auth.pb.h"
#include "tern/storage/v1/storage.pb.h"
#include "tern/ternctl/settings.h"

namespace tern::ternctl {

// The services ternctl talks to. Adding one: a value here, a row in kServices, its address in
// Settings.
enum class Service { kAuth, kStorage };

struct ServiceInfo {
  Service service;
  const char* name;                // as the operator reads it: "auth"
  std::string Settings::*address;  // where Settings keeps its gRPC target
};
inline constexpr ServiceInfo kServices[] = {
    {Service::kAuth, "auth", &Settings::auth},
    {Service::kStorage, "storage", &Settings::storage},
};

namespace authpb = ::tern::auth::v1;
namespace storagepb = ::tern::storage::v1;

class Clients {
 public:
  virtual ~Clients() = default;

  // AuthAdmin (token required).
  virtual absl::StatusOr<authpb::Domain> AddDomain(const authpb::DomainRequest& req) = 0;
  virtual absl::StatusOr<authpb::ListDomainsResponse> ListDomains(
      const authpb::ListDomainsRequest& req) = 0;
  virtual absl::StatusOr<authpb::RemoveResponse> RemoveDomain(const authpb::DomainRequest& req) = 0;
  virtual absl::StatusOr<authpb::Domain> SetDomainPostmaster(const authpb::DomainRequest& req) = 0;
  virtual absl::StatusOr<authpb::Account> AddAccount(const authpb::AddAccountRequest& req) = 0;
  virtual absl::StatusOr<authpb::Account> GetAccount(const authpb::AccountRequest& req) = 0;
  virtual absl::StatusOr<authpb::ListAccountsResponse> ListAccounts(
      const authpb::ListAccountsRequest& req) = 0;
  virtual absl::StatusOr<authpb::Account> SetPassword(const authpb::SetPasswordRequest& req) = 0;
  virtual absl::StatusOr<authpb::Account> SetEnabled(const authpb::SetEnabledRequest& req) = 0;
  virtual absl::StatusOr<authpb::Account> SetQuota(const authpb::SetQuotaRequest& req) = 0;
  virtual absl::StatusOr<authpb::Account> SetApop(const authpb::SetApopRequest& req) = 0;
  virtual absl::StatusOr<authpb::RemoveResponse> RemoveAccount(
      const authpb::AccountRequest& req) = 0;
  virtual absl::StatusOr<authpb::Alias> AddAlias(const authpb::AddAliasRequest& req) = 0;
  virtual absl::StatusOr<authpb::ListAliasesResponse> ListAliases(
      const authpb::ListAliasesRequest& req) = 0;
  virtual absl::StatusOr<authpb::RemoveResponse> RemoveAlias(
      const authpb::RemoveAliasRequest& req) = 0;
  virtual absl::StatusOr<authpb::ListAuditResponse> ListAudit(
      const authpb::ListAuditRequest& req) = 0;

  // Storage.
  virtual absl::StatusOr<storagepb::ListMailboxesResponse> ListMailboxes(
      const storagepb::ListMailboxesRequest& req) = 0;
  virtual absl::StatusOr<storagepb::Quota> GetQuota(const storagepb::GetQuotaRequest& req) = 0;
  virtual absl::StatusOr<storagepb::ListOutboundResponse> ListOutbound(
      const storagepb::ListOutboundRequest& req) = 0;
  virtual absl::StatusOr<storagepb::OutboundJob> UpdateOutbound(
      const storagepb::UpdateOutboundRequest& req) = 0;

  // grpc.health.v1 of the whole server: true SERVING, false NOT_SERVING, an error (UNAVAILABLE,
  // DEADLINE_EXCEEDED, ...) when it cannot be asked.
  virtual absl::StatusOr<bool> Health(Service service) = 0;
};

// Channels to the endpoints in `settings` (plaintext, or TLS when settings.tls names files).
// Fails (InvalidArgument/NotFound naming the file) only when a TLS file cannot be read; no
// connection is made until the first call.
absl::StatusOr<std::unique_ptr<Clients>> MakeGrpcClients(const Settings& settings);

}  // namespace tern::ternctl
