// ParseCommand: one table row per verb, one small parser per command.
#include "tern/smtp_protocol/command.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <utility>
#include <variant>

#include "grammar.h"
#include "tern/smtp_protocol/auth.h"

namespace tern::smtp_protocol {
namespace {

Invalid Refuse(std::string_view verb, int code, std::string_view enhanced, std::string text) {
  return Invalid{std::string(verb), Reply{code, std::string(enhanced), {std::move(text)}}};
}
// 501 5.5.2: the arguments are not shaped as the command wants.
Invalid Syntax(std::string_view verb, std::string_view usage) {
  return Refuse(verb, 501, "5.5.2", "Syntax: " + std::string(usage));
}
// 501 5.5.4: an argument has a value that is not allowed.
Invalid BadValue(std::string_view verb, std::string text) {
  return Refuse(verb, 501, "5.5.4", std::move(text));
}

// 1*DIGIT that fits in uint64_t.
bool ParseNumber(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

// RFC 3461 4 xtext: printable ASCII except '+' and '=', and "+XX" (upper-case hex).
bool DecodeXtext(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      if (i + 2 >= s.size()) return false;
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c >= 33 && c <= 126 && c != '=') {
      out->push_back(c);
    } else {
      return false;
    }
  }
  return true;
}

// One ESMTP parameter "keyword[=value]" (RFC 5321 4.1.2 esmtp-param), syntax only.
struct Param {
  std::string keyword;  // upper-cased
  std::optional<std::string_view> value;
};
bool SplitParam(std::string_view token, Param* p) {
  const size_t eq = token.find('=');
  const std::string_view keyword = token.substr(0, eq);
  if (keyword.empty() || !IsAlnum(keyword[0])) return false;
  for (char c : keyword) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  p->keyword = Upper(keyword);
  p->value.reset();
  if (eq == std::string_view::npos) return true;
  const std::string_view value = token.substr(eq + 1);
  if (value.empty()) return false;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126 || c == '=') return false;
  }
  p->value = value;
  return true;
}

Invalid Unsupported(std::string_view verb, const std::string& keyword) {
  std::string text = "Unsupported parameter";
  if (keyword.size() <= 32) text += ": " + keyword;
  return Refuse(verb, 555, "5.5.4", std::move(text));
}

// Parses the parameters after a MAIL path into `params`; an Invalid on the first bad one.
std::optional<Invalid> ParseMailParams(std::string_view rest, MailParams* params) {
  bool seen_smtputf8 = false;
  for (std::string_view token = NextToken(&rest); !token.empty(); token = NextToken(&rest)) {
    Param p;
    if (!SplitParam(token, &p)) return BadValue("MAIL", "Invalid parameter syntax");
    auto duplicate = [&] { return BadValue("MAIL", "Duplicate parameter: " + p.keyword); };
    if (p.keyword == "SIZE") {
      if (params->size) return duplicate();
      uint64_t n = 0;
      if (!p.value || !ParseNumber(*p.value, &n)) {
        return BadValue("MAIL", "Invalid SIZE value: use SIZE=<octets>");
      }
      params->size = n;
    } else if (p.keyword == "BODY") {
      if (params->body) return duplicate();
      if (p.value && IEquals(*p.value, "7BIT")) {
        params->body = BodyType::k7Bit;
      } else if (p.value && IEquals(*p.value, "8BITMIME")) {
        params->body = BodyType::k8BitMime;
      } else if (p.value && IEquals(*p.value, "BINARYMIME")) {
        params->body = BodyType::kBinaryMime;
      } else {
        return BadValue("MAIL", "Invalid BODY value: use 7BIT, 8BITMIME or BINARYMIME");
      }
    } else if (p.keyword == "SMTPUTF8") {
      if (seen_smtputf8) return duplicate();
      if (p.value) return BadValue("MAIL", "SMTPUTF8 takes no value");
      seen_smtputf8 = true;
      params->smtputf8 = true;
    } else if (p.keyword == "AUTH") {
      if (params->auth) return duplicate();
      std::string decoded;
      if (!p.value || !DecodeXtext(*p.value, &decoded)) {
        return BadValue("MAIL", "Invalid AUTH value: use AUTH=<address> or AUTH=<>");
      }
      params->auth = std::move(decoded);
    } else {
      return Unsupported("MAIL", p.keyword);
    }
  }
  return std::nullopt;
}

