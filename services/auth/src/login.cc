#include "login.h"

#include <chrono>

#include "names.h"
#include "tern/core/log.h"
#include "tern/sasl/sasl.h"

namespace tern::auth {
namespace {
constexpr const char* kAccount = "account";
constexpr const char* kIp = "ip";

// How long an attempt waits for a place among those in flight before it is refused.
constexpr absl::Duration kBusyWait = absl::Seconds(2);

uint64_t Ms(absl::Duration d) { return static_cast<uint64_t>(absl::ToInt64Milliseconds(d)); }
}  // namespace

Login::Login(pg::Pool& pool, const Clock& clock, Probe& probe, VerifyCache& cache,
             const SecretBox& box, const Argon2Params& argon2, LoginPolicy policy)
    : pool_(pool),
      clock_(clock),
      probe_(probe),
      cache_(cache),
      box_(box),
      policy_(policy),
      throttle_(pool, clock) {
  auto h = HashPassword(RandomBytes(16), argon2);
  dummy_hash_ = h.ok() ? *h : "";
}

absl::StatusOr<Login::Stored> Login::Load(const std::string& address) {
  Stored s;
  absl::Status st = pool_.Run("login_load", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_params(
        "SELECT enabled, password_hash, apop_secret FROM auth_accounts WHERE address = $1", address);
    if (r.empty()) return absl::OkStatus();
    s.exists = true;
    s.enabled = r[0][0].as<bool>();
    s.hash = r[0][1].as<std::string>();
    if (!r[0][2].is_null()) s.apop_secret = pqxx::binarystring(r[0][2]).str();
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return s;
}

bool Login::Admit(const std::string& address, const std::string& ip, const std::string& mech,
                  Gate* gate, pb::AuthenticateResponse* resp) {
  *gate = Gate{address, ip};
  // A client address this account logged in from before is not held back by what strangers
  // on the same address did (its own failures still count under the account key).
  bool known = false;
  if (!address.empty() && !ip.empty()) {
    absl::Status s = pool_.Run("known_client", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
      known = !tx.exec_params(
                     "SELECT 1 FROM auth_known_clients WHERE account = $1 AND ip = $2 AND "
                     "last_success > to_timestamp($3::bigint / 1000000.0)",
                     address, ip, std::to_string(absl::ToUnixMicros(clock_.Now() - policy_.known_client_ttl)))
                     .empty();
      return absl::OkStatus();
    });
    if (!s.ok()) known = false;
  }
  struct Want {
    const char* scope;
    std::string key;
    const ThrottlePolicy* policy;
    std::string* slot;
  };
  std::vector<Want> wants;
  if (!address.empty()) wants.push_back({kAccount, address + "|" + ip, &policy_.account, &gate->account_key});
  if (!ip.empty() && !known) wants.push_back({kIp, ip, &policy_.ip, &gate->ip_key});
  absl::Duration wait = absl::ZeroDuration();
  bool down = false;
  for (const Want& w : wants) {
    auto admission = throttle_.Begin(w.scope, w.key, *w.policy);
    // Busy, not blocked: as many attempts as the free failures are in flight (a client opening
    // several connections at once logs each in). They end in milliseconds, so wait for a place
    // a little rather than refuse a login nobody has failed.
    absl::Duration step = absl::Milliseconds(2), waited = absl::ZeroDuration();
    while (admission.ok() && !admission->admitted && !admission->blocked &&
           waited < kBusyWait) {
      absl::SleepFor(step);
      waited += step;
      step = std::min(step * 2, absl::Milliseconds(50));
      admission = throttle_.Begin(w.scope, w.key, *w.policy);
    }
    if (!admission.ok()) {
      down = true;
      break;
    }
    if (!admission->admitted) {
      probe_.Throttled(w.scope);
      wait = std::max(wait, admission->wait);
      break;
    }
    *w.slot = w.key;
  }
  if (!down && wait == absl::ZeroDuration()) return true;
  End(*gate, Outcome::kNotRun);  // give back what was taken: the attempt does not go ahead
  *gate = Gate{address, ip};
  log::Warn(down ? "login refused: throttle unavailable" : "login throttled",
            {{"user", address}, {"ip", ip}, {"mechanism", mech},
             {"retry_after_ms", std::to_string(down ? 1000 : Ms(wait))}});
  probe_.Attempt(mech, down ? "unavailable" : "throttled");
  resp->set_result(pb::AuthenticateResponse::THROTTLED);  // fail closed when the database is down
  resp->set_retry_after_ms(down ? 1000 : Ms(wait));
  return false;
}

absl::Duration Login::End(const Gate& gate, Outcome outcome) {
  const bool failed = outcome == Outcome::kFailed;
  absl::Duration wait = absl::ZeroDuration();
  if (!gate.account_key.empty()) {
    auto w = throttle_.End(kAccount, gate.account_key, failed, outcome == Outcome::kSucceeded,
                           policy_.account);
    if (w.ok()) wait = std::max(wait, *w);
  }
  if (!gate.ip_key.empty()) {
    auto w = throttle_.End(kIp, gate.ip_key, failed, false, policy_.ip);
    if (w.ok()) wait = std::max(wait, *w);
  }
  return wait;
}

void Login::Failed(const Gate& gate, const std::string& mech, pb::AuthenticateResponse* resp) {
  const absl::Duration wait = End(gate, Outcome::kFailed);
  probe_.Attempt(mech, "failed");
  // Who and from where, never the password; a key with a wait is blocked from now on.
  log::Warn(wait >= policy_.account.lockout ? "login failed; locked out" : "login failed",
            {{"user", gate.address}, {"ip", gate.ip}, {"mechanism", mech},
             {"retry_after_ms", std::to_string(Ms(wait))}});
  resp->set_result(pb::AuthenticateResponse::FAILED);
  resp->set_retry_after_ms(Ms(wait));
}

pb::AuthenticateResponse Login::Finish(const Gate& gate, const std::string& mech, bool ok,
                                       const Stored& stored) {
  pb::AuthenticateResponse resp;
  if (!ok) {
    Failed(gate, mech, &resp);
    return resp;
  }
  End(gate, Outcome::kSucceeded);
  const std::string& address = gate.address;
  const std::string& ip = gate.ip;
  if (!ip.empty() && stored.enabled) {
    (void)pool_.Run("known_client_add", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
      tx.exec_params(
          "INSERT INTO auth_known_clients (account, ip, last_success) VALUES ($1, $2, "
          "to_timestamp($3::bigint / 1000000.0)) ON CONFLICT (account, ip) DO UPDATE SET "
          "last_success = EXCLUDED.last_success",
          address, ip, std::to_string(absl::ToUnixMicros(clock_.Now())));
      return absl::OkStatus();
    });
  }
  if (!stored.enabled) {
    probe_.Attempt(mech, "disabled");
    resp.set_result(pb::AuthenticateResponse::DISABLED);
    return resp;
  }
  probe_.Attempt(mech, "ok");
  resp.set_result(pb::AuthenticateResponse::OK);
  resp.set_account(address);
  return resp;
}

