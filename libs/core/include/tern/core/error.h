// Why an internal call failed, as a closed set of reasons that travel with the status across
// gRPC (rpc::ToGrpc/FromGrpc carry them as an ErrorInfo), so a gateway decides its answer
// (552 5.2.2, -ERR [IN-USE], NO [OVERQUOTA] ...) from the reason, never from the message text.
// Each gateway maps reasons to replies in one table (its error_mapping.cc).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace tern {

enum class Reason {
  kUnspecified,      // no reason given: decide by the code alone
  kQuotaExceeded,    // the account's storage or message quota would be exceeded
  kMessageTooLarge,  // over the size limit of the service
  kNoSuchAccount,
  kNoSuchDomain,
  kNoSuchMailbox,
  kMustCreateFirst,  // the target mailbox does not exist; the client may create it (TRYCREATE)
  kNoSuchMessage,
  kNoSuchPart,       // a MIME part number the message does not have
  kAlreadyExists,
  kNotAllowed,       // the operation is refused for this object (e.g. deleting INBOX)
  kBusy,             // held by someone else for now (a lease, a lock)
  kUnavailable,      // a dependency (database, service) cannot be reached: try again later
};

// "QUOTA_EXCEEDED", ... (the ErrorInfo reason; bounded, fit for a metric label).
std::string_view ReasonName(Reason reason);

// A status with `reason`, its code chosen by the reason: RESOURCE_EXHAUSTED for quota and
// size, NOT_FOUND for the no-such and must-create ones, ALREADY_EXISTS, PERMISSION_DENIED for
// not allowed, ABORTED for busy, UNAVAILABLE.
absl::Status ReasonError(Reason reason, std::string_view message);

// The reason a status carries. Without one: kUnavailable for UNAVAILABLE and
// DEADLINE_EXCEEDED (nothing answered), kUnspecified otherwise (and for OK).
Reason ReasonOf(const absl::Status& status);

// Attaches `reason` to an existing status (its code is kept); for the gRPC boundary.
void SetReason(absl::Status& status, Reason reason);
// `status` with `reason` attached, its code kept (FAILED_PRECONDITION + kNotAllowed, say).
inline absl::Status WithReason(absl::Status status, Reason reason) {
  SetReason(status, reason);
  return status;
}
// The reason named `name`, kUnspecified for an unknown name.
Reason ReasonNamed(std::string_view name);

}  // namespace tern