Command ParseHeloLike(std::string_view verb, std::string_view args, bool ehlo) {
  std::string_view rest = args;
  const std::string_view domain = NextToken(&rest);
  SkipSpaces(&rest);
  bool ascii = true;
  for (char c : domain) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (domain.empty() || !rest.empty() || !ascii) {
    return Syntax(verb, std::string(verb) + " <your-hostname>");
  }
  if (ehlo) return Ehlo{std::string(domain)};
  return Helo{std::string(domain)};
}

Command ParseHelo(std::string_view args) { return ParseHeloLike("HELO", args, false); }
Command ParseEhlo(std::string_view args) { return ParseHeloLike("EHLO", args, true); }

// "FROM:" / "TO:", optional spaces, then a path; `*rest` is what follows the path.
std::optional<Invalid> ParsePathArgument(std::string_view verb, std::string_view args,
                                         std::string_view prefix, bool forward, Path* path,
                                         std::string_view* rest) {
  const std::string usage = std::string(verb) + " " + std::string(prefix) +
                            (forward ? "<recipient@example.org>" : "<sender@example.com>");
  if (!IStartsWith(args, prefix)) return Syntax(verb, usage);
  std::string_view s = args.substr(prefix.size());
  SkipSpaces(&s);
  if (s.empty() || s[0] != '<') return Syntax(verb, usage);
  std::string error;
  const size_t used = ParsePath(s, forward, path, &error);
  if (used == 0) {
    return Refuse(
        verb, 553, "5.1.3",
        std::string(forward ? "Bad recipient" : "Bad sender") + " address syntax: " + error);
  }
  s.remove_prefix(used);
  if (!s.empty() && s[0] != ' ') return Syntax(verb, usage);
  *rest = s;
  return std::nullopt;
}

Command ParseMail(std::string_view args) {
  Mail mail;
  std::string_view rest;
  if (auto bad = ParsePathArgument("MAIL", args, "FROM:", false, &mail.reverse_path, &rest)) {
    return *std::move(bad);
  }
  if (auto bad = ParseMailParams(rest, &mail.params)) return *std::move(bad);
  return mail;
}

Command ParseRcpt(std::string_view args) {
  Rcpt rcpt;
  std::string_view rest;
  if (auto bad = ParsePathArgument("RCPT", args, "TO:", true, &rcpt.forward_path, &rest)) {
    return *std::move(bad);
  }
  const std::string_view token = NextToken(&rest);
  if (!token.empty()) {  // no RCPT parameter is offered
    Param p;
    if (!SplitParam(token, &p)) return BadValue("RCPT", "Invalid parameter syntax");
    return Unsupported("RCPT", p.keyword);
  }
  return rcpt;
}

template <typename T>
Command NoArguments(std::string_view verb, std::string_view args) {
  if (!args.empty()) {
    return Refuse(verb, 501, "5.5.4", "Syntax: " + std::string(verb) + " (no arguments)");
  }
  return T{};
}

Command ParseData(std::string_view args) { return NoArguments<Data>("DATA", args); }
Command ParseRset(std::string_view args) { return NoArguments<Rset>("RSET", args); }
Command ParseQuit(std::string_view args) { return NoArguments<Quit>("QUIT", args); }
Command ParseStartTls(std::string_view args) { return NoArguments<StartTls>("STARTTLS", args); }
Command ParseNoop(std::string_view) { return Noop{}; }
Command ParseHelp(std::string_view args) { return Help{std::string(args)}; }

