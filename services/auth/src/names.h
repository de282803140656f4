// Address and domain syntax for the directory. Addresses are stored lower-cased.
#pragma once

#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace tern::auth {

// "example.org": ASCII letters, digits, hyphens and dots (IDNs in their xn-- form), at most
// 253 bytes, labels of 1..63 not starting or ending with a hyphen. Lower-cased.
absl::StatusOr<std::string> NormalizeDomain(const std::string& domain);
// "local@domain": a dot-atom local part (UTF-8 allowed) of at most 64 bytes. Lower-cased.
absl::StatusOr<std::string> NormalizeAddress(const std::string& address);
// An alias key: an address, or "@domain" for a catch-all.
absl::StatusOr<std::string> NormalizeAliasAddress(const std::string& address);
// {local, domain} of a normalised address or alias key.
std::pair<std::string, std::string> SplitAddress(const std::string& address);

}  // namespace tern::auth
