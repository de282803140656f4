// Response writing: atoms, quoted strings, literals, date-times, lists, response text.
#include "tern/imap_protocol/writer.h"

#include <cstdio>

#include "grammar.h"

namespace tern::imap_protocol {
namespace {

using internal::IEquals;
using internal::IsAtomChar;

bool Quotable(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n' || c == '\0' || u >= 0x80) return false;
  }
  return true;
}

bool AllAtomChars(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsAtomChar(c)) return false;
  }
  return true;
}

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

// What the date-time syntax can say (and ParseDateTime takes back): years 0001 to 9999, zones
// -2359 to +2359.
constexpr int64_t kFirstSecond = -62135596800;  // 01-Jan-0001 00:00:00 +0000
constexpr int64_t kLastSecond = 253402300799;   // 31-Dec-9999 23:59:59 +0000
constexpr int kMaxZoneMinutes = 23 * 60 + 59;

}  // namespace

void AppendLiteralHeader(uint64_t n, std::string* out) {
  out->push_back('{');
  *out += std::to_string(n);
  *out += "}\r\n";
}

void AppendString(std::string_view s, std::string* out) {
  if (Quotable(s)) {
    AppendQuoted(s, out);
  } else {
    AppendLiteralHeader(s.size(), out);
    out->append(s);
  }
}

void AppendAstring(std::string_view s, std::string* out) {
  if (AllAtomChars(s) && !IEquals(s, "NIL")) {
    out->append(s);
  } else {
    AppendString(s, out);
  }
}

void AppendNString(const std::optional<std::string>& s, std::string* out) {
  if (!s) {
    *out += "NIL";
  } else {
    AppendString(*s, out);
  }
}

void AppendMailbox(std::string_view encoded, std::string* out) {
  if (IEquals(encoded, "INBOX")) {
    out->append(encoded);
    return;
  }
  AppendAstring(encoded, out);
}

void AppendDateTime(int64_t unix_seconds, int zone_minutes, std::string* out) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // A zone the syntax cannot hold is written as UTC (the instant stays right); an instant
  // outside years 1-9999 (in its zone) as the epoch, rather than a broken line.
  if (zone_minutes < -kMaxZoneMinutes || zone_minutes > kMaxZoneMinutes) zone_minutes = 0;
  int64_t y = 0;
  int m = 1, d = 1;
  int64_t secs = 0;
  if (unix_seconds >= kFirstSecond - 86400 && unix_seconds <= kLastSecond + 86400) {
    const int64_t local = unix_seconds + int64_t{zone_minutes} * 60;
    int64_t days = local / 86400;
    secs = local % 86400;
    if (secs < 0) {
      secs += 86400;
      days -= 1;
    }
    CivilFromDays(days, &y, &m, &d);
  }
  if (y < 1 || y > 9999) {
    y = 1970, m = 1, d = 1, secs = 0, zone_minutes = 0;
  }
  const int zone = zone_minutes < 0 ? -zone_minutes : zone_minutes;
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "\"%02d-%s-%04d %02d:%02d:%02d %c%02d%02d\"", d,
                              kMonths[m - 1], static_cast<int>(y), static_cast<int>(secs / 3600),
                              static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60),
                              zone_minutes < 0 ? '-' : '+', zone / 60, zone % 60);
  if (n > 0) out->append(buf, static_cast<size_t>(n));
}

void AppendList(const std::vector<std::string>& atoms, std::string* out) {
  out->push_back('(');
  for (size_t i = 0; i < atoms.size(); ++i) {
    if (i > 0) out->push_back(' ');
    out->append(atoms[i]);
  }
  out->push_back(')');
}

void AppendText(std::string_view text, std::string* out) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out->push_back(u >= 0x20 && u < 0x7F ? c : '?');
  }
}

}  // namespace tern::imap_protocol
