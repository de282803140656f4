#include "crypto.h"

#include "gtest/gtest.h"
#include "verify_cache.h"

namespace tern::auth {
namespace {

const Argon2Params kFast{1, 1024, 1};

TEST(PasswordTest, Argon2idHashVerifiesOnlyTheRightPassword) {
  auto h = HashPassword("correct horse", kFast);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(h->find("correct"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse "));
  EXPECT_FALSE(VerifyPassword("not a hash", "x"));
  auto h2 = HashPassword("correct horse", kFast);
  EXPECT_NE(*h, *h2) << "random salt";
}

TEST(ApopTest, Rfc1939Example) {
  EXPECT_EQ(Md5Hex("<1896.697170952@dbc.mtview.ca.us>tanstaaf"), "c4c9334bac560ecc979e58001b3e22fb");
}

TEST(SecretBoxTest, SealsAndOpensBoundToItsAccount) {
  auto box = SecretBox::FromHexKey(std::string(64, 'a'));
  ASSERT_TRUE(box.ok());
  auto sealed = box->Seal("tanstaaf", "mrose@example.org");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("tanstaaf"), std::string::npos) << "never stored in the clear";
  EXPECT_EQ(*box->Open(*sealed, "mrose@example.org"), "tanstaaf");
  EXPECT_FALSE(box->Open(*sealed, "other@example.org").ok()) << "bound to the account";
  std::string tampered = *sealed;
  tampered[14] ^= 1;
  EXPECT_FALSE(box->Open(tampered, "mrose@example.org").ok());
  auto other = SecretBox::FromHexKey(std::string(64, 'b'));
  EXPECT_FALSE(other->Open(*sealed, "mrose@example.org").ok());
  EXPECT_FALSE(SecretBox::FromHexKey("abcd").ok());
  auto none = SecretBox::FromHexKey("");
  EXPECT_FALSE(none->enabled());
  EXPECT_EQ(none->Seal("x", "y").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ConstantTimeEqualsTest, ComparesContent) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

TEST(VerifyCacheTest, ExpiresIsBoundedAndMissesAfterPasswordChange) {
  FakeClock clock;
  VerifyCache cache(clock, absl::Seconds(60), 2);
  cache.Remember("a@x", "pw", "hash1");
  EXPECT_TRUE(cache.Hit("a@x", "pw", "hash1"));
  EXPECT_FALSE(cache.Hit("a@x", "other", "hash1"));
  EXPECT_FALSE(cache.Hit("a@x", "pw", "hash2")) << "a new stored hash misses";
  clock.Advance(absl::Seconds(61));
  EXPECT_FALSE(cache.Hit("a@x", "pw", "hash1")) << "expired";
  cache.Remember("b@x", "pw", "h");
  cache.Remember("c@x", "pw", "h");
  cache.Remember("d@x", "pw", "h");
  EXPECT_LE(cache.size(), 2u);
  EXPECT_TRUE(cache.Hit("d@x", "pw", "h"));
}

}  // namespace
}  // namespace tern::auth
