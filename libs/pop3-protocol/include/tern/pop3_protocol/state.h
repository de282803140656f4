// The POP3 session states (RFC 1939 3) and the one table saying which command may run in which
// state and over which transport.
#pragma once

#include <optional>
#include <string_view>

#include "tern/pop3_protocol/command.h"
#include "tern/pop3_protocol/reply.h"

namespace tern::pop3_protocol {

enum class State {
  kAuthorization,  // after the greeting, until a login succeeds
  kTransaction,    // logged in, the maildrop locked
  kUpdate,         // after QUIT in TRANSACTION: deletions applied, then the connection closes
};

// The row of the command table for one keyword.
struct CommandRule {
  std::string_view name;  // CommandName()
  bool authorization;     // allowed in the AUTHORIZATION state
  bool transaction;       // allowed in the TRANSACTION state
  // A login command (USER, PASS, APOP, AUTH with a mechanism): refused with
  // kPlaintextRefused before TLS unless plaintext logins are allowed (RFC 2595 2.1 and 4).
  bool login;
  bool before_tls_only;  // STLS: refused with kTlsAlreadyActive once TLS is active
};

// The row for `command`; for Invalid, the row of its keyword. nullptr for Unknown and for an
// Invalid without a keyword (an empty line, control characters).
const CommandRule* RuleFor(const Command& command);

// What the session must answer instead of running `command`, or nullopt when it may run it.
// Checked in this order:
//  1. Unknown: its own reply. RPOP: kRpopRefused, in every state.
//  2. The state: kNeedLogin, kAlreadyLoggedIn, or kSessionEnding (nothing runs in UPDATE).
//     An Invalid is checked by its keyword, so "RETR x" before login says "log in first".
//  3. STLS with TLS active: kTlsAlreadyActive. A login command on a plaintext connection
//     without `plaintext_login_allowed` (a configured trusted network, tests): kPlaintextRefused.
//  4. Invalid: its own reply.
// Only the command's kind is judged here: "PASS without USER", "APOP not offered" and the like
// are the session's (replies kNeedUser, kApopUnavailable).
std::optional<Reply> Refusal(const Command& command, State state, bool tls_active,
                             bool plaintext_login_allowed = false);

// !Refusal(...): the session may run `command` now.
bool Allowed(const Command& command, State state, bool tls_active,
             bool plaintext_login_allowed = false);

// The reply to a command that exists but not in `state` (kNeedLogin in AUTHORIZATION,
// kAlreadyLoggedIn in TRANSACTION, kSessionEnding in UPDATE).
const Reply& WrongStateReply(State state);

}  // namespace tern::pop3_protocol
