// gRPC status of a failed call -> the one line the operator reads and ternctl's exit code.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace tern::ternctl {

struct Failure {
  std::string message;  // one line, without the "ternctl: " prefix
  int exit_code;        // an ExitCode
};

// `service` ("auth") and `address` ("127.0.0.1:7002") name the endpoint that was called.
// Token problems and unreachable services get ternctl's own words; refusals (NOT_FOUND,
// ALREADY_EXISTS, INVALID_ARGUMENT, FAILED_PRECONDITION, ...) the server's message.
Failure MapError(const absl::Status& status, const std::string& service,
                 const std::string& address);

// `text` on one line: control characters become spaces, at most 300 bytes kept.
std::string OneLine(const std::string& text);

}  // namespace tern::ternctl
