#include "tern/core/clock.h"

#include "gtest/gtest.h"

namespace tern {
namespace {

TEST(FakeClockTest, MovesOnlyWhenTold) {
  FakeClock clock(absl::FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(105));
}

TEST(RealClockTest, IsCloseToNow) {
  EXPECT_LT(absl::AbsDuration(Clock::Real().Now() - absl::Now()), absl::Seconds(5));
}

}  // namespace
}  // namespace tern
