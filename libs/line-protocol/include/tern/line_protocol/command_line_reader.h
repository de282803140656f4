// Command lines of the protocols whose SASL profile is "AUTH <mechanism> [initial-response]"
// followed by challenge and response lines: SMTP (RFC 4954) and POP3 (RFC 5034). A LineReader
// whose limit is chosen per line: base64 makes AUTH lines and SASL responses longer than the
// other commands. Each codec's CommandReader is this with its own Limits and documentation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tern/line_protocol/line_reader.h"

namespace tern::line_protocol {

class CommandLineReader {
 public:
  // kNeedMore, kLine (`line`, `bare_lf`) or kTooLong; see LineReader::Result.
  using Result = LineReader::Result;
  enum class LineKind {
    kCommand,       // max_command_line, or max_auth_line if the line starts "AUTH " (any case)
    kSaslResponse,  // max_auth_line: a client line answering a SASL challenge
  };

  // Both limits count the line ending. max_auth_line below max_command_line is taken as
  // max_command_line.
  CommandLineReader(size_t max_command_line, size_t max_auth_line)
      : max_command_line_(max_command_line), max_auth_line_(max_auth_line) {}

  // Appends `bytes` to the buffer. Memory stays within one line limit plus one Feed as long as
  // the caller drains Next() to kNeedMore before feeding again.
  void Feed(std::string_view bytes) { lines_.Feed(bytes); }

  // The next line. A line ends at LF; a CR just before it belongs to the ending. A line's text
  // (the ending excluded) may be at most its limit minus 2 octets. Lines are given exactly as
  // sent, NUL and lone CR included (the command parsers refuse them). Any chunking of the input
  // gives the same sequence of results for the same sequence of kinds.
  Result Next(LineKind kind = LineKind::kCommand);

  // The bytes fed but not yet returned as lines.
  std::string_view buffered() const { return lines_.buffered(); }
  // Some of a line has arrived but not its end (see LineReader::mid_line).
  bool mid_line() const { return lines_.mid_line(); }
  // Removes and returns them (a message body after SMTP DATA or BDAT); the reader starts
  // afresh, an over-long line being skipped forgotten too.
  std::string TakeBuffered() { return lines_.TakeBuffered(); }
  // Drops them and returns how many there were (plaintext pipelined after STARTTLS or STLS);
  // the reader starts afresh, as after TakeBuffered().
  size_t DiscardBuffered() { return lines_.DiscardBuffered(); }

 private:
  size_t max_command_line_;
  size_t max_auth_line_;
  LineReader lines_;
};

}  // namespace tern::line_protocol
