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
#include "tern/rpc/status.h"

namespace tern::rpc {

class ServerMetrics {
 public:
  // Registers "<prefix>_rpc_duration_seconds{method,code}", e.g. prefix "tern_storage".
  ServerMetrics(prometheus::Registry& registry, const std::string& prefix);

  void Observe(const std::string& method, const absl::Status& status, double seconds);

  // Runs `fn` (returning absl::Status), records it, logs internal errors with the request id
  // from the "x-request-id" metadata, and returns the gRPC status.
  template <typename Fn>
  grpc::Status Serve(const char* method, grpc::ServerContext* ctx, Fn&& fn) {
    auto start = std::chrono::steady_clock::now();
    absl::Status s = fn();
    Observe(method, s,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!s.ok()) LogFailure(method, ctx, s);
    return ToGrpc(s);
  }

 private:
  void LogFailure(const char* method, grpc::ServerContext* ctx, const absl::Status& s);
  prometheus::Family<prometheus::Histogram>& family_;
};

}  // namespace tern::rpc
