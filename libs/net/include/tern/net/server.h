// The TCP/TLS server every gateway uses (Boost.Asio + OpenSSL): listeners with plain or
// implicit TLS, STARTTLS upgrade, limits on connections in total and per client address, idle
// and total timeouts, and a graceful drain. A connection is one coroutine on one strand; the
// protocol code (SMTP, POP3, IMAP) is the Handler and never blocks it: calls to other services
// are asynchronous and awaited with Await().
#pragma once

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tern/core/log.h"
#include "tern/net/cidr.h"
#include "tern/net/tls.h"

namespace tern::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Limits {
  // Each listener counts its own connections, in total and per client address, so a client
  // that fills the MX port's places leaves submission reachable.
  size_t max_connections = 2000;  // per listener; over it: the listener's reject bytes, close
  size_t max_per_ip = 20;         // per listener and client address
  // Clients in these networks are not held to max_per_ip (the operator's own networks, as
  // Postfix exempts mynetworks from smtpd_client_connection_count_limit).
  Networks per_ip_exempt;
  absl::Duration idle_timeout = absl::Minutes(5);   // no bytes from the client for this long
  absl::Duration total_timeout = absl::Hours(1);    // whatever happens
  // From the start of the session (after TLS and PROXY) until its first command line is
  // complete: a client that connects and says nothing holds its place only this long.
  absl::Duration first_command_timeout = absl::Seconds(30);
  // From the first byte of a command line until its end (Connection::LinePending): a client
  // trickling a line a byte at a time (slowloris) does not reset this as it does the idle time.
  absl::Duration line_timeout = absl::Seconds(60);
  size_t io_threads = 1;
};

enum class RejectReason { kTooManyConnections, kTooManyFromAddress, kDraining };

struct ListenerOptions {
  std::string name;            // for logs and metrics: "mx", "submission", "pop3s", ...
  std::string listen;          // host:port; port 0 picks a free one
  bool implicit_tls = false;   // TLS from the first byte (465, 993, 995)
  // Connections from these networks (load balancers) start with a PROXY protocol v1/v2 header
  // giving the client's address, which then counts for limits, logs and policy. Anyone else
  // is taken at face value: a PROXY line from an untrusted peer is just bad protocol input.
  Networks proxy_from;
  // Bytes sent before closing a refused connection (e.g. "421 4.7.0 Too many connections\r\n").
  // On an implicit-TLS listener they are sent over TLS, the handshake bounded in time.
  std::function<std::string(RejectReason)> reject;
  // Bytes sent when a session ends because a deadline passed while it waited for the client
  // (idle, first command, line, total), e.g. "421 4.4.2 Timeout\r\n". Empty: just close.
  std::string timeout_reply;
};

class Server;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  const std::string& id() const { return id_; }
  const std::string& listener() const { return listener_; }
  const asio::ip::address& peer() const { return peer_; }
  bool tls() const { return tls_ != nullptr; }
  // A certificate is configured, so STARTTLS can be offered.
  bool tls_available() const { return contexts_ != nullptr; }
  // The server is draining: finish the current exchange, say goodbye and return.
  bool draining() const;
  // A deadline passed (see Limits): reads return 0, and the session should return; the
  // listener's timeout_reply is then sent and the connection closed.
  bool timed_out() const { return timed_out_; }
  bool open() const { return open_; }
  // While true, a drain interrupts a pending ReadSome (it returns 0 with the connection still
  // open), so a session idle between transactions can say goodbye at once. Sessions set it
  // while they wait for a new command and clear it inside a transaction.
  void set_interruptible(bool v) { interruptible_ = v; }
  // Command-line deadlines (Limits::first_command_timeout, line_timeout). Sessions call
  // LinePending() before reading while part of a command line is buffered (it starts the line
  // clock if none runs), and LineDone() whenever they take a complete line (it stops it, and
  // the first one ends the first-command deadline).
  void LinePending();
  void LineDone();

  // Some bytes into `buf`; 0 means the connection is over (closed, timed out or failed).
  asio::awaitable<size_t> ReadSome(char* buf, size_t n);
  // All of `data`, which must stay alive until the write completes (pass a named string, not
  // a temporary); false when the connection is over.
  asio::awaitable<bool> Write(const std::string& data);
  // Upgrades to TLS over the same socket (STARTTLS). The caller must discard any plaintext it
  // had buffered but not processed. False when the handshake failed (the connection is over).
  asio::awaitable<bool> StartTls();
  void Close();
  // The session is over and reads nothing more: its place in the per-address count is given
  // up now, before its goodbye is written, so a client that reconnects as soon as it reads the
  // goodbye is judged without it. Idempotent; Close() and the destructor do it too.
  void Leave();

  Connection(Server& server, tcp::socket socket, std::string listener,
             std::shared_ptr<TlsContexts> contexts);
  ~Connection();

 private:
  friend class Server;
  asio::awaitable<void> Watchdog();
  std::chrono::steady_clock::time_point Deadline() const;
  // Consumes the PROXY header (peeking, so no byte after it is read); false: closed.
  asio::awaitable<bool> ReadProxyHeader();
  void Touch();

  Server& server_;
  std::string id_;
  std::string listener_;
  asio::ip::address peer_;
  std::shared_ptr<TlsContexts> contexts_;
  std::optional<tcp::socket> plain_;
  std::shared_ptr<asio::ssl::context> ssl_ctx_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point idle_deadline_;
  std::chrono::steady_clock::time_point total_deadline_;
  // The first-command or line deadline; max() when none runs.
  std::chrono::steady_clock::time_point line_deadline_ = std::chrono::steady_clock::time_point::max();
  bool first_line_ = true;  // line_deadline_ is the first-command deadline
  // After a timeout: the goodbye must be written by then.
  std::chrono::steady_clock::time_point goodbye_deadline_;
  bool open_ = true;
  bool timed_out_ = false;
  bool interruptible_ = false;
  bool counted_ = false;  // holds a place in Server::per_ip_
  bool listed_ = false;   // holds a place in Server::per_listener_
};

