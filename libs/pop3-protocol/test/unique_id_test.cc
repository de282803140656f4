// UIDL values from (UIDVALIDITY, UID): fixed form, allowed characters, unique, reversible.
#include "tern/pop3_protocol/unique_id.h"

#include <cstdint>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace tern::pop3_protocol {
namespace {

TEST(UniqueIdTest, Table) {
  const struct Row {
    uint32_t uidvalidity;
    uint32_t uid;
    std::string want;
  } rows[] = {
      {0, 0, "0000000000000000"},          {42, 7, "0000002a00000007"},
      {1700000000, 1, "6553f10000000001"}, {UINT32_MAX, UINT32_MAX, "ffffffffffffffff"},
      {1, 0x10, "0000000100000010"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(MakeUniqueId(row.uidvalidity, row.uid), row.want);
    EXPECT_EQ(ParseUniqueId(row.want), (UniqueIdParts{row.uidvalidity, row.uid}));
  }
}

TEST(UniqueIdTest, OnlyRfc1939CharactersAndUnique) {
  std::set<std::string> seen;
  for (uint32_t v : {1u, 2u, 0x10u, 0x100u, 0xffffffffu}) {
    for (uint32_t uid : {1u, 2u, 0x10u, 0x100u, 0xffffffffu}) {
      const std::string id = MakeUniqueId(v, uid);
      EXPECT_GE(id.size(), 1u);
      EXPECT_LE(id.size(), 70u);
      for (char c : id) EXPECT_TRUE(c >= 0x21 && c <= 0x7e) << id;
      EXPECT_TRUE(seen.insert(id).second) << "collision " << id;
    }
  }
  // Stable: the same pair always gives the same id.
  EXPECT_EQ(MakeUniqueId(123, 456), MakeUniqueId(123, 456));
}

TEST(UniqueIdTest, ParseRefusesWhatMakeDidNotMake) {
  for (const char* id : {"", "0", "0000002a0000000", "0000002a000000070", "0000002A00000007",
                         "0000002a0000000g", "+000002a00000007", "0000002a 0000007"}) {
    EXPECT_EQ(ParseUniqueId(id), std::nullopt) << id;
  }
}

}  // namespace
}  // namespace tern::pop3_protocol
