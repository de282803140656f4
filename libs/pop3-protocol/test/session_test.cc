// The pieces together, driven the way the pop3-gateway session will drive them: pipelined
// groups in one packet, the state table, a SASL exchange, RETR and TOP through the writers,
// and STLS discarding what was sent in clear behind it. Every transcript is fed whole, one
// octet at a time and in random chunks.
#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "tern/pop3_protocol/pop3_protocol.h"
#include "tern/testing/chunkings.h"

namespace tern::pop3_protocol {
namespace {

using namespace std::string_literals;
using ::tern::testing::AllChunkings;
using ::tern::testing::Escape;

const std::string kMessage = "Subject: hi\r\n\r\n.line\r\nbody";  // no final CRLF

// A toy session over a one-message maildrop (user "alice", password "secret").
class Driver {
 public:
  explicit Driver(bool tls) : tls_(tls) {}

  void Feed(std::string_view bytes) {
    if (handshake_pending_) {  // plaintext after STLS: never read
      dropped += bytes.size();
      return;
    }
    reader_.Feed(bytes);
    for (;;) {
      const auto kind =
          sasl_ ? CommandReader::LineKind::kSaslResponse : CommandReader::LineKind::kCommand;
      const CommandReader::Result r = reader_.Next(kind);
      if (r.kind == CommandReader::Result::kNeedMore) return;
      if (r.kind == CommandReader::Result::kTooLong) {
        Send(StandardReply(ReplyId::kLineTooLong));
        continue;
      }
      if (sasl_) {
        SaslStep(r.line);
        continue;
      }
      const Command command = ParseCommand(r.line);
      if (auto refusal = Refusal(command, state_, tls_)) {
        Send(*refusal);
        continue;
      }
      std::visit([this](const auto& c) { Run(c); }, command);
      if (handshake_pending_) {
        dropped += reader_.DiscardBuffered();
        return;
      }
    }
  }
  void HandshakeDone() {
    handshake_pending_ = false;
    tls_ = true;
  }

  std::string out;
  size_t dropped = 0;

 private:
  void Send(const Reply& reply) { FormatTo(reply, &out); }
  void Send(ReplyId id) { Send(StandardReply(id)); }
  void LoggedIn() {
    state_ = State::kTransaction;
    Send(MaildropReply(1, kMessage.size()));
  }
  void SaslStep(std::string_view line) {
    sasl_ = false;
    const SaslResponse response = ParseSaslResponse(line);
    if (response.kind == SaslResponse::kCancel) return Send(ReplyId::kAuthCancelled);
    if (response.kind == SaslResponse::kInvalid) return Send(ReplyId::kBadBase64);
    if (response.data != "\0alice\0secret"s) return Send(ReplyId::kAuthFailed);
    LoggedIn();
  }

