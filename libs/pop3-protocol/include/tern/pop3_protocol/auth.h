// The POP3 framing of SASL (RFC 5034): base64 on the wire, "+ " before a challenge, "*" to
// cancel. The mechanisms themselves are in tern::sasl.
#pragma once

#include "tern/sasl/base64.h"

#include <optional>
#include <string>
#include <string_view>

namespace tern::pop3_protocol {

// Strict base64 (RFC 4648 4): the standard alphabet, length a multiple of 4, "=" padding only
// at the end. nullopt on anything else (whitespace included). "" decodes to "".
using ::tern::sasl::DecodeBase64;
using ::tern::sasl::EncodeBase64;

// A client line answering a "+ " challenge (read with CommandReader::LineKind::kSaslResponse).
struct SaslResponse {
  enum Kind {
    kData,     // `data` holds the decoded response ("" for an empty line or "=")
    kCancel,   // "*": the AUTH command fails (ReplyId::kAuthCancelled, RFC 5034 4)
    kInvalid,  // not base64: the AUTH command fails (ReplyId::kBadBase64)
  } kind = kInvalid;
  std::string data;
};
SaslResponse ParseSaslResponse(std::string_view line);

// The wire form of a server challenge: "+ " and `challenge` in base64, then CRLF. An empty
// challenge gives "+ \r\n" (RFC 5034 4).
std::string SaslChallenge(std::string_view challenge);

}  // namespace tern::pop3_protocol
