#include "tern/auth/config.h"

#include "tern/config/config.h"

namespace tern::auth {
namespace {

const config::Schema<AuthConfig>& Schema() {
  static const auto* schema = [] {
    using C = AuthConfig;
    auto* s = new config::Schema<C>("TERN_AUTH");
    s->String("grpc.listen", &C::grpc_listen, "127.0.0.1:7002", "gRPC listen address",
              config::HostPort())
        .String("http.listen", &C::http_listen, "127.0.0.1:9102",
                "HTTP address for /metrics, /livez, /readyz", config::HostPort())
        .Secret("database.url", &C::database_url, "", "PostgreSQL URL (required)")
        .Bool("migrate_only", &C::migrate_only, false,
              "apply the schema migrations and exit (the Helm chart's pre-install/upgrade Job)")
        .Int("database.pool_size", &C::database_pool_size, 8, "PostgreSQL connections",
             config::Range(1, 512))
        .Secret("admin.token", &C::admin_token, "",
                "bearer token for the admin API (empty: admin API refuses every call)")
        .Secret("apop.key", &C::apop_key, "",
                "64 hex digits: the AES-256 key that encrypts APOP secrets (empty: no APOP)")
        .Int("argon2.t_cost", &C::argon2_t_cost, 3, "Argon2id passes", config::Range(1, 100))
        .Int("argon2.m_cost_kib", &C::argon2_m_cost_kib, 65536, "Argon2id memory in KiB",
             config::Range(8, 4 << 20))
        .Int("argon2.parallelism", &C::argon2_parallelism, 1, "Argon2id lanes",
             config::Range(1, 64))
        .Int("argon2.max_parallel", &C::argon2_max_parallel, 2,
             "password hashes computed at once by one process (each takes argon2.m_cost_kib; "
             "further logins wait up to 5s, then get a temporary answer)",
             config::Range(1, 256))
        .Duration("cache.ttl", &C::cache_ttl, absl::Seconds(60),
                  "how long a successful verification is remembered (never the password)")
        .Int("cache.max_entries", &C::cache_max_entries, 10000, "verification cache size",
             config::Range(0, 10000000))
        .Duration("throttle.window", &C::throttle_window, absl::Minutes(15),
                  "failures older than this are forgotten")
        .Int("throttle.free_failures", &C::throttle_free_failures, 3,
             "failures before delays start", config::Range(0, 1000))
        .Duration("throttle.base_delay", &C::throttle_base_delay, absl::Seconds(1),
                  "first delay; doubles with each further failure")
        .Duration("throttle.max_delay", &C::throttle_max_delay, absl::Seconds(60),
                  "longest delay between attempts")
        .Int("throttle.lockout_after", &C::throttle_lockout_after, 10,
             "failures on one account before a lockout", config::Range(1, 100000))
        .Int("throttle.lockout_after_ip", &C::throttle_lockout_after_ip, 50,
             "failures from one client address before a lockout", config::Range(1, 100000))
        .Duration("throttle.lockout", &C::throttle_lockout, absl::Minutes(15), "lockout length")
        .Duration("throttle.known_client_ttl", &C::throttle_known_client_ttl, absl::Hours(24 * 30),
                  "an address an account logged in from within this time is not held back by "
                  "the address-wide throttle")
        .Int("passwords.min_length", &C::password_min_length, 8, "shortest password accepted",
             config::Range(1, 1024))
        .String("storage.target", &C::storage_target, "127.0.0.1:7001",
                "storage service (account mail stores and quotas are kept there)")
        .ClientTls("client_tls", &C::client_tls_ca_file, &C::client_tls_cert_file,
                   &C::client_tls_key_file)
        .TlsFilePair("tls", &C::tls_cert_file, &C::tls_key_file, "for gRPC")
        .String("tls.client_ca_file", &C::tls_client_ca_file, "",
                "PEM CA; when set, clients must present a certificate it signed (mTLS)")
        .String("log.level", &C::log_level, "info", "debug, info, warn or error",
                config::OneOf({"debug", "info", "warn", "error"}));
    return s;
  }();
  return *schema;
}

}  // namespace

absl::StatusOr<AuthConfig> LoadConfig(const std::string& path, const std::string& section) {
  auto c = section.empty() ? Schema().Load(path) : Schema().LoadSection(path, section);
  if (!c.ok()) return c.status();
  if (c->database_url.empty()) {
    return absl::InvalidArgumentError(
        "database.url: required (set it in the file or TERN_AUTH_DATABASE_URL)");
  }
  if (!c->apop_key.empty()) {
    bool hex = c->apop_key.size() == 64;
    for (char ch : c->apop_key) hex = hex && std::isxdigit(static_cast<unsigned char>(ch));
    if (!hex) return absl::InvalidArgumentError("apop.key: must be 64 hex digits");
  }
  return c;
}

std::string DescribeConfig() { return Schema().Describe(); }

}  // namespace tern::auth
