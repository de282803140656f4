#include "tern/smtp_protocol/auth.h"

#include <cstdint>

namespace tern::smtp_protocol {
SaslResponse ParseSaslResponse(std::string_view line) {
  if (line == "*") return {SaslResponse::kCancel, {}};
  auto decoded = DecodeBase64(line);
  if (!decoded) return {SaslResponse::kInvalid, {}};
  return {SaslResponse::kData, std::move(*decoded)};
}

}  // namespace tern::smtp_protocol
