// Modified UTF-7 mailbox names (RFC 3501 section 5.1.3): printable US-ASCII stands for itself
// except "&", which is written "&-"; anything else is UTF-16 in modified base64 ("," for "/")
// between "&" and "-".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tern::imap_protocol {

// UTF-8 from a name as the client sent it; nullopt when it is not valid modified UTF-7 (a
// bad base64 run, an unpaired surrogate, a printable ASCII character, "&" or NUL encoded in
// base64, a run not closed by "-", a run right after another ("-&", a null shift), padding
// that is not zero or is a whole base64 character, an octet under 0x20 or over 0x7E). The
// decoder is strict, so EncodeMailboxName gives back exactly the name it accepted.
std::optional<std::string> DecodeMailboxName(std::string_view mutf7);
// The name to send the client. `utf8` is valid UTF-8 (storage keeps names so); an invalid
// octet, and a NUL, is sent as U+FFFD. DecodeMailboxName accepts every name this gives.
std::string EncodeMailboxName(std::string_view utf8);

}  // namespace tern::imap_protocol
