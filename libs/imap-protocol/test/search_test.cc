// SEARCH: every RFC 3501 key and CONDSTORE's MODSEQ, CHARSET, dates, sets, nesting and its
// limits, literal strings (UTF-8), and malformed keys. Each row goes through the reader in
// every chunking.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "parse_rows.h"

namespace tern::imap_protocol {
namespace {

using test::Describe;
using test::ParseWire;

struct Row {
  std::string args;      // after "a SEARCH "
  std::string expected;  // Describe(key), or "BAD:<error>" ("BAD:" any error)
  std::string charset = "";
};

TEST(SearchTest, Table) {
  const std::vector<Row> rows = {
      {"ALL", "(ALL)"},
      {"all", "(ALL)"},
      {"ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT SEEN",
       "(ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT SEEN)"},
      {"UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN",
       "(UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN)"},
      {"KEYWORD $Label1 UNKEYWORD Junk", "(KEYWORD $Label1 UNKEYWORD Junk)"},
      {"BCC a CC b FROM \"c d\" TO e", "(BCC \"a\" CC \"b\" FROM \"c d\" TO \"e\")"},
      {"SUBJECT hello BODY world TEXT x", "(SUBJECT \"hello\" BODY \"world\" TEXT \"x\")"},
      {"HEADER Message-ID \"<a@b>\"", "(HEADER Message-ID \"<a@b>\")"},
      {"HEADER X-Empty \"\"", "(HEADER X-Empty \"\")"},
      {"BEFORE 1-Feb-2024 ON 29-Feb-2024 SINCE \"07-jul-1996\"",
       "(BEFORE 2024-2-1 ON 2024-2-29 SINCE 1996-7-7)"},
      {"SENTBEFORE 1-Jan-2000 SENTON 31-Dec-1999 SENTSINCE 15-Mar-2001",
       "(SENTBEFORE 2000-1-1 SENTON 1999-12-31 SENTSINCE 2001-3-15)"},
      {"LARGER 1000 SMALLER 5000", "(LARGER 1000 SMALLER 5000)"},
      {"MODSEQ 620162338", "(MODSEQ 620162338)"},
      {"MODSEQ \"/flags/\\\\draft\" all 620162338", "(MODSEQ 620162338)"},
      {"1:3,5 UID 7:*", "(1:3,5 UID 7:*)"},
      {"*", "(*)"},
      {"NOT SEEN", "(NOT SEEN)"},
      {"OR SEEN FLAGGED", "(OR SEEN FLAGGED)"},
      {"OR (SEEN FROM a) NOT (DELETED)", "(OR (SEEN FROM \"a\") NOT (DELETED))"},
      {"(((ALL)))", "((((ALL))))"},
      {"CHARSET UTF-8 SUBJECT {6}\r\n\xc3\xa9t\xc3\xa9!", "(SUBJECT \"\xc3\xa9t\xc3\xa9!\")",
       "UTF-8"},
      {"charset us-ascii ALL", "(ALL)", "US-ASCII"},
      {"FROM {0}\r\n", "(FROM \"\")"},
      // Malformed.
      {"", "BAD:"},
      {"BOGUS", "BAD:Unknown search key"},
      {"FROM", "BAD:Missing search string"},
      {"HEADER Subject", "BAD:Missing header value"},
      {"BEFORE 32-Jan-2024", "BAD:Bad date"},
      {"BEFORE 29-Feb-2023", "BAD:Bad date"},
      {"BEFORE 1-Foo-2024", "BAD:Bad date"},
      {"BEFORE 1-Jan-24", "BAD:Bad date"},
      {"BEFORE 1-Jan-20245", "BAD:Bad date"},
      {"BEFORE \"1-Jan-2024", "BAD:Bad date"},
      {"LARGER x", "BAD:Bad number"},
      {"LARGER 99999999999999999999", "BAD:"},
      {"0", "BAD:Bad sequence set"},
      {"1,,2", "BAD:Bad sequence set"},
      {"UID 0", "BAD:Bad sequence set"},
      {"NOT", "BAD:Missing search key"},
      {"OR SEEN", "BAD:Missing search key"},
      {"(SEEN", "BAD:Unbalanced parentheses"},
      {"SEEN)", "BAD:"},
      {"()", "BAD:"},
      {"SEEN  DELETED", "BAD:"},
      {"CHARSET", "BAD:"},
      {"CHARSET UTF-8", "BAD:"},
      {"RETURN (MIN) ALL", "BAD:SEARCH RETURN is not supported"},
      {"KEYWORD \\Seen", "BAD:Bad keyword"},
      {"FROM a\xc3\xa9", "BAD:"},
      {std::string(17, '(') + "ALL" + std::string(17, ')'), "BAD:Search keys nested too deep"},
      {std::string(16, '(') + "ALL" + std::string(16, ')'),
       std::string(17, '(') + "ALL" + std::string(17, ')')},
      {[] {
         std::string s;
         for (int i = 0; i < 17; ++i) s += "NOT ";
         return s + "SEEN";
       }(),
       "BAD:Search keys nested too deep"},
      {[] {
         std::string s = "ALL";
         for (int i = 0; i < 1024; ++i) s += " ALL";
         return s;
       }(),
       "BAD:Too many search keys"},
  };
  for (const Row& row : rows) {
    const std::string wire = "a SEARCH " + row.args + "\r\n";
    SCOPED_TRACE(::tern::testing::Escape(wire));
    const Parsed p = ParseWire(wire);
    EXPECT_EQ(p.tag, "a");
    if (row.expected.rfind("BAD:", 0) == 0) {
      EXPECT_FALSE(p.ok);
      EXPECT_FALSE(p.error.empty());
      if (row.expected.size() > 4) {
        EXPECT_EQ(p.error, row.expected.substr(4));
      }
      continue;
    }
    ASSERT_TRUE(p.ok) << p.error;
    const auto* search = std::get_if<Search>(&p.command);
    ASSERT_NE(search, nullptr);
    EXPECT_EQ(search->key.kind, SearchKey::Kind::kAnd);
    EXPECT_EQ(Describe(search->key), row.expected);
    EXPECT_EQ(search->charset, row.charset);
  }
}

TEST(SearchTest, KeyCountAtTheLimit) {
  std::string args = "ALL";
  for (int i = 1; i < 1024; ++i) args += " ALL";
  const Parsed p = ParseCommand("a UID SEARCH " + args);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_TRUE(std::get<Search>(p.command).uid);
  EXPECT_EQ(std::get<Search>(p.command).key.children.size(), 1024u);
}

}  // namespace
}  // namespace tern::imap_protocol
