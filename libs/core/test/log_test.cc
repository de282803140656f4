#include "tern/core/log.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tern::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetSink([this](std::string_view l) { lines_.emplace_back(l); });
    SetMinLevel(Level::kInfo);
    SetService("test-svc");
  }
  void TearDown() override { SetSink(nullptr); }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, WritesOneJsonObjectPerLineWithContext) {
  Context ctx{"c-1", "r-2"};
  Info("hello \"world\"\n", {{"k", "v\x01"}}, &ctx);
  ASSERT_EQ(lines_.size(), 1u);
  const std::string& l = lines_[0];
  EXPECT_EQ(l.back(), '\n');
  EXPECT_EQ(l.find('\n'), l.size() - 1) << "a log line must not contain a raw newline";
  EXPECT_NE(l.find("\"level\":\"info\""), std::string::npos);
  EXPECT_NE(l.find("\"service\":\"test-svc\""), std::string::npos);
  EXPECT_NE(l.find("\"conn\":\"c-1\""), std::string::npos);
  EXPECT_NE(l.find("\"req\":\"r-2\""), std::string::npos);
  EXPECT_NE(l.find("\"msg\":\"hello \\\"world\\\"\\n\""), std::string::npos);
  EXPECT_NE(l.find("\"k\":\"v\\u0001\""), std::string::npos);
}

TEST_F(LogTest, DropsLinesBelowMinimumLevel) {
  Debug("quiet");
  Warn("loud");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("loud"), std::string::npos);
}

TEST(LogIdTest, IdsCarryPrefixAndDiffer) {
  std::string a = NewId("c"), b = NewId("c");
  EXPECT_EQ(a.rfind("c-", 0), 0u);
  EXPECT_EQ(a.size(), 14u);
  EXPECT_NE(a, b);
}

TEST(LogLevelTest, ParsesNames) {
  Level l;
  EXPECT_TRUE(ParseLevel("warn", &l));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud", &l));
}

}  // namespace
}  // namespace tern::log
