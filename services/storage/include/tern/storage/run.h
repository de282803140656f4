// The storage service as a library: `tern-storage` (main.cc) and the all-in-one `tern` both
// start it through here; tests start it on port 0.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "tern/core/stop.h"
#include "tern/storage/config.h"

namespace tern::storage {

class StorageServer {
 public:
  // Applies migrations, opens the pool, starts gRPC, the change feed and the HTTP endpoint.
  static absl::StatusOr<std::unique_ptr<StorageServer>> Start(const StorageConfig& config);
  ~StorageServer();
  int grpc_port() const;
  // A channel to this server that never leaves the process (the all-in-one `tern`).
  std::shared_ptr<grpc::Channel> InProcessChannel();
  int http_port() const;
  // Marks not-ready, lets in-flight calls finish (up to `grace_ms`), then stops everything.
  void Stop(int grace_ms = 5000);

  struct Impl;

 private:
  explicit StorageServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Starts the server and blocks until `stop` is requested.
absl::Status Run(const StorageConfig& config, const StopToken& stop);

}  // namespace tern::storage
