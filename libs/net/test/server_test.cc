#include "tern/net/server.h"

#include <poll.h>

#include <cstdlib>

#include "gtest/gtest.h"

namespace tern::net {
namespace {

// A line protocol for the tests: echoes lines; "STARTTLS" answers "GO" and upgrades; when the
// server drains it says "BYE" after the current line.
asio::awaitable<void> Echo(std::shared_ptr<Connection> c) {
  std::string buf;
  char tmp[1024];
  for (;;) {
    size_t nl;
    while ((nl = buf.find('\n')) == std::string::npos) {
      if (!buf.empty()) c->LinePending();
      size_t n = co_await c->ReadSome(tmp, sizeof tmp);
      if (n == 0) co_return;
      buf.append(tmp, n);
    }
    c->LineDone();
    std::string line = buf.substr(0, nl);
    buf.erase(0, nl + 1);
    if (line == "STARTTLS") {
      buf.clear();  // plaintext sent after STARTTLS is discarded, never executed
      const std::string go = "GO\n";
      if (!co_await c->Write(go)) co_return;
      if (!co_await c->StartTls()) co_return;
      continue;
    }
    const std::string echo = (c->tls() ? "tls:" : "plain:") + line + "\n";
    if (!co_await c->Write(echo)) co_return;
    if (c->draining()) {
      const std::string bye = "BYE\n";
      co_await c->Write(bye);
      co_return;
    }
  }
}

class Certs {
 public:
  Certs() {
    char tmpl[] = "/tmp/tern-net-XXXXXX";
    dir = mkdtemp(tmpl);
    std::string cmd = "cd " + dir +
                      " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem "
                      "-days 2 -subj /CN=localhost 2>/dev/null";
    ok = system(cmd.c_str()) == 0;
  }
  ~Certs() { (void)system(("rm -rf " + dir).c_str()); }
  std::string dir;
  bool ok = false;
};

// A blocking client: plain, then optionally TLS on the same socket.
class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  }
  void Send(const std::string& s) {
    if (tls_) asio::write(*tls_, asio::buffer(s));
    else asio::write(socket_, asio::buffer(s));
  }
  // One line, or "" at EOF.
  std::string Line() {
    boost::system::error_code ec;
    size_t n = tls_ ? asio::read_until(*tls_, asio::dynamic_buffer(buf_), '\n', ec)
                    : asio::read_until(socket_, asio::dynamic_buffer(buf_), '\n', ec);
    if (ec) return "";
    std::string line = buf_.substr(0, n - 1);
    buf_.erase(0, n);
    return line;
  }
  void UpgradeTls() {
    ctx_.set_verify_mode(asio::ssl::verify_none);
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, ctx_);
    tls_->handshake(asio::ssl::stream_base::client);
  }
  asio::io_context io_;
  tcp::socket socket_;
  asio::ssl::context ctx_{asio::ssl::context::tls_client};
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
  std::string buf_;
};

TEST(ServerTest, EchoesPipelinedLinesOverPlainTcp) {
  Server server(Limits{}, nullptr);
  auto port = server.Listen({.name = "test", .listen = "127.0.0.1:0"}, Echo);
  ASSERT_TRUE(port.ok()) << port.status();
  Client c(*port);
  c.Send("one\ntwo\n");
  EXPECT_EQ(c.Line(), "plain:one");
  EXPECT_EQ(c.Line(), "plain:two");
}

TEST(ServerTest, StartTlsUpgradesAndDiscardsInjectedPlaintext) {
  Certs certs;
  ASSERT_TRUE(certs.ok);
  auto tls = TlsContexts::Load(certs.dir + "/cert.pem", certs.dir + "/key.pem");
  ASSERT_TRUE(tls.ok()) << tls.status();
  Server server(Limits{}, *tls);
  auto port = server.Listen({.name = "test", .listen = "127.0.0.1:0"}, Echo);
  ASSERT_TRUE(port.ok());
  Client c(*port);
  // "INJECTED" rides in the same packet as STARTTLS: it must never be executed.
  c.Send("STARTTLS\nINJECTED\n");
  EXPECT_EQ(c.Line(), "GO");
  c.UpgradeTls();
  c.Send("secret\n");
  EXPECT_EQ(c.Line(), "tls:secret");
}

