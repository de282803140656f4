#include "tern/imap_gateway/run.h"

#include "probe.h"
#include "session.h"
#include "tern/core/log.h"
#include "tern/core/status.h"
#include "tern/metrics/http_server.h"
#include "tern/metrics/metrics.h"
#include "tern/net/session_io.h"

namespace tern::imap_gateway {


struct ImapServer::Impl {
  ImapConfig config;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Probe> probe;
  // Before the clients, so it goes after them: a client waits for its calls in flight, whose
  // callbacks resume coroutines on the server's threads.
  std::unique_ptr<net::Server> server;
  std::shared_ptr<clients::AuthClient> auth;
  std::shared_ptr<clients::StorageClient> storage;
  std::shared_ptr<clients::MailStore> store;
  std::unique_ptr<clients::ChangeFeed> feed;
  std::shared_ptr<clients::HintSource> hints;  // given by a test instead of the feed
  std::unique_ptr<SessionEnv> env;
  std::unique_ptr<clients::DependencyMonitor> ready;  // backs /readyz
  std::unique_ptr<metrics::HttpServer> http;
  int imap = 0, imaps = 0;
  bool stopped = false;
};

ImapServer::ImapServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImapServer::~ImapServer() { Stop(absl::ZeroDuration()); }
int ImapServer::imap_port() const { return impl_->imap; }
int ImapServer::imaps_port() const { return impl_->imaps; }
int ImapServer::http_port() const { return impl_->http->port(); }

absl::StatusOr<std::unique_ptr<ImapServer>> ImapServer::Start(
    const ImapConfig& c, std::shared_ptr<clients::AuthClient> auth,
    std::shared_ptr<clients::StorageClient> storage, std::shared_ptr<clients::MailStore> store,
    std::shared_ptr<clients::HintSource> hints) {
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
  impl->store = store;
  if (!impl->store) {
    TERN_ASSIGN_OR_RETURN(impl->store, clients::MakeGrpcMailStore(
                                           clients::InternalChannel(c, c.storage_target)));
  }
  impl->hints = hints;
  if (!impl->hints) {
    TERN_ASSIGN_OR_RETURN(impl->feed, clients::ChangeFeed::Start(
                                          clients::InternalChannel(c, c.storage_target)));
  }
  clients::HintSource* feed = impl->hints ? impl->hints.get() : impl->feed.get();
  TERN_ASSIGN_OR_RETURN(auto plaintext, net::Networks::Parse(c.plaintext_auth_networks));
  TERN_ASSIGN_OR_RETURN(auto proxies, net::Networks::Parse(c.proxy_networks));
  impl->env.reset(new SessionEnv{impl->config, imap_protocol::Limits{}, plaintext, *impl->auth,
                                 *impl->store, feed, *impl->probe});
  TERN_ASSIGN_OR_RETURN(impl->server,
                        net::MakeServer(net::SettingsOf(c)));
  SessionEnv* env = impl->env.get();
  auto listen = [&](const std::string& name, const std::string& addr, bool implicit) {
    return impl->server->Listen(
        {.name = name,
         .listen = addr,
         .implicit_tls = implicit,
         .proxy_from = proxies,
         .reject = [](net::RejectReason r) -> std::string {
           return r == net::RejectReason::kDraining ? "* BYE Server shutting down\r\n"
                                                    : "* BYE Too many connections\r\n";
         },
         .timeout_reply = "* BYE Autologout; idle for too long\r\n"},
        [env](std::shared_ptr<net::Connection> conn) { return RunSession(*env, conn); });
  };
  if (!c.imap_listen.empty()) {
    TERN_ASSIGN_OR_RETURN(impl->imap, listen("imap", c.imap_listen, false));
  }
  if (!c.imaps_listen.empty()) {
    if (impl->server->has_tls()) {
      TERN_ASSIGN_OR_RETURN(impl->imaps, listen("imaps", c.imaps_listen, true));
    } else {
      log::Warn("imaps (implicit TLS) listener off: no tls.cert_file");
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
  log::Info("imap-gateway started", {{"imap", std::to_string(impl->imap)},
                                     {"imaps", std::to_string(impl->imaps)}});
  return std::unique_ptr<ImapServer>(new ImapServer(std::move(impl)));
}

void ImapServer::Stop(absl::Duration grace) {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->ready->Drain();  // /readyz fails first, so load balancers stop sending
  impl_->server->Drain(grace);
  // No session is left to want hints: the feed stops before the storage it watches does (the
  // all-in-one stops storage next, and a feed re-dialling a stopped in-process server crashes).
  impl_->feed.reset();
  impl_->http->Stop();
  log::Info("imap-gateway stopped");
}

absl::Status Run(const ImapConfig& config, const StopToken& stop) {
  TERN_ASSIGN_OR_RETURN(auto server, ImapServer::Start(config));
  stop.Wait();
  server->Stop(config.drain_grace);
  return absl::OkStatus();
}

}  // namespace tern::imap_gateway
