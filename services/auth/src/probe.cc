#include "probe.h"

namespace tern::auth {

Probe::Probe(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      attempts_(prometheus::BuildCounter()
                    .Name("tern_auth_attempts_total")
                    .Help("Authentication attempts by mechanism and result")
                    .Register(*registry_)),
      hash_(prometheus::BuildHistogram()
                .Name("tern_auth_hash_duration_seconds")
                .Help("Time spent in Argon2id hashing and verification")
                .Register(*registry_)
                .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.025, 0.05,
                                                                 0.1, 0.25, 0.5, 1, 2.5})),
      throttled_(prometheus::BuildCounter()
                     .Name("tern_auth_throttled_total")
                     .Help("Attempts refused by throttling, by what was throttled")
                     .Register(*registry_)),
      cache_(prometheus::BuildCounter()
                 .Name("tern_auth_verify_cache_total")
                 .Help("Verification cache lookups by result")
                 .Register(*registry_)) {
  // Bounded label values exist from the start at 0, so rate() and alerts see the first one.
  for (const char* scope : {"account", "ip"}) throttled_.Add({{"scope", scope}});
}

void Probe::Attempt(const std::string& mechanism, const std::string& result) {
  attempts_.Add({{"mechanism", mechanism}, {"result", result}}).Increment();
}
void Probe::HashSeconds(double seconds) { hash_.Observe(seconds); }
void Probe::Throttled(const std::string& scope) { throttled_.Add({{"scope", scope}}).Increment(); }
void Probe::Cache(bool hit) { cache_.Add({{"result", hit ? "hit" : "miss"}}).Increment(); }

}  // namespace tern::auth
