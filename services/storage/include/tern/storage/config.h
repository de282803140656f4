// The storage service's configuration, declared once: each key with its default beside it in
// config.cc. Every key can be set in the YAML/JSON file or overridden by TERN_STORAGE_<KEY>
// (or TERN_STORAGE_<KEY>_FILE, for secrets mounted as files).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tern::storage {

struct StorageConfig {
  std::string grpc_listen;
  std::string http_listen;
  std::string database_url;
  bool migrate_only = false;  // apply the schema migrations and exit
  int64_t database_pool_size = 0;
  absl::Duration database_acquire_timeout;
  int64_t max_message_bytes = 0;
  absl::Duration queue_stats_interval;  // refresh of the outbound queue gauges
  absl::Duration failed_retention;      // failed outbound jobs kept this long for operators
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  std::string log_level;
};

// Loads from `path` ("" = defaults) and the environment; errors name the key.
// `section` reads the keys under that top-level key of the file (the all-in-one's "storage:").
absl::StatusOr<StorageConfig> LoadConfig(const std::string& path, const std::string& section = "");
// Defaults only (plus environment), for tests and the all-in-one.
StorageConfig DefaultConfig();
// Every key with its default, type, environment variable and help.
std::string DescribeConfig();

}  // namespace tern::storage
