// Commands of any state and of the not-authenticated state: CAPABILITY, NOOP, LOGOUT,
// STARTTLS, LOGIN, AUTHENTICATE (PLAIN, LOGIN; SASL-IR), ID, ENABLE, NAMESPACE, and the
// answer to an unknown command.
#include <algorithm>

#include "../session.h"
#include "tern/sasl/base64.h"
#include "tern/sasl/sasl.h"

namespace tern::imap_gateway {

namespace {
constexpr const char* kBase =
    "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT SPECIAL-USE "
    "CHILDREN";
}

std::string Session::Capabilities() const {
  std::string caps = kBase;
  if (state_ == State::kNotAuthenticated) {
    if (conn_->tls_available() && !conn_->tls()) caps += " STARTTLS";
    if (PlaintextLoginAllowed()) {
      caps += " AUTH=PLAIN AUTH=LOGIN";
    } else {
      caps += " LOGINDISABLED";
    }
  }
  return caps;
}

awaitable<bool> Session::OnCapability(ip::Command&) {
  Untagged("CAPABILITY " + Capabilities());
  Ok("Capability completed");
  co_return true;
}

awaitable<bool> Session::OnNoop(ip::Command&) {
  bool ok = co_await Sync(true, true);
  Ok("NOOP completed");
  co_return ok;
}

awaitable<bool> Session::OnLogout(ip::Command&) {
  Untagged("BYE Logging out");
  Ok("LOGOUT completed");
  out_ += tagged_;
  tagged_.clear();
  state_ = State::kLogout;
  co_return false;
}

awaitable<bool> Session::OnStartTls(ip::Command&) {
  if (conn_->tls()) {
    Bad("TLS is already active");
    co_return true;
  }
  if (!conn_->tls_available()) {
    No("TLS is not available");
    co_return true;
  }
  Ok("Begin TLS negotiation now");
  out_ += tagged_;  // before the handshake, not after
  tagged_.clear();
  upgrade_ = true;
  co_return true;
}

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

awaitable<bool> Session::OnAuthenticate(ip::Command& cmd) {
  auto& c = std::get<ip::Authenticate>(cmd);
  const sasl::Mechanism mech = sasl::ParseMechanism(c.mechanism);
  if (mech == sasl::Mechanism::kUnknown) {
    No("Unsupported authentication mechanism", "CANNOT");
    co_return true;
  }
  if (!PlaintextLoginAllowed()) {
    No("Plaintext authentication is disabled: use STARTTLS first", "PRIVACYREQUIRED");
    co_return true;
  }
  std::vector<std::string> responses;
  if (c.initial) {
    auto d = sasl::DecodeBase64(*c.initial);
    if (!d) {
      Bad("Invalid base64 in the initial response");
      co_return true;
    }
    responses.push_back(std::move(*d));
  }
  for (;;) {
    sasl::Step step = sasl::Next(mech, responses);
    if (step.kind == sasl::Step::kDone) break;
    if (step.kind == sasl::Step::kMalformed) {
      No("Malformed authentication exchange", "AUTHENTICATIONFAILED");
      co_return true;
    }
    out_ += "+ " + sasl::EncodeBase64(step.challenge) + "\r\n";
    ip::CommandReader::Result line;
    for (;;) {
      line = reader_.NextLine();
      if (line.kind != ip::CommandReader::Result::kNeedMore) break;
      if (!co_await Fill()) co_return false;
    }
    conn_->LineDone();
    if (line.kind == ip::CommandReader::Result::kTooLong) {
      Bad("Response line too long");
      co_return true;
    }
    if (line.command == "*") {
      Bad("Authentication cancelled");
      co_return true;
    }
    auto d = sasl::DecodeBase64(line.command);
    if (!d) {
      Bad("Invalid base64 in the response");
      co_return true;
    }
    responses.push_back(std::move(*d));
  }
  const std::string name = mech == sasl::Mechanism::kPlain ? "PLAIN" : "LOGIN";
  bool ok = co_await Login(name, std::move(responses));
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
  Ok("Logged in", std::string("CAPABILITY ") + kBase);
  co_return true;
}

awaitable<bool> Session::OnId(ip::Command&) {
  Untagged("ID (\"name\" \"Tern\" \"vendor\" \"Tern\" \"support-url\" \"https://github.com/tern-mail\")");
  Ok("ID completed");
  co_return true;
}

awaitable<bool> Session::OnEnable(ip::Command&) {
  // None of the ENABLE-able extensions (CONDSTORE, QRESYNC, UTF8=ACCEPT) is advertised: per
  // RFC 5161 the ones not supported are just left out of the ENABLED response.
  Untagged("ENABLED");
  Ok("ENABLE completed");
  co_return true;
}

awaitable<bool> Session::OnNamespace(ip::Command&) {
  Untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
  Ok("NAMESPACE completed");
  co_return true;
}

awaitable<bool> Session::OnUnknown(ip::Command&) {
  Bad("Unknown command");
  co_return true;
}

}  // namespace tern::imap_gateway
