// CommandReader: SMTP command lines out of a byte stream, fed whole, one octet at a time and in
// random chunks: the SMTP limits (510 octets of command text, 12286 of AUTH line text),
// pipelined groups, the STARTTLS and DATA hand-overs. The framing (bare LF, lone CR, NUL,
// over-long lines and their recovery) and the AUTH rule (any case, AUTHX, SASL responses) are
// tested once, with the shared readers in libs/line-protocol.
#include "tern/smtp_protocol/command_reader.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/testing/chunkings.h"
#include "tern/testing/line_events.h"

namespace tern::smtp_protocol {
namespace {

using ::tern::testing::AllChunkings;
using ::tern::testing::ExpectLineRows;
using ::tern::testing::ReadFresh;

const std::string k510(510, 'a');
const std::string k511(511, 'a');

TEST(CommandReaderTest, Table) {
  ExpectLineRows(
      {
          {"crlf", "EHLO a\r\n", {"L:EHLO a"}, ""},
          {"bare lf (nc users)", "EHLO a\n", {"LF:EHLO a"}, ""},
          {"pipelined group",
           "EHLO a\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n",
           {"L:EHLO a", "L:MAIL FROM:<a@b.c>", "L:RCPT TO:<d@e.f>", "L:DATA"},
           ""},
          {"510 octets fit", k510 + "\r\n", {"L:" + k510}, ""},
          {"510 octets, bare lf", k510 + "\n", {"LF:" + k510}, ""},
          {"511 octets too long", k511 + "\r\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
          {"511 octets, bare lf", k511 + "\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
          {"too long, cr at the limit", k510 + "\r\r\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
          {"long MAIL line",
           "MAIL FROM:<" + std::string(600, 'a') + "@b>\r\nRSET\r\n",
           {"TOO_LONG", "L:RSET"},
           ""},
          {"AUTH limit",
           "AUTH PLAIN " + std::string(12276, 'A') + "\r\nAUTH PLAIN " + std::string(12275, 'A') +
               "\r\n",
           {"TOO_LONG", "L:AUTH PLAIN " + std::string(12275, 'A')},
           ""},
      },
      ReadFresh<CommandReader>(Limits{}));
}

TEST(CommandReaderTest, CustomLimit) {
  Limits limits;
  limits.max_command_line = 8;  // 6 octets of text
  ExpectLineRows(
      {{"custom limit", "123456\r\n1234567\r\nQUIT\n", {"L:123456", "TOO_LONG", "LF:QUIT"}, ""}},
      ReadFresh<CommandReader>(limits));
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

TEST(CommandReaderTest, DataTakesTheBufferedRest) {
  CommandReader reader;
  reader.Feed("DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n");
  const auto r = reader.Next();
  ASSERT_EQ(r.kind, CommandReader::Result::kLine);
  EXPECT_EQ(r.line, "DATA");
  // The session sends 354 and hands the rest to the DataReceiver...
  EXPECT_EQ(reader.TakeBuffered(), "Subject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n");
  EXPECT_TRUE(reader.buffered().empty());
  EXPECT_EQ(reader.Next().kind, CommandReader::Result::kNeedMore);
  // ...which gives back what follows the end of the data.
  reader.Feed("QUIT\r\n");
  EXPECT_EQ(reader.Next().line, "QUIT");
}

}  // namespace
}  // namespace tern::smtp_protocol
