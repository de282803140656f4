#include "fields.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "codec.h"

namespace tern::mime::internal {
namespace {

bool IsBreakOrWs(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 2045 token characters, lenient: anything printable except tspecials and space. 8-bit
// bytes are accepted.
bool IsTokenChar(char ch) {
  auto c = static_cast<unsigned char>(ch);
  if (c <= ' ' || c == 0x7F) return false;
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
      return false;
    default:
      return true;
  }
}

// Reads a quoted-string whose opening quote is at v[pos]; appends the unescaped content to
// `out` and returns the position after the closing quote (or the end, setting `unterminated`).
size_t ReadQuoted(std::string_view v, size_t pos, std::string* out, bool* unterminated) {
  size_t i = pos + 1;
  while (i < v.size()) {
    char c = v[i];
    if (c == '"') return i + 1;
    if (c == '\\' && i + 1 < v.size()) {
      out->push_back(v[i + 1]);
      i += 2;
      continue;
    }
    if (c != '\r' && c != '\n') out->push_back(c);
    ++i;
  }
  *unterminated = true;
  return i;
}

// Reads a comment whose '(' is at v[pos]; appends its text (nested parentheses kept, escapes
// removed) to `out` when not null; returns the position after the matching ')'.
size_t ReadComment(std::string_view v, size_t pos, std::string* out, bool* unterminated) {
  int depth = 0;
  size_t i = pos;
  while (i < v.size()) {
    char c = v[i];
    if (c == '\\' && i + 1 < v.size()) {
      if (out) out->push_back(v[i + 1]);
      i += 2;
      continue;
    }
    if (c == '(') {
      if (depth > 0 && out) out->push_back(c);
      ++depth;
    } else if (c == ')') {
      --depth;
      if (depth == 0) return i + 1;
      if (out) out->push_back(c);
    } else if (out && c != '\r' && c != '\n') {
      out->push_back(c);
    }
    ++i;
  }
  if (unterminated) *unterminated = true;
  return i;
}

size_t SkipToSemicolon(std::string_view v, size_t pos) {
  while (pos < v.size() && v[pos] != ';') {
    if (v[pos] == '"') {
      std::string ignored;
      bool unterminated = false;
      pos = ReadQuoted(v, pos, &ignored, &unterminated);
    } else {
      ++pos;
    }
  }
  return pos;
}

struct RawParam {
  std::string name;  // lower-cased
  std::string value;
};

// One RFC 2231 segment of a parameter split with name*N / name*N*.
struct Segment {
  int index;
  bool encoded;
  std::string value;
};

struct Group {
  size_t out_pos;  // placeholder position in the output list
  std::vector<Segment> segments;
};

// Parses "; name=value; ..." from `pos` into `out`, joining RFC 2231 continuations.
void ParseParams(std::string_view v, size_t pos, std::vector<Param>* out, bool* malformed) {
  std::vector<RawParam> raw;
  const size_t n = v.size();
  while (true) {
    pos = SkipCfws(v, pos);
    if (pos >= n) break;
    if (v[pos] != ';') {
      *malformed = true;
      pos = SkipToSemicolon(v, pos);
      continue;
    }
    pos = SkipCfws(v, pos + 1);
    if (pos >= n) break;
    size_t name_start = pos;
    while (pos < n && IsTokenChar(v[pos])) ++pos;
    std::string_view name = v.substr(name_start, pos - name_start);
    pos = SkipCfws(v, pos);
    if (name.empty() || pos >= n || v[pos] != '=') {
      if (pos < n && v[pos] == ';') {
        if (!name.empty()) *malformed = true;
        continue;
      }
      *malformed = true;
      pos = SkipToSemicolon(v, pos);
      continue;
    }
    pos = SkipCfws(v, pos + 1);
    RawParam p;
    p.name = ToLower(name);
    if (pos < n && v[pos] == '"') {
      bool unterminated = false;
      pos = ReadQuoted(v, pos, &p.value, &unterminated);
      if (unterminated) *malformed = true;
    } else {
      // Lenient: values such as "----=_Part_1" or "a/b" are common unquoted.
      size_t start = pos;
      while (pos < n && v[pos] != ';' && !IsBreakOrWs(v[pos]) && v[pos] != '"') ++pos;
      p.value.assign(v.substr(start, pos - start));
    }
    raw.push_back(std::move(p));
  }

  std::map<std::string, Group> groups;
  std::unordered_map<std::string, size_t> plain_pos;  // first plain parameter of each name
  std::vector<bool> erased;
  for (auto& p : raw) {
    size_t star = p.name.find('*');
    if (star != std::string::npos && star > 0) {
      std::string_view rest = std::string_view(p.name).substr(star + 1);
      bool encoded = false;
      if (!rest.empty() && rest.back() == '*') {
        encoded = true;
        rest.remove_suffix(1);
      }
      bool digits_ok = rest.size() <= 4 && std::all_of(rest.begin(), rest.end(),
                                                       [](char c) { return c >= '0' && c <= '9'; });
      if (rest.empty() && !encoded) encoded = true;  // "name*": single extended value
      if (digits_ok) {
        int index = 0;
        for (char c : rest) index = index * 10 + (c - '0');
        std::string base = p.name.substr(0, star);
        auto [it, inserted] = groups.try_emplace(base);
        if (inserted) {
          it->second.out_pos = out->size();
          out->push_back(Param{base, ""});
          erased.push_back(false);
        }
        it->second.segments.push_back(Segment{index, encoded, std::move(p.value)});
        continue;
      }
    }
    plain_pos.try_emplace(p.name, out->size());
    out->push_back(Param{std::move(p.name), std::move(p.value)});
    erased.push_back(false);
  }
  if (groups.empty()) return;

  for (auto& [base, g] : groups) {
    std::stable_sort(g.segments.begin(), g.segments.end(),
                     [](const Segment& a, const Segment& b) { return a.index < b.index; });
    std::string charset, lang;
    std::string_view first_rest;
    bool has_prefix = false;
    if (!g.segments.empty() && g.segments.front().index == 0 && g.segments.front().encoded) {
      std::string_view s = g.segments.front().value;
      size_t q1 = s.find('\'');
      size_t q2 = q1 == std::string_view::npos ? q1 : s.find('\'', q1 + 1);
      if (q2 != std::string_view::npos) {
        charset.assign(s.substr(0, q1));
        lang.assign(s.substr(q1 + 1, q2 - q1 - 1));
        first_rest = s.substr(q2 + 1);
        has_prefix = true;
      }
    }
    bool known = true;
    Charset cs = ClassifyCharset(charset, &known);
    std::string decoded, kept;
    int last_index = -1;
    for (size_t k = 0; k < g.segments.size(); ++k) {
      const Segment& seg = g.segments[k];
      if (seg.index == last_index) continue;  // duplicate index: keep the first
      last_index = seg.index;
      std::string_view val = (k == 0 && has_prefix) ? first_rest : std::string_view(seg.value);
      if (seg.encoded) {
        AppendPercentDecoded(val, &decoded);
      } else {
        decoded.append(val);
      }
      kept.append(val);
    }
    Param& slot = (*out)[g.out_pos];
    if (known) {
      std::string utf8;
      AppendAsUtf8(cs, decoded, &utf8);
      auto plain = plain_pos.find(base);
      if (plain != plain_pos.end()) {
        (*out)[plain->second].value = std::move(utf8);
        erased[g.out_pos] = true;
      } else {
        slot.value = std::move(utf8);
      }
    } else {
      slot.name = base + "*";
      slot.value = charset + "'" + lang + "'" + kept;
    }
  }
  size_t w = 0;
  for (size_t r = 0; r < out->size(); ++r) {
    if (erased[r]) continue;
    if (w != r) (*out)[w] = std::move((*out)[r]);
    ++w;
  }
  out->resize(w);
}

}  // namespace

size_t SkipCfws(std::string_view v, size_t pos) {
  while (pos < v.size()) {
    char c = v[pos];
    if (IsBreakOrWs(c)) {
      ++pos;
    } else if (c == '(') {
      pos = ReadComment(v, pos, nullptr, nullptr);
    } else {
      break;
    }
  }
  return pos;
}

bool ParseContentType(std::string_view v, std::string* type, std::string* subtype,
                      std::vector<Param>* params, bool* malformed) {
  size_t pos = SkipCfws(v, 0);
  size_t start = pos;
  while (pos < v.size() && IsTokenChar(v[pos])) ++pos;
  if (pos == start) return false;
  *type = ToLower(v.substr(start, pos - start));
  pos = SkipCfws(v, pos);
  if (pos >= v.size() || v[pos] != '/') return false;
  pos = SkipCfws(v, pos + 1);
  start = pos;
  while (pos < v.size() && IsTokenChar(v[pos])) ++pos;
  if (pos == start) return false;
  *subtype = ToLower(v.substr(start, pos - start));
  ParseParams(v, pos, params, malformed);
  return true;
}

void ParseDisposition(std::string_view v, Disposition* out, bool* malformed) {
  size_t pos = SkipCfws(v, 0);
  size_t start = pos;
  while (pos < v.size() && IsTokenChar(v[pos])) ++pos;
  out->type = ToLower(v.substr(start, pos - start));
  if (out->type.empty()) *malformed = true;
  ParseParams(v, pos, &out->params, malformed);
}

std::string ParseFirstTokenLower(std::string_view v) {
  size_t pos = SkipCfws(v, 0);
  size_t start = pos;
  while (pos < v.size() && IsTokenChar(v[pos])) ++pos;
  return ToLower(v.substr(start, pos - start));
}

std::vector<std::string> ParseLanguageList(std::string_view v) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < v.size()) {
    pos = SkipCfws(v, pos);
    size_t start = pos;
    while (pos < v.size() && v[pos] != ',' && v[pos] != '(' && !IsBreakOrWs(v[pos])) ++pos;
    if (pos > start) out.emplace_back(v.substr(start, pos - start));
    pos = SkipCfws(v, pos);
    // Anything up to the next comma that is not a tag is ignored.
    while (pos < v.size() && v[pos] != ',') ++pos;
    if (pos < v.size()) ++pos;
  }
  return out;
}

}  // namespace tern::mime::internal

