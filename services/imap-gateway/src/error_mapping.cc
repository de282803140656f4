#include "error_mapping.h"

#include "tern/core/error.h"

namespace tern::imap_gateway {
namespace {

struct Row {
  Call call;
  Reason reason;  // kUnspecified: the call's default
  Answer answer;
};

// RFC 5530 codes. UNAVAILABLE for "try again later", whatever the call.
constexpr Answer kUnavailable{"NO", "UNAVAILABLE", "Temporary failure, try again later"};
// Storage refused the arguments of a command the gateway took as valid: a bound of its own
// (UID ranges per call, search keys), whatever the call.
constexpr Answer kLimit{"NO", "LIMIT", "The request exceeds a server limit"};

constexpr Row kRows[] = {
    {Call::kAuthenticate, Reason::kUnspecified, kUnavailable},

    {Call::kSelect, Reason::kNoSuchMailbox, {"NO", "NONEXISTENT", "No such mailbox"}},
    {Call::kSelect, Reason::kMustCreateFirst, {"NO", "NONEXISTENT", "No such mailbox"}},
    {Call::kSelect, Reason::kNotAllowed, {"NO", "CANNOT", "Mailbox cannot be selected"}},
    {Call::kSelect, Reason::kNoSuchAccount, {"NO", "NONEXISTENT", "No such mailbox"}},
    {Call::kSelect, Reason::kUnspecified, kUnavailable},

    {Call::kMailbox, Reason::kNoSuchMailbox, {"NO", "NONEXISTENT", "No such mailbox"}},
    {Call::kMailbox, Reason::kMustCreateFirst, {"NO", "NONEXISTENT", "No such mailbox"}},
    {Call::kMailbox, Reason::kAlreadyExists, {"NO", "ALREADYEXISTS", "Mailbox already exists"}},
    {Call::kMailbox, Reason::kNotAllowed, {"NO", "CANNOT", "Operation not permitted on this mailbox"}},
    {Call::kMailbox, Reason::kQuotaExceeded, {"NO", "OVERQUOTA", "Quota exceeded"}},
    {Call::kMailbox, Reason::kBusy, {"NO", "INUSE", "Mailbox in use, try again later"}},
    {Call::kMailbox, Reason::kUnspecified, kUnavailable},

    {Call::kAppend, Reason::kNoSuchMailbox, {"NO", "TRYCREATE", "No such mailbox"}},
    {Call::kAppend, Reason::kMustCreateFirst, {"NO", "TRYCREATE", "No such mailbox"}},
    {Call::kAppend, Reason::kQuotaExceeded, {"NO", "OVERQUOTA", "Quota exceeded"}},
    {Call::kAppend, Reason::kMessageTooLarge, {"NO", "TOOBIG", "Message too large"}},
    {Call::kAppend, Reason::kNotAllowed, {"NO", "CANNOT", "Cannot append to this mailbox"}},
    {Call::kAppend, Reason::kUnspecified, kUnavailable},

    {Call::kCopy, Reason::kNoSuchMailbox, {"NO", "TRYCREATE", "No such mailbox"}},
    {Call::kCopy, Reason::kMustCreateFirst, {"NO", "TRYCREATE", "No such mailbox"}},
    {Call::kCopy, Reason::kQuotaExceeded, {"NO", "OVERQUOTA", "Quota exceeded"}},
    {Call::kCopy, Reason::kNotAllowed, {"NO", "CANNOT", "Cannot copy to this mailbox"}},
    {Call::kCopy, Reason::kUnspecified, kUnavailable},

    {Call::kRead, Reason::kNoSuchMailbox, {"NO", "NONEXISTENT", "Mailbox was deleted"}},
    {Call::kRead, Reason::kNoSuchMessage, {"NO", "EXPUNGEISSUED", "Some messages were expunged"}},
    {Call::kRead, Reason::kUnspecified, kUnavailable},

    {Call::kWrite, Reason::kNoSuchMailbox, {"NO", "NONEXISTENT", "Mailbox was deleted"}},
    {Call::kWrite, Reason::kNoSuchMessage, {"NO", "EXPUNGEISSUED", "Some messages were expunged"}},
    {Call::kWrite, Reason::kQuotaExceeded, {"NO", "OVERQUOTA", "Quota exceeded"}},
    {Call::kWrite, Reason::kUnspecified, kUnavailable},
};

}  // namespace

Answer AnswerFor(Call call, const absl::Status& status) {
  const Reason reason = ReasonOf(status);
  if (reason == Reason::kUnspecified && status.code() == absl::StatusCode::kInvalidArgument) {
    return kLimit;
  }
  const Row* fallback = nullptr;
  for (const Row& row : kRows) {
    if (row.call != call) continue;
    if (row.reason == reason) return row.answer;
    if (row.reason == Reason::kUnspecified) fallback = &row;
  }
  return fallback->answer;
}

}  // namespace tern::imap_gateway
