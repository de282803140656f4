#include "crypto.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>
#include <vector>

namespace tern::auth {

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();  // no randomness: nothing safe can be done
  }
  return out;
}

absl::StatusOr<std::string> HashPassword(const std::string& password, const Argon2Params& p) {
  const std::string salt = RandomBytes(16);
  constexpr size_t kHashLen = 32;
  size_t len = argon2_encodedlen(p.t_cost, p.m_cost_kib, p.parallelism, salt.size(), kHashLen,
                                 Argon2_id);
  std::vector<char> encoded(len);
  int rc = argon2id_hash_encoded(p.t_cost, p.m_cost_kib, p.parallelism, password.data(),
                                 password.size(), salt.data(), salt.size(), kHashLen,
                                 encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return absl::InternalError(std::string("argon2: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool VerifyPassword(const std::string& encoded, const std::string& password) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Sha256(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof(md));
}

std::string Md5Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_md5(), nullptr);
  return ToHex(std::string(reinterpret_cast<char*>(md), n));
}

std::string ToHex(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::optional<std::string> FromHex(const std::string& hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

absl::StatusOr<SecretBox> SecretBox::FromHexKey(const std::string& key_hex) {
  SecretBox box;
  if (key_hex.empty()) return box;
  auto key = FromHex(key_hex);
  if (!key || key->size() != 32) return absl::InvalidArgumentError("apop.key: need 64 hex digits");
  box.key_ = *key;
  return box;
}

namespace {
struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;
constexpr size_t kNonce = 12, kTag = 16;
}  // namespace

absl::StatusOr<std::string> SecretBox::Seal(const std::string& plaintext,
                                            const std::string& aad) const {
  if (!enabled()) return absl::FailedPreconditionError("APOP is not configured (apop.key)");
  const std::string nonce = RandomBytes(kNonce);
  Ctx ctx(EVP_CIPHER_CTX_new());
  std::string out = nonce;
  out.resize(kNonce + plaintext.size() + kTag);
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                      reinterpret_cast<const unsigned char*>(key_.data()),
                                      reinterpret_cast<const unsigned char*>(nonce.data())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), o + kNonce, &len,
                              reinterpret_cast<const unsigned char*>(plaintext.data()),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), o + kNonce + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag,
                                o + kNonce + plaintext.size()) == 1;
  if (!ok) return absl::InternalError("encryption failed");
  return out;
}

absl::StatusOr<std::string> SecretBox::Open(const std::string& sealed,
                                            const std::string& aad) const {
  if (!enabled()) return absl::FailedPreconditionError("APOP is not configured (apop.key)");
  if (sealed.size() < kNonce + kTag) return absl::DataLossError("sealed secret too short");
  const size_t n = sealed.size() - kNonce - kTag;
  const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string out(n, '\0');
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::string tag = sealed.substr(kNonce + n);
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                      reinterpret_cast<const unsigned char*>(key_.data()), in) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                              in + kNonce, static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len,
                                &len) == 1;
  if (!ok) return absl::DataLossError("secret does not decrypt (wrong apop.key?)");
  return out;
}

}  // namespace tern::auth
