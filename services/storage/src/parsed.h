// What storage keeps of a message's parse: converted once at delivery from tern::mime.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "tern/storage/v1/storage.pb.h"

namespace tern::storage {

struct ParsedMessage {
  uint64_t size = 0;
  // The size POP3 gives (LIST, STAT): the message as RETR sends it, CRLF line ends and a final
  // line end (tern::pop3_protocol::ListSize). Equal to `size` for CRLF-terminated messages.
  uint64_t pop3_size = 0;
  uint64_t header_size = 0;
  std::string envelope;        // serialized pb::Envelope
  std::string body_structure;  // serialized pb::BodyPart
  std::optional<absl::Time> sent_date;
  std::string header_text;     // UTF-8, for SEARCH HEADER/TEXT
  // UTF-8, for SEARCH BODY/TEXT; nullopt when it equals the raw body (stored once, in content).
  std::optional<std::string> body_text;
  bool malformed = false;
};

ParsedMessage ParseForStorage(std::string_view content);
// The message `trace` followed by `content`, parsed as that concatenation (every offset and size
// counts from the first octet of `trace`) without making it.
ParsedMessage ParseForStorage(std::string_view trace, std::string_view content);

// RFC 5322 date-time (lenient: optional weekday and seconds, obsolete zone names).
std::optional<absl::Time> ParseMailDate(std::string_view text);

}  // namespace tern::storage
