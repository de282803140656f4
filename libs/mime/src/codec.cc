#include "codec.h"

#include <array>

#include "tern/mime/mime.h"

namespace tern::mime::internal {
namespace {

// Whitespace allowed between a "=" and the line break of a soft line break before we give up
// and treat the "=" literally (keeps the carry bounded).
constexpr size_t kMaxCarry = 128;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Base64 alphabet value of each byte; -1 for everything else.
constexpr std::array<int8_t, 256> MakeBase64Table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<int8_t>(i);
    t['a' + i] = static_cast<int8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<int8_t>(52 + i);
  t['+'] = 62;
  t['/'] = 63;
  return t;
}
constexpr std::array<int8_t, 256> kBase64 = MakeBase64Table();

// windows-1252 code points for 0x80..0x9F (0 = undefined, mapped to U+FFFD).
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void AppendCodePoint(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string ToLower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = Lower(c);
  return r;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view TrimWs(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

Charset ClassifyCharset(std::string_view name, bool* known) {
  size_t star = name.find('*');
  if (star != std::string_view::npos) name = name.substr(0, star);
  name = TrimWs(name);
  static constexpr std::string_view kPass[] = {"utf-8", "utf8", "us-ascii", "ascii", ""};
  static constexpr std::string_view kLatin1[] = {"iso-8859-1", "iso8859-1", "latin1", "iso_8859-1",
                                                 "l1"};
  static constexpr std::string_view kCp1252[] = {"windows-1252", "cp1252"};
  if (known != nullptr) *known = true;
  for (auto n : kPass) {
    if (EqualsIgnoreCase(name, n)) return Charset::kPassThrough;
  }
  for (auto n : kLatin1) {
    if (EqualsIgnoreCase(name, n)) return Charset::kLatin1;
  }
  for (auto n : kCp1252) {
    if (EqualsIgnoreCase(name, n)) return Charset::kWindows1252;
  }
  if (known != nullptr) *known = false;
  return Charset::kPassThrough;
}

void AppendAsUtf8(Charset cs, std::string_view in, std::string* out) {
  if (cs == Charset::kPassThrough) {
    out->append(in);
    return;
  }
  for (char ch : in) {
    auto b = static_cast<unsigned char>(ch);
    if (b < 0x80) {
      out->push_back(ch);
    } else if (cs == Charset::kWindows1252 && b < 0xA0) {
      uint16_t cp = kCp1252High[b - 0x80];
      AppendCodePoint(cp == 0 ? 0xFFFD : cp, out);
    } else {
      AppendCodePoint(b, out);
    }
  }
}

void QpDecoder::Feed(std::string_view in, std::string* out) {
  if (carry_.empty()) {
    size_t used = Decode(in, false, out);
    carry_.assign(in.substr(used));
    return;
  }
  // Only the short undecided tail is copied, never the whole input.
  size_t take = std::min(in.size(), kMaxCarry + 4);
  std::string joined = carry_ + std::string(in.substr(0, take));
  size_t used = Decode(joined, false, out);
  if (used >= carry_.size()) {
    size_t from_in = used - carry_.size();
    carry_.clear();
    Feed(in.substr(from_in), out);
  } else {
    // Still undecided even with more input: only possible when `in` was short.
    carry_ = joined.substr(used);
  }
}

void QpDecoder::Finish(std::string* out) {
  if (!carry_.empty()) Decode(carry_, true, out);
  carry_.clear();
}

size_t QpDecoder::Decode(std::string_view in, bool final, std::string* out) {
  size_t i = 0;
  const size_t n = in.size();
  while (i < n) {
    // Copy the run up to the next '=' in one go.
    size_t eq = in.find('=', i);
    if (eq == std::string_view::npos) {
      out->append(in.substr(i));
      return n;
    }
    out->append(in.substr(i, eq - i));
    i = eq;
    if (i + 1 >= n) {
      if (!final) return i;
      return n;  // a trailing "=" is a soft break whose line break belongs to a boundary
    }
    char a = in[i + 1];
    int hi = HexValue(a);
    if (hi >= 0) {
      if (i + 2 >= n) {
        if (!final) return i;
        out->append(in.substr(i));
        return n;
      }
      int lo = HexValue(in[i + 2]);
      if (lo >= 0) {
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 3;
      } else {
        out->push_back('=');
        i += 1;
      }
      continue;
    }
    if (a == '\r' || a == '\n' || IsWsp(a)) {
      size_t j = i + 1;
      while (j < n && IsWsp(in[j]) && j - i <= kMaxCarry) ++j;
      if (j - i > kMaxCarry) {  // absurd whitespace run: not a soft break
        out->push_back('=');
        i += 1;
        continue;
      }
      if (j >= n) {
        if (!final) return i;
        return n;  // "=" + whitespace at the very end: soft break
      }
      if (in[j] == '\n') {
        i = j + 1;
        continue;
      }
      if (in[j] == '\r') {
        if (j + 1 >= n) {
          if (!final) return i;
          return n;
        }
        if (in[j + 1] == '\n') {
          i = j + 2;
          continue;
        }
      }
      out->push_back('=');
      i += 1;
      continue;
    }
    out->push_back('=');
    i += 1;
  }
  return n;
}

void Base64Decoder::Feed(std::string_view in, std::string* out) {
  for (char ch : in) {
    int v = kBase64[static_cast<unsigned char>(ch)];
    if (v < 0) {
      if (ch == '=') {
        acc_ = 0;
        bits_ = 0;
      }
      continue;
    }
    acc_ = (acc_ << 6) | static_cast<uint32_t>(v);
    bits_ += 6;
    if (bits_ >= 8) {
      bits_ -= 8;
      out->push_back(static_cast<char>((acc_ >> bits_) & 0xFF));
    }
    acc_ &= (1u << bits_) - 1;
  }
}

void AppendPercentDecoded(std::string_view in, std::string* out) {
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out->push_back(in[i]);
  }
}

}  // namespace tern::mime::internal

namespace tern::mime {

using internal::Charset;

std::string DecodeQuotedPrintable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  internal::QpDecoder d;
  d.Feed(in, &out);
  d.Finish(&out);
  return out;
}

std::string DecodeBase64(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3 + 3);
  internal::Base64Decoder d;
  d.Feed(in, &out);
  return out;
}

