#include "tern/sasl/sasl.h"

#include <cctype>

namespace tern::sasl {

std::optional<Credentials> ParsePlain(std::string_view message) {
  size_t a = message.find('\0');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = message.find('\0', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  if (message.find('\0', b + 1) != std::string_view::npos) return std::nullopt;
  Credentials c;
  c.authzid = message.substr(0, a);
  c.authcid = message.substr(a + 1, b - a - 1);
  c.password = message.substr(b + 1);
  if (c.authcid.empty() || c.password.empty()) return std::nullopt;
  if (c.authzid.size() > kMaxField || c.authcid.size() > kMaxField ||
      c.password.size() > kMaxField) {
    return std::nullopt;
  }
  return c;
}

Mechanism ParseMechanism(std::string_view name) {
  auto eq = [&](std::string_view want) {
    if (name.size() != want.size()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(name[i])) != want[i]) return false;
    }
    return true;
  };
  if (eq("PLAIN")) return Mechanism::kPlain;
  if (eq("LOGIN")) return Mechanism::kLogin;
  return Mechanism::kUnknown;
}

Step Next(Mechanism mechanism, const std::vector<std::string>& responses) {
  switch (mechanism) {
    case Mechanism::kPlain: {
      if (responses.empty()) return {Step::kChallenge, "", {}};
      if (responses.size() > 1) return {Step::kMalformed, "", {}};
      auto c = ParsePlain(responses[0]);
      if (!c) return {Step::kMalformed, "", {}};
      return {Step::kDone, "", std::move(*c)};
    }
    case Mechanism::kLogin: {
      if (responses.empty()) return {Step::kChallenge, "Username:", {}};
      if (responses.size() == 1) {
        if (responses[0].empty() || responses[0].size() > kMaxField) {
          return {Step::kMalformed, "", {}};
        }
        return {Step::kChallenge, "Password:", {}};
      }
      if (responses.size() > 2 || responses[1].empty() || responses[1].size() > kMaxField) {
        return {Step::kMalformed, "", {}};
      }
      Step s{Step::kDone, "", {}};
      s.credentials.authcid = responses[0];
      s.credentials.password = responses[1];
      return s;
    }
    case Mechanism::kUnknown:
      break;
  }
  return {Step::kMalformed, "", {}};
}

}  // namespace tern::sasl
