// Character classes and small helpers shared by the parsers (ASCII only, locale-independent).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tern::pop3_protocol {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
inline bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
inline bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}
// A control character (C0 or DEL).
inline bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}
// Printable ASCII, space excluded (0x21-0x7E).
inline bool IsVisible(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7E;
}

inline char ToUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }
inline char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

inline std::string Upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = ToUpper(c);
  return u;
}

// ASCII case-insensitive equality.
inline bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToUpper(a[i]) != ToUpper(b[i])) return false;
  }
  return true;
}

// Appends `text` with anything that is not printable ASCII (HTAB allowed) replaced by '?', so
// that no caller-supplied text can break the line framing.
inline void AppendSanitized(std::string_view text, std::string* out) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out->push_back((u >= 0x20 && u < 0x7F) || c == '\t' ? c : '?');
  }
}

// Appends the decimal form of `n`.
inline void AppendDecimal(unsigned long long n, std::string* out) {
  char buf[20];
  size_t len = 0;
  do {
    buf[len++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  while (len > 0) out->push_back(buf[--len]);
}

// Longest unique-id (RFC 1939 7: 1 to 70 characters in 0x21-0x7E).
inline constexpr size_t kMaxUniqueId = 70;

// Appends a unique-id: octets outside 0x21-0x7E become '?', cut to kMaxUniqueId, "?" if empty.
inline void AppendUniqueId(std::string_view id, std::string* out) {
  if (id.empty()) id = "?";
  if (id.size() > kMaxUniqueId) id = id.substr(0, kMaxUniqueId);
  for (char c : id) out->push_back(IsVisible(c) ? c : '?');
}

}  // namespace tern::pop3_protocol