  void Run(const User& c) {
    user_ = c.name;
    Send(ReplyId::kUserAccepted);
  }
  void Run(const Pass& c) {
    if (user_.empty()) return Send(ReplyId::kNeedUser);
    if (user_ != "alice" || c.password != "secret") return Send(ReplyId::kAuthFailed);
    LoggedIn();
  }
  void Run(const Apop&) { Send(ReplyId::kApopUnavailable); }
  void Run(const Auth& c) {
    if (!c.mechanism) {
      out += MechanismListing({"PLAIN"});
      return;
    }
    if (*c.mechanism != "PLAIN") return Send(ReplyId::kMechanismUnsupported);
    if (c.initial_response) return SaslStep(*c.initial_response);
    out += SaslChallenge("");
    sasl_ = true;
  }
  void Run(const Stat&) { Send(StatReply(deleted_ ? 0 : 1, deleted_ ? 0 : kMessage.size())); }
  void Run(const List& c) {
    if (c.msg) return Exists(*c.msg) ? Send(ScanReply(1, kMessage.size())) : void();
    out += ScanListing(deleted_ ? std::vector<ScanEntry>{}
                                : std::vector<ScanEntry>{{1, kMessage.size()}});
  }
  void Run(const Retr& c) {
    if (!Exists(c.msg)) return;
    Send(ReplyId::kMessageFollows);
    MultilineWriter writer;
    for (size_t i = 0; i < kMessage.size(); i += 5) writer.Write(kMessage.substr(i, 5), &out);
    writer.Finish(&out);
  }
  void Run(const Dele& c) {
    if (!Exists(c.msg)) return;
    deleted_ = true;
    Send(ReplyId::kMessageDeleted);
  }
  void Run(const Noop&) { Send(ReplyId::kOk); }
  void Run(const Rset&) {
    deleted_ = false;
    Send(MaildropReply(1, kMessage.size()));
  }
  void Run(const Quit&) {
    if (state_ == State::kTransaction) state_ = State::kUpdate;
    Send(ReplyId::kBye);
  }
  void Run(const Top& c) {
    if (!Exists(c.msg)) return;
    Send(ReplyId::kTopFollows);
    out += TopOf(kMessage, c.lines);
  }
  void Run(const Uidl& c) {
    const std::string id = MakeUniqueId(7, 1);
    if (c.msg) return Exists(*c.msg) ? Send(UidlReply(1, id)) : void();
    out += UidlListing(deleted_ ? std::vector<UidEntry>{} : std::vector<UidEntry>{{1, id}});
  }
  void Run(const Capa&) {
    Capabilities caps;
    caps.user = tls_;
    caps.stls = !tls_;
    out += CapaResponse(caps);
  }
  void Run(const Stls&) {
    Send(ReplyId::kBeginTls);
    handshake_pending_ = true;
  }
  // Refusal() answers these; a session never runs them.
  void Run(const Rpop&) { ADD_FAILURE() << "RPOP ran"; }
  void Run(const Unknown&) { ADD_FAILURE() << "Unknown ran"; }
  void Run(const Invalid&) { ADD_FAILURE() << "Invalid ran"; }

  // Answers "no such message" or "already deleted" and returns false when `msg` cannot be used.
  bool Exists(uint32_t msg) {
    if (msg != 1) {
      Send(ReplyId::kNoSuchMessage);
      return false;
    }
    if (deleted_) {
      Send(ReplyId::kAlreadyDeleted);
      return false;
    }
    return true;
  }

