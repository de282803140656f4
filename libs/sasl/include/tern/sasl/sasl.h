// SASL PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login) as pure functions: bytes in,
// credentials or the next challenge out. No I/O; base64 is the caller's business (the wire
// protocols differ in how they carry it).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sasl {

struct Credentials {
  std::string authzid;   // empty: act as authcid
  std::string authcid;   // the login name
  std::string password;
};

// Each field is at most this long; longer input is malformed.
inline constexpr size_t kMaxField = 1024;

// Parses "authzid NUL authcid NUL passwd". nullopt when malformed: wrong number of NULs, empty
// authcid or password, a field over kMaxField.
std::optional<Credentials> ParsePlain(std::string_view message);

enum class Mechanism { kPlain, kLogin, kUnknown };
// Case-insensitive mechanism name.
Mechanism ParseMechanism(std::string_view name);

// The state of an exchange given every client response so far (stateless on the server side).
struct Step {
  enum Kind { kChallenge, kDone, kMalformed } kind;
  std::string challenge;   // kChallenge: bytes to send (before base64)
  Credentials credentials; // kDone
};
// PLAIN: no responses -> empty challenge; one -> parsed. LOGIN: "Username:" then "Password:".
// More responses than the mechanism takes are malformed.
Step Next(Mechanism mechanism, const std::vector<std::string>& responses);

}  // namespace tern::sasl
