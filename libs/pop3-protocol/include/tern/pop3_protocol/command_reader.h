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

#include <cstddef>
#include <string>
#include <string_view>

#include "tern/pop3_protocol/limits.h"

namespace tern::pop3_protocol {

class CommandReader {
 public:
  struct Result {
    enum Kind {
      kNeedMore,  // no complete line buffered: Feed() more
      kLine,      // `line` is one command line
      kTooLong,   // a line over the limit was dropped (answer ReplyId::kLineTooLong); reading
                  // resumes after its line ending, and the octets in between are never buffered
    } kind = kNeedMore;
    // kLine: the line without its ending. Valid until the next call of Feed() or
    // DiscardBuffered() (further Next() calls leave it valid).
    std::string_view line;
    // kLine: ended by a bare LF, not CRLF (accepted for people typing into `nc`; the session
    // may count or refuse it).
    bool bare_lf = false;
  };
  enum class LineKind {
    kCommand,       // Limits::max_command_line, or max_auth_line if the line starts "AUTH "
    kSaslResponse,  // Limits::max_auth_line: a client line answering a "+ " challenge
  };

  explicit CommandReader(Limits limits = {});

  // Appends `bytes` to the buffer. Memory stays within one line limit plus one Feed as long as
  // the caller drains Next() to kNeedMore before feeding again.
  void Feed(std::string_view bytes);

  // The next line. A line ends at LF; a CR just before it belongs to the ending. A line's text
  // (the ending excluded) may be at most the limit minus 2 octets. Lines are given exactly as
  // sent, NUL and lone CR included (ParseCommand refuses them). Any chunking of the input
  // gives the same sequence of results.
  Result Next(LineKind kind = LineKind::kCommand);

  // The bytes fed but not yet returned as lines.
  std::string_view buffered() const;
  // Drops them and returns how many there were; the reader starts afresh (an over-long line
  // being skipped is forgotten too).
  size_t DiscardBuffered();

 private:
  Limits limits_;
  std::string buf_;
  size_t pos_ = 0;           // start of the unread part of buf_
  bool discarding_ = false;  // inside an over-long line: drop bytes up to the next LF
};

}  // namespace tern::pop3_protocol
