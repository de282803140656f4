// Name validation, LIST pattern matching and text sanitising for the store.
#include <algorithm>
#include <cctype>
#include <vector>

#include "store.h"

namespace tern::storage {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid (overlong
// two-byte forms and bytes above F4 are refused; good enough for names and search text).
size_t Utf8SeqLen(const std::string& s, size_t i) {
  unsigned char c = s[i];
  size_t n = c < 0x80 ? 1 : (c >= 0xc2 && c < 0xe0) ? 2 : (c >> 4) == 14 ? 3
           : (c >= 0xf0 && c < 0xf5) ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return 0;
  }
  return n;
}

bool ValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SeqLen(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

absl::StatusOr<std::string> NormalizeAccount(const std::string& account) {
  if (account.empty()) return absl::InvalidArgumentError("account: empty");
  if (account.size() > 320) return absl::InvalidArgumentError("account: longer than 320 bytes");
  std::string out;
  out.reserve(account.size());
  for (unsigned char c : account) {
    if (c <= 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("account: contains spaces or control characters");
    }
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  if (!ValidUtf8(out)) return absl::InvalidArgumentError("account: not UTF-8");
  return out;
}

absl::StatusOr<std::string> NormalizeOutboundAddress(const std::string& address) {
  if (address.size() > 320) return absl::InvalidArgumentError("outbound: longer than 320 bytes");
  for (unsigned char c : address) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("outbound: control characters in an address");
    }
  }
  if (!ValidUtf8(address)) return absl::InvalidArgumentError("outbound: not UTF-8");
  const size_t at = address.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == address.size()) {
    return absl::InvalidArgumentError("outbound: not an address: " + address);
  }
  // RFC 5321 2.4: the local part is the receiving side's business; only the domain is folded.
  std::string out = address;
  for (size_t i = at + 1; i < out.size(); ++i) {
    out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
  }
  return out;
}

absl::StatusOr<std::string> NormalizeMailbox(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("mailbox name: empty");
  if (name.size() > 1000) return absl::InvalidArgumentError("mailbox name: longer than 1000 bytes");
  if (!ValidUtf8(name)) return absl::InvalidArgumentError("mailbox name: not UTF-8");
  size_t level = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = name[i];
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("mailbox name: control character");
    }
    if (c == '*' || c == '%') return absl::InvalidArgumentError("mailbox name: contains * or %");
    if (c == '/') {
      if (level == 0) return absl::InvalidArgumentError("mailbox name: empty hierarchy level");
      level = 0;
    } else if (++level > 255) {
      return absl::InvalidArgumentError("mailbox name: a level is longer than 255 bytes");
    }
  }
  if (level == 0) return absl::InvalidArgumentError("mailbox name: ends with the delimiter");
  std::string first = name.substr(0, name.find('/'));
  if (EqualsIgnoreCase(first, "INBOX")) return "INBOX" + name.substr(first.size());
  return name;
}

bool MatchPattern(const std::string& pattern, const std::string& name) {
  // Dynamic programming over (pattern position, name position): linear memory, no recursion.
  const size_t n = name.size();
  std::vector<char> cur(n + 1, 0), next(n + 1, 0);
  cur[0] = 1;
  for (char p : pattern) {
    std::fill(next.begin(), next.end(), 0);
    if (p == '*' || p == '%') {
      bool reach = false;
      for (size_t j = 0; j <= n; ++j) {
        if (cur[j]) reach = true;
        if (reach) next[j] = 1;
        if (p == '%' && j < n && name[j] == '/') reach = false;
      }
    } else {
      for (size_t j = 0; j < n; ++j) {
        if (cur[j] && name[j] == p) next[j + 1] = 1;
      }
    }
    std::swap(cur, next);
  }
  return cur[n];
}

std::string SanitizeUtf8(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    // Runs of ASCII other than NUL, most of a message, are copied at once.
    size_t ascii = i;
    while (ascii < in.size() && static_cast<unsigned char>(in[ascii]) - 1u < 0x7fu) ++ascii;
    if (ascii > i) {
      out.append(in, i, ascii - i);
      i = ascii;
      continue;
    }
    if (in[i] == '\0') {
      ++i;
      continue;
    }
    size_t n = Utf8SeqLen(in, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(in, i, n);
    i += n;
  }
  return out;
}

}  // namespace tern::storage
