#include "tern/pop3_gateway/config.h"

#include "tern/config/config.h"

namespace tern::pop3_gateway {
namespace {

const config::Schema<Pop3Config>& Schema() {
  static const auto* schema = [] {
    using C = Pop3Config;
    auto* s = new config::Schema<C>("TERN_POP3");
    s->String("hostname", &C::hostname, config::LocalHostname(), "name in the APOP banner")
        .String("pop3.listen", &C::pop3_listen, "127.0.0.1:1110",
                "POP3 listener (110 role: STLS; empty disables)")
        .String("pop3s.listen", &C::pop3s_listen, "127.0.0.1:1995",
                "POP3S listener (995 role: implicit TLS; needs a certificate)")
        .String("http.listen", &C::http_listen, "127.0.0.1:9104", "metrics and health",
                config::HostPort())
        .TlsFilePair("tls", &C::tls_cert_file, &C::tls_key_file,
                     "for STLS and implicit TLS (re-read when the files change)")
        .String("auth.target", &C::auth_target, "127.0.0.1:7002", "auth service")
        .String("storage.target", &C::storage_target, "127.0.0.1:7001", "storage service")
        .ClientTls("client_tls", &C::client_tls_ca_file, &C::client_tls_cert_file,
                   &C::client_tls_key_file)
        .StringList("auth.plaintext_networks", &C::plaintext_auth_networks, {},
                    "networks allowed to log in without TLS; default none", config::CidrList())
        .StringList("proxy.networks", &C::proxy_networks, {},
                    "load balancers sending a PROXY v1/v2 header; default none", config::CidrList())
        .Bool("apop", &C::apop, true, "offer APOP (for accounts with an APOP secret)")
        .Int("limits.max_connections", &C::max_connections, 2000,
             "open connections, per listener (pop3 and pop3s count apart)",
             config::Range(1, 1000000))
        .Int("limits.max_connections_per_ip", &C::max_connections_per_ip, 20,
             "open connections per client address and listener", config::Range(1, 100000))
        .Duration("limits.idle_timeout", &C::idle_timeout, absl::Minutes(10),
                  "autologout timer (RFC 1939: at least 10 minutes)")
        .Duration("limits.total_timeout", &C::total_timeout, absl::Hours(1), "longest session")
        .Duration("limits.first_command_timeout", &C::first_command_timeout, absl::Seconds(30),
                  "from connect (TLS included) until the first command line is complete")
        .Duration("limits.line_timeout", &C::line_timeout, absl::Seconds(60),
                  "from the first byte of a command line until its end (slowloris)")
        .Duration("lease.ttl", &C::lease_ttl, absl::Seconds(60),
                  "maildrop lock lifetime, renewed while the session lives")
        .Duration("drain.grace", &C::drain_grace, absl::Seconds(25),
                  "on SIGTERM: time for sessions to finish before -ERR")
        .String("log.level", &C::log_level, "info", "debug, info, warn or error",
                config::OneOf({"debug", "info", "warn", "error"}));
    return s;
  }();
  return *schema;
}

}  // namespace

absl::StatusOr<Pop3Config> LoadConfig(const std::string& path, const std::string& section) {
  auto c = section.empty() ? Schema().Load(path) : Schema().LoadSection(path, section);
  if (!c.ok()) return c.status();
  if (c->lease_ttl < absl::Seconds(3) || c->lease_ttl > absl::Hours(1)) {
    return absl::InvalidArgumentError("lease.ttl: between 3s and 1h");
  }
  return c;
}

std::string DescribeConfig() { return Schema().Describe(); }

}  // namespace tern::pop3_gateway