using Handler = std::function<asio::awaitable<void>(std::shared_ptr<Connection>)>;

class Server {
 public:
  // `tls` may be null: no implicit-TLS listeners, no STARTTLS.
  Server(Limits limits, std::shared_ptr<TlsContexts> tls);
  ~Server();

  // Binds and starts accepting; returns the bound port.
  absl::StatusOr<int> Listen(const ListenerOptions& options, Handler handler);
  // Stops accepting, tells sessions to finish (Connection::draining()), and closes whatever is
  // still open after `grace`. Blocks until every connection is gone.
  void Drain(absl::Duration grace);
  size_t active();
  asio::io_context& io() { return io_; }
  const Limits& limits() const { return limits_; }
  // A certificate is configured (implicit-TLS listeners and STARTTLS are possible).
  bool has_tls() const { return tls_ != nullptr; }
  const std::shared_ptr<TlsContexts>& tls_contexts() const { return tls_; }

 private:
  friend class Connection;
  asio::awaitable<void> Accept(std::shared_ptr<tcp::acceptor> acceptor, ListenerOptions options,
                               Handler handler);
  void Forget(Connection* c);
  void Uncount(Connection* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Says why a connection is refused (TLS first on implicit-TLS listeners), then closes it.
  void Refuse(std::shared_ptr<Connection> conn, const ListenerOptions& options, RejectReason why);
  std::vector<std::shared_ptr<Connection>> Live();
  // Moves a connection's per-address count to its real client address; false when that
  // address is over its limit.
  bool Readdress(Connection* c, const asio::ip::address& to);

  const Limits limits_;
  std::shared_ptr<TlsContexts> tls_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors_;
  std::atomic<bool> draining_{false};
  absl::Mutex mu_;
  // Open connections per (listener, client address) and per listener.
  std::map<std::pair<std::string, asio::ip::address>, size_t> per_ip_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, size_t> per_listener_ ABSL_GUARDED_BY(mu_);
  // Refused connections still being answered (a TLS handshake each on implicit-TLS
  // listeners); over kMaxRefusing, refused connections are closed without an answer.
  std::atomic<size_t> refusing_{0};
  std::map<Connection*, std::weak_ptr<Connection>> open_ ABSL_GUARDED_BY(mu_);
};

// Awaits an asynchronous call without holding a thread: `start(done)` begins the call (e.g. a
// clients::...Async method) and `done(result)` may run on any thread, once; the coroutine
// resumes on its own executor with the result. `request_id` is the log::ScopedRequest while
// `start` runs, so the call's context carries it (x-request-id). GCC 12 destroys some objects
// of a coroutine call twice (temporaries in a co_await operand, by-value parameters with a
// destructor): pass a named lambda, taken by reference.
template <typename Result, typename Start>
asio::awaitable<Result> Await(Start& start, std::string_view request_id = {}) {
  auto initiate = [&start, id = std::string(request_id)](auto handler) {
    using Handler = decltype(handler);
    auto shared = std::make_shared<Handler>(std::move(handler));
    log::ScopedRequest request(id);
    start([shared](Result result) {
      auto ex = asio::get_associated_executor(*shared);
      asio::post(ex, [shared, r = std::move(result)]() mutable { (*shared)(std::move(r)); });
    });
  };
  auto op = asio::async_initiate<const asio::use_awaitable_t<>&, void(Result)>(
      std::move(initiate), asio::use_awaitable);
  co_return co_await std::move(op);
}

// "host:port" -> endpoint (numeric host or "localhost").
absl::StatusOr<tcp::endpoint> ParseEndpoint(const std::string& listen);

}  // namespace tern::net
