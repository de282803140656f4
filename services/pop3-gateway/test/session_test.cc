// The POP3 session over real sockets with fake auth and storage clients.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <boost/asio.hpp>

#include "gtest/gtest.h"
#include "tern/clients/clients.h"
#include "tern/pop3_gateway/run.h"
#include "tern/testing/http_get.h"

namespace tern::pop3_gateway {
namespace {

namespace asio = boost::asio;

class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  }
  std::string Cmd(const std::string& c) {
    asio::write(socket_, asio::buffer(c + "\r\n"));
    return Line();
  }
  std::string Line() {
    boost::system::error_code ec;
    size_t n = asio::read_until(socket_, asio::dynamic_buffer(buf_), "\r\n", ec);
    if (ec) return "";
    std::string l = buf_.substr(0, n - 2);
    buf_.erase(0, n);
    return l;
  }
  // A multi-line answer's lines (CRLF made "\n"), through the final ".".
  std::string Multi() {
    std::string all;
    for (;;) {
      boost::system::error_code ec;
      size_t n = asio::read_until(socket_, asio::dynamic_buffer(buf_), "\r\n", ec);
      if (ec) return all;
      std::string l = buf_.substr(0, n - 2);
      buf_.erase(0, n);
      if (l == ".") return all;
      all += l + "\n";
    }
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string buf_;
};

const std::string kOne = "Subject: one\r\n\r\n.dot\r\nbody\r\n";
const std::string kTwo = "Subject: two\r\n\r\nx\r\n";

class Pop3SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_ = std::make_shared<clients::FakeAuthClient>();
    storage_ = std::make_shared<clients::FakeStorageClient>();
    auth_->AddDomain("example.test");
    auth_->AddAccount("ann@example.test", "ann-password");
    ASSERT_TRUE(storage_->Deliver({.accounts = {"ann@example.test"}}, kOne).ok());
    ASSERT_TRUE(storage_->Deliver({.accounts = {"ann@example.test"}}, kTwo).ok());
    auto s = Pop3Server::Start(Config(), auth_, storage_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  // Ports picked by the system, plaintext login allowed from loopback.
  static Pop3Config Config() {
    auto c = LoadConfig("");
    EXPECT_TRUE(c.ok());
    c->pop3_listen = c->http_listen = "127.0.0.1:0";
    c->pop3s_listen = "";
    c->plaintext_auth_networks = {"127.0.0.0/8"};
    c->hostname = "pop.example.test";
    return *c;
  }
  std::shared_ptr<clients::FakeAuthClient> auth_;
  std::shared_ptr<clients::FakeStorageClient> storage_;
  std::unique_ptr<Pop3Server> server_;
};

TEST_F(Pop3SessionTest, TransactionOnASnapshotWithDeletionsAtQuit) {
  Client c(server_->pop3_port());
  std::string greeting = c.Line();
  EXPECT_EQ(greeting.rfind("+OK", 0), 0u);
  EXPECT_NE(greeting.find("@pop.example.test>"), std::string::npos) << "APOP banner";
  EXPECT_EQ(c.Cmd("STAT").rfind("-ERR", 0), 0u) << "not logged in";
  EXPECT_EQ(c.Cmd("USER ann@example.test").rfind("+OK", 0), 0u);
  EXPECT_EQ(c.Cmd("PASS ann-password").rfind("+OK", 0), 0u);
  EXPECT_EQ(c.Cmd("STAT"), "+OK 2 " + std::to_string(kOne.size() + kTwo.size()));
  EXPECT_EQ(c.Cmd("RETR 1"), "+OK message follows");
  EXPECT_EQ(c.Multi(), "Subject: one\n\n..dot\nbody\n") << "dot-stuffed on the wire";
  EXPECT_EQ(c.Cmd("DELE 1").rfind("+OK", 0), 0u);
  EXPECT_EQ(c.Cmd("DELE 1").rfind("-ERR", 0), 0u) << "already deleted";
  EXPECT_EQ(c.Cmd("RETR 9").rfind("-ERR", 0), 0u) << "no such message";
  EXPECT_EQ(c.Cmd("QUIT").rfind("+OK", 0), 0u);
  auto drop = storage_->List("ann@example.test", "INBOX");
  ASSERT_TRUE(drop.ok());
  ASSERT_EQ(drop->messages.size(), 1u);
  EXPECT_EQ(drop->messages[0].uid, 2u);
}

TEST_F(Pop3SessionTest, UnreachableBackendsAnswerSysTemp) {
  auth_->SetUnavailable(true);
  Client c(server_->pop3_port());
  c.Line();
  c.Cmd("USER ann@example.test");
  EXPECT_EQ(c.Cmd("PASS ann-password").rfind("-ERR [SYS/TEMP]", 0), 0u);
  auth_->SetUnavailable(false);
  storage_->SetUnavailable(true);
  Client d(server_->pop3_port());
  d.Line();
  d.Cmd("USER ann@example.test");
  EXPECT_EQ(d.Cmd("PASS ann-password").rfind("-ERR [SYS/TEMP]", 0), 0u);
}

TEST_F(Pop3SessionTest, WrongPasswordIsAuthAndRpopIsRefused) {
  Client c(server_->pop3_port());
  c.Line();
  c.Cmd("USER ann@example.test");
  EXPECT_EQ(c.Cmd("PASS nope").rfind("-ERR [AUTH]", 0), 0u);
  std::string rpop = c.Cmd("RPOP ann");
  EXPECT_EQ(rpop.rfind("-ERR", 0), 0u);
  EXPECT_NE(rpop.find("RPOP"), std::string::npos);
}


// A client that logs in, QUITs and logs in again at once (fetchmail polling, a phone retrying)
// never sees [IN-USE] nor the per-address cap: the maildrop lease and the address's place are
// given up before the +OK to QUIT is sent.
TEST_F(Pop3SessionTest, SequentialLoginsFindTheMaildropFree) {
  Pop3Config c = Config();
  c.max_connections_per_ip = 1;
  auto s = Pop3Server::Start(c, auth_, storage_);
  ASSERT_TRUE(s.ok()) << s.status();
  for (int i = 0; i < 300; ++i) {
    Client k((*s)->pop3_port());
    std::string greeting = k.Line();
    ASSERT_EQ(greeting.rfind("+OK", 0), 0u) << "login " << i << ": " << greeting;
    ASSERT_EQ(k.Cmd("USER ann@example.test").rfind("+OK", 0), 0u);
    std::string pass = k.Cmd("PASS ann-password");
    ASSERT_EQ(pass.rfind("+OK", 0), 0u) << "login " << i << ": " << pass;
    ASSERT_EQ(k.Cmd("QUIT").rfind("+OK", 0), 0u);
    ASSERT_FALSE(storage_->leased("ann@example.test", "pop3"))
        << "login " << i << ": the lease must be gone when +OK arrives";
  }
}


// Refused at the per-address cap: a temporary "too many connections", not "shutting down".
TEST_F(Pop3SessionTest, TheConnectionCapSaysTooManyConnections) {
  Pop3Config c = Config();
  c.max_connections_per_ip = 1;
  auto s = Pop3Server::Start(c, auth_, storage_);
  ASSERT_TRUE(s.ok()) << s.status();
  Client first((*s)->pop3_port());
  ASSERT_EQ(first.Line().rfind("+OK", 0), 0u);
  Client second((*s)->pop3_port());
  EXPECT_EQ(second.Line(), "-ERR [SYS/TEMP] too many connections; try again later");
}

// A message much bigger than one write slice arrives whole and unstuffed, dot lines and a
// line split across slices included, with a pipelined command answered after it.
TEST_F(Pop3SessionTest, ABigMessageIsStreamedByteExact) {
  std::string big = "Subject: big\r\n\r\n";
  for (int i = 0; big.size() < 700 * 1024; ++i) {
    big += (i % 7 == 0 ? "." : "") + std::string(97 + i % 50, static_cast<char>('a' + i % 26)) + "\r\n";
  }
  ASSERT_TRUE(storage_->Deliver({.accounts = {"ann@example.test"}}, big).ok());
  Client c(server_->pop3_port());
  c.Line();
  EXPECT_EQ(c.Cmd("USER ann@example.test").rfind("+OK", 0), 0u);
  EXPECT_EQ(c.Cmd("PASS ann-password").rfind("+OK", 0), 0u);
  EXPECT_EQ(c.Cmd("RETR 3\r\nNOOP").rfind("+OK", 0), 0u);
  std::string want;
  for (size_t at = 0; at < big.size();) {  // CRLF as "\n", as Multi() gives it
    size_t end = big.find("\r\n", at);
    want += big.substr(at, end - at) + "\n";
    at = end + 2;
  }
  std::string got = c.Multi();
  // Unstuff: Multi() returns lines as sent, so a stuffed line starts with "..".
  std::string unstuffed;
  for (size_t at = 0; at < got.size();) {
    size_t end = got.find('\n', at);
    std::string line = got.substr(at, end - at);
    if (line.rfind("..", 0) == 0) line.erase(0, 1);
    unstuffed += line + "\n";
    at = end + 1;
  }
  EXPECT_EQ(unstuffed.size(), want.size());
  EXPECT_TRUE(unstuffed == want) << "content differs";
  EXPECT_EQ(c.Line(), "+OK") << "the pipelined NOOP is answered after the message";
  // Recorded by its own reply, though most of it was flushed before the command ended.
  const std::string metrics = testing::HttpGet(server_->http_port(), "/metrics").body;
  EXPECT_NE(metrics.find("\ntern_pop3_commands_total{command=\"RETR\",result=\"ok\"} 1"),
            std::string::npos);
  EXPECT_EQ(metrics.find("tern_pop3_commands_total{command=\"RETR\",result=\"err\"}"),
            std::string::npos);
}

// AUTH PLAIN without an initial response: the "+ " challenge, then the answer line (RFC 5034
// 4); "*" cancels, an over-long answer is refused.
TEST_F(Pop3SessionTest, AuthPlainThroughTheChallenge) {
  Client c(server_->pop3_port());
  c.Line();
  EXPECT_EQ(c.Cmd("AUTH PLAIN"), "+ ");
  EXPECT_EQ(c.Cmd("*").rfind("-ERR", 0), 0u) << "cancelled";
  EXPECT_EQ(c.Cmd("AUTH PLAIN"), "+ ");
  EXPECT_EQ(c.Cmd(std::string(20000, 'A')), "-ERR line too long");
  EXPECT_EQ(c.Cmd("AUTH PLAIN"), "+ ");
  // base64("\0ann@example.test\0ann-password")
  EXPECT_EQ(c.Cmd("AGFubkBleGFtcGxlLnRlc3QAYW5uLXBhc3N3b3Jk").rfind("+OK", 0), 0u);
  EXPECT_EQ(c.Cmd("STAT").rfind("+OK 2 ", 0), 0u);
}

// A client that connects and never sends a command is told and closed at the first-command
// deadline, well before the 10-minute autologout timer.
TEST_F(Pop3SessionTest, ASilentClientIsToldAtTheFirstCommandDeadline) {
  Pop3Config c = Config();
  c.first_command_timeout = absl::Milliseconds(200);
  auto s = Pop3Server::Start(c, auth_, storage_);
  ASSERT_TRUE(s.ok()) << s.status();
  Client client((*s)->pop3_port());
  ASSERT_EQ(client.Line().rfind("+OK", 0), 0u);
  EXPECT_EQ(client.Line(), "-ERR timed out; closing the connection");
  EXPECT_EQ(client.Line(), "") << "then closed";
}

TEST_F(Pop3SessionTest, ReadinessFollowsAuthAndStorage) {
  EXPECT_EQ(testing::HttpGet(server_->http_port(), "/readyz").status, 200);
  server_.reset();
  storage_->SetUnavailable(true);
  auto s = Pop3Server::Start(Config(), auth_, storage_);
  ASSERT_TRUE(s.ok()) << s.status();
  auto down = testing::HttpGet((*s)->http_port(), "/readyz");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.body, "storage: storage down");
}

}  // namespace
}  // namespace tern::pop3_gateway
