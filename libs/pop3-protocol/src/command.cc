// ParseCommand: one table row per keyword, one small parser per command.
#include "tern/pop3_protocol/command.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <utility>

#include "grammar.h"
#include "tern/pop3_protocol/auth.h"

namespace tern::pop3_protocol {
namespace {

Invalid Refuse(std::string_view verb, std::string text) {
  return Invalid{std::string(verb), Reply{false, ResponseCode::kNone, std::move(text)}};
}
// The arguments are not shaped as the command wants: show the syntax.
Invalid Syntax(std::string_view verb, std::string_view usage) {
  return Refuse(verb, "syntax: " + std::string(usage));
}

// What a command's parser gets: its arguments (leading spaces skipped, trailing spaces and
// tabs removed, except for PASS) and the limits.
struct Args {
  std::string_view text;
  const Limits& limits;
};

// Splits `args` into exactly `min`..`max` tokens. false when the count is wrong.
bool Tokens(std::string_view args, size_t min, size_t max, std::string_view* out) {
  size_t n = 0;
  for (std::string_view t = NextToken(&args); !t.empty(); t = NextToken(&args)) {
    if (n == max) return false;
    out[n++] = t;
  }
  return n >= min;
}

std::optional<Invalid> CheckLength(std::string_view verb, std::string_view token,
                                   const Limits& limits) {
  if (token.size() <= limits.max_argument) return std::nullopt;
  return Refuse(verb,
                "argument too long (at most " + std::to_string(limits.max_argument) + " octets)");
}

// 1*DIGIT, saturating at UINT64_MAX. false on anything else (signs, letters, empty).
bool ParseDigits(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    const auto d = static_cast<uint64_t>(c - '0');
    v = v > (std::numeric_limits<uint64_t>::max() - d) / 10 ? std::numeric_limits<uint64_t>::max()
                                                            : v * 10 + d;
  }
  *out = v;
  return true;
}

// A message number: 1*DIGIT within the argument limit, 1 to UINT32_MAX.
std::optional<Invalid> ParseMessageNumber(std::string_view verb, std::string_view usage,
                                          std::string_view token, const Limits& limits,
                                          uint32_t* msg) {
  if (auto bad = CheckLength(verb, token, limits)) return bad;
  uint64_t v = 0;
  if (!ParseDigits(token, &v)) return Syntax(verb, usage);
  if (v == 0 || v > std::numeric_limits<uint32_t>::max()) {
    return Invalid{std::string(verb), StandardReply(ReplyId::kNoSuchMessage)};
  }
  *msg = static_cast<uint32_t>(v);
  return std::nullopt;
}

template <typename T>
Command NoArguments(std::string_view verb, Args args) {
  if (!args.text.empty()) return Refuse(verb, "syntax: " + std::string(verb) + " (no arguments)");
  return T{};
}

Command ParseStat(Args a) { return NoArguments<Stat>("STAT", a); }
Command ParseNoop(Args a) { return NoArguments<Noop>("NOOP", a); }
Command ParseRset(Args a) { return NoArguments<Rset>("RSET", a); }
Command ParseQuit(Args a) { return NoArguments<Quit>("QUIT", a); }
Command ParseCapa(Args a) { return NoArguments<Capa>("CAPA", a); }
Command ParseStls(Args a) { return NoArguments<Stls>("STLS", a); }

Command ParseUser(Args a) {
  std::string_view t[1];
  if (!Tokens(a.text, 1, 1, t)) return Syntax("USER", "USER <name>");
  return User{std::string(t[0])};
}

// Not reached through the table's trimming: PASS sees its argument exactly as sent.
Command ParsePass(std::string_view raw) {
  if (raw.empty()) return Syntax("PASS", "PASS <password>");
  return Pass{std::string(raw)};  // ParseCommand refused control characters other than HTAB
}

Command ParseApop(Args a) {
  constexpr std::string_view kUsage = "APOP <name> <digest: 32 hexadecimal digits>";
  std::string_view t[2];
  if (!Tokens(a.text, 2, 2, t) || t[1].size() != 32 ||
      !std::all_of(t[1].begin(), t[1].end(), IsHexDigit)) {
    return Syntax("APOP", kUsage);
  }
  Apop apop{std::string(t[0]), std::string(t[1])};
  for (char& c : apop.digest) c = ToLower(c);
  return apop;
}

// RFC 4422 3.1: 1 to 20 of upper-case letters, digits, '-' and '_' (any case accepted here).
bool IsMechanismName(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsAlnum(c) || c == '-' || c == '_'; });
}

Command ParseAuth(Args a) {
  std::string_view t[2];
  if (!Tokens(a.text, 0, 2, t)) return Syntax("AUTH", "AUTH [<mechanism> [<initial-response>]]");
  Auth auth;
  if (t[0].empty()) return auth;  // bare AUTH: list the mechanisms
  if (auto bad = CheckLength("AUTH", t[0], a.limits)) return *std::move(bad);
  if (!IsMechanismName(t[0])) return Syntax("AUTH", "AUTH [<mechanism> [<initial-response>]]");
  auth.mechanism = Upper(t[0]);
  if (t[1] == "=") {
    auth.initial_response = "";
  } else if (!t[1].empty()) {
    if (!DecodeBase64(t[1])) return Refuse("AUTH", "invalid base64 in the initial response");
    auth.initial_response = std::string(t[1]);
  }
  return auth;
}

