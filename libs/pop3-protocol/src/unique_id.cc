#include "tern/pop3_protocol/unique_id.h"

namespace tern::pop3_protocol {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendHex32(uint32_t v, std::string* out) {
  for (int shift = 28; shift >= 0; shift -= 4) out->push_back(kHex[(v >> shift) & 0xF]);
}

// 8 lower-case hex digits; false on anything else.
bool ParseHex32(std::string_view s, uint32_t* out) {
  uint32_t v = 0;
  for (char c : s) {
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else {
      return false;
    }
    v = (v << 4) | d;
  }
  *out = v;
  return true;
}

}  // namespace

std::string MakeUniqueId(uint32_t uidvalidity, uint32_t uid) {
  std::string out;
  out.reserve(16);
  AppendHex32(uidvalidity, &out);
  AppendHex32(uid, &out);
  return out;
}

std::optional<UniqueIdParts> ParseUniqueId(std::string_view id) {
  UniqueIdParts parts;
  if (id.size() != 16 || !ParseHex32(id.substr(0, 8), &parts.uidvalidity) ||
      !ParseHex32(id.substr(8), &parts.uid)) {
    return std::nullopt;
  }
  return parts;
}

}  // namespace tern::pop3_protocol
