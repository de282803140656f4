// The auth service's configuration, declared once (defaults beside the names in config.cc).
// Every key can be overridden by TERN_AUTH_<KEY> or read from the file TERN_AUTH_<KEY>_FILE.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tern::auth {

struct AuthConfig {
  std::string grpc_listen;
  std::string http_listen;
  std::string database_url;
  bool migrate_only = false;  // apply the schema migrations and exit
  int64_t database_pool_size = 0;
  std::string admin_token;        // secret; empty disables the admin API
  std::string apop_key;           // secret; 64 hex digits (AES-256 key) for APOP secrets
  int64_t argon2_t_cost = 0;
  int64_t argon2_m_cost_kib = 0;
  int64_t argon2_parallelism = 0;
  int64_t argon2_max_parallel = 0;
  absl::Duration throttle_known_client_ttl;
  absl::Duration cache_ttl;
  int64_t cache_max_entries = 0;
  absl::Duration throttle_window;
  int64_t throttle_free_failures = 0;
  absl::Duration throttle_base_delay;
  absl::Duration throttle_max_delay;
  int64_t throttle_lockout_after = 0;
  int64_t throttle_lockout_after_ip = 0;
  absl::Duration throttle_lockout;
  int64_t password_min_length = 0;
  std::string storage_target;
  // How it dials auth and storage (client_tls.*): CA, and a client certificate for mTLS.
  std::string client_tls_ca_file;
  std::string client_tls_cert_file;
  std::string client_tls_key_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  std::string log_level;
};

// Loads from `path` ("" = defaults) and the environment; errors name the key. `section` reads
// the keys under that top-level key of the file (the all-in-one's "auth:").
absl::StatusOr<AuthConfig> LoadConfig(const std::string& path, const std::string& section = "");
std::string DescribeConfig();

}  // namespace tern::auth
