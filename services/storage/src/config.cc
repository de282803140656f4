#include "tern/config/config.h"

#include "tern/storage/config.h"

namespace tern::storage {
namespace {

const config::Schema<StorageConfig>& Schema() {
  static const auto* schema = [] {
    auto* s = new config::Schema<StorageConfig>("TERN_STORAGE");
    s->String("grpc.listen", &StorageConfig::grpc_listen, "127.0.0.1:7001",
              "gRPC listen address (host:port)", config::HostPort())
        .String("http.listen", &StorageConfig::http_listen, "127.0.0.1:9101",
                "HTTP address for /metrics, /livez, /readyz", config::HostPort())
        .Secret("database.url", &StorageConfig::database_url, "",
                "PostgreSQL URL, e.g. postgresql://tern@127.0.0.1:5432/tern (required)")
        .Bool("migrate_only", &StorageConfig::migrate_only, false,
              "apply the schema migrations and exit (the Helm chart's pre-install/upgrade Job)")
        .Int("database.pool_size", &StorageConfig::database_pool_size, 16,
             "PostgreSQL connections kept by this replica", config::Range(1, 512))
        .Duration("database.acquire_timeout", &StorageConfig::database_acquire_timeout,
                  absl::Seconds(5), "wait for a free connection before answering UNAVAILABLE")
        .Int("limits.max_message_bytes", &StorageConfig::max_message_bytes, 50 << 20,
             "largest message accepted", config::Range(1024, 1 << 30))
        .Duration("metrics.queue_interval", &StorageConfig::queue_stats_interval, absl::Seconds(15),
                  "how often the outbound queue gauges are refreshed (one query)",
                  config::Range(absl::Milliseconds(100), absl::Hours(1)))
        .Duration("outbound.failed_retention", &StorageConfig::failed_retention,
                  absl::Hours(24 * 7),
                  "outbound jobs that gave up stay this long for `ternctl queue` (then dropped)",
                  config::Range(absl::Minutes(1), absl::Hours(24 * 365)))
        .TlsFilePair("tls", &StorageConfig::tls_cert_file, &StorageConfig::tls_key_file,
                     "for gRPC")
        .String("tls.client_ca_file", &StorageConfig::tls_client_ca_file, "",
                "PEM CA; when set, clients must present a certificate it signed (mTLS)")
        .String("log.level", &StorageConfig::log_level, "info", "debug, info, warn or error",
                config::OneOf({"debug", "info", "warn", "error"}));
    return s;
  }();
  return *schema;
}

absl::Status Validate(const StorageConfig& c) {
  if (c.database_url.empty()) {
    return absl::InvalidArgumentError(
        "database.url: required (set it in the file or TERN_STORAGE_DATABASE_URL)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StorageConfig> LoadConfig(const std::string& path, const std::string& section) {
  auto c = section.empty() ? Schema().Load(path) : Schema().LoadSection(path, section);
  if (!c.ok()) return c.status();
  if (auto s = Validate(*c); !s.ok()) return s;
  return c;
}

StorageConfig DefaultConfig() {
  auto c = Schema().Load("");
  return c.ok() ? *c : StorageConfig{};
}

std::string DescribeConfig() { return Schema().Describe(); }

}  // namespace tern::storage
