// ParseCommand: one table of lines and the command each must give, hostile rows included
// (control characters, NUL, signs, overflow and leading zeros in numbers, PASS with spaces,
// bad APOP digests, bad base64, case, extra spaces), then the same lines through the reader in
// every chunking.
#include "tern/pop3_protocol/command.h"

#include <string>
#include <vector>

#include "describe.h"
#include "gtest/gtest.h"
#include "tern/pop3_protocol/command_reader.h"
#include "tern/testing/chunkings.h"

namespace tern::pop3_protocol {
namespace {

using namespace std::string_literals;
using ::tern::testing::AllChunkings;
using testing::DescribeCommand;
using ::tern::testing::Escape;

struct Row {
  std::string line;
  std::string want;
};

const std::string kDigest = "c4c9334bac560ecc979e58001b3e22fb";
const std::string kSyntaxRetr = "INVALID RETR: syntax: RETR <message-number>";
const std::string kNoSuchRetr = "INVALID RETR: no such message";

const Row kRows[] = {
    // USER
    {"USER alice", "USER alice"},
    {"user alice@example.org", "USER alice@example.org"},
    {"UsEr  alice  ", "USER alice"},
    {"  USER alice", "USER alice"},
    {"USER alice\t", "USER alice"},
    {"USER " + std::string(60, 'n'), "USER " + std::string(60, 'n')},  // names may pass 40
    {"USER caf\xc3\xa9", "USER caf\xc3\xa9"},
    {"USER", "INVALID USER: syntax: USER <name>"},
    {"USER ", "INVALID USER: syntax: USER <name>"},
    {"USER a b", "INVALID USER: syntax: USER <name>"},
    {"USER a\tb", "INVALID : control characters are not allowed in commands"},
    // PASS: the rest of the line, exactly
    {"PASS secret", "PASS [secret]"},
    {"pass secret", "PASS [secret]"},
    {"PASS correct horse battery staple", "PASS [correct horse battery staple]"},
    {"PASS  leading space", "PASS [ leading space]"},
    {"PASS trailing  ", "PASS [trailing  ]"},
    {"PASS tab\there", "PASS [tab\there]"},
    {"PASS " + std::string(100, 'p'), "PASS [" + std::string(100, 'p') + "]"},
    {"PASS", "INVALID PASS: syntax: PASS <password>"},
    {"PASS ", "INVALID PASS: syntax: PASS <password>"},
    {"PASS\t", "INVALID PASS: syntax: PASS <password>"},
    {"PASS nul\0byte"s, "INVALID : control characters are not allowed in commands"},
    {"PASS cr\rbyte", "INVALID : control characters are not allowed in commands"},
    {"PASSWORD x", "UNKNOWN PASSWORD"},
    // APOP
    {"APOP mrose " + kDigest, "APOP mrose " + kDigest},
    {"APOP mrose C4C9334BAC560ECC979E58001B3E22FB", "APOP mrose " + kDigest},
    {"APOP mrose " + kDigest.substr(1),
     "INVALID APOP: syntax: APOP <name> <digest: 32 hexadecimal digits>"},
    {"APOP mrose " + kDigest + "0",
     "INVALID APOP: syntax: APOP <name> <digest: 32 hexadecimal digits>"},
    {"APOP mrose " + kDigest.substr(1) + "g",
     "INVALID APOP: syntax: APOP <name> <digest: 32 hexadecimal digits>"},
    {"APOP mrose", "INVALID APOP: syntax: APOP <name> <digest: 32 hexadecimal digits>"},
    {"APOP " + kDigest, "INVALID APOP: syntax: APOP <name> <digest: 32 hexadecimal digits>"},
    {"APOP a " + kDigest + " x",
     "INVALID APOP: syntax: APOP <name> <digest: 32 hexadecimal digits>"},
    // AUTH
    {"AUTH", "AUTH"},
    {"auth  ", "AUTH"},
    {"AUTH plain", "AUTH PLAIN"},
    {"AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH PLAIN ir=[AGFsaWNlAHNlY3JldA==]"},
    {"AUTH PLAIN =", "AUTH PLAIN ir=[]"},
    {"AUTH SCRAM-SHA-256", "AUTH SCRAM-SHA-256"},
    {"AUTH X_Y-1", "AUTH X_Y-1"},
    {"AUTH PLAIN not-base64!", "INVALID AUTH: invalid base64 in the initial response"},
    {"AUTH PLAIN AGFsaWNl=", "INVALID AUTH: invalid base64 in the initial response"},
    {"AUTH PLAIN a b", "INVALID AUTH: syntax: AUTH [<mechanism> [<initial-response>]]"},
    {"AUTH PL@IN", "INVALID AUTH: syntax: AUTH [<mechanism> [<initial-response>]]"},
    {"AUTH " + std::string(21, 'M'),
     "INVALID AUTH: syntax: AUTH [<mechanism> [<initial-response>]]"},
    {"AUTH " + std::string(41, 'M'), "INVALID AUTH: argument too long (at most 40 octets)"},
    // No-argument commands
    {"STAT", "STAT"},
    {"stat", "STAT"},
    {"sTaT  ", "STAT"},
    {"STAT 1", "INVALID STAT: syntax: STAT (no arguments)"},
    {"NOOP", "NOOP"},
    {"NOOP x", "INVALID NOOP: syntax: NOOP (no arguments)"},
    {"RSET", "RSET"},
    {"QUIT", "QUIT"},
    {"quit\t", "QUIT"},
    {"QUIT now", "INVALID QUIT: syntax: QUIT (no arguments)"},
    {"CAPA", "CAPA"},
    {"STLS", "STLS"},
    {"stls", "STLS"},
    {"STLS x", "INVALID STLS: syntax: STLS (no arguments)"},
    // LIST / UIDL
    {"LIST", "LIST"},
    {"LIST 1", "LIST 1"},
    {"list   2  ", "LIST 2"},
    {"LIST 007", "LIST 7"},
    {"LIST 4294967295", "LIST 4294967295"},
    {"LIST 4294967296", "INVALID LIST: no such message"},
    {"LIST 99999999999999999999999999999999", "INVALID LIST: no such message"},
    {"LIST 0", "INVALID LIST: no such message"},
    {"LIST 000", "INVALID LIST: no such message"},
    {"LIST 1 2", "INVALID LIST: syntax: LIST [<message-number>]"},
    {"LIST +1", "INVALID LIST: syntax: LIST [<message-number>]"},
    {"UIDL", "UIDL"},
    {"UIDL 3", "UIDL 3"},
    {"UIDL -3", "INVALID UIDL: syntax: UIDL [<message-number>]"},
    {"UIDL x", "INVALID UIDL: syntax: UIDL [<message-number>]"},
    // RETR / DELE
    {"RETR 1", "RETR 1"},
    {"retr 12", "RETR 12"},
    {"RETR " + std::string(39, '0') + "1", "RETR 1"},  // 40 octets: the argument limit
    {"RETR " + std::string(40, '0') + "1", "INVALID RETR: argument too long (at most 40 octets)"},
    {"RETR", kSyntaxRetr},
    {"RETR ", kSyntaxRetr},
    {"RETR 1 2", kSyntaxRetr},
    {"RETR +1", kSyntaxRetr},
    {"RETR -1", kSyntaxRetr},
    {"RETR 1x", kSyntaxRetr},
    {"RETR 0x10", kSyntaxRetr},
    {"RETR 1.0", kSyntaxRetr},
    {"RETR \xd9\xa1", kSyntaxRetr},  // ARABIC-INDIC DIGIT ONE is not a digit here
    {"RETR 0", kNoSuchRetr},
    {"RETR 18446744073709551616", kNoSuchRetr},
    {"DELE 5", "DELE 5"},
    {"DELE", "INVALID DELE: syntax: DELE <message-number>"},
    {"DELE 0", "INVALID DELE: no such message"},
    // TOP
    {"TOP 1 0", "TOP 1 0"},
    {"top 1 10", "TOP 1 10"},
    {"TOP 2 0010", "TOP 2 10"},
    {"TOP 1 18446744073709551615", "TOP 1 18446744073709551615"},
    {"TOP 1 99999999999999999999999999", "TOP 1 18446744073709551615"},  // saturates
    {"TOP 1 " + std::string(41, '9'), "INVALID TOP: argument too long (at most 40 octets)"},
    {"TOP 1", "INVALID TOP: syntax: TOP <message-number> <lines>"},
    {"TOP", "INVALID TOP: syntax: TOP <message-number> <lines>"},
    {"TOP 1 -1", "INVALID TOP: syntax: TOP <message-number> <lines>"},
    {"TOP 1 +1", "INVALID TOP: syntax: TOP <message-number> <lines>"},
    {"TOP 1 2 3", "INVALID TOP: syntax: TOP <message-number> <lines>"},
    {"TOP 0 5", "INVALID TOP: no such message"},
    {"TOP x 5", "INVALID TOP: syntax: TOP <message-number> <lines>"},
    // RPOP (RFC 1081): parsed so that it can be refused clearly
    {"RPOP mrose", "RPOP [mrose]"},
    {"rpop", "RPOP []"},
    {"RPOP " + std::string(50, 'r'), "RPOP [" + std::string(40, 'r') + "]"},
    // Not commands
    {"", "INVALID : empty command; send CAPA for the list of commands"},
    {"   ", "INVALID : empty command; send CAPA for the list of commands"},
    {"\t", "INVALID : empty command; send CAPA for the list of commands"},
    {"LAST", "UNKNOWN LAST"},
    {"XTND XMIT", "UNKNOWN XTND"},
    {"GET / HTTP/1.1", "UNKNOWN GET"},
    {"STARTTLS", "UNKNOWN STARTTLS"},
    {"EHLO x", "UNKNOWN EHLO"},
    {std::string(100, 'Z'), "UNKNOWN " + std::string(32, 'Z')},
    {"ST AT", "UNKNOWN ST"},
    {"STAT\0"s, "INVALID : control characters are not allowed in commands"},
    {"\0STAT"s, "INVALID : control characters are not allowed in commands"},
    {"RETR 1\r", "INVALID : control characters are not allowed in commands"},
    {"NO\x1bOP", "INVALID : control characters are not allowed in commands"},
    {"NOOP\x7f", "INVALID : control characters are not allowed in commands"},
    {"RETR\t1", "INVALID : control characters are not allowed in commands"},
    {"\xff\xfe", "UNKNOWN \xff\xfe"},
};

TEST(ParseCommandTest, Table) {
  for (const Row& row : kRows) {
    EXPECT_EQ(DescribeCommand(ParseCommand(row.line)), row.want) << Escape(row.line);
  }
}

TEST(ParseCommandTest, InvalidAndUnknownCarryAnErrReply) {
  for (const Row& row : kRows) {
    const Command c = ParseCommand(row.line);
    if (const auto* invalid = std::get_if<Invalid>(&c)) {
      EXPECT_FALSE(invalid->reply.ok) << Escape(row.line);
      EXPECT_FALSE(invalid->reply.text.empty()) << Escape(row.line);
    }
    if (const auto* unknown = std::get_if<Unknown>(&c)) {
      EXPECT_EQ(unknown->reply, StandardReply(ReplyId::kUnknownCommand)) << Escape(row.line);
    }
  }
}

TEST(ParseCommandTest, ArgumentLimitComesFromLimits) {
  Limits limits;
  limits.max_argument = 3;
  EXPECT_EQ(DescribeCommand(ParseCommand("RETR 123", limits)), "RETR 123");
  EXPECT_EQ(DescribeCommand(ParseCommand("RETR 1234", limits)),
            "INVALID RETR: argument too long (at most 3 octets)");
  // Not applied to names, passwords and initial responses.
  EXPECT_EQ(DescribeCommand(ParseCommand("USER alice", limits)), "USER alice");
  EXPECT_EQ(DescribeCommand(ParseCommand("PASS secret", limits)), "PASS [secret]");
  EXPECT_EQ(DescribeCommand(ParseCommand("AUTH ABC Zm9vYmFy", limits)), "AUTH ABC ir=[Zm9vYmFy]");
}

TEST(ParseCommandTest, CommandNames) {
  const struct {
    std::string line;
    std::string_view name;
  } rows[] = {
      {"USER a", "USER"}, {"PASS a", "PASS"},   {"APOP a " + kDigest, "APOP"},
      {"AUTH", "AUTH"},   {"STAT", "STAT"},     {"LIST", "LIST"},
      {"RETR 1", "RETR"}, {"DELE 1", "DELE"},   {"NOOP", "NOOP"},
      {"RSET", "RSET"},   {"QUIT", "QUIT"},     {"TOP 1 1", "TOP"},
      {"UIDL", "UIDL"},   {"CAPA", "CAPA"},     {"STLS", "STLS"},
      {"RPOP", "RPOP"},   {"XYZZY", "UNKNOWN"}, {"RETR", "INVALID"},
  };
  for (const auto& row : rows) EXPECT_EQ(CommandName(ParseCommand(row.line)), row.name);
}

// Every row again, as one pipelined stream with CRLF and with bare LF, through the reader in
// every chunking: the same commands come out.
TEST(ParseCommandTest, TableThroughTheReader) {
  for (const char* ending : {"\r\n", "\n"}) {
    std::string stream;
    std::vector<std::string> want;
    for (const Row& row : kRows) {
      if (row.line.find_first_of("\r\n") != std::string::npos) continue;  // would split
      stream += row.line + ending;
      want.push_back(row.want);
    }
    for (const auto& c : AllChunkings(stream)) {
      CommandReader reader;
      std::vector<std::string> got;
      for (std::string_view piece : c.pieces) {
        reader.Feed(piece);
        for (auto r = reader.Next(); r.kind != CommandReader::Result::kNeedMore;
             r = reader.Next()) {
          ASSERT_EQ(r.kind, CommandReader::Result::kLine);
          EXPECT_EQ(r.bare_lf, std::string_view(ending) == "\n");
          got.push_back(DescribeCommand(ParseCommand(r.line)));
        }
      }
      EXPECT_EQ(got, want) << c.name;
    }
  }
}

}  // namespace
}  // namespace tern::pop3_protocol
