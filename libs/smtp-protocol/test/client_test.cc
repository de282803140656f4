// The client side: reply parsing (hostile replies included), capabilities, dot-stuffing.
#include "tern/smtp_protocol/client.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tern::smtp_protocol {
namespace {

// Feeds lines until the parser is done or fails; returns the final state.
ReplyParser::State FeedAll(ReplyParser& p, const std::vector<std::string>& lines) {
  ReplyParser::State s = ReplyParser::State::kNeedMore;
  for (const auto& l : lines) {
    s = p.Add(l);
    if (s != ReplyParser::State::kNeedMore) break;
  }
  return s;
}

TEST(ReplyParserTest, Table) {
  const struct Row {
    std::vector<std::string> lines;
    Reply want;
  } rows[] = {
      {{"220 mx.example.org ESMTP"}, {220, "", {"mx.example.org ESMTP"}}},
      {{"250 2.1.5 Ok"}, {250, "2.1.5", {"Ok"}}},
      {{"550-5.1.1 no such", "550 5.1.1 user here"}, {550, "5.1.1", {"no such", "user here"}}},
      {{"250-mx", "250-PIPELINING", "250 SIZE 100"}, {250, "", {"mx", "PIPELINING", "SIZE 100"}}},
      {{"354"}, {354, "", {""}}},
      {{"421 4.3.2 bye"}, {421, "4.3.2", {"bye"}}},
      // A code that does not match the reply's class is text, not an enhanced code.
      {{"250 5.1.1 odd"}, {250, "", {"5.1.1 odd"}}},
      {{"250 2.0.0"}, {250, "2.0.0", {""}}},
      {{"451 4.3.0x not a code"}, {451, "", {"4.3.0x not a code"}}},
  };
  for (const auto& row : rows) {
    ReplyParser p;
    ASSERT_EQ(FeedAll(p, row.lines), ReplyParser::State::kDone) << row.lines[0];
    EXPECT_EQ(p.Take(), row.want) << row.lines[0];
  }
}

TEST(ReplyParserTest, HostileReplies) {
  const std::vector<std::vector<std::string>> bad = {
      {""},
      {"25"},
      {"abc ok"},
      {"650 out of range"},
      {"150 preliminary"},
      {"250x no separator"},
      {"250-first", "550 changed code"},
      {std::string(ReplyParser::kMaxLine + 1, '2')},
  };
  for (const auto& lines : bad) {
    ReplyParser p;
    EXPECT_EQ(FeedAll(p, lines), ReplyParser::State::kError) << lines.back().substr(0, 40);
    EXPECT_FALSE(p.error().empty());
  }
  ReplyParser endless;
  ReplyParser::State s = ReplyParser::State::kNeedMore;
  for (size_t i = 0; i <= ReplyParser::kMaxLines && s == ReplyParser::State::kNeedMore; ++i) {
    s = endless.Add("250-more");
  }
  EXPECT_EQ(s, ReplyParser::State::kError);
}

TEST(ReplyParserTest, ReusableAfterTake) {
  ReplyParser p;
  ASSERT_EQ(p.Add("250-a"), ReplyParser::State::kNeedMore);
  ASSERT_EQ(p.Add("250 b"), ReplyParser::State::kDone);
  EXPECT_EQ(p.Take().lines.size(), 2u);
  ASSERT_EQ(p.Add("354 go ahead"), ReplyParser::State::kDone);
  EXPECT_EQ(p.Take(), (Reply{354, "", {"go ahead"}}));
}

TEST(ReplyTextTest, OneLine) {
  EXPECT_EQ(ReplyText({550, "5.1.1", {"no such", "user"}}), "550 5.1.1 no such user");
  EXPECT_EQ(ReplyText({421, "", {"bye"}}), "421 bye");
}

TEST(CapabilitiesTest, ParsesKeywordsAnyCase) {
  Reply ehlo{250, "", {"mx.example.org greets you", "pipelining", "SIZE 52428800", "8BITMIME",
                       "STARTTLS", "AUTH PLAIN login", "SMTPUTF8", "ENHANCEDSTATUSCODES",
                       "X-UNKNOWN thing"}};
  Capabilities c = ParseCapabilities(ehlo);
  EXPECT_TRUE(c.starttls);
  EXPECT_TRUE(c.pipelining);
  EXPECT_TRUE(c.eight_bit_mime);
  EXPECT_TRUE(c.smtputf8);
  EXPECT_TRUE(c.enhanced_status_codes);
  ASSERT_TRUE(c.size.has_value());
  EXPECT_EQ(*c.size, 52428800u);
  EXPECT_EQ(c.auth, (std::vector<std::string>{"PLAIN", "LOGIN"}));

  Capabilities none = ParseCapabilities({250, "", {"STARTTLS only in the greeting line"}});
  EXPECT_FALSE(none.starttls);
  EXPECT_FALSE(none.size.has_value());
  EXPECT_EQ(*ParseCapabilities({250, "", {"x", "SIZE"}}).size, 0u);
}

TEST(DotStuffTest, Table) {
  const struct Row {
    std::string in, want;
  } rows[] = {
      {"a\r\n", "a\r\n.\r\n"},
      {"a", "a\r\n.\r\n"},
      {".a\r\n..b\r\n.\r\n", "..a\r\n...b\r\n..\r\n.\r\n"},
      {"a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},  // no early end of data
      {"bare\nlf\n.x", "bare\r\nlf\r\n..x\r\n.\r\n"},
      {"bare\rcr\r.\r", "bare\r\ncr\r\n..\r\n.\r\n"},
      {"", ".\r\n"},
      {"in.the.middle\r\n", "in.the.middle\r\n.\r\n"},
  };
  for (const auto& row : rows) EXPECT_EQ(DotStuff(row.in), row.want) << row.in;
}

TEST(HasEightBitTest, Detects) {
  EXPECT_FALSE(HasEightBit("plain ascii\r\n"));
  EXPECT_TRUE(HasEightBit("caf\xc3\xa9"));
}

}  // namespace
}  // namespace tern::smtp_protocol
