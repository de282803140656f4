// LineReader: CRLF framing with a length bound, fed whole, one octet at a time and in random
// chunks, with hostile rows (bare LF, lone CR, CR CR LF, NUL and controls, oversize lines with
// and without their ending). The codecs' tests keep the rows about their own limits.
#include "tern/line_protocol/line_reader.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/testing/line_events.h"

namespace tern::line_protocol {
namespace {

using namespace std::string_literals;
using ::tern::testing::DrainLines;
using ::tern::testing::ExpectLineRows;
using ::tern::testing::LineOutcome;
using ::tern::testing::ReadLines;

constexpr size_t kMaxLine = 16;  // counting the CRLF: 14 octets of text
const std::string k14(14, 'a');
const std::string k15(15, 'a');

auto NextWithin(size_t max_line) {
  return [max_line](LineReader& r) { return r.Next(max_line); };
}

LineOutcome Read(const std::vector<std::string_view>& pieces, size_t max_line = kMaxLine) {
  LineReader reader;
  return ReadLines(reader, pieces, NextWithin(max_line));
}

TEST(LineReaderTest, Table) {
  ExpectLineRows(
      {
          {"crlf", "QUIT\r\n", {"L:QUIT"}, ""},
          {"bare lf (nc users)", "QUIT\n", {"LF:QUIT"}, ""},
          {"incomplete", "QUIT", {}, "QUIT"},
          {"incomplete after cr", "QUIT\r", {}, "QUIT\r"},
          {"empty line", "\r\n", {"L:"}, ""},
          {"empty bare line", "\n", {"LF:"}, ""},
          {"lone cr stays in the line", "NOOP\rQUIT\r\n", {"L:NOOP\rQUIT"}, ""},
          {"cr cr lf", "QUIT\r\r\n", {"L:QUIT\r"}, ""},
          {"nul passes through to the parser", "NO\0OP\r\n"s, {"L:NO\0OP"s}, ""},
          {"nul and controls", "\0\x01\x7f\r\n"s, {"L:\0\x01\x7f"s}, ""},
          {"trailing spaces kept", "QUIT  \r\n", {"L:QUIT  "}, ""},
          {"pipelined, last incomplete", "RSET\r\nNOOP\nQUI", {"L:RSET", "LF:NOOP"}, "QUI"},
          {"mixed endings", "A\nB\r\nC\n", {"LF:A", "L:B", "LF:C"}, ""},
          {"no lf at all", "\r\r\r", {}, "\r\r\r"},
          {"14 octets fit", k14 + "\r\n", {"L:" + k14}, ""},
          {"14 octets, bare lf", k14 + "\n", {"LF:" + k14}, ""},
          {"15 octets too long", k15 + "\r\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
          {"15 octets, bare lf", k15 + "\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
          {"too long, cr at the limit", k14 + "\r\r\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
          {"too long, no end yet", std::string(5000, 'x'), {"TOO_LONG"}, ""},
          {"too long then resumes",
           std::string(5000, 'x') + "\r\nNOOP\r\n",
           {"TOO_LONG", "L:NOOP"},
           ""},
          {"two too long",
           std::string(600, 'x') + "\n" + std::string(600, 'y') + "\r\nQUIT\r\n",
           {"TOO_LONG", "TOO_LONG", "L:QUIT"},
           ""},
          {"too long, then incomplete", k15 + "\r\nQUI", {"TOO_LONG"}, "QUI"},
      },
      [](const std::vector<std::string_view>& pieces) { return Read(pieces); });
}

TEST(LineReaderTest, TheLimitIsChosenPerLine) {
  // The codecs give an AUTH line or a SASL response a larger limit than a command.
  LineReader reader;
  reader.Feed(std::string(40, 'x') + "\r\n" + std::string(40, 'y') + "\r\n");
  const auto r = reader.Next(64);
  ASSERT_EQ(r.kind, LineReader::Result::kLine);
  EXPECT_EQ(r.line, std::string(40, 'x'));
  EXPECT_EQ(reader.Next(kMaxLine).kind, LineReader::Result::kTooLong);
  EXPECT_EQ(reader.Next(64).kind, LineReader::Result::kNeedMore);
}

TEST(LineReaderTest, LimitsBelowTwoAllowOnlyEmptyLines) {
  for (size_t max_line : {0u, 1u, 2u}) {
    EXPECT_EQ(Read({"\r\n\nx\r\n"}, max_line).events,
              (std::vector<std::string>{"L:", "LF:", "TOO_LONG"}))
        << max_line;
  }
}

TEST(LineReaderTest, NeverBuffersMoreThanOneLine) {
  LineReader reader;
  std::vector<std::string> events;
  const std::string kilobyte(1024, 'z');
  for (int i = 0; i < 1000; ++i) {  // a megabyte without a line ending
    reader.Feed(kilobyte);
    EXPECT_LE(reader.buffered().size(), kMaxLine + kilobyte.size());
    DrainLines(reader, NextWithin(kMaxLine), &events);
    EXPECT_LE(reader.buffered().size(), kMaxLine);
  }
  reader.Feed("\r\nQUIT\r\n");
  DrainLines(reader, NextWithin(kMaxLine), &events);
  EXPECT_EQ(events, (std::vector<std::string>{"TOO_LONG", "L:QUIT"}));
}

TEST(LineReaderTest, TheTailOfAnOverlongLineIsNeverBuffered) {
  LineReader reader;
  reader.Feed(std::string(100, 'x'));
  EXPECT_EQ(reader.Next(kMaxLine).kind, LineReader::Result::kTooLong);
  reader.Feed(std::string(100, 'x'));
  EXPECT_TRUE(reader.buffered().empty());
  reader.Feed("xx\r\nQUIT\r\n");
  EXPECT_EQ(reader.buffered(), "QUIT\r\n");
}

TEST(LineReaderTest, DiscardBufferedDropsThePipelinedRest) {
  // STARTTLS / STLS: commands sent in clear after it must not run inside TLS (CVE-2011-0411).
  LineReader reader;
  reader.Feed("STLS\r\nUSER evil\r\nPASS x");
  const auto r = reader.Next(kMaxLine);
  ASSERT_EQ(r.kind, LineReader::Result::kLine);
  EXPECT_EQ(r.line, "STLS");
  EXPECT_EQ(reader.DiscardBuffered(), std::string("USER evil\r\nPASS x").size());
  EXPECT_TRUE(reader.buffered().empty());
  EXPECT_EQ(reader.Next(kMaxLine).kind, LineReader::Result::kNeedMore);
  reader.Feed("CAPA\r\n");
  EXPECT_EQ(reader.Next(kMaxLine).line, "CAPA");
}

TEST(LineReaderTest, TakeBufferedHandsOverTheRest) {
  LineReader reader;
  reader.Feed("DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n");
  const auto r = reader.Next(kMaxLine);
  ASSERT_EQ(r.kind, LineReader::Result::kLine);
  EXPECT_EQ(r.line, "DATA");
  EXPECT_EQ(reader.buffered(), "Subject: x\r\n\r\nhi\r\n.\r\n");
  EXPECT_EQ(reader.TakeBuffered(), "Subject: x\r\n\r\nhi\r\n.\r\n");
  EXPECT_TRUE(reader.buffered().empty());
  EXPECT_EQ(reader.Next(kMaxLine).kind, LineReader::Result::kNeedMore);
  // What the body reader did not consume comes back and is read as lines.
  reader.Feed("QUIT\r\n");
  EXPECT_EQ(reader.Next(kMaxLine).line, "QUIT");
}

TEST(LineReaderTest, TakeAndDiscardEndAnOverlongLineToo) {
  for (const bool take : {false, true}) {
    LineReader reader;
    reader.Feed(std::string(1000, 'x'));
    EXPECT_EQ(reader.Next(kMaxLine).kind, LineReader::Result::kTooLong);
    if (take) {
      EXPECT_EQ(reader.TakeBuffered(), "");
    } else {
      EXPECT_EQ(reader.DiscardBuffered(), 0u);
    }
    reader.Feed("QUIT\r\n");  // a fresh start: not the tail of the dropped line
    const auto r = reader.Next(kMaxLine);
    ASSERT_EQ(r.kind, LineReader::Result::kLine) << take;
    EXPECT_EQ(r.line, "QUIT");
  }
}

TEST(LineReaderTest, LineViewSurvivesFurtherNextCalls) {
  LineReader reader;
  reader.Feed("HELO a\r\nNOOP\r\n");
  const auto first = reader.Next(kMaxLine);
  const auto second = reader.Next(kMaxLine);
  EXPECT_EQ(first.line, "HELO a");
  EXPECT_EQ(second.line, "NOOP");
}

}  // namespace
}  // namespace tern::line_protocol
