// SMTP commands (RFC 5321 4.1 with the ESMTP extensions Tern offers: SIZE, 8BITMIME,
// BINARYMIME, CHUNKING, SMTPUTF8, STARTTLS, AUTH) parsed from one command line into a value.
//
// A command is a `std::variant` of small structs; anything that is not a valid command is an
// `Unknown` or `Invalid` carrying the reply to send. Parsing never fails otherwise and never
// throws. Policy (is this sender allowed, is SMTPUTF8 on, is the command allowed now) is the
// session's business: the parser only says what the client wrote.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "tern/smtp_protocol/reply.h"

namespace tern::smtp_protocol {

// A reverse- or forward-path (RFC 5321 4.1.2). A source route ("<@a,@b:user@c>") is checked
// and dropped (RFC 5321 C).
struct Path {
  // The local part with a quoted-string's quotes and backslashes removed ("\"a b\"" -> "a b").
  // Length is not limited beyond the command line (SRS and VERP addresses exceed 64 octets).
  std::string local_part;
  // As written, case kept: a domain name or an address literal with its brackets
  // ("[192.0.2.1]", "[IPv6:2001:db8::1]"). Empty only for the null path "<>" and for
  // "RCPT TO:<postmaster>" (RFC 5321 4.5.1).
  std::string domain;
  // Non-ASCII (well-formed UTF-8, RFC 6531) in the local part or the domain. Acceptable only
  // when MAIL carried SMTPUTF8; the session checks (553 5.6.7 otherwise).
  bool utf8 = false;

  // The null reverse path "<>".
  bool null() const { return local_part.empty() && domain.empty(); }
  // "local@domain", the local part quoted again when it is not a dot-string; "postmaster" for
  // <postmaster>; "" for <>.
  std::string Address() const;
  bool operator==(const Path&) const = default;
};

enum class BodyType { k7Bit, k8BitMime, kBinaryMime };  // BODY= (RFC 6152, RFC 3030)

// MAIL FROM parameters. Each may appear once.
struct MailParams {
  std::optional<uint64_t> size;     // SIZE=n (RFC 1870); the session compares with Limits
  std::optional<BodyType> body;     // BODY=
  bool smtputf8 = false;            // SMTPUTF8 (RFC 6531)
  std::optional<std::string> auth;  // AUTH= (RFC 4954 5), xtext-decoded; "<>" kept as "<>"
  bool operator==(const MailParams&) const = default;
};

// The commands. Each struct holds what its line carried; strings are as the client wrote them.
struct Helo {
  std::string domain;  // one token of printable ASCII (not checked to be a hostname)
};
struct Ehlo {
  std::string domain;  // as for Helo
};
struct Mail {
  Path reverse_path;  // null() for MAIL FROM:<>
  MailParams params;
};
struct Rcpt {
  Path forward_path;  // no RCPT parameter is offered (no DSN), so any is answered 555
};
struct Data {};
struct Bdat {  // RFC 3030
  uint64_t size = 0;
  bool last = false;
};
struct Rset {};
struct Noop {};  // any argument is ignored (RFC 5321 4.1.1.9)
struct Quit {};
struct Vrfy {
  std::string arg;  // non-empty, spaces kept
};
struct Expn {
  std::string arg;  // non-empty, spaces kept
};
struct Help {
  std::string topic;  // may be empty
};
struct StartTls {};
struct Auth {
  std::string mechanism;  // upper-cased SASL name (RFC 4422 3.1 syntax)
  // nullopt: no initial response. Otherwise the token as sent, not decoded (the session checks
  // the mechanism first, 504, then decodes it with DecodeBase64, 501 when it is not base64),
  // with "=" (an empty response, RFC 4954 4) as "".
  std::optional<std::string> initial_response;
};
// A verb that is not an SMTP command (500 5.5.1). `verb` is what the client sent, at most 32
// octets (for logs; a session may close on "GET", "POST", "CONNECT" as Postfix does).
struct Unknown {
  std::string verb;
  Reply reply;
};
// A known verb with bad arguments, or a line that is not a command at all (empty, control
// characters). `verb` is the upper-cased command name, or "" when there was none.
struct Invalid {
  std::string verb;
  Reply reply;
};

using Command = std::variant<Helo, Ehlo, Mail, Rcpt, Data, Bdat, Rset, Noop, Quit, Vrfy, Expn, Help,
                             StartTls, Auth, Unknown, Invalid>;

// Parses one command line without its line ending (CommandReader::Next gives it so).
//  - Verbs and parameter names are case-insensitive. Leading spaces and trailing spaces and
//    tabs are ignored; so are extra spaces between arguments and after "FROM:" / "TO:".
//  - Any control character (NUL, CR, LF, ... except a trailing HTAB) or DEL: 501 5.5.2.
//  - Empty line: 500 5.5.2. Unknown verb: 500 5.5.1.
//  - Bad arguments: 501 5.5.2 (structure), 501 5.5.4 (a bad value), 553 5.1.3 (a path that
//    is not an address), 555 5.5.4 (a parameter Tern does not offer).
Command ParseCommand(std::string_view line);

// The upper-cased verb of a command ("MAIL", "STARTTLS"); "UNKNOWN" and "INVALID" for those.
// For logs and per-command metrics.
std::string_view CommandName(const Command& command);

// Parses a path at the start of `text`, which must begin with '<'. `forward` accepts
// <postmaster> and refuses <>; otherwise <> is the null reverse path. On success returns the
// number of octets the path took (through '>'); on failure returns 0 and sets `*error` to a
// short reason for the 553 text ("missing '@'", "invalid domain", ...).
size_t ParsePath(std::string_view text, bool forward, Path* path, std::string* error);

}  // namespace tern::smtp_protocol
