#include "gtest/gtest.h"
#include "store.h"

namespace tern::storage {
namespace {

TEST(NormalizeMailboxTest, InboxIsCaseInsensitiveOtherNamesAreNot) {
  EXPECT_EQ(*NormalizeMailbox("inbox"), "INBOX");
  EXPECT_EQ(*NormalizeMailbox("InBoX/Sub"), "INBOX/Sub");
  EXPECT_EQ(*NormalizeMailbox("Archive/2024"), "Archive/2024");
  EXPECT_EQ(*NormalizeMailbox("inboxes"), "inboxes");
  EXPECT_EQ(*NormalizeMailbox("Entwürfe"), "Entwürfe");
}

TEST(NormalizeMailboxTest, RefusesBadNames) {
  for (const char* bad : {"", "/a", "a/", "a//b", "a*", "b%", "tab\there", "nul\x01", "\xff\xfe"}) {
    EXPECT_EQ(NormalizeMailbox(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(NormalizeMailbox(std::string(256, 'a')).ok());
  EXPECT_TRUE(NormalizeMailbox(std::string(255, 'a')).ok());
  EXPECT_FALSE(NormalizeMailbox(std::string(1001, 'a')).ok());
}

TEST(NormalizeAccountTest, LowerCasesAndRefusesSpaces) {
  EXPECT_EQ(*NormalizeAccount("Alice@Example.ORG"), "alice@example.org");
  EXPECT_FALSE(NormalizeAccount("").ok());
  EXPECT_FALSE(NormalizeAccount("a b@c").ok());
  EXPECT_FALSE(NormalizeAccount(std::string(321, 'a')).ok());
}

TEST(MatchPatternTest, StarAndPercent) {
  struct Row { const char* pattern; const char* name; bool match; } rows[] = {
      {"*", "INBOX", true},          {"*", "a/b/c", true},       {"%", "a", true},
      {"%", "a/b", false},           {"a/%", "a/b", true},       {"a/%", "a/b/c", false},
      {"a/*", "a/b/c", true},        {"a*", "ab/c", true},       {"a%", "ab/c", false},
      {"INBOX", "INBOX", true},      {"Sent", "sent", false},    {"%/%", "a/b", true},
      {"*b", "a/b", true},           {"", "", true},             {"x", "", false},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(MatchPattern(r.pattern, r.name), r.match) << r.pattern << " ~ " << r.name;
  }
  // Long hostile patterns stay linear: this must return promptly.
  EXPECT_FALSE(MatchPattern(std::string(1000, '*') + "x", std::string(1000, 'a')));
}

TEST(SanitizeUtf8Test, ReplacesInvalidBytesAndDropsNul) {
  EXPECT_EQ(SanitizeUtf8("abc"), "abc");
  EXPECT_EQ(SanitizeUtf8(std::string("a\0b", 3)), "ab");
  EXPECT_EQ(SanitizeUtf8("caf\xe9"), "caf\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(SanitizeUtf8("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8(std::string("a\xc3\xa9\x7f\0b\xff\r\n", 9)),
            "a\xc3\xa9\x7f" "b\xEF\xBF\xBD\r\n");
}

}  // namespace
}  // namespace tern::storage
