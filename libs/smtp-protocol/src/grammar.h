// The shared grammar of the line protocols (tern/line_protocol/grammar.h) and what only SMTP
// needs (ASCII only, locale-independent).
#pragma once

#include <cstddef>
#include <string_view>

#include "tern/line_protocol/grammar.h"

namespace tern::smtp_protocol {

using line_protocol::AppendSanitized;
using line_protocol::IEquals;
using line_protocol::IsAlnum;
using line_protocol::IsControl;
using line_protocol::IsDigit;
using line_protocol::IsHexDigit;
using line_protocol::IStartsWith;
using line_protocol::NextToken;
using line_protocol::SkipSpaces;
using line_protocol::SplitVerb;
using line_protocol::TrimTrailingBlanks;
using line_protocol::Upper;
using line_protocol::VerbAndArgs;

// Octets of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF), or 0. An ASCII octet gives 1.
inline size_t Utf8Length(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> unsigned { return static_cast<unsigned char>(s[k]); };
  const unsigned c = at(i);
  if (c < 0x80) return 1;
  size_t len;
  unsigned lo = 0x80, hi = 0xBF;  // bounds of the second octet
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  }
  return len;
}

}  // namespace tern::smtp_protocol
