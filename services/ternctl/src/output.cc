#include "output.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"

namespace tern::ternctl {
namespace {

// Display width: UTF-8 characters (continuation bytes do not count).
size_t Width(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

Table::Table(std::vector<Column> columns, bool header)
    : columns_(std::move(columns)), header_(header) {}

void Table::Add(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(columns_.size(), 0);
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (header_) widths[i] = Width(columns_[i].title);
    for (const auto& row : rows_) widths[i] = std::max(widths[i], Width(row[i]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string pad(widths[i] - Width(cells[i]), ' ');
      bool last = i + 1 == cells.size();
      if (i > 0) text += "  ";
      if (columns_[i].right) {
        text += pad + cells[i];
      } else {
        text += cells[i];
        if (!last) text += pad;
      }
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  };
  if (header_) {
    std::vector<std::string> titles;
    for (const Column& c : columns_) titles.push_back(c.title);
    line(titles);
  }
  for (const auto& row : rows_) line(row);
}

std::string FormatTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatLimit(uint64_t limit) { return limit == 0 ? "unlimited" : std::to_string(limit); }

std::string YesNo(bool b) { return b ? "yes" : "no"; }

bool ParseCount(const std::string& text, uint64_t* out) {
  if (absl::AsciiStrToLower(text) == "unlimited") {
    *out = 0;
    return true;
  }
  if (text.empty() || !std::all_of(text.begin(), text.end(),
                                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return false;
  }
  return absl::SimpleAtoi(text, out);
}

bool ParseBytes(const std::string& text, uint64_t* out) {
  std::string t = absl::AsciiStrToLower(text);
  size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  if (digits == 0) return ParseCount(text, out);
  std::string suffix = t.substr(digits);
  int shift = 0;
  if (suffix.empty() || suffix == "b") {
    shift = 0;
  } else {
    static const std::string kUnits = "kmgt";
    size_t unit = kUnits.find(suffix[0]);
    std::string rest = suffix.substr(1);
    if (unit == std::string::npos || !(rest.empty() || rest == "b" || rest == "ib")) return false;
    shift = 10 * static_cast<int>(unit + 1);
  }
  uint64_t n = 0;
  if (!absl::SimpleAtoi(t.substr(0, digits), &n)) return false;
  if (shift > 0 && n > (std::numeric_limits<uint64_t>::max() >> shift)) return false;
  *out = n << shift;
  return true;
}

}  // namespace tern::ternctl
