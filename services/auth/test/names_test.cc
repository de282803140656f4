#include "names.h"

#include "gtest/gtest.h"

namespace tern::auth {
namespace {

TEST(NamesTest, AddressesAndDomains) {
  EXPECT_EQ(*NormalizeAddress("Alice.Smith@Example.ORG"), "alice.smith@example.org");
  EXPECT_EQ(*NormalizeAddress("a+tag@x-y.example"), "a+tag@x-y.example");
  for (const char* bad : {"", "alice", "@example.org", "alice@", "al ice@example.org",
                          ".a@example.org", "a..b@example.org", "a.@example.org",
                          "a@-example.org", "a@example..org", "a@exa_mple.org", "a@b@c"}) {
    EXPECT_FALSE(NormalizeAddress(bad).ok()) << bad;
  }
  EXPECT_FALSE(NormalizeAddress(std::string(65, 'a') + "@x.org").ok());
  EXPECT_EQ(*NormalizeDomain("Mail.Example.ORG"), "mail.example.org");
  EXPECT_FALSE(NormalizeDomain("").ok());
  EXPECT_FALSE(NormalizeDomain("exa mple.org").ok());
  EXPECT_FALSE(NormalizeDomain(std::string(64, 'a') + ".org").ok());
  EXPECT_EQ(*NormalizeAliasAddress("@Example.org"), "@example.org");
  EXPECT_FALSE(NormalizeAliasAddress("@").ok());
  auto [local, domain] = SplitAddress("a@b.c");
  EXPECT_EQ(local, "a");
  EXPECT_EQ(domain, "b.c");
}

}  // namespace
}  // namespace tern::auth
