// Sequence sets: parsing, resolving "*", membership, and the compact form of COPYUID.
#include "tern/imap_protocol/sequence_set.h"

#include <algorithm>
#include <charconv>

namespace tern::imap_protocol {
namespace {

// seq-number = nz-number / "*"; "*" gives 0.
bool ParseSeqNumber(std::string_view s, uint32_t* out) {
  if (s == "*") {
    *out = 0;
    return true;
  }
  if (s.empty() || s[0] == '0') return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  uint32_t n = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  *out = n;
  return true;
}

}  // namespace

std::optional<SequenceSet> ParseSequenceSet(std::string_view text, const Limits& limits) {
  SequenceSet set;
  if (text.empty()) return std::nullopt;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string_view item =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (set.ranges.size() >= limits.max_set_ranges) return std::nullopt;
    SeqRange r;
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      if (!ParseSeqNumber(item, &r.first)) return std::nullopt;
      r.last = r.first;
    } else {
      if (!ParseSeqNumber(item.substr(0, colon), &r.first) ||
          !ParseSeqNumber(item.substr(colon + 1), &r.last)) {
        return std::nullopt;
      }
    }
    set.ranges.push_back(r);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return set;
}

std::vector<SeqRange> SequenceSet::Resolve(uint32_t largest) const {
  std::vector<SeqRange> out;
  out.reserve(ranges.size());
  for (SeqRange r : ranges) {
    if (r.first == 0) r.first = largest;
    if (r.last == 0) r.last = largest;
    if (r.first > r.last) std::swap(r.first, r.last);
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(),
            [](const SeqRange& a, const SeqRange& b) { return a.first < b.first; });
  std::vector<SeqRange> merged;
  for (const SeqRange& r : out) {
    if (!merged.empty() && (merged.back().last == UINT32_MAX || r.first <= merged.back().last + 1)) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

bool SequenceSet::Contains(uint32_t n, uint32_t largest) const {
  for (SeqRange r : ranges) {
    if (r.first == 0) r.first = largest;
    if (r.last == 0) r.last = largest;
    if (r.first > r.last) std::swap(r.first, r.last);
    if (n >= r.first && n <= r.last) return true;
  }
  return false;
}

std::string FormatSet(const std::vector<uint32_t>& ascending) {
  std::string out;
  size_t i = 0;
  while (i < ascending.size()) {
    size_t j = i;
    while (j + 1 < ascending.size() && ascending[j] != UINT32_MAX &&
           ascending[j + 1] == ascending[j] + 1) {
      ++j;
    }
    if (!out.empty()) out.push_back(',');
    out += std::to_string(ascending[i]);
    if (j > i) {
      out.push_back(':');
      out += std::to_string(ascending[j]);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace tern::imap_protocol
