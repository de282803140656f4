// Credential primitives: Argon2id hashing (libargon2), AES-256-GCM for APOP secrets and
// constant-time comparison (OpenSSL). Nothing here logs or keeps a password.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace tern::auth {

struct Argon2Params {
  uint32_t t_cost = 3;
  uint32_t m_cost_kib = 65536;
  uint32_t parallelism = 1;
};

// An Argon2id PHC string ("$argon2id$v=19$m=...,t=...,p=...$salt$hash") with a random salt.
absl::StatusOr<std::string> HashPassword(const std::string& password, const Argon2Params& p);
// True when `password` matches `encoded`; false for a mismatch or a malformed hash.
bool VerifyPassword(const std::string& encoded, const std::string& password);

// Constant-time equality (length differences are not hidden; compare digests when they matter).
bool ConstantTimeEquals(const std::string& a, const std::string& b);

std::string Sha256(const std::string& data);
// Lower-case hex of MD5 (for APOP only, as RFC 1939 requires).
std::string Md5Hex(const std::string& data);
std::string RandomBytes(size_t n);
std::string ToHex(const std::string& bytes);
std::optional<std::string> FromHex(const std::string& hex);

// AES-256-GCM with a 12-byte random nonce; `aad` binds the secret to its account.
class SecretBox {
 public:
  // `key_hex`: 64 hex digits. An empty key makes a box that refuses to seal or open.
  static absl::StatusOr<SecretBox> FromHexKey(const std::string& key_hex);
  bool enabled() const { return !key_.empty(); }
  absl::StatusOr<std::string> Seal(const std::string& plaintext, const std::string& aad) const;
  absl::StatusOr<std::string> Open(const std::string& sealed, const std::string& aad) const;

 private:
  std::string key_;
};

}  // namespace tern::auth
