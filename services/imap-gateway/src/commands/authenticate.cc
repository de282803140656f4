// AUTHENTICATE (RFC 3501 6.2.2): PLAIN and LOGIN, with SASL-IR (RFC 4959).

#include "../session.h"
#include "tern/sasl/base64.h"
#include "tern/sasl/sasl.h"

namespace tern::imap_gateway {

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

}  // namespace tern::imap_gateway
