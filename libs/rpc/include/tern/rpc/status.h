// absl::Status <-> grpc::Status. The codes are the same numbers in both worlds; the message is
// carried over unchanged.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace tern::rpc {

grpc::Status ToGrpc(const absl::Status& s);
absl::Status FromGrpc(const grpc::Status& s);

}  // namespace tern::rpc