// LIST and UIDL: an optional message number.
template <typename T>
Command OptionalMessage(std::string_view verb, std::string_view usage, Args a) {
  std::string_view t[1];
  if (!Tokens(a.text, 0, 1, t)) return Syntax(verb, usage);
  T command;
  if (t[0].empty()) return command;
  uint32_t msg = 0;
  if (auto bad = ParseMessageNumber(verb, usage, t[0], a.limits, &msg)) return *std::move(bad);
  command.msg = msg;
  return command;
}

Command ParseList(Args a) { return OptionalMessage<List>("LIST", "LIST [<message-number>]", a); }
Command ParseUidl(Args a) { return OptionalMessage<Uidl>("UIDL", "UIDL [<message-number>]", a); }

// RETR and DELE: one message number.
template <typename T>
Command OneMessage(std::string_view verb, std::string_view usage, Args a) {
  std::string_view t[1];
  if (!Tokens(a.text, 1, 1, t)) return Syntax(verb, usage);
  T command;
  if (auto bad = ParseMessageNumber(verb, usage, t[0], a.limits, &command.msg)) {
    return *std::move(bad);
  }
  return command;
}

Command ParseRetr(Args a) { return OneMessage<Retr>("RETR", "RETR <message-number>", a); }
Command ParseDele(Args a) { return OneMessage<Dele>("DELE", "DELE <message-number>", a); }

Command ParseTop(Args a) {
  constexpr std::string_view kUsage = "TOP <message-number> <lines>";
  std::string_view t[2];
  if (!Tokens(a.text, 2, 2, t)) return Syntax("TOP", kUsage);
  Top top;
  if (auto bad = ParseMessageNumber("TOP", kUsage, t[0], a.limits, &top.msg)) {
    return *std::move(bad);
  }
  if (auto bad = CheckLength("TOP", t[1], a.limits)) return *std::move(bad);
  if (!ParseDigits(t[1], &top.lines)) return Syntax("TOP", kUsage);
  return top;
}

Command ParseRpop(Args a) { return Rpop{std::string(a.text.substr(0, a.limits.max_argument))}; }

struct KeywordRow {
  std::string_view keyword;
  Command (*parse)(Args args);
};
// PASS is not here: its argument is not trimmed (see ParseCommand).
constexpr KeywordRow kKeywords[] = {
    {"USER", ParseUser}, {"APOP", ParseApop}, {"AUTH", ParseAuth}, {"STAT", ParseStat},
    {"LIST", ParseList}, {"RETR", ParseRetr}, {"DELE", ParseDele}, {"NOOP", ParseNoop},
    {"RSET", ParseRset}, {"QUIT", ParseQuit}, {"TOP", ParseTop},   {"UIDL", ParseUidl},
    {"CAPA", ParseCapa}, {"STLS", ParseStls}, {"RPOP", ParseRpop},
};

// Names by variant index, for CommandName().
constexpr std::string_view kNames[] = {"USER", "PASS", "APOP", "AUTH", "STAT",    "LIST",
                                       "RETR", "DELE", "NOOP", "RSET", "QUIT",    "TOP",
                                       "UIDL", "CAPA", "STLS", "RPOP", "UNKNOWN", "INVALID"};
static_assert(std::size(kNames) == std::variant_size_v<Command>);

}  // namespace

Command ParseCommand(std::string_view line, const Limits& limits) {
  for (char c : line) {
    if (IsControl(c) && c != '\t') {
      return Refuse("", "control characters are not allowed in commands");
    }
  }
  SkipSpaces(&line);
  // PASS takes the rest of the line after one space, exactly (RFC 1939 7).
  if (IStartsWith(line, "PASS")) {
    std::string_view after = line.substr(4);
    if (after.empty() || after.front() == ' ') {
      if (!after.empty()) after.remove_prefix(1);
      return ParsePass(after);
    }
    if (after.find_first_not_of('\t') == std::string_view::npos) return ParsePass({});
  }
  TrimTrailingBlanks(&line);
  if (line.find('\t') != std::string_view::npos) {
    return Refuse("", "control characters are not allowed in commands");
  }
  if (line.empty()) return Refuse("", "empty command; send CAPA for the list of commands");
  const VerbAndArgs split = SplitVerb(line);
  for (const auto& row : kKeywords) {
    if (IEquals(split.verb, row.keyword)) return row.parse(Args{split.args, limits});
  }
  return Unknown{std::string(split.verb.substr(0, 32)), StandardReply(ReplyId::kUnknownCommand)};
}

std::string_view CommandName(const Command& command) { return kNames[command.index()]; }

}  // namespace tern::pop3_protocol
