#include "tern/smtp_ingress/run.h"

#include "probe.h"
#include "session.h"
#include "tern/clients/lookup_cache.h"
#include "tern/core/log.h"
#include "tern/core/status.h"
#include "tern/metrics/http_server.h"
#include "tern/metrics/metrics.h"
#include "tern/net/session_io.h"

namespace tern::smtp_ingress {

namespace sp = ::tern::smtp_protocol;

struct SmtpServer::Impl {
  SmtpConfig config;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Probe> probe;
  // Before the clients, so it goes after them: a client waits for its calls in flight, whose
  // callbacks resume coroutines on the server's threads.
  std::unique_ptr<net::Server> server;
  std::shared_ptr<clients::AuthClient> auth;
  std::shared_ptr<clients::StorageClient> storage;
  std::unique_ptr<SessionEnv> env;
  std::unique_ptr<OutboundWorkers> outbound;
  std::unique_ptr<clients::DependencyMonitor> ready;  // backs /readyz
  std::unique_ptr<metrics::HttpServer> http;
  int mx = 0, submission = 0, submissions = 0;
  bool stopped = false;
};

SmtpServer::SmtpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SmtpServer::~SmtpServer() { Stop(absl::ZeroDuration()); }
int SmtpServer::mx_port() const { return impl_->mx; }
int SmtpServer::submission_port() const { return impl_->submission; }
int SmtpServer::submissions_port() const { return impl_->submissions; }
int SmtpServer::http_port() const { return impl_->http->port(); }

absl::StatusOr<std::unique_ptr<SmtpServer>> SmtpServer::Start(
    const SmtpConfig& c, std::shared_ptr<clients::AuthClient> auth,
    std::shared_ptr<clients::StorageClient> storage) {
  auto impl = std::make_unique<Impl>();
  impl->config = c;
  impl->probe = std::make_unique<Probe>(impl->registry);
  impl->auth = auth;
  if (!impl->auth) {
    TERN_ASSIGN_OR_RETURN(impl->auth,
                          clients::MakeGrpcAuthClient(clients::InternalChannel(c, c.auth_target)));
  }
  if (c.lookup_cache_ttl > absl::ZeroDuration()) {
    impl->auth = std::make_shared<clients::CachingAuthClient>(impl->auth, c.lookup_cache_ttl, 100000);
  }
  impl->storage = storage;
  if (!impl->storage) {
    TERN_ASSIGN_OR_RETURN(impl->storage, clients::MakeGrpcStorageClient(
                                             clients::InternalChannel(c, c.storage_target)));
  }
  TERN_ASSIGN_OR_RETURN(auto plaintext, net::Networks::Parse(c.plaintext_auth_networks));
  TERN_ASSIGN_OR_RETURN(auto relay, net::Networks::Parse(c.relay_networks));
  TERN_ASSIGN_OR_RETURN(auto proxies, net::Networks::Parse(c.proxy_networks));
  sp::Limits limits;
  limits.max_message_size = static_cast<uint64_t>(c.max_message_bytes);
  limits.max_bdat_chunk = static_cast<uint64_t>(c.max_message_bytes);
  limits.max_recipients = static_cast<size_t>(c.max_recipients);
  limits.max_text_line = static_cast<size_t>(c.max_line_length);
  impl->env.reset(new SessionEnv{impl->config, limits, plaintext, relay, *impl->auth,
                                 *impl->storage, *impl->probe});
  if (c.outbound_enabled) {
    impl->outbound = std::make_unique<OutboundWorkers>(impl->config, *impl->auth, *impl->storage,
                                                       *impl->probe);
    impl->env->outbound = impl->outbound.get();
  }
  TERN_ASSIGN_OR_RETURN(impl->server,
                        net::MakeServer([&] {
                          net::ServerSettings settings = net::SettingsOf(c);
                          settings.per_ip_exempt = relay;
                          return settings;
                        }()));
  Probe* probe = impl->probe.get();
  auto listen = [&](const std::string& name, const std::string& addr, Role role,
                    bool implicit) -> absl::StatusOr<int> {
    SessionEnv* env = impl->env.get();
    probe->Listener(name);
    return impl->server->Listen(
        {.name = name,
         .listen = addr,
         .implicit_tls = implicit,
         .proxy_from = proxies,
         .reject =
             [probe, name](net::RejectReason r) {
               probe->Rejected(name, r == net::RejectReason::kDraining ? "draining" : "limit");
               return r == net::RejectReason::kDraining
                          ? sp::Format(sp::StandardReply(sp::ReplyId::kShuttingDown))
                          : sp::Format(sp::Reply{421, "4.7.0", {"Too many connections; try again later"}});
             },
         .timeout_reply = sp::Format(sp::StandardReply(sp::ReplyId::kTimeout))},
        [env, role](std::shared_ptr<net::Connection> conn) { return RunSession(*env, role, conn); });
  };
  if (!c.mx_listen.empty()) {
    TERN_ASSIGN_OR_RETURN(impl->mx, listen("mx", c.mx_listen, Role::kMx, false));
  }
  if (!c.submission_listen.empty()) {
    TERN_ASSIGN_OR_RETURN(impl->submission,
                          listen("submission", c.submission_listen, Role::kSubmission, false));
  }
  if (!c.submissions_listen.empty()) {
    if (impl->server->has_tls()) {
      TERN_ASSIGN_OR_RETURN(impl->submissions, listen("submissions", c.submissions_listen,
                                                      Role::kSubmissions, true));
    } else {
      log::Warn("submissions (implicit TLS) listener off: no tls.cert_file");
    }
  }
  // Ready while auth and storage answer (checked every 2 s, so /readyz never dials).
  impl->ready = clients::MonitorBackends(impl->auth, impl->storage);
  metrics::HttpServerOptions http_options;
  if (auto tls = impl->server->tls_contexts()) {
    http_options.before_scrape =
        metrics::CertificateExpiryGauge(*impl->registry, [tls] { return tls->NotAfter(); });
  }
  impl->http = std::make_unique<metrics::HttpServer>(
      impl->registry, [m = impl->ready.get()] { return m->Ready(); }, http_options);
  TERN_RETURN_IF_ERROR(Annotate(impl->http->Start(c.http_listen), "http.listen"));
  if (impl->outbound) impl->outbound->Start();
  log::Info("smtp-ingress started", {{"mx", std::to_string(impl->mx)},
                                     {"submission", std::to_string(impl->submission)},
                                     {"submissions", std::to_string(impl->submissions)}});
  return std::unique_ptr<SmtpServer>(new SmtpServer(std::move(impl)));
}

void SmtpServer::Stop(absl::Duration grace) {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->ready->Drain();  // /readyz fails first, so load balancers stop sending
  // Workers and sessions wind down together, within one grace period.
  const absl::Time end = absl::Now() + grace;
  if (impl_->outbound) impl_->outbound->BeginStop();
  impl_->server->Drain(grace);
  if (impl_->outbound) impl_->outbound->Stop(std::max(absl::ZeroDuration(), end - absl::Now()));
  impl_->http->Stop();
  log::Info("smtp-ingress stopped");
}

absl::Status Run(const SmtpConfig& config, const StopToken& stop) {
  TERN_ASSIGN_OR_RETURN(auto server, SmtpServer::Start(config));
  stop.Wait();
  server->Stop(config.drain_grace);
  return absl::OkStatus();
}

}  // namespace tern::smtp_ingress
