// Text output: aligned tables, and the few value formats every command shares.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "google/protobuf/timestamp.pb.h"

namespace tern::ternctl {

struct Column {
  std::string title;
  bool right = false;  // right-aligned (numbers)
};

// Columns separated by two spaces, padded to the widest cell (counted in UTF-8 characters).
class Table {
 public:
  // `header` false prints the rows only (a key/value listing).
  explicit Table(std::vector<Column> columns, bool header = true);
  // Missing trailing cells print empty; extra cells are ignored.
  void Add(std::vector<std::string> cells);
  size_t size() const { return rows_.size(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<Column> columns_;
  bool header_;
  std::vector<std::vector<std::string>> rows_;
};

// RFC 3339 in UTC ("2024-05-01T12:00:00Z"); "" for an unset timestamp.
std::string FormatTime(const google::protobuf::Timestamp& ts);
// A limit where 0 means none: "unlimited" or the number.
std::string FormatLimit(uint64_t limit);
std::string YesNo(bool b);

// Parses a byte count: a decimal number with an optional binary suffix (K, M, G, T, also KiB,
// MB, ...; 1K = 1024), or "unlimited" (0). False when malformed or out of range.
bool ParseBytes(const std::string& text, uint64_t* out);
// Parses a decimal count or "unlimited" (0).
bool ParseCount(const std::string& text, uint64_t* out);

}  // namespace tern::ternctl
