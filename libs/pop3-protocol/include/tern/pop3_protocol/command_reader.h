// Splits the client's byte stream into command lines: resumable, bounded, pipelining-aware
// (RFC 2449 6.6: a client may send many commands in one packet; they are read and answered in
// order).
//
// Usage: Feed() what the socket gave, then call Next() until it answers kNeedMore; parse each
// kLine with ParseCommand() and answer each kTooLong with ReplyId::kLineTooLong. Inside a SASL
// exchange (after a "+ " challenge) read with LineKind::kSaslResponse and parse with
// ParseSaslResponse(). After STLS is accepted ("+OK Begin TLS negotiation"), call
// DiscardBuffered() before the handshake: plaintext sent after STLS in the same packet must
// never be read as commands of the TLS session (the CVE-2011-0411 command injection).
#pragma once

#include "tern/line_protocol/command_line_reader.h"
#include "tern/pop3_protocol/limits.h"

namespace tern::pop3_protocol {

// Command lines within Limits::max_command_line; an AUTH command line, and a client line
// answering a "+ " challenge (read with LineKind::kSaslResponse), within Limits::max_auth_line.
// Next() gives kNeedMore, kLine or kTooLong: answer ReplyId::kLineTooLong; reading resumes after
// the over-long line's ending. The framing and the AUTH rule are tern::line_protocol's, shared
// with the SMTP codec.
class CommandReader : public line_protocol::CommandLineReader {
 public:
  explicit CommandReader(Limits limits = {})
      : CommandLineReader(limits.max_command_line, limits.max_auth_line) {}
};

}  // namespace tern::pop3_protocol
