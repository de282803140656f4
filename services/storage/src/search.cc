#include "search.h"

#include <algorithm>

#include "absl/time/time.h"
#include "tern/core/status.h"

namespace tern::storage {
namespace {

// The decoded body text; NULL in the row means "the raw body is the text" (see ParsedMessage).
constexpr const char* kBodyText =
    "coalesce(m.body_text, convert_from(substring(m.content FROM (m.header_size + 1)::int), 'UTF8'))";

std::string Day(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(unix_seconds), absl::UTCTimeZone());
}

// Escapes every non-alphanumeric byte for a PostgreSQL ARE, so user text matches literally.
std::string RegexLiteral(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80 && !std::isalnum(c)) out.push_back('\\');
    out.push_back(static_cast<char>(c));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> IdSetSql(const IdSet& set, const std::string& column,
                                     uint32_t star, size_t max_ranges) {
  if (set.empty()) return absl::InvalidArgumentError("empty UID set");
  if (set.size() > max_ranges) return absl::InvalidArgumentError("UID set: too many ranges");
  std::string sql = "(";
  bool first = true;
  for (const auto& r : set) {
    uint32_t a = r.first == 0 ? star : r.first;
    uint32_t b = r.last == 0 ? star : r.last;
    if (a > b) std::swap(a, b);
    if (!first) sql += " OR ";
    first = false;
    if (a == b) {
      sql += column + " = " + std::to_string(a);
    } else {
      sql += column + " BETWEEN " + std::to_string(a) + " AND " + std::to_string(b);
    }
  }
  return sql + ")";
}

SearchBuilder::SearchBuilder(int64_t mailbox_id, uint32_t max_uid, const StoreLimits& limits)
    : max_uid_(max_uid), limits_(limits) {
  params_.push_back(std::to_string(mailbox_id));
}

std::string SearchBuilder::Param(std::string value) {
  params_.push_back(std::move(value));
  return "$" + std::to_string(params_.size());
}

absl::StatusOr<std::string> SearchBuilder::Build(const SearchKey& key) {
  return Node(key, 0);
}

absl::StatusOr<std::string> SearchBuilder::Node(const SearchKey& key, size_t depth) {
  if (depth > limits_.max_search_depth) return absl::InvalidArgumentError("search: too deep");
  if (++nodes_ > limits_.max_search_keys) return absl::InvalidArgumentError("search: too many keys");
  using K = SearchKey::Kind;
  const std::string n = std::to_string(key.number);
  switch (key.kind) {
    case K::kAll:
      return std::string("TRUE");
    case K::kFlagSet:
      return "(mm.flags & " + n + ") <> 0";
    case K::kFlagUnset:
      return "(mm.flags & " + n + ") = 0";
    case K::kNew:
      return std::string("(mm.flags & 1) = 0");
    case K::kKeyword:
      return Param(key.text) + " = ANY(mm.keywords)";
    case K::kUnkeyword:
      return "NOT (" + Param(key.text) + " = ANY(mm.keywords))";
    case K::kBefore:
      return "(mm.internal_date AT TIME ZONE 'UTC')::date < " + Param(Day(key.number)) + "::date";
    case K::kOn:
      return "(mm.internal_date AT TIME ZONE 'UTC')::date = " + Param(Day(key.number)) + "::date";
    case K::kSince:
      return "(mm.internal_date AT TIME ZONE 'UTC')::date >= " + Param(Day(key.number)) + "::date";
    case K::kSentBefore:
      return "(m.sent_date AT TIME ZONE 'UTC')::date < " + Param(Day(key.number)) + "::date";
    case K::kSentOn:
      return "(m.sent_date AT TIME ZONE 'UTC')::date = " + Param(Day(key.number)) + "::date";
    case K::kSentSince:
      return "(m.sent_date AT TIME ZONE 'UTC')::date >= " + Param(Day(key.number)) + "::date";
    case K::kLarger:
      return "mm.size > " + n;
    case K::kSmaller:
      return "mm.size < " + n;
    case K::kModseq:
      return "mm.modseq >= " + n;
    case K::kHeader: {
      const std::string& field = key.field;
      if (field.empty() || field.size() > 200) {
        return absl::InvalidArgumentError("search: bad header field name");
      }
      for (unsigned char c : field) {
        if (c <= 0x20 || c >= 0x7f || c == ':') {
          return absl::InvalidArgumentError("search: bad header field name");
        }
      }
      // header_text holds one unfolded "Name: value" line per field.
      return "m.header_text ~* " +
             Param("(^|\n)" + RegexLiteral(field) + ":[^\n]*" + RegexLiteral(key.text));
    }
    case K::kText: {
      std::string p = Param(key.text);
      return "(strpos(lower(m.header_text), lower(" + p + ")) > 0 OR strpos(lower(" +
             std::string(kBodyText) + "), lower(" + p + ")) > 0)";
    }
    case K::kBody:
      return "strpos(lower(" + std::string(kBodyText) + "), lower(" + Param(key.text) + ")) > 0";
    case K::kUid:
      return IdSetSql(key.set, "mm.uid", max_uid_, limits_.max_ranges);
    case K::kSeq: {
      TERN_ASSIGN_OR_RETURN(std::string cond,
                            IdSetSql(key.set, "s.seq", max_seq_, limits_.max_ranges));
      return "mm.uid IN (SELECT s.uid FROM (SELECT uid, row_number() OVER (ORDER BY uid) AS seq "
             "FROM mailbox_messages WHERE mailbox_id = $1) s WHERE " + cond + ")";
    }
    case K::kAnd:
    case K::kOr: {
      const bool is_and = key.kind == K::kAnd;
      if (key.children.empty()) return std::string(is_and ? "TRUE" : "FALSE");
      std::string sql = "(";
      for (size_t i = 0; i < key.children.size(); ++i) {
        TERN_ASSIGN_OR_RETURN(std::string part, Node(key.children[i], depth + 1));
        if (i) sql += is_and ? " AND " : " OR ";
        sql += "(" + part + ")";
      }
      return sql + ")";
    }
    case K::kNot: {
      if (key.children.size() != 1) return absl::InvalidArgumentError("search: NOT needs one key");
      TERN_ASSIGN_OR_RETURN(std::string part, Node(key.children[0], depth + 1));
      return "NOT (" + part + ")";
    }
  }
  return absl::InvalidArgumentError("search: unknown key");
}

}  // namespace tern::storage
