// SMTP replies (RFC 5321 4.2) with enhanced status codes (RFC 2034, RFC 3463): the value, its
// wire form, and the one table of standard replies the session sends.
//
// Texts are written for a person typing into telnet: they say what went wrong and, where it
// helps, what to type instead. They never echo client bytes except a validated parameter name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tern::smtp_protocol {

struct Reply {
  int code = 0;          // 3 digits, 200-599 (354 and 334 included)
  std::string enhanced;  // "2.1.0"; empty when the reply carries none (220 greeting, EHLO, 354)
  // One entry per line of text; several make a multi-line reply. Empty: one line, no text.
  std::vector<std::string> lines;
  bool operator==(const Reply&) const = default;
};

// The wire form: every line "CODE-ENH text\r\n" except the last, "CODE ENH text\r\n"
// (RFC 5321 4.2.1; RFC 2034 puts the enhanced code on every line). The last line keeps its
// space even without text ("334 \r\n", as RFC 4954 wants). Bytes that would break the
// framing or are not printable ASCII (CR, LF, other controls except HTAB, octets >= 0x7F) are
// written as '?'.
std::string Format(const Reply& reply);
// Same, appended to `out` (to batch the replies to a pipelined group into one write).
void FormatTo(const Reply& reply, std::string* out);

// Every reply with a fixed text the session sends. Rows are in the table in reply.cc.
enum class ReplyId {
  kGreeting,              // 220     ESMTP ready (Greeting() puts the host name in front)
  kBye,                   // 221 2.0.0
  kAuthSucceeded,         // 235 2.7.0
  kOk,                    // 250 2.0.0 (NOOP, RSET)
  kSenderOk,              // 250 2.1.0
  kRecipientOk,           // 250 2.1.5
  kCannotVrfy,            // 252 2.5.0
  kStartInput,            // 354
  kReadyToStartTls,       // 220 2.0.0
  kShuttingDown,          // 421 4.3.2
  kTimeout,               // 421 4.4.2
  kTooManyErrors,         // 421 4.7.0
  kLocalError,            // 451 4.3.0
  kTooManyRecipients,     // 452 4.5.3
  kTlsUnavailable,        // 454 4.7.0
  kAuthUnavailable,       // 454 4.7.0 (the auth service could not be reached: not a "no")
  kUnknownCommand,        // 500 5.5.1
  kLineTooLong,           // 500 5.5.2 (a command line over Limits)
  kSyntaxError,           // 501 5.5.2
  kAuthCancelled,         // 501 5.0.0 (the client answered a challenge with "*")
  kBadBase64,             // 501 5.5.2
  kNotImplemented,        // 502 5.5.1 (EXPN)
  kBadSequence,           // 503 5.5.1
  kNeedHelo,              // 503 5.5.1
  kNeedMail,              // 503 5.5.1
  kNeedRcpt,              // 503 5.5.1
  kNestedMail,            // 503 5.5.1
  kAlreadyAuthenticated,  // 503 5.5.1
  kTlsAlreadyActive,      // 503 5.5.1
  kMechanismUnsupported,  // 504 5.5.4
  kMustStartTls,          // 530 5.7.0
  kAuthRequired,          // 530 5.7.0
  kAuthFailed,            // 535 5.7.8 (auth said no)
  kEncryptionRequired,    // 538 5.7.11
  kNoSuchUser,            // 550 5.1.1
  kRelayDenied,           // 550 5.7.1
  kMessageTooBig,         // 552 5.3.4
  kMailboxFull,           // 552 5.2.2
  kBadAddressSyntax,      // 553 5.1.3
  kNonAsciiAddress,       // 553 5.6.7 (UTF-8 address without SMTPUTF8, RFC 6531 3.7.4.2)
  kNoValidRecipients,     // 554 5.5.1 (DATA when every RCPT was refused)
  kBareLineEnding,        // 554 5.6.11 (bare LF or CR in the message: smuggling defence)
  kTextLineTooLong,       // 554 5.6.0 (a message line over Limits::max_text_line)
  kLineTooLongToRelay,    // 554 5.6.0 (a line over 1000 octets in mail for another domain)
  kUnknownParameter,      // 555 5.5.4
};

// The row of the table for `id`. The reference stays valid for the life of the program.
const Reply& StandardReply(ReplyId id);

// "220 <hostname> ESMTP ready".
Reply Greeting(std::string_view hostname);
// The HELO answer: "250 <hostname>".
Reply HeloReply(std::string_view hostname);
// The EHLO answer: "250-<hostname>" then one line per capability as given, in order
// ("PIPELINING", "SIZE 33554432", "AUTH PLAIN LOGIN", ...). No enhanced code (RFC 2034).
Reply EhloReply(std::string_view hostname, const std::vector<std::string>& capabilities);
// 214 2.0.0: the commands and a sample session for someone testing by hand. With a topic that
// names a command (case-insensitive), that command's syntax in one line.
Reply HelpReply(std::string_view topic = {});
// 334 with `challenge` base64-encoded (RFC 4954 4); an empty challenge gives "334 ".
Reply SaslChallenge(std::string_view challenge);

}  // namespace tern::smtp_protocol
