// imap-gateway configuration, declared once (defaults beside the names in config.cc). Every key
// can be overridden by TERN_IMAP_<KEY> or read from TERN_IMAP_<KEY>_FILE.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tern::imap_gateway {

struct ImapConfig {
  std::string hostname;  // in the greeting and the ID response
  std::string imap_listen;    // 143 role: STARTTLS
  std::string imaps_listen;   // 993 role: implicit TLS (needs a certificate)
  std::string http_listen;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string auth_target;
  std::string storage_target;
  // How it dials auth and storage (client_tls.*): CA, and a client certificate for mTLS.
  std::string client_tls_ca_file;
  std::string client_tls_cert_file;
  std::string client_tls_key_file;
  std::vector<std::string> plaintext_auth_networks;
  std::vector<std::string> proxy_networks;
  int64_t max_connections = 0;
  int64_t max_connections_per_ip = 0;
  absl::Duration idle_timeout;
  absl::Duration total_timeout;
  absl::Duration first_command_timeout;
  absl::Duration line_timeout;
  int64_t max_commands_before_login = 0;
  absl::Duration drain_grace;
  std::string log_level;
};

absl::StatusOr<ImapConfig> LoadConfig(const std::string& path, const std::string& section = "");
std::string DescribeConfig();

}  // namespace tern::imap_gateway
