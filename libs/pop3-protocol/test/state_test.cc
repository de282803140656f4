// The command table: every command in every state, over plaintext and TLS, including Invalid
// and Unknown lines and the plaintext-login policy.
#include "tern/pop3_protocol/state.h"

#include <string>

#include "gtest/gtest.h"

namespace tern::pop3_protocol {
namespace {

// "" when allowed, else the wire form of the refusal.
std::string Judge(const std::string& line, State state, bool tls, bool plaintext_ok = false) {
  const auto refusal = Refusal(ParseCommand(line), state, tls, plaintext_ok);
  EXPECT_EQ(Allowed(ParseCommand(line), state, tls, plaintext_ok), !refusal.has_value());
  return refusal ? Format(*refusal) : "";
}

const std::string kNeedLogin = "-ERR log in first (USER and PASS, or AUTH)\r\n";
const std::string kLoggedIn = "-ERR already logged in\r\n";
const std::string kEnding = "-ERR the session is ending\r\n";
const std::string kPlain = "-ERR [AUTH] plaintext login refused; use STLS first\r\n";
const std::string kRpop =
    "-ERR RPOP is not supported (obsolete and insecure); use APOP or SASL over TLS\r\n";
const std::string kUnknown = "-ERR unknown command; send CAPA for the list of commands\r\n";
const std::string kTlsActive = "-ERR TLS is already active\r\n";
const std::string kDigest = "c4c9334bac560ecc979e58001b3e22fb";

TEST(StateTest, EveryCommandInEveryState) {
  const struct Row {
    std::string line;
    std::string authorization_plain;
    std::string authorization_tls;
    std::string transaction_plain;
    std::string transaction_tls;
    std::string update;
  } rows[] = {
      {"USER a", kPlain, "", kLoggedIn, kLoggedIn, kEnding},
      {"PASS a b", kPlain, "", kLoggedIn, kLoggedIn, kEnding},
      {"APOP a " + kDigest, kPlain, "", kLoggedIn, kLoggedIn, kEnding},
      {"AUTH PLAIN", kPlain, "", kLoggedIn, kLoggedIn, kEnding},
      {"AUTH PLAIN =", kPlain, "", kLoggedIn, kLoggedIn, kEnding},
      {"AUTH", "", "", kLoggedIn, kLoggedIn, kEnding},  // listing mechanisms is no login
      {"STAT", kNeedLogin, kNeedLogin, "", "", kEnding},
      {"LIST", kNeedLogin, kNeedLogin, "", "", kEnding},
      {"LIST 1", kNeedLogin, kNeedLogin, "", "", kEnding},
      {"RETR 1", kNeedLogin, kNeedLogin, "", "", kEnding},
      {"DELE 1", kNeedLogin, kNeedLogin, "", "", kEnding},
      {"NOOP", kNeedLogin, kNeedLogin, "", "", kEnding},
      {"RSET", kNeedLogin, kNeedLogin, "", "", kEnding},
      {"TOP 1 0", kNeedLogin, kNeedLogin, "", "", kEnding},
      {"UIDL", kNeedLogin, kNeedLogin, "", "", kEnding},
      {"UIDL 2", kNeedLogin, kNeedLogin, "", "", kEnding},
      {"QUIT", "", "", "", "", kEnding},
      {"CAPA", "", "", "", "", kEnding},
      {"STLS", "", kTlsActive, kLoggedIn, kLoggedIn, kEnding},
      {"RPOP mrose", kRpop, kRpop, kRpop, kRpop, kRpop},
      {"XYZZY", kUnknown, kUnknown, kUnknown, kUnknown, kUnknown},
      // Invalid lines: the state first (by keyword), then the plaintext policy, then syntax.
      {"RETR x", kNeedLogin, kNeedLogin, "-ERR syntax: RETR <message-number>\r\n",
       "-ERR syntax: RETR <message-number>\r\n", kEnding},
      {"RETR 0", kNeedLogin, kNeedLogin, "-ERR no such message\r\n", "-ERR no such message\r\n",
       kEnding},
      {"USER", kPlain, "-ERR syntax: USER <name>\r\n", kLoggedIn, kLoggedIn, kEnding},
      {"STLS now", "-ERR syntax: STLS (no arguments)\r\n", kTlsActive, kLoggedIn, kLoggedIn,
       kEnding},
      {"QUIT now", "-ERR syntax: QUIT (no arguments)\r\n", "-ERR syntax: QUIT (no arguments)\r\n",
       "-ERR syntax: QUIT (no arguments)\r\n", "-ERR syntax: QUIT (no arguments)\r\n", kEnding},
      // Invalid without a keyword: its own reply in every state.
      {"", "-ERR empty command; send CAPA for the list of commands\r\n",
       "-ERR empty command; send CAPA for the list of commands\r\n",
       "-ERR empty command; send CAPA for the list of commands\r\n",
       "-ERR empty command; send CAPA for the list of commands\r\n",
       "-ERR empty command; send CAPA for the list of commands\r\n"},
      {std::string("NO\0OP", 5), "-ERR control characters are not allowed in commands\r\n",
       "-ERR control characters are not allowed in commands\r\n",
       "-ERR control characters are not allowed in commands\r\n",
       "-ERR control characters are not allowed in commands\r\n",
       "-ERR control characters are not allowed in commands\r\n"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(Judge(row.line, State::kAuthorization, false), row.authorization_plain) << row.line;
    EXPECT_EQ(Judge(row.line, State::kAuthorization, true), row.authorization_tls) << row.line;
    EXPECT_EQ(Judge(row.line, State::kTransaction, false), row.transaction_plain) << row.line;
    EXPECT_EQ(Judge(row.line, State::kTransaction, true), row.transaction_tls) << row.line;
    EXPECT_EQ(Judge(row.line, State::kUpdate, true), row.update) << row.line;
    EXPECT_EQ(Judge(row.line, State::kUpdate, false), row.update) << row.line;
  }
}

TEST(StateTest, PlaintextLoginWhenConfigured) {
  const std::string lines[] = {"USER a", "PASS a", "APOP a " + kDigest, "AUTH PLAIN"};
  for (const std::string& line : lines) {
    EXPECT_EQ(Judge(line, State::kAuthorization, false, true), "") << line;
  }
  EXPECT_EQ(Judge("USER", State::kAuthorization, false, true), "-ERR syntax: USER <name>\r\n");
  // The policy does not open other doors.
  EXPECT_EQ(Judge("STAT", State::kAuthorization, false, true), kNeedLogin);
  EXPECT_EQ(Judge("RPOP a", State::kAuthorization, false, true), kRpop);
}

TEST(StateTest, TableRowsFollowTheCommandVariant) {
  const std::string lines[] = {
      "USER a", "PASS a", "APOP a " + kDigest, "AUTH", "STAT", "LIST", "RETR 1", "DELE 1", "NOOP",
      "RSET",   "QUIT",   "TOP 1 1",           "UIDL", "CAPA", "STLS", "RPOP"};
  for (const std::string& line : lines) {
    const Command c = ParseCommand(line);
    const CommandRule* rule = RuleFor(c);
    ASSERT_NE(rule, nullptr) << line;
    EXPECT_EQ(rule->name, CommandName(c)) << line;
  }
  EXPECT_EQ(RuleFor(ParseCommand("XYZZY")), nullptr);
  EXPECT_EQ(RuleFor(ParseCommand("")), nullptr);
  ASSERT_NE(RuleFor(ParseCommand("TOP")), nullptr);
  EXPECT_EQ(RuleFor(ParseCommand("TOP"))->name, "TOP");
}

TEST(StateTest, WrongStateReplies) {
  EXPECT_EQ(WrongStateReply(State::kAuthorization), StandardReply(ReplyId::kNeedLogin));
  EXPECT_EQ(WrongStateReply(State::kTransaction), StandardReply(ReplyId::kAlreadyLoggedIn));
  EXPECT_EQ(WrongStateReply(State::kUpdate), StandardReply(ReplyId::kSessionEnding));
}

}  // namespace
}  // namespace tern::pop3_protocol
