// Part sections of a message (RFC 3501 6.4.5: BODY[1.2], BODY[2.MIME], BODY[3.HEADER], ...)
// located in its stored bytes through the body structure storage parsed at delivery.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "tern/storage/v1/storage.pb.h"

namespace tern::body_sections {

// The part a section path names. Numbers start at 1; inside a message/rfc822 part they name
// the parts of the message it holds; a part that is not multipart has only part 1 (itself).
// A number the structure does not have: Reason::kNoSuchPart; 0: InvalidArgument.
absl::StatusOr<const storage::v1::BodyPart*> FindPart(const storage::v1::BodyPart& root,
                                                      const std::vector<uint32_t>& path);

enum class PartSection {
  kBody,           // BODY[n]: the part's body, as stored (still transfer-encoded)
  kMime,           // BODY[n.MIME]: the part's own header block
  kMessageHeader,  // BODY[n.HEADER], BODY[n.HEADER.FIELDS ...]: of a message/rfc822 part
  kMessageText,    // BODY[n.TEXT]: the body of a message/rfc822 part's message
};

struct Range {
  uint64_t start = 0;
  uint64_t length = 0;
};

// Where `section` of the part `path` lies in the message. HEADER and TEXT of a part that is
// not a message/rfc822: InvalidArgument. The range is as parsed: callers clamp it to the size.
absl::StatusOr<Range> PartRange(const storage::v1::BodyPart& root,
                                const std::vector<uint32_t>& path, PartSection section);

}  // namespace tern::body_sections