namespace tern::mime {
namespace {

using internal::ReadComment;
using internal::ReadQuoted;

// Address-list tokens. '.' is part of words, so "john.doe", "Q." and "example.com" are single
// words; obsolete spaced dots ("john . doe") become separate words that are concatenated.
struct Tok {
  enum Kind : uint8_t { kWord, kQuoted, kLiteral, kComment, kSpecial };
  Kind kind;
  char special = 0;
  std::string text;
};

bool IsAddrSpecial(char c) {
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '[':
    case ']':
    case ':':
    case ';':
    case '@':
    case ',':
    case '"':
      return true;
    default:
      return false;
  }
}

std::vector<Tok> Lex(std::string_view v, bool* bad) {
  std::vector<Tok> toks;
  size_t i = 0;
  while (i < v.size()) {
    char c = v[i];
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7F) {
      ++i;
    } else if (c == '(') {
      Tok t{Tok::kComment};
      i = ReadComment(v, i, &t.text, bad);
      toks.push_back(std::move(t));
    } else if (c == '"') {
      Tok t{Tok::kQuoted};
      bool unterminated = false;
      size_t end = ReadQuoted(v, i, &t.text, &unterminated);
      if (unterminated) {
        // Best effort: ignore the stray quote and read the rest as if it were not there.
        *bad = true;
        ++i;
        continue;
      }
      i = end;
      toks.push_back(std::move(t));
    } else if (c == '[') {
      size_t end = v.find(']', i);
      if (end == std::string_view::npos) {
        *bad = true;
        end = v.size() - 1;
      }
      Tok t{Tok::kLiteral};
      for (size_t k = i; k <= end; ++k) {
        if (v[k] != '\r' && v[k] != '\n') t.text.push_back(v[k]);
      }
      toks.push_back(std::move(t));
      i = end + 1;
    } else if (IsAddrSpecial(c)) {
      Tok t{Tok::kSpecial};
      t.special = c;
      toks.push_back(std::move(t));
      ++i;
    } else {
      size_t start = i;
      while (i < v.size()) {
        auto d = static_cast<unsigned char>(v[i]);
        if (d <= ' ' || d == 0x7F || IsAddrSpecial(v[i])) break;
        ++i;
      }
      Tok t{Tok::kWord};
      t.text.assign(v.substr(start, i - start));
      toks.push_back(std::move(t));
    }
  }
  return toks;
}

