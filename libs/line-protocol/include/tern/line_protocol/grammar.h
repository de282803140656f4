// The grammar the line-based text protocols share (SMTP, POP3): ASCII character classes,
// case-insensitive comparison, splitting a command line into its verb and arguments, and text
// made safe for a reply line. ASCII only and locale-independent: octets 0x80-0xFF are in no
// class and are never changed by the case mappings.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace tern::line_protocol {

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

// `s` starts with `prefix`, ASCII case-insensitively.
inline bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

// Removes the leading spaces (not tabs) of `*s`.
inline void SkipSpaces(std::string_view* s) {
  while (!s->empty() && s->front() == ' ') s->remove_prefix(1);
}

// Removes the trailing spaces and tabs of `*s` (clients and people typing leave them).
inline void TrimTrailingBlanks(std::string_view* s) {
  while (!s->empty() && (s->back() == ' ' || s->back() == '\t')) s->remove_suffix(1);
}

// The next space-separated token of `*rest` ("" at the end); `*rest` moves past it.
inline std::string_view NextToken(std::string_view* rest) {
  SkipSpaces(rest);
  const size_t end = std::min(rest->find(' '), rest->size());
  std::string_view token = rest->substr(0, end);
  rest->remove_prefix(end);
  return token;
}

// A command line cut at its first space: the verb (SMTP) or keyword (POP3), to be compared
// with IEquals, and the arguments with their leading spaces removed ("" when there are none).
struct VerbAndArgs {
  std::string_view verb;
  std::string_view args;
};
inline VerbAndArgs SplitVerb(std::string_view line) {
  const size_t sp = line.find(' ');
  std::string_view args = sp == std::string_view::npos ? std::string_view() : line.substr(sp);
  SkipSpaces(&args);
  return {line.substr(0, sp), args};
}

// Appends `text` with anything that is not printable ASCII (HTAB allowed) replaced by '?', so
// that no caller-supplied text can break the line framing of a reply.
inline void AppendSanitized(std::string_view text, std::string* out) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out->push_back((u >= 0x20 && u < 0x7F) || c == '\t' ? c : '?');
  }
}

}  // namespace tern::line_protocol