TEST(ServerTest, ImplicitTlsListener) {
  Certs certs;
  ASSERT_TRUE(certs.ok);
  auto tls = TlsContexts::Load(certs.dir + "/cert.pem", certs.dir + "/key.pem");
  ASSERT_TRUE(tls.ok());
  Server server(Limits{}, *tls);
  auto port = server.Listen({.name = "s", .listen = "127.0.0.1:0", .implicit_tls = true}, Echo);
  ASSERT_TRUE(port.ok());
  Client c(*port);
  c.UpgradeTls();
  c.Send("hi\n");
  EXPECT_EQ(c.Line(), "tls:hi");
  Server no_cert(Limits{}, nullptr);
  EXPECT_FALSE(no_cert.Listen({.name = "s", .listen = "127.0.0.1:0", .implicit_tls = true}, Echo).ok());
}

TEST(ServerTest, RefusesConnectionsOverThePerAddressLimitWithTheProtocolsReply) {
  Limits limits;
  limits.max_per_ip = 2;
  Server server(limits, nullptr);
  auto port = server.Listen({.name = "t", .listen = "127.0.0.1:0", .reject = [](RejectReason r) {
                               return r == RejectReason::kTooManyFromAddress ? "BUSY\n" : "NO\n";
                             }},
                            Echo);
  ASSERT_TRUE(port.ok());
  Client a(*port), b(*port);
  a.Send("a\n");
  b.Send("b\n");
  EXPECT_EQ(a.Line(), "plain:a");
  EXPECT_EQ(b.Line(), "plain:b");
  Client c(*port);
  EXPECT_EQ(c.Line(), "BUSY");
  EXPECT_EQ(c.Line(), "") << "then closed";
  EXPECT_EQ(server.active(), 2u);
}

TEST(ServerTest, IdleConnectionsAreClosed) {
  Limits limits;
  limits.idle_timeout = absl::Milliseconds(200);
  Server server(limits, nullptr);
  auto port = server.Listen({.name = "t", .listen = "127.0.0.1:0"}, Echo);
  ASSERT_TRUE(port.ok());
  Client c(*port);
  // Blocks until the server closes the silent connection (the read returns EOF).
  EXPECT_EQ(c.Line(), "");
}

// One address filling one listener's places (MX) leaves the others (submission) reachable.
TEST(ServerTest, EachListenerCountsItsOwnConnections) {
  Limits limits;
  limits.max_per_ip = 1;
  Server server(limits, nullptr);
  auto busy = [](RejectReason) { return "BUSY\n"; };
  auto mx = server.Listen({.name = "mx", .listen = "127.0.0.1:0", .reject = busy}, Echo);
  auto sub = server.Listen({.name = "submission", .listen = "127.0.0.1:0", .reject = busy}, Echo);
  ASSERT_TRUE(mx.ok() && sub.ok());
  Client a(*mx);
  a.Send("a\n");
  EXPECT_EQ(a.Line(), "plain:a");
  Client b(*mx);
  EXPECT_EQ(b.Line(), "BUSY") << "the MX place of this address is taken";
  Client c(*sub);
  c.Send("c\n");
  EXPECT_EQ(c.Line(), "plain:c") << "submission counts apart";
}

TEST(ServerTest, AClientThatSaysNothingIsToldAndClosedAtTheFirstCommandDeadline) {
  Limits limits;
  limits.first_command_timeout = absl::Milliseconds(200);  // idle_timeout stays 5 minutes
  Server server(limits, nullptr);
  auto port = server.Listen({.name = "t", .listen = "127.0.0.1:0", .timeout_reply = "TIMEOUT\n"}, Echo);
  ASSERT_TRUE(port.ok());
  Client c(*port);
  EXPECT_EQ(c.Line(), "TIMEOUT");
  EXPECT_EQ(c.Line(), "") << "then closed";
}

