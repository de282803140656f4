// absl::Status helpers shared by every layer.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tern {

// Returns early from the enclosing function when `expr` (an absl::Status) is not OK.
#define TERN_RETURN_IF_ERROR(expr)                  \
  do {                                              \
    ::absl::Status tern_status_ = (expr);           \
    if (!tern_status_.ok()) return tern_status_;    \
  } while (0)

#define TERN_CONCAT_INNER_(a, b) a##b
#define TERN_CONCAT_(a, b) TERN_CONCAT_INNER_(a, b)
// `TERN_ASSIGN_OR_RETURN(auto x, Foo());` assigns the value of an absl::StatusOr or returns its
// error.
#define TERN_ASSIGN_OR_RETURN(lhs, expr) \
  TERN_ASSIGN_OR_RETURN_IMPL_(TERN_CONCAT_(tern_statusor_, __LINE__), lhs, expr)
#define TERN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

// Prefixes the message of a non-OK status with `context: `; keeps the code.
absl::Status Annotate(const absl::Status& status, std::string_view context);

// The canonical lower-case name of a status code ("ok", "not_found", ...), bounded: fit for a
// metric label.
std::string_view CodeLabel(absl::StatusCode code);

}  // namespace tern
