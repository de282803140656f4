// smtp-ingress with the real auth and storage services over gRPC and a real PostgreSQL: what a
// client sent is what storage returns, byte for byte, behind the trace headers.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <boost/asio.hpp>

#include "gtest/gtest.h"
#include "tern/auth/run.h"
#include "tern/auth/v1/auth.grpc.pb.h"
#include "tern/rpc/channel.h"
#include "tern/smtp_ingress/run.h"
#include "tern/storage/run.h"
#include "tern/storage/v1/storage.grpc.pb.h"
#include "tern/testing/pg_cluster.h"

namespace tern::smtp_ingress {
namespace {

namespace asio = boost::asio;

class SmtpIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = tern::testing::PgCluster::Start("-c fsync=off");
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
    storage::StorageConfig sc = storage::DefaultConfig();
    sc.database_url = cluster_->url();
    sc.grpc_listen = sc.http_listen = "127.0.0.1:0";
    auto s = storage::StorageServer::Start(sc);
    ASSERT_TRUE(s.ok()) << s.status();
    storage_ = std::move(*s);
    setenv("TERN_AUTH_DATABASE_URL", cluster_->url().c_str(), 1);
    auto ac = auth::LoadConfig("");
    ASSERT_TRUE(ac.ok());
    ac->grpc_listen = ac->http_listen = "127.0.0.1:0";
    ac->admin_token = "t0ken-for-smtp-test";
    ac->argon2_t_cost = 1;
    ac->argon2_m_cost_kib = 1024;
    ac->storage_target = Target(storage_->grpc_port());
    auto a = auth::AuthServer::Start(*ac);
    ASSERT_TRUE(a.ok()) << a.status();
    auth_ = std::move(*a);
    auto admin = auth::v1::AuthAdmin::NewStub(*rpc::MakeChannel({.target = Target(auth_->grpc_port())}));
    auto ctx = [] {
      auto c = rpc::ContextWithDeadline();
      c->AddMetadata("authorization", "Bearer t0ken-for-smtp-test");
      return c;
    };
    auth::v1::DomainRequest d;
    d.set_name("int.test");
    auth::v1::Domain dresp;
    ASSERT_TRUE(admin->AddDomain(ctx().get(), d, &dresp).ok());
    auth::v1::AddAccountRequest acc;
    acc.set_address("carol@int.test");
    acc.set_password("carol password");
    auth::v1::Account aresp;
    ASSERT_TRUE(admin->AddAccount(ctx().get(), acc, &aresp).ok());
    auto smtp_config = LoadConfig("");
    ASSERT_TRUE(smtp_config.ok());
    smtp_config->hostname = "mx.int.test";
    smtp_config->mx_listen = smtp_config->submission_listen = smtp_config->http_listen = "127.0.0.1:0";
    smtp_config->submissions_listen = "";
    smtp_config->auth_target = Target(auth_->grpc_port());
    smtp_config->storage_target = Target(storage_->grpc_port());
    auto m = SmtpServer::Start(*smtp_config);
    ASSERT_TRUE(m.ok()) << m.status();
    smtp_ = std::move(*m);
  }
  static void TearDownTestSuite() {
    smtp_.reset();
    auth_.reset();
    storage_.reset();
    cluster_.reset();
  }
  static std::string Target(int port) { return "127.0.0.1:" + std::to_string(port); }

  static std::unique_ptr<tern::testing::PgCluster> cluster_;
  static std::unique_ptr<storage::StorageServer> storage_;
  static std::unique_ptr<auth::AuthServer> auth_;
  static std::unique_ptr<SmtpServer> smtp_;
};
std::unique_ptr<tern::testing::PgCluster> SmtpIntegrationTest::cluster_;
std::unique_ptr<storage::StorageServer> SmtpIntegrationTest::storage_;
std::unique_ptr<auth::AuthServer> SmtpIntegrationTest::auth_;
std::unique_ptr<SmtpServer> SmtpIntegrationTest::smtp_;

TEST_F(SmtpIntegrationTest, StoredMessageIsByteForByteWhatTheClientSent) {
  // 8-bit text, a dot-stuffed line, a long-ish body: all must come back unchanged.
  std::string message = "From: Sender <s@remote.example>\r\nTo: carol@int.test\r\nSubject: exact\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n\r\nGr\xc3\xbc\xc3\x9f" "e\r\n"
                        ".a line starting with a dot\r\n";
  for (int i = 0; i < 200; ++i) message += "line " + std::to_string(i) + " of the body\r\n";
  std::string stuffed;
  for (size_t pos = 0; pos < message.size();) {
    size_t eol = message.find("\r\n", pos) + 2;
    std::string line = message.substr(pos, eol - pos);
    stuffed += (line[0] == '.' ? "." : "") + line;
    pos = eol;
  }
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(smtp_->mx_port())});
  asio::write(s, asio::buffer("EHLO it\r\nMAIL FROM:<s@remote.example> BODY=8BITMIME\r\n"
                              "RCPT TO:<carol@int.test>\r\nDATA\r\n" + stuffed + ".\r\nQUIT\r\n"));
  std::string transcript;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(transcript), ec);  // to EOF after QUIT
  ASSERT_NE(transcript.find("\r\n250 2.0.0 Ok: stored as"), std::string::npos) << transcript;

  auto stub = storage::v1::Storage::NewStub(*rpc::MakeChannel({.target = Target(storage_->grpc_port())}));
  storage::v1::FetchContentRequest req;
  req.set_account("carol@int.test");
  req.set_mailbox("INBOX");
  req.set_uid(1);
  auto ctx = rpc::ContextWithDeadline();
  auto reader = stub->FetchContent(ctx.get(), req);
  std::string stored;
  storage::v1::FetchContentResponse chunk;
  while (reader->Read(&chunk)) stored += chunk.data();
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(stored.rfind("Return-Path: <s@remote.example>\r\nReceived: from it ([127.0.0.1])\r\n\tby mx.int.test (Tern) with ESMTP", 0), 0u)
      << stored.substr(0, 300);
  ASSERT_GE(stored.size(), message.size());
  EXPECT_EQ(stored.substr(stored.size() - message.size()), message) << "byte for byte";
}

}  // namespace
}  // namespace tern::smtp_ingress