TEST(ServerTest, AfterTheFirstCommandOnlyTheIdleTimeoutApplies) {
  Limits limits;
  limits.first_command_timeout = absl::Milliseconds(100);
  limits.idle_timeout = absl::Seconds(5);
  Server server(limits, nullptr);
  auto port = server.Listen({.name = "t", .listen = "127.0.0.1:0", .timeout_reply = "TIMEOUT\n"}, Echo);
  ASSERT_TRUE(port.ok());
  Client c(*port);
  c.Send("first\n");
  EXPECT_EQ(c.Line(), "plain:first");
  // Idle well past the first-command deadline: the session must still answer.
  pollfd p{c.socket_.native_handle(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 300), 0) << "nothing from the server: not timed out";
  c.Send("second\n");
  EXPECT_EQ(c.Line(), "plain:second");
}

// Slowloris: bytes of one line keep coming, each resetting the idle timer, but the line must
// end within line_timeout.
TEST(ServerTest, ALineTrickledAByteAtATimeIsCutAtTheLineDeadline) {
  Limits limits;
  limits.line_timeout = absl::Milliseconds(300);
  limits.idle_timeout = absl::Seconds(30);
  Server server(limits, nullptr);
  auto port = server.Listen({.name = "t", .listen = "127.0.0.1:0", .timeout_reply = "TIMEOUT\n"}, Echo);
  ASSERT_TRUE(port.ok());
  Client c(*port);
  c.Send("ok\n");
  EXPECT_EQ(c.Line(), "plain:ok");
  bool answered = false;
  for (int i = 0; i < 500 && !answered; ++i) {  // a byte every 20 ms, for up to 10 s
    boost::system::error_code ec;
    asio::write(c.socket_, asio::buffer("x", 1), ec);
    if (ec) break;
    pollfd p{c.socket_.native_handle(), POLLIN, 0};
    answered = poll(&p, 1, 20) == 1;
  }
  ASSERT_TRUE(answered) << "the server kept waiting for the line";
  EXPECT_EQ(c.Line(), "TIMEOUT");
  EXPECT_EQ(c.Line(), "");
}

// 465/995: the client hears nothing before the handshake, so the reason goes over TLS.
TEST(ServerTest, ImplicitTlsListenerSaysWhyItRefusesOverTls) {
  Certs certs;
  ASSERT_TRUE(certs.ok);
  auto tls = TlsContexts::Load(certs.dir + "/cert.pem", certs.dir + "/key.pem");
  ASSERT_TRUE(tls.ok());
  Limits limits;
  limits.max_per_ip = 1;
  Server server(limits, *tls);
  auto port = server.Listen({.name = "s", .listen = "127.0.0.1:0", .implicit_tls = true,
                             .reject = [](RejectReason) { return "BUSY\n"; }},
                            Echo);
  ASSERT_TRUE(port.ok());
  Client a(*port);
  a.UpgradeTls();
  a.Send("a\n");
  EXPECT_EQ(a.Line(), "tls:a");
  Client b(*port);
  b.UpgradeTls();
  EXPECT_EQ(b.Line(), "BUSY");
  EXPECT_EQ(b.Line(), "") << "then closed";
}

TEST(ServerTest, DrainLetsSessionsSayGoodbyeAndRefusesNewOnes) {
  Server server(Limits{}, nullptr);
  auto port = server.Listen({.name = "t", .listen = "127.0.0.1:0"}, Echo);
  ASSERT_TRUE(port.ok());
  Client c(*port);
  c.Send("before\n");
  EXPECT_EQ(c.Line(), "plain:before");
  std::thread drain([&] { server.Drain(absl::Seconds(10)); });
  // The session finishes its exchange and says goodbye because the server drains.
  for (int i = 0; i < 100 && server.active() > 0; ++i) {
    c.Send("during\n");
    std::string l = c.Line();
    if (l == "BYE" || l.empty()) break;
  }
  drain.join();
  EXPECT_EQ(server.active(), 0u);
  boost::system::error_code ec;
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(*port)}, ec);
  EXPECT_TRUE(ec) << "the listener is closed";
}

}  // namespace
}  // namespace tern::net

#include "tern/net/cidr.h"

