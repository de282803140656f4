// Per-method latency and status of a gRPC service, recorded in exactly one place: every handler
// runs its body through Serve().
//
//   grpc::Status MyService::Get(ctx, req, resp) {
//     return metrics_.Serve("Get", ctx, [&] { return logic_.Get(*req, resp); });
//   }
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "tern/core/log.h"
#include "tern/rpc/status.h"

namespace tern::rpc {

class ServerMetrics {
 public:
  // Registers "<prefix>_rpc_duration_seconds{method,code}", e.g. prefix "tern_storage".
  ServerMetrics(prometheus::Registry& registry, const std::string& prefix);

  void Observe(const std::string& method, const absl::Status& status, double seconds);

  // Runs `fn` (returning absl::Status) under the caller's request id (the "x-request-id"
  // metadata, see log::ScopedRequest: every log line of the call carries it), records it, logs
  // it at debug level and internal errors at error level, and returns the gRPC status.
  template <typename Fn>
  grpc::Status Serve(const char* method, grpc::ServerContext* ctx, Fn&& fn) {
    log::ScopedRequest request(RequestId(ctx));
    auto start = std::chrono::steady_clock::now();
    absl::Status s = fn();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Observe(method, s, seconds);
    Log(method, s, seconds);
    return ToGrpc(s);
  }

  // The caller's "x-request-id" (at most 64 printable ASCII characters), "" if none.
  static std::string RequestId(const grpc::ServerContext* ctx);

 private:
  void Log(const char* method, const absl::Status& s, double seconds);
  prometheus::Family<prometheus::Histogram>& family_;
};

}  // namespace tern::rpc
