// CRLF line framing for the line-based text protocols (SMTP, POP3): resumable, bounded,
// pipelining-aware. The codecs put their commands on top of it (tern::smtp_protocol and
// tern::pop3_protocol CommandReader choose the limit of each line); this part only frames.
//
// Usage: Feed() what the socket gave, then call Next(limit) until it answers kNeedMore. When a
// command hands the stream to someone else, take or drop the bytes the reader still holds:
// TakeBuffered() for a message body (SMTP DATA and BDAT), DiscardBuffered() before a TLS
// handshake (STARTTLS, STLS: plaintext sent after it in the same packet must never be read as
// commands of the TLS session, the CVE-2011-0411 command injection).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tern::line_protocol {

class LineReader {
 public:
  struct Result {
    enum Kind {
      kNeedMore,  // no complete line buffered: Feed() more
      kLine,      // `line` is one line
      kTooLong,   // a line over the limit was dropped; reading resumes after its line ending,
                  // and the octets in between are never buffered
    } kind = kNeedMore;
    // kLine: the line without its ending. Valid until the next call of Feed(), TakeBuffered()
    // or DiscardBuffered() (further Next() calls leave it valid).
    std::string_view line;
    // kLine: ended by a bare LF, not CRLF (accepted for people typing into `nc`; the session
    // may count or refuse it).
    bool bare_lf = false;
  };

  // Appends `bytes` to the buffer; inside an over-long line, drops them up to its LF instead.
  // Memory stays within one line limit plus one Feed as long as the caller drains Next() to
  // kNeedMore before feeding again.
  void Feed(std::string_view bytes);

  // The next line. A line ends at LF; a CR just before it belongs to the ending. `max_line`
  // counts the ending: a line's text may be at most max_line - 2 octets. Lines are given
  // exactly as sent, NUL and lone CR included (the parsers refuse them). Any chunking of the
  // input gives the same sequence of results for the same sequence of limits.
  Result Next(size_t max_line);

  // The bytes fed but not yet returned as lines.
  std::string_view buffered() const;
  // Some of a line has arrived but not its end (buffered, or an over-long line being skipped).
  bool mid_line() const { return discarding_ || pos_ < buf_.size(); }
  // Removes and returns them; the reader starts afresh (an over-long line being skipped is
  // forgotten too).
  std::string TakeBuffered();
  // Drops them and returns how many there were; the reader starts afresh, as TakeBuffered().
  size_t DiscardBuffered();

 private:
  std::string buf_;
  size_t pos_ = 0;           // start of the unread part of buf_
  bool discarding_ = false;  // inside an over-long line: drop bytes up to the next LF
};

}  // namespace tern::line_protocol
