// libFuzzer target for the SMTP codec. For every input it checks that:
//  - CommandReader gives the same lines whole, one byte at a time and in input-derived chunks,
//    never returns a line over its limit and never buffers more than a line plus one feed;
//  - ParseCommand accepts or refuses every line without crashing, and every reply it builds
//    formats to well-framed lines;
//  - a parsed path prints (Path::Address) to something that parses back to the same path;
//  - DataReceiver gives the same message, status and consumed count however the input is split,
//    stores at most the size limit, and stops only right after CRLF "." CRLF;
//  - BdatReceiver consumes exactly the announced octets;
//  - the client side (a remote server's replies, as outbound delivery reads them): ReplyParser
//    stays within its line bounds and keeps one code per reply, ParseCapabilities accepts
//    anything, and DotStuff output never holds an early end of data.
// Any violation aborts, which libFuzzer reports as a crash. By hand, from the repository root:
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined \
//     -Ilibs/smtp-protocol/include -Ilibs/smtp-protocol/src -Ilibs/line-protocol/include \
//     -Ilibs/sasl/include libs/smtp-protocol/src/*.cc libs/line-protocol/src/*.cc \
//     libs/sasl/src/base64.cc libs/smtp-protocol/fuzz/smtp_fuzz.cc -o /tmp/smtp_fuzz
//   /tmp/smtp_fuzz -max_len=4096 libs/smtp-protocol/fuzz/corpus
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tern/smtp_protocol/smtp_protocol.h"

namespace {

namespace sp = tern::smtp_protocol;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "smtp_fuzz: %s\n", what);
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

void CheckReply(const sp::Reply& r) {
  Check(r.code >= 100 && r.code <= 599, "reply code out of range");
  const std::string wire = sp::Format(r);
  Check(wire.size() >= 6 && wire.substr(wire.size() - 2) == "\r\n", "reply not CRLF-ended");
  size_t lines = 0;
  for (size_t i = 0; i < wire.size(); ++i) {
    if (wire[i] == '\n') {
      Check(i > 0 && wire[i - 1] == '\r', "bare LF in a reply");
      ++lines;
    }
    if (wire[i] == '\r') Check(i + 1 < wire.size() && wire[i + 1] == '\n', "bare CR in a reply");
  }
  Check(lines == std::max<size_t>(1, r.lines.size()), "reply line count");
}

std::vector<std::string> ReadLines(const std::vector<std::string_view>& pieces,
                                   const sp::Limits& limits) {
  sp::CommandReader reader(limits);
  std::vector<std::string> out;
  for (std::string_view piece : pieces) {
    reader.Feed(piece);
    for (;;) {
      const auto r = reader.Next();
      if (r.kind == sp::CommandReader::Result::kNeedMore) break;
      if (r.kind == sp::CommandReader::Result::kTooLong) {
        out.push_back("\x01TOO_LONG");
        continue;
      }
      Check(r.line.size() + 2 <= std::max(limits.max_command_line, limits.max_auth_line),
            "line over the limit");
      out.push_back(std::string(r.line) + (r.bare_lf ? "\x01LF" : ""));
    }
    Check(reader.buffered().size() <=
              std::max(limits.max_command_line, limits.max_auth_line) + piece.size(),
          "reader buffers too much");
  }
  out.push_back("\x01REST" + std::string(reader.buffered()));
  return out;
}

void FuzzCommands(std::string_view data) {
  sp::Limits limits;
  limits.max_command_line = 64;  // small, so that the too-long paths are reached
  limits.max_auth_line = 128;
  const auto whole = ReadLines({data}, limits);
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < data.size(); ++i) bytes.push_back(data.substr(i, 1));
  Check(ReadLines(bytes, limits) == whole, "reader: bytewise differs");
  Check(ReadLines(Chunks(data, 7), limits) == whole, "reader: chunked differs");

  for (const std::string& line : whole) {
    if (!line.empty() && line[0] == '\x01') continue;
    const sp::Command c = sp::ParseCommand(line);
    (void)sp::CommandName(c);
    if (const auto* i = std::get_if<sp::Invalid>(&c)) CheckReply(i->reply);
    if (const auto* u = std::get_if<sp::Unknown>(&c)) {
      CheckReply(u->reply);
      Check(u->verb.size() <= 32, "unknown verb too long");
    }
  }
  CheckReply(sp::HelpReply(data.substr(0, 16)));
}

