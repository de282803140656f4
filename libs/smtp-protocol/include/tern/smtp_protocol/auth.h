// The SMTP framing of SASL (RFC 4954): base64 on the wire, "*" to cancel. The mechanisms
// themselves are in tern::sasl.
#pragma once

#include "tern/sasl/base64.h"

#include <optional>
#include <string>
#include <string_view>

namespace tern::smtp_protocol {

// Strict base64 (RFC 4648 4): the standard alphabet, length a multiple of 4, "=" padding only
// at the end. nullopt on anything else (whitespace included). "" decodes to "".
using ::tern::sasl::DecodeBase64;
using ::tern::sasl::EncodeBase64;

// A client line answering a 334 challenge (read with CommandReader::LineKind::kSaslResponse).
struct SaslResponse {
  enum Kind {
    kData,     // `data` holds the decoded response
    kCancel,   // "*": answer 501 5.0.0 (ReplyId::kAuthCancelled)
    kInvalid,  // not base64: answer 501 5.5.2 (ReplyId::kBadBase64)
  } kind = kInvalid;
  std::string data;
};
SaslResponse ParseSaslResponse(std::string_view line);

}  // namespace tern::smtp_protocol
