// Where mail for a domain goes (RFC 5321 5.1): MX records by preference (equal preferences in
// random order), the domain itself when it has none (implicit MX), nothing for a null MX
// (RFC 7505). Blocking; outbound workers call it on their own threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tern::smtp_ingress {

struct MxHost {
  uint16_t preference = 0;
  std::string host;  // without the trailing dot; "" for a null MX
  bool operator==(const MxHost&) const = default;
};

// The MX records of a DNS answer (wire format), in answer order. InvalidArgument when the
// message does not parse.
absl::StatusOr<std::vector<MxHost>> ParseMxAnswer(const unsigned char* message, size_t length);

// Sorted by preference, ties shuffled. Errors: NotFound (NXDOMAIN: permanent),
// FailedPrecondition (null MX: the domain takes no mail), Unavailable (try later). A domain
// without MX records gives {0, domain}.
absl::StatusOr<std::vector<MxHost>> LookupMx(const std::string& domain);

// Sorts by preference and shuffles equal preferences; a lone null MX becomes
// FailedPrecondition.
absl::StatusOr<std::vector<MxHost>> OrderMx(std::vector<MxHost> hosts);

}  // namespace tern::smtp_ingress
