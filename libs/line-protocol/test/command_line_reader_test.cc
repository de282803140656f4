// CommandLineReader: the AUTH rule on top of the line framing, fed whole, one octet at a time
// and in random chunks. Small limits here; the codecs' tests check their default limits.
#include "tern/line_protocol/command_line_reader.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/testing/chunkings.h"
#include "tern/testing/line_events.h"

namespace tern::line_protocol {
namespace {

using ::tern::testing::AllChunkings;
using ::tern::testing::DrainLines;
using ::tern::testing::ExpectLineRows;
using ::tern::testing::LineOutcome;
using ::tern::testing::ReadLines;
using LineKind = CommandLineReader::LineKind;

constexpr size_t kCommand = 32;  // 30 octets of text
constexpr size_t kAuth = 64;     // 62

LineOutcome Read(const std::vector<std::string_view>& pieces, LineKind kind = LineKind::kCommand,
                 size_t max_command_line = kCommand, size_t max_auth_line = kAuth) {
  CommandLineReader reader(max_command_line, max_auth_line);
  return ReadLines(reader, pieces, [kind](CommandLineReader& r) { return r.Next(kind); });
}

TEST(CommandLineReaderTest, Table) {
  const std::string a51(51, 'A');  // "AUTH PLAIN " + 51 = 62 octets
  ExpectLineRows(
      {
          {"command", "NOOP\r\n", {"L:NOOP"}, ""},
          {"command limit",
           std::string(30, 'x') + "\r\n" + std::string(31, 'x') + "\r\n",
           {"L:" + std::string(30, 'x'), "TOO_LONG"},
           ""},
          {"AUTH may be long", "AUTH PLAIN " + a51 + "\r\n", {"L:AUTH PLAIN " + a51}, ""},
          {"auth, any case", "auth plain " + a51 + "\n", {"LF:auth plain " + a51}, ""},
          {"AUTH limit", "AUTH PLAIN " + a51 + "A\r\nNOOP\r\n", {"TOO_LONG", "L:NOOP"}, ""},
          {"AUTHX is not AUTH", "AUTHX " + std::string(40, 'A') + "\r\n", {"TOO_LONG"}, ""},
          {"AUTH without a space is not AUTH",
           "AUTH" + std::string(40, 'A') + "\r\n",
           {"TOO_LONG"},
           ""},
          {"bare AUTH", "AUTH\r\n", {"L:AUTH"}, ""},
          {"AUTH after a long line",
           std::string(100, 'x') + "\r\nAUTH PLAIN " + a51 + "\r\n",
           {"TOO_LONG", "L:AUTH PLAIN " + a51},
           ""},
          {"AUTH inside a long line is not AUTH",
           std::string(40, 'x') + "AUTH PLAIN " + a51 + "\r\nNOOP\r\n",
           {"TOO_LONG", "L:NOOP"},
           ""},
          {"a long AUTH line, no end yet", "AUTH PLAIN " + std::string(500, 'A'), {"TOO_LONG"}, ""},
      },
      [](const std::vector<std::string_view>& pieces) { return Read(pieces); });
}

TEST(CommandLineReaderTest, SaslResponsesUseTheAuthLimit) {
  const std::string response(62, 'Q');
  const std::string input = response + "\r\n" + response + "Q\r\n*\r\n";
  for (const auto& c : AllChunkings(input)) {
    EXPECT_EQ(Read(c.pieces, LineKind::kSaslResponse).events,
              (std::vector<std::string>{"L:" + response, "TOO_LONG", "L:*"}))
        << c.name;
    EXPECT_EQ(Read(c.pieces).events, (std::vector<std::string>{"TOO_LONG", "TOO_LONG", "L:*"}))
        << c.name;
  }
}

TEST(CommandLineReaderTest, AnAuthLimitBelowTheCommandLimitIsTheCommandLimit) {
  const std::string input = "AUTH " + std::string(25, 'A') + "\r\n" + std::string(30, 'Q') + "\r\n";
  for (const auto& c : AllChunkings(input)) {
    EXPECT_EQ(
        Read(c.pieces, LineKind::kCommand, kCommand, 8).events,
        (std::vector<std::string>{"L:AUTH " + std::string(25, 'A'), "L:" + std::string(30, 'Q')}))
        << c.name;
    EXPECT_EQ(
        Read(c.pieces, LineKind::kSaslResponse, kCommand, 8).events,
        (std::vector<std::string>{"L:AUTH " + std::string(25, 'A'), "L:" + std::string(30, 'Q')}))
        << c.name;
  }
}

TEST(CommandLineReaderTest, NeverBuffersMoreThanOneLine) {
  for (const std::string_view prefix : {"", "AUTH "}) {
    CommandLineReader reader(kCommand, kAuth);
    std::vector<std::string> events;
    const auto next = [](CommandLineReader& r) { return r.Next(); };
    reader.Feed(prefix);
    const std::string kilobyte(1024, 'z');
    for (int i = 0; i < 1000; ++i) {  // a megabyte without a line ending
      reader.Feed(kilobyte);
      DrainLines(reader, next, &events);
      EXPECT_LE(reader.buffered().size(), prefix.empty() ? kCommand : kAuth);
    }
    reader.Feed("\r\nQUIT\r\n");
    DrainLines(reader, next, &events);
    EXPECT_EQ(events, (std::vector<std::string>{"TOO_LONG", "L:QUIT"})) << prefix;
  }
}

TEST(CommandLineReaderTest, TakeAndDiscardStartAfresh) {
  CommandLineReader reader(kCommand, kAuth);
  reader.Feed("DATA\r\nbody\r\n");
  EXPECT_EQ(reader.Next().line, "DATA");
  EXPECT_EQ(reader.TakeBuffered(), "body\r\n");
  reader.Feed("STARTTLS\r\nMAIL FROM:<evil@example.com>\r\n");
  EXPECT_EQ(reader.Next().line, "STARTTLS");
  EXPECT_EQ(reader.DiscardBuffered(), std::string("MAIL FROM:<evil@example.com>\r\n").size());
  EXPECT_TRUE(reader.buffered().empty());
  EXPECT_EQ(reader.Next().kind, CommandLineReader::Result::kNeedMore);
}

}  // namespace
}  // namespace tern::line_protocol