class AddressParser {
 public:
  AddressParser(std::vector<Tok> toks, bool* bad) : t_(std::move(toks)), bad_(bad) {}

  std::vector<Address> Run() {
    bool in_group = false;
    while (i_ < t_.size()) {
      // A phrase (display name / group name) or a local part: words, quoted strings, comments.
      std::vector<std::string_view> words;
      std::string joined;  // words concatenated: the local part if an '@' follows
      std::string comment;
      CollectWords(&words, &joined, &comment);
      char sp = AtSpecial();
      if (sp == '<') {
        ++i_;
        AngleAddr(words, comment);
        ExpectSeparator();
      } else if (sp == '@') {
        ++i_;
        if (words.empty()) *bad_ = true;
        Address a;
        a.mailbox = joined;
        a.host = Domain(&comment);
        SkipComments(&comment);
        if (!internal::TrimWs(comment).empty()) a.name = std::string(internal::TrimWs(comment));
        out_.push_back(std::move(a));
        ExpectSeparator();
      } else if (sp == ':') {
        ++i_;
        if (in_group) {
          *bad_ = true;
          continue;
        }
        Address a;
        a.mailbox = Join(words);
        out_.push_back(std::move(a));
        in_group = true;
      } else if (sp == ';') {
        ++i_;
        if (!words.empty()) Bare(joined, comment);
        if (in_group) {
          out_.emplace_back();
          in_group = false;
        } else {
          *bad_ = true;
        }
      } else if (sp == ',' || sp == 0) {
        if (sp == ',') ++i_;
        if (!words.empty()) Bare(joined, comment);
      } else {
        // '>', ')', ']' out of place, or a domain literal where a word was expected.
        *bad_ = true;
        ++i_;
      }
    }
    if (in_group) {
      *bad_ = true;
      out_.emplace_back();
    }
    return std::move(out_);
  }

