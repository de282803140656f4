// TLS settings shared by gRPC servers and channels. Empty paths mean plaintext.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace tern::rpc {

struct TlsFiles {
  std::string cert_file;       // our certificate chain (PEM)
  std::string key_file;        // our private key (PEM)
  std::string ca_file;         // CA to verify the peer; on a server it turns on mTLS
  bool enabled() const { return !cert_file.empty() || !ca_file.empty(); }
};

// Reads a whole file; NotFound/PermissionDenied errors name the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace tern::rpc
