// The operational HTTP endpoint every Tern process serves: Prometheus metrics and Kubernetes
// probes, on Boost.Beast, on a thread of its own.
//
//   GET /metrics  200, the registry in the Prometheus text format (text/plain; version=0.0.4)
//   GET /livez    200 "ok" while the serving thread runs
//   GET /readyz   200 "ready" when the readiness callback returns OK, otherwise 503 with the
//                 status message as the body (e.g. "database: connection refused")
//   other paths   404
//   other methods 405 on a known path (with "Allow: GET")
//
// Limits: request headers and bodies are bounded (431 / 413, then the connection is closed); a
// malformed request gets 400 and a close; keep-alive is supported; a connection gets
// `idle_timeout` to deliver each whole request (waiting for it included) and to take each
// response, then it is closed. At most `max_connections` are open at once; at the limit a new
// connection closes the one that has waited longest for its request (idle or trickling
// headers), so a pile of idle connections can never starve a probe: a client that connects and
// sends its request is served. Query strings are ignored. No exception escapes the serving
// thread: failures are logged and answered 500.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace tern::metrics {

struct HttpServerOptions {
  size_t max_header_bytes = 8 * 1024;  // request line + headers
  size_t max_body_bytes = 8 * 1024;
  absl::Duration idle_timeout = absl::Seconds(10);
  size_t max_connections = 256;
  // Called on the serving thread before each /metrics is written, to set gauges read from
  // elsewhere (a certificate's expiry); quick and thread-safe, like `ready`.
  std::function<void()> before_scrape;
};

class HttpServer {
 public:
  // `registry` is shared with the code that records metrics; null serves an empty /metrics.
  // `ready` is called on the serving thread for each /readyz request, so it must be quick and
  // thread-safe (report cached state; do not dial a database); null means always ready.
  HttpServer(std::shared_ptr<prometheus::Registry> registry, std::function<absl::Status()> ready,
             HttpServerOptions options = {});
  // Stops the server (see Stop).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `listen` ("host:port", "[v6]:port"; the host may be a name; port 0 picks a free port)
  // and starts serving on a new thread. Returns InvalidArgument for a malformed address,
  // Unavailable when the address cannot be resolved or bound, FailedPrecondition when called
  // twice or after Stop. A server is started at most once.
  absl::Status Start(const std::string& listen);

  // The bound port once Start succeeded, else 0.
  int port() const;

  // Closes the listening socket, cancels open connections, and joins the serving thread. When it
  // returns the port is closed. Idempotent; safe to call without Start.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tern::metrics
