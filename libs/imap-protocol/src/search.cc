// SEARCH (RFC 3501 section 6.4.4) with CONDSTORE's MODSEQ key (RFC 7162 section 3.1.5).
#include <charconv>

#include "commands.h"

namespace tern::imap_protocol::internal {
namespace {

using Kind = SearchKey::Kind;

struct Budget {
  size_t keys = 0;
};

struct NamedKey {
  std::string_view name;
  Kind kind;
  enum Arg { kNone, kString, kDate, kNumber, kKeyword } arg;
};

constexpr NamedKey kKeys[] = {
    {"ALL", Kind::kAll, NamedKey::kNone},
    {"ANSWERED", Kind::kAnswered, NamedKey::kNone},
    {"DELETED", Kind::kDeleted, NamedKey::kNone},
    {"DRAFT", Kind::kDraft, NamedKey::kNone},
    {"FLAGGED", Kind::kFlagged, NamedKey::kNone},
    {"NEW", Kind::kNew, NamedKey::kNone},
    {"OLD", Kind::kOld, NamedKey::kNone},
    {"RECENT", Kind::kRecent, NamedKey::kNone},
    {"SEEN", Kind::kSeen, NamedKey::kNone},
    {"UNANSWERED", Kind::kUnanswered, NamedKey::kNone},
    {"UNDELETED", Kind::kUndeleted, NamedKey::kNone},
    {"UNDRAFT", Kind::kUndraft, NamedKey::kNone},
    {"UNFLAGGED", Kind::kUnflagged, NamedKey::kNone},
    {"UNSEEN", Kind::kUnseen, NamedKey::kNone},
    {"KEYWORD", Kind::kKeyword, NamedKey::kKeyword},
    {"UNKEYWORD", Kind::kUnkeyword, NamedKey::kKeyword},
    {"BCC", Kind::kBcc, NamedKey::kString},
    {"CC", Kind::kCc, NamedKey::kString},
    {"FROM", Kind::kFrom, NamedKey::kString},
    {"TO", Kind::kTo, NamedKey::kString},
    {"SUBJECT", Kind::kSubject, NamedKey::kString},
    {"BODY", Kind::kBody, NamedKey::kString},
    {"TEXT", Kind::kText, NamedKey::kString},
    {"BEFORE", Kind::kBefore, NamedKey::kDate},
    {"ON", Kind::kOn, NamedKey::kDate},
    {"SINCE", Kind::kSince, NamedKey::kDate},
    {"SENTBEFORE", Kind::kSentBefore, NamedKey::kDate},
    {"SENTON", Kind::kSentOn, NamedKey::kDate},
    {"SENTSINCE", Kind::kSentSince, NamedKey::kDate},
    {"LARGER", Kind::kLarger, NamedKey::kNumber},
    {"SMALLER", Kind::kSmaller, NamedKey::kNumber},
};

bool ParseKey(Cursor& in, size_t depth, Budget& budget, SearchKey* out);

// search-key *(SP search-key) up to ")" (in a list) or the end (at the top).
bool ParseKeys(Cursor& in, size_t depth, Budget& budget, bool in_list, SearchKey* out) {
  out->kind = Kind::kAnd;
  for (;;) {
    SearchKey key;
    if (!ParseKey(in, depth, budget, &key)) return false;
    out->children.push_back(std::move(key));
    if (in_list && in.Eat(')')) return true;
    if (!in_list && in.AtEnd()) return true;
    if (!in.Sp("")) {
      const bool unbalanced = in_list ? in.AtEnd() : in.Peek() == ')';
      return in.Fail(unbalanced ? "Unbalanced parentheses" : "Bad search key");
    }
  }
}

bool ParseKey(Cursor& in, size_t depth, Budget& budget, SearchKey* out) {
  if (++budget.keys > in.limits().max_search_keys) return in.Fail("Too many search keys");
  if (in.Peek() == '(') {
    if (depth + 1 > in.limits().max_nesting) return in.Fail("Search keys nested too deep");
    in.Eat('(');
    return ParseKeys(in, depth + 1, budget, /*in_list=*/true, out);
  }
  if (IsDigit(in.Peek()) || in.Peek() == '*') {
    out->kind = Kind::kSequence;
    return in.Set(&out->set) || in.Fail("Bad sequence set");
  }
  std::string name;
  if (!in.Word(&name)) return in.Fail(in.Peek() == ')' ? "Unbalanced parentheses" : "Bad search key");
  if (name == "NOT" || name == "OR") {
    if (depth + 1 > in.limits().max_nesting) return in.Fail("Search keys nested too deep");
    out->kind = name == "NOT" ? Kind::kNot : Kind::kOr;
    const int n = name == "NOT" ? 1 : 2;
    for (int i = 0; i < n; ++i) {
      SearchKey child;
      if (!in.Sp("Missing search key") || !ParseKey(in, depth + 1, budget, &child)) return false;
      out->children.push_back(std::move(child));
    }
    return true;
  }
  if (name == "UID") {
    out->kind = Kind::kUid;
    if (!in.Sp("Missing UID set")) return false;
    return in.Set(&out->set) || in.Fail("Bad sequence set");
  }
  if (name == "HEADER") {
    out->kind = Kind::kHeader;
    if (!in.Sp("Missing header field") || !in.Astring(&out->field)) {
      return in.Fail("Missing header field");
    }
    if (!in.Sp("Missing header value") || !in.Astring(&out->text)) {
      return in.Fail("Missing header value");
    }
    return true;
  }
  if (name == "MODSEQ") {
    out->kind = Kind::kModSeq;
    if (!in.Sp("Missing mod-sequence")) return false;
    if (in.Peek() == '"') {  // [entry-name SP entry-type-req SP]: names a flag; any flag
      std::string entry, type;
      if (!in.Quoted(&entry) || !in.Sp() || !in.Atom(&type)) return in.Fail("Bad MODSEQ");
      const std::string t = Upper(type);
      if (t != "PRIV" && t != "SHARED" && t != "ALL") return in.Fail("Bad MODSEQ");
      if (!in.Sp()) return false;
    }
    return in.Number(&out->number) || in.Fail("Bad mod-sequence");
  }
  if (name == "CHARSET" || name == "RETURN") return in.Fail("Bad search key");
  for (const NamedKey& k : kKeys) {
    if (k.name != name) continue;
    out->kind = k.kind;
    switch (k.arg) {
      case NamedKey::kNone:
        return true;
      case NamedKey::kString:
        if (!in.Sp("Missing search string")) return false;
        return in.Astring(&out->text) || in.Fail("Missing search string");
      case NamedKey::kKeyword:
        if (!in.Sp("Missing keyword")) return false;
        return in.Atom(&out->text) || in.Fail("Bad keyword");
      case NamedKey::kDate:
        if (!in.Sp("Missing date")) return false;
        return ParseDate(in, &out->date) || in.Fail("Bad date");
      case NamedKey::kNumber:
        if (!in.Sp("Missing number")) return false;
        return in.Number(&out->number) || in.Fail("Bad number");
    }
  }
  return in.Fail("Unknown search key");
}

}  // namespace

int MonthFromName(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                 "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  for (int i = 0; i < 12; ++i) {
    if (IEquals(name, kMonths[i])) return i + 1;
  }
  return 0;
}

