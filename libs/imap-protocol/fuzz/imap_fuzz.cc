// libFuzzer target for the IMAP codec. For every input it checks that:
//  - CommandReader gives the same events (commands, continuations, refusals, AUTHENTICATE and
//    IDLE lines) fed whole, one octet at a time, in two pieces split where the input says and
//    in input-derived chunks; that it never gives out more octets than it was fed (a CR may be
//    added before each LF), and that mid_command() agrees at the end;
//  - ParseCommand accepts or refuses every command it gives (and the raw input) without
//    crashing: a refusal has a text, an accepted command has its tag first and a name;
//  - the writer's strings parse back: AppendAstring(s) read as LOGIN's user is s (when s has
//    no NUL), AppendMailbox(EncodeMailboxName(s)) read as SELECT's mailbox is that name;
//  - modified UTF-7: a name that decodes encodes back to the same octets, and every encoded
//    name decodes (to what encodes the same);
//  - ParseSequenceSet: a set has 1 to max_set_ranges ranges, Resolve() is ascending and merged
//    and agrees with Contains(), and FormatSet of the numbers parses back to them;
//  - date-times: AppendDateTime of any instant and zone is 28 octets that ParseDateTime reads,
//    the same instant and zone when the syntax can hold them; a parsed date-time writes back.
// Any violation aborts, which libFuzzer reports as a crash. By hand, from the repository root:
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined \
//     -Ilibs/imap-protocol/include -Ilibs/imap-protocol/src libs/imap-protocol/src/*.cc \
//     libs/imap-protocol/fuzz/imap_fuzz.cc -o /tmp/imap_fuzz
//   /tmp/imap_fuzz -max_len=4096 libs/imap-protocol/fuzz/corpus
// (tests/fuzz/run.sh imap 600 does the same.)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tern/imap_protocol/imap_protocol.h"

namespace {

namespace ip = tern::imap_protocol;
using Kind = ip::CommandReader::Result::Kind;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "imap_fuzz: %s\n", what);
    std::abort();
  }
}

// Splits `data` into pieces whose sizes come from the data itself.
std::vector<std::string_view> Chunks(std::string_view data, size_t salt) {
  std::vector<std::string_view> out;
  size_t i = 0, k = salt;
  while (i < data.size()) {
    size_t n = 1 + static_cast<unsigned char>(data[k++ % data.size()]) % 23;
    n = std::min(n, data.size() - i);
    out.push_back(data.substr(i, n));
    i += n;
  }
  return out;
}

// Small limits, so that the too-long, too-big and discard paths are reached.
ip::Limits SmallLimits() {
  ip::Limits l;
  l.max_line = 64;
  l.max_literal = 32;
  l.max_append_literal = 100;
  l.max_command = 256;
  l.max_discard = 64;
  l.max_sasl_line = 48;
  l.max_nesting = 4;
  l.max_set_ranges = 16;
  l.max_search_keys = 16;
  return l;
}

void CheckParsed(std::string_view command, const ip::Parsed& p) {
  if (!p.tag.empty()) {
    Check(command.size() > p.tag.size() && command.substr(0, p.tag.size()) == p.tag &&
              command[p.tag.size()] == ' ',
          "parsed tag is not the command's first word");
  }
  if (!p.ok) {
    Check(!p.error.empty(), "refused without a text");
    return;
  }
  Check(!p.tag.empty(), "accepted without a tag");
  Check(!ip::CommandName(p.command).empty(), "command without a name");
}

struct Events {
  std::vector<std::string> list;
  size_t given = 0;  // octets of commands and lines handed out
  bool mid = false;
  bool operator==(const Events& o) const {
    return list == o.list && given == o.given && mid == o.mid;
  }
};

