#include "parsed.h"

#include <cctype>
#include <cstring>

#include "store.h"
#include "tern/mime/mime.h"
#include "tern/pop3_protocol/multiline.h"

namespace tern::storage {
namespace {

namespace pb = ::tern::storage::v1;

void ConvertAddresses(const std::vector<mime::Address>& in,
                      google::protobuf::RepeatedPtrField<pb::Address>* out) {
  for (const auto& a : in) {
    pb::Address* o = out->Add();
    if (a.name) o->set_name(*a.name);
    if (a.adl) o->set_adl(*a.adl);
    if (a.mailbox) o->set_mailbox(*a.mailbox);
    if (a.host) o->set_host(*a.host);
  }
}

void ConvertEnvelope(const mime::Envelope& in, pb::Envelope* out) {
  if (in.date) out->set_date(*in.date);
  if (in.subject) out->set_subject(*in.subject);
  if (in.in_reply_to) out->set_in_reply_to(*in.in_reply_to);
  if (in.message_id) out->set_message_id(*in.message_id);
  ConvertAddresses(in.from, out->mutable_from());
  ConvertAddresses(in.sender, out->mutable_sender());
  ConvertAddresses(in.reply_to, out->mutable_reply_to());
  ConvertAddresses(in.to, out->mutable_to());
  ConvertAddresses(in.cc, out->mutable_cc());
  ConvertAddresses(in.bcc, out->mutable_bcc());
}

void ConvertPart(const mime::BodyPart& in, pb::BodyPart* out) {
  out->set_type(in.type);
  out->set_subtype(in.subtype);
  for (const auto& p : in.params) {
    auto* o = out->add_params();
    o->set_name(p.name);
    o->set_value(p.value);
  }
  if (in.id) out->set_id(*in.id);
  if (in.description) out->set_description(*in.description);
  if (in.md5) out->set_md5(*in.md5);
  if (in.location) out->set_location(*in.location);
  out->set_encoding(in.encoding);
  if (in.disposition) {
    out->set_disposition(in.disposition->type);
    for (const auto& p : in.disposition->params) {
      auto* o = out->add_disposition_params();
      o->set_name(p.name);
      o->set_value(p.value);
    }
  }
  for (const auto& l : in.language) out->add_language(l);
  out->set_header_offset(in.header_offset);
  out->set_header_size(in.header_size);
  out->set_body_offset(in.body_offset);
  out->set_body_size(in.body_size);
  out->set_body_lines(in.body_lines);
  if (in.envelope) ConvertEnvelope(*in.envelope, out->mutable_envelope());
  for (const auto& c : in.children) ConvertPart(c, out->add_children());
}

int MonthIndex(std::string_view m) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  if (m.size() < 3) return -1;
  for (int i = 0; i < 12; ++i) {
    if (std::tolower(m[0]) == kMonths[i][0] && std::tolower(m[1]) == kMonths[i][1] &&
        std::tolower(m[2]) == kMonths[i][2]) {
      return i + 1;
    }
  }
  return -1;
}

// Whether trace + content, from octet `from` on, is exactly `text`.
bool TailEquals(std::string_view trace, std::string_view content, uint64_t from,
                std::string_view text) {
  if (trace.size() + content.size() - from != text.size()) return false;
  if (from < trace.size()) {
    const std::string_view head = trace.substr(from);
    return text.substr(0, head.size()) == head && text.substr(head.size()) == content;
  }
  return content.substr(from - trace.size()) == text;
}

}  // namespace

std::optional<absl::Time> ParseMailDate(std::string_view text) {
  // Tokenise on spaces, commas and colons.
  std::vector<std::string> tok;
  std::string cur;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == ',' || c == ':' || c == '\r' || c == '\n') {
      if (!cur.empty()) tok.push_back(cur);
      cur.clear();
      if (c == ':') tok.push_back(":");
    } else if (c == '(') {
      break;  // a trailing comment such as "(UTC)"
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) tok.push_back(cur);
  size_t i = 0;
  if (i < tok.size() && !tok[i].empty() && std::isalpha(static_cast<unsigned char>(tok[i][0]))) {
    ++i;  // day of week
  }
  auto num = [](const std::string& s, int* out) {
    if (s.empty() || s.size() > 4) return false;
    int v = 0;
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
  };
  int day, month, year, hh, mm, ss = 0;
  if (i + 2 >= tok.size() || !num(tok[i], &day)) return std::nullopt;
  month = MonthIndex(tok[i + 1]);
  if (month < 0 || !num(tok[i + 2], &year)) return std::nullopt;
  if (tok[i + 2].size() == 2) year += year < 50 ? 2000 : 1900;
  else if (tok[i + 2].size() == 3) year += 1900;
  i += 3;
  if (i + 2 >= tok.size() || !num(tok[i], &hh) || tok[i + 1] != ":" || !num(tok[i + 2], &mm)) {
    return std::nullopt;
  }
  i += 3;
  if (i + 1 < tok.size() && tok[i] == ":") {
    if (!num(tok[i + 1], &ss)) return std::nullopt;
    i += 2;
  }
  int offset_min = 0;
  if (i < tok.size()) {
    const std::string& z = tok[i];
    if ((z[0] == '+' || z[0] == '-') && z.size() == 5) {
      int v;
      if (!num(z.substr(1), &v)) return std::nullopt;
      offset_min = (v / 100) * 60 + v % 100;
      if (z[0] == '-') offset_min = -offset_min;
    } else {
      static const struct { const char* name; int hours; } kZones[] = {
          {"UT", 0}, {"UTC", 0}, {"GMT", 0}, {"Z", 0}, {"EST", -5}, {"EDT", -4}, {"CST", -6},
          {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
      for (const auto& zone : kZones) {
        if (strcasecmp(z.c_str(), zone.name) == 0) offset_min = zone.hours * 60;
      }
    }
  }
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1900 || year > 9999) {
    return std::nullopt;
  }
  absl::CivilSecond cs(year, month, day, hh, mm, ss > 59 ? 59 : ss);
  return absl::FromCivil(cs, absl::UTCTimeZone()) - absl::Minutes(offset_min);
}

ParsedMessage ParseForStorage(std::string_view content) { return ParseForStorage({}, content); }

ParsedMessage ParseForStorage(std::string_view trace, std::string_view content) {
  mime::Parser parser;
  parser.Feed(trace);
  parser.Feed(content);
  mime::Message m = parser.Finish();
  pop3_protocol::ListSizeCounter pop3;
  pop3.Add(trace);
  pop3.Add(content);
  ParsedMessage p;
  p.size = trace.size() + content.size();
  p.pop3_size = pop3.Total();
  p.header_size = m.header_size;
  pb::Envelope env;
  ConvertEnvelope(m.envelope, &env);
  env.SerializeToString(&p.envelope);
  pb::BodyPart body;
  ConvertPart(m.body, &body);
  body.SerializeToString(&p.body_structure);
  if (m.envelope.date) p.sent_date = ParseMailDate(*m.envelope.date);
  p.header_text = SanitizeUtf8(m.header_text);
  std::string text = SanitizeUtf8(m.search_text);
  if (!(text.size() == m.search_text.size() && p.size >= p.header_size &&
        TailEquals(trace, content, p.header_size, text))) {
    p.body_text = std::move(text);
  }
  p.malformed = m.malformed;
  return p;
}

}  // namespace tern::storage
