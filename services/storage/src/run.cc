#include "tern/storage/run.h"

#include <thread>

#include "absl/synchronization/mutex.h"

#include "tern/pg/pool.h"
#include "tern/pg/migrate.h"
#include "probe.h"
#include "service.h"
#include "store.h"
#include "tern/core/log.h"
#include "tern/core/status.h"
#include "tern/metrics/http_server.h"
#include "tern/rpc/server.h"
#include "watch_hub.h"

namespace tern::storage {

// Generated from migrations/*.sql.
const std::vector<pg::Migration>& Migrations();

struct StorageServer::Impl {
  StorageConfig config;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Probe> probe;
  std::unique_ptr<pg::Pool> db;
  std::unique_ptr<MailStore> store;
  std::unique_ptr<WatchHub> hub;
  std::unique_ptr<StorageService> service;
  std::unique_ptr<rpc::Server> grpc;
  std::unique_ptr<metrics::HttpServer> http;
  bool stopped = false;
  // Refreshes the outbound queue gauges (a query per interval, whoever scrapes) and drops
  // failed jobs past their retention.
  std::thread queue_stats;
  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;

  void QueueStatsLoop() {
    for (;;) {
      auto expired = store->ExpireFailedOutbound(config.failed_retention);
      if (expired.ok() && *expired > 0) {
        log::Info("outbound: expired failed jobs", {{"jobs", std::to_string(*expired)}});
      }
      auto stats = store->OutboundStats();
      if (stats.ok()) {
        for (const auto& [state, q] : *stats) probe->OutboundQueue(state, q.jobs, q.oldest_seconds);
      }
      absl::MutexLock lock(&mu);
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return stopping; };
      if (mu.AwaitWithTimeout(absl::Condition(&stop), config.queue_stats_interval)) return;
    }
  }
};

StorageServer::StorageServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StorageServer::~StorageServer() { Stop(0); }

int StorageServer::grpc_port() const { return impl_->grpc->port(); }
std::shared_ptr<grpc::Channel> StorageServer::InProcessChannel() { return impl_->grpc->InProcessChannel(); }
int StorageServer::http_port() const { return impl_->http->port(); }

namespace {
// Every replica migrates at start under one advisory lock (concurrent starts are safe); the
// chart's Job does it before an upgrade rolls, so new replicas find nothing to do.
absl::Status MigrateSchema(const std::string& url) {
  // Any 64-bit constant unique to Tern's storage schema ("ternST").
  constexpr int64_t kMigrationLock = 0x7465726e5354;
  return Annotate(pg::Migrate(url, "storage_schema_migrations", kMigrationLock, Migrations()),
                  "migrations");
}
}  // namespace

absl::StatusOr<std::unique_ptr<StorageServer>> StorageServer::Start(const StorageConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  TERN_RETURN_IF_ERROR(MigrateSchema(config.database_url));
  impl->probe = std::make_unique<Probe>(impl->registry);
  impl->db = std::make_unique<pg::Pool>(
      pg::PoolOptions{.url = config.database_url,
                      .size = static_cast<int>(config.database_pool_size),
                      .acquire_timeout = config.database_acquire_timeout,
                      .metric_prefix = "tern_storage"},
      *impl->registry);
  StoreLimits limits;
  limits.max_message_bytes = static_cast<uint64_t>(config.max_message_bytes);
  impl->hub = std::make_unique<WatchHub>(config.database_url, *impl->probe);
  impl->hub->Start();
  // Watch streams are served only once hints can flow (readiness says the same later on).
  if (!impl->hub->WaitListening(absl::Seconds(10))) {
    log::Warn("change feed not listening yet; watchers will re-read when it is");
  }
  impl->store = std::make_unique<MailStore>(*impl->db, *impl->probe, *impl->hub, limits);
  impl->service = std::make_unique<StorageService>(*impl->store, *impl->hub, *impl->probe);
  rpc::ServerOptions options;
  options.listen = config.grpc_listen;
  options.tls = {config.tls_cert_file, config.tls_key_file, config.tls_client_ca_file};
  options.max_message_bytes = static_cast<int>(std::min<int64_t>(
      config.max_message_bytes + (1 << 20), std::numeric_limits<int>::max()));
  TERN_ASSIGN_OR_RETURN(impl->grpc, rpc::Server::Start(options, {impl->service.get()}));
  pg::Pool* db = impl->db.get();
  WatchHub* hub = impl->hub.get();
  impl->http = std::make_unique<metrics::HttpServer>(impl->registry, [db, hub]() -> absl::Status {
    TERN_RETURN_IF_ERROR(Annotate(db->Ping(), "database"));
    if (!hub->listening()) return absl::UnavailableError("change feed: not listening");
    return absl::OkStatus();
  });
  TERN_RETURN_IF_ERROR(Annotate(impl->http->Start(config.http_listen), "http.listen"));
  impl->queue_stats = std::thread([i = impl.get()] { i->QueueStatsLoop(); });
  log::Info("storage started", {{"grpc", config.grpc_listen.substr(0, config.grpc_listen.rfind(':')) +
                                             ":" + std::to_string(impl->grpc->port())},
                                {"http", std::to_string(impl->http->port())}});
  return std::unique_ptr<StorageServer>(new StorageServer(std::move(impl)));
}

void StorageServer::Stop(int grace_ms) {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->stopping = true;
  }
  if (impl_->queue_stats.joinable()) impl_->queue_stats.join();
  impl_->service->EndWatches();
  impl_->grpc->Shutdown(grace_ms);
  impl_->hub->Stop();
  impl_->http->Stop();
  log::Info("storage stopped");
}

absl::Status Run(const StorageConfig& config, const StopToken& stop) {
  if (config.migrate_only) {
    TERN_RETURN_IF_ERROR(MigrateSchema(config.database_url));
    log::Info("storage schema migrated; exiting (migrate_only)");
    return absl::OkStatus();
  }
  TERN_ASSIGN_OR_RETURN(auto server, StorageServer::Start(config));
  stop.Wait();
  server->Stop();
  return absl::OkStatus();
}

}  // namespace tern::storage
