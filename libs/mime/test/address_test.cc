// ParseAddressList: RFC 5322 address-lists into IMAP address structures, hostile rows included.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/mime/mime.h"

namespace tern::mime {
namespace {

using S = std::optional<std::string>;
const S NIL = std::nullopt;

Address A(S name, S adl, S mailbox, S host) { return Address{name, adl, mailbox, host}; }
Address Mbox(S name, const char* mailbox, const char* host) { return A(name, NIL, mailbox, host); }
Address GroupStart(const char* name) { return A(NIL, NIL, name, NIL); }
Address GroupEnd() { return A(NIL, NIL, NIL, NIL); }

std::string Show(const std::vector<Address>& v) {
  std::string s;
  auto q = [](const S& x) { return x ? "\"" + *x + "\"" : std::string("NIL"); };
  for (const auto& a : v) {
    s += "(" + q(a.name) + " " + q(a.adl) + " " + q(a.mailbox) + " " + q(a.host) + ")";
  }
  return s;
}

struct Row {
  const char* in;
  std::vector<Address> want;
  bool malformed;
};

TEST(ParseAddressListTest, Table) {
  const Row rows[] = {
      {"", {}, false},
      {"   ", {}, false},
      {"a@b.example", {Mbox(NIL, "a", "b.example")}, false},
      {"<a@b.example>", {Mbox(NIL, "a", "b.example")}, false},
      {"John Doe <jdoe@example.org>", {Mbox("John Doe", "jdoe", "example.org")}, false},
      {"\"Doe, John\" <jdoe@example.org>", {Mbox("Doe, John", "jdoe", "example.org")}, false},
      {"\"J \\\"Q\\\" D\" <j@x>", {Mbox("J \"Q\" D", "j", "x")}, false},
      {"John Q. Public <jqp@x.test>", {Mbox("John Q. Public", "jqp", "x.test")}, false},
      {"jdoe@example.org (John Doe)", {Mbox("John Doe", "jdoe", "example.org")}, false},
      {"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
       {Mbox("Pete", "pete", "silly.test")},
       false},
      {"a@b, c@d", {Mbox(NIL, "a", "b"), Mbox(NIL, "c", "d")}, false},
      {"a@b,,c@d", {Mbox(NIL, "a", "b"), Mbox(NIL, "c", "d")}, false},
      {"\"john doe\"@example.org", {Mbox(NIL, "john doe", "example.org")}, false},
      {"=?utf-8?Q?J=C3=B6rg?= <j@x>", {Mbox("=?utf-8?Q?J=C3=B6rg?=", "j", "x")}, false},
      {"a@[192.0.2.1]", {Mbox(NIL, "a", "[192.0.2.1]")}, false},
      {"undisclosed-recipients:;", {GroupStart("undisclosed-recipients"), GroupEnd()}, false},
      {"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
       {GroupStart("A Group"), Mbox("Ed Jones", "c", "a.test"), Mbox(NIL, "joe", "where.test"),
        Mbox("John", "jdoe", "one.test"), GroupEnd()},
       false},
      {"x@y, G: a@b; , z@w",
       {Mbox(NIL, "x", "y"), GroupStart("G"), Mbox(NIL, "a", "b"), GroupEnd(), Mbox(NIL, "z", "w")},
       false},
      {"<@route1,@route2:user@host>", {A(NIL, "@route1,@route2", "user", "host")}, false},
      // Obsolete and broken forms: best effort, flagged.
      {"john . doe @ example . org", {Mbox(NIL, "john.doe", "example.org")}, false},
      {"undisclosed-recipients", {Mbox(NIL, "undisclosed-recipients", "")}, true},
      {"G: a@b", {GroupStart("G"), Mbox(NIL, "a", "b"), GroupEnd()}, true},
      {"a@b c@d", {Mbox(NIL, "a", "b"), Mbox(NIL, "c", "d")}, true},
      {"\"unterminated <a@b>", {Mbox("unterminated", "a", "b")}, true},
      {"a@b, \"x", {Mbox(NIL, "a", "b"), Mbox(NIL, "x", "")}, true},
      {"Name <a@b", {Mbox("Name", "a", "b")}, true},
      {"Name <a@b>>, c@d", {Mbox("Name", "a", "b"), Mbox(NIL, "c", "d")}, true},
      {"<>", {Mbox(NIL, "", "")}, false},
      {"@", {Mbox(NIL, "", "")}, true},
      {"a@", {Mbox(NIL, "a", "")}, true},
      {"(unterminated comment a@b", {}, true},
      {";;;", {}, true},
      {"::", {GroupStart(""), GroupEnd()}, true},
  };
  for (const auto& r : rows) {
    bool malformed = false;
    auto got = ParseAddressList(r.in, &malformed);
    EXPECT_EQ(Show(got), Show(r.want)) << "input: " << r.in;
    EXPECT_EQ(malformed, r.malformed) << "input: " << r.in;
  }
}

TEST(ParseAddressListTest, HostileInputStaysLinearAndBounded) {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "a" + std::to_string(i) + "@x, ";
  EXPECT_EQ(ParseAddressList(many).size(), 20000u);
  std::string nested(100000, '(');
  EXPECT_TRUE(ParseAddressList(nested).empty());
  std::string quotes(100001, '"');
  ParseAddressList(quotes);  // must not crash
  std::string angles(100000, '<');
  ParseAddressList(angles);
  std::string at_signs(100000, '@');
  ParseAddressList(at_signs);
  std::string colons(100000, ':');
  EXPECT_LE(ParseAddressList(colons).size(), 2u);
}

}  // namespace
}  // namespace tern::mime
