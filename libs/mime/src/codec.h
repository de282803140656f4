// Internal: streaming transfer decoders and the few charset conversions the parser knows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::mime::internal {

// The charsets we convert to UTF-8. kPassThrough covers utf-8, us-ascii and every unknown
// charset (whose bytes are kept as they are).
enum class Charset { kPassThrough, kLatin1, kWindows1252 };

// Classifies a charset name (case-insensitive, an RFC 2231 "*language" suffix ignored).
// `known` tells whether the name is one we convert or pass through knowingly (utf-8, us-ascii,
// iso-8859-1, windows-1252 and their common aliases).
Charset ClassifyCharset(std::string_view name, bool* known = nullptr);

// Appends `in`, converted from `cs` to UTF-8, to `out`.
void AppendAsUtf8(Charset cs, std::string_view in, std::string* out);

// Streaming quoted-printable decoder: output is independent of how the input is split.
class QpDecoder {
 public:
  void Feed(std::string_view in, std::string* out);
  void Finish(std::string* out);

 private:
  // Decodes from `in`; returns how many bytes were consumed (the rest is an undecided tail).
  size_t Decode(std::string_view in, bool final, std::string* out);
  std::string carry_;  // undecided tail ("=", "=4", "=  "), bounded by kMaxCarry
};

// Streaming base64 decoder: ignores anything outside the alphabet; "=" ends a quantum.
class Base64Decoder {
 public:
  void Feed(std::string_view in, std::string* out);

 private:
  uint32_t acc_ = 0;
  int bits_ = 0;
};

// Appends the RFC 2231 / URL percent-decoding of `in` to `out` (malformed escapes kept).
void AppendPercentDecoded(std::string_view in, std::string* out);

// True for space and horizontal tab.
inline bool IsWsp(char c) { return c == ' ' || c == '\t'; }

// ASCII lower-casing.
inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Trims spaces, tabs, CR and LF on both ends.
std::string_view TrimWs(std::string_view s);

}  // namespace tern::mime::internal
