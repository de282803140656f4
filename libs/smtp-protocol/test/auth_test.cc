// Base64 (tern::sasl, as the SMTP and POP3 codecs re-export it; its rows live here once) and
// the SMTP SASL response framing (RFC 4954).
#include "tern/smtp_protocol/auth.h"

#include <string>

#include "gtest/gtest.h"

namespace tern::smtp_protocol {
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

TEST(Base64Test, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes.push_back(static_cast<char>(i * 37));
    EXPECT_EQ(DecodeBase64(EncodeBase64(bytes)), bytes) << i;
  }
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(EncodeBase64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(EncodeBase64("foob"), "Zm9vYg==");
}

TEST(Base64Test, RoundTripsEveryOctet) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 7) {
    const std::string bytes = all.substr(0, n);
    EXPECT_EQ(DecodeBase64(EncodeBase64(bytes)), bytes) << n;
  }
  EXPECT_EQ(EncodeBase64("\0alice\0secret"s), "AGFsaWNlAHNlY3JldA==");
}

TEST(SaslResponseTest, Table) {
  const struct Row {
    std::string line;
    SaslResponse::Kind kind;
    std::string data;
  } rows[] = {
      {"*", SaslResponse::kCancel, ""},
      {"", SaslResponse::kData, ""},
      {"Ym9i", SaslResponse::kData, "bob"},
      {"AGJvYgBwdw==", SaslResponse::kData, "\0bob\0pw"s},
      {"* ", SaslResponse::kInvalid, ""},
      {"**", SaslResponse::kInvalid, ""},
      {"not base64!", SaslResponse::kInvalid, ""},
      {"Ym9", SaslResponse::kInvalid, ""},
  };
  for (const auto& row : rows) {
    const SaslResponse r = ParseSaslResponse(row.line);
    EXPECT_EQ(r.kind, row.kind) << row.line;
    EXPECT_EQ(r.data, row.data) << row.line;
  }
}

}  // namespace
}  // namespace tern::smtp_protocol
