#include "tern/metrics/http_server.h"
#include "tern/metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>
#include <vector>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tern::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

// A blocking client connection with a receive timeout, so a misbehaving server fails the test
// instead of hanging it.
class Client {
 public:
  explicit Client(int port) : socket_(ioc_) {
    beast::error_code ec;
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    connected_ = !ec;
    timeval tv{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  bool connected() const { return connected_; }

  void Send(const std::string& bytes) {
    beast::error_code ec;
    asio::write(socket_, asio::buffer(bytes), ec);
    EXPECT_FALSE(ec) << ec.message();
  }

  // Sends one request and reads one response.
  http::response<http::string_body> Request(http::verb method, const std::string& target) {
    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.prepare_payload();
    beast::error_code ec;
    http::write(socket_, req, ec);
    EXPECT_FALSE(ec) << ec.message();
    return Read();
  }

  http::response<http::string_body> Read() {
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(socket_, buffer_, res, ec);
    EXPECT_FALSE(ec) << ec.message();
    return res;
  }

  // True when the server has closed the connection (orderly EOF).
  bool ReadsEof() {
    char c;
    beast::error_code ec;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

http::response<http::string_body> Get(int port, const std::string& target) {
  Client client(port);
  EXPECT_TRUE(client.connected());
  return client.Request(http::verb::get, target);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::make_shared<prometheus::Registry>();
    server_ = std::make_unique<HttpServer>(registry_, [this] {
      absl::MutexLock lock(&mu_);
      return ready_;
    });
    ASSERT_TRUE(server_->Start("127.0.0.1:0").ok());
    ASSERT_GT(server_->port(), 0);
  }

  void SetReady(absl::Status s) {
    absl::MutexLock lock(&mu_);
    ready_ = std::move(s);
  }

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<HttpServer> server_;
  absl::Mutex mu_;
  absl::Status ready_;
};

TEST_F(HttpServerTest, MetricsServesRegisteredCounter) {
  auto& family = prometheus::BuildCounter()
                     .Name("tern_test_requests_total")
                     .Help("requests seen by the test")
                     .Register(*registry_);
  family.Add({{"kind", "unit"}}).Increment(3);

  auto res = Get(server_->port(), "/metrics");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4");
  EXPECT_THAT(res.body(), HasSubstr("# TYPE tern_test_requests_total counter"));
  EXPECT_THAT(res.body(), HasSubstr("tern_test_requests_total{kind=\"unit\"} 3"));

  res = Get(server_->port(), "/metrics?name[]=x");  // query strings are ignored
  EXPECT_EQ(res.result(), http::status::ok);
}

TEST_F(HttpServerTest, Livez) {
  auto res = Get(server_->port(), "/livez");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "ok");
}

TEST_F(HttpServerTest, ReadyzFollowsTheCallback) {
  auto res = Get(server_->port(), "/readyz");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "ready");

  SetReady(absl::UnavailableError("database: connection refused"));
  res = Get(server_->port(), "/readyz");
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(res.body(), "database: connection refused");

  SetReady(absl::OkStatus());
  EXPECT_EQ(Get(server_->port(), "/readyz").result(), http::status::ok);
}

TEST_F(HttpServerTest, UnknownPathIs404) {
  EXPECT_EQ(Get(server_->port(), "/").result(), http::status::not_found);
  EXPECT_EQ(Get(server_->port(), "/metrics/extra").result(), http::status::not_found);
}

TEST_F(HttpServerTest, OtherMethodsAre405) {
  Client client(server_->port());
  auto res = client.Request(http::verb::post, "/metrics");
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "GET");
  res = client.Request(http::verb::delete_, "/readyz");
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Client client(server_->port());
  for (int i = 0; i < 3; ++i) {
    auto res = client.Request(http::verb::get, "/livez");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_TRUE(res.keep_alive());
  }
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  Client client(server_->port());
  client.Send("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto res = client.Read();
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.ReadsEof());
}

TEST_F(HttpServerTest, OversizeHeaderIsRejected) {
  Client client(server_->port());
  client.Send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(16 * 1024, 'a') +
              "\r\n\r\n");
  auto res = client.Read();
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.ReadsEof());
}

