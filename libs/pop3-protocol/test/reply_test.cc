// Reply formatting, the standard reply table, and the greeting and one-line answers.
#include "tern/pop3_protocol/reply.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace tern::pop3_protocol {
namespace {

using enum ResponseCode;

TEST(FormatTest, Table) {
  const struct Row {
    Reply reply;
    std::string want;
  } rows[] = {
      {{true, kNone, "message follows"}, "+OK message follows\r\n"},
      {{true, kNone, ""}, "+OK\r\n"},
      {{false, kNone, "no such message"}, "-ERR no such message\r\n"},
      {{false, kInUse, "locked"}, "-ERR [IN-USE] locked\r\n"},
      {{false, kLoginDelay, "wait"}, "-ERR [LOGIN-DELAY] wait\r\n"},
      {{false, kSysTemp, "later"}, "-ERR [SYS/TEMP] later\r\n"},
      {{false, kSysPerm, "never"}, "-ERR [SYS/PERM] never\r\n"},
      {{false, kAuth, "bad"}, "-ERR [AUTH] bad\r\n"},
      {{false, kAuth, ""}, "-ERR [AUTH]\r\n"},
      // Nothing the caller passes can break the framing.
      {{false, kNone, "evil\r\n+OK"}, "-ERR evil??+OK\r\n"},
      {{true, kNone, std::string("nul\0x", 5)}, "+OK nul?x\r\n"},
      {{true, kNone, "caf\xc3\xa9 tab\there"}, "+OK caf?? tab\there\r\n"},
      // 512 octets at most, CRLF included (RFC 2449 4).
      {{false, kSysTemp, std::string(600, 'x')},
       "-ERR [SYS/TEMP] " + std::string(512 - 2 - 16, 'x') + "\r\n"},
      {{true, kNone, std::string(600, 'y')}, "+OK " + std::string(512 - 2 - 4, 'y') + "\r\n"},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(Format(row.reply), row.want);
    EXPECT_LE(Format(row.reply).size(), 512u);
  }
}

TEST(FormatTest, FormatToAppends) {
  std::string out = "x";
  FormatTo(StandardReply(ReplyId::kOk), &out);
  FormatTo(StandardReply(ReplyId::kNoSuchMessage), &out);
  EXPECT_EQ(out, "x+OK\r\n-ERR no such message\r\n");
}

TEST(StandardReplyTest, TheRepliesTheSessionNeeds) {
  const struct Row {
    ReplyId id;
    std::string want;
  } rows[] = {
      {ReplyId::kOk, "+OK\r\n"},
      {ReplyId::kBye, "+OK Tern POP3 server signing off\r\n"},
      {ReplyId::kUserAccepted, "+OK send your password with PASS\r\n"},
      {ReplyId::kMessageFollows, "+OK message follows\r\n"},
      {ReplyId::kTopFollows, "+OK top of message follows\r\n"},
      {ReplyId::kBeginTls, "+OK Begin TLS negotiation\r\n"},
      {ReplyId::kMessageDeleted, "+OK message deleted\r\n"},
      {ReplyId::kNoSuchMessage, "-ERR no such message\r\n"},
      {ReplyId::kAlreadyDeleted, "-ERR message already deleted\r\n"},
      {ReplyId::kAuthFailed, "-ERR [AUTH] invalid credentials\r\n"},
      {ReplyId::kAuthUnavailable,
       "-ERR [SYS/TEMP] authentication temporarily unavailable; try again later\r\n"},
      {ReplyId::kTryLater, "-ERR [SYS/TEMP] temporary server problem; try again later\r\n"},
      {ReplyId::kMaildropUnavailable,
       "-ERR [SYS/PERM] maildrop unavailable; contact your administrator\r\n"},
      {ReplyId::kInUse,
       "-ERR [IN-USE] maildrop already locked by another session; try again later\r\n"},
      {ReplyId::kLoginDelay,
       "-ERR [LOGIN-DELAY] logged in too recently; wait a while before logging in again\r\n"},
      {ReplyId::kPlaintextRefused, "-ERR [AUTH] plaintext login refused; use STLS first\r\n"},
      {ReplyId::kRpopRefused,
       "-ERR RPOP is not supported (obsolete and insecure); use APOP or SASL over TLS\r\n"},
      {ReplyId::kUnknownCommand, "-ERR unknown command; send CAPA for the list of commands\r\n"},
      {ReplyId::kLineTooLong, "-ERR line too long\r\n"},
      {ReplyId::kDeleteFailed,
       "-ERR [SYS/TEMP] some deleted messages were not removed; try again later\r\n"},
      {ReplyId::kThrottled, "-ERR [SYS/TEMP] too many failed logins; wait a while and try again\r\n"},
      {ReplyId::kTooManyConnections, "-ERR [SYS/TEMP] too many connections; try again later\r\n"},
  };
  for (const auto& row : rows) EXPECT_EQ(Format(StandardReply(row.id)), row.want);
}

TEST(StandardReplyTest, EveryRowIsWellFormed) {
  std::set<std::string> texts;
  for (int i = 0; i <= static_cast<int>(ReplyId::kDeleteFailed); ++i) {
    const Reply& r = StandardReply(static_cast<ReplyId>(i));
    const std::string wire = Format(r);
    EXPECT_LE(wire.size(), 512u) << i;
    EXPECT_EQ(wire.find_first_of("\r\n"), wire.size() - 2) << i;
    EXPECT_TRUE(texts.insert(wire).second) << "duplicate reply " << wire;
    if (i != static_cast<int>(ReplyId::kOk)) {
      EXPECT_FALSE(r.text.empty()) << i;
    }
    if (r.code != kNone) {  // response codes only on -ERR
      EXPECT_FALSE(r.ok) << i;
    }
  }
  EXPECT_NE(StandardReply(ReplyId::kAuthFailed).code,
            StandardReply(ReplyId::kAuthUnavailable).code);
}

TEST(GreetingTest, WithAndWithoutApopBanner) {
  EXPECT_EQ(Format(Greeting()), "+OK Tern POP3 server ready\r\n");
  EXPECT_EQ(Format(Greeting("<1896.697170952@dbc.mtview.ca.us>")),
            "+OK Tern POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n");
  EXPECT_EQ(Format(Greeting("<a\r\n+OK@x>")), "+OK Tern POP3 server ready <a??+OK@x>\r\n");
}

TEST(GreetingTest, ApopBanner) {
  EXPECT_EQ(ApopBanner(1896, 697170952, "dbc.mtview.ca.us"), "<1896.697170952@dbc.mtview.ca.us>");
  EXPECT_EQ(ApopBanner(0, 18446744073709551615u, "pop.example.org"),
            "<0.18446744073709551615@pop.example.org>");
  EXPECT_EQ(ApopBanner(1, 2, ""), "<1.2@localhost>");
  EXPECT_EQ(ApopBanner(1, 2, "<evil> @\r\nhost"), "<1.2@evilhost>");
  EXPECT_EQ(ApopBanner(1, 2, std::string(100, 'h')), "<1.2@" + std::string(64, 'h') + ">");
}

TEST(OneLineRepliesTest, Table) {
  EXPECT_EQ(Format(MaildropReply(2, 320)), "+OK maildrop has 2 messages (320 octets)\r\n");
  EXPECT_EQ(Format(MaildropReply(1, 1)), "+OK maildrop has 1 message (1 octet)\r\n");
  EXPECT_EQ(Format(MaildropReply(0, 0)), "+OK maildrop has 0 messages (0 octets)\r\n");
  EXPECT_EQ(Format(StatReply(2, 320)), "+OK 2 320\r\n");
  EXPECT_EQ(Format(StatReply(0, 0)), "+OK 0 0\r\n");
  EXPECT_EQ(Format(StatReply(4294967295u, 18446744073709551615u)),
            "+OK 4294967295 18446744073709551615\r\n");
  EXPECT_EQ(Format(ScanReply(2, 200)), "+OK 2 200\r\n");
  EXPECT_EQ(Format(UidlReply(2, "QhdPYR:00WBw1Ph7x7")), "+OK 2 QhdPYR:00WBw1Ph7x7\r\n");
  EXPECT_EQ(Format(UidlReply(3, "a b\r\n")), "+OK 3 a?b??\r\n");
  EXPECT_EQ(Format(UidlReply(4, "")), "+OK 4 ?\r\n");
  EXPECT_EQ(Format(UidlReply(5, std::string(80, 'u'))), "+OK 5 " + std::string(70, 'u') + "\r\n");
}

TEST(ResponseCodeTest, Names) {
  EXPECT_EQ(ResponseCodeName(kNone), "");
  EXPECT_EQ(ResponseCodeName(kInUse), "IN-USE");
  EXPECT_EQ(ResponseCodeName(kLoginDelay), "LOGIN-DELAY");
  EXPECT_EQ(ResponseCodeName(kSysTemp), "SYS/TEMP");
  EXPECT_EQ(ResponseCodeName(kSysPerm), "SYS/PERM");
  EXPECT_EQ(ResponseCodeName(kAuth), "AUTH");
}

}  // namespace
}  // namespace tern::pop3_protocol
