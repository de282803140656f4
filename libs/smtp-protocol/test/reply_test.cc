// Reply formatting, the standard reply table, and the EHLO / HELP / greeting builders.
#include "tern/smtp_protocol/reply.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace tern::smtp_protocol {
namespace {

TEST(FormatTest, Table) {
  const struct Row {
    Reply reply;
    std::string want;
  } rows[] = {
      {{250, "2.0.0", {"OK"}}, "250 2.0.0 OK\r\n"},
      {{250, "", {"mx.example.org"}}, "250 mx.example.org\r\n"},
      {{250, "", {"mx", "PIPELINING", "SIZE 10"}}, "250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n"},
      {{214, "2.0.0", {"a", "b"}}, "214-2.0.0 a\r\n214 2.0.0 b\r\n"},
      {{334, "", {""}}, "334 \r\n"},
      {{334, "", {}}, "334 \r\n"},
      {{250, "2.0.0", {}}, "250 2.0.0\r\n"},
      {{250, "", {"", "x"}}, "250-\r\n250 x\r\n"},
      // Nothing the caller passes can break the framing.
      {{550, "5.1.1", {"evil\r\n250 OK"}}, "550 5.1.1 evil??250 OK\r\n"},
      {{550, "5.1.1", {std::string("nul\0x", 5), "caf\xc3\xa9", "tab\there"}},
       std::string("550-5.1.1 nul?x\r\n550-5.1.1 caf??\r\n550 5.1.1 tab\there\r\n")},
  };
  for (const auto& row : rows) EXPECT_EQ(Format(row.reply), row.want);
}

TEST(FormatTest, FormatToAppends) {
  std::string out = "x";
  FormatTo(StandardReply(ReplyId::kSenderOk), &out);
  FormatTo(StandardReply(ReplyId::kRecipientOk), &out);
  EXPECT_EQ(out, "x250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n");
}

TEST(StandardReplyTest, TheRepliesTheSessionNeeds) {
  const struct Row {
    ReplyId id;
    std::string want;
  } rows[] = {
      {ReplyId::kBye, "221 2.0.0 Bye\r\n"},
      {ReplyId::kOk, "250 2.0.0 OK\r\n"},
      {ReplyId::kStartInput, "354 Send the message; end it with a line holding only \".\"\r\n"},
      {ReplyId::kShuttingDown, "421 4.3.2 Service shutting down, closing the connection\r\n"},
      {ReplyId::kLocalError, "451 4.3.0 Local error in processing; please try again later\r\n"},
      {ReplyId::kTooManyRecipients, "452 4.5.3 Too many recipients in one message\r\n"},
      {ReplyId::kTlsUnavailable, "454 4.7.0 TLS not available right now; try again later\r\n"},
      {ReplyId::kAuthUnavailable,
       "454 4.7.0 Authentication temporarily unavailable; try again later\r\n"},
      {ReplyId::kUnknownCommand,
       "500 5.5.1 Command not recognized; type HELP for a list of commands\r\n"},
      {ReplyId::kLineTooLong, "500 5.5.2 Line too long\r\n"},
      {ReplyId::kSyntaxError, "501 5.5.2 Syntax error\r\n"},
      {ReplyId::kNotImplemented, "502 5.5.1 Command not implemented\r\n"},
      {ReplyId::kBadSequence, "503 5.5.1 Bad sequence of commands\r\n"},
      {ReplyId::kMechanismUnsupported, "504 5.5.4 Authentication mechanism not supported\r\n"},
      {ReplyId::kMustStartTls, "530 5.7.0 Must issue a STARTTLS command first\r\n"},
      {ReplyId::kAuthFailed, "535 5.7.8 Authentication failed: invalid credentials\r\n"},
      {ReplyId::kEncryptionRequired,
       "538 5.7.11 Encryption required for this authentication mechanism; use STARTTLS "
       "first\r\n"},
      {ReplyId::kNoSuchUser, "550 5.1.1 No such user here\r\n"},
      {ReplyId::kRelayDenied, "550 5.7.1 Relaying denied\r\n"},
      {ReplyId::kMessageTooBig, "552 5.3.4 Message too big\r\n"},
      {ReplyId::kMailboxFull, "552 5.2.2 Mailbox full\r\n"},
      {ReplyId::kBadAddressSyntax, "553 5.1.3 Bad address syntax\r\n"},
      {ReplyId::kBareLineEnding,
       "554 5.6.11 Message refused: bare <CR> or <LF> found; lines must end with <CR><LF>\r\n"},
      {ReplyId::kUnknownParameter, "555 5.5.4 Unsupported MAIL FROM or RCPT TO parameter\r\n"},
      {ReplyId::kCannotVrfy,
       "252 2.5.0 Cannot verify the user, but will accept the message and attempt delivery\r\n"},
  };
  for (const auto& row : rows) EXPECT_EQ(Format(StandardReply(row.id)), row.want);
}

TEST(StandardReplyTest, EveryRowIsWellFormed) {
  for (int i = 0; i <= static_cast<int>(ReplyId::kUnknownParameter); ++i) {
    const Reply& r = StandardReply(static_cast<ReplyId>(i));
    SCOPED_TRACE(Format(r));
    EXPECT_GE(r.code, 200);
    EXPECT_LT(r.code, 600);
    ASSERT_EQ(r.lines.size(), 1u);
    EXPECT_FALSE(r.lines[0].empty());
    if (r.code / 100 == 3 || (r.code == 220 && r.enhanced.empty())) {
      EXPECT_EQ(r.enhanced, "");  // 354 and the greeting carry none
    } else {
      // RFC 3463: class.subject.detail, the class matching the reply's first digit.
      ASSERT_GE(r.enhanced.size(), 5u);
      EXPECT_EQ(r.enhanced[0] - '0', r.code / 100);
      EXPECT_EQ(r.enhanced[1], '.');
    }
    EXPECT_EQ(Format(r).find('\n'), Format(r).size() - 1);
  }
}

TEST(BuildersTest, GreetingHeloEhlo) {
  EXPECT_EQ(Format(Greeting("mx.example.org")), "220 mx.example.org ESMTP ready\r\n");
  EXPECT_EQ(Format(HeloReply("mx.example.org")), "250 mx.example.org\r\n");
  EXPECT_EQ(
      Format(EhloReply("mx.example.org", {"PIPELINING", "SIZE 33554432", "8BITMIME", "SMTPUTF8",
                                          "ENHANCEDSTATUSCODES", "CHUNKING", "STARTTLS"})),
      "250-mx.example.org\r\n"
      "250-PIPELINING\r\n"
      "250-SIZE 33554432\r\n"
      "250-8BITMIME\r\n"
      "250-SMTPUTF8\r\n"
      "250-ENHANCEDSTATUSCODES\r\n"
      "250-CHUNKING\r\n"
      "250 STARTTLS\r\n");
  EXPECT_EQ(Format(EhloReply("mx", {})), "250 mx\r\n");
}

TEST(BuildersTest, HelpListsEveryCommand) {
  const std::string help = Format(HelpReply());
  EXPECT_EQ(help.rfind("214-2.0.0 Commands:\r\n", 0), 0u) << help;
  for (const char* verb : {"HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT",
                           "VRFY", "EXPN", "HELP", "STARTTLS", "AUTH"}) {
    EXPECT_NE(help.find(verb), std::string::npos) << verb;
  }
  EXPECT_NE(help.find("214 2.0.0 "), std::string::npos);  // the last line
  EXPECT_EQ(Format(HelpReply("mail")),
            "214 2.0.0 Syntax: MAIL FROM:<sender@example.com> [SIZE=<octets>] "
            "[BODY=7BIT|8BITMIME|BINARYMIME] [SMTPUTF8] [AUTH=<sender>]  (MAIL FROM:<> for a "
            "bounce)\r\n");
  EXPECT_EQ(Format(HelpReply("Rcpt")),
            "214 2.0.0 Syntax: RCPT TO:<recipient@example.org>  (once per recipient)\r\n");
  EXPECT_EQ(HelpReply("nonsense"), HelpReply());
}

TEST(BuildersTest, SaslChallenge) {
  EXPECT_EQ(Format(SaslChallenge("")), "334 \r\n");
  EXPECT_EQ(Format(SaslChallenge("Username:")), "334 VXNlcm5hbWU6\r\n");
  EXPECT_EQ(Format(SaslChallenge("Password:")), "334 UGFzc3dvcmQ6\r\n");
}

}  // namespace
}  // namespace tern::smtp_protocol