 private:
  // The special character at the cursor; 0 at the end or when the token is not a special.
  char AtSpecial() const {
    if (i_ >= t_.size()) return 0;
    if (t_[i_].kind == Tok::kSpecial) return t_[i_].special;
    return t_[i_].kind == Tok::kLiteral ? '[' : 0;
  }

  void CollectWords(std::vector<std::string_view>* words, std::string* joined,
                    std::string* comment) {
    while (i_ < t_.size()) {
      const Tok& t = t_[i_];
      if (t.kind == Tok::kComment) {
        if (comment->empty()) *comment = t.text;
      } else if (t.kind == Tok::kWord || t.kind == Tok::kQuoted) {
        words->push_back(t.text);
        joined->append(t.text);
      } else {
        break;
      }
      ++i_;
    }
  }

  static std::string Join(const std::vector<std::string_view>& words) {
    std::string s;
    for (auto w : words) {
      if (!s.empty()) s.push_back(' ');
      s.append(w);
    }
    return s;
  }

  // A domain: words and domain literals; spaced dots ("example . com") are joined; stops before
  // a word that does not continue a dotted name (a missing comma). Comments are skipped, the
  // first one is stored in `comment` when that is still empty.
  std::string Domain(std::string* comment) {
    std::string d;
    while (i_ < t_.size()) {
      const Tok& t = t_[i_];
      if (t.kind == Tok::kComment) {
        if (comment->empty()) *comment = t.text;
      } else if (t.kind == Tok::kWord || t.kind == Tok::kLiteral) {
        bool continues = d.empty() || d.back() == '.' || t.text.front() == '.';
        if (!continues) break;
        d.append(t.text);
      } else {
        break;
      }
      ++i_;
    }
    if (d.empty()) *bad_ = true;
    return d;
  }

