// The SMTP session over real sockets with fake auth and storage clients: transcripts as a
// client sends them, including pipelined groups and hostile input.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "gtest/gtest.h"
#include "tern/clients/clients.h"
#include "tern/core/error.h"
#include "tern/smtp_ingress/run.h"
#include "tern/testing/http_get.h"

namespace tern::smtp_ingress {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  }
  void Send(const std::string& s) {
    if (tls_) asio::write(*tls_, asio::buffer(s));
    else asio::write(socket_, asio::buffer(s));
  }
  // One whole reply (all its lines), "" at EOF.
  std::string Reply() {
    std::string all;
    for (;;) {
      boost::system::error_code ec;
      size_t n = tls_ ? asio::read_until(*tls_, asio::dynamic_buffer(buf_), "\r\n", ec)
                      : asio::read_until(socket_, asio::dynamic_buffer(buf_), "\r\n", ec);
      if (ec) return all;
      std::string line = buf_.substr(0, n);
      buf_.erase(0, n);
      all += line;
      if (line.size() < 4 || line[3] == ' ') return all;
    }
  }
  int Code() { return std::atoi(Reply().substr(0, 3).c_str()); }
  void Tls() {
    ctx_.set_verify_mode(asio::ssl::verify_none);
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, ctx_);
    tls_->handshake(asio::ssl::stream_base::client);
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  asio::ssl::context ctx_{asio::ssl::context::tls_client};
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
  std::string buf_;
};

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_ = std::make_shared<clients::FakeAuthClient>();
    storage_ = std::make_shared<clients::FakeStorageClient>();
    auth_->AddDomain("example.test");
    auth_->AddAccount("alice@example.test", "alice-password");
    auth_->AddAccount("bob@example.test", "bob-password");
  }
  void Start(SmtpConfig c) {
    auto s = SmtpServer::Start(c, auth_, storage_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  static SmtpConfig Config() {
    auto c = LoadConfig("");
    EXPECT_TRUE(c.ok());
    c->hostname = "mx.example.test";
    c->mx_listen = c->submission_listen = c->http_listen = "127.0.0.1:0";
    c->submissions_listen = "";
    c->max_message_bytes = 100000;
    c->max_errors = 5;
    c->outbound_enabled = false;  // the jobs stay in the fake queue for the test to see
    c->lookup_cache_ttl = absl::ZeroDuration();  // every RCPT asks the fake (outages shown)
    return *c;
  }
  std::shared_ptr<clients::FakeAuthClient> auth_;
  std::shared_ptr<clients::FakeStorageClient> storage_;
  std::unique_ptr<SmtpServer> server_;
};

TEST_F(SessionTest, DeliversToLocalRecipientsWithTraceHeaders) {
  Start(Config());
  Client c(server_->mx_port());
  EXPECT_EQ(c.Reply(), "220 mx.example.test ESMTP ready\r\n");
  c.Send("EHLO client.example\r\n");
  std::string ehlo = c.Reply();
  for (const char* cap : {"PIPELINING", "SIZE 100000", "8BITMIME", "SMTPUTF8", "CHUNKING",
                          "ENHANCEDSTATUSCODES"}) {
    EXPECT_NE(ehlo.find(cap), std::string::npos) << cap << " in " << ehlo;
  }
  EXPECT_EQ(ehlo.find("AUTH"), std::string::npos) << "no AUTH offered without TLS";
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << "no certificate configured";
  c.Send("MAIL FROM:<sender@remote.example>\r\n");
  EXPECT_EQ(c.Code(), 250);
  c.Send("RCPT TO:<Alice@example.test>\r\n");
  EXPECT_EQ(c.Code(), 250);
  c.Send("RCPT TO:<bob@example.test>\r\n");
  EXPECT_EQ(c.Code(), 250);
  c.Send("DATA\r\n");
  EXPECT_EQ(c.Code(), 354);
  c.Send("Subject: hi\r\n\r\n..leading dot\r\nbody\r\n.\r\n");
  std::string done = c.Reply();
  EXPECT_EQ(done.substr(0, 10), "250 2.0.0 ") << done;
  auto d = storage_->deliveries();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].accounts, (std::vector<std::string>{"alice@example.test", "bob@example.test"}));
  EXPECT_EQ(d[0].content.rfind("Return-Path: <sender@remote.example>\r\nReceived: from client.example ([127.0.0.1])", 0), 0u)
      << d[0].content;
  const std::string tail = "Subject: hi\r\n\r\n.leading dot\r\nbody\r\n";
  EXPECT_EQ(d[0].content.substr(d[0].content.size() - tail.size()), tail) << "dot-unstuffed";
  c.Send("QUIT\r\n");
  EXPECT_EQ(c.Code(), 221);
}

