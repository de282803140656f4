// A short-lived cache of recipient lookups in front of an AuthClient, for smtp-ingress: a busy
// MX asks auth about the same few addresses over and over (one gRPC call and one database
// query per RCPT). Only answers that let mail in are kept (ACCOUNTS), for `ttl`: a new
// account or domain is never refused from the cache, and a removed one is refused at most
// `ttl` late. Errors and every other answer pass through uncached. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tern/clients/clients.h"
#include "tern/core/clock.h"

namespace tern::clients {

class CachingAuthClient final : public AuthClient {
 public:
  CachingAuthClient(std::shared_ptr<AuthClient> next, absl::Duration ttl, size_t max_entries,
                    Clock& clock = Clock::Real());
  absl::StatusOr<auth::v1::LookupRecipientResponse> Lookup(const std::string& address) override;
  absl::Status Health() override { return next_->Health(); }
  absl::StatusOr<auth::v1::AuthenticateResponse> Authenticate(
      const std::string& mechanism, const std::vector<std::string>& responses,
      const std::string& client_ip) override {
    return next_->Authenticate(mechanism, responses, client_ip);
  }
  absl::StatusOr<auth::v1::AuthenticateResponse> VerifyApop(
      const std::string& user, const std::string& timestamp, const std::string& digest,
      const std::string& client_ip) override {
    return next_->VerifyApop(user, timestamp, digest, client_ip);
  }
  void LookupAsync(const std::string& address,
                   Done<auth::v1::LookupRecipientResponse> done) override;
  void AuthenticateAsync(const std::string& mechanism, const std::vector<std::string>& responses,
                         const std::string& client_ip,
                         Done<auth::v1::AuthenticateResponse> done) override {
    next_->AuthenticateAsync(mechanism, responses, client_ip, std::move(done));
  }
  void VerifyApopAsync(const std::string& user, const std::string& timestamp,
                       const std::string& digest, const std::string& client_ip,
                       Done<auth::v1::AuthenticateResponse> done) override {
    next_->VerifyApopAsync(user, timestamp, digest, client_ip, std::move(done));
  }

 private:
  std::string Key(const std::string& address) const;
  // The cached answer, if any and not expired.
  std::optional<auth::v1::LookupRecipientResponse> Cached(const std::string& key);
  void Keep(const std::string& key, const auth::v1::LookupRecipientResponse& r);
  struct Entry {
    auth::v1::LookupRecipientResponse response;
    absl::Time expires;
  };
  const std::shared_ptr<AuthClient> next_;
  const absl::Duration ttl_;
  const size_t max_entries_;
  Clock& clock_;
  absl::Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tern::clients
