// POP3 status lines (RFC 1939 3) with extended response codes (RFC 2449 8, RFC 3206): the
// value, its wire form, and the one table of standard replies the session sends.
//
// Texts are written for a person typing into telnet: they say what went wrong and, where it
// helps, what to type instead. They never echo client bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::pop3_protocol {

// The response codes Tern sends (in brackets after "-ERR").
enum class ResponseCode {
  kNone,
  kInUse,       // [IN-USE]      RFC 2449 8.1.1: the maildrop is locked by another session
  kLoginDelay,  // [LOGIN-DELAY] RFC 2449 8.1.2: logging in again too soon
  kSysTemp,     // [SYS/TEMP]    RFC 3206 4: a temporary system problem; try later
  kSysPerm,     // [SYS/PERM]    RFC 3206 4: a permanent system problem; ask an administrator
  kAuth,        // [AUTH]        RFC 3206 5: the credentials (or the way they were sent) failed
};
// "IN-USE", "LOGIN-DELAY", "SYS/TEMP", "SYS/PERM", "AUTH"; "" for kNone.
std::string_view ResponseCodeName(ResponseCode code);

// One status line.
struct Reply {
  bool ok = true;  // "+OK" or "-ERR"
  ResponseCode code = ResponseCode::kNone;
  std::string text;  // may be empty
  bool operator==(const Reply&) const = default;
};

// The wire form: "+OK text\r\n", "-ERR [CODE] text\r\n", "+OK\r\n" without text. Bytes that
// would break the framing or are not printable ASCII (CR, LF, other controls except HTAB,
// octets >= 0x7F) are written as '?'. The text is cut so that the line, CRLF included, stays
// within 512 octets (RFC 2449 4).
std::string Format(const Reply& reply);
// Same, appended to `out` (to batch the replies to a pipelined group into one write).
void FormatTo(const Reply& reply, std::string* out);

// Every reply with a fixed text the session sends. Rows are in the table in reply.cc.
enum class ReplyId {
  kOk,                    // +OK (NOOP)
  kBye,                   // +OK (QUIT)
  kUserAccepted,          // +OK (USER: says nothing about whether the mailbox exists)
  kLoggedIn,              // +OK
  kMessageFollows,        // +OK (RETR, then the multi-line body)
  kTopFollows,            // +OK (TOP)
  kScanListingFollows,    // +OK (LIST without argument)
  kUidlListingFollows,    // +OK (UIDL without argument)
  kCapabilitiesFollow,    // +OK (CAPA)
  kMechanismsFollow,      // +OK (bare AUTH: the SASL mechanisms, one per line)
  kMessageDeleted,        // +OK (DELE)
  kBeginTls,              // +OK Begin TLS negotiation (STLS, RFC 2595 4)
  kNoSuchMessage,         // -ERR
  kAlreadyDeleted,        // -ERR
  kAuthFailed,            // -ERR [AUTH] (auth said no)
  kAuthUnavailable,       // -ERR [SYS/TEMP] (the auth service could not be reached: not a "no")
  kTryLater,              // -ERR [SYS/TEMP] (storage unreachable and the like)
  kMaildropUnavailable,   // -ERR [SYS/PERM]
  kInUse,                 // -ERR [IN-USE]
  kLoginDelay,            // -ERR [LOGIN-DELAY]
  kPlaintextRefused,      // -ERR [AUTH] (USER, PASS, APOP, AUTH before STLS)
  kRpopRefused,           // -ERR (RFC 1081 RPOP)
  kApopUnavailable,       // -ERR (APOP when the server did not offer it)
  kNeedUser,              // -ERR (PASS without USER)
  kMechanismUnsupported,  // -ERR
  kAuthCancelled,         // -ERR (the client answered a challenge with "*")
  kBadBase64,             // -ERR
  kTlsAlreadyActive,      // -ERR
  kTlsUnavailable,        // -ERR [SYS/TEMP]
  kNeedLogin,             // -ERR (a TRANSACTION command in the AUTHORIZATION state)
  kAlreadyLoggedIn,       // -ERR (an AUTHORIZATION command in the TRANSACTION state)
  kSessionEnding,         // -ERR (anything in the UPDATE state)
  kUnknownCommand,        // -ERR
  kLineTooLong,           // -ERR (a command line over Limits)
  kTooManyErrors,         // -ERR (then close: Limits::max_bad_commands)
  kTimeout,               // -ERR (autologout timer, RFC 1939 3; then close)
  kShuttingDown,          // -ERR [SYS/TEMP] (then close)
  kDeleteFailed,          // -ERR [SYS/TEMP] (QUIT: some deleted messages not removed)
  kThrottled,             // -ERR [SYS/TEMP] (too many failed logins: auth says wait)
  kTooManyConnections,    // -ERR [SYS/TEMP] (refused at a connection limit; then close)
};

// The row of the table for `id`. The reference stays valid for the life of the program.
const Reply& StandardReply(ReplyId id);

// An APOP timestamp banner "<pid.random@host>" (RFC 1939 7: a msg-id unique to this
// connection). The caller supplies the randomness; `host` is cut to its first 64 octets of
// letters, digits, '.' and '-' ("localhost" if none remain).
std::string ApopBanner(uint64_t pid, uint64_t random, std::string_view host);

// The greeting: "+OK Tern POP3 server ready", followed by " <banner>" when `apop_banner` is
// not empty (offer APOP only when the server can verify it; see ApopBanner).
Reply Greeting(std::string_view apop_banner = {});

// After login and for RSET (RFC 1939 examples): "+OK maildrop has 2 messages (320 octets)",
// singular for 1.
Reply MaildropReply(uint64_t messages, uint64_t octets);
// STAT: "+OK 2 320" (RFC 1939 5: exactly the count and the size, nothing else).
Reply StatReply(uint64_t messages, uint64_t octets);
// LIST msg: "+OK 2 200".
Reply ScanReply(uint32_t msg, uint64_t octets);
// UIDL msg: "+OK 2 <unique-id>" (the id's octets outside 0x21-0x7E become '?', cut to 70).
Reply UidlReply(uint32_t msg, std::string_view unique_id);

}  // namespace tern::pop3_protocol
