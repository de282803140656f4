#include "error_mapping.h"

#include "tern/core/error.h"

namespace tern::pop3_gateway {
namespace {

using pop3_protocol::ReplyId;

struct Row {
  Call call;
  Reason reason;  // kUnspecified: the call's default
  ReplyId reply;
};

constexpr Row kRows[] = {
    {Call::kAuthenticate, Reason::kUnspecified, ReplyId::kAuthUnavailable},  // [SYS/TEMP]
    {Call::kLock, Reason::kNoSuchAccount, ReplyId::kMaildropUnavailable},    // [SYS/PERM]
    {Call::kLock, Reason::kUnspecified, ReplyId::kTryLater},                 // [SYS/TEMP]
    {Call::kOpen, Reason::kNoSuchAccount, ReplyId::kMaildropUnavailable},
    {Call::kOpen, Reason::kNoSuchMailbox, ReplyId::kMaildropUnavailable},
    {Call::kOpen, Reason::kUnspecified, ReplyId::kTryLater},
    {Call::kFetch, Reason::kNoSuchMessage, ReplyId::kNoSuchMessage},  // gone meanwhile (IMAP)
    {Call::kFetch, Reason::kUnspecified, ReplyId::kTryLater},
    {Call::kRemove, Reason::kUnspecified, ReplyId::kDeleteFailed},  // [SYS/TEMP]
};

}  // namespace

ReplyId ReplyFor(Call call, const absl::Status& status) {
  const Reason reason = ReasonOf(status);
  const Row* fallback = nullptr;
  for (const Row& row : kRows) {
    if (row.call != call) continue;
    if (row.reason == reason) return row.reply;
    if (row.reason == Reason::kUnspecified) fallback = &row;
  }
  return fallback->reply;
}

}  // namespace tern::pop3_gateway
