#include "verify_cache.h"

#include "crypto.h"

namespace tern::auth {

VerifyCache::VerifyCache(const Clock& clock, absl::Duration ttl, size_t max_entries)
    : clock_(clock), ttl_(ttl), max_entries_(max_entries), secret_(RandomBytes(32)) {}

std::string VerifyCache::Key(const std::string& address, const std::string& password,
                             const std::string& hash) const {
  std::string m = secret_;
  for (const std::string* part : {&address, &password, &hash}) {
    m += std::to_string(part->size());
    m.push_back(':');
    m += *part;
  }
  return Sha256(m);
}

bool VerifyCache::Hit(const std::string& address, const std::string& password,
                      const std::string& hash) {
  if (max_entries_ == 0) return false;
  std::string key = Key(address, password, hash);
  absl::MutexLock lock(&mu_);
  auto it = expiry_.find(key);
  return it != expiry_.end() && it->second > clock_.Now();
}

void VerifyCache::Remember(const std::string& address, const std::string& password,
                           const std::string& hash) {
  if (max_entries_ == 0) return;
  std::string key = Key(address, password, hash);
  absl::MutexLock lock(&mu_);
  if (!expiry_.contains(key)) {
    while (order_.size() >= max_entries_) {
      expiry_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(key);
  }
  expiry_[key] = clock_.Now() + ttl_;
}

size_t VerifyCache::size() {
  absl::MutexLock lock(&mu_);
  return expiry_.size();
}

}  // namespace tern::auth