// Feeds `pieces`, draining the reader after each; a command naming AUTHENTICATE or IDLE is
// followed by one NextLine(), as a session does.
Events Read(const std::vector<std::string_view>& pieces, const ip::Limits& limits) {
  ip::CommandReader reader(limits);
  Events ev;
  bool line_mode = false;
  for (std::string_view piece : pieces) {
    reader.Feed(piece);
    for (;;) {
      const ip::CommandReader::Result r = line_mode ? reader.NextLine() : reader.Next();
      if (r.kind == Kind::kNeedMore) break;
      switch (r.kind) {
        case Kind::kCommand:
          ev.list.push_back("C" + r.command);
          ev.given += r.command.size();
          line_mode = r.command.find("AUTHENTICATE") != std::string::npos ||
                      r.command.find("IDLE") != std::string::npos;
          break;
        case Kind::kContinue:
          ev.list.push_back("+");
          break;
        case Kind::kRefused:
          Check(!r.text.empty(), "refusal without a text");
          ev.list.push_back("R" + r.tag + "|" + r.text + "|" + r.code + (r.fatal ? "|F" : ""));
          break;
        case Kind::kLine:
          Check(r.command.size() + 1 <= limits.max_sasl_line, "line over max_sasl_line");
          ev.list.push_back("L" + r.command);
          ev.given += r.command.size();
          line_mode = false;
          break;
        case Kind::kTooLong:
          ev.list.push_back("T");
          line_mode = false;
          break;
        case Kind::kNeedMore:
          break;
      }
    }
  }
  ev.mid = reader.mid_command();
  return ev;
}

void FuzzReader(std::string_view data, const ip::Limits& limits) {
  const Events whole = Read({data}, limits);
  const size_t lfs = static_cast<size_t>(std::count(data.begin(), data.end(), '\n'));
  Check(whole.given <= data.size() + lfs, "reader gave out more than it was fed");

  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < data.size(); ++i) bytes.push_back(data.substr(i, 1));
  Check(Read(bytes, limits) == whole, "reader: bytewise differs");
  if (data.size() >= 2) {
    const size_t at = (static_cast<unsigned char>(data[0]) * 256u +
                       static_cast<unsigned char>(data[1])) % (data.size() + 1);
    Check(Read({data.substr(0, at), data.substr(at)}, limits) == whole, "reader: split differs");
  }
  Check(Read(Chunks(data, 5), limits) == whole, "reader: chunked differs");

  for (const std::string& e : whole.list) {
    if (e[0] != 'C') continue;
    const std::string_view command = std::string_view(e).substr(1);
    CheckParsed(command, ip::ParseCommand(command, limits));
  }
}

void FuzzParser(std::string_view data) {
  CheckParsed(data, ip::ParseCommand(data));
  CheckParsed(data, ip::ParseCommand(data, SmallLimits()));
}

void FuzzWriter(std::string_view data) {
  const std::string_view s = data.substr(0, 200);
  std::string wire = "a LOGIN ";
  ip::AppendAstring(s, &wire);
  wire += " x";
  const ip::Parsed login = ip::ParseCommand(wire);
  if (s.find('\0') == std::string_view::npos) {
    Check(login.ok, "AppendAstring does not parse");
    Check(std::get<ip::Login>(login.command).user == s, "AppendAstring does not round-trip");
  } else {
    Check(!login.ok, "NUL in a login name accepted");
  }

  const std::string name = ip::EncodeMailboxName(s);
  std::string select = "a SELECT ";
  ip::AppendMailbox(name, &select);
  const ip::Parsed p = ip::ParseCommand(select);
  Check(p.ok, "AppendMailbox does not parse");
  Check(std::get<ip::Select>(p.command).mailbox == name, "AppendMailbox does not round-trip");

  std::string text;
  ip::AppendText(s, &text);
  Check(text.size() == s.size(), "AppendText changed the length");
  for (char c : text) Check(c >= 0x20 && c < 0x7F, "AppendText let a non-printable through");
}

void FuzzMailboxName(std::string_view data) {
  if (const std::optional<std::string> utf8 = ip::DecodeMailboxName(data)) {
    Check(ip::EncodeMailboxName(*utf8) == data, "decoded name does not encode back");
  }
  const std::string encoded = ip::EncodeMailboxName(data);
  for (char c : encoded) Check(c >= 0x20 && c < 0x7F, "encoded name not printable ASCII");
  const std::optional<std::string> back = ip::DecodeMailboxName(encoded);
  Check(back.has_value(), "encoded name does not decode");
  Check(ip::EncodeMailboxName(*back) == encoded, "encoded name is not stable");
}

