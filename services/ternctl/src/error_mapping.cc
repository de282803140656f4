#include "error_mapping.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "tern/core/status.h"
#include "tern/ternctl/run.h"

namespace tern::ternctl {
namespace {

enum class Kind {
  kToken,        // the admin token is missing, malformed or wrong
  kUnreachable,  // no answer from the service
  kRefused,      // the server refused the operation; its message says why
};

struct Row {
  absl::StatusCode code;
  Kind kind;
  ExitCode exit_code;
};

// The one table. A code not listed is an unexpected failure of the service (exit 1).
constexpr Row kRows[] = {
    {absl::StatusCode::kUnauthenticated, Kind::kToken, kExitUnavailable},
    {absl::StatusCode::kPermissionDenied, Kind::kToken, kExitUnavailable},
    {absl::StatusCode::kUnavailable, Kind::kUnreachable, kExitUnavailable},
    {absl::StatusCode::kDeadlineExceeded, Kind::kUnreachable, kExitUnavailable},
    {absl::StatusCode::kNotFound, Kind::kRefused, kExitRefused},
    {absl::StatusCode::kAlreadyExists, Kind::kRefused, kExitRefused},
    {absl::StatusCode::kInvalidArgument, Kind::kRefused, kExitRefused},
    {absl::StatusCode::kFailedPrecondition, Kind::kRefused, kExitRefused},
    {absl::StatusCode::kResourceExhausted, Kind::kRefused, kExitRefused},
    {absl::StatusCode::kOutOfRange, Kind::kRefused, kExitRefused},
};

}  // namespace

std::string OneLine(const std::string& text) {
  constexpr size_t kMax = 300;
  std::string out;
  out.reserve(std::min(text.size(), kMax));
  for (char c : text) {
    if (out.size() == kMax) {
      out += "...";
      break;
    }
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  return out;
}

Failure MapError(const absl::Status& status, const std::string& service,
                 const std::string& address) {
  std::string said = OneLine(std::string(status.message()));
  std::string where = absl::StrCat(service, " at ", address);
  for (const Row& row : kRows) {
    if (row.code != status.code()) continue;
    switch (row.kind) {
      case Kind::kToken:
        return {absl::StrCat("admin token rejected by ", where), row.exit_code};
      case Kind::kUnreachable:
        return {absl::StrCat("cannot reach ", where, ": ", said.empty() ? "no answer" : said),
                row.exit_code};
      case Kind::kRefused:
        return {said.empty() ? std::string(CodeLabel(status.code())) : said, row.exit_code};
    }
  }
  return {absl::StrCat(where, " failed (", std::string(CodeLabel(status.code())), ")",
                       said.empty() ? "" : ": ", said),
          kExitRefused};
}

}  // namespace tern::ternctl
