#include "tern/imap_gateway/config.h"

#include "tern/config/config.h"

namespace tern::imap_gateway {
namespace {

const config::Schema<ImapConfig>& Schema() {
  static const auto* schema = [] {
    using C = ImapConfig;
    auto* s = new config::Schema<C>("TERN_IMAP");
    s->String("hostname", &C::hostname, config::LocalHostname(), "name in the greeting")
        .String("imap.listen", &C::imap_listen, "127.0.0.1:1143",
                "IMAP listener (143 role: STARTTLS; empty disables)")
        .String("imaps.listen", &C::imaps_listen, "127.0.0.1:1993",
                "IMAPS listener (993 role: implicit TLS; needs a certificate)")
        .String("http.listen", &C::http_listen, "127.0.0.1:9105", "metrics and health",
                config::HostPort())
        .TlsFilePair("tls", &C::tls_cert_file, &C::tls_key_file,
                     "for STARTTLS and implicit TLS (re-read when the files change)")
        .String("auth.target", &C::auth_target, "127.0.0.1:7002", "auth service")
        .String("storage.target", &C::storage_target, "127.0.0.1:7001", "storage service")
        .ClientTls("client_tls", &C::client_tls_ca_file, &C::client_tls_cert_file,
                   &C::client_tls_key_file)
        .StringList("auth.plaintext_networks", &C::plaintext_auth_networks, {},
                    "networks allowed to log in without TLS; default none", config::CidrList())
        .StringList("proxy.networks", &C::proxy_networks, {},
                    "load balancers sending a PROXY v1/v2 header; default none", config::CidrList())
        .Int("limits.max_connections", &C::max_connections, 10000,
             "open connections, per listener (imap and imaps count apart)",
             config::Range(1, 1000000))
        .Int("limits.max_connections_per_ip", &C::max_connections_per_ip, 50,
             "open connections per client address and listener", config::Range(1, 100000))
        .Duration("limits.idle_timeout", &C::idle_timeout, absl::Minutes(30),
                  "autologout timer, IDLE included (RFC 3501 5.4: at least 30 minutes)")
        .Duration("limits.total_timeout", &C::total_timeout, absl::Hours(24), "longest session")
        .Duration("limits.first_command_timeout", &C::first_command_timeout, absl::Seconds(60),
                  "from connect (TLS included) until the first command is complete")
        .Duration("limits.line_timeout", &C::line_timeout, absl::Seconds(120),
                  "from the first byte of a command until its end (slowloris); a literal restarts it "
                  "every 64 KiB it brings")
        .Int("limits.max_commands_before_login", &C::max_commands_before_login, 25,
             "commands a client may send before it logs in; then * BYE", config::Range(3, 10000))
        .Duration("drain.grace", &C::drain_grace, absl::Seconds(25),
                  "on SIGTERM: time for commands under way to finish before * BYE")
        .String("log.level", &C::log_level, "info", "debug, info, warn or error",
                config::OneOf({"debug", "info", "warn", "error"}));
    return s;
  }();
  return *schema;
}

}  // namespace

absl::StatusOr<ImapConfig> LoadConfig(const std::string& path, const std::string& section) {
  auto c = section.empty() ? Schema().Load(path) : Schema().LoadSection(path, section);
  if (!c.ok()) return c.status();
  if (c->idle_timeout < absl::Minutes(30)) {
    // RFC 3501 5.4: an inactivity autologout timer must be at least 30 minutes (IDLE clients
    // re-issue IDLE every 29).
    return absl::InvalidArgumentError("limits.idle_timeout: at least 30m (RFC 3501 5.4)");
  }
  return c;
}

std::string DescribeConfig() { return Schema().Describe(); }

}  // namespace tern::imap_gateway
