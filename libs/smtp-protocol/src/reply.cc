#include "tern/smtp_protocol/reply.h"

#include <array>
#include <cstddef>

#include "grammar.h"
#include "tern/smtp_protocol/auth.h"

namespace tern::smtp_protocol {
namespace {

struct Row {
  ReplyId id;
  int code;
  std::string_view enhanced;
  std::string_view text;
};

// The one table of fixed replies. Row order must follow the ReplyId enum (checked below).
constexpr Row kRows[] = {
    {ReplyId::kGreeting, 220, "", "ESMTP ready"},
    {ReplyId::kBye, 221, "2.0.0", "Bye"},
    {ReplyId::kAuthSucceeded, 235, "2.7.0", "Authentication successful"},
    {ReplyId::kOk, 250, "2.0.0", "OK"},
    {ReplyId::kSenderOk, 250, "2.1.0", "Sender OK"},
    {ReplyId::kRecipientOk, 250, "2.1.5", "Recipient OK"},
    {ReplyId::kCannotVrfy, 252, "2.5.0",
     "Cannot verify the user, but will accept the message and attempt delivery"},
    {ReplyId::kStartInput, 354, "", "Send the message; end it with a line holding only \".\""},
    {ReplyId::kReadyToStartTls, 220, "2.0.0", "Ready to start TLS"},
    {ReplyId::kShuttingDown, 421, "4.3.2", "Service shutting down, closing the connection"},
    {ReplyId::kTimeout, 421, "4.4.2", "Timeout, closing the connection"},
    {ReplyId::kTooManyErrors, 421, "4.7.0", "Too many errors, closing the connection"},
    {ReplyId::kLocalError, 451, "4.3.0", "Local error in processing; please try again later"},
    {ReplyId::kTooManyRecipients, 452, "4.5.3", "Too many recipients in one message"},
    {ReplyId::kTlsUnavailable, 454, "4.7.0", "TLS not available right now; try again later"},
    {ReplyId::kAuthUnavailable, 454, "4.7.0",
     "Authentication temporarily unavailable; try again later"},
    {ReplyId::kUnknownCommand, 500, "5.5.1",
     "Command not recognized; type HELP for a list of commands"},
    {ReplyId::kLineTooLong, 500, "5.5.2", "Line too long"},
    {ReplyId::kSyntaxError, 501, "5.5.2", "Syntax error"},
    {ReplyId::kAuthCancelled, 501, "5.0.0", "Authentication cancelled"},
    {ReplyId::kBadBase64, 501, "5.5.2", "Invalid base64 data"},
    {ReplyId::kNotImplemented, 502, "5.5.1", "Command not implemented"},
    {ReplyId::kBadSequence, 503, "5.5.1", "Bad sequence of commands"},
    {ReplyId::kNeedHelo, 503, "5.5.1", "Send EHLO (or HELO) first"},
    {ReplyId::kNeedMail, 503, "5.5.1", "Send MAIL FROM first"},
    {ReplyId::kNeedRcpt, 503, "5.5.1", "Send RCPT TO first"},
    {ReplyId::kNestedMail, 503, "5.5.1", "Sender already given; send RSET to start over"},
    {ReplyId::kAlreadyAuthenticated, 503, "5.5.1", "Already authenticated"},
    {ReplyId::kTlsAlreadyActive, 503, "5.5.1", "TLS is already active"},
    {ReplyId::kMechanismUnsupported, 504, "5.5.4", "Authentication mechanism not supported"},
    {ReplyId::kMustStartTls, 530, "5.7.0", "Must issue a STARTTLS command first"},
    {ReplyId::kAuthRequired, 530, "5.7.0", "Authentication required"},
    {ReplyId::kAuthFailed, 535, "5.7.8", "Authentication failed: invalid credentials"},
    {ReplyId::kEncryptionRequired, 538, "5.7.11",
     "Encryption required for this authentication mechanism; use STARTTLS first"},
    {ReplyId::kNoSuchUser, 550, "5.1.1", "No such user here"},
    {ReplyId::kRelayDenied, 550, "5.7.1", "Relaying denied"},
    {ReplyId::kMessageTooBig, 552, "5.3.4", "Message too big"},
    {ReplyId::kMailboxFull, 552, "5.2.2", "Mailbox full"},
    {ReplyId::kBadAddressSyntax, 553, "5.1.3", "Bad address syntax"},
    {ReplyId::kNonAsciiAddress, 553, "5.6.7",
     "Non-ASCII address needs the SMTPUTF8 parameter on MAIL FROM"},
    {ReplyId::kNoValidRecipients, 554, "5.5.1", "No valid recipients"},
    {ReplyId::kBareLineEnding, 554, "5.6.11",
     "Message refused: bare <CR> or <LF> found; lines must end with <CR><LF>"},
    {ReplyId::kTextLineTooLong, 554, "5.6.0",
     "Message refused: a line is too long"},
    {ReplyId::kLineTooLongToRelay, 554, "5.6.0",
     "Message refused: lines longer than 998 characters cannot be relayed to other domains "
     "(RFC 5322 2.1.1); wrap them or use quoted-printable"},
    {ReplyId::kUnknownParameter, 555, "5.5.4", "Unsupported MAIL FROM or RCPT TO parameter"},
};

constexpr bool RowsFollowEnum() {
  for (size_t i = 0; i < std::size(kRows); ++i) {
    if (static_cast<size_t>(kRows[i].id) != i) return false;
  }
  return static_cast<size_t>(ReplyId::kUnknownParameter) + 1 == std::size(kRows);
}
static_assert(RowsFollowEnum(), "kRows must list every ReplyId in enum order");

void AppendLine(const Reply& reply, std::string_view text, bool last, std::string* out) {
  const int code = reply.code;
  out->push_back(static_cast<char>('0' + (code / 100) % 10));
  out->push_back(static_cast<char>('0' + (code / 10) % 10));
  out->push_back(static_cast<char>('0' + code % 10));
  out->push_back(last ? ' ' : '-');
  if (!reply.enhanced.empty()) {
    AppendSanitized(reply.enhanced, out);
    if (!text.empty()) out->push_back(' ');
  }
  AppendSanitized(text, out);
  out->append("\r\n");
}

struct HelpRow {
  std::string_view verb;
  std::string_view syntax;
};
constexpr HelpRow kHelp[] = {
    {"HELO", "HELO <your-hostname>"},
    {"EHLO", "EHLO <your-hostname>  (lists the extensions this server offers)"},
    {"MAIL",
     "MAIL FROM:<sender@example.com> [SIZE=<octets>] [BODY=7BIT|8BITMIME|BINARYMIME] "
     "[SMTPUTF8] [AUTH=<sender>]  (MAIL FROM:<> for a bounce)"},
    {"RCPT", "RCPT TO:<recipient@example.org>  (once per recipient)"},
    {"DATA", "DATA, then the message, then a line holding only \".\""},
    {"BDAT", "BDAT <octets> [LAST], then exactly that many octets"},
    {"RSET", "RSET  (abandons the current message)"},
    {"NOOP", "NOOP  (does nothing)"},
    {"QUIT", "QUIT  (closes the connection)"},
    {"VRFY", "VRFY <address>  (never confirms addresses)"},
    {"EXPN", "EXPN <list>  (not available)"},
    {"HELP", "HELP [command]"},
    {"STARTTLS", "STARTTLS  (then start a TLS handshake)"},
    {"AUTH", "AUTH <mechanism> [initial-response-in-base64]  (see EHLO for mechanisms)"},
};

}  // namespace

void FormatTo(const Reply& reply, std::string* out) {
  if (reply.lines.empty()) {
    AppendLine(reply, {}, true, out);
    return;
  }
  for (size_t i = 0; i < reply.lines.size(); ++i) {
    AppendLine(reply, reply.lines[i], i + 1 == reply.lines.size(), out);
  }
}

std::string Format(const Reply& reply) {
  std::string out;
  FormatTo(reply, &out);
  return out;
}

const Reply& StandardReply(ReplyId id) {
  static const auto* const kTable = [] {
    auto* t = new std::array<Reply, std::size(kRows)>();
    for (size_t i = 0; i < std::size(kRows); ++i) {
      (*t)[i] = Reply{kRows[i].code, std::string(kRows[i].enhanced), {std::string(kRows[i].text)}};
    }
    return t;
  }();
  return (*kTable)[static_cast<size_t>(id)];
}

Reply Greeting(std::string_view hostname) {
  Reply r = StandardReply(ReplyId::kGreeting);
  r.lines[0] = std::string(hostname) + " " + r.lines[0];
  return r;
}

Reply HeloReply(std::string_view hostname) { return Reply{250, "", {std::string(hostname)}}; }

Reply EhloReply(std::string_view hostname, const std::vector<std::string>& capabilities) {
  Reply r{250, "", {std::string(hostname)}};
  r.lines.insert(r.lines.end(), capabilities.begin(), capabilities.end());
  return r;
}

Reply HelpReply(std::string_view topic) {
  const std::string verb = Upper(topic);
  for (const auto& row : kHelp) {
    if (row.verb == verb) return Reply{214, "2.0.0", {"Syntax: " + std::string(row.syntax)}};
  }
  Reply r{214, "2.0.0", {}};
  r.lines.push_back("Commands:");
  std::string all = " ";
  for (const auto& row : kHelp) {
    all += " ";
    all += row.verb;
  }
  r.lines.push_back(all);
  r.lines.push_back("A message, typed by hand:");
  r.lines.push_back("  EHLO client.example.com");
  r.lines.push_back("  MAIL FROM:<you@example.com>");
  r.lines.push_back("  RCPT TO:<someone@example.org>");
  r.lines.push_back("  DATA");
  r.lines.push_back("  Subject: test");
  r.lines.push_back("  (an empty line, the text, then a line holding only \".\")");
  r.lines.push_back("  QUIT");
  r.lines.push_back("HELP <command> shows the syntax of one command");
  return r;
}

Reply SaslChallenge(std::string_view challenge) {
  return Reply{334, "", {EncodeBase64(challenge)}};
}

}  // namespace tern::smtp_protocol