void FuzzSequenceSet(std::string_view data) {
  ip::Limits limits;
  limits.max_set_ranges = 64;
  const size_t nl = data.find('\n');
  const std::string_view text = data.substr(0, nl);
  const std::optional<ip::SequenceSet> set = ip::ParseSequenceSet(text, limits);
  if (!set) return;
  Check(!set->ranges.empty() && set->ranges.size() <= limits.max_set_ranges,
        "sequence set range count");
  uint32_t largest = 0;
  if (nl != std::string_view::npos) {
    for (char c : data.substr(nl + 1, 4)) largest = largest << 8 | static_cast<unsigned char>(c);
  }
  const std::vector<ip::SeqRange> resolved = set->Resolve(largest);
  Check(!resolved.empty(), "resolved set is empty");
  uint64_t count = 0;
  for (size_t i = 0; i < resolved.size(); ++i) {
    Check(resolved[i].first <= resolved[i].last, "resolved range reversed");
    if (i > 0) {
      Check(uint64_t{resolved[i].first} > uint64_t{resolved[i - 1].last} + 1,
            "resolved ranges not merged");
    }
    Check(set->Contains(resolved[i].first, largest) && set->Contains(resolved[i].last, largest),
          "Contains disagrees with Resolve");
    if (resolved[i].first > 1) {
      Check(!set->Contains(resolved[i].first - 1, largest), "Contains has more than Resolve");
    }
    if (resolved[i].last < UINT32_MAX) {
      Check(!set->Contains(resolved[i].last + 1, largest), "Contains has more than Resolve");
    }
    count += uint64_t{resolved[i].last} - resolved[i].first + 1;
  }
  if (count > 4096 || resolved.front().first == 0) return;
  std::vector<uint32_t> numbers;
  for (const ip::SeqRange& r : resolved) {
    for (uint64_t n = r.first; n <= r.last; ++n) numbers.push_back(static_cast<uint32_t>(n));
  }
  const std::optional<ip::SequenceSet> again = ip::ParseSequenceSet(ip::FormatSet(numbers));
  Check(again.has_value(), "FormatSet does not parse");
  Check(again->Resolve(largest) == resolved, "FormatSet does not round-trip");
}

void CheckDateTimeText(const std::string& out) {
  Check(out.size() == 28 && out.front() == '"' && out.back() == '"', "date-time shape");
  Check(ip::ParseDateTime(out.substr(1, 26)).has_value(), "written date-time does not parse");
}

void FuzzDateTime(std::string_view data) {
  if (data.size() >= 12) {
    int64_t t = 0;
    int32_t zone = 0;
    std::memcpy(&t, data.data(), sizeof t);
    std::memcpy(&zone, data.data() + 8, sizeof zone);
    for (int z : {static_cast<int>(zone), static_cast<int>(zone % 1440), 0}) {
      std::string out;
      ip::AppendDateTime(t, z, &out);
      CheckDateTimeText(out);
      const auto back = ip::ParseDateTime(out.substr(1, 26));
      if (z == 0 && t >= -62135596800 && t <= 253402300799) {
        Check(back->unix_seconds == t && back->zone_minutes == 0, "UTC instant not kept");
      }
    }
  }
  for (size_t n : {25, 26, 27}) {  // the lengths a date-time can have
    if (data.size() < n) break;
    if (const std::optional<ip::DateTime> dt = ip::ParseDateTime(data.substr(0, n))) {
      std::string out;
      ip::AppendDateTime(dt->unix_seconds, dt->zone_minutes, &out);
      CheckDateTimeText(out);
      Check(ip::ParseDateTime(out.substr(1, 26)) == dt, "parsed date-time does not write back");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  FuzzReader(data, SmallLimits());
  FuzzReader(data, ip::Limits{});
  FuzzParser(data);
  FuzzWriter(data);
  FuzzMailboxName(data);
  FuzzSequenceSet(data);
  FuzzDateTime(data);
  return 0;
}
