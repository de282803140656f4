// Failed-login throttling with its counters in PostgreSQL, so that every auth replica sees the
// same numbers. Per key (an account or a client address): after `free_failures` failures each
// further one blocks attempts for base_delay * 2^k (capped at max_delay); at `lockout_after`
// failures the key is locked out for `lockout`. Failures older than `window` are forgotten.
// Time comes from the injected clock.
#pragma once

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "tern/core/clock.h"
#include "tern/pg/pool.h"

namespace tern::auth {

struct ThrottlePolicy {
  absl::Duration window = absl::Minutes(15);
  int free_failures = 3;
  absl::Duration base_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Seconds(60);
  int lockout_after = 10;
  absl::Duration lockout = absl::Minutes(15);
};

class Throttle {
 public:
  Throttle(pg::Pool& pool, const Clock& clock) : pool_(pool), clock_(clock) {}

  // How long the key must still wait (nullopt: may try now). An error when the database is down.
  absl::StatusOr<std::optional<absl::Duration>> Blocked(const std::string& scope,
                                                        const std::string& key);
  // Counts one failure and returns the new wait.
  absl::StatusOr<absl::Duration> Fail(const std::string& scope, const std::string& key,
                                      const ThrottlePolicy& policy);
  absl::Status Reset(const std::string& scope, const std::string& key);

 private:
  pg::Pool& pool_;
  const Clock& clock_;
};

}  // namespace tern::auth
