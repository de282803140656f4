// CommandReader: POP3 command lines out of a byte stream, fed whole, one octet at a time and in
// random chunks: the POP3 limits (253 octets of command text, 8190 of AUTH line text),
// pipelined groups (RFC 2449 6.6) and plaintext after STLS. The framing (bare LF, lone CR, NUL
// and controls, over-long lines and their recovery) and the AUTH rule (any case, AUTHX, SASL
// responses) are tested once, with the shared readers in libs/line-protocol.
#include "tern/pop3_protocol/command_reader.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/testing/chunkings.h"
#include "tern/testing/line_events.h"

namespace tern::pop3_protocol {
namespace {

using ::tern::testing::AllChunkings;
using ::tern::testing::ExpectLineRows;
using ::tern::testing::ReadFresh;

const std::string k253(253, 'a');  // the longest line text: 255 octets with CRLF
const std::string k254(254, 'a');

TEST(CommandReaderTest, Table) {
  ExpectLineRows(
      {
          {"crlf", "STAT\r\n", {"L:STAT"}, ""},
          {"bare lf (nc users)", "STAT\n", {"LF:STAT"}, ""},
          {"spaces kept (PASS needs them)", "PASS  a b  \r\n", {"L:PASS  a b  "}, ""},
          {"pipelined group",
           "USER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL\r\n",
           {"L:USER alice", "L:PASS secret", "L:STAT", "L:LIST", "L:UIDL"},
           ""},
          {"pipelined, last incomplete", "RETR 1\r\nDELE 1\nQUI", {"L:RETR 1", "LF:DELE 1"}, "QUI"},
          {"253 octets fit", k253 + "\r\n", {"L:" + k253}, ""},
          {"253 octets, bare lf", k253 + "\n", {"LF:" + k253}, ""},
          {"254 octets too long", k254 + "\r\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
          {"254 octets, bare lf", k254 + "\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
          {"too long, cr at the limit", k253 + "\r\r\nQUIT\r\n", {"TOO_LONG", "L:QUIT"}, ""},
          {"long PASS line",
           "PASS " + std::string(300, 'p') + "\r\nQUIT\r\n",
           {"TOO_LONG", "L:QUIT"},
           ""},
          {"AUTH limit",
           "AUTH PLAIN " + std::string(8180, 'A') + "\r\nAUTH PLAIN " + std::string(8179, 'A') +
               "\r\n",
           {"TOO_LONG", "L:AUTH PLAIN " + std::string(8179, 'A')},
           ""},
      },
      ReadFresh<CommandReader>(Limits{}));
}

TEST(CommandReaderTest, CustomLimits) {
  Limits limits;
  limits.max_command_line = 8;  // 6 octets of text
  limits.max_auth_line = 12;    // 10
  ExpectLineRows({{"custom limits",
                   "123456\r\n1234567\r\nQUIT\nAUTH 12345\r\nAUTH 123456\r\n",
                   {"L:123456", "TOO_LONG", "LF:QUIT", "L:AUTH 12345", "TOO_LONG"},
                   ""}},
                 ReadFresh<CommandReader>(limits));
}

TEST(CommandReaderTest, StlsDiscardsPipelinedPlaintext) {
  // CVE-2011-0411: commands sent in clear after STLS must not run inside TLS.
  const std::string packet = "CAPA\r\nSTLS\r\nUSER evil\r\nPASS stolen\r\nRETR";
  for (const auto& c : AllChunkings(packet)) {
    CommandReader reader;
    std::vector<std::string> lines;
    size_t discarded = 0;
    bool tls = false;
    for (std::string_view piece : c.pieces) {
      if (tls) {
        discarded += piece.size();  // still plaintext: the handshake would reject it
        continue;
      }
      reader.Feed(piece);
      for (auto r = reader.Next(); r.kind == CommandReader::Result::kLine; r = reader.Next()) {
        lines.emplace_back(r.line);
        if (r.line == "STLS") {  // "+OK Begin TLS negotiation", then:
          discarded += reader.DiscardBuffered();
          tls = true;
          break;
        }
      }
    }
    EXPECT_EQ(lines, (std::vector<std::string>{"CAPA", "STLS"})) << c.name;
    EXPECT_EQ(discarded, std::string("USER evil\r\nPASS stolen\r\nRETR").size()) << c.name;
    EXPECT_TRUE(reader.buffered().empty());
    // What arrives over TLS is read normally.
    reader.Feed("CAPA\r\n");
    const auto r = reader.Next();
    ASSERT_EQ(r.kind, CommandReader::Result::kLine);
    EXPECT_EQ(r.line, "CAPA");
  }
}

}  // namespace
}  // namespace tern::pop3_protocol
