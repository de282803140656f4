// The one place an internal client is made from: a service's stub on its own channel
// (MakeChannel: round_robin, TLS/mTLS from the options), and unary calls made the same way
// everywhere — a deadline, the current request id as x-request-id (ContextWithDeadline), any
// further metadata (a client address, an admin token), and the answer's status as an
// absl::Status with its code and message unchanged (FromGrpc).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "tern/rpc/channel.h"
#include "tern/rpc/status.h"

namespace tern::rpc {

// Metadata added to one call: (key, value), keys in lower case.
using Metadata = std::vector<std::pair<std::string, std::string>>;

// One unary call of `method` on `stub`, answered within `timeout`.
template <typename Stub, typename Req, typename Resp>
absl::StatusOr<Resp> Unary(Stub& stub,
                           grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                           const Req& req, std::chrono::milliseconds timeout,
                           const Metadata& metadata = {}) {
  std::unique_ptr<grpc::ClientContext> ctx = ContextWithDeadline(timeout);
  for (const auto& [key, value] : metadata) ctx->AddMetadata(key, value);
  Resp resp;
  grpc::Status status = (stub.*method)(ctx.get(), req, &resp);
  if (!status.ok()) return FromGrpc(status);
  return resp;
}

// A stub of `Service` (a generated gRPC service class) and the channel it is on. Copyable; the
// stub is shared by the copies (gRPC stubs are safe to call from several threads).
template <typename Service>
class ServiceClient {
 public:
  using Stub = typename Service::Stub;

  // An error when the channel cannot be made (an unreadable TLS file), so that a program stops
  // at start rather than fail every call.
  static absl::StatusOr<ServiceClient> Make(const ChannelOptions& options) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
    if (!channel.ok()) return channel.status();
    return ServiceClient(*std::move(channel));
  }
  explicit ServiceClient(std::shared_ptr<grpc::Channel> channel)
      : channel_(std::move(channel)), stub_(Service::NewStub(channel_)) {}

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  // For streaming calls, made with ContextWithDeadline like Unary's.
  Stub& stub() const { return *stub_; }

  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const Req& req, std::chrono::milliseconds timeout,
                            const Metadata& metadata = {}) const {
    return Unary(*stub_, method, req, timeout, metadata);
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::shared_ptr<Stub> stub_;
};

}  // namespace tern::rpc