namespace {

// Tries to decode one encoded-word starting at `in[pos]` ("=?"). On success appends the decoded
// bytes (still in their charset) to `bytes`, sets `charset` and returns the position after "?=".
// Returns npos when this is not a well-formed encoded-word. Scans only up to the next '?'s, so
// the whole decode stays linear.
size_t TryEncodedWord(std::string_view in, size_t pos, std::string* charset, std::string* bytes) {
  size_t cs_start = pos + 2;
  size_t q1 = in.find('?', cs_start);
  if (q1 == std::string_view::npos || q1 == cs_start || q1 - cs_start > 64) {
    return std::string_view::npos;
  }
  for (size_t k = cs_start; k < q1; ++k) {
    unsigned char c = static_cast<unsigned char>(in[k]);
    if (c <= ' ' || c >= 0x7F || c == '=') return std::string_view::npos;
  }
  if (q1 + 2 >= in.size() || in[q1 + 2] != '?') return std::string_view::npos;
  char enc = internal::Lower(in[q1 + 1]);
  if (enc != 'b' && enc != 'q') return std::string_view::npos;
  size_t text_start = q1 + 3;
  size_t k = text_start;
  while (k < in.size() && in[k] != '?') {
    unsigned char c = static_cast<unsigned char>(in[k]);
    if (c <= ' ' || c == 0x7F) return std::string_view::npos;
    ++k;
  }
  if (k + 1 >= in.size() || in[k + 1] != '=') return std::string_view::npos;
  std::string_view text = in.substr(text_start, k - text_start);
  charset->assign(in.substr(cs_start, q1 - cs_start));
  if (enc == 'b') {
    internal::Base64Decoder d;
    d.Feed(text, bytes);
  } else {
    for (size_t t = 0; t < text.size(); ++t) {
      char c = text[t];
      if (c == '_') {
        bytes->push_back(' ');
      } else if (c == '=' && t + 2 < text.size()) {
        int hi = internal::Lower(text[t + 1]);
        int lo = internal::Lower(text[t + 2]);
        auto hex = [](int ch) {
          if (ch >= '0' && ch <= '9') return ch - '0';
          if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
          return -1;
        };
        if (hex(hi) >= 0 && hex(lo) >= 0) {
          bytes->push_back(static_cast<char>(hex(hi) * 16 + hex(lo)));
          t += 2;
        } else {
          bytes->push_back(c);
        }
      } else {
        bytes->push_back(c);
      }
    }
  }
  return k + 2;
}

}  // namespace

std::string DecodeEncodedWords(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  std::string charset, bytes;
  size_t i = 0;
  bool after_word = false;  // the text so far ended with a decoded encoded-word
  while (i < raw.size()) {
    size_t eq = raw.find("=?", i);
    if (eq == std::string_view::npos) break;
    bytes.clear();
    size_t end = TryEncodedWord(raw, eq, &charset, &bytes);
    if (end == std::string_view::npos) {
      out.append(raw.substr(i, eq + 2 - i));
      after_word = false;
      i = eq + 2;
      continue;
    }
    std::string_view between = raw.substr(i, eq - i);
    bool only_ws = true;
    for (char c : between) only_ws = only_ws && (internal::IsWsp(c) || c == '\r' || c == '\n');
    if (!(after_word && only_ws)) out.append(between);
    internal::AppendAsUtf8(internal::ClassifyCharset(charset), bytes, &out);
    after_word = true;
    i = end;
  }
  out.append(raw.substr(i));
  return out;
}

}  // namespace tern::mime
