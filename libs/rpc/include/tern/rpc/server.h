// gRPC server bootstrap shared by every service: health (grpc.health.v1), server reflection,
// optional TLS/mTLS, message size limits, port 0 for tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "tern/rpc/tls.h"

namespace tern::rpc {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free port
  TlsFiles tls;
  int max_message_bytes = 64 << 20;
};

class Server {
 public:
  // Builds and starts a server for `services` (not owned; must outlive the server).
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       const std::vector<grpc::Service*>& services);
  ~Server();
  int port() const { return port_; }
  // Marks the whole server (and each named service) SERVING / NOT_SERVING in grpc.health.v1.
  void SetServing(bool serving);
  // Stops accepting, waits up to `grace_ms` for calls in flight, then cancels the rest.
  void Shutdown(int grace_ms = 5000);
  grpc::Server* raw() { return server_.get(); }
  // A channel to this server that never leaves the process (no socket, no TLS).
  std::shared_ptr<grpc::Channel> InProcessChannel(int max_message_bytes = 64 << 20);

 private:
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::string> service_names_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace tern::rpc
