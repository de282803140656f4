#include <chrono>

#include "grpcpp/health_check_service_interface.h"
#include "gtest/gtest.h"
#include "tern/rpc/channel.h"
#include "tern/rpc/server.h"
#include "tern/core/error.h"
#include "tern/rpc/status.h"

namespace tern::rpc {
namespace {

TEST(StatusMappingTest, RoundTripsCodeAndMessage) {
  absl::Status s = absl::ResourceExhaustedError("quota: 10 bytes over");
  grpc::Status g = ToGrpc(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(g.error_message(), "quota: 10 bytes over");
  EXPECT_EQ(FromGrpc(g), s);
  EXPECT_TRUE(ToGrpc(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpc(grpc::Status::OK).ok());
}

// The reason crosses the boundary in the details trailer; the text is kept apart from it.
TEST(StatusMappingTest, CarriesTheReason) {
  absl::Status s = ReasonError(Reason::kQuotaExceeded, "over by 10 bytes");
  grpc::Status g = ToGrpc(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(g.error_details().empty());
  absl::Status back = FromGrpc(g);
  EXPECT_EQ(back.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(back.message(), "over by 10 bytes");
  EXPECT_EQ(ReasonOf(back), Reason::kQuotaExceeded);
  EXPECT_EQ(ReasonOf(FromGrpc(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "quota"))),
            Reason::kUnspecified)
      << "no reason from the text";
  EXPECT_EQ(ReasonOf(FromGrpc(grpc::Status(grpc::StatusCode::NOT_FOUND, "x", "not a proto\xff"))),
            Reason::kUnspecified);
}

TEST(ServerTest, ServesHealthOnAFreePortAndReportsNotServingAfterShutdown) {
  auto server = Server::Start({.listen = "127.0.0.1:0"}, {});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);
  auto channel = MakeChannel({.target = "127.0.0.1:" + std::to_string((*server)->port())});
  ASSERT_TRUE(channel.ok());
  auto serving = CheckHealth(*channel);
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE(*serving);
  (*server)->SetServing(false);
  serving = CheckHealth(*channel);
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_FALSE(*serving);
  (*server)->Shutdown(100);
  EXPECT_FALSE(CheckHealth(*channel, "", std::chrono::milliseconds(300)).ok());
}

TEST(ServerTest, RefusesAnAddressItCannotBind) {
  auto server = Server::Start({.listen = "256.0.0.1:1"}, {});
  EXPECT_FALSE(server.ok());
}

TEST(ChannelTest, RejectsEmptyTargetAndMissingCaFile) {
  EXPECT_FALSE(MakeChannel({}).ok());
  ChannelOptions o{.target = "127.0.0.1:1"};
  o.tls.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(MakeChannel(o).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tern::rpc

namespace tern::rpc {
namespace {

// Certificates made by the openssl CLI in a fresh folder: a CA, a server certificate for
// 127.0.0.1 and a client certificate, both signed by the CA.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/tern-rpc-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string d = dir_;
    const std::string script =
        "cd " + d + " && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
        "-subj /CN=tern-test-ca 2>/dev/null && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
        "-subj /CN=localhost 2>/dev/null && "
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost' > san.ext && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 2 -extfile san.ext 2>/dev/null && "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
        "-subj /CN=operator 2>/dev/null && "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out client.pem -days 2 2>/dev/null";
    ASSERT_EQ(system(script.c_str()), 0);
  }
  static void TearDownTestSuite() { (void)system(("rm -rf " + dir_).c_str()); }
  static std::string F(const std::string& name) { return dir_ + "/" + name; }
  static absl::StatusOr<bool> Check(int port, TlsFiles tls) {
    auto ch = MakeChannel({.target = "127.0.0.1:" + std::to_string(port), .tls = tls});
    if (!ch.ok()) return ch.status();
    return CheckHealth(*ch, "", std::chrono::milliseconds(2000));
  }
  static std::string dir_;
};
std::string TlsTest::dir_;

TEST_F(TlsTest, TlsServerAcceptsVerifiedClientsOnly) {
  ServerOptions o{.listen = "127.0.0.1:0"};
  o.tls = {F("server.pem"), F("server.key"), ""};
  auto server = Server::Start(o, {});
  ASSERT_TRUE(server.ok()) << server.status();
  auto ok = Check((*server)->port(), {"", "", F("ca.pem")});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(*ok);
  EXPECT_FALSE(Check((*server)->port(), {}).ok()) << "plaintext client refused";
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificate) {
  ServerOptions o{.listen = "127.0.0.1:0"};
  o.tls = {F("server.pem"), F("server.key"), F("ca.pem")};
  auto server = Server::Start(o, {});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_FALSE(Check((*server)->port(), {"", "", F("ca.pem")}).ok())
      << "no client certificate, no call";
  auto ok = Check((*server)->port(), {F("client.pem"), F("client.key"), F("ca.pem")});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(*ok);
}

}  // namespace
}  // namespace tern::rpc
