// The bounds of one POP3 server session. The defaults live here and only here; every reader and
// parser of this library takes a `Limits` and keeps its memory within these numbers whatever the
// client sends.
#pragma once

#include <cstddef>

namespace tern::pop3_protocol {

struct Limits {
  // A command line, counting its CRLF (RFC 2449 4: 255 octets including the keyword and CRLF).
  // PASS, USER and APOP are bounded by this and nothing smaller (see max_argument).
  size_t max_command_line = 255;
  // An AUTH command line (initial response) or a SASL response line, counting its CRLF. These
  // carry base64 and may be longer than a command (RFC 5034 4).
  size_t max_auth_line = 8192;
  // One argument of a command (RFC 2449 4: 40 octets): message numbers, TOP line counts, SASL
  // mechanism names. Not applied to the PASS password (the rest of the line, spaces included),
  // the USER and APOP names (login names are often e-mail addresses longer than 40 octets) or
  // the AUTH initial response: those are bounded by the line limits above.
  size_t max_argument = 40;
  // Refused lines (unknown, invalid, too long, wrong state) the session tolerates before it
  // answers ReplyId::kTooManyErrors and closes the connection. Counting is the session's job.
  size_t max_bad_commands = 10;
};

}  // namespace tern::pop3_protocol