TEST_F(HttpServerTest, OversizeBodyIsRejected) {
  Client client(server_->port());
  client.Send("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  auto res = client.Read();
  EXPECT_EQ(res.result(), http::status::payload_too_large);
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  Client client(server_->port());
  client.Send("NOT HTTP AT ALL\r\n\r\n");
  auto res = client.Read();
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_TRUE(client.ReadsEof());
}

TEST_F(HttpServerTest, StopWithAnOpenConnectionReturns) {
  Client client(server_->port());
  EXPECT_EQ(client.Request(http::verb::get, "/livez").result(), http::status::ok);
  server_->Stop();  // the idle keep-alive connection must not hold it up
  EXPECT_TRUE(client.ReadsEof());
}

TEST_F(HttpServerTest, StopIsIdempotentAndClosesThePort) {
  const int port = server_->port();
  EXPECT_EQ(Get(port, "/livez").result(), http::status::ok);
  server_->Stop();
  server_->Stop();
  Client client(port);
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(server_->Start("127.0.0.1:0").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HttpServerStartTest, Errors) {
  HttpServer a(nullptr, nullptr);
  EXPECT_EQ(a.Start("no-port").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a.Start("127.0.0.1:99999").code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(a.Start("127.0.0.1:0").ok());
  EXPECT_EQ(a.Start("127.0.0.1:0").code(), absl::StatusCode::kFailedPrecondition);

  HttpServer b(nullptr, nullptr);
  absl::Status s = b.Start("127.0.0.1:" + std::to_string(a.port()));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("cannot listen on 127.0.0.1:"));
  b.Stop();  // never started: a no-op
}

TEST(HttpServerStartTest, NullRegistryAndCallbackServeEmptyMetricsAndReady) {
  HttpServer server(nullptr, nullptr);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  Client client(server.port());
  auto res = client.Request(http::verb::get, "/metrics");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "");
  EXPECT_EQ(client.Request(http::verb::get, "/readyz").result(), http::status::ok);
}

TEST(HttpServerStartTest, TheCertificateExpiryGaugeIsSetBeforeEachScrape) {
  auto registry = std::make_shared<prometheus::Registry>();
  absl::Time not_after = absl::FromUnixSeconds(1900000000);
  HttpServerOptions options;
  options.before_scrape = CertificateExpiryGauge(*registry, [&not_after] { return not_after; });
  HttpServer server(registry, nullptr, options);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  Client client(server.port());
  EXPECT_THAT(client.Request(http::verb::get, "/metrics").body(),
              HasSubstr("tern_tls_certificate_expiry_timestamp_seconds 1900000000"));
  not_after = absl::FromUnixSeconds(1950000000);  // a new certificate on disk
  EXPECT_THAT(client.Request(http::verb::get, "/metrics").body(),
              HasSubstr("tern_tls_certificate_expiry_timestamp_seconds 1950000000"));
}

TEST(HttpServerStartTest, IdleConnectionsAreClosed) {
  HttpServerOptions options;
  options.idle_timeout = absl::Milliseconds(100);
  HttpServer server(nullptr, nullptr, options);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  Client client(server.port());
  ASSERT_TRUE(client.connected());
  // Blocks until the server gives up on the silent connection; the client's own 5 s receive
  // timeout (an error, not EOF) fails the test if it never does.
  EXPECT_TRUE(client.ReadsEof());
}

TEST(HttpServerStartTest, AConnectionTricklingItsRequestIsClosed) {
  HttpServerOptions options;
  options.idle_timeout = absl::Milliseconds(100);
  HttpServer server(nullptr, nullptr, options);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  Client client(server.port());
  client.Send("GET /readyz HTTP/1.1\r\nHo");  // and never the rest
  EXPECT_TRUE(client.ReadsEof());
}

TEST(HttpServerStartTest, AtTheLimitTheConnectionWaitingLongestMakesRoom) {
  HttpServerOptions options;
  options.max_connections = 2;
  HttpServer server(nullptr, nullptr, options);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  Client first(server.port());
  EXPECT_EQ(first.Request(http::verb::get, "/livez").result(), http::status::ok);
  Client second(server.port());
  EXPECT_EQ(second.Request(http::verb::get, "/livez").result(), http::status::ok);
  // Both wait for their next request; the third connection takes the first one's place.
  Client third(server.port());
  EXPECT_EQ(third.Request(http::verb::get, "/readyz").result(), http::status::ok);
  EXPECT_TRUE(first.ReadsEof());
  EXPECT_EQ(second.Request(http::verb::get, "/livez").result(), http::status::ok);
}

// The attack from the security review: a pile of idle connections (64 took /readyz down for
// 30 s before) must not keep a probe from being answered, however often it is repeated.
TEST(HttpServerStartTest, IdleConnectionsNeverStarveReadiness) {
  HttpServer server(nullptr, [] { return absl::OkStatus(); });
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 300; ++i) {  // more than the default limit of 256
    idle.push_back(std::make_unique<Client>(server.port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  for (int probe = 0; probe < 20; ++probe) {
    auto res = Get(server.port(), "/readyz");
    ASSERT_EQ(res.result(), http::status::ok) << "probe " << probe;
    EXPECT_EQ(res.body(), "ready");
    // The attacker reconnects as soon as a place is free.
    idle.push_back(std::make_unique<Client>(server.port()));
  }
  // The longest-waiting idle connections were the ones closed.
  EXPECT_TRUE(idle.front()->ReadsEof());
}

}  // namespace
}  // namespace tern::metrics
