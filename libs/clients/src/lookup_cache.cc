#include "tern/clients/lookup_cache.h"

#include <algorithm>

namespace tern::clients {

CachingAuthClient::CachingAuthClient(std::shared_ptr<AuthClient> next, absl::Duration ttl,
                                     size_t max_entries, Clock& clock)
    : next_(std::move(next)), ttl_(ttl), max_entries_(max_entries), clock_(clock) {}

std::string CachingAuthClient::Key(const std::string& address) const {
  std::string key = address;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
}

std::optional<auth::v1::LookupRecipientResponse> CachingAuthClient::Cached(const std::string& key) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires > now) return it->second.response;
  entries_.erase(it);
  return std::nullopt;
}

void CachingAuthClient::Keep(const std::string& key, const auth::v1::LookupRecipientResponse& r) {
  if (r.result() != auth::v1::LookupRecipientResponse::ACCOUNTS || ttl_ <= absl::ZeroDuration()) {
    return;
  }
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= max_entries_) {
    std::erase_if(entries_, [now](const auto& e) { return e.second.expires <= now; });
    if (entries_.size() >= max_entries_) entries_.clear();  // bounded, whatever the traffic
  }
  entries_[key] = {r, now + ttl_};
}

absl::StatusOr<auth::v1::LookupRecipientResponse> CachingAuthClient::Lookup(
    const std::string& address) {
  const std::string key = Key(address);
  if (auto hit = Cached(key)) return *hit;
  auto r = next_->Lookup(address);
  if (r.ok()) Keep(key, *r);
  return r;
}

void CachingAuthClient::LookupAsync(const std::string& address,
                                    Done<auth::v1::LookupRecipientResponse> done) {
  std::string key = Key(address);
  if (auto hit = Cached(key)) return done(*std::move(hit));
  next_->LookupAsync(address, [this, key = std::move(key), done = std::move(done)](
                                  absl::StatusOr<auth::v1::LookupRecipientResponse> r) {
    if (r.ok()) Keep(key, *r);
    done(std::move(r));
  });
}

}  // namespace tern::clients
