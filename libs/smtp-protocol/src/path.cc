// RFC 5321 4.1.2 paths, with RFC 6531 UTF-8 in local parts and domains.
#include <cstring>

#include "grammar.h"
#include "tern/smtp_protocol/command.h"

namespace tern::smtp_protocol {
namespace {

bool IsAtext(unsigned char c) {
  return IsAlnum(c) || (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr);
}

// Snum 3("." Snum), Snum = 1*3DIGIT of value 0-255.
bool IsIpv4(std::string_view s) {
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
    size_t start = i;
    int value = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
    if (i == start || value > 255) return false;
  }
  return i == s.size();
}

// RFC 5321 IPv6-addr: 8 hex groups, or fewer with one "::", the last two groups optionally an
// IPv4 address. With "::" up to 7 explicit groups are taken (RFC 4291), one more than RFC 5321
// allows, because real clients write them.
bool IsIpv6(std::string_view s) {
  const size_t n = s.size();
  size_t i = 0, groups = 0;
  bool compressed = false;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
    if (i == n) return true;
  } else if (n == 0 || s[0] == ':') {
    return false;
  }
  for (;;) {
    size_t j = i;
    while (j < n && IsHexDigit(s[j])) ++j;
    if (j < n && s[j] == '.') {  // the IPv4 tail, two groups' worth
      if (!IsIpv4(s.substr(i))) return false;
      groups += 2;
      break;
    }
    if (j == i || j - i > 4) return false;
    ++groups;
    i = j;
    if (i == n) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < n && s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == n) break;
    } else if (i == n) {
      return false;
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

// The inside of "[...]": IPv4, "IPv6:" address, or General-address-literal (tag ":" dcontent).
bool IsAddressLiteral(std::string_view lit) {
  if (IsIpv4(lit)) return true;
  if (IStartsWith(lit, "IPv6:")) return IsIpv6(lit.substr(5));
  const size_t colon = lit.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == lit.size()) return false;
  for (size_t i = 0; i < colon; ++i) {
    if (!IsAlnum(lit[i]) && lit[i] != '-') return false;
  }
  if (lit[colon - 1] == '-') return false;
  for (size_t i = colon + 1; i < lit.size(); ++i) {
    const auto c = static_cast<unsigned char>(lit[i]);
    if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']') return false;
  }
  return true;
}

// Length of the domain at the start of `s` (labels of letters, digits, inner hyphens and, for
// RFC 6531 U-labels, UTF-8; at most 63 octets each, 255 in all), or 0 if there is none. Stops
// before the first octet that cannot continue it.
size_t DomainLength(std::string_view s, bool* utf8) {
  size_t i = 0;
  for (;;) {
    const size_t start = i;
    while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (IsAlnum(c) || c == '-') {
        ++i;
      } else if (c >= 0x80) {
        const size_t len = Utf8Length(s, i);
        if (len == 0) return 0;
        *utf8 = true;
        i += len;
      } else {
        break;
      }
    }
    if (i == start || i - start > 63 || s[start] == '-' || s[i - 1] == '-') return 0;
    if (i < s.size() && s[i] == '.') {
      ++i;
      continue;
    }
    return i <= 255 ? i : 0;
  }
}

bool IsDotString(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '.') {
      if (s[i + 1] == '.') return false;
    } else if (c >= 0x80) {
      const size_t len = Utf8Length(s, i);
      if (len == 0) return false;
      i += len - 1;
    } else if (!IsAtext(c)) {
      return false;
    }
  }
  return true;
}

size_t Fail(std::string* error, const char* reason) {
  *error = reason;
  return 0;
}

}  // namespace

