#include "tern/core/error.h"

#include "absl/strings/cord.h"

namespace tern {
namespace {

constexpr std::string_view kPayloadUrl = "tern.email/reason";

struct Row {
  Reason reason;
  std::string_view name;
  absl::StatusCode code;
};
constexpr Row kRows[] = {
    {Reason::kUnspecified, "UNSPECIFIED", absl::StatusCode::kUnknown},
    {Reason::kQuotaExceeded, "QUOTA_EXCEEDED", absl::StatusCode::kResourceExhausted},
    {Reason::kMessageTooLarge, "MESSAGE_TOO_LARGE", absl::StatusCode::kResourceExhausted},
    {Reason::kNoSuchAccount, "NO_SUCH_ACCOUNT", absl::StatusCode::kNotFound},
    {Reason::kNoSuchDomain, "NO_SUCH_DOMAIN", absl::StatusCode::kNotFound},
    {Reason::kNoSuchMailbox, "NO_SUCH_MAILBOX", absl::StatusCode::kNotFound},
    {Reason::kMustCreateFirst, "MUST_CREATE_FIRST", absl::StatusCode::kNotFound},
    {Reason::kNoSuchMessage, "NO_SUCH_MESSAGE", absl::StatusCode::kNotFound},
    {Reason::kNoSuchPart, "NO_SUCH_PART", absl::StatusCode::kNotFound},
    {Reason::kAlreadyExists, "ALREADY_EXISTS", absl::StatusCode::kAlreadyExists},
    {Reason::kNotAllowed, "NOT_ALLOWED", absl::StatusCode::kPermissionDenied},
    {Reason::kBusy, "BUSY", absl::StatusCode::kAborted},
    {Reason::kUnavailable, "UNAVAILABLE", absl::StatusCode::kUnavailable},
};

const Row& RowOf(Reason reason) {
  for (const Row& r : kRows) {
    if (r.reason == reason) return r;
  }
  return kRows[0];
}

}  // namespace

std::string_view ReasonName(Reason reason) { return RowOf(reason).name; }

Reason ReasonNamed(std::string_view name) {
  for (const Row& r : kRows) {
    if (r.name == name) return r.reason;
  }
  return Reason::kUnspecified;
}

absl::Status ReasonError(Reason reason, std::string_view message) {
  absl::Status s(RowOf(reason).code, absl::string_view(message.data(), message.size()));
  SetReason(s, reason);
  return s;
}

void SetReason(absl::Status& status, Reason reason) {
  if (status.ok() || reason == Reason::kUnspecified) return;
  const std::string_view name = ReasonName(reason);
  status.SetPayload(absl::string_view(kPayloadUrl.data(), kPayloadUrl.size()),
                    absl::Cord(absl::string_view(name.data(), name.size())));
}

Reason ReasonOf(const absl::Status& status) {
  if (status.ok()) return Reason::kUnspecified;
  if (auto p = status.GetPayload(absl::string_view(kPayloadUrl.data(), kPayloadUrl.size()))) {
    return ReasonNamed(std::string(*p));
  }
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    return Reason::kUnavailable;
  }
  return Reason::kUnspecified;
}

}  // namespace tern
