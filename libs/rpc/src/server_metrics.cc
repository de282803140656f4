#include "tern/rpc/server_metrics.h"

#include "tern/core/log.h"
#include "tern/core/status.h"

namespace tern::rpc {

ServerMetrics::ServerMetrics(prometheus::Registry& registry, const std::string& prefix)
    : family_(prometheus::BuildHistogram()
                  .Name(prefix + "_rpc_duration_seconds")
                  .Help("gRPC calls served, by method and status code")
                  .Register(registry)) {}

void ServerMetrics::Observe(const std::string& method, const absl::Status& status,
                            double seconds) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  family_.Add({{"method", method}, {"code", std::string(CodeLabel(status.code()))}}, kBuckets)
      .Observe(seconds);
}

void ServerMetrics::LogFailure(const char* method, grpc::ServerContext* ctx,
                               const absl::Status& s) {
  // Client mistakes are the client's business; server-side failures are ours to log.
  const auto code = s.code();
  if (code != absl::StatusCode::kInternal && code != absl::StatusCode::kDataLoss &&
      code != absl::StatusCode::kUnavailable && code != absl::StatusCode::kUnknown) {
    return;
  }
  log::Context lc;
  if (ctx != nullptr) {
    auto it = ctx->client_metadata().find("x-request-id");
    if (it != ctx->client_metadata().end()) lc.req.assign(it->second.data(), it->second.size());
  }
  log::Error("rpc failed", {{"method", method}, {"error", std::string(s.message())}}, &lc);
}

}  // namespace tern::rpc
