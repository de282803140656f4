// POP3 commands (RFC 1939 with CAPA from RFC 2449, STLS from RFC 2595 and AUTH from RFC 5034)
// parsed from one command line into a value.
//
// A command is a `std::variant` of small structs; anything that is not a valid command is an
// `Unknown` or `Invalid` carrying the -ERR reply to send. Parsing never fails otherwise and
// never throws. Policy (is this command allowed in this state, over plaintext) is in state.h;
// whether a message exists is the session's business: the parser only says what the client
// wrote.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "tern/pop3_protocol/limits.h"
#include "tern/pop3_protocol/reply.h"

namespace tern::pop3_protocol {

// The commands. Each struct holds what its line carried. Message numbers are 1-based, as the
// client wrote them (RFC 1939 5); 0 and numbers above UINT32_MAX never reach a struct.
struct User {
  std::string name;  // one token without spaces; 8-bit octets kept (UTF-8 login names)
  bool operator==(const User&) const = default;
};
struct Pass {
  // Everything after "PASS " exactly as sent: spaces (leading, inner, trailing) and HTAB kept
  // (RFC 1939 7 lets a password contain spaces). Never empty. Never log it.
  std::string password;
  bool operator==(const Pass&) const = default;
};
struct Apop {
  std::string name;    // as for User
  std::string digest;  // 32 hexadecimal digits, lower-cased (RFC 1939 7: MD5 of banner+secret)
  bool operator==(const Apop&) const = default;
};
struct Auth {
  // nullopt: bare "AUTH", which lists the mechanisms (answer kMechanismsFollow). Otherwise the
  // upper-cased SASL name (RFC 4422 3.1 syntax: 1-20 letters, digits, '-', '_').
  std::optional<std::string> mechanism;
  // nullopt: no initial response. Otherwise the base64 text as sent (checked to be valid
  // base64, not decoded: see DecodeBase64), with "=" (an empty response, RFC 5034 4) as "".
  std::optional<std::string> initial_response;
  bool operator==(const Auth&) const = default;
};
struct Stat {
  bool operator==(const Stat&) const = default;
};
struct List {
  std::optional<uint32_t> msg;  // nullopt: the whole scan listing
  bool operator==(const List&) const = default;
};
struct Retr {
  uint32_t msg = 0;
  bool operator==(const Retr&) const = default;
};
struct Dele {
  uint32_t msg = 0;
  bool operator==(const Dele&) const = default;
};
struct Noop {
  bool operator==(const Noop&) const = default;
};
struct Rset {
  bool operator==(const Rset&) const = default;
};
struct Quit {
  bool operator==(const Quit&) const = default;
};
struct Top {
  uint32_t msg = 0;
  // Body lines wanted after the header block; a count above UINT64_MAX saturates (the whole
  // body). 0 is valid: the headers and the blank line only.
  uint64_t lines = 0;
  bool operator==(const Top&) const = default;
};
struct Uidl {
  std::optional<uint32_t> msg;  // nullopt: the whole unique-id listing
  bool operator==(const Uidl&) const = default;
};
struct Capa {
  bool operator==(const Capa&) const = default;
};
struct Stls {
  bool operator==(const Stls&) const = default;
};
// RFC 1081 RPOP (trust the client's privileged port), obsolete since RFC 1460. Parsed only so
// that the session can refuse it clearly (ReplyId::kRpopRefused).
struct Rpop {
  std::string arg;  // whatever followed, for the log (at most Limits::max_argument octets)
  bool operator==(const Rpop&) const = default;
};
// A keyword that is not a POP3 command (answer `reply`, kUnknownCommand). `verb` is what the
// client sent, at most 32 octets, for logs (a session may close on "GET", "POST", "CONNECT").
struct Unknown {
  std::string verb;
  Reply reply;
  bool operator==(const Unknown&) const = default;
};
// A known keyword with bad arguments, or a line that is not a command at all (empty, control
// characters). `verb` is the upper-cased keyword ("RETR"), or "" when there was none.
struct Invalid {
  std::string verb;
  Reply reply;
  bool operator==(const Invalid&) const = default;
};

using Command = std::variant<User, Pass, Apop, Auth, Stat, List, Retr, Dele, Noop, Rset, Quit, Top,
                             Uidl, Capa, Stls, Rpop, Unknown, Invalid>;

// Parses one command line without its line ending (CommandReader::Next gives it so).
//  - Keywords are case-insensitive. Leading spaces are ignored; so are extra spaces between
//    arguments and trailing spaces and tabs, except for PASS (see Pass::password).
//  - Any control character (NUL, CR, LF, ... HTAB except in a PASS argument or trailing) or
//    DEL: Invalid. Empty line: Invalid. Unknown keyword: Unknown.
//  - Message numbers and TOP line counts are 1*DIGIT: no sign, no spaces; leading zeros are
//    allowed ("007" is 7; RFC 1939 has no rule against them) within Limits::max_argument.
//    A message number 0 or above UINT32_MAX is Invalid with kNoSuchMessage.
//  - An argument over Limits::max_argument (see there for which ones), a missing or extra
//    argument, an APOP digest that is not 32 hex digits, an AUTH initial response that is not
//    base64: Invalid, with a reply that shows the syntax.
Command ParseCommand(std::string_view line, const Limits& limits = {});

// The upper-cased keyword of a command ("RETR", "STLS"); "UNKNOWN" and "INVALID" for those.
// For logs and per-command metrics (never log a Pass's contents).
std::string_view CommandName(const Command& command);

}  // namespace tern::pop3_protocol
