// An in-memory stand-in for the auth and storage services, with the refusals the real auth
// service gives, so that commands can be run end to end in a unit test.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tern/core/status.h"
#include "tern/ternctl/clients.h"

namespace tern::ternctl {

// The state behind FakeClients; outlives every FakeClients made from it.
struct FakeBackend {
  std::map<std::string, authpb::Domain> domains;
  std::map<std::string, authpb::Account> accounts;
  std::map<std::string, std::string> passwords;
  std::map<std::string, std::string> apop_secrets;
  std::map<std::string, authpb::Alias> aliases;
  std::map<std::string, storagepb::ListMailboxesResponse> mailboxes;
  std::map<uint64_t, storagepb::OutboundJob> outbound;
  std::vector<authpb::AuditEntry> audit;
  uint32_t last_audit_limit = 0;
  std::vector<std::string> calls;  // every method called, in order
  absl::Status auth_error;         // when set, every AuthAdmin call fails with it
  absl::Status storage_error;      // when set, every Storage call fails with it
  absl::StatusOr<bool> auth_health = true;
  absl::StatusOr<bool> storage_health = true;
};

class FakeClients : public Clients {
 public:
  explicit FakeClients(FakeBackend* b) : b_(b) {}

  absl::StatusOr<authpb::Domain> AddDomain(const authpb::DomainRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("AddDomain"));
    if (req.name().empty() || absl::StrContains(req.name(), "@")) {
      return absl::InvalidArgumentError(absl::StrCat("invalid domain: ", req.name()));
    }
    if (b_->domains.count(req.name())) {
      return absl::AlreadyExistsError(absl::StrCat("domain exists: ", req.name()));
    }
    authpb::Domain d;
    d.set_name(req.name());
    d.mutable_created()->set_seconds(1700000000);
    d.set_postmaster(req.postmaster());
    if (!req.postmaster().empty()) d.add_postmaster_reaches(req.postmaster());
    d.set_postmaster_fallback(req.postmaster().empty());
    return b_->domains[req.name()] = d;
  }
  absl::StatusOr<authpb::ListDomainsResponse> ListDomains(
      const authpb::ListDomainsRequest&) override {
    TERN_RETURN_IF_ERROR(Auth("ListDomains"));
    authpb::ListDomainsResponse resp;
    for (auto& [name, d] : b_->domains) {
      authpb::Domain* out = resp.add_domains();
      *out = d;
      for (auto& [addr, a] : b_->accounts) {
        if (DomainOf(addr) != name) continue;
        out->set_accounts(out->accounts() + 1);
        // As auth, roughly: without a target, postmaster@ reaches an account of the domain.
        if (out->postmaster_fallback() && out->postmaster_reaches().empty()) {
          out->add_postmaster_reaches(addr);
        }
      }
    }
    return resp;
  }
  absl::StatusOr<authpb::Domain> SetDomainPostmaster(const authpb::DomainRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("SetDomainPostmaster"));
    auto it = b_->domains.find(req.name());
    if (it == b_->domains.end()) {
      return absl::NotFoundError(absl::StrCat("no such domain: ", req.name()));
    }
    it->second.set_postmaster(req.postmaster());
    it->second.clear_postmaster_reaches();
    if (!req.postmaster().empty()) it->second.add_postmaster_reaches(req.postmaster());
    it->second.set_postmaster_fallback(req.postmaster().empty());
    return it->second;
  }
  absl::StatusOr<authpb::RemoveResponse> RemoveDomain(const authpb::DomainRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("RemoveDomain"));
    if (!b_->domains.count(req.name())) {
      return absl::NotFoundError(absl::StrCat("no such domain: ", req.name()));
    }
    for (auto& [addr, a] : b_->accounts) {
      if (DomainOf(addr) == req.name()) {
        return absl::FailedPreconditionError(absl::StrCat("domain has accounts: ", req.name()));
      }
    }
    b_->domains.erase(req.name());
    return authpb::RemoveResponse();
  }
  absl::StatusOr<authpb::Account> AddAccount(const authpb::AddAccountRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("AddAccount"));
    if (DomainOf(req.address()).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("invalid address: ", req.address()));
    }
    if (!b_->domains.count(DomainOf(req.address()))) {
      return absl::NotFoundError(absl::StrCat("no such domain: ", DomainOf(req.address())));
    }
    if (b_->accounts.count(req.address())) {
      return absl::AlreadyExistsError(absl::StrCat("account exists: ", req.address()));
    }
    if (req.password().size() < 8) {
      return absl::InvalidArgumentError("password too short (at least 8 characters)");
    }
    authpb::Account a;
    a.set_address(req.address());
    a.set_enabled(true);
    a.set_quota_bytes(req.quota_bytes());
    a.set_quota_messages(req.quota_messages());
    a.mutable_created()->set_seconds(1700000000);
    b_->passwords[req.address()] = req.password();
    storagepb::ListMailboxesResponse& boxes = b_->mailboxes[req.address()];
    storagepb::MailboxInfo* inbox = boxes.add_mailboxes();
    inbox->set_name("INBOX");
    inbox->set_messages(2);
    inbox->set_unseen(1);
    inbox->set_size(2048);
    storagepb::MailboxInfo* sent = boxes.add_mailboxes();
    sent->set_name("Sent");
    sent->set_special_use(storagepb::SPECIAL_USE_SENT);
    return b_->accounts[req.address()] = a;
  }
  absl::StatusOr<authpb::Account> GetAccount(const authpb::AccountRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("GetAccount"));
    return Find(req.address());
  }
  absl::StatusOr<authpb::ListAccountsResponse> ListAccounts(
      const authpb::ListAccountsRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("ListAccounts"));
    authpb::ListAccountsResponse resp;
    for (auto& [addr, a] : b_->accounts) {
      if (req.domain().empty() || DomainOf(addr) == req.domain()) *resp.add_accounts() = a;
    }
    return resp;
  }
  absl::StatusOr<authpb::Account> SetPassword(const authpb::SetPasswordRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("SetPassword"));
    TERN_ASSIGN_OR_RETURN(authpb::Account a, Find(req.address()));
    if (req.password().size() < 8) {
      return absl::InvalidArgumentError("password too short (at least 8 characters)");
    }
    b_->passwords[req.address()] = req.password();
    return a;
  }
  absl::StatusOr<authpb::Account> SetEnabled(const authpb::SetEnabledRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("SetEnabled"));
    TERN_RETURN_IF_ERROR(Find(req.address()).status());
    b_->accounts[req.address()].set_enabled(req.enabled());
    return b_->accounts[req.address()];
  }
  absl::StatusOr<authpb::Account> SetQuota(const authpb::SetQuotaRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("SetQuota"));
    TERN_RETURN_IF_ERROR(Find(req.address()).status());
    b_->accounts[req.address()].set_quota_bytes(req.quota_bytes());
    b_->accounts[req.address()].set_quota_messages(req.quota_messages());
    return b_->accounts[req.address()];
  }
  absl::StatusOr<authpb::Account> SetApop(const authpb::SetApopRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("SetApop"));
    TERN_RETURN_IF_ERROR(Find(req.address()).status());
    if (req.enabled() && req.secret().empty()) {
      return absl::InvalidArgumentError("APOP secret required");
    }
    b_->apop_secrets[req.address()] = req.secret();
    b_->accounts[req.address()].set_apop_enabled(req.enabled());
    return b_->accounts[req.address()];
  }
  absl::StatusOr<authpb::RemoveResponse> RemoveAccount(const authpb::AccountRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("RemoveAccount"));
    TERN_RETURN_IF_ERROR(Find(req.address()).status());
    b_->accounts.erase(req.address());
    return authpb::RemoveResponse();
  }
  absl::StatusOr<authpb::Alias> AddAlias(const authpb::AddAliasRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("AddAlias"));
    if (b_->aliases.count(req.address())) {
      return absl::AlreadyExistsError(absl::StrCat("alias exists: ", req.address()));
    }
    authpb::Alias a;
    a.set_address(req.address());
    *a.mutable_targets() = req.targets();
    return b_->aliases[req.address()] = a;
  }
  absl::StatusOr<authpb::ListAliasesResponse> ListAliases(
      const authpb::ListAliasesRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("ListAliases"));
    authpb::ListAliasesResponse resp;
    for (auto& [addr, a] : b_->aliases) {
      if (req.domain().empty() || DomainOf(addr) == req.domain()) *resp.add_aliases() = a;
    }
    return resp;
  }
  absl::StatusOr<authpb::RemoveResponse> RemoveAlias(
      const authpb::RemoveAliasRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("RemoveAlias"));
    if (!b_->aliases.erase(req.address())) {
      return absl::NotFoundError(absl::StrCat("no such alias: ", req.address()));
    }
    return authpb::RemoveResponse();
  }
  absl::StatusOr<authpb::ListAuditResponse> ListAudit(
      const authpb::ListAuditRequest& req) override {
    TERN_RETURN_IF_ERROR(Auth("ListAudit"));
    b_->last_audit_limit = req.limit();
    authpb::ListAuditResponse resp;
    for (const auto& e : b_->audit) *resp.add_entries() = e;
    return resp;
  }

  absl::StatusOr<storagepb::ListMailboxesResponse> ListMailboxes(
      const storagepb::ListMailboxesRequest& req) override {
    b_->calls.push_back("ListMailboxes");
    if (!b_->storage_error.ok()) return b_->storage_error;
    if (!req.with_counts()) return absl::InvalidArgumentError("test wants with_counts");
    return b_->mailboxes[req.account()];
  }
  absl::StatusOr<storagepb::Quota> GetQuota(const storagepb::GetQuotaRequest& req) override {
    b_->calls.push_back("GetQuota");
    if (!b_->storage_error.ok()) return b_->storage_error;
    storagepb::Quota q;
    const authpb::Account& a = b_->accounts[req.account()];
    q.set_storage_bytes_limit(a.quota_bytes());
    q.set_messages_limit(a.quota_messages());
    q.set_storage_bytes_used(2048);
    q.set_messages_used(2);
    return q;
  }
  absl::StatusOr<storagepb::ListOutboundResponse> ListOutbound(
      const storagepb::ListOutboundRequest& req) override {
    b_->calls.push_back("ListOutbound");
    if (!b_->storage_error.ok()) return b_->storage_error;
    storagepb::ListOutboundResponse resp;
    for (const auto& [id, job] : b_->outbound) {
      if (req.state().empty() || job.state() == req.state()) *resp.add_jobs() = job;
    }
    return resp;
  }
  absl::StatusOr<storagepb::OutboundJob> UpdateOutbound(
      const storagepb::UpdateOutboundRequest& req) override {
    b_->calls.push_back("UpdateOutbound");
    if (!b_->storage_error.ok()) return b_->storage_error;
    auto it = b_->outbound.find(req.id());
    if (it == b_->outbound.end()) return absl::NotFoundError("no such queued message");
    storagepb::OutboundJob job = it->second;
    switch (req.action()) {
      case storagepb::UpdateOutboundRequest::DELETE:
        b_->outbound.erase(it);
        return job;
      case storagepb::UpdateOutboundRequest::HOLD:
        it->second.set_state("held");
        break;
      default:
        it->second.set_state("queued");
    }
    return it->second;
  }
  absl::StatusOr<bool> Health(Service service) override {
    b_->calls.push_back(service == Service::kAuth ? "Health(auth)" : "Health(storage)");
    return service == Service::kAuth ? b_->auth_health : b_->storage_health;
  }

 private:
  static std::string DomainOf(const std::string& address) {
    size_t at = address.rfind('@');
    return at == std::string::npos || at + 1 == address.size() ? "" : address.substr(at + 1);
  }
  absl::Status Auth(const char* method) {
    b_->calls.push_back(method);
    return b_->auth_error;
  }
  absl::StatusOr<authpb::Account> Find(const std::string& address) {
    auto it = b_->accounts.find(address);
    if (it == b_->accounts.end()) {
      return absl::NotFoundError(absl::StrCat("no such account: ", address));
    }
    return it->second;
  }

  FakeBackend* b_;
};

}  // namespace tern::ternctl
