#include "tern/rpc/status.h"

#include <string>

#include "tern/core/error.h"
#include "tern/rpc/v1/error.pb.h"

namespace tern::rpc {
namespace {
constexpr char kErrorInfoUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
constexpr char kDomain[] = "tern.email";
}  // namespace

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  std::string message(s.message().data(), s.message().size());
  const Reason reason = ReasonOf(s);
  if (reason == Reason::kUnspecified) {
    return grpc::Status(static_cast<grpc::StatusCode>(s.code()), message);
  }
  // The reason rides in the standard details trailer (google.rpc.Status with an ErrorInfo).
  v1::ErrorInfo info;
  info.set_reason(std::string(ReasonName(reason)));
  info.set_domain(kDomain);
  v1::RichStatus rich;
  rich.set_code(static_cast<int>(s.code()));
  rich.set_message(message);
  auto* any = rich.add_details();
  any->set_type_url(kErrorInfoUrl);
  info.SerializeToString(any->mutable_value());
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), message, rich.SerializeAsString());
}

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  v1::RichStatus rich;
  if (!s.error_details().empty() && rich.ParseFromString(s.error_details())) {
    for (const auto& any : rich.details()) {
      v1::ErrorInfo info;
      if (any.type_url() == kErrorInfoUrl && info.ParseFromString(any.value()) &&
          info.domain() == kDomain) {
        SetReason(out, ReasonNamed(info.reason()));
      }
    }
  }
  return out;
}

}  // namespace tern::rpc
