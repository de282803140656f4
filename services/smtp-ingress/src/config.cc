#include "tern/smtp_ingress/config.h"

#include "tern/config/config.h"

namespace tern::smtp_ingress {
namespace {

const config::Schema<SmtpConfig>& Schema() {
  static const auto* schema = [] {
    using C = SmtpConfig;
    auto* s = new config::Schema<C>("TERN_SMTP");
    s->String("hostname", &C::hostname, config::LocalHostname(),
              "name in the greeting and Received headers")
        .String("mx.listen", &C::mx_listen, "127.0.0.1:2525",
                "MX listener (port 25 role; empty disables)")
        .String("submission.listen", &C::submission_listen, "127.0.0.1:2587",
                "submission listener (587 role: STARTTLS, AUTH required; empty disables)")
        .String("submissions.listen", &C::submissions_listen, "127.0.0.1:2465",
                "submissions listener (465 role: implicit TLS; needs a certificate)")
        .String("http.listen", &C::http_listen, "127.0.0.1:9103", "metrics and health",
                config::HostPort())
        .TlsFilePair("tls", &C::tls_cert_file, &C::tls_key_file,
                     "for STARTTLS and implicit TLS (re-read when the files change)")
        .String("auth.target", &C::auth_target, "127.0.0.1:7002", "auth service")
        .String("storage.target", &C::storage_target, "127.0.0.1:7001", "storage service")
        .ClientTls("client_tls", &C::client_tls_ca_file, &C::client_tls_cert_file,
                   &C::client_tls_key_file)
        .Duration("auth.lookup_cache_ttl", &C::lookup_cache_ttl, absl::Seconds(5),
                  "remember accepted recipients this long (refusals are never cached; 0: off)")
        .Bool("auth.enforce_sender", &C::enforce_sender, true,
              "an authenticated client may only send as an address that reaches its own "
              "account (or <>)")
        .StringList("auth.plaintext_networks", &C::plaintext_auth_networks, {},
                    "networks allowed to AUTH without TLS (e.g. 127.0.0.0/8); default none",
                    config::CidrList())
        .StringList("relay.networks", &C::relay_networks, {},
                    "networks allowed to send to other domains without AUTH; default none",
                    config::CidrList())
        .StringList("proxy.networks", &C::proxy_networks, {},
                    "load balancers whose connections start with a PROXY protocol v1/v2 header "
                    "(CIDR); default none",
                    config::CidrList())
        .Int("limits.max_message_bytes", &C::max_message_bytes, 25 << 20, "SIZE limit",
             config::Range(1024, 1 << 30))
        .Int("limits.max_line_length", &C::max_line_length, 1 << 20,
             "longest line of a message for our own mailboxes, CRLF included (RFC 5322 says "
             "1000, but Outlook and IIS send longer ones; mail relayed to other domains is "
             "held to 1000)",
             config::Range(1000, 1 << 30))
        .Int("limits.max_recipients", &C::max_recipients, 100, "RCPTs per message",
             config::Range(1, 10000))
        .Int("limits.max_unknown_recipients", &C::max_unknown_recipients, 20,
             "RCPTs for unknown users in one session before 421 and close (harvesting; as "
             "Postfix's smtpd_hard_error_limit)",
             config::Range(1, 100000))
        .Duration("limits.unknown_recipient_delay", &C::unknown_recipient_delay, absl::Seconds(1),
                  "pause before answering each unknown recipient after the first 5 of a session "
                  "(as Postfix's smtpd_error_sleep_time)")
        .Int("limits.max_connections", &C::max_connections, 2000,
             "open connections, per listener (mx, submission and submissions count apart)",
             config::Range(1, 1000000))
        .Int("limits.max_connections_per_ip", &C::max_connections_per_ip, 50,
             "open connections per client address and listener (as Postfix's default; "
             "relay.networks are not limited)",
             config::Range(1, 100000))
        .Int("limits.max_errors", &C::max_errors, 20, "bad commands before the session is closed",
             config::Range(1, 1000))
        .Duration("limits.idle_timeout", &C::idle_timeout, absl::Minutes(5),
                  "close a silent client after this long")
        .Duration("limits.total_timeout", &C::total_timeout, absl::Hours(1), "longest session")
        .Duration("limits.first_command_timeout", &C::first_command_timeout, absl::Seconds(30),
                  "from connect (TLS included) until the first command line is complete")
        .Duration("limits.line_timeout", &C::line_timeout, absl::Seconds(60),
                  "from the first byte of a command line until its end (slowloris)")
        .Duration("drain.grace", &C::drain_grace, absl::Seconds(25),
                  "on SIGTERM: time to finish transactions before 421")
        .String("log.level", &C::log_level, "info", "debug, info, warn or error",
                config::OneOf({"debug", "info", "warn", "error"}))
        .Bool("outbound.enabled", &C::outbound_enabled, true,
              "run outbound delivery workers here (any number of replicas may)")
        .Int("outbound.workers", &C::outbound_workers, 4, "concurrent outbound deliveries",
             config::Range(1, 256))
        .Int("outbound.max_per_domain", &C::outbound_max_per_domain, 20,
             "parallel deliveries to one destination domain, over all replicas (0: no limit)",
             config::Range(0, 10000))
        .String("outbound.smarthost", &C::outbound_smarthost, "",
                "host:port to relay all outbound mail through (empty: MX lookup)")
        .String("outbound.smarthost_user", &C::outbound_smarthost_user, "",
                "AUTH PLAIN user for the smarthost (empty: no AUTH)")
        .Secret("outbound.smarthost_password", &C::outbound_smarthost_password, "",
                "AUTH PLAIN password for the smarthost")
        .Int("outbound.port", &C::outbound_port, 25, "SMTP port of MX hosts",
             config::Range(1, 65535))
        .String("outbound.tls", &C::outbound_tls, "opportunistic",
                "opportunistic (STARTTLS when offered, certificate not checked), verify "
                "(STARTTLS required, certificate checked) or none",
                config::OneOf({"opportunistic", "verify", "none"}))
        .Duration("outbound.poll_interval", &C::outbound_poll_interval, absl::Seconds(2),
                  "how often idle workers look for due jobs",
                  config::Range(absl::Milliseconds(50), absl::Minutes(10)))
        .Duration("outbound.connect_timeout", &C::outbound_connect_timeout, absl::Seconds(30),
                  "TCP connect to a remote server")
        .Duration("outbound.timeout", &C::outbound_timeout, absl::Minutes(5),
                  "each command, reply and 64 KiB block of the message (RFC 5321 4.5.3.2)")
        .Duration("outbound.data_timeout", &C::outbound_data_timeout, absl::Minutes(10),
                  "the reply after the end of the message (RFC 5321 4.5.3.2.6)")
        .Duration("outbound.lease", &C::outbound_lease, absl::Minutes(15),
                  "how long a claimed job is held by one worker")
        .Duration("outbound.retry_initial", &C::outbound_retry_initial, absl::Minutes(5),
                  "first wait after a temporary failure, doubled per attempt")
        .Duration("outbound.retry_max", &C::outbound_retry_max, absl::Hours(1),
                  "longest wait between attempts")
        .Duration("outbound.max_age", &C::outbound_max_age, absl::Hours(24 * 5),
                  "give up and bounce after this long in the queue")
        .Duration("outbound.delay_warning", &C::outbound_delay_warning, absl::Hours(24),
                  "tell the sender once that a message is delayed after this long (0: never)");
    return s;
  }();
  return *schema;
}

}  // namespace

absl::StatusOr<SmtpConfig> LoadConfig(const std::string& path, const std::string& section) {
  auto c = section.empty() ? Schema().Load(path) : Schema().LoadSection(path, section);
  if (!c.ok()) return c.status();
  if (c->outbound_lease < absl::Minutes(1) || c->outbound_lease > absl::Hours(1)) {
    return absl::InvalidArgumentError("outbound.lease: between 1m and 1h");
  }
  if (c->outbound_retry_initial <= absl::ZeroDuration() ||
      c->outbound_retry_max < c->outbound_retry_initial) {
    return absl::InvalidArgumentError(
        "outbound.retry_initial, outbound.retry_max: positive, initial <= max");
  }
  if (!c->outbound_smarthost_user.empty() && c->outbound_smarthost.empty()) {
    return absl::InvalidArgumentError("outbound.smarthost_user: needs outbound.smarthost");
  }
  return c;
}

std::string DescribeConfig() { return Schema().Describe(); }

}  // namespace tern::smtp_ingress
