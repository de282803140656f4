// The pieces together, driven the way the smtp-ingress session drives them: pipelined groups
// in one packet, DATA and BDAT handing bytes back and forth with the CommandReader, smuggling
// attempts, and STARTTLS discarding what was sent in clear behind it.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/smtp_protocol/smtp_protocol.h"
#include "tern/testing/chunkings.h"

namespace tern::smtp_protocol {
namespace {

using ::tern::testing::AllChunkings;
using ::tern::testing::Escape;

// A toy session loop that logs what it sees instead of acting on it.
class Driver {
 public:
  void Feed(std::string_view bytes) {
    for (;;) {
      switch (mode_) {
        case kCommands:
          reader_.Feed(bytes);
          bytes = {};
          if (!RunCommands()) return;
          handoff_ = reader_.TakeBuffered();  // a receiver takes over the stream
          bytes = handoff_;
          break;
        case kData: {
          const FeedResult f = data_->Feed(bytes);
          bytes.remove_prefix(f.consumed);
          if (!f.done) return;
          LogMessage(data_->TakeMessage(), data_->status());
          mode_ = kCommands;
          break;
        }
        case kBdat: {
          const FeedResult f = bdat_.Feed(bytes);
          bytes.remove_prefix(f.consumed);
          if (!f.done) return;
          if (bdat_.complete()) {
            LogMessage(bdat_.TakeMessage(), bdat_.status());
            bdat_ = BdatReceiver();
          } else {
            log.push_back("CHUNK");
          }
          mode_ = kCommands;
          break;
        }
      }
    }
  }

  std::vector<std::string> log;

 private:
  // Reads commands until the reader needs more (false) or a receiver takes over (true).
  bool RunCommands() {
    for (;;) {
      const CommandReader::Result r = reader_.Next();
      if (r.kind == CommandReader::Result::kNeedMore) return false;
      if (r.kind == CommandReader::Result::kTooLong) {
        log.push_back("TOO_LONG");
        continue;
      }
      const Command c = ParseCommand(r.line);
      std::string entry(CommandName(c));
      if (const auto* m = std::get_if<Mail>(&c)) entry += " <" + m->reverse_path.Address() + ">";
      if (const auto* t = std::get_if<Rcpt>(&c)) entry += " <" + t->forward_path.Address() + ">";
      if (const auto* i = std::get_if<Invalid>(&c)) entry += " " + std::to_string(i->reply.code);
      log.push_back(entry);
      if (std::holds_alternative<Data>(c)) {
        data_.emplace();
        mode_ = kData;
        return true;
      }
      if (const auto* b = std::get_if<Bdat>(&c)) {
        bdat_.StartChunk(b->size, b->last);
        mode_ = kBdat;
        return true;
      }
      if (std::holds_alternative<StartTls>(c)) {
        log.push_back("discarded " + std::to_string(reader_.DiscardBuffered()));
      }
    }
  }

  void LogMessage(const std::string& message, const BodyStatus& status) {
    std::string entry = "MESSAGE " + Escape(message);
    if (auto refusal = BodyRejection(status, BodyType::k8BitMime)) {
      entry += " -> " + std::to_string(StandardReply(*refusal).code) + " " +
               StandardReply(*refusal).enhanced;
    }
    log.push_back(entry);
  }

