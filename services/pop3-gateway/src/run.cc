#include "tern/pop3_gateway/run.h"

#include "probe.h"
#include "session.h"
#include "tern/core/log.h"
#include "tern/core/status.h"
#include "tern/metrics/http_server.h"
#include "tern/metrics/metrics.h"
#include "tern/net/session_io.h"

namespace tern::pop3_gateway {

namespace pp = ::tern::pop3_protocol;

struct Pop3Server::Impl {
  Pop3Config config;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Probe> probe;
  // Before the clients, so it goes after them: a client waits for its calls in flight, whose
  // callbacks resume coroutines on the server's threads.
  std::unique_ptr<net::Server> server;
  std::shared_ptr<clients::AuthClient> auth;
  std::shared_ptr<clients::StorageClient> storage;
  std::unique_ptr<SessionEnv> env;
  std::unique_ptr<clients::DependencyMonitor> ready;  // backs /readyz
  std::unique_ptr<metrics::HttpServer> http;
  int pop3 = 0, pop3s = 0;
  bool stopped = false;
};

Pop3Server::Pop3Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pop3Server::~Pop3Server() { Stop(absl::ZeroDuration()); }
int Pop3Server::pop3_port() const { return impl_->pop3; }
int Pop3Server::pop3s_port() const { return impl_->pop3s; }
int Pop3Server::http_port() const { return impl_->http->port(); }

absl::StatusOr<std::unique_ptr<Pop3Server>> Pop3Server::Start(
    const Pop3Config& c, std::shared_ptr<clients::AuthClient> auth,
    std::shared_ptr<clients::StorageClient> storage) {
  auto impl = std::make_unique<Impl>();
  impl->config = c;
  impl->probe = std::make_unique<Probe>(impl->registry);
  impl->auth = auth;
  if (!impl->auth) {
    TERN_ASSIGN_OR_RETURN(impl->auth,
                          clients::MakeGrpcAuthClient(clients::InternalChannel(c, c.auth_target)));
  }
  impl->storage = storage;
  if (!impl->storage) {
    TERN_ASSIGN_OR_RETURN(impl->storage, clients::MakeGrpcStorageClient(
                                             clients::InternalChannel(c, c.storage_target)));
  }
  TERN_ASSIGN_OR_RETURN(auto plaintext, net::Networks::Parse(c.plaintext_auth_networks));
  TERN_ASSIGN_OR_RETURN(auto proxies, net::Networks::Parse(c.proxy_networks));
  impl->env.reset(new SessionEnv{impl->config, pp::Limits{}, plaintext, *impl->auth,
                                 *impl->storage, *impl->probe});
  TERN_ASSIGN_OR_RETURN(impl->server,
                        net::MakeServer(net::SettingsOf(c)));
  SessionEnv* env = impl->env.get();
  auto listen = [&](const std::string& name, const std::string& addr, bool implicit) {
    return impl->server->Listen(
        {.name = name,
         .listen = addr,
         .implicit_tls = implicit,
         .proxy_from = proxies,
         .reject = [](net::RejectReason r) {
           return pp::Format(pp::StandardReply(r == net::RejectReason::kDraining
                                                   ? pp::ReplyId::kShuttingDown
                                                   : pp::ReplyId::kTooManyConnections));
         },
         .timeout_reply = pp::Format(pp::StandardReply(pp::ReplyId::kTimeout))},
        [env](std::shared_ptr<net::Connection> conn) { return RunSession(*env, conn); });
  };
  if (!c.pop3_listen.empty()) {
    TERN_ASSIGN_OR_RETURN(impl->pop3, listen("pop3", c.pop3_listen, false));
  }
  if (!c.pop3s_listen.empty()) {
    if (impl->server->has_tls()) {
      TERN_ASSIGN_OR_RETURN(impl->pop3s, listen("pop3s", c.pop3s_listen, true));
    } else {
      log::Warn("pop3s (implicit TLS) listener off: no tls.cert_file");
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
  log::Info("pop3-gateway started", {{"pop3", std::to_string(impl->pop3)},
                                     {"pop3s", std::to_string(impl->pop3s)}});
  return std::unique_ptr<Pop3Server>(new Pop3Server(std::move(impl)));
}

void Pop3Server::Stop(absl::Duration grace) {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->ready->Drain();  // /readyz fails first, so load balancers stop sending
  impl_->server->Drain(grace);
  impl_->http->Stop();
  log::Info("pop3-gateway stopped");
}

absl::Status Run(const Pop3Config& config, const StopToken& stop) {
  TERN_ASSIGN_OR_RETURN(auto server, Pop3Server::Start(config));
  stop.Wait();
  server->Stop(config.drain_grace);
  return absl::OkStatus();
}

}  // namespace tern::pop3_gateway
