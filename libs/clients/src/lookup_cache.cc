#include "tern/clients/lookup_cache.h"

#include <algorithm>

namespace tern::clients {

CachingAuthClient::CachingAuthClient(std::shared_ptr<AuthClient> next, absl::Duration ttl,
                                     size_t max_entries, Clock& clock)
    : next_(std::move(next)), ttl_(ttl), max_entries_(max_entries), clock_(clock) {}

absl::StatusOr<auth::v1::LookupRecipientResponse> CachingAuthClient::Lookup(
    const std::string& address) {
  std::string key = address;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      if (it->second.expires > now) return it->second.response;
      entries_.erase(it);
    }
  }
  auto r = next_->Lookup(address);
  if (!r.ok() || r->result() != auth::v1::LookupRecipientResponse::ACCOUNTS || ttl_ <= absl::ZeroDuration()) {
    return r;
  }
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= max_entries_) {
    std::erase_if(entries_, [now](const auto& e) { return e.second.expires <= now; });
    if (entries_.size() >= max_entries_) entries_.clear();  // bounded, whatever the traffic
  }
  entries_[key] = {*r, now + ttl_};
  return r;
}

}  // namespace tern::clients
