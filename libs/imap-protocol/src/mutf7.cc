// Modified UTF-7 (RFC 3501 section 5.1.3) to and from UTF-8, strict on decode.
#include "tern/imap_protocol/mutf7.h"

#include <cstdint>

namespace tern::imap_protocol {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// One code point of UTF-8 at s[*i]; an invalid sequence gives U+FFFD and skips one octet.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  size_t len = 0;
  uint32_t cp = 0, min = 0;
  if (b0 < 0x80) {
    ++*i;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++*i;
    return 0xFFFD;
  }
  if (s.size() - *i < len) {
    ++*i;
    return 0xFFFD;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + k]);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return 0xFFFD;
  }
  *i += len;
  return cp;
}

// Decodes one base64 run (between "&" and "-") into UTF-8; false when it is not valid.
bool DecodeRun(std::string_view run, std::string* out) {
  uint32_t bits = 0;
  int nbits = 0;
  uint32_t high = 0;  // a pending high surrogate
  for (char c : run) {
    const int v = B64Value(c);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits < 16) continue;
    nbits -= 16;
    const uint32_t unit = (bits >> nbits) & 0xFFFF;
    bits &= (1u << nbits) - 1;
    if (high != 0) {
      if (unit < 0xDC00 || unit > 0xDFFF) return false;
      AppendUtf8(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00), out);
      high = 0;
    } else if (unit >= 0xD800 && unit <= 0xDBFF) {
      high = unit;
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return false;
    } else if (unit == 0 || (unit >= 0x20 && unit <= 0x7E)) {
      return false;  // printable ASCII (and "&") must stand for itself; no NUL
    } else {
      AppendUtf8(unit, out);
    }
  }
  // Leftover bits are padding: fewer than 6 and all zero.
  return high == 0 && nbits < 6 && bits == 0;
}

}  // namespace

std::optional<std::string> DecodeMailboxName(std::string_view mutf7) {
  std::string out;
  size_t i = 0;
  size_t run_end = std::string_view::npos;  // just after the last base64 run's "-"
  while (i < mutf7.size()) {
    const char c = mutf7[i];
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E) return std::nullopt;
    if (c != '&') {
      out.push_back(c);
      ++i;
      continue;
    }
    const size_t end = mutf7.find('-', i + 1);
    if (end == std::string_view::npos) return std::nullopt;
    if (end == i + 1) {
      out.push_back('&');
    } else {
      // "-&" between two runs is a null shift: the two runs must have been one.
      if (i == run_end) return std::nullopt;
      if (!DecodeRun(mutf7.substr(i + 1, end - i - 1), &out)) return std::nullopt;
      run_end = end + 1;
    }
    i = end + 1;
  }
  return out;
}

std::string EncodeMailboxName(std::string_view utf8) {
  std::string out;
  uint32_t bits = 0;
  int nbits = 0;
  bool in_run = false;
  auto put_unit = [&](uint32_t unit) {
    bits = (bits << 16) | unit;
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out.push_back(kAlphabet[(bits >> nbits) & 0x3F]);
    }
    bits &= (1u << nbits) - 1;
  };
  auto close_run = [&]() {
    if (nbits > 0) out.push_back(kAlphabet[(bits << (6 - nbits)) & 0x3F]);
    out.push_back('-');
    bits = 0;
    nbits = 0;
    in_run = false;
  };
  size_t i = 0;
  while (i < utf8.size()) {
    uint32_t cp = NextCodePoint(utf8, &i);
    if (cp == 0) cp = 0xFFFD;  // a NUL is no part of a name: never send "&AAA-"
    if (cp >= 0x20 && cp <= 0x7E) {
      if (in_run) close_run();
      out.push_back(static_cast<char>(cp));
      if (cp == '&') out.push_back('-');
      continue;
    }
    if (!in_run) {
      out.push_back('&');
      in_run = true;
    }
    if (cp >= 0x10000) {
      const uint32_t v = cp - 0x10000;
      put_unit(0xD800 + (v >> 10));
      put_unit(0xDC00 + (v & 0x3FF));
    } else {
      put_unit(cp);
    }
  }
  if (in_run) close_run();
  return out;
}

}  // namespace tern::imap_protocol
