// Shared pieces for each component's probe: standard histogram buckets and a scoped timer.
//
//   auto& family = prometheus::BuildHistogram().Name("tern_smtp_command_seconds")...
//                      .Register(*registry);
//   prometheus::Histogram& h = family.Add({{"command", "DATA"}}, tern::metrics::LatencyBuckets());
//   { tern::metrics::ScopedTimer timer(h); ... }   // observes the elapsed seconds
#pragma once

#include <functional>

#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/time/time.h"
#include "tern/core/clock.h"

namespace tern::metrics {

// Upper bounds in seconds from 0.5 ms to 10 s (14 buckets, roughly 1-2.5-5 steps): request,
// command and RPC latencies.
prometheus::Histogram::BucketBoundaries LatencyBuckets();

// Upper bounds in bytes from 256 B to 64 MiB in powers of four (10 buckets): message and
// payload sizes.
prometheus::Histogram::BucketBoundaries SizeBuckets();

// tern_tls_certificate_expiry_timestamp_seconds in `registry`, set from `not_after` before
// each scrape (the hook for HttpServerOptions::before_scrape): the alert on a certificate about
// to expire reads it, and a certificate replaced on disk shows at the next scrape.
std::function<void()> CertificateExpiryGauge(prometheus::Registry& registry,
                                             std::function<absl::Time()> not_after);

// Observes the time from construction to destruction, in seconds, into `histogram`, which must
// outlive the timer. Not copyable or movable; use one per measured scope.
class ScopedTimer {
 public:
  explicit ScopedTimer(prometheus::Histogram& histogram, const Clock& clock = Clock::Real());
  ~ScopedTimer();
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

  // Time since construction.
  absl::Duration Elapsed() const;
  // Skips the observation at destruction (e.g. when the outcome is recorded elsewhere).
  void Cancel() { histogram_ = nullptr; }

 private:
  prometheus::Histogram* histogram_;
  const Clock& clock_;
  absl::Time start_;
};

}  // namespace tern::metrics
