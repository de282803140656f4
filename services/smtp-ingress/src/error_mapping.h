// What smtp-ingress answers when a call to auth or storage fails: one table, by call and
// tern::Reason (never by the error's text). STYLE.md rule 5.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "tern/smtp_protocol/reply.h"

namespace tern::smtp_ingress {

enum class Call {
  kLookup,        // auth: a recipient, a sender, VRFY/EXPN
  kAuthenticate,  // auth: AUTH
  kDeliver,       // storage: the end of DATA / BDAT LAST
};

struct Answer {
  smtp_protocol::ReplyId reply;
  // The reason label of tern_smtp_messages_rejected_total (kDeliver) or of the auth metric.
  std::string_view label;
};

// The answer for a failed `call`. Reasons without a row of their own get the call's default:
// a temporary failure, since nothing was committed (or it is in doubt) and the client retries.
Answer AnswerFor(Call call, const absl::Status& status);

}  // namespace tern::smtp_ingress
