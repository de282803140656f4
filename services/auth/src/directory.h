// The directory: domains, accounts, aliases (admin operations, each audited in the same
// transaction) and recipient resolution. Mail stores and quotas live in the storage service;
// account changes that concern them are made there before the directory change commits.
#pragma once

#include "tern/rpc/channel.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto.h"
#include "tern/auth/v1/auth.pb.h"
#include "tern/pg/pool.h"

namespace tern::auth {

namespace pb = ::tern::auth::v1;

// What the directory needs from the storage service.
class MailStores {
 public:
  virtual ~MailStores() = default;
  virtual absl::Status Ensure(const std::string& account) = 0;
  virtual absl::Status SetQuota(const std::string& account, uint64_t bytes, uint64_t messages) = 0;
  virtual absl::Status Remove(const std::string& account) = 0;
};
// The real one, over gRPC.
absl::StatusOr<std::unique_ptr<MailStores>> MakeGrpcMailStores(const rpc::ChannelOptions& options);

struct DirectoryOptions {
  Argon2Params argon2;
  size_t password_min_length = 8;
  size_t max_alias_depth = 8;
  size_t max_recipients = 1000;
};

class Directory {
 public:
  Directory(pg::Pool& pool, MailStores& stores, const SecretBox& box, DirectoryOptions options);

  // `postmaster` (may be empty): where postmaster@<name> goes when no account or alias has
  // that address; it must reach an account.
  absl::StatusOr<pb::Domain> AddDomain(const std::string& name, const std::string& postmaster,
                                       const std::string& actor);
  // Sets or (empty) clears the domain's postmaster target; returns the domain as ListDomains.
  absl::StatusOr<pb::Domain> SetDomainPostmaster(const std::string& name,
                                                 const std::string& postmaster,
                                                 const std::string& actor);
  absl::StatusOr<std::vector<pb::Domain>> ListDomains();
  absl::Status RemoveDomain(const std::string& name, const std::string& actor);

  absl::StatusOr<pb::Account> AddAccount(const pb::AddAccountRequest& req, const std::string& actor);
  absl::StatusOr<pb::Account> GetAccount(const std::string& address);
  absl::StatusOr<std::vector<pb::Account>> ListAccounts(const std::string& domain);
  absl::StatusOr<pb::Account> SetPassword(const std::string& address, const std::string& password,
                                          const std::string& actor);
  absl::StatusOr<pb::Account> SetEnabled(const std::string& address, bool enabled,
                                         const std::string& actor);
  absl::StatusOr<pb::Account> SetQuota(const pb::SetQuotaRequest& req, const std::string& actor);
  absl::StatusOr<pb::Account> SetApop(const pb::SetApopRequest& req, const std::string& actor);
  absl::Status RemoveAccount(const std::string& address, const std::string& actor);

  absl::StatusOr<pb::Alias> AddAlias(const pb::AddAliasRequest& req, const std::string& actor);
  absl::StatusOr<std::vector<pb::Alias>> ListAliases(const std::string& domain);
  absl::Status RemoveAlias(const std::string& address, const std::string& actor);

  absl::StatusOr<std::vector<pb::AuditEntry>> ListAudit(uint32_t limit);

  absl::StatusOr<pb::LookupRecipientResponse> Lookup(const std::string& address);

 private:
  absl::Status CheckPassword(const std::string& password) const;
  // The normalized postmaster target, "" for none; refuses one that reaches no account.
  absl::StatusOr<std::string> CheckPostmaster(pqxx::transaction_base& tx,
                                              const std::string& postmaster) const;
  absl::StatusOr<pb::Domain> DomainRecord(pqxx::transaction_base& tx, const std::string& name);
  absl::StatusOr<pb::Account> Update(const std::string& op, const std::string& address,
                                     const std::string& actor, const std::string& detail,
                                     const std::function<absl::Status(pqxx::transaction_base&,
                                                                      int64_t id)>& fn);

  pg::Pool& pool_;
  MailStores& stores_;
  const SecretBox& box_;
  const DirectoryOptions options_;
};

}  // namespace tern::auth