  // After '<': [route ":"] local-part "@" domain ">".
  void AngleAddr(const std::vector<std::string_view>& words, std::string comment) {
    Address a;
    std::string adl;
    std::string ignored;
    if (AtSpecial() == '@') {
      while (AtSpecial() == '@') {
        ++i_;
        if (!adl.empty()) adl.push_back(',');
        adl.push_back('@');
        adl.append(Domain(&ignored));
        if (AtSpecial() == ',') ++i_;
      }
      if (AtSpecial() == ':') {
        ++i_;
      } else {
        *bad_ = true;
      }
      a.adl = adl;
    }
    std::string local;
    while (i_ < t_.size() && (t_[i_].kind == Tok::kWord || t_[i_].kind == Tok::kQuoted ||
                              t_[i_].kind == Tok::kComment)) {
      if (t_[i_].kind != Tok::kComment) local.append(t_[i_].text);
      ++i_;
    }
    a.mailbox = local;
    if (AtSpecial() == '@') {
      ++i_;
      a.host = Domain(&ignored);
    } else {
      if (!local.empty()) *bad_ = true;
      a.host = "";
    }
    SkipComments(&comment);
    if (AtSpecial() == '>') {
      ++i_;
    } else {
      *bad_ = true;
      // Skip whatever is left of the broken route-addr.
      while (i_ < t_.size() && AtSpecial() != '>' && AtSpecial() != ',' && AtSpecial() != ';') {
        ++i_;
      }
      if (AtSpecial() == '>') ++i_;
    }
    SkipComments(&comment);
    if (!words.empty()) {
      a.name = Join(words);
    } else if (!internal::TrimWs(comment).empty()) {
      a.name = std::string(internal::TrimWs(comment));
    }
    out_.push_back(std::move(a));
  }

  // After a mailbox only ',' ';' or the end may follow; anything else (a missing comma) is
  // parsed as the next element but flagged.
  void ExpectSeparator() {
    if (i_ >= t_.size()) return;
    char sp = AtSpecial();
    if (sp != ',' && sp != ';') *bad_ = true;
  }

  void SkipComments(std::string* comment) {
    while (i_ < t_.size() && t_[i_].kind == Tok::kComment) {
      if (comment->empty()) *comment = t_[i_].text;
      ++i_;
    }
  }

  // A word list without '@': an obsolete or broken address; keep it as a mailbox without host.
  void Bare(const std::string& joined, const std::string& comment) {
    *bad_ = true;
    Address a;
    a.mailbox = joined;
    a.host = "";
    if (!internal::TrimWs(comment).empty()) a.name = std::string(internal::TrimWs(comment));
    out_.push_back(std::move(a));
  }

  std::vector<Tok> t_;
  size_t i_ = 0;
  bool* bad_;
  std::vector<Address> out_;
};

}  // namespace

std::vector<Address> ParseAddressList(std::string_view raw, bool* malformed) {
  bool bad = false;
  std::vector<Tok> toks = Lex(raw, &bad);
  std::vector<Address> out = AddressParser(std::move(toks), &bad).Run();
  if (bad && malformed != nullptr) *malformed = true;
  return out;
}

}  // namespace tern::mime
