// The bounds of one SMTP server session. The defaults live here and only here; every reader and
// receiver of this library takes a `Limits` and keeps its memory within these numbers whatever
// the client sends.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::smtp_protocol {

struct Limits {
  // A command line, counting its CRLF (RFC 5321 4.5.3.1.4): at most 510 octets of text.
  size_t max_command_line = 512;
  // An AUTH command line or a SASL response line, counting its CRLF. SASL initial responses
  // are base64 and may be long (RFC 4954 4: at least 12288 octets should be accepted).
  size_t max_auth_line = 12288;
  // A text line inside DATA or BDAT, counting its CRLF (RFC 5321 4.5.3.1.6). Longer lines are
  // not an error of the receivers: they are flagged (BodyStatus::line_too_long) and the session
  // answers after the end of the data.
  size_t max_text_line = 1000;
  // Octets of one message as stored (after dot-unstuffing). Advertised in the EHLO SIZE
  // capability. Past it the receivers keep reading to the end of the data but store nothing
  // more and flag BodyStatus::too_big.
  uint64_t max_message_size = 32 * 1024 * 1024;
  // RCPT commands accepted in one transaction; the session answers 452 4.5.3 past it
  // (RFC 5321 4.5.3.1.8 requires at least 100).
  size_t max_recipients = 100;
  // The largest BDAT chunk whose octets are stored. A bigger chunk is still read (the client
  // must stay in sync) but flags BodyStatus::too_big.
  uint64_t max_bdat_chunk = 32 * 1024 * 1024;
};

}  // namespace tern::smtp_protocol
