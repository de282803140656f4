// Receiving the message of a transaction: DATA (RFC 5321 4.1.1.4, dot-stuffed, ended by
// CRLF.CRLF) and BDAT (RFC 3030, exact octet counts). Both are resumable and bounded; neither
// ever refuses bytes in the middle of a message: they read to its end, so that the client stays
// in sync, and report what was wrong in `BodyStatus` for the session to answer afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tern/smtp_protocol/command.h"
#include "tern/smtp_protocol/limits.h"
#include "tern/smtp_protocol/reply.h"

namespace tern::smtp_protocol {

// What was seen in a message so far.
struct BodyStatus {
  // Message octets received (after dot-unstuffing), stored or not. Saturates at UINT64_MAX.
  uint64_t size = 0;
  // size > Limits::max_message_size, or a BDAT chunk over Limits::max_bdat_chunk: storing
  // stopped (at most max_message_size octets were stored).
  bool too_big = false;
  bool bare_lf = false;        // an LF not preceded by CR
  bool bare_cr = false;        // a CR not followed by LF
  bool line_too_long = false;  // a line over Limits::max_text_line octets, line ending included
  // Octets of the longest line seen, ending included (for DATA, as on the wire: a stuffing dot
  // counts).
  uint64_t longest_line = 0;
  bool operator==(const BodyStatus&) const = default;
};

// The reply refusing a message with this status, or nullopt when it is acceptable.
// One table, in priority order: too big (552 5.3.4), bare CR or LF (554 5.6.11, the SMTP
// smuggling defence; Postfix's smtpd_forbid_bare_newline), over-long line (554 5.6.0). With
// BODY=BINARYMIME only the size matters (RFC 3030 3).
std::optional<ReplyId> BodyRejection(const BodyStatus& status, BodyType body);

// RFC 5322 2.1.1 / RFC 5321 4.5.3.1.6: a line of text is at most 1000 octets with its CRLF.
inline constexpr uint64_t kRfcTextLine = 1000;

// For a message that also goes to other domains, after BodyRejection() accepted it: the reply
// refusing it when a line is longer than kRfcTextLine (554 5.6.0; many servers refuse or cut
// such lines, and Exim's transport bounces them, so they are refused while the sender is still
// connected), nullopt when it may be relayed. BINARYMIME has no line limit (RFC 3030).
std::optional<ReplyId> RelayRejection(const BodyStatus& status, BodyType body);

struct FeedResult {
  size_t consumed = 0;  // octets of the input that belonged to the message
  bool done = false;    // the end was reached; input past `consumed` is the next command
};

// The DATA phase, after 354. Feed what the socket gives; the message ends only at
// CRLF "." CRLF, where the first CRLF is the end of the previous line or of the DATA command
// (so "." CRLF first thing is an empty message).
//  - Dot-unstuffing (RFC 5321 4.5.2): a line starting with "." has that dot removed.
//  - Smuggling defence: LF "." LF, LF "." CRLF, CRLF "." LF, CR "." CRLF and the like are NOT
//    the end: they are message content, and flag bare_lf / bare_cr. Only after CRLF is a line
//    start: a dot after a bare LF is kept. Stored line endings are exactly as received.
//  - Any chunking of the input gives the same message, status and total consumed.
//  - No allocation per octet: runs of text are appended at once.
// Not thread-safe; one receiver per message.
class DataReceiver {
 public:
  explicit DataReceiver(Limits limits = {});

  // Consumes octets up to and including the end of data. After done, Feed() consumes nothing.
  FeedResult Feed(std::string_view bytes);
  bool done() const { return done_; }
  const BodyStatus& status() const { return status_; }
  // Moves out the octets stored so far (callable while receiving, to stream them on).
  std::string TakeMessage();

 private:
  void Store(const char* p, size_t n);
  void Text(const char* p, size_t n);  // non-line-ending octets of the current line

  enum State { kLineStart, kDot, kDotCr, kText, kCr };
  Limits limits_;
  State state_ = kLineStart;
  bool done_ = false;
  uint64_t line_len_ = 0;  // wire octets of the current line so far
  uint64_t stored_ = 0;    // octets ever stored (TakeMessage does not reset it)
  BodyStatus status_;
  std::string message_;
};

// The BDAT chunks of one message. For each BDAT command call StartChunk(), then Feed() until
// the chunk is done; the message is complete when the LAST chunk is done.
//  - No unstuffing, no end marker: exactly `size` octets are consumed per chunk.
//  - bare_lf, bare_cr and line_too_long are tracked across chunk boundaries (a CR ending one
//    chunk and an LF starting the next are a CRLF); BodyRejection() ignores them for
//    BINARYMIME.
//  - A chunk over Limits::max_bdat_chunk is read but not stored, and flags too_big.
class BdatReceiver {
 public:
  explicit BdatReceiver(Limits limits = {});

  // Begins a chunk announced by "BDAT size [LAST]". Call when the previous chunk is done.
  void StartChunk(uint64_t size, bool last);
  // Begins a chunk that is read and thrown away, counted nowhere: for a BDAT the session
  // refuses (no transaction, or a transaction that already failed) — RFC 3030 3 requires the
  // server to read it all the same.
  void SkipChunk(uint64_t size);
  // Consumes up to the rest of the current chunk. `done`: the chunk is complete (right away for
  // BDAT 0); the session then replies.
  FeedResult Feed(std::string_view bytes);
  bool chunk_done() const { return remaining_ == 0; }
  uint64_t chunk_remaining() const { return remaining_; }
  // The LAST chunk has been read completely.
  bool complete() const { return last_ && remaining_ == 0; }
  const BodyStatus& status() const { return status_; }
  std::string TakeMessage();

 private:
  void Scan(std::string_view chunk);

  Limits limits_;
  uint64_t remaining_ = 0;
  bool last_ = false;
  bool skipping_ = false;
  bool store_chunk_ = true;  // this chunk is within max_bdat_chunk
  bool prev_cr_ = false;     // the last octet so far was a CR
  uint64_t line_len_ = 0;
  uint64_t stored_ = 0;
  BodyStatus status_;
  std::string message_;
};

}  // namespace tern::smtp_protocol
