#include "names.h"

#include <cctype>
#include <cstring>

namespace tern::auth {

absl::StatusOr<std::string> NormalizeDomain(const std::string& domain) {
  if (domain.empty() || domain.size() > 253) {
    return absl::InvalidArgumentError("invalid domain: '" + domain + "'");
  }
  std::string out;
  size_t label = 0;
  for (size_t i = 0; i < domain.size(); ++i) {
    unsigned char c = domain[i];
    if (c == '.') {
      if (label == 0 || out.back() == '-') {
        return absl::InvalidArgumentError("invalid domain: '" + domain + "'");
      }
      label = 0;
      out.push_back('.');
      continue;
    }
    if (!(std::isalnum(c) || c == '-') || (c == '-' && label == 0) || ++label > 63) {
      return absl::InvalidArgumentError("invalid domain: '" + domain + "'");
    }
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  if (label == 0 || out.back() == '-') {
    return absl::InvalidArgumentError("invalid domain: '" + domain + "'");
  }
  return out;
}

absl::StatusOr<std::string> NormalizeAddress(const std::string& address) {
  size_t at = address.rfind('@');
  if (at == std::string::npos || at == 0 || at > 64) {
    return absl::InvalidArgumentError("invalid address: '" + address + "'");
  }
  std::string local = address.substr(0, at);
  static const char* kSpecials = "!#$%&'*+/=?^_`{|}~-.";
  for (size_t i = 0; i < local.size(); ++i) {
    unsigned char c = local[i];
    bool ok = std::isalnum(c) || c >= 0x80 || (std::strchr(kSpecials, c) != nullptr && c != 0);
    if (!ok || (c == '.' && (i == 0 || i + 1 == local.size() || local[i - 1] == '.'))) {
      return absl::InvalidArgumentError("invalid address: '" + address + "'");
    }
  }
  auto domain = NormalizeDomain(address.substr(at + 1));
  if (!domain.ok()) return absl::InvalidArgumentError("invalid address: '" + address + "'");
  for (char& c : local) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return local + "@" + *domain;
}

absl::StatusOr<std::string> NormalizeAliasAddress(const std::string& address) {
  if (!address.empty() && address[0] == '@') {
    auto domain = NormalizeDomain(address.substr(1));
    if (!domain.ok()) return absl::InvalidArgumentError("invalid catch-all: '" + address + "'");
    return "@" + *domain;
  }
  return NormalizeAddress(address);
}

std::pair<std::string, std::string> SplitAddress(const std::string& address) {
  size_t at = address.rfind('@');
  if (at == std::string::npos) return {address, ""};
  return {address.substr(0, at), address.substr(at + 1)};
}

}  // namespace tern::auth
