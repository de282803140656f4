// Strict base64 (RFC 4648 section 4) for the SASL framing of SMTP (RFC 4954) and POP3
// (RFC 5034): the standard alphabet, length a multiple of 4, "=" padding only at the end.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tern::sasl {

// nullopt on anything but strict base64 (whitespace included). "" decodes to "".
std::optional<std::string> DecodeBase64(std::string_view text);
std::string EncodeBase64(std::string_view bytes);

}  // namespace tern::sasl
