#include "tern/net/server.h"

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
      size_t n = co_await c->ReadSome(tmp, sizeof tmp);
      if (n == 0) co_return;
      buf.append(tmp, n);
    }
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
  auto make = [&](const std::string& cn) {
    return system(("cd " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
                   "-out cert.pem -days 2 -subj /CN=" + cn + " 2>/dev/null").c_str()) == 0;
  };
  ASSERT_TRUE(make("first.example"));
  auto tls = TlsContexts::Load(dir + "/cert.pem", dir + "/key.pem");
  ASSERT_TRUE(tls.ok());
  auto subject = [](const std::shared_ptr<asio::ssl::context>& ctx) {
    X509* cert = SSL_CTX_get0_certificate(ctx->native_handle());
    char buf[256];
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    return std::string(buf);
  };
  EXPECT_NE(subject((*tls)->Current()).find("first.example"), std::string::npos);
  ASSERT_TRUE(make("second.example"));
  TlsContexts::ReloadAll();  // what SIGHUP does
  EXPECT_NE(subject((*tls)->Current()).find("second.example"), std::string::npos);
  // A broken file is refused and the old certificate stays in service.
  ASSERT_EQ(system(("echo garbage > " + dir + "/cert.pem").c_str()), 0);
  EXPECT_FALSE((*tls)->Reload().ok());
  EXPECT_NE(subject((*tls)->Current()).find("second.example"), std::string::npos);
  (void)system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace tern::net
