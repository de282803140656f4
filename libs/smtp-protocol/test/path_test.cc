// ParsePath: RFC 5321 4.1.2 paths with RFC 6531 UTF-8, address literals and source routes.
#include <string>

#include "gtest/gtest.h"
#include "tern/smtp_protocol/command.h"
#include "tern/testing/chunkings.h"

namespace tern::smtp_protocol {
namespace {

using ::tern::testing::Escape;

struct Row {
  std::string in;
  bool forward;
  // Expected: "local|domain|utf8|used" on success, "!reason" on failure.
  std::string want;
};

std::string Describe(const Row& row) {
  Path p;
  std::string error;
  const size_t used = ParsePath(row.in, row.forward, &p, &error);
  if (used == 0) return "!" + error;
  return p.local_part + "|" + p.domain + "|" + (p.utf8 ? "utf8" : "ascii") + "|" +
         std::to_string(used);
}

TEST(ParsePathTest, Table) {
  const bool kRev = false, kFwd = true;
  const Row rows[] = {
      {"<a@b>", kRev, "a|b|ascii|5"},
      {"<a@b> SIZE=1", kRev, "a|b|ascii|5"},
      {"<first.last@sub.example.com>", kRev, "first.last|sub.example.com|ascii|28"},
      {"<a+tag@x.example>", kFwd, "a+tag|x.example|ascii|17"},
      {"<!#$%&'*+-/=?^_`{|}~@x>", kFwd, "!#$%&'*+-/=?^_`{|}~|x|ascii|23"},
      {"<SRS0=HHH=TT=example.org=" + std::string(60, 'l') + "@fwd.example>", kRev,
       "SRS0=HHH=TT=example.org=" + std::string(60, 'l') + "|fwd.example|ascii|98"},
      {"<>", kRev, "||ascii|2"},
      {"<>", kFwd, "!empty recipient address"},
      {"<postmaster>", kFwd, "postmaster||ascii|12"},
      {"<PostMaster>", kFwd, "PostMaster||ascii|12"},
      {"<postmaster>", kRev, "!missing '@domain'"},
      {"<\"postmaster\">", kFwd, "!missing '@domain'"},
      // Quoted local parts
      {"<\"john doe\"@example.com>", kFwd, "john doe|example.com|ascii|24"},
      {"<\"a\\\"b\\\\c\"@x>", kFwd, "a\"b\\c|x|ascii|13"},
      {"<\"a>b@c\"@x>", kFwd, "a>b@c|x|ascii|11"},
      {"<\"\"@x>", kFwd, "|x|ascii|6"},
      {"<\"unterminated@x>", kFwd, "!unterminated quoted local part"},
      {"<\"tab\there\"@x>", kFwd, "!invalid character in the local part"},
      {"<\"a\\\x01\"@x>", kFwd, "!invalid backslash escape in the local part"},
      // Dot-strings
      {"<a..b@x>", kFwd, "!misplaced '.' in the local part"},
      {"<.a@x>", kFwd, "!misplaced '.' in the local part"},
      {"<a.@x>", kFwd, "!misplaced '.' in the local part"},
      {"<a b@x>", kFwd, "!invalid character in the local part"},
      {"<a(b)@x>", kFwd, "!invalid character in the local part"},
      {"<@x>", kFwd, "!invalid source route"},
      {"<a@>", kFwd, "!invalid domain"},
      {"<a@b", kFwd, "!missing '>'"},
      {"<a", kFwd, "!missing '>'"},
      {"<", kFwd, "!invalid character in the local part"},
      {"a@b", kFwd, "!the address must be in angle brackets"},
      {"", kFwd, "!the address must be in angle brackets"},
      // Domains
      {"<a@x-y.example>", kFwd, "a|x-y.example|ascii|15"},
      {"<a@123.example>", kFwd, "a|123.example|ascii|15"},
      {"<a@-x.example>", kFwd, "!invalid domain"},
      {"<a@x-.example>", kFwd, "!invalid domain"},
      {"<a@x..example>", kFwd, "!invalid domain"},
      {"<a@x.example.>", kFwd, "!invalid domain"},
      {"<a@.x>", kFwd, "!invalid domain"},
      {"<a@x_y.example>", kFwd, "!invalid character in the domain"},
      {"<a@x y>", kFwd, "!invalid character in the domain"},
      {"<a@" + std::string(63, 'd') + ".example>", kFwd,
       "a|" + std::string(63, 'd') + ".example|ascii|75"},
      {"<a@" + std::string(64, 'd') + ".example>", kFwd, "!invalid domain"},
      {"<a@" + std::string(120, 'd').insert(60, ".") + "." + std::string(120, 'e').insert(60, ".") +
           "." + std::string(14, 'f') + ">",
       kFwd, "!invalid domain"},  // 258 octets
      // Address literals
      {"<a@[192.0.2.1]>", kFwd, "a|[192.0.2.1]|ascii|15"},
      {"<a@[0.0.0.0]>", kFwd, "a|[0.0.0.0]|ascii|13"},
      {"<a@[255.255.255.255]>", kFwd, "a|[255.255.255.255]|ascii|21"},
      {"<a@[256.1.1.1]>", kFwd, "!invalid address literal"},
      {"<a@[1.2.3]>", kFwd, "!invalid address literal"},
      {"<a@[1.2.3.4.5]>", kFwd, "!invalid address literal"},
      {"<a@[1.2.3.0004]>", kFwd, "!invalid address literal"},
      {"<a@[IPv6:::1]>", kFwd, "a|[IPv6:::1]|ascii|14"},
      {"<a@[ipv6:2001:db8::1]>", kFwd, "a|[ipv6:2001:db8::1]|ascii|22"},
      {"<a@[IPv6:2001:db8:0:0:0:0:0:1]>", kFwd, "a|[IPv6:2001:db8:0:0:0:0:0:1]|ascii|31"},
      {"<a@[IPv6:::]>", kFwd, "a|[IPv6:::]|ascii|13"},
      {"<a@[IPv6:fe80::]>", kFwd, "a|[IPv6:fe80::]|ascii|17"},
      {"<a@[IPv6:::ffff:192.0.2.1]>", kFwd, "a|[IPv6:::ffff:192.0.2.1]|ascii|27"},
      {"<a@[IPv6:1:2:3:4:5:6:192.0.2.1]>", kFwd, "a|[IPv6:1:2:3:4:5:6:192.0.2.1]|ascii|32"},
      {"<a@[IPv6:1:2:3:4:5:6:7:8:9]>", kFwd, "!invalid address literal"},
      {"<a@[IPv6:1:2:3:4:5:6:7]>", kFwd, "!invalid address literal"},
      {"<a@[IPv6:1::2::3]>", kFwd, "!invalid address literal"},
      {"<a@[IPv6:12345::]>", kFwd, "!invalid address literal"},
      {"<a@[IPv6:1:2:3:4:5:6:7:8::]>", kFwd, "!invalid address literal"},
      {"<a@[IPv6::1]>", kFwd, "!invalid address literal"},
      {"<a@[IPv6:1:]>", kFwd, "!invalid address literal"},
      {"<a@[IPv6:g::1]>", kFwd, "!invalid address literal"},
      {"<a@[IPv6:::1.2.3]>", kFwd, "!invalid address literal"},
      {"<a@[x-tag:anything-here]>", kFwd, "a|[x-tag:anything-here]|ascii|25"},
      {"<a@[foo]>", kFwd, "!invalid address literal"},
      {"<a@[tag-:x]>", kFwd, "!invalid address literal"},
      {"<a@[]>", kFwd, "!invalid address literal"},
      {"<a@[1.2.3.4>", kFwd, "!unterminated address literal"},
      {"<a@[1.2.3.4]x>", kFwd, "!invalid character in the domain"},
      // Source routes: checked, then ignored
      {"<@a.example,@b.example:u@c.example>", kFwd, "u|c.example|ascii|35"},
      {"<@a:u@c>", kFwd, "u|c|ascii|8"},
      {"<@a,b:u@c>", kFwd, "!invalid source route"},
      {"<@:u@c>", kFwd, "!invalid source route"},
      {"<@a u@c>", kFwd, "!invalid source route"},
      {"<@a,@:u@c>", kFwd, "!invalid source route"},
      // UTF-8 (RFC 6531): parsed and flagged; the session decides
      {"<\xce\xb4\xce\xbf\xce\xba@\xcf\x80\xce\xb1.example>", kFwd,
       "\xce\xb4\xce\xbf\xce\xba|\xcf\x80\xce\xb1.example|utf8|21"},
      {"<a@b\xc3\xbc\x63her.example>", kFwd, "a|b\xc3\xbc\x63her.example|utf8|19"},
      {"<\"\xe2\x82\xac uro\"@x>", kFwd, "\xe2\x82\xac uro|x|utf8|13"},
      {"<\xf0\x9f\x93\xa7@x>", kFwd, "\xf0\x9f\x93\xa7|x|utf8|8"},
      {"<\xff@x>", kFwd, "!invalid UTF-8 in the local part"},
      {"<\xc3\x28@x>", kFwd, "!invalid UTF-8 in the local part"},
      {"<\xc0\xaf@x>", kFwd, "!invalid UTF-8 in the local part"},          // overlong
      {"<\xed\xa0\x80@x>", kFwd, "!invalid UTF-8 in the local part"},      // surrogate
      {"<\xf4\x90\x80\x80@x>", kFwd, "!invalid UTF-8 in the local part"},  // > U+10FFFF
      {"<\xe2\x82@x>", kFwd, "!invalid UTF-8 in the local part"},          // truncated
      {"<a@\xc3\x28.example>", kFwd, "!invalid domain"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(Describe(row), row.want) << Escape(row.in) << (row.forward ? " (forward)" : "");
  }
}

TEST(PathTest, AddressQuotesWhenNeeded) {
  EXPECT_EQ((Path{"a.b", "x", false}).Address(), "a.b@x");
  EXPECT_EQ((Path{"a b", "x", false}).Address(), "\"a b\"@x");
  EXPECT_EQ((Path{"a\"b\\", "x", false}).Address(), "\"a\\\"b\\\\\"@x");
  EXPECT_EQ((Path{"a..b", "x", false}).Address(), "\"a..b\"@x");
  EXPECT_EQ((Path{"", "x", false}).Address(), "\"\"@x");
  EXPECT_EQ((Path{"postmaster", "", false}).Address(), "postmaster");
  EXPECT_EQ((Path{"j\xc3\xb6rg", "x", true}).Address(), "j\xc3\xb6rg@x");
  EXPECT_EQ(Path{}.Address(), "");
  EXPECT_TRUE(Path{}.null());
}

}  // namespace
}  // namespace tern::smtp_protocol
