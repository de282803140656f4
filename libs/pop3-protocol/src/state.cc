#include "tern/pop3_protocol/state.h"

#include <iterator>
#include <variant>

namespace tern::pop3_protocol {
namespace {

// The one table. Row order follows the Command variant (the test checks every name); the
// UNKNOWN and INVALID rows are placeholders: RuleFor never returns them.
//  name     authorization transaction login before_tls_only
constexpr CommandRule kRules[] = {
    {"USER", true, false, true, false},     // RFC 1939 7
    {"PASS", true, false, true, false},     // RFC 1939 7
    {"APOP", true, false, true, false},     // RFC 1939 7
    {"AUTH", true, false, true, false},     // RFC 5034 4 (bare AUTH: not a login, see below)
    {"STAT", false, true, false, false},    // RFC 1939 5
    {"LIST", false, true, false, false},    // RFC 1939 5
    {"RETR", false, true, false, false},    // RFC 1939 5
    {"DELE", false, true, false, false},    // RFC 1939 5
    {"NOOP", false, true, false, false},    // RFC 1939 5
    {"RSET", false, true, false, false},    // RFC 1939 5
    {"QUIT", true, true, false, false},     // RFC 1939 4 and 6
    {"TOP", false, true, false, false},     // RFC 1939 7
    {"UIDL", false, true, false, false},    // RFC 1939 7
    {"CAPA", true, true, false, false},     // RFC 2449 5
    {"STLS", true, false, false, true},     // RFC 2595 4
    {"RPOP", true, false, false, false},    // RFC 1081; always refused
    {"UNKNOWN", true, true, false, false},  // placeholder
    {"INVALID", true, true, false, false},  // placeholder
};
static_assert(std::size(kRules) == std::variant_size_v<Command>);

}  // namespace

const CommandRule* RuleFor(const Command& command) {
  if (std::holds_alternative<Unknown>(command)) return nullptr;
  if (const auto* invalid = std::get_if<Invalid>(&command)) {
    for (const auto& rule : kRules) {
      if (rule.name == invalid->verb && rule.name != "UNKNOWN" && rule.name != "INVALID") {
        return &rule;
      }
    }
    return nullptr;
  }
  return &kRules[command.index()];
}

const Reply& WrongStateReply(State state) {
  switch (state) {
    case State::kAuthorization:
      return StandardReply(ReplyId::kNeedLogin);
    case State::kTransaction:
      return StandardReply(ReplyId::kAlreadyLoggedIn);
    case State::kUpdate:
      break;
  }
  return StandardReply(ReplyId::kSessionEnding);
}

std::optional<Reply> Refusal(const Command& command, State state, bool tls_active,
                             bool plaintext_login_allowed) {
  if (const auto* unknown = std::get_if<Unknown>(&command)) return unknown->reply;
  if (std::holds_alternative<Rpop>(command)) return StandardReply(ReplyId::kRpopRefused);
  const auto* invalid = std::get_if<Invalid>(&command);
  const CommandRule* rule = RuleFor(command);
  if (rule == nullptr) return invalid->reply;  // an Invalid without a keyword
  const bool in_state = (state == State::kAuthorization && rule->authorization) ||
                        (state == State::kTransaction && rule->transaction);
  if (!in_state) return WrongStateReply(state);
  if (rule->before_tls_only && tls_active) return StandardReply(ReplyId::kTlsAlreadyActive);
  // Listing the mechanisms (bare AUTH) reveals nothing: only a mechanism starts a login.
  const auto* auth = std::get_if<Auth>(&command);
  const bool login = rule->login && !(auth != nullptr && !auth->mechanism);
  if (login && !tls_active && !plaintext_login_allowed) {
    return StandardReply(ReplyId::kPlaintextRefused);
  }
  if (invalid != nullptr) return invalid->reply;
  return std::nullopt;
}

bool Allowed(const Command& command, State state, bool tls_active, bool plaintext_login_allowed) {
  return !Refusal(command, state, tls_active, plaintext_login_allowed);
}

}  // namespace tern::pop3_protocol
