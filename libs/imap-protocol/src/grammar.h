// The lexical layer of IMAP commands (RFC 3501 section 9): a cursor over one whole command as
// CommandReader returns it (literals inline as "{n}\r\n" and their octets), reading atoms,
// quoted strings, literals, astrings, numbers, flags and sequence sets. Internal to the codec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tern/imap_protocol/limits.h"
#include "tern/imap_protocol/sequence_set.h"

namespace tern::imap_protocol::internal {

// A literal's length has at most 20 digits (2^64-1 has 20): more is too big whatever their
// value, leading zeros included (CommandReader refuses it, Cursor::Literal too).
constexpr size_t kMaxLiteralDigits = 20;

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline char ToUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }
// ATOM-CHAR: any CHAR except atom-specials: ( ) { SP CTL % * " \ ] and 8-bit.
inline bool IsAtomChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7F) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
      return false;
    default:
      return true;
  }
}
// ASTRING-CHAR: ATOM-CHAR or "]".
inline bool IsAstringChar(char c) { return IsAtomChar(c) || c == ']'; }
// A tag character: ASTRING-CHAR except "+".
inline bool IsTagChar(char c) { return IsAstringChar(c) && c != '+'; }
// list-char: ATOM-CHAR, "%", "*" or "]".
inline bool IsListChar(char c) { return IsAstringChar(c) || c == '%' || c == '*'; }

std::string Upper(std::string_view s);
bool IEquals(std::string_view a, std::string_view b);

// Reads one command. Every reader returns false on a mismatch and leaves the position where
// the mismatch is; Fail() records the first BAD text.
class Cursor {
 public:
  Cursor(std::string_view text, const Limits& limits) : s_(text), limits_(limits) {}

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  size_t pos() const { return pos_; }
  void set_pos(size_t p) { pos_ = p; }
  std::string_view rest() const { return s_.substr(pos_); }
  const Limits& limits() const { return limits_; }

  bool Eat(char c);
  // Exactly one SP, else Fail(what) (what "" keeps any earlier error); a NUL, control or
  // 8-bit octet where the SP was due fails with that as the reason.
  bool Sp(std::string_view what = "Missing argument");
  // A case-insensitive keyword that ends at a non-atom character (or "[", "." as asked).
  bool Keyword(std::string_view kw);
  // 1*ATOM-CHAR (plus "]" when `astring_chars`).
  bool Atom(std::string* out, bool astring_chars = false);
  bool Quoted(std::string* out);
  // {n} / {n+} CRLF n octets. NUL only with allow_nul (APPEND's message).
  bool Literal(std::string* out, bool allow_nul = false);
  bool String(std::string* out);  // quoted / literal
  bool Astring(std::string* out);
  bool NString(std::optional<std::string>* out);  // NIL / string
  bool ListMailbox(std::string* out);            // 1*list-char / string
  bool Number(uint64_t* out);                     // 1*DIGIT, up to 2^63-1
  bool Number32(uint32_t* out);                   // number, up to 4294967295
  bool NzNumber(uint64_t* out);
  // flag: "\" atom (system flags and flag-extension) or a keyword atom.
  bool Flag(std::string* out);
  // "(" [flag *(SP flag)] ")".
  bool FlagList(std::vector<std::string>* out);
  // The characters of a sequence-set, parsed.
  bool Set(SequenceSet* out);
  // An uppercase word of letters, digits, "." and "-" (FETCH and SEARCH names).
  bool Word(std::string* out);

  bool Fail(std::string_view msg) {
    if (error_.empty()) error_ = std::string(msg);
    return false;
  }
  const std::string& error() const { return error_; }
  bool failed() const { return !error_.empty(); }

 private:
  std::string_view s_;
  const Limits& limits_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace tern::imap_protocol::internal
