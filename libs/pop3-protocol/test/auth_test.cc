// Base64 and the SASL framing of RFC 5034.
#include "tern/pop3_protocol/auth.h"

#include <string>

#include "gtest/gtest.h"

namespace tern::pop3_protocol {
namespace {

using namespace std::string_literals;

TEST(Base64Test, Table) {
  const struct Row {
    std::string text;
    std::optional<std::string> want;
  } rows[] = {
      {"", ""},
      {"Zg==", "f"},
      {"Zm8=", "fo"},
      {"Zm9v", "foo"},
      {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"},
      {"Zm9vYmFy", "foobar"},
      {"AGFsaWNlAHNlY3JldA==", "\0alice\0secret"s},
      {"+/+/", "\xfb\xff\xbf"},
      {"Zg=", std::nullopt},  // length
      {"Zg", std::nullopt},
      {"Z===", std::nullopt},  // too much padding
      {"====", std::nullopt},
      {"Zg==Zg==", std::nullopt},  // padding in the middle
      {"Zm=v", std::nullopt},      // data after padding
      {"Zm9v\r\n", std::nullopt},  // whitespace
      {"Zm 9", std::nullopt},
      {"Zm-_", std::nullopt},  // the URL alphabet is not SASL's
      {"=", std::nullopt},
      {"Zm9v\0AAA"s, std::nullopt},
  };
  for (const auto& row : rows) EXPECT_EQ(DecodeBase64(row.text), row.want) << row.text;
}

TEST(Base64Test, RoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 7) {
    const std::string bytes = all.substr(0, n);
    EXPECT_EQ(DecodeBase64(EncodeBase64(bytes)), bytes) << n;
  }
  EXPECT_EQ(EncodeBase64("\0alice\0secret"s), "AGFsaWNlAHNlY3JldA==");
}

TEST(SaslResponseTest, Table) {
  EXPECT_EQ(ParseSaslResponse("*").kind, SaslResponse::kCancel);
  const SaslResponse data = ParseSaslResponse("AGFsaWNlAHNlY3JldA==");
  EXPECT_EQ(data.kind, SaslResponse::kData);
  EXPECT_EQ(data.data, "\0alice\0secret"s);
  EXPECT_EQ(ParseSaslResponse("").kind, SaslResponse::kData);
  EXPECT_EQ(ParseSaslResponse("=").kind, SaslResponse::kData);
  EXPECT_EQ(ParseSaslResponse("=").data, "");
  EXPECT_EQ(ParseSaslResponse("**").kind, SaslResponse::kInvalid);
  EXPECT_EQ(ParseSaslResponse("not base64").kind, SaslResponse::kInvalid);
  // A client that types QUIT mid-exchange sent valid base64: still a response.
  EXPECT_EQ(ParseSaslResponse("QUIT").kind, SaslResponse::kData);
}

TEST(SaslChallengeTest, Table) {
  EXPECT_EQ(SaslChallenge(""), "+ \r\n");
  EXPECT_EQ(SaslChallenge("Username:"), "+ VXNlcm5hbWU6\r\n");
  EXPECT_EQ(SaslChallenge("\r\n"), "+ DQo=\r\n");
}

}  // namespace
}  // namespace tern::pop3_protocol
