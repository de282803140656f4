// IMAP sequence sets (RFC 3501 section 9, sequence-set): "1", "2:4", "*", "7:*", "5:2"
// (reversed ranges are the same as "2:5"), comma separated, for message sequence numbers and
// UIDs alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tern/imap_protocol/limits.h"

namespace tern::imap_protocol {

// 0 stands for "*": the largest number in use (the number of messages, or the highest UID).
struct SeqRange {
  uint32_t first = 0;
  uint32_t last = 0;
  bool operator==(const SeqRange&) const = default;
};

struct SequenceSet {
  std::vector<SeqRange> ranges;  // as sent, "*" as 0, a reversed range kept as sent
  bool operator==(const SequenceSet&) const = default;

  // Ascending, merged, non-overlapping ranges with "*" replaced by `largest` and every range
  // ordered (first <= last). With largest 0 (an empty mailbox) "*" stays 0, so ranges may
  // contain 0; callers treat a set that resolves only to 0 as matching nothing.
  std::vector<SeqRange> Resolve(uint32_t largest) const;
  // n is in the set, "*" being `largest`.
  bool Contains(uint32_t n, uint32_t largest) const;
};

// Parses the whole of `text` as a sequence-set. nullopt when it is not one (empty, a 0, a
// number over 4294967295, stray characters) or has more than limits.max_set_ranges ranges.
std::optional<SequenceSet> ParseSequenceSet(std::string_view text, const Limits& limits = {});

// Ascending numbers as a compact set: {1,2,3,5} -> "1:3,5". "" for none (COPYUID, ESEARCH).
std::string FormatSet(const std::vector<uint32_t>& ascending);

}  // namespace tern::imap_protocol
