#include "tern/metrics/metrics.h"

#include <algorithm>

#include <prometheus/gauge.h>

namespace tern::metrics {

prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::function<void()> CertificateExpiryGauge(prometheus::Registry& registry,
                                             std::function<absl::Time()> not_after) {
  prometheus::Gauge* gauge = &prometheus::BuildGauge()
                                  .Name("tern_tls_certificate_expiry_timestamp_seconds")
                                  .Help("When the served TLS certificate expires (notAfter)")
                                  .Register(registry)
                                  .Add({});
  auto set = [gauge, not_after = std::move(not_after)] {
    gauge->Set(static_cast<double>(absl::ToUnixSeconds(not_after())));
  };
  set();
  return set;
}

prometheus::Histogram::BucketBoundaries SizeBuckets() {
  prometheus::Histogram::BucketBoundaries bounds;
  for (double b = 256; b <= 64.0 * 1024 * 1024; b *= 4) bounds.push_back(b);
  return bounds;
}

ScopedTimer::ScopedTimer(prometheus::Histogram& histogram, const Clock& clock)
    : histogram_(&histogram), clock_(clock), start_(clock.Now()) {}

ScopedTimer::~ScopedTimer() {
  // A wall clock can step backwards; never observe a negative duration.
  if (histogram_ != nullptr) {
    histogram_->Observe(absl::ToDoubleSeconds(std::max(Elapsed(), absl::ZeroDuration())));
  }
}

absl::Duration ScopedTimer::Elapsed() const { return clock_.Now() - start_; }

}  // namespace tern::metrics
