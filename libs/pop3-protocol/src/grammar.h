// The shared grammar of the line protocols (tern/line_protocol/grammar.h) and what only POP3
// needs (ASCII only, locale-independent).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tern/line_protocol/grammar.h"

namespace tern::pop3_protocol {

using line_protocol::AppendSanitized;
using line_protocol::IEquals;
using line_protocol::IsAlnum;
using line_protocol::IsControl;
using line_protocol::IsDigit;
using line_protocol::IsHexDigit;
using line_protocol::IStartsWith;
using line_protocol::IsVisible;
using line_protocol::NextToken;
using line_protocol::SkipSpaces;
using line_protocol::SplitVerb;
using line_protocol::ToLower;
using line_protocol::TrimTrailingBlanks;
using line_protocol::Upper;
using line_protocol::VerbAndArgs;

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
