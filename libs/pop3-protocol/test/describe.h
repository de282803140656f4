// A command as one line of text, so that test tables stay readable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "tern/pop3_protocol/command.h"

namespace tern::pop3_protocol::testing {

inline std::string Msg(const std::optional<uint32_t>& msg) {
  return msg ? " " + std::to_string(*msg) : "";
}

struct Describe {
  std::string operator()(const User& c) const { return "USER " + c.name; }
  std::string operator()(const Pass& c) const { return "PASS [" + c.password + "]"; }
  std::string operator()(const Apop& c) const { return "APOP " + c.name + " " + c.digest; }
  std::string operator()(const Auth& c) const {
    std::string s = "AUTH";
    if (c.mechanism) s += " " + *c.mechanism;
    if (c.initial_response) s += " ir=[" + *c.initial_response + "]";
    return s;
  }
  std::string operator()(const Stat&) const { return "STAT"; }
  std::string operator()(const List& c) const { return "LIST" + Msg(c.msg); }
  std::string operator()(const Retr& c) const { return "RETR " + std::to_string(c.msg); }
  std::string operator()(const Dele& c) const { return "DELE " + std::to_string(c.msg); }
  std::string operator()(const Noop&) const { return "NOOP"; }
  std::string operator()(const Rset&) const { return "RSET"; }
  std::string operator()(const Quit&) const { return "QUIT"; }
  std::string operator()(const Top& c) const {
    return "TOP " + std::to_string(c.msg) + " " + std::to_string(c.lines);
  }
  std::string operator()(const Uidl& c) const { return "UIDL" + Msg(c.msg); }
  std::string operator()(const Capa&) const { return "CAPA"; }
  std::string operator()(const Stls&) const { return "STLS"; }
  std::string operator()(const Rpop& c) const { return "RPOP [" + c.arg + "]"; }
  std::string operator()(const Unknown& c) const { return "UNKNOWN " + c.verb; }
  std::string operator()(const Invalid& c) const {
    return "INVALID " + c.verb + ": " + c.reply.text;
  }
};

inline std::string DescribeCommand(const Command& c) { return std::visit(Describe{}, c); }

}  // namespace tern::pop3_protocol::testing
