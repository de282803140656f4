#include "tern/pop3_protocol/auth.h"

#include <cstdint>
#include <utility>

namespace tern::pop3_protocol {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of a base64 character, or -1.
int Sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

uint32_t Octet(std::string_view s, size_t i) { return static_cast<unsigned char>(s[i]); }

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool final_quad = i + 4 == text.size();
    uint32_t n = 0;
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      n <<= 6;
      if (c == '=' && final_quad && k >= 2) {
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      const int v = Sextet(c);
      if (v < 0) return std::nullopt;
      n |= static_cast<uint32_t>(v);
    }
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xFF));
  }
  return out;
}

std::string EncodeBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (Octet(bytes, i) << 16) | (Octet(bytes, i + 1) << 8) | Octet(bytes, i + 2);
    out.push_back(kAlphabet[n >> 18]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = Octet(bytes, i) << 16;
    if (rest == 2) n |= Octet(bytes, i + 1) << 8;
    out.push_back(kAlphabet[n >> 18]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

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
