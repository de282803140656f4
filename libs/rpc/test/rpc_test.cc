#include <chrono>

#include "grpcpp/health_check_service_interface.h"
#include "gtest/gtest.h"
#include "tern/rpc/channel.h"
#include "tern/rpc/server.h"
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
