// CommandReader: lines out of a byte stream, fed whole, one octet at a time and in random
// chunks, with hostile rows (bare LF, lone CR, NUL, oversize lines, pipelined groups, plaintext
// after STLS).
#include "tern/pop3_protocol/command_reader.h"

#include <string>
#include <vector>

#include "chunkings.h"
#include "gtest/gtest.h"

namespace tern::pop3_protocol {
namespace {

using namespace std::string_literals;
using testing::AllChunkings;
using testing::Escape;

// Drains the reader into printable events: "L:<line>" (CRLF), "LF:<line>" (bare LF),
// "TOO_LONG".
void Drain(CommandReader& reader, std::vector<std::string>* events,
           CommandReader::LineKind kind = CommandReader::LineKind::kCommand) {
  for (;;) {
    const CommandReader::Result r = reader.Next(kind);
    if (r.kind == CommandReader::Result::kNeedMore) return;
    if (r.kind == CommandReader::Result::kTooLong) {
      events->push_back("TOO_LONG");
    } else {
      events->push_back((r.bare_lf ? "LF:" : "L:") + std::string(r.line));
    }
  }
}

struct Outcome {
  std::vector<std::string> events;
  std::string rest;  // buffered at the end
};

Outcome Read(const std::vector<std::string_view>& pieces, Limits limits = {},
             CommandReader::LineKind kind = CommandReader::LineKind::kCommand) {
  CommandReader reader(limits);
  Outcome o;
  for (std::string_view piece : pieces) {
    reader.Feed(piece);
    Drain(reader, &o.events, kind);
  }
  o.rest = std::string(reader.buffered());
  return o;
}

struct Row {
  std::string name;
  std::string input;
  std::vector<std::string> events;
  std::string rest;
};

const std::string k253(253, 'a');  // the longest line text: 255 octets with CRLF
const std::string k254(254, 'a');

TEST(CommandReaderTest, Table) {
  const Row rows[] = {
      {"crlf", "STAT\r\n", {"L:STAT"}, ""},
      {"bare lf (nc users)", "STAT\n", {"LF:STAT"}, ""},
      {"incomplete", "STAT", {}, "STAT"},
      {"incomplete after cr", "STAT\r", {}, "STAT\r"},
      {"empty line", "\r\n", {"L:"}, ""},
      {"empty bare line", "\n", {"LF:"}, ""},
      {"lone cr stays in the line", "NOOP\rQUIT\r\n", {"L:NOOP\rQUIT"}, ""},
      {"cr cr lf", "QUIT\r\r\n", {"L:QUIT\r"}, ""},
      {"nul passes through to the parser", "NO\0OP\r\n"s, {"L:NO\0OP"s}, ""},
      {"spaces kept (PASS needs them)", "PASS  a b  \r\n", {"L:PASS  a b  "}, ""},
      {"pipelined group",
       "USER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL\r\n",
       {"L:USER alice", "L:PASS secret", "L:STAT", "L:LIST", "L:UIDL"},
       ""},
      {"pipelined, last incomplete", "RETR 1\r\nDELE 1\nQUI", {"L:RETR 1", "LF:DELE 1"}, "QUI"},
      {"mixed endings", "A\nB\r\nC\n", {"LF:A", "L:B", "LF:C"}, ""},
      {"253 octets fit", k253 + "\r\n", {"L:" + k253}, ""},
      {"253 octets, bare lf", k253 + "\n", {"LF:" + k253}, ""},
      {"254 octets too long", k254 + "\r\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
      {"254 octets, bare lf", k254 + "\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
      {"too long, no end yet", std::string(5000, 'x'), {"TOO_LONG"}, ""},
      {"too long then resumes",
       std::string(5000, 'x') + "\r\nNOOP\r\n",
       {"TOO_LONG", "L:NOOP"},
       ""},
      {"two too long",
       std::string(300, 'x') + "\n" + std::string(300, 'y') + "\r\nQUIT\r\n",
       {"TOO_LONG", "TOO_LONG", "L:QUIT"},
       ""},
      {"too long, cr at the limit", k253 + "\r\r\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
      {"long PASS line",
       "PASS " + std::string(300, 'p') + "\r\nQUIT\r\n",
       {"TOO_LONG", "L:QUIT"},
       ""},
      {"AUTH may be long",
       "AUTH PLAIN " + std::string(5000, 'A') + "\r\n",
       {"L:AUTH PLAIN " + std::string(5000, 'A')},
       ""},
      {"auth, any case",
       "auth plain " + std::string(5000, 'A') + "\r\n",
       {"L:auth plain " + std::string(5000, 'A')},
       ""},
      {"AUTH limit",
       "AUTH PLAIN " + std::string(8180, 'A') + "\r\nAUTH PLAIN " + std::string(8179, 'A') + "\r\n",
       {"TOO_LONG", "L:AUTH PLAIN " + std::string(8179, 'A')},
       ""},
      {"AUTHX is not AUTH", "AUTHX " + std::string(300, 'A') + "\r\n", {"TOO_LONG"}, ""},
      {"no lf at all", "\r\r\r", {}, "\r\r\r"},
      {"nul and controls", "\0\x01\x7f\r\n"s, {"L:\0\x01\x7f"s}, ""},
  };
  for (const Row& row : rows) {
    for (const auto& c : AllChunkings(row.input)) {
      const Outcome o = Read(c.pieces);
      EXPECT_EQ(o.events, row.events) << row.name << " / " << c.name << ": " << Escape(row.input);
      EXPECT_EQ(o.rest, row.rest) << row.name << " / " << c.name;
    }
  }
}

TEST(CommandReaderTest, SaslResponsesUseTheAuthLimit) {
  const std::string response(8000, 'Q');
  const std::string input = response + "\r\n";
  for (const auto& c : AllChunkings(input)) {
    EXPECT_EQ(Read(c.pieces, {}, CommandReader::LineKind::kSaslResponse).events,
              std::vector<std::string>{"L:" + response})
        << c.name;
    EXPECT_EQ(Read(c.pieces).events, std::vector<std::string>{"TOO_LONG"}) << c.name;
  }
}

TEST(CommandReaderTest, CustomLimit) {
  Limits limits;
  limits.max_command_line = 8;  // 6 octets of text
  for (const auto& c : AllChunkings("123456\r\n1234567\r\nQUIT\n")) {
    EXPECT_EQ(Read(c.pieces, limits).events,
              (std::vector<std::string>{"L:123456", "TOO_LONG", "LF:QUIT"}))
        << c.name;
  }
}

TEST(CommandReaderTest, NeverBuffersMoreThanOneLine) {
  CommandReader reader;
  std::vector<std::string> events;
  const std::string kilobyte(1024, 'z');
  for (int i = 0; i < 1000; ++i) {  // a megabyte without a line ending
    reader.Feed(kilobyte);
    Drain(reader, &events);
    EXPECT_LE(reader.buffered().size(), 255u);
  }
  reader.Feed("\r\nQUIT\r\n");
  Drain(reader, &events);
  EXPECT_EQ(events, (std::vector<std::string>{"TOO_LONG", "L:QUIT"}));
}

TEST(CommandReaderTest, StlsDiscardsPipelinedPlaintext) {
  // CVE-2011-0411: commands sent in clear after STLS must not run inside TLS.
  const std::string packet = "CAPA\r\nSTLS\r\nUSER evil\r\nPASS stolen\r\nRETR";
  for (const auto& c : AllChunkings(packet)) {
    CommandReader reader;
    std::vector<std::string> lines;
    size_t discarded = 0;
    bool tls = false;
    for (std::string_view piece : c.pieces) {
      if (tls) {
        discarded += piece.size();  // still plaintext: the handshake would reject it
        continue;
      }
      reader.Feed(piece);
      for (auto r = reader.Next(); r.kind == CommandReader::Result::kLine; r = reader.Next()) {
        lines.emplace_back(r.line);
        if (r.line == "STLS") {  // "+OK Begin TLS negotiation", then:
          discarded += reader.DiscardBuffered();
          tls = true;
          break;
        }
      }
    }
    EXPECT_EQ(lines, (std::vector<std::string>{"CAPA", "STLS"})) << c.name;
    EXPECT_EQ(discarded, std::string("USER evil\r\nPASS stolen\r\nRETR").size()) << c.name;
    EXPECT_TRUE(reader.buffered().empty());
    // What arrives over TLS is read normally.
    reader.Feed("CAPA\r\n");
    const auto r = reader.Next();
    ASSERT_EQ(r.kind, CommandReader::Result::kLine);
    EXPECT_EQ(r.line, "CAPA");
  }
}

TEST(CommandReaderTest, DiscardEndsAnOverlongLineToo) {
  CommandReader reader;
  reader.Feed(std::string(1000, 'x'));
  EXPECT_EQ(reader.Next().kind, CommandReader::Result::kTooLong);
  EXPECT_EQ(reader.DiscardBuffered(), 0u);
  reader.Feed("QUIT\r\n");  // a fresh start: not the tail of the dropped line
  const auto r = reader.Next();
  ASSERT_EQ(r.kind, CommandReader::Result::kLine);
  EXPECT_EQ(r.line, "QUIT");
}

TEST(CommandReaderTest, LineViewSurvivesFurtherNextCalls) {
  CommandReader reader;
  reader.Feed("USER a\r\nNOOP\r\n");
  const auto first = reader.Next();
  const auto second = reader.Next();
  EXPECT_EQ(first.line, "USER a");
  EXPECT_EQ(second.line, "NOOP");
}

}  // namespace
}  // namespace tern::pop3_protocol
