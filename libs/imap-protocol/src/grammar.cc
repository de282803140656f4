// The lexical layer of IMAP commands: atoms, strings, literals, numbers, flags, sets.
#include "grammar.h"

#include <charconv>

namespace tern::imap_protocol::internal {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToUpper(c);
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToUpper(a[i]) != ToUpper(b[i])) return false;
  }
  return true;
}

bool Cursor::Eat(char c) {
  if (Peek() != c || AtEnd()) return false;
  ++pos_;
  return true;
}

bool Cursor::Sp(std::string_view what) {
  if (Eat(' ')) {
    if (Peek() == ' ') return Fail("Extra space");
    return true;
  }
  // An octet that ended an atom but may not stand outside a string is the better reason.
  if (!AtEnd()) {
    const auto u = static_cast<unsigned char>(Peek());
    if (u == 0) return Fail("NUL in command");
    if (u >= 0x80) return Fail("8-bit octet outside a string");
    if (u < 0x20 || u == 0x7F) return Fail("Control character outside a string");
  }
  return what.empty() ? false : Fail(what);
}

bool Cursor::Keyword(std::string_view kw) {
  if (s_.size() - pos_ < kw.size() || !IEquals(s_.substr(pos_, kw.size()), kw)) return false;
  const size_t end = pos_ + kw.size();
  if (end < s_.size() && IsAtomChar(s_[end]) && s_[end] != '.' && s_[end] != '[') return false;
  pos_ = end;
  return true;
}

bool Cursor::Atom(std::string* out, bool astring_chars) {
  const size_t start = pos_;
  while (!AtEnd() && (astring_chars ? IsAstringChar(s_[pos_]) : IsAtomChar(s_[pos_]))) ++pos_;
  if (pos_ == start) return false;
  out->assign(s_.substr(start, pos_ - start));
  return true;
}

bool Cursor::Quoted(std::string* out) {
  if (Peek() != '"') return false;
  const size_t start = pos_++;
  out->clear();
  while (!AtEnd()) {
    const char c = s_[pos_++];
    const auto u = static_cast<unsigned char>(c);
    if (c == '"') return true;
    if (c == '\\') {
      if (AtEnd() || (s_[pos_] != '\\' && s_[pos_] != '"')) {
        pos_ = start;
        return Fail("Bad escape in quoted string");
      }
      out->push_back(s_[pos_++]);
      continue;
    }
    if (c == '\r' || c == '\n' || c == '\0' || u >= 0x80) {
      pos_ = start;
      return Fail(c == '\0' ? "NUL in quoted string" : "Bad character in quoted string");
    }
    out->push_back(c);
  }
  pos_ = start;
  return Fail("Unterminated quoted string");
}

bool Cursor::Literal(std::string* out, bool allow_nul) {
  if (Peek() != '{') return false;
  const size_t start = pos_++;
  const size_t digits = pos_;
  while (!AtEnd() && IsDigit(s_[pos_])) ++pos_;
  uint64_t n = 0;
  const auto [p, ec] = std::from_chars(s_.data() + digits, s_.data() + pos_, n);
  if (pos_ == digits) {
    pos_ = start;
    return Fail("Bad literal");
  }
  if (ec != std::errc() || p != s_.data() + pos_ || pos_ - digits > kMaxLiteralDigits) {
    pos_ = start;  // as CommandReader: more than 20 digits is too big, leading zeros or not
    return Fail("Literal too big");
  }
  Eat('+');
  if (!Eat('}')) {
    pos_ = start;
    return Fail("Bad literal");
  }
  if (!Eat('\r')) {
    // CommandReader writes CRLF; a bare LF is taken too.
  }
  if (!Eat('\n')) {
    pos_ = start;
    return Fail("Bad literal");
  }
  if (n > s_.size() - pos_) {
    pos_ = start;
    return Fail("Literal shorter than announced");
  }
  std::string_view octets = s_.substr(pos_, n);
  if (!allow_nul && octets.find('\0') != std::string_view::npos) {
    pos_ = start;
    return Fail("NUL in literal");
  }
  out->assign(octets);
  pos_ += n;
  return true;
}

