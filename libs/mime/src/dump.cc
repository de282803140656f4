// Dump(): a stable, human-reviewable rendering of a Message for golden files. Strings are shown
// IMAP-like ("..." or NIL) with control characters, quotes, backslashes and invalid UTF-8
// escaped; valid UTF-8 is shown as is.
#include <string>

#include "tern/mime/mime.h"

namespace tern::mime {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0.
size_t Utf8Len(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t min;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  uint32_t cp = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void Escape(std::string_view s, bool quote_chars, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = Utf8Len(s, i);
      if (n > 0) {
        out->append(s.substr(i, n));
        i += n;
        continue;
      }
    }
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"' && quote_chars) {
      out->append("\\\"");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c < 0x20 || c >= 0x7F) {
      out->append("\\x");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(static_cast<char>(c));
    }
    ++i;
  }
}

std::string Q(std::string_view s) {
  std::string out = "\"";
  Escape(s, true, &out);
  out.push_back('"');
  return out;
}

std::string Q(const std::optional<std::string>& s) { return s ? Q(std::string_view(*s)) : "NIL"; }
std::string Q(const std::string& s) { return Q(std::string_view(s)); }

std::string Addresses(const std::vector<Address>& list) {
  if (list.empty()) return "NIL";
  std::string out = "(";
  for (const auto& a : list) {
    out += "(" + Q(a.name) + " " + Q(a.adl) + " " + Q(a.mailbox) + " " + Q(a.host) + ")";
  }
  out += ")";
  return out;
}

std::string Params(const std::vector<Param>& params) {
  if (params.empty()) return "NIL";
  std::string out = "(";
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out += " ";
    out += Q(params[i].name) + " " + Q(params[i].value);
  }
  out += ")";
  return out;
}

void DumpEnvelope(const Envelope& e, const std::string& ind, std::string* out) {
  *out += ind + "date " + Q(e.date) + "\n";
  *out += ind + "subject " + Q(e.subject) + "\n";
  *out += ind + "from " + Addresses(e.from) + "\n";
  *out += ind + "sender " + Addresses(e.sender) + "\n";
  *out += ind + "reply_to " + Addresses(e.reply_to) + "\n";
  *out += ind + "to " + Addresses(e.to) + "\n";
  *out += ind + "cc " + Addresses(e.cc) + "\n";
  *out += ind + "bcc " + Addresses(e.bcc) + "\n";
  *out += ind + "in_reply_to " + Q(e.in_reply_to) + "\n";
  *out += ind + "message_id " + Q(e.message_id) + "\n";
}

// Multi-line text, one "  |line\n" per line (the line break shown escaped).
void DumpText(std::string_view text, std::string* out) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    *out += "  |";
    Escape(text.substr(start, end - start), false, out);
    *out += "\n";
    start = end;
  }
}

void DumpPart(const BodyPart& p, const std::string& label, size_t level, std::string* out) {
  const std::string ind(level * 2, ' ');
  const std::string in2 = ind + "  ";
  *out += ind + "part " + label + " " + p.type + "/" + p.subtype + "\n";
  *out += in2 + "params " + Params(p.params) + "\n";
  if (p.id) *out += in2 + "id " + Q(p.id) + "\n";
  if (p.description) *out += in2 + "description " + Q(p.description) + "\n";
  if (p.md5) *out += in2 + "md5 " + Q(p.md5) + "\n";
  if (p.location) *out += in2 + "location " + Q(p.location) + "\n";
  *out += in2 + "encoding " + Q(p.encoding) + "\n";
  if (p.disposition) {
    *out +=
        in2 + "disposition " + Q(p.disposition->type) + " " + Params(p.disposition->params) + "\n";
  }
  if (!p.language.empty()) {
    *out += in2 + "language (";
    for (size_t i = 0; i < p.language.size(); ++i) *out += (i ? " " : "") + Q(p.language[i]);
    *out += ")\n";
  }
  *out += in2 + "header " + std::to_string(p.header_offset) + " +" + std::to_string(p.header_size) +
          "\n";
  *out += in2 + "body " + std::to_string(p.body_offset) + " +" + std::to_string(p.body_size) +
          " lines " + std::to_string(p.body_lines) + "\n";
  if (p.envelope) {
    *out += in2 + "envelope\n";
    DumpEnvelope(*p.envelope, in2 + "  ", out);
  }
  for (size_t i = 0; i < p.children.size(); ++i) {
    std::string child =
        label == "root" ? std::to_string(i + 1) : label + "." + std::to_string(i + 1);
    DumpPart(p.children[i], child, level + 1, out);
  }
}

}  // namespace

std::string Dump(const Message& m) {
  std::string out;
  out += "size " + std::to_string(m.size) + "\n";
  out += "header_size " + std::to_string(m.header_size) + "\n";
  out += std::string("malformed ") + (m.malformed ? "yes" : "no") + "\n";
  out += std::string("truncated ") + (m.truncated ? "yes" : "no") + "\n";
  out += "problems\n";
  for (const auto& p : m.problems) out += "  " + p + "\n";
  out += "envelope\n";
  DumpEnvelope(m.envelope, "  ", &out);
  out += "header_text " + std::to_string(m.header_text.size()) + " bytes\n";
  DumpText(m.header_text, &out);
  out += "search_text " + std::to_string(m.search_text.size()) + " bytes\n";
  DumpText(m.search_text, &out);
  out += "body\n";
  DumpPart(m.body, "root", 1, &out);
  return out;
}

}  // namespace tern::mime
