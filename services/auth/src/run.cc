#include "tern/auth/run.h"

#include "directory.h"
#include "login.h"
#include "probe.h"
#include "service.h"
#include "tern/core/log.h"
#include "tern/clients/clients.h"
#include "tern/core/status.h"
#include "tern/metrics/http_server.h"
#include "tern/pg/migrate.h"
#include "tern/rpc/server.h"

namespace tern::auth {

// Generated from migrations/*.sql.
const std::vector<pg::Migration>& Migrations();

struct AuthServer::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Probe> probe;
  std::unique_ptr<rpc::ServerMetrics> rpc_metrics;
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<MailStores> stores;
  SecretBox box;
  std::unique_ptr<VerifyCache> cache;
  std::unique_ptr<Directory> directory;
  std::unique_ptr<Login> login;
  std::unique_ptr<AuthService> auth_service;
  std::unique_ptr<AdminService> admin_service;
  std::unique_ptr<rpc::Server> grpc;
  std::unique_ptr<metrics::HttpServer> http;
  bool stopped = false;
};

AuthServer::AuthServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuthServer::~AuthServer() { Stop(0); }
int AuthServer::grpc_port() const { return impl_->grpc->port(); }
std::shared_ptr<grpc::Channel> AuthServer::InProcessChannel() { return impl_->grpc->InProcessChannel(); }
int AuthServer::http_port() const { return impl_->http->port(); }

namespace {
// As storage's: at every start under an advisory lock, and by the chart's Job before upgrades.
absl::Status MigrateSchema(const std::string& url) {
  constexpr int64_t kMigrationLock = 0x7465726e4155;  // "ternAU"
  return Annotate(pg::Migrate(url, "auth_schema_migrations", kMigrationLock, Migrations()),
                  "migrations");
}
}  // namespace

absl::StatusOr<std::unique_ptr<AuthServer>> AuthServer::Start(const AuthConfig& c,
                                                              const Clock& clock) {
  auto impl = std::make_unique<Impl>();
  TERN_RETURN_IF_ERROR(MigrateSchema(c.database_url));
  impl->probe = std::make_unique<Probe>(impl->registry);
  impl->rpc_metrics = std::make_unique<rpc::ServerMetrics>(*impl->registry, "tern_auth");
  impl->pool = std::make_unique<pg::Pool>(
      pg::PoolOptions{.url = c.database_url,
                      .size = static_cast<int>(c.database_pool_size),
                      .metric_prefix = "tern_auth"},
      *impl->registry);
  TERN_ASSIGN_OR_RETURN(impl->stores,
                        MakeGrpcMailStores(clients::InternalChannel(c, c.storage_target)));
  TERN_ASSIGN_OR_RETURN(impl->box, SecretBox::FromHexKey(c.apop_key));
  Argon2Params argon2{static_cast<uint32_t>(c.argon2_t_cost),
                      static_cast<uint32_t>(c.argon2_m_cost_kib),
                      static_cast<uint32_t>(c.argon2_parallelism)};
  impl->cache = std::make_unique<VerifyCache>(clock, c.cache_ttl,
                                              static_cast<size_t>(c.cache_max_entries));
  impl->directory = std::make_unique<Directory>(
      *impl->pool, *impl->stores, impl->box,
      DirectoryOptions{.argon2 = argon2,
                       .password_min_length = static_cast<size_t>(c.password_min_length)});
  ThrottlePolicy account{c.throttle_window,     static_cast<int>(c.throttle_free_failures),
                         c.throttle_base_delay, c.throttle_max_delay,
                         static_cast<int>(c.throttle_lockout_after), c.throttle_lockout};
  ThrottlePolicy ip = account;
  ip.lockout_after = static_cast<int>(c.throttle_lockout_after_ip);
  ip.free_failures = std::max<int>(account.free_failures, ip.lockout_after / 2);
  impl->login = std::make_unique<Login>(*impl->pool, clock, *impl->probe, *impl->cache, impl->box,
                                        argon2,
                                        LoginPolicy{.account = account,
                                                    .ip = ip,
                                                    .known_client_ttl = c.throttle_known_client_ttl,
                                                    .max_parallel_hashes =
                                                        static_cast<int>(c.argon2_max_parallel)});
  impl->auth_service =
      std::make_unique<AuthService>(*impl->directory, *impl->login, *impl->rpc_metrics);
  impl->admin_service =
      std::make_unique<AdminService>(*impl->directory, c.admin_token, *impl->rpc_metrics);
  if (c.admin_token.empty()) {
    log::Warn("admin.token is empty: the admin API refuses every call");
  }
  rpc::ServerOptions options;
  options.listen = c.grpc_listen;
  options.tls = {c.tls_cert_file, c.tls_key_file, c.tls_client_ca_file};
  options.max_message_bytes = 4 << 20;
  TERN_ASSIGN_OR_RETURN(impl->grpc, rpc::Server::Start(options, {impl->auth_service.get(),
                                                                 impl->admin_service.get()}));
  pg::Pool* pool = impl->pool.get();
  impl->http = std::make_unique<metrics::HttpServer>(impl->registry, [pool]() {
    return Annotate(pool->Ping(), "database");
  });
  TERN_RETURN_IF_ERROR(Annotate(impl->http->Start(c.http_listen), "http.listen"));
  log::Info("auth started", {{"grpc_port", std::to_string(impl->grpc->port())},
                             {"http_port", std::to_string(impl->http->port())}});
  return std::unique_ptr<AuthServer>(new AuthServer(std::move(impl)));
}

void AuthServer::Stop(int grace_ms) {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->grpc->Shutdown(grace_ms);
  impl_->http->Stop();
  log::Info("auth stopped");
}

absl::Status Run(const AuthConfig& config, const StopToken& stop) {
  if (config.migrate_only) {
    TERN_RETURN_IF_ERROR(MigrateSchema(config.database_url));
    log::Info("auth schema migrated; exiting (migrate_only)");
    return absl::OkStatus();
  }
  TERN_ASSIGN_OR_RETURN(auto server, AuthServer::Start(config));
  stop.Wait();
  server->Stop();
  return absl::OkStatus();
}

}  // namespace tern::auth