bool Cursor::String(std::string* out) {
  if (Peek() == '"') return Quoted(out);
  if (Peek() == '{') return Literal(out);
  return false;
}

bool Cursor::Astring(std::string* out) {
  if (Peek() == '"' || Peek() == '{') return String(out);
  return Atom(out, /*astring_chars=*/true);
}

bool Cursor::NString(std::optional<std::string>* out) {
  if (Peek() == '"' || Peek() == '{') {
    std::string s;
    if (!String(&s)) return false;
    *out = std::move(s);
    return true;
  }
  if (Keyword("NIL")) {
    out->reset();
    return true;
  }
  return false;
}

bool Cursor::ListMailbox(std::string* out) {
  if (Peek() == '"' || Peek() == '{') return String(out);
  const size_t start = pos_;
  while (!AtEnd() && IsListChar(s_[pos_])) ++pos_;
  if (pos_ == start) return false;
  out->assign(s_.substr(start, pos_ - start));
  return true;
}

bool Cursor::Number(uint64_t* out) {
  const size_t start = pos_;
  while (!AtEnd() && IsDigit(s_[pos_])) ++pos_;
  if (pos_ == start) return false;
  uint64_t n = 0;
  const auto [p, ec] = std::from_chars(s_.data() + start, s_.data() + pos_, n);
  if (ec != std::errc() || n > (uint64_t{1} << 63) - 1) {
    pos_ = start;
    return Fail("Number too big");
  }
  *out = n;
  return true;
}

bool Cursor::Number32(uint32_t* out) {
  const size_t start = pos_;
  uint64_t n = 0;
  if (!Number(&n)) return false;
  if (n > 0xFFFFFFFFull) {
    pos_ = start;
    return Fail("Number too big");
  }
  *out = static_cast<uint32_t>(n);
  return true;
}

bool Cursor::NzNumber(uint64_t* out) {
  const size_t start = pos_;
  if (!Number(out)) return false;
  if (*out == 0) {
    pos_ = start;
    return Fail("Zero is not allowed here");
  }
  return true;
}

bool Cursor::Flag(std::string* out) {
  const size_t start = pos_;
  if (Eat('\\')) {
    std::string atom;
    if (!Atom(&atom)) {
      pos_ = start;
      return Fail("Bad flag");
    }
    *out = "\\" + atom;
    return true;
  }
  return Atom(out);
}

bool Cursor::FlagList(std::vector<std::string>* out) {
  if (!Eat('(')) return false;
  out->clear();
  if (Eat(')')) return true;
  for (;;) {
    std::string flag;
    if (!Flag(&flag)) return Fail("Bad flag list");
    out->push_back(std::move(flag));
    if (Eat(')')) return true;
    if (!Sp("")) return Fail(AtEnd() ? "Unbalanced parentheses" : "Bad flag list");
  }
}

bool Cursor::Set(SequenceSet* out) {
  const size_t start = pos_;
  while (!AtEnd() && (IsDigit(s_[pos_]) || s_[pos_] == ':' || s_[pos_] == ',' ||
                      s_[pos_] == '*')) {
    ++pos_;
  }
  if (pos_ == start) return false;
  auto set = ParseSequenceSet(s_.substr(start, pos_ - start), limits_);
  if (!set) {
    pos_ = start;
    return Fail("Bad sequence set");
  }
  *out = std::move(*set);
  return true;
}

bool Cursor::Word(std::string* out) {
  const size_t start = pos_;
  while (!AtEnd()) {
    const char c = s_[pos_];
    if (!(IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' ||
          c == '-' || c == '_' || c == '$')) {
      break;
    }
    ++pos_;
  }
  if (pos_ == start) return false;
  *out = Upper(s_.substr(start, pos_ - start));
  return true;
}

}  // namespace tern::imap_protocol::internal
