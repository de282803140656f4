#include "tern/net/server.h"

#include "tern/core/log.h"
#include "tern/net/proxy.h"

namespace tern::net {

using asio::awaitable;
using asio::use_awaitable;
using std::chrono::steady_clock;

namespace {
steady_clock::duration ToSteady(absl::Duration d) { return absl::ToChronoNanoseconds(d); }
// After a timeout, how long the goodbye may take to write before the socket is just closed.
constexpr auto kGoodbyeTime = std::chrono::seconds(5);
// Refused connections answered at once (implicit TLS: a handshake each, within kRefuseTime);
// beyond that they are closed without a word.
constexpr size_t kMaxRefusing = 64;
constexpr auto kRefuseTime = std::chrono::seconds(10);
}  // namespace

absl::StatusOr<tcp::endpoint> ParseEndpoint(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return absl::InvalidArgumentError("expected host:port: " + listen);
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError("not a numeric address: " + listen);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return absl::InvalidArgumentError("bad port: " + listen);
  }
  if (port < 0 || port > 65535) return absl::InvalidArgumentError("bad port: " + listen);
  return tcp::endpoint(addr, static_cast<unsigned short>(port));
}

Connection::Connection(Server& server, tcp::socket socket, std::string listener,
                       std::shared_ptr<TlsContexts> contexts)
    : server_(server),
      id_(log::NewId("c")),
      listener_(std::move(listener)),
      contexts_(std::move(contexts)),
      timer_(socket.get_executor()) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (!ec) peer_ = ep.address();
  plain_.emplace(std::move(socket));
  auto now = steady_clock::now();
  idle_deadline_ = now + ToSteady(server_.limits_.idle_timeout);
  total_deadline_ = now + ToSteady(server_.limits_.total_timeout);
  line_deadline_ = now + ToSteady(server_.limits_.first_command_timeout);
}

Connection::~Connection() { server_.Forget(this); }

bool Connection::draining() const { return server_.draining_; }

void Connection::Touch() { idle_deadline_ = steady_clock::now() + ToSteady(server_.limits_.idle_timeout); }

void Connection::LinePending() {
  if (line_deadline_ != steady_clock::time_point::max()) return;  // a clock runs already
  line_deadline_ = steady_clock::now() + ToSteady(server_.limits_.line_timeout);
  timer_.cancel();  // the watchdog re-arms for the nearer deadline
}

void Connection::LineDone() {
  first_line_ = false;
  line_deadline_ = steady_clock::time_point::max();
}

steady_clock::time_point Connection::Deadline() const {
  if (timed_out_) return goodbye_deadline_;
  return std::min({idle_deadline_, total_deadline_, line_deadline_});
}

void Connection::Leave() {
  absl::MutexLock lock(&server_.mu_);
  server_.Uncount(this);
}

void Connection::Close() {
  Leave();
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  timer_.cancel();
  tcp::socket& s = tls_ ? tls_->next_layer() : *plain_;
  s.shutdown(tcp::socket::shutdown_both, ec);
  s.close(ec);
}

awaitable<void> Connection::Watchdog() {
  auto self = shared_from_this();
  while (open_) {
    timer_.expires_at(Deadline());
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (!open_) break;
    const auto now = steady_clock::now();
    if (now < Deadline()) continue;  // re-armed (LinePending) or extended (Touch)
    if (timed_out_) {  // the goodbye did not get out in time
      Close();
      break;
    }
    const char* what = now >= total_deadline_ ? "total"
                       : now >= line_deadline_ ? (first_line_ ? "first_command" : "line")
                                               : "idle";
    log::Info("connection timed out",
              {{"conn", id_}, {"listener", listener_}, {"ip", peer_.to_string()}, {"deadline", what}});
    // Wake the session from its read (ReadSome returns 0, the connection still open) so the
    // listener's timeout reply can be written; a pending write fails and closes.
    timed_out_ = true;
    goodbye_deadline_ = now + kGoodbyeTime;
    tcp::socket& s = tls_ ? tls_->next_layer() : *plain_;
    s.cancel(ec);
  }
}

