// What pop3-gateway answers when a call to auth or storage fails: one table, by call and
// tern::Reason (never by the error's text). STYLE.md rule 5.
#pragma once

#include "absl/status/status.h"
#include "tern/pop3_protocol/reply.h"

namespace tern::pop3_gateway {

enum class Call {
  kAuthenticate,  // auth: USER/PASS, APOP, AUTH
  kLock,          // storage: the maildrop lease at login
  kOpen,          // storage: the maildrop listing at login
  kFetch,         // storage: RETR, TOP
  kRemove,        // storage: the deletions at QUIT
};

// The reply for a failed `call`; reasons without a row of their own get the call's default
// ([SYS/TEMP]: try again later).
pop3_protocol::ReplyId ReplyFor(Call call, const absl::Status& status);

}  // namespace tern::pop3_gateway
