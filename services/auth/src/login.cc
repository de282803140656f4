#include "login.h"

#include <chrono>

#include "names.h"
#include "tern/core/log.h"
#include "tern/sasl/sasl.h"

namespace tern::auth {
namespace {
constexpr const char* kAccount = "account";
constexpr const char* kIp = "ip";

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
                  pb::AuthenticateResponse* resp) {
  absl::Duration wait = absl::ZeroDuration();
  for (auto [scope, key] : {std::pair<const char*, const std::string*>{kAccount, &address},
                            {kIp, &ip}}) {
    if (key->empty()) continue;
    auto blocked = throttle_.Blocked(scope, *key);
    if (!blocked.ok()) {
      probe_.Attempt(mech, "unavailable");
      resp->set_result(pb::AuthenticateResponse::THROTTLED);  // fail closed
      resp->set_retry_after_ms(1000);
      return false;
    }
    if (blocked->has_value()) {
      probe_.Throttled(scope);
      wait = std::max(wait, **blocked);
    }
  }
  if (wait > absl::ZeroDuration()) {
    probe_.Attempt(mech, "throttled");
    resp->set_result(pb::AuthenticateResponse::THROTTLED);
    resp->set_retry_after_ms(Ms(wait));
    return false;
  }
  return true;
}

void Login::Failed(const std::string& address, const std::string& ip, const std::string& mech,
                   pb::AuthenticateResponse* resp) {
  absl::Duration wait = absl::ZeroDuration();
  if (!address.empty()) {
    auto w = throttle_.Fail(kAccount, address, policy_.account);
    if (w.ok()) wait = std::max(wait, *w);
  }
  if (!ip.empty()) {
    auto w = throttle_.Fail(kIp, ip, policy_.ip);
    if (w.ok()) wait = std::max(wait, *w);
  }
  probe_.Attempt(mech, "failed");
  resp->set_result(pb::AuthenticateResponse::FAILED);
  resp->set_retry_after_ms(Ms(wait));
}

pb::AuthenticateResponse Login::Finish(const std::string& address, const std::string& ip,
                                       const std::string& mech, bool ok, const Stored& stored) {
  pb::AuthenticateResponse resp;
  if (!ok) {
    Failed(address, ip, mech, &resp);
    return resp;
  }
  (void)throttle_.Reset(kAccount, address);
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
  if (!Admit(key, client_ip, label, &resp)) return resp;
  if (!step.credentials.authzid.empty()) {
    auto authz = NormalizeAddress(step.credentials.authzid);
    if (!authz.ok() || *authz != key) {  // no proxy authorisation
      Failed(key, client_ip, label, &resp);
      return resp;
    }
  }
  Stored stored;
  if (!key.empty()) {
    auto loaded = Load(key);
    if (!loaded.ok()) {
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
    auto start = std::chrono::steady_clock::now();
    ok = VerifyPassword(stored.exists ? stored.hash : dummy_hash_, password) && stored.exists;
    probe_.HashSeconds(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (ok) cache_.Remember(key, password, stored.hash);
  }
  return Finish(key, client_ip, label, ok, stored);
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
  if (!Admit(key, client_ip, "apop", &resp)) return resp;
  Stored stored;
  if (!key.empty()) {
    auto loaded = Load(key);
    if (!loaded.ok()) {
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
  return Finish(key, client_ip, "apop", ok, stored);
}

}  // namespace tern::auth
