// LOGIN (RFC 3501 6.2.3), and the login through auth that AUTHENTICATE shares.
#include <algorithm>

#include "../session.h"

namespace tern::imap_gateway {

awaitable<bool> Session::OnLogin(ip::Command& cmd) {
  auto& c = std::get<ip::Login>(cmd);
  if (!PlaintextLoginAllowed()) {
    No("Plaintext login is disabled: use STARTTLS first", "PRIVACYREQUIRED");
    co_return true;
  }
  std::string plain;
  plain += '\0';
  plain += c.user;
  plain += '\0';
  plain += c.password;
  const std::string mechanism = "PLAIN";
  std::vector<std::string> responses;
  responses.push_back(std::move(plain));
  bool ok = co_await Login(mechanism, std::move(responses));
  co_return ok;
}

awaitable<bool> Session::Login(const std::string& mechanism, std::vector<std::string> responses) {
  auto& auth = env_.auth;
  auto call = [&auth, &mechanism, &responses, ip = conn_->peer().to_string()](auto done) {
    auth.AuthenticateAsync(mechanism, responses, ip, std::move(done));
  };
  auto r = co_await Await<absl::StatusOr<auth::v1::AuthenticateResponse>>(call);
  using A = auth::v1::AuthenticateResponse;
  const std::string label = mechanism == "LOGIN" ? "login" : "plain";
  if (!r.ok()) {
    env_.probe.Auth(label, "unavailable");
    Fail(Call::kAuthenticate, r.status());
    co_return true;
  }
  if (r->result() == A::THROTTLED) {
    env_.probe.Auth(label, "throttled");
    No("Too many failed logins, try again later", "UNAVAILABLE");
    co_return true;
  }
  if (r->result() != A::OK) {
    env_.probe.Auth(label, "failed");
    co_await net::Pause(absl::Milliseconds(std::min<uint64_t>(r->retry_after_ms(), 2000)));
    No("Invalid credentials", "AUTHENTICATIONFAILED");
    co_return true;
  }
  env_.probe.Auth(label, "ok");
  account_ = r->account();
  state_ = State::kAuthenticated;
  Subscribe();
  log::Info("imap login", {{"user", account_}}, &lc_);
  Ok("Logged in", "CAPABILITY " + Capabilities());
  co_return true;
}

}  // namespace tern::imap_gateway
