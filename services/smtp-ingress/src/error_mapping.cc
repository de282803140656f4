#include "error_mapping.h"

#include "tern/core/error.h"

namespace tern::smtp_ingress {
namespace {

using smtp_protocol::ReplyId;

struct Row {
  Call call;
  Reason reason;  // kUnspecified: the call's default
  Answer answer;
};

constexpr Row kRows[] = {
    {Call::kDeliver, Reason::kQuotaExceeded, {ReplyId::kMailboxFull, "quota"}},            // 552 5.2.2
    {Call::kDeliver, Reason::kMessageTooLarge, {ReplyId::kMessageTooBig, "size"}},         // 552 5.3.4
    {Call::kDeliver, Reason::kNoSuchAccount, {ReplyId::kNoSuchUser, "no_such_user"}},      // 550 5.1.1
    {Call::kDeliver, Reason::kUnspecified, {ReplyId::kLocalError, "storage_unavailable"}}, // 451 4.3.0
    {Call::kLookup, Reason::kUnspecified, {ReplyId::kLocalError, "auth_unavailable"}},     // 451 4.3.0
    {Call::kAuthenticate, Reason::kUnspecified, {ReplyId::kAuthUnavailable, "unavailable"}},  // 454 4.7.0
};

}  // namespace

Answer AnswerFor(Call call, const absl::Status& status) {
  const Reason reason = ReasonOf(status);
  const Row* fallback = nullptr;
  for (const Row& row : kRows) {
    if (row.call != call) continue;
    if (row.reason == reason) return row.answer;
    if (row.reason == Reason::kUnspecified) fallback = &row;
  }
  return fallback->answer;
}

}  // namespace tern::smtp_ingress
