// Sequence sets: parsing (valid and hostile rows), Resolve, Contains and FormatSet.
#include "tern/imap_protocol/sequence_set.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "parse_rows.h"

namespace tern::imap_protocol {
namespace {

using test::Describe;

TEST(SequenceSetTest, Parse) {
  struct Row {
    std::string text;
    std::string expected;  // Describe(set), "" for nullopt
  };
  const std::vector<Row> rows = {
      {"1", "1"},
      {"2:4", "2:4"},
      {"*", "*"},
      {"7:*", "7:*"},
      {"*:7", "*:7"},
      {"*:*", "*"},
      {"5:2", "5:2"},
      {"1,3:5,*", "1,3:5,*"},
      {"4294967295", "4294967295"},
      {"1:4294967295", "1:4294967295"},
      {"", ""},
      {"0", ""},
      {"0:3", ""},
      {"3:0", ""},
      {"01", ""},
      {"1:", ""},
      {":3", ""},
      {"1::3", ""},
      {"1:2:3", ""},
      {"1,,2", ""},
      {",1", ""},
      {"1,", ""},
      {"4294967296", ""},
      {"99999999999999999999999", ""},
      {"1 2", ""},
      {"a", ""},
      {"-1", ""},
      {"+1", ""},
      {"**", ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text);
    const auto set = ParseSequenceSet(row.text);
    if (row.expected.empty()) {
      EXPECT_FALSE(set.has_value());
    } else {
      ASSERT_TRUE(set.has_value());
      EXPECT_EQ(Describe(*set), row.expected);
    }
  }
}

TEST(SequenceSetTest, RangeLimit) {
  Limits limits;
  limits.max_set_ranges = 3;
  EXPECT_TRUE(ParseSequenceSet("1,2,3", limits).has_value());
  EXPECT_FALSE(ParseSequenceSet("1,2,3,4", limits).has_value());
}

TEST(SequenceSetTest, Resolve) {
  const auto set = ParseSequenceSet("9:7,*,1,2:3,5:*");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->Resolve(12), (std::vector<SeqRange>{{1, 3}, {5, 12}}));
  EXPECT_EQ(set->Resolve(6), (std::vector<SeqRange>{{1, 3}, {5, 9}}));
  EXPECT_EQ(ParseSequenceSet("*")->Resolve(0), (std::vector<SeqRange>{{0, 0}}));
  EXPECT_EQ(ParseSequenceSet("4294967295,1:4294967295")->Resolve(5),
            (std::vector<SeqRange>{{1, 4294967295u}}));
  EXPECT_EQ(ParseSequenceSet("1,3")->Resolve(5), (std::vector<SeqRange>{{1, 1}, {3, 3}}));
}

TEST(SequenceSetTest, Contains) {
  const auto set = ParseSequenceSet("2:4,10:*");
  ASSERT_TRUE(set);
  EXPECT_FALSE(set->Contains(1, 20));
  EXPECT_TRUE(set->Contains(3, 20));
  EXPECT_TRUE(set->Contains(20, 20));
  EXPECT_FALSE(set->Contains(21, 20));
  EXPECT_TRUE(set->Contains(7, 7));  // "10:*" with * = 7 is 7:10
  EXPECT_TRUE(ParseSequenceSet("*")->Contains(5, 5));
  EXPECT_FALSE(ParseSequenceSet("*")->Contains(4, 5));
}

TEST(SequenceSetTest, Format) {
  EXPECT_EQ(FormatSet({}), "");
  EXPECT_EQ(FormatSet({1}), "1");
  EXPECT_EQ(FormatSet({1, 2, 3, 5}), "1:3,5");
  EXPECT_EQ(FormatSet({1, 3, 5, 6, 7, 9}), "1,3,5:7,9");
  EXPECT_EQ(FormatSet({4294967294u, 4294967295u}), "4294967294:4294967295");
}

}  // namespace
}  // namespace tern::imap_protocol
