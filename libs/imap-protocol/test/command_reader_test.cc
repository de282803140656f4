// CommandReader: whole commands out of a byte stream, every row fed whole, one octet at a time
// and in random chunks, with the same results for all: literals (synchronizing and LITERAL+),
// bare LF, pipelining, and the hostile rows (over-long lines, literals over their limits,
// huge announcements, commands over max_command, NUL), AUTHENTICATE/IDLE lines, STARTTLS.
#include "tern/imap_protocol/command_reader.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/testing/chunkings.h"

namespace tern::imap_protocol {
namespace {

using ::tern::testing::AllChunkings;
using ::tern::testing::Escape;
using Kind = CommandReader::Result::Kind;

// Feeds `pieces` and drains the reader after each: "C:<command>", "+", "R:<tag>|<text>|<code>"
// (with "|FATAL"), and after a command naming AUTHENTICATE or IDLE one NextLine(): "L:<line>"
// or "TOO_LONG".
std::vector<std::string> Run(const std::vector<std::string_view>& pieces, const Limits& limits,
                             bool* mid = nullptr) {
  CommandReader reader(limits);
  std::vector<std::string> events;
  bool line_mode = false;
  auto drain = [&] {
    for (;;) {
      const CommandReader::Result r = line_mode ? reader.NextLine() : reader.Next();
      switch (r.kind) {
        case Kind::kNeedMore:
          return;
        case Kind::kCommand:
          events.push_back("C:" + Escape(r.command));
          line_mode = r.command.find("AUTHENTICATE") != std::string::npos ||
                      r.command.find("IDLE") != std::string::npos;
          break;
        case Kind::kContinue:
          events.push_back("+");
          break;
        case Kind::kRefused:
          events.push_back("R:" + r.tag + "|" + r.text + "|" + r.code + (r.fatal ? "|FATAL" : ""));
          break;
        case Kind::kLine:
          events.push_back("L:" + Escape(r.command));
          line_mode = false;
          break;
        case Kind::kTooLong:
          events.push_back("TOO_LONG");
          line_mode = false;
          break;
      }
    }
  };
  drain();
  for (std::string_view piece : pieces) {
    reader.Feed(piece);
    drain();
  }
  if (mid != nullptr) *mid = reader.mid_command();
  return events;
}

struct Row {
  std::string name;
  std::string input;
  std::vector<std::string> events;
  bool mid = false;  // mid_command() at the end
};

void ExpectRows(const std::vector<Row>& rows, const Limits& limits) {
  for (const Row& row : rows) {
    for (const auto& c : AllChunkings(row.input)) {
      SCOPED_TRACE(row.name + " (" + c.name + "): " + Escape(row.input));
      bool mid = false;
      EXPECT_EQ(Run(c.pieces, limits, &mid), row.events);
      EXPECT_EQ(mid, row.mid);
    }
  }
}

// Small limits so that the hostile rows stay small.
Limits Small() {
  Limits l;
  l.max_line = 64;
  l.max_literal = 16;
  l.max_append_literal = 100;
  l.max_command = 200;
  l.max_discard = 50;
  l.max_sasl_line = 32;
  return l;
}

TEST(CommandReaderTest, Framing) {
  ExpectRows(
      {
          {"crlf", "a NOOP\r\n", {"C:a NOOP"}},
          {"bare lf", "a NOOP\n", {"C:a NOOP"}},
          {"lone cr stays in the line", "a NO\rOP\r\n", {"C:a NO\\rOP"}},
          {"pipelined", "a NOOP\r\nb CAPABILITY\nc LOGOUT\r\n",
           {"C:a NOOP", "C:b CAPABILITY", "C:c LOGOUT"}},
          {"missing crlf", "a NOOP", {}, true},
          {"pipelined, last incomplete", "a NOOP\r\nb NO", {"C:a NOOP"}, true},
          {"empty line", "\r\n", {"C:"}},
          {"nul passes to the parser", std::string("a NO\0OP\r\n", 9), {"C:a NO\\x00OP"}},
          {"sync literals",
           "a LOGIN {5}\r\nalice {6}\r\nsecret\r\n",
           {"+", "+", "C:a LOGIN {5}\\r\\nalice {6}\\r\\nsecret"}},
          {"non-sync literal: no continuation",
           "a LOGIN {5+}\r\nalice secret\r\n",
           {"C:a LOGIN {5+}\\r\\nalice secret"}},
          {"bare lf after the announcement", "a LOGIN {5}\nalice x\n",
           {"+", "C:a LOGIN {5}\\r\\nalice x"}},
          {"literal octets are not framing",
           "a LOGIN {8}\r\n{3}\r\n\n\r\n x\r\nb NOOP\r\n",
           {"+", "C:a LOGIN {8}\\r\\n{3}\\r\\n\\n\\r\\n x", "C:b NOOP"}},
          {"empty literal", "a LOGIN {0}\r\n {0+}\r\n\r\n", {"+", "C:a LOGIN {0}\\r\\n {0+}\\r\\n"}},
          {"literal under way", "a LOGIN {5}\r\nali", {"+"}, true},
          {"not a literal: no digits", "a LOGIN {}\r\n", {"C:a LOGIN {}"}},
          {"not a literal: no brace", "a LOGIN 5}\r\n", {"C:a LOGIN 5}"}},
      },
      Limits{});
}

TEST(CommandReaderTest, HostileRows) {
  const std::string long_line = "a LOGIN " + std::string(100, 'x');
  ExpectRows(
      {
          {"sync literal over max_literal, then a good command",
           "a LOGIN {17}\r\nb NOOP\r\n",
           {"R:a|Literal too big|", "C:b NOOP"}},
          {"sync literal at max_literal", "a LOGIN {16}\r\n0123456789abcdef x\r\n",
           {"+", "C:a LOGIN {16}\\r\\n0123456789abcdef x"}},
          {"huge announcement", "a LOGIN {99999999999999999999}\r\nb NOOP\r\n",
           {"R:a|Literal too big|", "C:b NOOP"}},
          {"2^32 announcement", "a LOGIN {4294967296}\r\nb NOOP\r\n",
           {"R:a|Literal too big|", "C:b NOOP"}},
          {"non-sync over the limit, discarded",
           "a LOGIN {40+}\r\n" + std::string(40, 'z') + " more\r\nb NOOP\r\n",
           {"R:a|Literal too big|", "C:b NOOP"}},
          {"non-sync discarded, the rest of the command with another literal",
           "a LOGIN {40+}\r\n" + std::string(40, '\n') + " {3+}\r\n\r\n\n x\r\nb NOOP\r\n",
           {"R:a|Literal too big|", "C:b NOOP"}},
          {"non-sync over max_discard is fatal",
           "a LOGIN {51+}\r\n" + std::string(51, 'z') + "\r\nb NOOP\r\n",
           {"R:a|Literal too big||FATAL"}},
          {"non-sync huge is fatal", "a LOGIN {99999999999999999999+}\r\nb NOOP\r\n",
           {"R:a|Literal too big||FATAL"}},
          {"line over max_line", long_line + "\r\nb NOOP\r\n", {"R:a|Line too long|", "C:b NOOP"}},
          {"line over max_line, bare lf", long_line + "\nb NOOP\n",
           {"R:a|Line too long|", "C:b NOOP"}},
          {"line at max_line", "a " + std::string(60, 'x') + "\r\n",
           {"C:a " + std::string(60, 'x')}},
          {"line one over max_line", "a " + std::string(61, 'x') + "\r\nb NOOP\r\n",
           {"R:a|Line too long|", "C:b NOOP"}},
          {"line over max_line without a tag", std::string(100, 'x') + "\r\nb NOOP\r\n",
           {"R:|Line too long|", "C:b NOOP"}},
          {"line over max_line under way", long_line, {}, true},
          {"over-long line announcing a sync literal",
           long_line + " {5}\r\nb NOOP\r\n",
           {"R:a|Line too long|", "C:b NOOP"}},
          {"over-long line announcing a non-sync literal, dropped",
           long_line + " {5+}\r\nb\r\nc\r\nd NOOP\r\n",
           {"R:a|Line too long|", "C:d NOOP"}},
          {"over-long line announcing a huge non-sync literal",
           long_line + " {" + std::string(70, '9') + "+}\r\nb NOOP\r\n",
           {"R:a|Line too long||FATAL"}},
          {"line after a literal over max_line",
           "a LOGIN {3}\r\nabc " + std::string(100, 'y') + "\r\nb NOOP\r\n",
           {"+", "R:a|Line too long|", "C:b NOOP"}},
          {"command over max_command",
           [] {
             std::string s = "a X {16}\r\n";
             for (int i = 0; i < 8; ++i) s += "0123456789abcdef {16}\r\n";
             return s + "b NOOP\r\n";  // the client waits for "+", gets the refusal
           }(),
           {"+", "+", "+", "+", "+", "+", "+", "+", "R:a|Command too long|", "C:b NOOP"}},
          {"append message over max_append_literal",
           "a APPEND INBOX {101}\r\nb NOOP\r\n",
           {"R:a|Literal too big|TOOBIG", "C:b NOOP"}},
          {"append message at max_append_literal",
           "a append INBOX {100}\r\n" + std::string(100, 'm') + "\r\n",
           {"+", "C:a append INBOX {100}\\r\\n" + std::string(100, 'm')}},
          {"append mailbox literal gets max_literal",
           "a APPEND {17}\r\nb NOOP\r\n",
           {"R:a|Literal too big|TOOBIG", "C:b NOOP"}},
          {"append mailbox literal then the message",
           "a APPEND {5}\r\nINBOX {50}\r\n" + std::string(50, 'm') + "\r\n",
           {"+", "+", "C:a APPEND {5}\\r\\nINBOX {50}\\r\\n" + std::string(50, 'm')}},
          {"UID APPEND is not APPEND", "a UID APPEND {50}\r\nb NOOP\r\n",
           {"R:a|Literal too big|", "C:b NOOP"}},
          {"non-sync append over the limit and max_discard",
           "a APPEND INBOX {101+}\r\n" + std::string(101, 'm') + "\r\nb NOOP\r\n",
           {"R:a|Literal too big|TOOBIG|FATAL"}},
      },
      Small());
}

TEST(CommandReaderTest, AuthenticateAndIdleLines) {
  ExpectRows(
      {
          {"sasl response", "a AUTHENTICATE PLAIN\r\nAGFsaWNl\r\nb NOOP\r\n",
           {"C:a AUTHENTICATE PLAIN", "L:AGFsaWNl", "C:b NOOP"}},
          {"sasl cancel, bare lf", "a AUTHENTICATE PLAIN\n*\n", {"C:a AUTHENTICATE PLAIN", "L:*"}},
          {"idle done", "a IDLE\r\nDONE\r\nb NOOP\r\n", {"C:a IDLE", "L:DONE", "C:b NOOP"}},
          {"sasl line too long", "a AUTHENTICATE X\r\n" + std::string(40, 'A') + "\r\nb NOOP\r\n",
           {"C:a AUTHENTICATE X", "TOO_LONG", "C:b NOOP"}},
          {"sasl line at the limit", "a AUTHENTICATE X\r\n" + std::string(30, 'A') + "\r\n",
           {"C:a AUTHENTICATE X", "L:" + std::string(30, 'A')}},
          {"no literals in a plain line", "a IDLE\r\n{5}\r\nb NOOP\r\n",
           {"C:a IDLE", "L:{5}", "C:b NOOP"}},
      },
      Small());
}

TEST(CommandReaderTest, AppendOfOneMegabyte) {
  std::string message;
  for (int i = 0; message.size() < (1 << 20); ++i) message += "line " + std::to_string(i) + "\r\n";
  message.resize(1 << 20);
  message[100] = '\0';
  const std::string input = "A1 APPEND INBOX (\\Seen) {" + std::to_string(message.size()) +
                            "}\r\n" + message + "\r\nA2 NOOP\r\n";
  for (const auto& c : AllChunkings(input)) {
    if (c.name == "bytewise") continue;  // a million one-octet feeds: too slow for a unit test
    SCOPED_TRACE(c.name);
    CommandReader reader;
    int continues = 0;
    std::vector<std::string> commands;
    for (std::string_view piece : c.pieces) {
      reader.Feed(piece);
      for (auto r = reader.Next(); r.kind != Kind::kNeedMore; r = reader.Next()) {
        if (r.kind == Kind::kContinue) ++continues;
        if (r.kind == Kind::kCommand) commands.push_back(r.command);
        EXPECT_NE(r.kind, Kind::kRefused);
      }
    }
    EXPECT_EQ(continues, 1);
    ASSERT_EQ(commands.size(), 2u);
    EXPECT_EQ(commands[0].size(), input.find("\r\n") + 2 + message.size());
    EXPECT_EQ(commands[0].substr(commands[0].size() - message.size()), message);
    EXPECT_EQ(commands[1], "A2 NOOP");
  }
}

TEST(CommandReaderTest, StartTlsDiscardsPipelinedPlaintext) {
  CommandReader reader;
  reader.Feed("a STARTTLS\r\nb LOGIN evil stolen\r\nc NO");
  auto r = reader.Next();
  ASSERT_EQ(r.kind, Kind::kCommand);
  EXPECT_EQ(r.command, "a STARTTLS");
  EXPECT_EQ(reader.DiscardBuffered(), 25u);  // "b LOGIN evil stolen\r\nc NO"
  EXPECT_FALSE(reader.mid_command());
  EXPECT_EQ(reader.Next().kind, Kind::kNeedMore);
  reader.Feed("d NOOP\r\n");
  r = reader.Next();
  ASSERT_EQ(r.kind, Kind::kCommand);
  EXPECT_EQ(r.command, "d NOOP");
}

TEST(CommandReaderTest, FatalDropsEverythingAfter) {
  CommandReader reader(Small());
  reader.Feed("a X {1000+}\r\n");
  auto r = reader.Next();
  EXPECT_EQ(r.kind, Kind::kRefused);
  EXPECT_TRUE(r.fatal);
  reader.Feed("b NOOP\r\n");
  EXPECT_EQ(reader.Next().kind, Kind::kNeedMore);
}

}  // namespace
}  // namespace tern::imap_protocol