namespace tern::net {
namespace {

TEST(NetworksTest, Membership) {
  auto n = Networks::Parse({"127.0.0.0/8", "10.1.0.0/16", "::1/128", "2001:db8::/32"});
  ASSERT_TRUE(n.ok()) << n.status();
  auto a = [](const char* s) { return asio::ip::make_address(s); };
  EXPECT_TRUE(n->Contains(a("127.0.0.1")));
  EXPECT_TRUE(n->Contains(a("10.1.200.3")));
  EXPECT_FALSE(n->Contains(a("10.2.0.1")));
  EXPECT_TRUE(n->Contains(a("::1")));
  EXPECT_TRUE(n->Contains(a("2001:db8:1::5")));
  EXPECT_FALSE(n->Contains(a("2001:db9::1")));
  EXPECT_TRUE(n->Contains(a("::ffff:127.0.0.1"))) << "v4-mapped";
  EXPECT_FALSE(Networks::Parse({"10.0.0.0"}).ok());
  EXPECT_FALSE(Networks::Parse({"10.0.0.0/33"}).ok());
  EXPECT_FALSE(Networks::Parse({"nonsense/8"}).ok());
  auto empty = Networks::Parse({});
  EXPECT_FALSE(empty->Contains(a("127.0.0.1")));
}

}  // namespace
}  // namespace tern::net

