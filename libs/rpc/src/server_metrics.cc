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

std::string ServerMetrics::RequestId(const grpc::ServerContext* ctx) {
  if (ctx == nullptr) return "";
  auto it = ctx->client_metadata().find("x-request-id");
  if (it == ctx->client_metadata().end() || it->second.size() > 64) return "";
  std::string id(it->second.data(), it->second.size());
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return "";
  }
  return id;
}

void ServerMetrics::Log(const char* method, const absl::Status& s, double seconds) {
  // Client mistakes are the client's business; server-side failures are ours to log.
  const auto code = s.code();
  const bool ours = code == absl::StatusCode::kInternal || code == absl::StatusCode::kDataLoss ||
                    code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kUnknown;
  if (ours) {
    log::Error("rpc failed", {{"method", method}, {"error", std::string(s.message())}});
  } else if (log::Enabled(log::Level::kDebug)) {  // every call passes here: build nothing
    log::Debug("rpc", {{"method", method},
                       {"code", CodeLabel(code)},
                       {"ms", std::to_string(static_cast<int64_t>(seconds * 1000))}});
  }
}

}  // namespace tern::rpc
