// The auth service as a library: `tern-auth` and the all-in-one `tern` start it through here;
// tests start it on port 0 with an injected clock.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "tern/auth/config.h"
#include "tern/core/clock.h"
#include "tern/core/stop.h"

namespace tern::auth {

class AuthServer {
 public:
  static absl::StatusOr<std::unique_ptr<AuthServer>> Start(const AuthConfig& config,
                                                           const Clock& clock = Clock::Real());
  ~AuthServer();
  int grpc_port() const;
  // A channel to this server that never leaves the process (the all-in-one `tern`).
  std::shared_ptr<grpc::Channel> InProcessChannel();
  int http_port() const;
  void Stop(int grace_ms = 5000);

  struct Impl;

 private:
  explicit AuthServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

absl::Status Run(const AuthConfig& config, const StopToken& stop);

}  // namespace tern::auth
