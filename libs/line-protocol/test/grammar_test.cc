// The shared grammar: character classes against <cctype> in the C locale over all 256 octets,
// case-insensitive comparison, tokens and the verb split, reply-text sanitizing.
#include "tern/line_protocol/grammar.h"

#include <cctype>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tern::line_protocol {
namespace {

using namespace std::string_literals;

TEST(GrammarTest, CharacterClassesAreAsciiOnly) {
  for (int i = 0; i < 256; ++i) {
    const char c = static_cast<char>(i);
    const bool ascii = i < 0x80;
    EXPECT_EQ(IsDigit(c), ascii && std::isdigit(i) != 0) << i;
    EXPECT_EQ(IsAlpha(c), ascii && std::isalpha(i) != 0) << i;
    EXPECT_EQ(IsAlnum(c), ascii && std::isalnum(i) != 0) << i;
    EXPECT_EQ(IsHexDigit(c), ascii && std::isxdigit(i) != 0) << i;
    EXPECT_EQ(IsControl(c), ascii && std::iscntrl(i) != 0) << i;
    EXPECT_EQ(IsVisible(c), ascii && std::isgraph(i) != 0) << i;
    EXPECT_EQ(ToUpper(c), ascii ? static_cast<char>(std::toupper(i)) : c) << i;
    EXPECT_EQ(ToLower(c), ascii ? static_cast<char>(std::tolower(i)) : c) << i;
  }
}

TEST(GrammarTest, CaseInsensitiveComparison) {
  EXPECT_EQ(Upper("ehlo Mx.Example\xc3\xa9"), "EHLO MX.EXAMPLE\xc3\xa9");
  EXPECT_TRUE(IEquals("StartTls", "STARTTLS"));
  EXPECT_TRUE(IEquals("", ""));
  EXPECT_FALSE(IEquals("QUIT", "QUIT "));
  EXPECT_FALSE(IEquals("\xc3\xa9", "\xc3\x89"));  // no case mapping outside ASCII
  EXPECT_FALSE(IEquals("QUIT", "QUI\0"s));
  EXPECT_TRUE(IStartsWith("auth plain", "AUTH "));
  EXPECT_TRUE(IStartsWith("AUTH", ""));
  EXPECT_FALSE(IStartsWith("AUTHX ", "AUTH "));
  EXPECT_FALSE(IStartsWith("AUT", "AUTH "));
}

TEST(GrammarTest, Tokens) {
  std::string_view rest = "  FROM:<a@b>  SIZE=10 \tBODY ";
  EXPECT_EQ(NextToken(&rest), "FROM:<a@b>");
  EXPECT_EQ(NextToken(&rest), "SIZE=10");
  EXPECT_EQ(NextToken(&rest), "\tBODY");  // a tab is not a separator
  EXPECT_EQ(NextToken(&rest), "");
  EXPECT_EQ(NextToken(&rest), "");
  EXPECT_TRUE(rest.empty());

  std::string_view line = "QUIT \t \t";
  TrimTrailingBlanks(&line);
  EXPECT_EQ(line, "QUIT");
  line = " \t";
  TrimTrailingBlanks(&line);
  EXPECT_EQ(line, "");
  line = "  \tQUIT";
  SkipSpaces(&line);
  EXPECT_EQ(line, "\tQUIT");
}

TEST(GrammarTest, SplitVerb) {
  const struct Row {
    std::string line;
    std::string verb;
    std::string args;
  } rows[] = {
      {"QUIT", "QUIT", ""},
      {"QUIT ", "QUIT", ""},
      {"MAIL FROM:<a@b>", "MAIL", "FROM:<a@b>"},
      {"MAIL    FROM:<a@b>  x", "MAIL", "FROM:<a@b>  x"},
      {"TOP 1 2", "TOP", "1 2"},
      {"NOOP\tx", "NOOP\tx", ""},  // only a space ends the verb
      {"", "", ""},
  };
  for (const Row& row : rows) {
    const VerbAndArgs v = SplitVerb(row.line);
    EXPECT_EQ(v.verb, row.verb) << row.line;
    EXPECT_EQ(v.args, row.args) << row.line;
  }
}

TEST(GrammarTest, AppendSanitized) {
  std::string out = "250 ";
  AppendSanitized("ok\tfine\r\n.\0\x7f\x80\xff end"s, &out);
  EXPECT_EQ(out, "250 ok\tfine??.???? end");
}

}  // namespace
}  // namespace tern::line_protocol