awaitable<bool> Connection::ReadProxyHeader() {
  std::string buf(kMaxProxyHeader, '\0');
  size_t need = 16, seen = 0;
  for (int round = 0; round < 500; ++round) {
    Touch();
    boost::system::error_code ec;
    size_t n = co_await plain_->async_receive(asio::buffer(buf.data(), need),
                                              asio::socket_base::message_peek,
                                              asio::redirect_error(use_awaitable, ec));
    if (ec || n == 0) break;
    ProxyHeader h = ParseProxyHeader(std::string_view(buf.data(), n));
    if (h.kind == ProxyHeader::kInvalid) break;
    if (h.kind == ProxyHeader::kDone) {
      co_await asio::async_read(*plain_, asio::buffer(buf.data(), h.length),
                                asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      if (h.source) {
        if (!server_.Readdress(this, *h.source)) break;
        peer_ = *h.source;
      }
      co_return true;
    }
    need = std::min(h.need, kMaxProxyHeader);
    if (n == seen) {
      // Peeking returns at once while the bytes already there are too few: wait a little.
      asio::steady_timer t(plain_->get_executor(), std::chrono::milliseconds(10));
      co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    seen = n;
  }
  Close();
  co_return false;
}

awaitable<size_t> Connection::ReadSome(char* buf, size_t n) {
  if (!open_ || timed_out_) co_return 0;
  if (interruptible_ && server_.draining_) co_return 0;  // see set_interruptible()
  Touch();
  boost::system::error_code ec;
  size_t got = 0;
  // Two statements, not one ?: with a co_await in each arm: GCC 12 miscompiles that form.
  if (tls_) {
    got = co_await tls_->async_read_some(asio::buffer(buf, n), asio::redirect_error(use_awaitable, ec));
  } else {
    got = co_await plain_->async_read_some(asio::buffer(buf, n), asio::redirect_error(use_awaitable, ec));
  }
  if (ec) {
    const bool woken = ec == asio::error::operation_aborted &&
                       (timed_out_ || (interruptible_ && server_.draining_));
    if (!woken) Close();
    co_return 0;
  }
  co_return got;
}

awaitable<bool> Connection::Write(const std::string& data) {
  if (!open_) co_return false;
  boost::system::error_code ec;
  if (tls_) {
    co_await asio::async_write(*tls_, asio::buffer(data), asio::redirect_error(use_awaitable, ec));
  } else {
    co_await asio::async_write(*plain_, asio::buffer(data), asio::redirect_error(use_awaitable, ec));
  }
  if (ec) {
    Close();
    co_return false;
  }
  co_return true;
}

awaitable<bool> Connection::StartTls() {
  if (!open_ || tls_ || !contexts_) co_return false;
  ssl_ctx_ = contexts_->Current();
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(*plain_), *ssl_ctx_);
  plain_.reset();
  Touch();
  boost::system::error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(use_awaitable, ec));
  if (ec) {
    Close();
    co_return false;
  }
  co_return true;
}

Server::Server(Limits limits, std::shared_ptr<TlsContexts> tls)
    : limits_(limits), tls_(std::move(tls)) {
  work_.emplace(io_.get_executor());
  for (size_t i = 0; i < std::max<size_t>(1, limits_.io_threads); ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
}

Server::~Server() {
  Drain(absl::ZeroDuration());
  work_.reset();
  io_.stop();
  for (auto& t : threads_) t.join();
}

absl::StatusOr<int> Server::Listen(const ListenerOptions& options, Handler handler) {
  if (options.implicit_tls && !tls_) {
    return absl::InvalidArgumentError("listener " + options.name + ": implicit TLS needs a certificate");
  }
  auto ep = ParseEndpoint(options.listen);
  if (!ep.ok()) return ep.status();
  auto acceptor = std::make_shared<tcp::acceptor>(io_);
  boost::system::error_code ec;
  acceptor->open(ep->protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(*ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("listener " + options.name + ": cannot listen on " +
                                  options.listen + ": " + ec.message());
  }
  int port = acceptor->local_endpoint().port();
  acceptors_.push_back(acceptor);
  asio::co_spawn(io_, Accept(acceptor, options, std::move(handler)), asio::detached);
  return port;
}

awaitable<void> Server::Accept(std::shared_ptr<tcp::acceptor> acceptor, ListenerOptions options,
                               Handler handler) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket(asio::make_strand(io_));
    co_await acceptor->async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (!acceptor->is_open() || draining_) co_return;
      continue;  // e.g. EMFILE: try the next one
    }
    boost::system::error_code pec;
    auto peer = socket.remote_endpoint(pec).address();
    const bool via_proxy = options.proxy_from.Contains(peer);
    std::optional<RejectReason> reject;
    auto conn = std::make_shared<Connection>(*this, std::move(socket), options.name, tls_);
    {
      absl::MutexLock lock(&mu_);
      if (draining_) {
        reject = RejectReason::kDraining;
      } else if (per_listener_[options.name] >= limits_.max_connections) {
        reject = RejectReason::kTooManyConnections;
      } else if (!via_proxy && !limits_.per_ip_exempt.Contains(peer) &&
                 per_ip_[{options.name, peer}] >= limits_.max_per_ip) {
        reject = RejectReason::kTooManyFromAddress;
      } else {
        ++per_ip_[{options.name, peer}];
        conn->counted_ = true;
        ++per_listener_[options.name];
        conn->listed_ = true;
        open_[conn.get()] = conn;
      }
    }
    if (reject) {
      Refuse(std::move(conn), options, *reject);
      continue;
    }
    auto exec = conn->plain_->get_executor();
    asio::co_spawn(exec, conn->Watchdog(), asio::detached);
    asio::co_spawn(exec,
                   [conn, handler, implicit = options.implicit_tls, via_proxy,
                    timeout_reply = options.timeout_reply]() -> awaitable<void> {
                     if (via_proxy && !co_await conn->ReadProxyHeader()) co_return;
                     if (implicit && !co_await conn->StartTls()) co_return;
                     try {
                       co_await handler(conn);
                     } catch (const std::exception& e) {
                       log::Error("connection handler failed", {{"conn", conn->id()}, {"error", e.what()}});
                     }
                     if (conn->timed_out() && conn->open() && !timeout_reply.empty()) {
                       conn->Leave();
                       co_await conn->Write(timeout_reply);
                     }
                     conn->Close();
                   },
                   asio::detached);
  }
}

