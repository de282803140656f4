// smtp-ingress configuration, declared once (defaults beside the names in config.cc). Every key
// can be overridden by TERN_SMTP_<KEY> or read from TERN_SMTP_<KEY>_FILE.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tern::smtp_ingress {

struct SmtpConfig {
  std::string hostname;              // greeting, EHLO and Received headers
  std::string mx_listen;             // port 25 role; empty disables
  std::string submission_listen;     // port 587 role: AUTH required, STARTTLS
  std::string submissions_listen;    // port 465 role: implicit TLS, AUTH required
  std::string http_listen;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string auth_target;
  std::string storage_target;
  std::vector<std::string> plaintext_auth_networks;  // may AUTH without TLS (CIDR)
  std::vector<std::string> relay_networks;           // may relay without AUTH (CIDR)
  std::vector<std::string> proxy_networks;           // load balancers sending PROXY v1/v2
  int64_t max_message_bytes = 0;
  int64_t max_recipients = 0;
  int64_t max_connections = 0;
  int64_t max_connections_per_ip = 0;
  int64_t max_errors = 0;
  absl::Duration idle_timeout;
  absl::Duration total_timeout;
  absl::Duration drain_grace;
  int64_t rpc_threads = 0;
  std::string log_level;
};

absl::StatusOr<SmtpConfig> LoadConfig(const std::string& path, const std::string& section = "");
std::string DescribeConfig();

}  // namespace tern::smtp_ingress
