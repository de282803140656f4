// Verifying credentials: SASL PLAIN/LOGIN and APOP, with throttling per account and per client
// address, a verification cache, and timing that does not reveal whether a user exists.
#pragma once

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "crypto.h"
#include "probe.h"
#include "tern/auth/v1/auth.pb.h"
#include "tern/core/clock.h"
#include "tern/pg/pool.h"
#include "throttle.h"
#include "verify_cache.h"

namespace tern::auth {

namespace pb = ::tern::auth::v1;

struct LoginPolicy {
  ThrottlePolicy account;  // per account and client address
  ThrottlePolicy ip;       // per client address, over all accounts
  // A client address the account logged in from successfully within this time is not held
  // back by the address-wide throttle (a stranger on the same address cannot lock it out).
  absl::Duration known_client_ttl = absl::Hours(24 * 30);
  // Password hashes computed at once by this process (each takes argon2.m_cost_kib of memory);
  // further attempts wait up to hash_wait, then get a temporary answer.
  int max_parallel_hashes = 2;
  absl::Duration hash_wait = absl::Seconds(5);
};

class Login {
 public:
  Login(pg::Pool& pool, const Clock& clock, Probe& probe, VerifyCache& cache, const SecretBox& box,
        const Argon2Params& argon2, LoginPolicy policy);

  // `client_ip` may be empty (then only the account is throttled).
  pb::AuthenticateResponse Authenticate(const std::string& mechanism,
                                        const std::vector<std::string>& responses,
                                        const std::string& client_ip);
  pb::AuthenticateResponse VerifyApop(const pb::VerifyApopRequest& req,
                                      const std::string& client_ip);

 private:
  struct Stored {
    bool exists = false;
    bool enabled = false;
    std::string hash;
    std::optional<std::string> apop_secret;
  };
  absl::StatusOr<Stored> Load(const std::string& address);
  // The throttle keys one attempt holds while it is in flight.
  struct Gate {
    std::string address;      // the normalized account; empty for a malformed name
    std::string ip;           // the client address; may be empty
    std::string account_key;  // "address|ip"; empty: not held
    std::string ip_key;       // empty: not held
  };
  enum class Outcome { kNotRun, kFailed, kSucceeded };
  // Admits the attempt under both throttles at once (check and count are one statement each);
  // fills `resp` and returns false when it must wait or the database is down.
  bool Admit(const std::string& address, const std::string& ip, const std::string& mech,
             Gate* gate, pb::AuthenticateResponse* resp);
  // Ends the attempt under every key it holds: kNotRun counts nothing, kFailed counts a
  // failure, kSucceeded clears the account-and-address counter. Returns the longest new wait.
  absl::Duration End(const Gate& gate, Outcome outcome);
  void Failed(const Gate& gate, const std::string& mech, pb::AuthenticateResponse* resp);
  pb::AuthenticateResponse Finish(const Gate& gate, const std::string& mech, bool ok,
                                  const Stored& stored);
  // Verifies under the process's bound on parallel hashes; nullopt: waited too long.
  std::optional<bool> Verify(const std::string& encoded, const std::string& password);

  pg::Pool& pool_;
  const Clock& clock_;
  Probe& probe_;
  VerifyCache& cache_;
  const SecretBox& box_;
  const LoginPolicy policy_;
  Throttle throttle_;
  std::string dummy_hash_;  // verified against for unknown users, so timing tells nothing
  absl::Mutex hash_mu_;
  int hashing_ ABSL_GUARDED_BY(hash_mu_) = 0;
};

}  // namespace tern::auth