  CommandReader reader_;
  State state_ = State::kAuthorization;
  bool tls_;
  bool handshake_pending_ = false;
  bool sasl_ = false;
  bool deleted_ = false;
  std::string user_;
};

struct Transcript {
  std::string name;
  bool tls;               // the connection starts with TLS (port 995)
  std::string plaintext;  // what the client sends first
  std::string after_tls;  // what it sends once STLS succeeded ("" if it never does)
  std::string want;       // everything the server writes
  size_t dropped = 0;     // plaintext octets never read
};

const std::string kSize = std::to_string(kMessage.size());
const std::string kMaildrop = "+OK maildrop has 1 message (" + kSize + " octets)\r\n";
const std::string kRetr = "+OK message follows\r\nSubject: hi\r\n\r\n..line\r\nbody\r\n.\r\n";

TEST(SessionTest, Transcripts) {
  const Transcript rows[] = {
      {"pipelined login and retrieval over TLS", true,
       "USER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 1 0\r\nQUIT\r\n", "",
       "+OK send your password with PASS\r\n" + kMaildrop + "+OK 1 " + kSize +
           "\r\n+OK scan listing follows\r\n1 " + kSize +
           "\r\n.\r\n+OK unique-id listing follows\r\n1 0000000700000001\r\n.\r\n" + kRetr +
           "+OK top of message follows\r\nSubject: hi\r\n\r\n.\r\n"
           "+OK Tern POP3 server signing off\r\n"},
      {"STLS drops the plaintext pipelined behind it", false,
       "CAPA\r\nUSER alice\r\nSTLS\r\nUSER evil\r\nPASS stolen\r\nRETR 1\r\n",
       "USER alice\r\nPASS secret\r\nSTAT\r\nQUIT\r\n",
       "+OK capability list follows\r\nTOP\r\nSASL PLAIN\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
       "PIPELINING\r\nUIDL\r\nSTLS\r\nIMPLEMENTATION Tern\r\n.\r\n"
       "-ERR [AUTH] plaintext login refused; use STLS first\r\n"
       "+OK Begin TLS negotiation\r\n"
       "+OK send your password with PASS\r\n" +
           kMaildrop + "+OK 1 " + kSize + "\r\n+OK Tern POP3 server signing off\r\n",
       std::string("USER evil\r\nPASS stolen\r\nRETR 1\r\n").size()},
      {"wrong state, errors, and STLS twice", true,
       "STAT\r\nRETR 1\r\nSTLS\r\nRPOP x\r\nHELO\r\n\r\nPASS secret\r\nUSER alice\r\n"
       "PASS wrong\r\nAPOP alice c4c9334bac560ecc979e58001b3e22fb\r\n",
       "",
       "-ERR log in first (USER and PASS, or AUTH)\r\n"
       "-ERR log in first (USER and PASS, or AUTH)\r\n"
       "-ERR TLS is already active\r\n"
       "-ERR RPOP is not supported (obsolete and insecure); use APOP or SASL over TLS\r\n"
       "-ERR unknown command; send CAPA for the list of commands\r\n"
       "-ERR empty command; send CAPA for the list of commands\r\n"
       "-ERR send USER first\r\n"
       "+OK send your password with PASS\r\n"
       "-ERR [AUTH] invalid credentials\r\n"
       "-ERR APOP is not available here; log in with USER and PASS or AUTH\r\n"},
      {"transaction: deletes, resets, bad numbers, commands after login", true,
       "USER alice\nPASS secret\nDELE 1\nRETR 1\nLIST\nRSET\nRETR 2\nRETR 0\nRETR +1\n"
       "TOP 1 -1\nUSER bob\nSTLS\nNOOP\nDELE 1\nQUIT\nNOOP\n",
       "",
       "+OK send your password with PASS\r\n" + kMaildrop +
           "+OK message deleted\r\n"
           "-ERR message already deleted\r\n"
           "+OK scan listing follows\r\n.\r\n" +
           kMaildrop +
           "-ERR no such message\r\n"
           "-ERR no such message\r\n"
           "-ERR syntax: RETR <message-number>\r\n"
           "-ERR syntax: TOP <message-number> <lines>\r\n"
           "-ERR already logged in\r\n"
           "-ERR already logged in\r\n"
           "+OK\r\n"
           "+OK message deleted\r\n"
           "+OK Tern POP3 server signing off\r\n"
           "-ERR the session is ending\r\n"},
      {"SASL PLAIN: a challenge, a response on its own line, pipelined STAT", true,
       "AUTH\r\nAUTH CRAM-MD5\r\nAUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\nSTAT\r\n", "",
       "+OK SASL mechanisms follow\r\nPLAIN\r\n.\r\n"
       "-ERR unsupported authentication mechanism; send AUTH alone for the list\r\n"
       "+ \r\n" +
           kMaildrop + "+OK 1 " + kSize + "\r\n"},
      {"SASL: initial response, cancel, bad base64", true,
       "AUTH PLAIN\r\n*\r\nAUTH PLAIN\r\n!!!\r\nAUTH PLAIN =\r\nAUTH PLAIN "
       "AGFsaWNlAHNlY3JldA==\r\nQUIT\r\n",
       "",
       "+ \r\n-ERR authentication cancelled\r\n"
       "+ \r\n-ERR invalid base64 data; authentication aborted\r\n"
       "-ERR [AUTH] invalid credentials\r\n" +
           kMaildrop + "+OK Tern POP3 server signing off\r\n"},
      {"hostile bytes: NUL, lone CR, oversize line", true,
       "NO\0OP\r\nUSER a\rb\r\n"s + std::string(300, 'A') + "\r\nUSER alice\r\n", "",
       "-ERR control characters are not allowed in commands\r\n"
       "-ERR control characters are not allowed in commands\r\n"
       "-ERR line too long\r\n"
       "+OK send your password with PASS\r\n"},
  };
  for (const Transcript& row : rows) {
    for (const auto& c : AllChunkings(row.plaintext)) {
      Driver driver(row.tls);
      for (std::string_view piece : c.pieces) driver.Feed(piece);
      if (!row.after_tls.empty()) {
        driver.HandshakeDone();
        for (const auto& t : AllChunkings(row.after_tls)) {
          if (t.name != c.name) continue;  // the same way of chunking for both parts
          for (std::string_view piece : t.pieces) driver.Feed(piece);
        }
      }
      EXPECT_EQ(driver.out, row.want)
          << row.name << " / " << c.name << "\n got: " << Escape(driver.out);
      EXPECT_EQ(driver.dropped, row.dropped) << row.name << " / " << c.name;
    }
  }
}

}  // namespace
}  // namespace tern::pop3_protocol