  enum Mode { kCommands, kData, kBdat } mode_ = kCommands;
  CommandReader reader_;
  std::optional<DataReceiver> data_;
  BdatReceiver bdat_;
  std::string handoff_;
};

struct Row {
  std::string name;
  std::string input;
  std::vector<std::string> log;
};

TEST(PipeliningTest, Table) {
  const Row rows[] = {
      {"one packet: EHLO MAIL RCPT DATA message QUIT",
       "EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
       "RCPT TO:<c@example.org>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n..dot\r\n.\r\nQUIT\r\n",
       {"EHLO", "MAIL <a@example.com>", "RCPT <b@example.org>", "RCPT <c@example.org>", "DATA",
        "MESSAGE Subject: hi\\r\\n\\r\\nbody\\r\\n.dot\\r\\n", "QUIT"}},
      {"two transactions back to back",
       "MAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\n.\r\nRSET\r\nMAIL FROM:<x@y.z>\r\n"
       "RCPT TO:<q@y.z>\r\nDATA\r\nx\r\n.\r\n",
       {"MAIL <>", "RCPT <postmaster>", "DATA", "MESSAGE ", "RSET", "MAIL <x@y.z>", "RCPT <q@y.z>",
        "DATA", "MESSAGE x\\r\\n"}},
      {"smuggled commands stay inside the message",
       "DATA\r\nx\n.\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<v@y.example>\r\nDATA\r\nforged\r\n"
       ".\r\nQUIT\r\n",
       {"DATA",
        "MESSAGE x\\n.\\nMAIL FROM:<evil@x.example>\\r\\nRCPT TO:<v@y.example>\\r\\nDATA\\r\\n"
        "forged\\r\\n -> 554 5.6.11",
        "QUIT"}},
      {"cr dot crlf smuggling",
       "DATA\r\nx\r.\r\nMAIL FROM:<e@x.example>\r\n.\r\nNOOP\r\n",
       {"DATA", "MESSAGE x\\r.\\r\\nMAIL FROM:<e@x.example>\\r\\n -> 554 5.6.11", "NOOP"}},
      {"BDAT chunks pipelined with their data",
       "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 5\r\nhelloBDAT 8 LAST\r\n"
       " world\r\nQUIT\r\n",
       {"MAIL <a@b.example>", "RCPT <c@d.example>", "BDAT", "CHUNK", "BDAT",
        "MESSAGE hello world\\r\\n", "QUIT"}},
      {"BDAT data that looks like commands is data",
       "BDAT 12 LAST\r\nQUIT\r\nRSET\r\nNOOP\r\n",
       {"BDAT", "MESSAGE QUIT\\r\\nRSET\\r\\n", "NOOP"}},
      {"BDAT 0 LAST",
       "BDAT 3\r\nabcBDAT 0 LAST\r\nQUIT\r\n",
       {"BDAT", "CHUNK", "BDAT", "MESSAGE abc", "QUIT"}},
      {"oversize command in the middle of a group",
       "NOOP\r\nMAIL FROM:<" + std::string(600, 'a') + "@b.example>\r\nRSET\r\n",
       {"NOOP", "TOO_LONG", "RSET"}},
      {"NUL, lone CR and bare LF commands",
       std::string("NO\0OP\r\nRSET\rQUIT\r\nHELP\n", 23),
       {"INVALID 501", "INVALID 501", "HELP"}},
      {"an over-long message line keeps the session in sync",
       "DATA\r\n" + std::string(40000, 'y') + "\r\n.\r\nQUIT\r\n",
       {"DATA", "MESSAGE " + std::string(200, 'y') + "... -> 554 5.6.0", "QUIT"}},
  };
  for (const Row& row : rows) {
    for (const auto& c : AllChunkings(row.input)) {
      Driver d;
      for (std::string_view piece : c.pieces) d.Feed(piece);
      EXPECT_EQ(d.log, row.log) << row.name << " / " << c.name;
    }
  }
}

TEST(PipeliningTest, StartTlsDropsPlaintextInTheSamePacket) {
  Driver d;
  d.Feed("EHLO a\r\nSTARTTLS\r\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<v@y.example>\r\n");
  // After the handshake the client starts over; nothing of the injected group ran.
  d.Feed("EHLO a\r\nQUIT\r\n");
  EXPECT_EQ(d.log, (std::vector<std::string>{"EHLO", "STARTTLS", "discarded 51", "EHLO", "QUIT"}));
}

TEST(PipeliningTest, StartTlsAloneDiscardsNothing) {
  Driver d;
  d.Feed("EHLO a\r\nSTARTTLS\r\n");
  d.Feed("EHLO a\r\n");
  EXPECT_EQ(d.log, (std::vector<std::string>{"EHLO", "STARTTLS", "discarded 0", "EHLO"}));
}

}  // namespace
}  // namespace tern::smtp_protocol
