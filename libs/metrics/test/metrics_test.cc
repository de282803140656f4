#include "tern/metrics/metrics.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace tern::metrics {
namespace {

TEST(MetricsTest, LatencyBuckets) {
  auto b = LatencyBuckets();
  ASSERT_GE(b.size(), 12u);
  EXPECT_DOUBLE_EQ(b.front(), 0.0005);
  EXPECT_DOUBLE_EQ(b.back(), 10);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

TEST(MetricsTest, SizeBuckets) {
  auto b = SizeBuckets();
  EXPECT_EQ(b.size(), 10u);
  EXPECT_DOUBLE_EQ(b.front(), 256);
  EXPECT_DOUBLE_EQ(b.back(), 64.0 * 1024 * 1024);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

TEST(ScopedTimerTest, ObservesElapsedSecondsOnDestruction) {
  FakeClock clock;
  prometheus::Histogram histogram(LatencyBuckets());
  {
    ScopedTimer timer(histogram, clock);
    clock.Advance(absl::Milliseconds(250));
    EXPECT_EQ(timer.Elapsed(), absl::Milliseconds(250));
    EXPECT_EQ(histogram.Collect().histogram.sample_count, 0u);
  }
  auto h = histogram.Collect().histogram;
  EXPECT_EQ(h.sample_count, 1u);
  EXPECT_DOUBLE_EQ(h.sample_sum, 0.25);
}

TEST(ScopedTimerTest, CancelSkipsTheObservation) {
  FakeClock clock;
  prometheus::Histogram histogram(LatencyBuckets());
  {
    ScopedTimer timer(histogram, clock);
    timer.Cancel();
  }
  EXPECT_EQ(histogram.Collect().histogram.sample_count, 0u);
}

}  // namespace
}  // namespace tern::metrics
