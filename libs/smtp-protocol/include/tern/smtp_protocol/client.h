// The client side of SMTP, for outbound delivery: server replies parsed line by line (bounded),
// the EHLO capability list, and a message body made ready for DATA. Pure, like the server codec.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tern/smtp_protocol/reply.h"

namespace tern::smtp_protocol {

// Collects the lines of one reply ("250-a", "250-b", "250 c"). Lines arrive without CRLF.
class ReplyParser {
 public:
  enum class State { kNeedMore, kDone, kError };
  static constexpr size_t kMaxLines = 200;
  static constexpr size_t kMaxLine = 4096;

  // kDone after the last line (code and space, or a bare code); kError on a malformed line,
  // a code that changes within the reply, or too many or too long lines. After kDone or
  // kError, Take() and start again.
  State Add(std::string_view line);
  // The reply: code, enhanced code when the first line starts with one (RFC 3463 "c.s.d"),
  // and the text of every line with the enhanced code removed.
  Reply Take();
  const std::string& error() const { return error_; }

 private:
  Reply reply_;
  std::string error_;
  bool first_ = true;
};

// "250 2.1.5 ok" as one line for logs and DSN Diagnostic-Code fields: code, enhanced code and
// every line's text joined with spaces.
std::string ReplyText(const Reply& reply);

// The EHLO keywords a server offered, upper-cased, with their parameters.
struct Capabilities {
  bool starttls = false;
  bool pipelining = false;
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  bool enhanced_status_codes = false;
  std::optional<uint64_t> size;  // SIZE with a limit (0 = no fixed limit)
  std::vector<std::string> auth; // AUTH mechanisms
};
Capabilities ParseCapabilities(const Reply& ehlo);

// The message as DATA sends it: CRLF line ends (a bare LF or CR becomes CRLF), a '.' doubled
// at the start of every line, a final CRLF when missing, then ".\r\n".
std::string DotStuff(std::string_view message);

// True when the message has an octet above 127 (BODY=8BITMIME is then declared).
bool HasEightBit(std::string_view message);

}  // namespace tern::smtp_protocol
