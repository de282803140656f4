#include "tern/smtp_protocol/client.h"

#include <charconv>

#include "tern/line_protocol/grammar.h"

namespace tern::smtp_protocol {
namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }

// "5.1.1" (class 2/4/5, subject 1-3 digits, detail 1-3 digits) at the start of `text`.
size_t EnhancedLength(std::string_view text) {
  if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.') {
    return 0;
  }
  size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    size_t start = i;
    while (i < text.size() && Digit(text[i]) && i - start < 3) ++i;
    if (i == start) return 0;
    if (part == 0) {
      if (i >= text.size() || text[i] != '.') return 0;
      ++i;
    }
  }
  if (i < text.size() && text[i] != ' ') return 0;
  return i;
}

}  // namespace

ReplyParser::State ReplyParser::Add(std::string_view line) {
  if (line.size() > kMaxLine) {
    error_ = "reply line longer than " + std::to_string(kMaxLine) + " octets";
    return State::kError;
  }
  if (reply_.lines.size() >= kMaxLines) {
    error_ = "reply longer than " + std::to_string(kMaxLines) + " lines";
    return State::kError;
  }
  if (line.size() < 3 || !Digit(line[0]) || !Digit(line[1]) || !Digit(line[2]) ||
      line[0] < '2' || line[0] > '5' || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
    error_ = "malformed reply line";
    return State::kError;
  }
  int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (!first_ && code != reply_.code) {
    error_ = "reply code changed within a multi-line reply";
    return State::kError;
  }
  std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view();
  size_t enh = EnhancedLength(text);
  if (first_) {
    reply_.code = code;
    if (enh > 0 && text[0] == line[0]) reply_.enhanced = std::string(text.substr(0, enh));
    first_ = false;
  }
  // RFC 2034 repeats the enhanced code on every line: keep the text alone.
  if (!reply_.enhanced.empty() && text.substr(0, enh) == reply_.enhanced) {
    text.remove_prefix(enh);
    if (!text.empty() && text[0] == ' ') text.remove_prefix(1);
  }
  reply_.lines.emplace_back(text);
  return line.size() > 3 && line[3] == '-' ? State::kNeedMore : State::kDone;
}

Reply ReplyParser::Take() {
  Reply r = std::move(reply_);
  reply_ = Reply{};
  error_.clear();
  first_ = true;
  return r;
}

std::string ReplyText(const Reply& reply) {
  std::string out = std::to_string(reply.code);
  if (!reply.enhanced.empty()) out += " " + reply.enhanced;
  for (const auto& l : reply.lines) {
    if (!l.empty()) out += " " + l;
  }
  return out;
}

Capabilities ParseCapabilities(const Reply& ehlo) {
  Capabilities c;
  for (size_t i = 1; i < ehlo.lines.size(); ++i) {  // the first line is the server's name
    std::string_view rest = ehlo.lines[i];
    const std::string key = line_protocol::Upper(line_protocol::NextToken(&rest));
    if (key == "STARTTLS") c.starttls = true;
    else if (key == "PIPELINING") c.pipelining = true;
    else if (key == "8BITMIME") c.eight_bit_mime = true;
    else if (key == "SMTPUTF8") c.smtputf8 = true;
    else if (key == "ENHANCEDSTATUSCODES") c.enhanced_status_codes = true;
    else if (key == "SIZE") {
      const std::string_view limit = line_protocol::NextToken(&rest);
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), n);
      c.size = ec == std::errc() && end == limit.data() + limit.size() && !limit.empty() ? n : 0;
    } else if (key == "AUTH") {
      for (auto m = line_protocol::NextToken(&rest); !m.empty(); m = line_protocol::NextToken(&rest)) {
        c.auth.push_back(line_protocol::Upper(m));
      }
    }
  }
  return c;
}

std::string DotStuff(std::string_view m) {
  std::string out;
  out.reserve(m.size() + m.size() / 64 + 8);
  bool line_start = true;
  for (size_t i = 0; i < m.size(); ++i) {
    char c = m[i];
    if (line_start && c == '.') out.push_back('.');
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < m.size() && m[i + 1] == '\n') ++i;
      line_start = true;
    } else if (c == '\n') {
      out += "\r\n";
      line_start = true;
    } else {
      out.push_back(c);
      line_start = false;
    }
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

bool HasEightBit(std::string_view m) {
  for (unsigned char c : m) {
    if (c >= 0x80) return true;
  }
  return false;
}

}  // namespace tern::smtp_protocol
