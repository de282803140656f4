// ENVELOPE and BODYSTRUCTURE / BODY (RFC 3501 7.4.2) written from what storage parsed at
// delivery (never re-parsed per FETCH).
#pragma once

#include <string>

#include "tern/storage/v1/storage.pb.h"

namespace tern::imap_gateway {

void AppendEnvelope(const storage::v1::Envelope& e, std::string* out);
// `extensible`: BODYSTRUCTURE (with extension data); false: BODY.
void AppendBodyStructure(const storage::v1::BodyPart& p, bool extensible, std::string* out);

}  // namespace tern::imap_gateway
