#include "search.h"

#include <algorithm>

#include "absl/time/time.h"
#include "tern/core/status.h"

namespace tern::storage {
namespace {

// The decoded body text; NULL in the row means "the raw body is the text" (see ParsedMessage).
constexpr const char* kBodyText =
    "coalesce(m.body_text, convert_from(substring(m.content FROM (m.header_size + 1)::int), 'UTF8'))";

std::string Day(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(t.seconds()), absl::UTCTimeZone());
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

absl::StatusOr<std::string> IdSetSql(const pb::IdSet& set, const std::string& column,
                                     uint32_t star, size_t max_ranges) {
  if (set.ranges().empty()) return absl::InvalidArgumentError("empty UID set");
  if (static_cast<size_t>(set.ranges_size()) > max_ranges) {
    return absl::InvalidArgumentError("UID set: too many ranges");
  }
  std::string sql = "(";
  bool first = true;
  for (const auto& r : set.ranges()) {
    uint32_t a = r.first() == 0 ? star : r.first();
    uint32_t b = r.last() == 0 ? star : r.last();
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

absl::StatusOr<std::string> SearchBuilder::Build(const pb::SearchKey& key) {
  return Node(key, 0);
}

absl::StatusOr<std::string> SearchBuilder::Node(const pb::SearchKey& key, size_t depth) {
  if (depth > limits_.max_search_depth) return absl::InvalidArgumentError("search: too deep");
  if (++nodes_ > limits_.max_search_keys) return absl::InvalidArgumentError("search: too many keys");
  switch (key.key_case()) {
    case pb::SearchKey::KEY_NOT_SET:
    case pb::SearchKey::kAll:
      return std::string("TRUE");
    case pb::SearchKey::kFlagSet:
      return "(mm.flags & " + std::to_string(key.flag_set()) + ") <> 0";
    case pb::SearchKey::kFlagUnset:
      return "(mm.flags & " + std::to_string(key.flag_unset()) + ") = 0";
    case pb::SearchKey::kNew:
      return std::string("(mm.flags & 1) = 0");
    case pb::SearchKey::kKeyword:
      return Param(key.keyword()) + " = ANY(mm.keywords)";
    case pb::SearchKey::kUnkeyword:
      return "NOT (" + Param(key.unkeyword()) + " = ANY(mm.keywords))";
    case pb::SearchKey::kBefore:
      return "(mm.internal_date AT TIME ZONE 'UTC')::date < " + Param(Day(key.before())) + "::date";
    case pb::SearchKey::kOn:
      return "(mm.internal_date AT TIME ZONE 'UTC')::date = " + Param(Day(key.on())) + "::date";
    case pb::SearchKey::kSince:
      return "(mm.internal_date AT TIME ZONE 'UTC')::date >= " + Param(Day(key.since())) + "::date";
    case pb::SearchKey::kSentBefore:
      return "(m.sent_date AT TIME ZONE 'UTC')::date < " + Param(Day(key.sent_before())) + "::date";
    case pb::SearchKey::kSentOn:
      return "(m.sent_date AT TIME ZONE 'UTC')::date = " + Param(Day(key.sent_on())) + "::date";
    case pb::SearchKey::kSentSince:
      return "(m.sent_date AT TIME ZONE 'UTC')::date >= " + Param(Day(key.sent_since())) + "::date";
    case pb::SearchKey::kLarger:
      return "mm.size > " + std::to_string(key.larger());
    case pb::SearchKey::kSmaller:
      return "mm.size < " + std::to_string(key.smaller());
    case pb::SearchKey::kModseq:
      return "mm.modseq >= " + std::to_string(key.modseq());
    case pb::SearchKey::kHeader: {
      const std::string& field = key.header().field();
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
             Param("(^|\n)" + RegexLiteral(field) + ":[^\n]*" + RegexLiteral(key.header().value()));
    }
    case pb::SearchKey::kText: {
      std::string p = Param(key.text());
      return "(strpos(lower(m.header_text), lower(" + p + ")) > 0 OR strpos(lower(" +
             std::string(kBodyText) + "), lower(" + p + ")) > 0)";
    }
    case pb::SearchKey::kBody:
      return "strpos(lower(" + std::string(kBodyText) + "), lower(" + Param(key.body()) + ")) > 0";
    case pb::SearchKey::kUid:
      return IdSetSql(key.uid(), "mm.uid", max_uid_, limits_.max_ranges);
    case pb::SearchKey::kSeq: {
      TERN_ASSIGN_OR_RETURN(std::string cond,
                            IdSetSql(key.seq(), "s.seq", max_seq_, limits_.max_ranges));
      return "mm.uid IN (SELECT s.uid FROM (SELECT uid, row_number() OVER (ORDER BY uid) AS seq "
             "FROM mailbox_messages WHERE mailbox_id = $1) s WHERE " + cond + ")";
    }
    case pb::SearchKey::kAnd:
    case pb::SearchKey::kOr: {
      const auto& keys = key.has_and_() ? key.and_().keys() : key.or_().keys();
      if (keys.empty()) return std::string(key.has_and_() ? "TRUE" : "FALSE");
      std::string sql = "(";
      for (int i = 0; i < keys.size(); ++i) {
        TERN_ASSIGN_OR_RETURN(std::string part, Node(keys[i], depth + 1));
        if (i) sql += key.has_and_() ? " AND " : " OR ";
        sql += "(" + part + ")";
      }
      return sql + ")";
    }
    case pb::SearchKey::kNot: {
      TERN_ASSIGN_OR_RETURN(std::string part, Node(key.not_(), depth + 1));
      return "NOT (" + part + ")";
    }
  }
  return absl::InvalidArgumentError("search: unknown key");
}

}  // namespace tern::storage
