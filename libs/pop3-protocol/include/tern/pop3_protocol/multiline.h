// Multi-line responses (RFC 1939 3): the body lines after a "+OK" status line, dot-stuffed,
// with CRLF line endings, ended by "." CRLF. Streaming: feed the message in chunks of any size
// as storage gives them, send what comes out; memory is constant whatever the message.
//
// The status line is not written here: send Format(StandardReply(ReplyId::kMessageFollows))
// (or kTopFollows) first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::pop3_protocol {

namespace detail {
// Where a multi-line body stands after the octets so far; shared by MultilineWriter and
// ListSizeCounter so that both follow the same rules. kCr: the last octet was a CR, not yet a
// line end.
enum class LineState : uint8_t { kLineStart, kText, kCr };
}  // namespace detail

// Writes a message body (RETR) as a multi-line response body.
//  - Dot-stuffing: a line starting with "." gets another "." in front ("." -> "..",
//    ".." -> "...", ".x" -> "..x").
//  - Line endings: CRLF stays CRLF, a bare LF becomes CRLF (messages stored with LF endings
//    still reach the client in the POP3 form); a lone CR is kept as it is (it does not end a
//    line, so a dot after it is not stuffed and cannot end the response either).
//  - Finish() ends the last line with CRLF if the body did not, then writes ".\r\n". An empty
//    body gives ".\r\n" alone.
//  - Any chunking of the input gives the same output; a chunk may end anywhere (between CR and
//    LF, right after a line ending, on a dot). Nothing is held back between calls.
// Not thread-safe; one writer per response.
class MultilineWriter {
 public:
  // Appends the wire form of `chunk` to `*out`.
  void Write(std::string_view chunk, std::string* out);
  // Appends the end of the response. Call once, after the last Write().
  void Finish(std::string* out);

 private:
  detail::LineState state_ = detail::LineState::kLineStart;
};

// The whole body of `message` as a multi-line response body (MultilineWriter in one call).
std::string DotStuff(std::string_view message);

// The size of a message as RETR sends it (the size LIST and STAT give, RFC 1939 5), before
// dot-stuffing and without the terminating "." line: every line ended by CRLF (a bare LF counts
// as CRLF, a lone CR as the one octet it is), a last line without an ending ended (CRLF, or LF
// after a lone trailing CR). The rules of MultilineWriter, counted instead of written: one pass,
// nothing allocated, and any chunking of the input gives the same size. So
//   ListSize(m) == DotStuff(m).size() - (dots stuffed) - 3.
// Not thread-safe; one counter per message.
class ListSizeCounter {
 public:
  // Counts `chunk`, the next octets of the message.
  void Add(std::string_view chunk);
  // The size of what was added so far, as if the message ended there.
  uint64_t Total() const;

 private:
  detail::LineState state_ = detail::LineState::kLineStart;
  uint64_t octets_ = 0;
};

// ListSizeCounter in one call.
uint64_t ListSize(std::string_view message);

// Writes the TOP response body (RFC 1939 7): the header block, the blank line that ends it,
// then the first `body_lines` lines of the body, through a MultilineWriter (so stuffed and
// CRLF-ended).
//  - The header block ends at the first empty line, "\r\n" or a bare "\n" (LF-only messages
//    work the same). A message without an empty line is all header: it is written whole.
//  - TOP n with fewer than n body lines writes the whole message. A last line without an
//    ending counts as a line (Finish() ends it with CRLF).
//  - done() turns true once everything TOP needs has been written; later input is ignored, so
//    the caller may stop reading the message there.
class TopWriter {
 public:
  explicit TopWriter(uint64_t body_lines) : remaining_(body_lines) {}

  // Appends what of `chunk` belongs to the response. Returns done().
  bool Write(std::string_view chunk, std::string* out);
  // Appends the end of the response (see MultilineWriter::Finish).
  void Finish(std::string* out);
  bool done() const { return done_; }

 private:
  MultilineWriter writer_;
  uint64_t remaining_;  // body lines still to write
  bool in_headers_ = true;
  bool done_ = false;
  size_t line_octets_ = 0;       // octets of the current line so far, capped at 2
  bool line_starts_cr_ = false;  // the current line began with CR
};

// TOP in one call: the header block and the first `body_lines` body lines of `message`, as a
// multi-line response body.
std::string TopOf(std::string_view message, uint64_t body_lines);

}  // namespace tern::pop3_protocol
