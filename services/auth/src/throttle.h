// Failed-login throttling with its counters in PostgreSQL, so that every auth replica sees the
// same numbers. Per key (an account from one client address, or a client address): after
// `free_failures` failures each further one blocks attempts for base_delay * 2^k (capped at
// max_delay); at `lockout_after` failures the key is locked out for `lockout`. Failures older
// than `window` are forgotten. Time comes from the injected clock.
//
// Check and count are one statement (Begin): an attempt is admitted only while the key is not
// blocked and either nothing else is in flight or its failures plus the attempts in flight stay
// under free_failures, so a parallel burst gets no more verifications than a client trying one
// after another before its first delay (free_failures + 1), then one at a time.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
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

  // Admits one attempt (counted as in flight until End) or says how long to wait. An error
  // when the database is down.
  struct Admission {
    bool admitted = false;
    // Not admitted: the key is blocked after failures (wait says how long), or only busy with
    // attempts in flight (as many as the free failures), which end in milliseconds.
    bool blocked = false;
    absl::Duration wait;  // when not admitted
  };
  absl::StatusOr<Admission> Begin(const std::string& scope, const std::string& key,
                                  const ThrottlePolicy& policy);
  // Ends an admitted attempt. A failure is counted and its wait returned; a success forgets the
  // key's failures when `reset`.
  absl::StatusOr<absl::Duration> End(const std::string& scope, const std::string& key,
                                     bool failed, bool reset, const ThrottlePolicy& policy);

 private:
  pg::Pool& pool_;
  const Clock& clock_;
};

}  // namespace tern::auth
