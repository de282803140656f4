// A throwaway PostgreSQL cluster for integration tests and benchmarks: initdb into a new
// temporary folder, start on a free loopback port, removed by the destructor. It drives
// scripts/pg.sh, the same code the developer scripts use.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace tern::testing {

// The repository root: $TERN_SOURCE_DIR, else the folder the build was configured from.
std::string SourceDir();

class PgCluster {
 public:
  // `server_opts` are extra postgres options, e.g. "-c fsync=off" (tests only; benches keep the
  // defaults so that they measure durable commits).
  static absl::StatusOr<std::unique_ptr<PgCluster>> Start(const std::string& server_opts = "");
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // postgresql://tern@127.0.0.1:<port>/tern
  const std::string& url() const { return url_; }
  // A URL for another database on the same cluster, created on first call.
  absl::StatusOr<std::string> CreateDatabase(const std::string& name);
  // Stops and starts the server on the same port (to test reconnects).
  absl::Status Stop();
  absl::Status Restart();

 private:
  PgCluster() = default;
  std::string dir_;
  std::string url_;
  std::string opts_;
  std::string port_;
};

}  // namespace tern::testing
