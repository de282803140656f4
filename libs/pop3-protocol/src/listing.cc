#include "tern/pop3_protocol/listing.h"

#include <algorithm>

#include "grammar.h"
#include "tern/pop3_protocol/reply.h"

namespace tern::pop3_protocol {
namespace {

// RFC 4422 3.1: 1 to 20 of upper-case letters, digits, '-' and '_'.
bool IsMechanismName(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '-' || c == '_';
  });
}

void Line(std::string_view text, std::string* out) {
  out->append(text);
  out->append("\r\n");
}

// " USER" when the value may differ per user.
void AppendPerUser(bool per_user, std::string* out) {
  if (per_user) out->append(" USER");
}

}  // namespace

std::string CapaResponse(const Capabilities& c) {
  std::string out = Format(StandardReply(ReplyId::kCapabilitiesFollow));
  if (c.top) Line("TOP", &out);
  if (c.user) Line("USER", &out);
  std::string sasl = "SASL";
  for (const std::string& m : c.sasl) {
    if (!IsMechanismName(m)) continue;
    sasl.push_back(' ');
    sasl.append(m);
  }
  if (sasl.size() > 4) Line(sasl, &out);
  if (c.resp_codes) Line("RESP-CODES", &out);
  if (c.auth_resp_code) Line("AUTH-RESP-CODE", &out);
  if (c.login_delay) {
    out.append("LOGIN-DELAY ");
    AppendDecimal(c.login_delay->seconds, &out);
    AppendPerUser(c.login_delay->per_user, &out);
    out.append("\r\n");
  }
  if (c.pipelining) Line("PIPELINING", &out);
  if (c.expire) {
    out.append("EXPIRE ");
    if (c.expire->days) {
      AppendDecimal(*c.expire->days, &out);
    } else {
      out.append("NEVER");
    }
    AppendPerUser(c.expire->per_user, &out);
    out.append("\r\n");
  }
  if (c.uidl) Line("UIDL", &out);
  if (c.stls) Line("STLS", &out);
  if (!c.implementation.empty()) {
    out.append("IMPLEMENTATION ");
    AppendSanitized(std::string_view(c.implementation).substr(0, 200), &out);
    out.append("\r\n");
  }
  out.append(kEndOfMultiline);
  return out;
}

std::string MechanismListing(const std::vector<std::string>& mechanisms) {
  std::string out = Format(StandardReply(ReplyId::kMechanismsFollow));
  for (const std::string& m : mechanisms) {
    if (IsMechanismName(m)) Line(m, &out);
  }
  out.append(kEndOfMultiline);
  return out;
}

void AppendScanLine(uint32_t msg, uint64_t octets, std::string* out) {
  AppendDecimal(msg, out);
  out->push_back(' ');
  AppendDecimal(octets, out);
  out->append("\r\n");
}

std::string ScanListing(const std::vector<ScanEntry>& entries) {
  std::string out = Format(StandardReply(ReplyId::kScanListingFollows));
  for (const ScanEntry& e : entries) AppendScanLine(e.msg, e.octets, &out);
  out.append(kEndOfMultiline);
  return out;
}

void AppendUidlLine(uint32_t msg, std::string_view unique_id, std::string* out) {
  AppendDecimal(msg, out);
  out->push_back(' ');
  AppendUniqueId(unique_id, out);
  out->append("\r\n");
}

std::string UidlListing(const std::vector<UidEntry>& entries) {
  std::string out = Format(StandardReply(ReplyId::kUidlListingFollows));
  for (const UidEntry& e : entries) AppendUidlLine(e.msg, e.unique_id, &out);
  out.append(kEndOfMultiline);
  return out;
}

}  // namespace tern::pop3_protocol
