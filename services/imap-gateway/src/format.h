// Between IMAP and storage's types: ENVELOPE and BODYSTRUCTURE / BODY (RFC 3501 7.4.2)
// written from what storage parsed at delivery (never re-parsed per FETCH), flags and
// keywords.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tern/storage/v1/storage.pb.h"

namespace tern::imap_gateway {

void AppendEnvelope(const storage::v1::Envelope& e, std::string* out);
// `extensible`: BODYSTRUCTURE (with extension data); false: BODY.
void AppendBodyStructure(const storage::v1::BodyPart& p, bool extensible, std::string* out);

// Flags a client sent: system flags to storage's bits, anything else a keyword. \Recent and
// unknown \-flags cannot be stored and are left out.
void SplitFlags(const std::vector<std::string>& in, uint32_t* bits,
                std::vector<std::string>* keywords);
// Keywords as the session keeps them: joined by spaces ("" for none).
std::string JoinKeywords(const google::protobuf::RepeatedPtrField<std::string>& keywords);

}  // namespace tern::imap_gateway