void FuzzPath(std::string_view data) {
  for (bool forward : {false, true}) {
    sp::Path p;
    std::string error;
    const size_t used = sp::ParsePath(data, forward, &p, &error);
    Check(used <= data.size(), "path used past the input");
    if (used == 0) {
      Check(!error.empty(), "path failure without a reason");
      continue;
    }
    Check(data[used - 1] == '>', "path does not end at '>'");
    const std::string again = "<" + p.Address() + ">";
    sp::Path q;
    Check(sp::ParsePath(again, forward, &q, &error) == again.size(), "Address() does not parse");
    Check(p == q, "Address() does not round-trip");
  }
}

struct DataOutcome {
  sp::FeedResult result;
  std::string message;
  sp::BodyStatus status;
  bool operator==(const DataOutcome& o) const {
    return result.consumed == o.result.consumed && result.done == o.result.done &&
           message == o.message && status == o.status;
  }
};

DataOutcome Receive(const std::vector<std::string_view>& pieces, const sp::Limits& limits) {
  sp::DataReceiver r(limits);
  DataOutcome o;
  for (std::string_view piece : pieces) {
    const sp::FeedResult f = r.Feed(piece);
    o.result.consumed += f.consumed;
    if (f.done) {
      o.result.done = true;
      break;
    }
    Check(f.consumed == piece.size(), "DATA: an unfinished feed left octets");
  }
  o.message = r.TakeMessage();
  o.status = r.status();
  return o;
}

void FuzzData(std::string_view data) {
  sp::Limits limits;
  limits.max_message_size = 100;
  limits.max_text_line = 40;
  const DataOutcome whole = Receive({data}, limits);
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < data.size(); ++i) bytes.push_back(data.substr(i, 1));
  Check(Receive(bytes, limits) == whole, "DATA: bytewise differs");
  Check(Receive(Chunks(data, 3), limits) == whole, "DATA: chunked differs");
  Check(whole.message.size() <= limits.max_message_size, "DATA: stored past the limit");
  Check(whole.status.too_big == (whole.status.size > limits.max_message_size),
        "DATA: too_big disagrees with size");
  if (!whole.status.too_big) Check(whole.message.size() == whole.status.size, "DATA: size");
  if (whole.result.done) {
    const std::string_view head = data.substr(0, whole.result.consumed);
    Check(head == ".\r\n" || (head.size() >= 5 && head.substr(head.size() - 5) == "\r\n.\r\n"),
          "DATA: ended without CRLF.CRLF");
  }
}

void FuzzBdat(std::string_view data) {
  if (data.empty()) return;
  sp::Limits limits;
  limits.max_message_size = 64;
  limits.max_bdat_chunk = 32;
  sp::BdatReceiver r(limits);
  auto pieces = Chunks(data, 11);
  size_t piece = 0, k = 0, consumed = 0, announced = 0;
  bool last = false;
  while (!last) {
    const size_t size = static_cast<unsigned char>(data[k++ % data.size()]) % 40;
    last = k % 5 == 0;
    r.StartChunk(size, last);
    announced += size;
    while (!r.chunk_done() && piece < pieces.size()) {
      const sp::FeedResult f = r.Feed(pieces[piece]);
      consumed += f.consumed;
      if (f.consumed == pieces[piece].size()) {
        ++piece;
      } else {
        Check(f.done, "BDAT: left octets before the chunk was done");
        pieces[piece].remove_prefix(f.consumed);  // the rest belongs to the next chunk
      }
    }
    if (!r.chunk_done()) break;  // out of input
  }
  Check(consumed <= announced, "BDAT: consumed more than announced");
  if (r.complete()) Check(consumed == announced, "BDAT: complete but short");
  Check(r.TakeMessage().size() <= limits.max_message_size, "BDAT: stored past the limit");
}

}  // namespace

void FuzzClient(std::string_view data) {
  sp::ReplyParser parser;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find("\r\n", start);
    if (end == std::string_view::npos) end = data.size();
    auto state = parser.Add(data.substr(start, end - start));
    if (state == sp::ReplyParser::State::kDone) {
      sp::Reply r = parser.Take();
      Check(r.code >= 200 && r.code <= 599, "client reply code out of range");
      Check(!r.lines.empty() && r.lines.size() <= sp::ReplyParser::kMaxLines, "reply lines");
      (void)sp::ParseCapabilities(r);
      (void)sp::ReplyText(r);
    } else if (state == sp::ReplyParser::State::kError) {
      parser.Take();
    }
    start = end + 2;
  }
  const std::string stuffed = sp::DotStuff(data);
  Check(stuffed.size() >= 3 && stuffed.substr(stuffed.size() - 3) == ".\r\n", "no end of data");
  Check(stuffed.find("\r\n.\r\n") == stuffed.size() - 5 || stuffed == ".\r\n",
        "early end of data in a dot-stuffed message");
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  FuzzCommands(data);
  FuzzPath(data);
  FuzzData(data);
  FuzzBdat(data);
  FuzzClient(data);
  return 0;
}
