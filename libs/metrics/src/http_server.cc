#include "tern/metrics/http_server.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>
#include <mutex>
#include <map>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tern/core/log.h"

namespace tern::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4";
constexpr char kTextContentType[] = "text/plain; charset=utf-8";
// After an error reply, how long and how much we read and discard before closing, so that the
// client sees the reply instead of a reset caused by its unread request bytes.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kLingerBytes = 64 * 1024;
// Pause after a failed accept (e.g. out of file descriptors) before trying again.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

// Splits "host:port" or "[v6]:port".
bool SplitListen(const std::string& listen, std::string* host, std::string* port) {
  if (!listen.empty() && listen.front() == '[') {
    size_t close = listen.find("]:");
    if (close == std::string::npos) return false;
    *host = listen.substr(1, close - 1);
    *port = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return false;
    *host = listen.substr(0, colon);
    *port = listen.substr(colon + 1);
    if (host->find(':') != std::string::npos) return false;
  }
  uint32_t p = 0;
  return !host->empty() && absl::SimpleAtoi(*port, &p) && p <= 65535;
}

Response MakeResponse(const Request& req, http::status status, std::string body,
                      const char* content_type = kTextContentType) {
  Response res(status, req.version());
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

bool IsParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(std::shared_ptr<prometheus::Registry> registry, std::function<absl::Status()> ready,
       HttpServerOptions options)
      : registry_(std::move(registry)), ready_(std::move(ready)), options_(options) {}

  ~Impl() { Stop(); }

  absl::Status Start(const std::string& listen) {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ != State::kIdle) {
      return absl::FailedPreconditionError("metrics endpoint already started or stopped");
    }
    std::string host, port;
    if (!SplitListen(listen, &host, &port)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics endpoint: expected host:port, got \"", listen, "\""));
    }
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    auto endpoints =
        resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) {
      return absl::UnavailableError(absl::StrCat("metrics endpoint: cannot resolve ", listen, ": ",
                                                 ec ? ec.message() : "no address"));
    }
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      beast::error_code ignored;
      acceptor_.close(ignored);
      return absl::UnavailableError(
          absl::StrCat("metrics endpoint: cannot listen on ", listen, ": ", ec.message()));
    }
    port_ = acceptor_.local_endpoint(ec).port();

    asio::co_spawn(ioc_, AcceptLoop(), [](std::exception_ptr e) { LogException("accept", e); });
    thread_ = std::thread([this] { Run(); });
    state_ = State::kRunning;
    log::Info("metrics endpoint listening",
              {{"addr", listen}, {"port", std::to_string(port_.load())}});
    return absl::OkStatus();
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ != State::kRunning) {
      state_ = State::kStopped;
      return;
    }
    asio::post(ioc_, [this] {
      stopping_ = true;
      beast::error_code ignored;
      acceptor_.close(ignored);
      for (auto& [stream, slot] : sessions_) stream->socket().cancel(ignored);
    });
    thread_.join();
    // The thread may have ended early if the accept loop failed; make sure the port is closed.
    beast::error_code ignored;
    acceptor_.close(ignored);
    state_ = State::kStopped;
  }

  int port() const { return port_.load(); }

 private:
  enum class State { kIdle, kRunning, kStopped };

  static void LogException(const char* where, std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::Error("metrics endpoint: unexpected exception",
                 {{"where", where}, {"error", ex.what()}});
    } catch (...) {
      log::Error("metrics endpoint: unexpected exception", {{"where", where}});
    }
  }

  // The serving thread. Returns when the accept loop and every session have finished.
  void Run() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (...) {
        LogException("io_context", std::current_exception());
      }
    }
  }

  asio::awaitable<void> AcceptLoop() {
    asio::steady_timer backoff(ioc_);
    while (!stopping_) {
      beast::error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (stopping_) break;
      if (ec) {
        log::Warn("metrics endpoint: accept failed", {{"error", ec.message()}});
        backoff.expires_after(kAcceptBackoff);
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      if (active_sessions_ >= options_.max_connections && !EvictLongestWaiting()) {
        socket.close(ec);  // every slot is busy answering: they finish within idle_timeout
        continue;
      }
      ++active_sessions_;
      asio::co_spawn(ioc_, Session(std::move(socket)), [this](std::exception_ptr e) {
        --active_sessions_;
        LogException("session", e);
      });
    }
  }

  // At the connection limit: closes the connection that has waited longest for its request.
  // False when none is waiting (all are being answered).
  bool EvictLongestWaiting() {
    auto oldest = sessions_.end();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      const Slot& slot = it->second;
      if (slot.waiting && !slot.evicted &&
          (oldest == sessions_.end() || slot.since < oldest->second.since)) {
        oldest = it;
      }
    }
    if (oldest == sessions_.end()) return false;
    oldest->second.evicted = true;  // still counted until its coroutine ends, which is soon
    beast::error_code ignored;
    oldest->first->socket().cancel(ignored);
    return true;
  }

  // One connection: read a request, answer it, repeat while keep-alive lasts.
  asio::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    Slot& slot = sessions_[&stream];
    struct Untrack {
      std::map<beast::tcp_stream*, Slot>& map;
      beast::tcp_stream* stream;
      ~Untrack() { map.erase(stream); }
    } untrack{sessions_, &stream};

    beast::flat_buffer buffer(options_.max_header_bytes + options_.max_body_bytes + 1024);
    bool linger = false;
    while (!stopping_) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
      parser.body_limit(options_.max_body_bytes);
      beast::error_code ec;
      stream.expires_after(ToChrono(options_.idle_timeout));
      slot.waiting = true;
      slot.since = std::chrono::steady_clock::now();
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      slot.waiting = false;
      if (stopping_ || slot.evicted) break;

      Response res;
      if (!ec) {
        res = Handle(parser.get());
        res.keep_alive(parser.get().keep_alive());
      } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        res = MakeResponse(Request(), http::status::request_header_fields_too_large,
                           "request header too large");
      } else if (ec == http::error::body_limit) {
        res = MakeResponse(Request(), http::status::payload_too_large, "request body too large");
      } else if (IsParseError(ec)) {
        res = MakeResponse(Request(), http::status::bad_request, "bad request");
      } else {
        break;  // closed by the peer, timed out, or reset: nothing to answer
      }
      if (ec) {
        res.keep_alive(false);
        linger = true;
      }
      res.prepare_payload();
      stream.expires_after(ToChrono(options_.idle_timeout));
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) break;
    }

    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger && !stopping_) {
      // Drain what the client is still sending so that closing does not reset the connection
      // before it has read our error reply.
      char scratch[4096];
      size_t drained = 0;
      stream.expires_after(kLingerTime);
      while (drained < kLingerBytes && !stopping_) {
        size_t n = co_await stream.async_read_some(
            asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, ignored));
        if (ignored) break;
        drained += n;
      }
    }
    stream.socket().close(ignored);
  }

  // Routes one request. Never throws.
  Response Handle(const Request& req) {
    std::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));
    const bool known = target == "/metrics" || target == "/livez" || target == "/readyz";
    if (!known) return MakeResponse(req, http::status::not_found, "not found");
    if (req.method() != http::verb::get) {
      Response res = MakeResponse(req, http::status::method_not_allowed, "method not allowed");
      res.set(http::field::allow, "GET");
      return res;
    }
    try {
      if (target == "/livez") return MakeResponse(req, http::status::ok, "ok");
      if (target == "/readyz") return Readiness(req);
      std::string body;
      if (options_.before_scrape) options_.before_scrape();
      if (registry_ != nullptr) body = prometheus::TextSerializer().Serialize(registry_->Collect());
      return MakeResponse(req, http::status::ok, std::move(body), kMetricsContentType);
    } catch (const std::exception& e) {
      log::Error("metrics endpoint: handler failed",
                 {{"path", std::string(target)}, {"error", e.what()}});
    } catch (...) {
      log::Error("metrics endpoint: handler failed", {{"path", std::string(target)}});
    }
    return MakeResponse(req, http::status::internal_server_error, "internal error");
  }

  Response Readiness(const Request& req) {
    absl::Status status = ready_ ? ready_() : absl::OkStatus();
    if (status.ok() != last_ready_) {  // log transitions, not every probe
      last_ready_ = status.ok();
      if (status.ok()) {
        log::Info("ready");
      } else {
        log::Warn("not ready", {{"reason", std::string(status.message())}});
      }
    }
    if (status.ok()) return MakeResponse(req, http::status::ok, "ready");
    std::string body(status.message());
    if (body.empty()) body = "not ready";
    return MakeResponse(req, http::status::service_unavailable, std::move(body));
  }

  const std::shared_ptr<prometheus::Registry> registry_;
  const std::function<absl::Status()> ready_;
  const HttpServerOptions options_;

  asio::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  std::thread thread_;
  std::atomic<int> port_{0};

  std::mutex mu_;  // serializes Start and Stop
  State state_ = State::kIdle;

  // Touched only on the serving thread.
  bool stopping_ = false;
  bool last_ready_ = true;
  size_t active_sessions_ = 0;
  struct Slot {
    bool waiting = false;  // for (the rest of) a request
    bool evicted = false;
    std::chrono::steady_clock::time_point since;  // of the wait
  };
  std::map<beast::tcp_stream*, Slot> sessions_;
};

HttpServer::HttpServer(std::shared_ptr<prometheus::Registry> registry,
                       std::function<absl::Status()> ready, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(registry), std::move(ready), options)) {}

HttpServer::~HttpServer() = default;

absl::Status HttpServer::Start(const std::string& listen) { return impl_->Start(listen); }

int HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace tern::metrics