namespace tern::net {
namespace {

TEST(TlsContextsTest, NewCertificateFilesAreServedAfterReload) {
  char tmpl[] = "/tmp/tern-net-reload-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  auto make = [&](const std::string& cn, int days) {
    return system(("cd " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
                   "-out cert.pem -days " + std::to_string(days) + " -subj /CN=" + cn +
                   " 2>/dev/null").c_str()) == 0;
  };
  ASSERT_TRUE(make("first.example", 2));
  const absl::Time made = absl::Now();
  auto tls = TlsContexts::Load(dir + "/cert.pem", dir + "/key.pem");
  ASSERT_TRUE(tls.ok());
  // notAfter is `days` after the certificate was made (to the second, give or take the run).
  EXPECT_LE(absl::AbsDuration((*tls)->NotAfter() - (made + absl::Hours(48))), absl::Minutes(5));
  auto subject = [](const std::shared_ptr<asio::ssl::context>& ctx) {
    X509* cert = SSL_CTX_get0_certificate(ctx->native_handle());
    char buf[256];
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    return std::string(buf);
  };
  EXPECT_NE(subject((*tls)->Current()).find("first.example"), std::string::npos);
  ASSERT_TRUE(make("second.example", 30));
  TlsContexts::ReloadAll();  // what SIGHUP does
  EXPECT_NE(subject((*tls)->Current()).find("second.example"), std::string::npos);
  EXPECT_LE(absl::AbsDuration((*tls)->NotAfter() - (made + absl::Hours(24 * 30))), absl::Minutes(5))
      << "the expiry follows the certificate served";
  // A broken file is refused and the old certificate stays in service.
  ASSERT_EQ(system(("echo garbage > " + dir + "/cert.pem").c_str()), 0);
  EXPECT_FALSE((*tls)->Reload().ok());
  EXPECT_NE(subject((*tls)->Current()).find("second.example"), std::string::npos);
  (void)system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace tern::net

#include "tern/net/proxy.h"

namespace tern::net {
namespace {

std::string V2Header(const std::string& src4) {
  std::string h("\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A", 12);
  h += '\x21';  // version 2, PROXY
  h += '\x11';  // TCP over IPv4
  h += std::string("\x00\x0C", 2);
  auto a = asio::ip::make_address_v4(src4).to_bytes();
  h.append(reinterpret_cast<const char*>(a.data()), 4);
  h += std::string("\x0A\x00\x00\x01", 4);  // destination 10.0.0.1
  h += std::string("\x15\xB3\x00\x19", 4);  // ports 5555, 25
  return h;
}

TEST(ProxyHeaderTest, Table) {
  struct Row { std::string in; ProxyHeader::Kind kind; size_t length; std::string source; } rows[] = {
      {"PROXY TCP4 203.0.113.7 10.0.0.1 5555 25\r\nEHLO", ProxyHeader::kDone, 41, "203.0.113.7"},
      {"PROXY TCP6 2001:db8::7 2001:db8::1 5555 25\r\n", ProxyHeader::kDone, 44, "2001:db8::7"},
      {"PROXY UNKNOWN\r\n", ProxyHeader::kDone, 15, ""},
      {"PROXY TCP4 203.0.113.7 10.0.0.1 5555", ProxyHeader::kNeedMore, 0, ""},
      {"PROX", ProxyHeader::kNeedMore, 0, ""},
      {"EHLO x\r\n", ProxyHeader::kInvalid, 0, ""},
      {"PROXY TCP4 2001:db8::7 10.0.0.1 1 2\r\n", ProxyHeader::kInvalid, 0, ""},
      {"PROXY TCP4 203.0.113.7 10.0.0.1 99999 25\r\n", ProxyHeader::kInvalid, 0, ""},
      {"PROXY TCP4 nonsense 10.0.0.1 1 2\r\n", ProxyHeader::kInvalid, 0, ""},
      {"PROXY " + std::string(200, 'x'), ProxyHeader::kInvalid, 0, ""},
      {V2Header("198.51.100.9") + "rest", ProxyHeader::kDone, 28, "198.51.100.9"},
      {V2Header("198.51.100.9").substr(0, 20), ProxyHeader::kNeedMore, 0, ""},
      {std::string("\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A\x20\x00\x00\x00", 16),
       ProxyHeader::kDone, 16, ""},  // LOCAL (a health check)
      {std::string("\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A\x21\x11\xFF\xFF", 16),
       ProxyHeader::kInvalid, 0, ""},  // longer than we accept
  };
  for (const auto& r : rows) {
    // Whole, and every prefix: a prefix never yields a different decision.
    ProxyHeader h = ParseProxyHeader(r.in);
    EXPECT_EQ(h.kind, r.kind) << testing::PrintToString(r.in);
    if (h.kind == ProxyHeader::kDone) {
      EXPECT_EQ(h.length, r.length);
      EXPECT_EQ(h.source ? h.source->to_string() : "", r.source);
    }
    for (size_t n = 0; n < r.in.size(); ++n) {
      ProxyHeader p = ParseProxyHeader(std::string_view(r.in).substr(0, n));
      if (p.kind == ProxyHeader::kDone) {
        EXPECT_EQ(p.length, h.length);
      }
      if (r.kind == ProxyHeader::kDone && n < h.length) {
        EXPECT_EQ(p.kind, ProxyHeader::kNeedMore) << n;
      }
    }
  }
}

asio::awaitable<void> SayPeer(std::shared_ptr<Connection> c) {
  const std::string line = c->peer().to_string() + "\n";
  co_await c->Write(line);
  co_await Echo(c);
}

TEST(ProxyServerTest, TrustedBalancersGiveTheClientAddressOthersDoNot) {
  Server server(Limits{}, nullptr);
  ListenerOptions trusted{.name = "t", .listen = "127.0.0.1:0"};
  trusted.proxy_from = *Networks::Parse({"127.0.0.0/8"});
  auto port = server.Listen(trusted, SayPeer);
  ASSERT_TRUE(port.ok());
  {
    Client c(*port);
    c.Send("PROXY TCP4 203.0.113.7 10.0.0.1 5555 25\r\nhello\n");
    EXPECT_EQ(c.Line(), "203.0.113.7");
    EXPECT_EQ(c.Line(), "plain:hello") << "bytes after the header are the client's";
  }
  {
    Client c(*port);
    c.Send(V2Header("198.51.100.9") + "v2\n");
    EXPECT_EQ(c.Line(), "198.51.100.9");
    EXPECT_EQ(c.Line(), "plain:v2");
  }
  {
    Client c(*port);
    c.Send("GARBAGE\r\n");
    EXPECT_EQ(c.Line(), "") << "a trusted source must send a valid header";
  }
  ListenerOptions untrusted{.name = "u", .listen = "127.0.0.1:0"};
  untrusted.proxy_from = *Networks::Parse({"10.0.0.0/8"});
  auto port2 = server.Listen(untrusted, SayPeer);
  ASSERT_TRUE(port2.ok());
  Client c(*port2);
  EXPECT_EQ(c.Line(), "127.0.0.1");
  c.Send("PROXY TCP4 203.0.113.7 10.0.0.1 5555 25\r\n");
  EXPECT_EQ(c.Line(), "plain:PROXY TCP4 203.0.113.7 10.0.0.1 5555 25\r")
      << "from an untrusted peer it is just input";
}

}  // namespace
}  // namespace tern::net