void Server::Refuse(std::shared_ptr<Connection> conn, const ListenerOptions& options,
                    RejectReason why) {
  log::Info("connection refused",
            {{"listener", options.name}, {"ip", conn->peer().to_string()},
             {"reason", why == RejectReason::kDraining            ? "draining"
                        : why == RejectReason::kTooManyFromAddress ? "per_ip_limit"
                                                                    : "limit"}});
  // Not counted. Say why, within kRefuseTime (the watchdog closes it then), and close.
  std::string reply = options.reject ? options.reject(why) : std::string();
  const bool can_say = !reply.empty() && (!options.implicit_tls || tls_);
  if (!can_say || refusing_.fetch_add(1) >= kMaxRefusing) {
    if (can_say) --refusing_;
    asio::post(conn->plain_->get_executor(), [conn] { conn->Close(); });
    return;
  }
  conn->total_deadline_ = steady_clock::now() + kRefuseTime;
  auto exec = conn->plain_->get_executor();
  asio::co_spawn(exec, conn->Watchdog(), asio::detached);
  asio::co_spawn(exec,
                 [this, conn, reply, implicit = options.implicit_tls]() -> awaitable<void> {
                   // Implicit TLS (465, 995, 993): the client hears nothing until the
                   // handshake is done, so the reason goes over TLS.
                   if (!implicit || co_await conn->StartTls()) co_await conn->Write(reply);
                   conn->Close();
                   --refusing_;
                 },
                 asio::detached);
}

bool Server::Readdress(Connection* c, const asio::ip::address& to) {
  absl::MutexLock lock(&mu_);
  if (!open_.count(c) || !c->counted_) return false;
  if (!limits_.per_ip_exempt.Contains(to) && per_ip_[{c->listener_, to}] >= limits_.max_per_ip) {
    return false;
  }
  Uncount(c);
  ++per_ip_[{c->listener_, to}];
  c->counted_ = true;
  return true;
}

void Server::Uncount(Connection* c) {
  if (!c->counted_) return;
  c->counted_ = false;
  auto ip = per_ip_.find({c->listener_, c->peer()});
  if (ip != per_ip_.end() && --ip->second == 0) per_ip_.erase(ip);
}

void Server::Forget(Connection* c) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(c);
  if (it == open_.end()) return;
  open_.erase(it);
  Uncount(c);
  if (c->listed_) {
    c->listed_ = false;
    --per_listener_[c->listener_];
  }
}

size_t Server::active() {
  absl::MutexLock lock(&mu_);
  return open_.size();
}

std::vector<std::shared_ptr<Connection>> Server::Live() {
  std::vector<std::shared_ptr<Connection>> live;
  absl::MutexLock lock(&mu_);
  for (auto& [ptr, weak] : open_) {
    if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  return live;
}

void Server::Drain(absl::Duration grace) {
  draining_ = true;
  for (auto& a : acceptors_) {
    asio::post(io_, [a] {
      boost::system::error_code ec;
      a->close(ec);
    });
  }
  // Sessions see draining() and finish; idle ones are woken from their read at once; whatever
  // is left after the grace period is closed. (References to connections are dropped outside
  // mu_: the last one runs ~Connection, which takes mu_.)
  for (auto& c : Live()) {
    asio::post(c->timer_.get_executor(), [c] {
      if (!c->interruptible_ || !c->open_) return;
      boost::system::error_code ec;
      if (c->tls_) c->tls_->next_layer().cancel(ec);
      else c->plain_->cancel(ec);
    });
  }
  auto empty = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return open_.empty(); };
  {
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&empty), grace)) return;
  }
  for (auto& c : Live()) asio::post(c->timer_.get_executor(), [c] { c->Close(); });
  absl::MutexLock lock(&mu_);
  if (mu_.AwaitWithTimeout(absl::Condition(&empty), absl::Seconds(5))) return;
  // A session still here waits for an internal call (its socket is closed): it ends when the
  // call does, within the call's deadline. Waiting for it keeps what the session uses alive.
  log::Warn("connections still open after drain", {{"count", std::to_string(open_.size())}});
  if (!mu_.AwaitWithTimeout(absl::Condition(&empty), absl::Seconds(60))) {
    log::Error("connections still open 60 s after drain", {{"count", std::to_string(open_.size())}});
  }
}

}  // namespace tern::net
