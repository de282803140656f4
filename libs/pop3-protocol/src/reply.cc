#include "tern/pop3_protocol/reply.h"

#include <array>
#include <cstddef>
#include <iterator>
#include <utility>

#include "grammar.h"

namespace tern::pop3_protocol {
namespace {

using enum ResponseCode;

struct Row {
  ReplyId id;
  bool ok;
  ResponseCode code;
  std::string_view text;
};

// The one table of fixed replies. Row order must follow the ReplyId enum (checked below).
constexpr Row kRows[] = {
    {ReplyId::kOk, true, kNone, ""},
    {ReplyId::kBye, true, kNone, "Tern POP3 server signing off"},
    {ReplyId::kUserAccepted, true, kNone, "send your password with PASS"},
    {ReplyId::kLoggedIn, true, kNone, "logged in"},
    {ReplyId::kMessageFollows, true, kNone, "message follows"},
    {ReplyId::kTopFollows, true, kNone, "top of message follows"},
    {ReplyId::kScanListingFollows, true, kNone, "scan listing follows"},
    {ReplyId::kUidlListingFollows, true, kNone, "unique-id listing follows"},
    {ReplyId::kCapabilitiesFollow, true, kNone, "capability list follows"},
    {ReplyId::kMechanismsFollow, true, kNone, "SASL mechanisms follow"},
    {ReplyId::kMessageDeleted, true, kNone, "message deleted"},
    {ReplyId::kBeginTls, true, kNone, "Begin TLS negotiation"},
    {ReplyId::kNoSuchMessage, false, kNone, "no such message"},
    {ReplyId::kAlreadyDeleted, false, kNone, "message already deleted"},
    {ReplyId::kAuthFailed, false, kAuth, "invalid credentials"},
    {ReplyId::kAuthUnavailable, false, kSysTemp,
     "authentication temporarily unavailable; try again later"},
    {ReplyId::kTryLater, false, kSysTemp, "temporary server problem; try again later"},
    {ReplyId::kMaildropUnavailable, false, kSysPerm,
     "maildrop unavailable; contact your administrator"},
    {ReplyId::kInUse, false, kInUse, "maildrop already locked by another session; try again later"},
    {ReplyId::kLoginDelay, false, kLoginDelay,
     "logged in too recently; wait a while before logging in again"},
    {ReplyId::kPlaintextRefused, false, kAuth, "plaintext login refused; use STLS first"},
    {ReplyId::kRpopRefused, false, kNone,
     "RPOP is not supported (obsolete and insecure); use APOP or SASL over TLS"},
    {ReplyId::kApopUnavailable, false, kNone,
     "APOP is not available here; log in with USER and PASS or AUTH"},
    {ReplyId::kNeedUser, false, kNone, "send USER first"},
    {ReplyId::kMechanismUnsupported, false, kNone,
     "unsupported authentication mechanism; send AUTH alone for the list"},
    {ReplyId::kAuthCancelled, false, kNone, "authentication cancelled"},
    {ReplyId::kBadBase64, false, kNone, "invalid base64 data; authentication aborted"},
    {ReplyId::kTlsAlreadyActive, false, kNone, "TLS is already active"},
    {ReplyId::kTlsUnavailable, false, kSysTemp, "TLS not available right now; try again later"},
    {ReplyId::kNeedLogin, false, kNone, "log in first (USER and PASS, or AUTH)"},
    {ReplyId::kAlreadyLoggedIn, false, kNone, "already logged in"},
    {ReplyId::kSessionEnding, false, kNone, "the session is ending"},
    {ReplyId::kUnknownCommand, false, kNone, "unknown command; send CAPA for the list of commands"},
    {ReplyId::kLineTooLong, false, kNone, "line too long"},
    {ReplyId::kTooManyErrors, false, kNone, "too many bad commands; closing the connection"},
    {ReplyId::kTimeout, false, kNone, "timed out; closing the connection"},
    {ReplyId::kShuttingDown, false, kSysTemp, "server shutting down; try again later"},
    {ReplyId::kDeleteFailed, false, kSysTemp,
     "some deleted messages were not removed; try again later"},
    {ReplyId::kThrottled, false, kSysTemp, "too many failed logins; wait a while and try again"},
    {ReplyId::kTooManyConnections, false, kSysTemp, "too many connections; try again later"},
};

constexpr bool RowsFollowEnum() {
  for (size_t i = 0; i < std::size(kRows); ++i) {
    if (static_cast<size_t>(kRows[i].id) != i) return false;
  }
  return static_cast<size_t>(ReplyId::kTooManyConnections) + 1 == std::size(kRows);
}
static_assert(RowsFollowEnum(), "kRows must list every ReplyId in enum order");

// RFC 2449 4: a response line is at most 512 octets, CRLF included.
constexpr size_t kMaxReplyLine = 512;

Reply Ok(std::string text) { return Reply{true, kNone, std::move(text)}; }

}  // namespace

std::string_view ResponseCodeName(ResponseCode code) {
  switch (code) {
    case kNone:
      return "";
    case kInUse:
      return "IN-USE";
    case kLoginDelay:
      return "LOGIN-DELAY";
    case kSysTemp:
      return "SYS/TEMP";
    case kSysPerm:
      return "SYS/PERM";
    case kAuth:
      return "AUTH";
  }
  return "";
}

void FormatTo(const Reply& reply, std::string* out) {
  const size_t start = out->size();
  out->append(reply.ok ? "+OK" : "-ERR");
  if (reply.code != kNone) {
    out->append(" [");
    out->append(ResponseCodeName(reply.code));
    out->push_back(']');
  }
  if (!reply.text.empty()) {
    out->push_back(' ');
    const size_t used = out->size() - start;
    const size_t room = kMaxReplyLine - 2 - used;  // used is at most 19
    AppendSanitized(std::string_view(reply.text).substr(0, room), out);
  }
  out->append("\r\n");
}

std::string Format(const Reply& reply) {
  std::string out;
  FormatTo(reply, &out);
  return out;
}

const Reply& StandardReply(ReplyId id) {
  static const auto* const kReplies = [] {
    auto* replies = new std::array<Reply, std::size(kRows)>();
    for (size_t i = 0; i < std::size(kRows); ++i) {
      (*replies)[i] = Reply{kRows[i].ok, kRows[i].code, std::string(kRows[i].text)};
    }
    return replies;
  }();
  return (*kReplies)[static_cast<size_t>(id)];
}

std::string ApopBanner(uint64_t pid, uint64_t random, std::string_view host) {
  std::string out = "<";
  AppendDecimal(pid, &out);
  out.push_back('.');
  AppendDecimal(random, &out);
  out.push_back('@');
  size_t kept = 0;
  for (char c : host) {
    if (kept == 64) break;
    if (IsAlnum(c) || c == '.' || c == '-') {
      out.push_back(c);
      ++kept;
    }
  }
  if (kept == 0) out.append("localhost");
  out.push_back('>');
  return out;
}

Reply Greeting(std::string_view apop_banner) {
  std::string text = "Tern POP3 server ready";
  if (!apop_banner.empty()) {
    text.push_back(' ');
    text.append(apop_banner);
  }
  return Ok(std::move(text));
}

Reply MaildropReply(uint64_t messages, uint64_t octets) {
  std::string text = "maildrop has ";
  AppendDecimal(messages, &text);
  text.append(messages == 1 ? " message (" : " messages (");
  AppendDecimal(octets, &text);
  text.append(octets == 1 ? " octet)" : " octets)");
  return Ok(std::move(text));
}

Reply StatReply(uint64_t messages, uint64_t octets) {
  std::string text;
  AppendDecimal(messages, &text);
  text.push_back(' ');
  AppendDecimal(octets, &text);
  return Ok(std::move(text));
}

Reply ScanReply(uint32_t msg, uint64_t octets) { return StatReply(msg, octets); }

Reply UidlReply(uint32_t msg, std::string_view unique_id) {
  std::string text;
  AppendDecimal(msg, &text);
  text.push_back(' ');
  AppendUniqueId(unique_id, &text);
  return Ok(std::move(text));
}

}  // namespace tern::pop3_protocol
