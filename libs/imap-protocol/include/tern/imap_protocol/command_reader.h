// Splits the client's byte stream into whole IMAP commands: resumable, bounded and
// pipelining-aware. A command is a line that may announce literals ("{12}" synchronizing,
// "{12+}" non-synchronizing, RFC 7888 LITERAL+) at its end, each followed by CRLF, the
// literal's octets and more of the command.
//
// Usage: Feed() what the socket gave, then call Next() until it answers kNeedMore:
//  - kCommand: `command` is one whole command as sent, literals inline, the final CRLF
//    removed; give it to ParseCommand().
//  - kContinue: a synchronizing literal was accepted: send "+ Ready for literal data" (any
//    text) now, then go on calling Next().
//  - kRefused: the command cannot be taken (a line over Limits::max_line, a literal over its
//    limit, a command over max_command): answer `tag` (may be "": "*") with `text`; when
//    `code` is set it is the response code ("TOOBIG"). The command is skipped whole: the reader
//    goes on at the next command, reading and dropping a non-synchronizing literal of up to
//    max_discard octets on the way. With `fatal` the stream cannot be recovered (a bigger
//    non-synchronizing literal): send "* BYE" and close.
// Limits on literals are decided on the announced size, before any of its octets is read:
// APPEND's message literal (the one literal of "APPEND", "<tag> APPEND ..." or "<tag> UID ..."
// is not a thing) gets max_append_literal, any other literal max_literal.
//
// Inside AUTHENTICATE (after "+ ") and IDLE (waiting for "DONE"), read the client's line with
// NextLine(): a plain line within max_sasl_line, no literals.
//
// After STARTTLS is answered OK, call DiscardBuffered() before the handshake: plaintext sent
// after STARTTLS must never be read as commands of the TLS session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tern/imap_protocol/limits.h"

namespace tern::imap_protocol {

class CommandReader {
 public:
  explicit CommandReader(Limits limits = {});

  struct Result {
    enum Kind { kNeedMore, kCommand, kContinue, kRefused, kLine, kTooLong } kind = kNeedMore;
    std::string command;  // kCommand; kLine: the line without its CRLF
    std::string tag;      // kRefused: the command's tag, "" when none was read
    std::string text;     // kRefused: what to say
    std::string code;     // kRefused: a response code or ""
    bool fatal = false;   // kRefused: say * BYE and close
  };

  // Appends `bytes`. Memory stays within the current command's limits plus one Feed as long
  // as the caller drains Next() to kNeedMore before feeding again.
  void Feed(std::string_view bytes);
  // The next command (kNeedMore, kCommand, kContinue or kRefused). Any chunking of the input
  // gives the same sequence of results.
  Result Next();
  // The next plain line (kNeedMore, kLine, or kTooLong: the over-long line is skipped to its
  // end). A line ends at LF; a CR before it belongs to the ending.
  Result NextLine();

  // Some of a command has arrived, not its end (for the line deadline).
  bool mid_command() const;
  // Drops every byte fed but not yet returned, and any command under way; returns how many.
  size_t DiscardBuffered();

 private:
  Limits limits_;
  std::string buf_;   // fed, not yet consumed
  size_t pos_ = 0;    // consumed prefix of buf_
  // The command under way.
  std::string cmd_;
  size_t scanned_ = 0;       // of buf_ from pos_, searched for LF
  uint64_t literal_left_ = 0;  // octets of an accepted literal still to copy into cmd_
  uint64_t discard_left_ = 0;  // octets of a refused literal still to drop
  bool skipping_ = false;    // dropping the rest of a refused command
  bool append_ = false;      // the command under way is APPEND
  bool first_line_ = true;   // the line under way is the command's first
  // Added with the implementation (private, no API change):
  bool dead_ = false;          // a fatal refusal was given: everything is dropped
  bool skip_plain_ = false;    // the line skipped is a NextLine() line (no literal at its end)
  bool refuse_pending_ = false;  // the skipped line was too long: refuse at its end
  bool skip_truncated_ = false;  // skip_tail_ lost the start of the skipped line
  bool message_seen_ = false;  // APPEND's message literal has been taken
  size_t cmd_budget_ = 0;      // octets of the command counted against max_command
  std::string skip_tail_;      // the last octets of a skipped line (a literal at its end)
  std::string pending_tag_;    // the tag of the refused command

  Result Refuse(std::string tag, std::string_view text, std::string_view code,
                std::string_view line_end);
  void ResetCommand();
  void Compact();
};

}  // namespace tern::imap_protocol
