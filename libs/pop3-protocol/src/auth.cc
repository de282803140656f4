#include "tern/pop3_protocol/auth.h"

#include <cstdint>
#include <utility>

namespace tern::pop3_protocol {
SaslResponse ParseSaslResponse(std::string_view line) {
  if (line == "*") return {SaslResponse::kCancel, {}};
  if (line == "=") return {SaslResponse::kData, {}};
  auto decoded = DecodeBase64(line);
  if (!decoded) return {SaslResponse::kInvalid, {}};
  return {SaslResponse::kData, std::move(*decoded)};
}

std::string SaslChallenge(std::string_view challenge) {
  std::string out = "+ ";
  out += EncodeBase64(challenge);
  out += "\r\n";
  return out;
}

}  // namespace tern::pop3_protocol
