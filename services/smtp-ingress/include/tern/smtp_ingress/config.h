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
  // How it dials auth and storage (client_tls.*): CA, and a client certificate for mTLS.
  std::string client_tls_ca_file;
  std::string client_tls_cert_file;
  std::string client_tls_key_file;
  absl::Duration lookup_cache_ttl;
  bool enforce_sender = true;        // authenticated MAIL FROM must be the user's own address   // accepted recipients remembered this long (0: off)
  std::vector<std::string> plaintext_auth_networks;  // may AUTH without TLS (CIDR)
  std::vector<std::string> relay_networks;           // may relay without AUTH (CIDR)
  std::vector<std::string> proxy_networks;           // load balancers sending PROXY v1/v2
  int64_t max_message_bytes = 0;
  int64_t max_line_length = 0;
  int64_t max_recipients = 0;
  int64_t max_connections = 0;
  int64_t max_connections_per_ip = 0;
  int64_t max_errors = 0;
  absl::Duration idle_timeout;
  absl::Duration total_timeout;
  absl::Duration first_command_timeout;
  absl::Duration line_timeout;
  int64_t max_unknown_recipients = 0;
  absl::Duration unknown_recipient_delay;
  absl::Duration drain_grace;
  std::string log_level;

  // Outbound delivery (mail for other domains, from the storage queue).
  bool outbound_enabled = true;       // run delivery workers in this process
  int64_t outbound_workers = 0;       // concurrent deliveries
  int64_t outbound_max_per_domain = 0;  // leased jobs per destination domain, all replicas
  std::string outbound_smarthost;     // "host:port": send everything there instead of MX
  std::string outbound_smarthost_user;      // AUTH PLAIN to the smarthost (only over TLS or
  std::string outbound_smarthost_password;  // to a loopback address)
  int64_t outbound_port = 0;          // port of MX hosts (25; tests point it elsewhere)
  std::string outbound_tls;           // opportunistic, verify or none
  absl::Duration outbound_poll_interval;
  absl::Duration outbound_connect_timeout;
  absl::Duration outbound_timeout;    // each command and reply
  absl::Duration outbound_data_timeout;  // the reply to the end of the message
  absl::Duration outbound_lease;      // how long a claimed job is ours
  absl::Duration outbound_retry_initial;  // backoff: first wait, doubled per attempt...
  absl::Duration outbound_retry_max;      // ...up to this
  absl::Duration outbound_max_age;        // then give up and bounce
  absl::Duration outbound_delay_warning;  // tell the sender once after this long (0: never)
};

absl::StatusOr<SmtpConfig> LoadConfig(const std::string& path, const std::string& section = "");
std::string DescribeConfig();

}  // namespace tern::smtp_ingress
