#include "format.h"

#include "tern/imap_protocol/writer.h"
#include "tern/line_protocol/grammar.h"

namespace tern::imap_gateway {

namespace ip = ::tern::imap_protocol;
namespace sv = storage::v1;

namespace {

template <typename Msg, typename Has, typename Get>
void NString(const Msg& m, Has has, Get get, std::string* out) {
  if ((m.*has)()) {
    ip::AppendString((m.*get)(), out);
  } else {
    *out += "NIL";
  }
}

void Addresses(const google::protobuf::RepeatedPtrField<sv::Address>& list, std::string* out) {
  if (list.empty()) {
    *out += "NIL";
    return;
  }
  *out += '(';
  for (const auto& a : list) {
    *out += '(';
    NString(a, &sv::Address::has_name, &sv::Address::name, out);
    *out += ' ';
    NString(a, &sv::Address::has_adl, &sv::Address::adl, out);
    *out += ' ';
    NString(a, &sv::Address::has_mailbox, &sv::Address::mailbox, out);
    *out += ' ';
    NString(a, &sv::Address::has_host, &sv::Address::host, out);
    *out += ')';
  }
  *out += ')';
}

void Params(const google::protobuf::RepeatedPtrField<sv::Param>& params, std::string* out) {
  if (params.empty()) {
    *out += "NIL";
    return;
  }
  *out += '(';
  bool first = true;
  for (const auto& p : params) {
    if (!first) *out += ' ';
    first = false;
    ip::AppendString(p.name(), out);
    *out += ' ';
    ip::AppendString(p.value(), out);
  }
  *out += ')';
}

std::string UpperOr(const std::string& s, const char* dflt) {
  return line_protocol::Upper(s.empty() ? std::string_view(dflt) : std::string_view(s));
}

void Extension(const sv::BodyPart& p, std::string* out) {
  // body-fld-dsp body-fld-lang body-fld-loc
  *out += ' ';
  if (p.has_disposition()) {
    *out += '(';
    ip::AppendString(p.disposition(), out);
    *out += ' ';
    Params(p.disposition_params(), out);
    *out += ')';
  } else {
    *out += "NIL";
  }
  *out += ' ';
  if (p.language().empty()) {
    *out += "NIL";
  } else if (p.language_size() == 1) {
    ip::AppendString(p.language(0), out);
  } else {
    *out += '(';
    for (int i = 0; i < p.language_size(); ++i) {
      if (i) *out += ' ';
      ip::AppendString(p.language(i), out);
    }
    *out += ')';
  }
  *out += ' ';
  NString(p, &sv::BodyPart::has_location, &sv::BodyPart::location, out);
}

}  // namespace

void AppendEnvelope(const sv::Envelope& e, std::string* out) {
  *out += '(';
  NString(e, &sv::Envelope::has_date, &sv::Envelope::date, out);
  *out += ' ';
  NString(e, &sv::Envelope::has_subject, &sv::Envelope::subject, out);
  for (const auto* list : {&e.from(), &e.sender(), &e.reply_to(), &e.to(), &e.cc(), &e.bcc()}) {
    *out += ' ';
    Addresses(*list, out);
  }
  *out += ' ';
  NString(e, &sv::Envelope::has_in_reply_to, &sv::Envelope::in_reply_to, out);
  *out += ' ';
  NString(e, &sv::Envelope::has_message_id, &sv::Envelope::message_id, out);
  *out += ')';
}

void AppendBodyStructure(const sv::BodyPart& p, bool extensible, std::string* out) {
  const std::string type = UpperOr(p.type(), "text");
  *out += '(';
  if (type == "MULTIPART") {
    for (const auto& c : p.children()) AppendBodyStructure(c, extensible, out);
    if (p.children().empty()) *out += "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0)";
    *out += ' ';
    ip::AppendString(UpperOr(p.subtype(), "mixed"), out);
    if (extensible) {
      *out += ' ';
      Params(p.params(), out);
      Extension(p, out);
    }
    *out += ')';
    return;
  }
  ip::AppendString(type, out);
  *out += ' ';
  ip::AppendString(UpperOr(p.subtype(), "plain"), out);
  *out += ' ';
  Params(p.params(), out);
  *out += ' ';
  NString(p, &sv::BodyPart::has_id, &sv::BodyPart::id, out);
  *out += ' ';
  NString(p, &sv::BodyPart::has_description, &sv::BodyPart::description, out);
  *out += ' ';
  ip::AppendString(UpperOr(p.encoding(), "7bit"), out);
  *out += ' ' + std::to_string(p.body_size());
  const std::string subtype = UpperOr(p.subtype(), "plain");
  if (type == "MESSAGE" && (subtype == "RFC822" || subtype == "GLOBAL")) {
    *out += ' ';
    AppendEnvelope(p.envelope(), out);
    *out += ' ';
    if (!p.children().empty()) {
      AppendBodyStructure(p.children(0), extensible, out);
    } else {
      *out += "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0)";
    }
    *out += ' ' + std::to_string(p.body_lines());
  } else if (type == "TEXT") {
    *out += ' ' + std::to_string(p.body_lines());
  }
  if (extensible) {
    *out += ' ';
    NString(p, &sv::BodyPart::has_md5, &sv::BodyPart::md5, out);
    Extension(p, out);
  }
  *out += ')';
}

void SplitFlags(const std::vector<std::string>& in, uint32_t* bits,
                std::vector<std::string>* keywords) {
  static const std::pair<std::string_view, uint32_t> kSystem[] = {
      {"\\Seen", sv::FLAG_SEEN},       {"\\Answered", sv::FLAG_ANSWERED},
      {"\\Flagged", sv::FLAG_FLAGGED}, {"\\Deleted", sv::FLAG_DELETED},
      {"\\Draft", sv::FLAG_DRAFT}};
  *bits = 0;
  for (const auto& f : in) {
    if (!f.empty() && f[0] == '\\') {
      for (const auto& [name, bit] : kSystem) {
        if (line_protocol::IEquals(f, name)) *bits |= bit;
      }
      continue;  // \Recent and unknown \-flags cannot be stored
    }
    keywords->push_back(f);
  }
}

std::string JoinKeywords(const google::protobuf::RepeatedPtrField<std::string>& keywords) {
  std::string joined;
  for (const auto& k : keywords) {
    if (!joined.empty()) joined += ' ';
    joined += k;
  }
  return joined;
}

}  // namespace tern::imap_gateway