std::optional<bool> Login::Verify(const std::string& encoded, const std::string& password) {
  {
    absl::MutexLock lock(&hash_mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(hash_mu_) {
      return hashing_ < policy_.max_parallel_hashes;
    };
    if (!hash_mu_.AwaitWithTimeout(absl::Condition(&room), policy_.hash_wait)) return std::nullopt;
    ++hashing_;
  }
  auto start = std::chrono::steady_clock::now();
  bool ok = VerifyPassword(encoded, password);
  probe_.HashSeconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  absl::MutexLock lock(&hash_mu_);
  --hashing_;
  return ok;
}

pb::AuthenticateResponse Login::Authenticate(const std::string& mechanism,
                                             const std::vector<std::string>& responses,
                                             const std::string& client_ip) {
  pb::AuthenticateResponse resp;
  sasl::Mechanism mech = sasl::ParseMechanism(mechanism);
  if (mech == sasl::Mechanism::kUnknown) {
    probe_.Attempt("other", "unsupported");
    resp.set_result(pb::AuthenticateResponse::UNSUPPORTED);
    return resp;
  }
  const std::string label = mech == sasl::Mechanism::kPlain ? "plain" : "login";
  sasl::Step step = sasl::Next(mech, responses);
  if (step.kind == sasl::Step::kChallenge) {
    resp.set_result(pb::AuthenticateResponse::CONTINUE);
    resp.set_challenge(step.challenge);
    return resp;
  }
  if (step.kind == sasl::Step::kMalformed) {
    probe_.Attempt(label, "malformed");
    resp.set_result(pb::AuthenticateResponse::MALFORMED);
    return resp;
  }
  auto address = NormalizeAddress(step.credentials.authcid);
  // Unknown syntax is an unknown user: count it against the client address only.
  const std::string key = address.ok() ? *address : std::string();
  Gate gate;
  if (!Admit(key, client_ip, label, &gate, &resp)) return resp;
  if (!step.credentials.authzid.empty()) {
    auto authz = NormalizeAddress(step.credentials.authzid);
    if (!authz.ok() || *authz != key) {  // no proxy authorisation
      Failed(gate, label, &resp);
      return resp;
    }
  }
  Stored stored;
  if (!key.empty()) {
    auto loaded = Load(key);
    if (!loaded.ok()) {
      End(gate, Outcome::kNotRun);
      probe_.Attempt(label, "unavailable");
      resp.set_result(pb::AuthenticateResponse::THROTTLED);
      resp.set_retry_after_ms(1000);
      return resp;
    }
    stored = *loaded;
  }
  const std::string& password = step.credentials.password;
  bool ok = false;
  if (stored.exists && cache_.Hit(key, password, stored.hash)) {
    probe_.Cache(true);
    ok = true;
  } else {
    if (stored.exists) probe_.Cache(false);
    std::optional<bool> verified = Verify(stored.exists ? stored.hash : dummy_hash_, password);
    if (!verified) {
      End(gate, Outcome::kNotRun);
      probe_.Attempt(label, "busy");
      resp.set_result(pb::AuthenticateResponse::THROTTLED);
      resp.set_retry_after_ms(1000);
      return resp;
    }
    ok = *verified && stored.exists;
    if (ok) cache_.Remember(key, password, stored.hash);
  }
  return Finish(gate, label, ok, stored);
}

pb::AuthenticateResponse Login::VerifyApop(const pb::VerifyApopRequest& req,
                                           const std::string& client_ip) {
  pb::AuthenticateResponse resp;
  auto address = NormalizeAddress(req.user());
  const std::string key = address.ok() ? *address : std::string();
  const std::string& ts = req.timestamp();
  if (ts.size() < 3 || ts.size() > 256 || ts.front() != '<' || ts.back() != '>' ||
      req.digest().size() != 32) {
    probe_.Attempt("apop", "malformed");
    resp.set_result(pb::AuthenticateResponse::MALFORMED);
    return resp;
  }
  Gate gate;
  if (!Admit(key, client_ip, "apop", &gate, &resp)) return resp;
  Stored stored;
  if (!key.empty()) {
    auto loaded = Load(key);
    if (!loaded.ok()) {
      End(gate, Outcome::kNotRun);
      probe_.Attempt("apop", "unavailable");
      resp.set_result(pb::AuthenticateResponse::THROTTLED);
      resp.set_retry_after_ms(1000);
      return resp;
    }
    stored = *loaded;
  }
  bool ok = false;
  if (stored.exists && stored.apop_secret) {
    auto secret = box_.Open(*stored.apop_secret, key);
    if (!secret.ok()) {
      log::Error("APOP secret does not decrypt", {{"error", std::string(secret.status().message())}});
    } else {
      std::string digest = req.digest();
      for (char& c : digest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      ok = ConstantTimeEquals(Md5Hex(ts + *secret), digest);
    }
  }
  return Finish(gate, "apop", ok, stored);
}

}  // namespace tern::auth
