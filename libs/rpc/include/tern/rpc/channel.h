// Client side: channels with round-robin over dns:/// names, optional TLS/mTLS, and contexts
// with a default deadline on every call.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "tern/rpc/tls.h"

namespace tern::rpc {

struct ChannelOptions {
  std::string target;       // "127.0.0.1:7001" or "dns:///storage.tern.svc:7001"
  TlsFiles tls;             // ca_file verifies the server; cert/key present a client certificate
  int max_message_bytes = 64 << 20;
};

// A target "inprocess:<name>" is the channel registered under <name> (RegisterInProcess); any
// other target dials.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options);

// Makes "inprocess:<name>" mean `channel` for MakeChannel (the all-in-one `tern` registers its
// services' in-process channels, so its gateways call storage and auth without a socket).
void RegisterInProcess(const std::string& name, std::shared_ptr<grpc::Channel> channel);
inline constexpr std::string_view kInProcessScheme = "inprocess:";

// A client context whose deadline is `timeout` from now.
std::unique_ptr<grpc::ClientContext> ContextWithDeadline(
    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

}  // namespace tern::rpc

namespace tern::rpc {

// Asks grpc.health.v1.Health/Check for `service` ("" = the whole server). Returns true when it
// answers SERVING, false for NOT_SERVING, an error when the server cannot be reached.
absl::StatusOr<bool> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& service = "",
                                 std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

}  // namespace tern::rpc
