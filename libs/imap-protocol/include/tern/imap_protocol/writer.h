// Writing IMAP responses: strings in the form that fits their octets (RFC 3501 section 4.3),
// date-times, flag lists. Content with CR, LF, NUL or 8-bit octets is never sent quoted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::imap_protocol {

// An astring: an atom when every octet is an ATOM-CHAR (and not empty, not "NIL"), else a
// quoted string when every octet is 7-bit, not CR/LF/NUL (with \ and " escaped), else a
// literal "{n}\r\n" followed by the octets.
void AppendAstring(std::string_view s, std::string* out);
// A string: quoted or literal, as above (never an atom).
void AppendString(std::string_view s, std::string* out);
// nstring: NIL for nullopt, else AppendString.
void AppendNString(const std::optional<std::string>& s, std::string* out);
// A literal header "{n}\r\n"; the caller sends the n octets next.
void AppendLiteralHeader(uint64_t n, std::string* out);
// A mailbox name already encoded (EncodeMailboxName): an astring, but "INBOX" stays an atom
// and names with "%" or "*" are quoted (they are not ATOM-CHARs).
void AppendMailbox(std::string_view encoded, std::string* out);
// "dd-Mon-yyyy hh:mm:ss +zzzz" in double quotes (INTERNALDATE), for the instant in the zone.
// Always 28 octets that ParseDateTime reads back: a zone outside -2359..+2359 minutes is
// written as +0000 (the same instant, in UTC), an instant whose year is not 0001-9999 as
// "01-Jan-1970 00:00:00 +0000".
void AppendDateTime(int64_t unix_seconds, int zone_minutes, std::string* out);
// "(\Seen $Label1)": the items as given, space separated, in parentheses.
void AppendList(const std::vector<std::string>& atoms, std::string* out);

// The text of a response line (after "OK ", "NO ", "BAD ", "BYE "): anything that is not
// printable ASCII is replaced by "?", so that no text can break the line framing.
void AppendText(std::string_view text, std::string* out);

}  // namespace tern::imap_protocol
