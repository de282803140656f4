// Remembers, for a short time, that a (address, password, stored hash) triple verified, so a
// client reconnecting every few seconds does not pay a full Argon2 hash each time. It keeps a
// keyed SHA-256 of the triple, never the password; a password change alters the stored hash and
// so misses the cache. Bounded: at most `max_entries`, oldest evicted first.
#pragma once

#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tern/core/clock.h"

namespace tern::auth {

class VerifyCache {
 public:
  VerifyCache(const Clock& clock, absl::Duration ttl, size_t max_entries);
  bool Hit(const std::string& address, const std::string& password, const std::string& hash);
  void Remember(const std::string& address, const std::string& password, const std::string& hash);
  size_t size();

 private:
  std::string Key(const std::string& address, const std::string& password,
                  const std::string& hash) const;
  const Clock& clock_;
  const absl::Duration ttl_;
  const size_t max_entries_;
  const std::string secret_;  // random per process: keys are useless elsewhere
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::Time> expiry_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tern::auth
