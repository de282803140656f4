// POP3 unique-ids (RFC 1939 7: 1 to 70 characters in 0x21-0x7E, the same for a message across
// sessions, never reused for another message of the maildrop) made from the IMAP identity of a
// message in storage: (UIDVALIDITY, UID) of the INBOX.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::pop3_protocol {

// 16 lower-case hexadecimal digits: UIDVALIDITY then UID, 8 digits each ("0000002a00000007" for
// uidvalidity 42, uid 7). Stable as long as storage keeps the pair; distinct pairs give
// distinct ids; if UIDVALIDITY changes every id changes, so clients download again rather than
// miss or mix messages (as RFC 3501 2.3.1.1 intends for IMAP).
std::string MakeUniqueId(uint32_t uidvalidity, uint32_t uid);

struct UniqueIdParts {
  uint32_t uidvalidity = 0;
  uint32_t uid = 0;
  bool operator==(const UniqueIdParts&) const = default;
};
// The inverse of MakeUniqueId; nullopt for anything it did not make (wrong length, upper case,
// not hex).
std::optional<UniqueIdParts> ParseUniqueId(std::string_view id);

}  // namespace tern::pop3_protocol
