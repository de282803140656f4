// What imap-gateway answers when a call to auth or storage fails: one table, by call and
// tern::Reason (never by the error's text), giving NO or BAD, the RFC 5530 response code and a
// generic text. STYLE.md rule 5. Details go to the log, never to the client.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace tern::imap_gateway {

enum class Call {
  kAuthenticate,  // auth: LOGIN, AUTHENTICATE
  kSelect,        // storage: SELECT, EXAMINE, STATUS
  kMailbox,       // storage: CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST
  kAppend,        // storage: APPEND
  kCopy,          // storage: COPY, MOVE (target mailbox)
  kRead,          // storage: FETCH, SEARCH, and the session's catch-up (NOOP, IDLE)
  kWrite,         // storage: STORE, EXPUNGE, CLOSE
};

struct Answer {
  std::string_view kind;  // "NO" or "BAD"
  std::string_view code;  // "" or an RFC 5530 code: "UNAVAILABLE", "TRYCREATE", ...
  std::string_view text;
};

// The answer for a failed `call`; reasons without a row of their own get the call's default.
Answer AnswerFor(Call call, const absl::Status& status);

}  // namespace tern::imap_gateway