bool ValidDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + ((m == 2 && leap) ? 1 : 0);
}

int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool ParseDate(Cursor& in, Date* out) {
  const size_t start = in.pos();
  const bool quoted = in.Eat('"');
  std::string_view rest = in.rest();
  // date-day "-" date-month "-" date-year: 1*2DIGIT "-" 3ALPHA "-" 4DIGIT
  size_t i = 0;
  while (i < rest.size() && i < 3 && IsDigit(rest[i])) ++i;
  if (i == 0 || i > 2 || rest.size() < i + 9 || rest[i] != '-' || rest[i + 4] != '-') {
    in.set_pos(start);
    return false;
  }
  int day = 0, year = 0;
  std::from_chars(rest.data(), rest.data() + i, day);
  const int month = MonthFromName(rest.substr(i + 1, 3));
  const std::string_view y = rest.substr(i + 5, 4);
  for (char c : y) {
    if (!IsDigit(c)) {
      in.set_pos(start);
      return false;
    }
  }
  std::from_chars(y.data(), y.data() + 4, year);
  if (month == 0 || !ValidDate(year, month, day)) {
    in.set_pos(start);
    return false;
  }
  in.set_pos(in.pos() + i + 9);
  if (quoted && !in.Eat('"')) {
    in.set_pos(start);
    return false;
  }
  if (!in.AtEnd() && IsDigit(in.Peek())) {  // a fifth year digit
    in.set_pos(start);
    return false;
  }
  *out = Date{year, month, day};
  return true;
}

bool ParseSearchArgs(Cursor& in, Search* out) {
  if (!in.Sp("Missing search keys")) return false;
  if (in.Keyword("CHARSET")) {
    if (!in.Sp("Missing charset") || !in.Astring(&out->charset)) {
      return in.Fail("Missing charset");
    }
    out->charset = Upper(out->charset);
    if (!in.Sp("Missing search keys")) return false;
  }
  if (in.Keyword("RETURN")) return in.Fail("SEARCH RETURN is not supported");
  Budget budget;
  return ParseKeys(in, 0, budget, /*in_list=*/false, &out->key);
}

}  // namespace tern::imap_protocol::internal