Command ParseVrfy(std::string_view args) {
  if (args.empty()) return Syntax("VRFY", "VRFY <address>");
  return Vrfy{std::string(args)};
}

Command ParseExpn(std::string_view args) {
  if (args.empty()) return Syntax("EXPN", "EXPN <mailing-list>");
  return Expn{std::string(args)};
}

Command ParseBdat(std::string_view args) {
  std::string_view rest = args;
  const std::string_view size = NextToken(&rest);
  const std::string_view last = NextToken(&rest);
  SkipSpaces(&rest);
  Bdat bdat;
  if (size.empty() || !rest.empty() || (!last.empty() && !IEquals(last, "LAST"))) {
    return Syntax("BDAT", "BDAT <octets> [LAST]");
  }
  if (!ParseNumber(size, &bdat.size)) return BadValue("BDAT", "Invalid BDAT size");
  bdat.last = !last.empty();
  return bdat;
}

// RFC 4422 3.1: 1 to 20 of upper-case letters, digits, '-' and '_' (any case accepted here).
bool IsMechanismName(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

Command ParseAuth(std::string_view args) {
  std::string_view rest = args;
  const std::string_view mechanism = NextToken(&rest);
  const std::string_view response = NextToken(&rest);
  SkipSpaces(&rest);
  if (!IsMechanismName(mechanism) || !rest.empty()) {
    return Syntax("AUTH", "AUTH <mechanism> [initial-response]");
  }
  // The initial response is decoded by the session after it knows the mechanism: an unknown
  // mechanism gets 504 whatever follows it (RFC 4954 4), bad base64 for a known one 501.
  Auth auth{Upper(mechanism), std::nullopt};
  if (response == "=") {
    auth.initial_response = "";
  } else if (!response.empty()) {
    auth.initial_response = std::string(response);
  }
  return auth;
}

struct VerbRow {
  std::string_view verb;
  Command (*parse)(std::string_view args);
};
constexpr VerbRow kVerbs[] = {
    {"HELO", ParseHelo},         {"EHLO", ParseEhlo}, {"MAIL", ParseMail}, {"RCPT", ParseRcpt},
    {"DATA", ParseData},         {"BDAT", ParseBdat}, {"RSET", ParseRset}, {"NOOP", ParseNoop},
    {"QUIT", ParseQuit},         {"VRFY", ParseVrfy}, {"EXPN", ParseExpn}, {"HELP", ParseHelp},
    {"STARTTLS", ParseStartTls}, {"AUTH", ParseAuth},
};

// Names by variant index, for CommandName().
constexpr std::string_view kNames[] = {"HELO",     "EHLO", "MAIL",    "RCPT",   "DATA", "BDAT",
                                       "RSET",     "NOOP", "QUIT",    "VRFY",   "EXPN", "HELP",
                                       "STARTTLS", "AUTH", "UNKNOWN", "INVALID"};
static_assert(std::size(kNames) == std::variant_size_v<Command>);

}  // namespace

Command ParseCommand(std::string_view line) {
  TrimTrailingBlanks(&line);
  if (std::any_of(line.begin(), line.end(), IsControl)) {
    return Refuse("", 501, "5.5.2", "Syntax error: control characters are not allowed");
  }
  SkipSpaces(&line);
  if (line.empty()) return Refuse("", 500, "5.5.2", "Empty command; type HELP for a list");
  const VerbAndArgs split = SplitVerb(line);
  for (const auto& row : kVerbs) {
    if (IEquals(split.verb, row.verb)) return row.parse(split.args);
  }
  return Unknown{std::string(split.verb.substr(0, 32)), StandardReply(ReplyId::kUnknownCommand)};
}

std::string_view CommandName(const Command& command) { return kNames[command.index()]; }

}  // namespace tern::smtp_protocol
