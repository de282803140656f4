// Splits the client's byte stream into command lines: resumable, bounded, pipelining-aware.
//
// Usage: Feed() what the socket gave, then call Next() until it answers kNeedMore; parse each
// kLine with ParseCommand() and answer each kTooLong with ReplyId::kLineTooLong. When a command
// hands the stream to someone else, take or drop the bytes the reader still holds:
//  - DATA (after 354) and BDAT: TakeBuffered() and feed them to the Data/BdatReceiver; what the
//    receiver does not consume goes back through Feed().
//  - STARTTLS (after 220): DiscardBuffered(). Plaintext sent after STARTTLS in the same packet
//    must never be read as commands of the TLS session (CVE-2011-0411 command injection).
#pragma once

#include "tern/line_protocol/command_line_reader.h"
#include "tern/smtp_protocol/limits.h"

namespace tern::smtp_protocol {

// Command lines within Limits::max_command_line; an AUTH command line, and a client line
// answering a 334 challenge (read with LineKind::kSaslResponse), within Limits::max_auth_line.
// Next() gives kNeedMore, kLine or kTooLong: answer 500 5.5.2; reading resumes after the
// over-long line's ending. The framing and the AUTH rule are tern::line_protocol's, shared with
// the POP3 codec.
class CommandReader : public line_protocol::CommandLineReader {
 public:
  explicit CommandReader(Limits limits = {})
      : CommandLineReader(limits.max_command_line, limits.max_auth_line) {}
};

}  // namespace tern::smtp_protocol