std::string Path::Address() const {
  if (null()) return {};
  std::string out;
  if (IsDotString(local_part)) {
    out = local_part;
  } else {
    out.push_back('"');
    for (char c : local_part) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  if (!domain.empty()) {
    out.push_back('@');
    out += domain;
  }
  return out;
}

size_t ParsePath(std::string_view text, bool forward, Path* path, std::string* error) {
  const size_t n = text.size();
  if (n == 0 || text[0] != '<') return Fail(error, "the address must be in angle brackets");
  size_t i = 1;
  Path p;
  if (i < n && text[i] == '>') {
    if (forward) return Fail(error, "empty recipient address");
    *path = Path{};
    return 2;
  }
  if (i < n && text[i] == '@') {  // source route "@a,@b:" - checked, then ignored
    for (;;) {
      ++i;
      bool ignored = false;
      const size_t len = DomainLength(text.substr(i), &ignored);
      if (len == 0) return Fail(error, "invalid source route");
      i += len;
      if (i + 1 < n && text[i] == ',' && text[i + 1] == '@') {
        ++i;
        continue;
      }
      if (i < n && text[i] == ':') {
        ++i;
        break;
      }
      return Fail(error, "invalid source route");
    }
  }

  bool quoted = false;
  if (i < n && text[i] == '"') {
    quoted = true;
    ++i;
    for (;;) {
      if (i >= n) return Fail(error, "unterminated quoted local part");
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == '"') {
        ++i;
        break;
      }
      if (c == '\\') {
        if (i + 1 >= n || text[i + 1] < 32 || text[i + 1] > 126) {
          return Fail(error, "invalid backslash escape in the local part");
        }
        p.local_part.push_back(text[i + 1]);
        i += 2;
      } else if (c >= 32 && c <= 126) {
        p.local_part.push_back(static_cast<char>(c));
        ++i;
      } else if (c >= 0x80) {
        const size_t len = Utf8Length(text, i);
        if (len == 0) return Fail(error, "invalid UTF-8 in the local part");
        p.local_part.append(text.substr(i, len));
        p.utf8 = true;
        i += len;
      } else {
        return Fail(error, "invalid character in the local part");
      }
    }
  } else {
    const size_t start = i;
    bool need_atom = true;
    while (i < n) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (IsAtext(c)) {
        ++i;
        need_atom = false;
      } else if (c >= 0x80) {
        const size_t len = Utf8Length(text, i);
        if (len == 0) return Fail(error, "invalid UTF-8 in the local part");
        p.utf8 = true;
        i += len;
        need_atom = false;
      } else if (c == '.') {
        if (need_atom) return Fail(error, "misplaced '.' in the local part");
        need_atom = true;
        ++i;
      } else {
        break;
      }
    }
    if (i == start) {
      return Fail(error, i < n && text[i] == '@' ? "missing local part"
                                                 : "invalid character in the local part");
    }
    if (need_atom) return Fail(error, "misplaced '.' in the local part");
    p.local_part = text.substr(start, i - start);
  }

  if (i < n && text[i] == '>') {
    if (forward && !quoted && IEquals(p.local_part, "postmaster")) {
      *path = std::move(p);
      return i + 1;
    }
    return Fail(error, "missing '@domain'");
  }
  if (i >= n) return Fail(error, "missing '>'");
  if (text[i] != '@') return Fail(error, "invalid character in the local part");
  ++i;

  if (i < n && text[i] == '[') {
    const size_t close = text.find(']', i);
    if (close == std::string_view::npos) return Fail(error, "unterminated address literal");
    if (!IsAddressLiteral(text.substr(i + 1, close - i - 1))) {
      return Fail(error, "invalid address literal");
    }
    p.domain = text.substr(i, close - i + 1);
    i = close + 1;
  } else {
    const size_t len = DomainLength(text.substr(i), &p.utf8);
    if (len == 0) return Fail(error, "invalid domain");
    p.domain = text.substr(i, len);
    i += len;
  }
  if (i >= n) return Fail(error, "missing '>'");
  if (text[i] != '>') return Fail(error, "invalid character in the domain");
  *path = std::move(p);
  return i + 1;
}

}  // namespace tern::smtp_protocol
