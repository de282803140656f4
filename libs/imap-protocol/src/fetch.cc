// FETCH (RFC 3501 section 6.4.5) with CONDSTORE's MODSEQ item and CHANGEDSINCE modifier
// (RFC 7162 section 3.1.4).
#include "commands.h"

namespace tern::imap_protocol::internal {
namespace {

using Kind = FetchAtt::Kind;

FetchAtt Simple(Kind kind) {
  FetchAtt att;
  att.kind = kind;
  return att;
}

// header-list: "(" header-fld-name *(SP header-fld-name) ")".
bool ParseHeaderList(Cursor& in, std::vector<std::string>* out) {
  if (!in.Sp("Missing header list") || !in.Eat('(')) return in.Fail("Missing header list");
  for (;;) {
    std::string field;
    if (!in.Astring(&field)) return in.Fail("Bad header list");
    out->push_back(std::move(field));
    if (in.Eat(')')) return true;
    if (!in.Sp("")) return in.Fail("Bad header list");
  }
}

// The inside of "[...]", the cursor after "[", up to and including "]".
bool ParseSection(Cursor& in, Section* out) {
  if (in.Eat(']')) return true;
  if (IsDigit(in.Peek())) {
    for (;;) {
      uint64_t n = 0;
      if (!in.NzNumber(&n) || n > 0xFFFFFFFFull) return in.Fail("Bad section part");
      out->part.push_back(static_cast<uint32_t>(n));
      if (out->part.size() > 64) return in.Fail("Bad section part");
      if (in.Eat(']')) return true;
      if (!in.Eat('.')) return in.Fail("Bad section");
      if (!IsDigit(in.Peek())) break;
    }
  }
  // section-msgtext / "MIME": letters and "."
  std::string word;
  while (!in.AtEnd() && ((in.Peek() >= 'A' && in.Peek() <= 'Z') ||
                         (in.Peek() >= 'a' && in.Peek() <= 'z') || in.Peek() == '.')) {
    word.push_back(ToUpper(in.Peek()));
    in.set_pos(in.pos() + 1);
  }
  if (word == "HEADER") {
    out->kind = Section::Kind::kHeader;
  } else if (word == "HEADER.FIELDS" || word == "HEADER.FIELDS.NOT") {
    out->kind = word == "HEADER.FIELDS" ? Section::Kind::kHeaderFields
                                        : Section::Kind::kHeaderFieldsNot;
    if (!ParseHeaderList(in, &out->fields)) return false;
  } else if (word == "TEXT") {
    out->kind = Section::Kind::kText;
  } else if (word == "MIME" && !out->part.empty()) {
    out->kind = Section::Kind::kMime;
  } else {
    return in.Fail("Bad section");
  }
  return in.Eat(']') || in.Fail("Bad section");
}

bool ParseAtt(Cursor& in, FetchAtt* out) {
  std::string name;
  if (!in.Word(&name)) return in.Fail("Bad fetch attribute");
  static constexpr std::pair<std::string_view, Kind> kSimple[] = {
      {"FLAGS", Kind::kFlags},
      {"INTERNALDATE", Kind::kInternalDate},
      {"RFC822", Kind::kRfc822},
      {"RFC822.HEADER", Kind::kRfc822Header},
      {"RFC822.SIZE", Kind::kRfc822Size},
      {"RFC822.TEXT", Kind::kRfc822Text},
      {"ENVELOPE", Kind::kEnvelope},
      {"BODYSTRUCTURE", Kind::kBodyStructure},
      {"UID", Kind::kUid},
      {"MODSEQ", Kind::kModSeq},
  };
  for (const auto& [n, kind] : kSimple) {
    if (n == name) {
      *out = Simple(kind);
      return true;
    }
  }
  if (name != "BODY" && name != "BODY.PEEK") return in.Fail("Unknown fetch attribute");
  if (!in.Eat('[')) {
    if (name == "BODY.PEEK") return in.Fail("Missing section");
    *out = Simple(Kind::kBody);
    return true;
  }
  out->kind = Kind::kSection;
  out->peek = name == "BODY.PEEK";
  if (!ParseSection(in, &out->section)) return false;
  if (in.Eat('<')) {
    uint64_t offset = 0, length = 0;
    if (!in.Number(&offset) || !in.Eat('.') || !in.NzNumber(&length) || !in.Eat('>')) {
      return in.Fail("Bad partial");
    }
    out->partial = std::make_pair(offset, length);
  }
  return true;
}

}  // namespace

bool ParseFetchArgs(Cursor& in, Fetch* out) {
  if (!in.Sp("Missing sequence set")) return false;
  if (!in.Set(&out->set)) return in.Fail("Bad sequence set");
  if (!in.Sp("Missing fetch attributes")) return false;
  if (in.Eat('(')) {
    for (;;) {
      FetchAtt att;
      if (!ParseAtt(in, &att)) return false;
      out->atts.push_back(std::move(att));
      if (in.Eat(')')) break;
      if (!in.Sp("")) {
        return in.Fail(in.AtEnd() ? "Unbalanced parentheses" : "Bad fetch attribute");
      }
    }
  } else {
    const size_t start = in.pos();
    std::string word;
    in.Word(&word);
    if (word == "ALL" || word == "FAST" || word == "FULL") {
      for (Kind k : {Kind::kFlags, Kind::kInternalDate, Kind::kRfc822Size}) {
        out->atts.push_back(Simple(k));
      }
      if (word != "FAST") out->atts.push_back(Simple(Kind::kEnvelope));
      if (word == "FULL") out->atts.push_back(Simple(Kind::kBody));
    } else {
      in.set_pos(start);
      FetchAtt att;
      if (!ParseAtt(in, &att)) return false;
      out->atts.push_back(std::move(att));
    }
  }
  if (in.AtEnd()) return true;
  // fetch-modifiers: SP "(" fetch-modifier *(SP fetch-modifier) ")"
  if (in.Peek() == ')') return in.Fail("Unbalanced parentheses");
  if (!in.Sp("Bad fetch attribute") || !in.Eat('(')) return in.Fail("Bad fetch modifier");
  for (;;) {
    std::string name;
    if (!in.Word(&name)) return in.Fail("Bad fetch modifier");
    if (name != "CHANGEDSINCE") return in.Fail("Unknown fetch modifier");
    if (!in.Sp("Missing mod-sequence") || !in.NzNumber(&out->changed_since)) {
      return in.Fail("Bad mod-sequence");
    }
    if (in.Eat(')')) break;
    if (!in.Sp("")) return in.Fail("Bad fetch modifier");
  }
  return in.AtEnd() ||
         in.Fail(in.Peek() == ')' ? "Unbalanced parentheses" : "Unexpected arguments");
}

}  // namespace tern::imap_protocol::internal
