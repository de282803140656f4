#include "tern/sasl/sasl.h"

#include "gtest/gtest.h"

namespace tern::sasl {
namespace {

using namespace std::string_literals;

TEST(ParsePlainTest, Table) {
  struct Row { std::string in; bool ok; std::string authzid, authcid, password; } rows[] = {
      {"\0alice\0secret"s, true, "", "alice", "secret"},
      {"admin\0alice\0secret"s, true, "admin", "alice", "secret"},
      {"\0alice\0pa ss\xc3\xa9"s, true, "", "alice", "pa ss\xc3\xa9"},
      {"alice\0secret"s, false},            // one NUL
      {"\0\0secret"s, false},                // empty authcid
      {"\0alice\0"s, false},                 // empty password
      {"\0alice\0se\0cret"s, false},         // three NULs
      {""s, false},
      {"\0"s + std::string(1025, 'a') + "\0x"s, false},  // over the field bound
  };
  for (const auto& r : rows) {
    auto c = ParsePlain(r.in);
    ASSERT_EQ(c.has_value(), r.ok) << testing::PrintToString(r.in);
    if (c) {
      EXPECT_EQ(c->authzid, r.authzid);
      EXPECT_EQ(c->authcid, r.authcid);
      EXPECT_EQ(c->password, r.password);
    }
  }
}

TEST(MechanismTest, CaseInsensitive) {
  EXPECT_EQ(ParseMechanism("plain"), Mechanism::kPlain);
  EXPECT_EQ(ParseMechanism("LOGIN"), Mechanism::kLogin);
  EXPECT_EQ(ParseMechanism("CRAM-MD5"), Mechanism::kUnknown);
  EXPECT_EQ(ParseMechanism("PLAINX"), Mechanism::kUnknown);
}

TEST(NextTest, PlainAndLoginExchanges) {
  EXPECT_EQ(Next(Mechanism::kPlain, {}).kind, Step::kChallenge);
  Step done = Next(Mechanism::kPlain, {"\0bob\0pw"s});
  ASSERT_EQ(done.kind, Step::kDone);
  EXPECT_EQ(done.credentials.authcid, "bob");
  EXPECT_EQ(Next(Mechanism::kPlain, {"\0bob\0pw"s, "extra"}).kind, Step::kMalformed);

  Step s = Next(Mechanism::kLogin, {});
  EXPECT_EQ(s.kind, Step::kChallenge);
  EXPECT_EQ(s.challenge, "Username:");
  s = Next(Mechanism::kLogin, {"bob"});
  EXPECT_EQ(s.challenge, "Password:");
  s = Next(Mechanism::kLogin, {"bob", "pw"});
  ASSERT_EQ(s.kind, Step::kDone);
  EXPECT_EQ(s.credentials.authcid, "bob");
  EXPECT_EQ(s.credentials.password, "pw");
  EXPECT_EQ(Next(Mechanism::kLogin, {""}).kind, Step::kMalformed);
  EXPECT_EQ(Next(Mechanism::kLogin, {"bob", ""}).kind, Step::kMalformed);
  EXPECT_EQ(Next(Mechanism::kUnknown, {}).kind, Step::kMalformed);
}

}  // namespace
}  // namespace tern::sasl