TEST_F(SessionTest, RefusesUnknownUsersAndRelaying) {
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO x\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<nobody@example.test>\r\n"
         "RCPT TO:<victim@elsewhere.example>\r\nDATA\r\n");
  c.Reply();
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Reply().substr(0, 10), "550 5.1.1 ");
  EXPECT_EQ(c.Reply().substr(0, 10), "550 5.7.1 ") << "no open relay";
  EXPECT_EQ(c.Reply().substr(0, 10), "554 5.5.1 ") << "DATA with no valid recipient";
  EXPECT_TRUE(storage_->deliveries().empty());
}

TEST_F(SessionTest, PipelinedGroupGetsRepliesInOrder) {
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
  EXPECT_EQ(c.Reply().substr(0, 4), "250-");
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 354);
  c.Send("x\r\n.\r\nRSET\r\nNOOP\r\n");
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 250);
  ASSERT_EQ(storage_->deliveries().size(), 1u);
  EXPECT_NE(storage_->deliveries()[0].content.find("Return-Path: <>"), std::string::npos);
}

TEST_F(SessionTest, SmugglingAttemptIsRefusedAndNothingStored) {
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO x\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
  c.Reply();
  c.Code();
  c.Code();
  EXPECT_EQ(c.Code(), 354);
  // "\n.\n" is not an end of data: the MAIL after it stays message content.
  c.Send("Subject: a\r\n\r\nhello\n.\nMAIL FROM:<b@remote.example>\r\nRCPT TO:<bob@example.test>\r\n.\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "554 5.6.11");
  EXPECT_TRUE(storage_->deliveries().empty());
  c.Send("NOOP\r\n");
  EXPECT_EQ(c.Code(), 250) << "the session is still in sync";
}

TEST_F(SessionTest, SizeLimitsAnswer552) {
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO x\r\nMAIL FROM:<a@remote.example> SIZE=200000\r\n");
  c.Reply();
  EXPECT_EQ(c.Reply().substr(0, 10), "552 5.3.4 ");
  c.Send("MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
  c.Code();
  c.Code();
  EXPECT_EQ(c.Code(), 354);
  c.Send(std::string(150000, 'x') + "\r\n.\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "552 5.3.4 ");
  EXPECT_TRUE(storage_->deliveries().empty());
}

TEST_F(SessionTest, SubmissionNeedsAuthAndAuthNeedsTlsOrATrustedNetwork) {
  Start(Config());
  Client c(server_->submission_port());
  c.Reply();
  c.Send("EHLO x\r\nMAIL FROM:<alice@example.test>\r\nAUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZA==\r\n");
  c.Reply();
  EXPECT_EQ(c.Reply().substr(0, 10), "530 5.7.0 ");
  EXPECT_EQ(c.Reply().substr(0, 11), "538 5.7.11 ") << "plaintext AUTH refused without TLS";
}

TEST_F(SessionTest, AuthPlainAndLoginOnATrustedNetwork) {
  SmtpConfig cfg = Config();
  cfg.plaintext_auth_networks = {"127.0.0.0/8"};
  Start(cfg);
  Client c(server_->submission_port());
  c.Reply();
  c.Send("EHLO x\r\n");
  EXPECT_NE(c.Reply().find("AUTH PLAIN LOGIN"), std::string::npos);
  // A wrong password first.
  c.Send("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB3cm9uZw==\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "535 5.7.8 ");
  // LOGIN in steps: "Username:" then "Password:".
  c.Send("AUTH LOGIN\r\n");
  EXPECT_EQ(c.Reply(), "334 VXNlcm5hbWU6\r\n");
  c.Send("YWxpY2VAZXhhbXBsZS50ZXN0\r\n");
  EXPECT_EQ(c.Reply(), "334 UGFzc3dvcmQ6\r\n");
  c.Send("YWxpY2UtcGFzc3dvcmQ=\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "235 2.7.0 ");
  c.Send("MAIL FROM:<alice@example.test>\r\nRCPT TO:<someone@elsewhere.example>\r\n"
         "RCPT TO:<bob@example.test>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n");
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 250) << "authenticated: another domain is queued for outbound delivery";
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 354);
  EXPECT_EQ(c.Code(), 250);
  ASSERT_EQ(storage_->deliveries().size(), 1u);
  const auto d = storage_->deliveries()[0];
  EXPECT_NE(d.content.find("with ESMTPA"), std::string::npos);
  // One commit: the local copy and the outbound queue entry, with the envelope sender.
  EXPECT_EQ(d.accounts, std::vector<std::string>{"bob@example.test"});
  EXPECT_EQ(d.outbound, std::vector<std::string>{"someone@elsewhere.example"});
  EXPECT_EQ(d.sender, "alice@example.test");
  ASSERT_EQ(storage_->jobs().size(), 1u);
  EXPECT_EQ(storage_->jobs()[0].domain(), "elsewhere.example");
}

TEST_F(SessionTest, AuthenticatedUsersSendOnlyAsThemselves) {
  SmtpConfig cfg = Config();
  cfg.plaintext_auth_networks = {"127.0.0.0/8"};
  Start(cfg);
  Client c(server_->submission_port());
  c.Reply();
  c.Send("EHLO x\r\nAUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZA==\r\n");
  c.Reply();
  EXPECT_EQ(c.Code(), 235);
  c.Send("MAIL FROM:<bob@example.test>\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "553 5.7.1 ") << "alice may not send as bob";
  c.Send("MAIL FROM:<ceo@elsewhere.example>\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "553 5.7.1 ") << "nor as someone elsewhere";
  c.Send("MAIL FROM:<Alice@Example.Test>\r\n");
  EXPECT_EQ(c.Code(), 250) << "her own address, in any case";
  c.Send("RSET\r\nMAIL FROM:<>\r\n");
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 250) << "the null sender (her own auto-replies, reports)";
  EXPECT_TRUE(storage_->deliveries().empty());
}

TEST_F(SessionTest, TrustedRelayNetworksMayRelayWithoutAuth) {
  SmtpConfig cfg = Config();
  cfg.relay_networks = {"127.0.0.0/8"};  // e.g. an application server's network
  Start(cfg);
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO app\r\nMAIL FROM:<app@example.test>\r\nRCPT TO:<customer@far.example>\r\n"
         "DATA\r\nSubject: receipt\r\n\r\nthanks\r\n.\r\n");
  c.Reply();
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 250) << "trusted network: queued for outbound delivery";
  EXPECT_EQ(c.Code(), 354);
  EXPECT_EQ(c.Code(), 250);
  ASSERT_EQ(storage_->jobs().size(), 1u);
  EXPECT_EQ(storage_->jobs()[0].sender(), "app@example.test");

  SmtpConfig other = Config();
  other.relay_networks = {"10.0.0.0/8"};  // not us
  server_.reset();
  Start(other);
  Client d(server_->mx_port());
  d.Reply();
  d.Send("EHLO x\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<customer@far.example>\r\n");
  d.Reply();
  EXPECT_EQ(d.Code(), 250);
  EXPECT_EQ(d.Reply().substr(0, 10), "550 5.7.1 ") << "everyone else: no relay";
}

TEST_F(SessionTest, AMessageWithTooManyHopsIsRefusedAsALoop) {
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  std::string hops;
  for (int i = 0; i < 101; ++i) hops += "Received: from hop" + std::to_string(i) + " by x\r\n";
  c.Send("EHLO x\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
  c.Reply();
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 354);
  c.Send(hops + "Subject: loop\r\n\r\nround and round\r\n.\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "554 5.4.6 ");
  EXPECT_TRUE(storage_->deliveries().empty());
  // One hop fewer is fine.
  c.Send("MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 354);
  c.Send(hops.substr(hops.find("\r\n") + 2) + "Subject: ok\r\n\r\nfine\r\n.\r\n");
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(storage_->deliveries().size(), 1u);
}

TEST_F(SessionTest, UnavailableBackendsGiveTemporaryFailures) {
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO x\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\n");
  c.Reply();
  c.Code();
  EXPECT_EQ(c.Code(), 250);
  storage_->SetUnavailable(true);
  c.Send("DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n");
  EXPECT_EQ(c.Code(), 354);
  EXPECT_EQ(c.Reply().substr(0, 10), "451 4.3.0 ") << "never a silent loss: the sender retries";
  auth_->SetUnavailable(true);
  c.Send("MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\n");
  c.Code();
  EXPECT_EQ(c.Reply().substr(0, 4), "451 ");
}

TEST_F(SessionTest, ChunkingWithBdat) {
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO x\r\nMAIL FROM:<a@remote.example> BODY=BINARYMIME\r\nRCPT TO:<alice@example.test>\r\n");
  c.Reply();
  c.Code();
  c.Code();
  c.Send("BDAT 14\r\nSubject: b\r\n\r\nBDAT 6 LAST\r\nbody\r\n");
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Code(), 250);
  ASSERT_EQ(storage_->deliveries().size(), 1u);
  const auto deliveries = storage_->deliveries();
  const std::string& m = deliveries[0].content;
  const std::string want = "Subject: b\r\n\r\nbody\r\n";
  EXPECT_EQ(m.substr(m.size() - want.size()), want);
}

TEST_F(SessionTest, VrfyAndHelpForStrangersAndTooManyErrorsCloses) {
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  c.Send("VRFY alice\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "252 2.5.0 ");
  c.Send("HELP\r\n");
  EXPECT_EQ(c.Reply().substr(0, 3), "214");
  for (int i = 0; i < 4; ++i) {
    c.Send("BOGUS\r\n");
    EXPECT_EQ(c.Code(), 500);
  }
  c.Send("BOGUS\r\n");
  EXPECT_EQ(c.Code(), 500);
  EXPECT_EQ(c.Reply().substr(0, 10), "421 4.7.0 ") << "the fifth error ends the session";
  EXPECT_EQ(c.Reply(), "") << "closed";
}

TEST_F(SessionTest, DrainSays421ToIdleSessions) {
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO x\r\n");
  c.Reply();
  // The session waits for a command; the drain wakes it and it says goodbye at once.
  std::thread stop([&] { server_->Stop(absl::Seconds(30)); });
  EXPECT_EQ(c.Reply().substr(0, 10), "421 4.3.2 ");
  EXPECT_EQ(c.Reply(), "") << "then closed";
  stop.join();
}


TEST_F(SessionTest, StartTlsDiscardsInjectedCommandsAndForgetsTheSession) {
  char tmpl[] = "/tmp/tern-smtp-tls-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  ASSERT_EQ(system(("cd " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
                    "-out cert.pem -days 2 -subj /CN=mx.example.test 2>/dev/null").c_str()), 0);
  SmtpConfig cfg = Config();
  cfg.tls_cert_file = dir + "/cert.pem";
  cfg.tls_key_file = dir + "/key.pem";
  Start(cfg);
  Client c(server_->submission_port());
  c.Reply();
  c.Send("EHLO x\r\n");
  std::string ehlo = c.Reply();
  EXPECT_NE(ehlo.find("STARTTLS"), std::string::npos);
  EXPECT_EQ(ehlo.find("AUTH"), std::string::npos);
  // A command injected in the same packet as STARTTLS must never run.
  c.Send("STARTTLS\r\nRSET\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "220 2.0.0 ");
  c.Tls();
  c.Send("MAIL FROM:<alice@example.test>\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "503 5.5.1 ") << "EHLO is forgotten after STARTTLS";
  c.Send("EHLO x\r\n");
  ehlo = c.Reply();
  EXPECT_NE(ehlo.find("AUTH PLAIN LOGIN"), std::string::npos);
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
  c.Send("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZA==\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "235 2.7.0 ");
  (void)system(("rm -rf " + dir).c_str());
}


TEST_F(SessionTest, ProxyProtocolFromATrustedBalancerGivesTheRealClientAddress) {
  SmtpConfig cfg = Config();
  cfg.proxy_networks = {"127.0.0.0/8"};
  Start(cfg);
  Client c(server_->mx_port());
  c.Send("PROXY TCP4 203.0.113.7 10.0.0.1 40000 25\r\n");
  EXPECT_EQ(c.Code(), 220);
  c.Send("EHLO x\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
  c.Reply();
  c.Code();
  c.Code();
  EXPECT_EQ(c.Code(), 354);
  c.Send("Subject: p\r\n\r\nhi\r\n.\r\n");
  EXPECT_EQ(c.Code(), 250);
  ASSERT_EQ(storage_->deliveries().size(), 1u);
  EXPECT_NE(storage_->deliveries()[0].content.find("Received: from x ([203.0.113.7])"),
            std::string::npos)
      << storage_->deliveries()[0].content;
}


// RFC 5321 4.5.1: "<Postmaster>" with no domain is accepted without authentication and
// reaches the postmaster auth names (the fake, like auth, takes the first domain's).
TEST_F(SessionTest, BarePostmasterIsAcceptedWithoutAuth) {
  auth_->AddAccount("postmaster@example.test", "x");
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO x\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<Postmaster>\r\nDATA\r\n");
  c.Reply();
  EXPECT_EQ(c.Code(), 250);
  std::string rcpt = c.Reply();
  EXPECT_EQ(rcpt.substr(0, 4), "250 ") << rcpt;
  ASSERT_EQ(c.Code(), 354);
  c.Send("Subject: to the postmaster\r\n\r\nhi\r\n.\r\n");
  EXPECT_EQ(c.Code(), 250);
  auto d = storage_->deliveries();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].accounts, std::vector<std::string>{"postmaster@example.test"});
}

std::string LongLine(size_t octets) { return std::string(octets - 2, 'x') + "\r\n"; }

// Lines over RFC 5322's 998 characters (Outlook, IIS) are taken for our own mailboxes up to
// limits.max_line_length, refused past it, and refused for mail that would be relayed.
TEST_F(SessionTest, LongLinesAreKeptForLocalMailboxesButNotRelayed) {
  SmtpConfig cfg = Config();
  cfg.max_line_length = 20000;
  cfg.relay_networks = {"127.0.0.0/8"};
  Start(cfg);
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO x\r\n");
  c.Reply();
  auto send = [&](const std::string& rcpt, const std::string& body) {
    c.Send("MAIL FROM:<a@remote.example>\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n");
    EXPECT_EQ(c.Code(), 250);
    EXPECT_EQ(c.Code(), 250);
    EXPECT_EQ(c.Code(), 354);
    c.Send("Subject: long\r\n\r\n" + body + ".\r\n");
    return c.Reply();
  };
  const std::string local_ok = LongLine(20000);
  std::string r = send("alice@example.test", local_ok);
  EXPECT_EQ(r.substr(0, 10), "250 2.0.0 ") << r;
  ASSERT_EQ(storage_->deliveries().size(), 1u);
  const std::string stored = storage_->deliveries()[0].content;
  EXPECT_TRUE(stored.size() > local_ok.size() &&
              stored.compare(stored.size() - local_ok.size(), local_ok.size(), local_ok) == 0)
      << "stored as sent";

  r = send("alice@example.test", LongLine(20001));
  EXPECT_EQ(r.substr(0, 10), "554 5.6.0 ") << "over limits.max_line_length: " << r;

  r = send("someone@elsewhere.example", LongLine(1001));
  EXPECT_EQ(r.substr(0, 10), "554 5.6.0 ") << r;
  EXPECT_NE(r.find("relayed"), std::string::npos) << r;
  r = send("someone@elsewhere.example", LongLine(1000));
  EXPECT_EQ(r.substr(0, 10), "250 2.0.0 ") << "1000 octets with CRLF may be relayed: " << r;
  EXPECT_EQ(storage_->deliveries().size(), 2u);
  EXPECT_EQ(storage_->jobs().size(), 1u);
}

// A client that QUITs and reconnects at once (smtp-source, one connection per message) is
// never refused at the per-address cap: a session leaves the count before its goodbye.
TEST_F(SessionTest, SequentialReconnectsAreNotCountedTwice) {
  SmtpConfig cfg = Config();
  cfg.max_connections_per_ip = 1;
  Start(cfg);
  for (int i = 0; i < 300; ++i) {
    Client c(server_->mx_port());
    std::string greeting = c.Reply();
    ASSERT_EQ(greeting.substr(0, 4), "220 ") << "connection " << i << ": " << greeting;
    c.Send("QUIT\r\n");
    ASSERT_EQ(c.Code(), 221);
  }
}

// relay.networks (the operator's own) are not held to the per-address cap; others are.
TEST_F(SessionTest, OwnNetworksAreNotHeldToThePerAddressCap) {
  SmtpConfig cfg = Config();
  cfg.max_connections_per_ip = 1;
  Start(cfg);
  Client first(server_->mx_port());
  EXPECT_EQ(first.Code(), 220);
  Client second(server_->mx_port());
  EXPECT_EQ(second.Reply().substr(0, 10), "421 4.7.0 ") << "over the cap";

  server_.reset();
  cfg.relay_networks = {"127.0.0.0/8"};
  Start(cfg);
  Client a(server_->mx_port());
  Client b(server_->mx_port());
  EXPECT_EQ(a.Code(), 220);
  EXPECT_EQ(b.Code(), 220) << "relay.networks are exempt";
}


// RFC 4954 4: an unsupported mechanism gets 504 whatever its initial response looks like;
// bad base64 for a supported one gets 501.
TEST_F(SessionTest, UnsupportedMechanismIs504BeforeItsResponseIsRead) {
  SmtpConfig cfg = Config();
  cfg.plaintext_auth_networks = {"127.0.0.0/8"};
  Start(cfg);
  Client c(server_->submission_port());
  c.Reply();
  c.Send("EHLO x\r\n");
  c.Reply();
  c.Send("AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2tlbgEB\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "504 5.5.4 ");
  c.Send("AUTH XOAUTH2 not-base64!\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "504 5.5.4 ");
  c.Send("AUTH PLAIN not-base64!\r\n");
  EXPECT_EQ(c.Reply().substr(0, 10), "501 5.5.2 ");
}

// An address that fills its places on the MX port (here 2) can still submit: each listener
// counts its own connections.
TEST_F(SessionTest, SubmissionStaysReachableWhileAnAddressFillsTheMxPort) {
  SmtpConfig cfg = Config();
  cfg.max_connections_per_ip = 2;
  cfg.plaintext_auth_networks = {"127.0.0.0/8"};
  Start(cfg);
  Client idle1(server_->mx_port()), idle2(server_->mx_port());
  EXPECT_EQ(idle1.Code(), 220);
  EXPECT_EQ(idle2.Code(), 220);
  Client third(server_->mx_port());
  EXPECT_EQ(third.Reply().substr(0, 10), "421 4.7.0 ") << "the MX places are full";
  Client user(server_->submission_port());
  EXPECT_EQ(user.Code(), 220);
  user.Send("EHLO laptop\r\n");
  user.Reply();
  user.Send("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZA==\r\n");  // alice
  EXPECT_EQ(user.Code(), 235);
  user.Send("MAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
  EXPECT_EQ(user.Code(), 250);
  EXPECT_EQ(user.Code(), 250);
  EXPECT_EQ(user.Code(), 354);
  user.Send("Subject: still here\r\n\r\nhi\r\n.\r\n");
  EXPECT_EQ(user.Code(), 250);
  EXPECT_EQ(storage_->deliveries().size(), 1u);
}

TEST_F(SessionTest, ASilentClientGets421AtTheFirstCommandDeadline) {
  SmtpConfig cfg = Config();
  cfg.first_command_timeout = absl::Milliseconds(200);  // idle_timeout stays 5 minutes
  Start(cfg);
  Client c(server_->mx_port());
  EXPECT_EQ(c.Code(), 220);
  EXPECT_EQ(c.Reply(), "421 4.4.2 Timeout, closing the connection\r\n");
  EXPECT_EQ(c.Reply(), "") << "then closed";
}

// Harvesting (Postfix's smtpd_hard_error_limit): a session that names too many unknown users
// is ended with 421, however they are pipelined; known users before that are kept.
TEST_F(SessionTest, TooManyUnknownRecipientsEndTheSession) {
  SmtpConfig cfg = Config();
  cfg.max_unknown_recipients = 10;
  cfg.unknown_recipient_delay = absl::Milliseconds(1);
  Start(cfg);
  Client c(server_->mx_port());
  c.Reply();
  std::string group = "EHLO x\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.test>\r\n";
  for (int i = 0; i < 200; ++i) group += "RCPT TO:<nobody" + std::to_string(i) + "@example.test>\r\n";
  c.Send(group);
  EXPECT_EQ(c.Code(), 250);  // EHLO
  EXPECT_EQ(c.Code(), 250);  // MAIL
  EXPECT_EQ(c.Code(), 250);  // alice
  for (int i = 0; i < 9; ++i) EXPECT_EQ(c.Reply().substr(0, 10), "550 5.1.1 ") << "unknown " << i;
  EXPECT_EQ(c.Reply(), "421 4.7.0 Too many unknown recipients; closing the connection\r\n");
  EXPECT_EQ(c.Reply(), "") << "then closed, the other 190 never looked up";
  EXPECT_TRUE(storage_->deliveries().empty());
}

// The value of one sample on /metrics ("name{labels}"), 0 when absent.
double Sample(int http_port, const std::string& series) {
  std::string body = testing::HttpGet(http_port, "/metrics").body;
  size_t at = body.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::atof(body.c_str() + at + series.size() + 2);
}

// Each command is recorded with the code of its own last reply: in a pipelined group (where
// replies of several commands share the buffer, and DATA flushes 354 before its final reply)
// DATA used to be counted with RCPT's code, or as "0xx".
TEST_F(SessionTest, PipelinedCommandsAreRecordedWithTheirOwnReplies) {
  Start(Config());
  Client c(server_->mx_port());
  c.Reply();
  c.Send("EHLO x\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.test>\r\n"
         "RCPT TO:<nobody@example.test>\r\nDATA\r\n");
  for (int want : {250, 250, 250, 550, 354}) EXPECT_EQ(c.Code(), want);
  c.Send("Subject: x\r\n\r\nbody\r\n.\r\n");
  EXPECT_EQ(c.Code(), 250);
  // Refused: no valid recipient, so DATA is 554.
  c.Send("MAIL FROM:<s@remote.example>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\n");
  for (int want : {250, 550, 554}) EXPECT_EQ(c.Code(), want);
  c.Send("QUIT\r\n");
  EXPECT_EQ(c.Code(), 221);
  const int port = server_->http_port();
  auto count = [port](const char* command, const char* result) {
    return Sample(port, std::string("tern_smtp_commands_total{command=\"") + command +
                            "\",result=\"" + result + "\"}");
  };
  EXPECT_EQ(count("EHLO", "2xx"), 1);
  EXPECT_EQ(count("MAIL", "2xx"), 2);
  EXPECT_EQ(count("RCPT", "2xx"), 1);
  EXPECT_EQ(count("RCPT", "5xx"), 2);
  EXPECT_EQ(count("DATA", "2xx"), 1) << "DATA's reply is the 250 after the message";
  EXPECT_EQ(count("DATA", "5xx"), 1);
  EXPECT_EQ(count("DATA", "3xx"), 0);
  EXPECT_EQ(count("DATA", "0xx"), 0);
  EXPECT_EQ(count("QUIT", "2xx"), 1);
}

// Over quota, storage says so with a reason (not a text to search): 552 5.2.2, and the
// message is not stored; a storage outage is a temporary 451.
TEST_F(SessionTest, DeliveriesRefusedByStorageGetTheReasonsReply) {
  Start(Config());
  auto send = [this] {
    Client c(server_->mx_port());
    c.Reply();
    c.Send("EHLO x\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
    for (int want : {250, 250, 250, 354}) EXPECT_EQ(c.Code(), want);
    c.Send("Subject: x\r\n\r\nbody\r\n.\r\n");
    return c.Reply();
  };
  storage_->SetDeliverStatus(ReasonError(Reason::kQuotaExceeded, "no text to search"));
  EXPECT_EQ(send().substr(0, 10), "552 5.2.2 ");
  storage_->SetDeliverStatus(ReasonError(Reason::kMessageTooLarge, "x"));
  EXPECT_EQ(send().substr(0, 10), "552 5.3.4 ");
  storage_->SetDeliverStatus(absl::ResourceExhaustedError("quota exceeded"));
  EXPECT_EQ(send().substr(0, 10), "451 4.3.0 ") << "no reason: temporary, whatever the text";
  storage_->SetDeliverStatus(absl::UnavailableError("database unavailable"));
  EXPECT_EQ(send().substr(0, 10), "451 4.3.0 ");
  EXPECT_TRUE(storage_->deliveries().empty());
  storage_->SetDeliverStatus(absl::OkStatus());
  EXPECT_EQ(send().substr(0, 4), "250 ");
  EXPECT_EQ(Sample(server_->http_port(), "tern_smtp_messages_rejected_total{reason=\"quota\"}"), 1);
}

// /readyz says whether auth and storage answer (a gateway that cannot reach them is taken
// out of the load balancer), and fails first when the server drains.
TEST_F(SessionTest, ReadinessFollowsAuthAndStorage) {
  storage_->SetUnavailable(true);
  Start(Config());
  auto down = testing::HttpGet(server_->http_port(), "/readyz");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.body, "storage: storage down");
  server_.reset();
  storage_->SetUnavailable(false);
  auth_->SetUnavailable(true);
  Start(Config());
  EXPECT_EQ(testing::HttpGet(server_->http_port(), "/readyz").body, "auth: auth down");
  server_.reset();
  auth_->SetUnavailable(false);
  Start(Config());
  auto up = testing::HttpGet(server_->http_port(), "/readyz");
  EXPECT_EQ(up.status, 200);
  EXPECT_EQ(up.body, "ready");
}

}  // namespace
}  // namespace tern::smtp_ingress
