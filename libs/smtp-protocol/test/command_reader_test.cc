// CommandReader: lines out of a byte stream, fed whole, one octet at a time and in random
// chunks, with hostile rows (bare LF, lone CR, NUL, oversize lines, pipelined groups).
#include "tern/smtp_protocol/command_reader.h"

#include <string>
#include <vector>

#include "chunkings.h"
#include "gtest/gtest.h"

namespace tern::smtp_protocol {
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

const std::string k510(510, 'a');
const std::string k511(511, 'a');

TEST(CommandReaderTest, Table) {
  const Row rows[] = {
      {"crlf", "EHLO a\r\n", {"L:EHLO a"}, ""},
      {"bare lf (nc users)", "EHLO a\n", {"LF:EHLO a"}, ""},
      {"incomplete", "EHLO a", {}, "EHLO a"},
      {"incomplete after cr", "EHLO a\r", {}, "EHLO a\r"},
      {"empty line", "\r\n", {"L:"}, ""},
      {"empty bare line", "\n", {"LF:"}, ""},
      {"lone cr stays in the line", "NOOP\rQUIT\r\n", {"L:NOOP\rQUIT"}, ""},
      {"cr cr lf", "QUIT\r\r\n", {"L:QUIT\r"}, ""},
      {"nul passes through to the parser", "NO\0OP\r\n"s, {"L:NO\0OP"s}, ""},
      {"trailing spaces kept", "QUIT  \r\n", {"L:QUIT  "}, ""},
      {"pipelined group",
       "EHLO a\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n",
       {"L:EHLO a", "L:MAIL FROM:<a@b.c>", "L:RCPT TO:<d@e.f>", "L:DATA"},
       ""},
      {"pipelined, last incomplete", "RSET\r\nNOOP\nQUI", {"L:RSET", "LF:NOOP"}, "QUI"},
      {"mixed endings", "A\nB\r\nC\n", {"LF:A", "L:B", "LF:C"}, ""},
      {"510 octets fit", k510 + "\r\n", {"L:" + k510}, ""},
      {"510 octets, bare lf", k510 + "\n", {"LF:" + k510}, ""},
      {"511 octets too long", k511 + "\r\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
      {"511 octets, bare lf", k511 + "\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
      {"too long, no end yet", std::string(5000, 'x'), {"TOO_LONG"}, ""},
      {"too long then resumes",
       std::string(5000, 'x') + "\r\nNOOP\r\n",
       {"TOO_LONG", "L:NOOP"},
       ""},
      {"two too long",
       std::string(600, 'x') + "\n" + std::string(600, 'y') + "\r\nQUIT\r\n",
       {"TOO_LONG", "TOO_LONG", "L:QUIT"},
       ""},
      {"too long, cr at the limit", k510 + "\r\r\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
      {"long MAIL line",
       "MAIL FROM:<" + std::string(600, 'a') + "@b>\r\nRSET\r\n",
       {"TOO_LONG", "L:RSET"},
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
       "AUTH PLAIN " + std::string(12276, 'A') + "\r\nAUTH PLAIN " + std::string(12275, 'A') +
           "\r\n",
       {"TOO_LONG", "L:AUTH PLAIN " + std::string(12275, 'A')},
       ""},
      {"AUTHX is not AUTH", "AUTHX " + std::string(600, 'A') + "\r\n", {"TOO_LONG"}, ""},
      {"no crlf at all", "\r\r\r", {}, "\r\r\r"},
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
    EXPECT_LE(reader.buffered().size(), 512u);
  }
  reader.Feed("\r\nQUIT\r\n");
  Drain(reader, &events);
  EXPECT_EQ(events, (std::vector<std::string>{"TOO_LONG", "L:QUIT"}));
}

TEST(CommandReaderTest, StartTlsDiscardsPipelinedPlaintext) {
  // CVE-2011-0411: commands sent in clear after STARTTLS must not run inside TLS.
  CommandReader reader;
  reader.Feed("EHLO a\r\nSTARTTLS\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<x");
  auto r = reader.Next();
  ASSERT_EQ(r.kind, CommandReader::Result::kLine);
  EXPECT_EQ(r.line, "EHLO a");
  r = reader.Next();
  ASSERT_EQ(r.kind, CommandReader::Result::kLine);
  EXPECT_EQ(r.line, "STARTTLS");
  // The session sends 220, then drops what is buffered before the handshake.
  EXPECT_EQ(reader.DiscardBuffered(),
            std::string("MAIL FROM:<evil@example.com>\r\nRCPT TO:<x").size());
  EXPECT_EQ(reader.Next().kind, CommandReader::Result::kNeedMore);
  EXPECT_TRUE(reader.buffered().empty());
  // What arrives over TLS is read normally.
  reader.Feed("EHLO a\r\n");
  r = reader.Next();
  ASSERT_EQ(r.kind, CommandReader::Result::kLine);
  EXPECT_EQ(r.line, "EHLO a");
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

TEST(CommandReaderTest, TakeBufferedHandsOverTheRest) {
  CommandReader reader;
  reader.Feed("DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n");
  const auto r = reader.Next();
  ASSERT_EQ(r.kind, CommandReader::Result::kLine);
  EXPECT_EQ(r.line, "DATA");
  EXPECT_EQ(reader.buffered(), "Subject: x\r\n\r\nhi\r\n.\r\n");
  EXPECT_EQ(reader.TakeBuffered(), "Subject: x\r\n\r\nhi\r\n.\r\n");
  EXPECT_TRUE(reader.buffered().empty());
  EXPECT_EQ(reader.Next().kind, CommandReader::Result::kNeedMore);
}

TEST(CommandReaderTest, LineViewSurvivesFurtherNextCalls) {
  CommandReader reader;
  reader.Feed("HELO a\r\nNOOP\r\n");
  const auto first = reader.Next();
  const auto second = reader.Next();
  EXPECT_EQ(first.line, "HELO a");
  EXPECT_EQ(second.line, "NOOP");
}

}  // namespace
}  // namespace tern::smtp_protocol
