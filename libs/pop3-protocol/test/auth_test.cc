// The SASL framing of RFC 5034. The strict base64 under it (tern::sasl) is tested once, in
// libs/smtp-protocol/test/auth_test.cc.
#include "tern/pop3_protocol/auth.h"

#include <string>

#include "gtest/gtest.h"

namespace tern::pop3_protocol {
namespace {

using namespace std::string_literals;

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
