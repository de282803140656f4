// Verifying credentials: SASL PLAIN/LOGIN and APOP, with throttling per account and per client
// address, a verification cache, and timing that does not reveal whether a user exists.
#pragma once

#include <string>
#include <vector>

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
  ThrottlePolicy account;
  ThrottlePolicy ip;
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
  // Throttle gate; fills `resp` and returns false when blocked or the database is down.
  bool Admit(const std::string& address, const std::string& ip, const std::string& mech,
             pb::AuthenticateResponse* resp);
  void Failed(const std::string& address, const std::string& ip, const std::string& mech,
              pb::AuthenticateResponse* resp);
  pb::AuthenticateResponse Finish(const std::string& address, const std::string& ip,
                                  const std::string& mech, bool ok, const Stored& stored);

  pg::Pool& pool_;
  const Clock& clock_;
  Probe& probe_;
  VerifyCache& cache_;
  const SecretBox& box_;
  const LoginPolicy policy_;
  Throttle throttle_;
  std::string dummy_hash_;  // verified against for unknown users, so timing tells nothing
};

}  // namespace tern::auth
