// The auth service's metrics, declared once.
#pragma once

#include <memory>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace tern::auth {

class Probe {
 public:
  explicit Probe(std::shared_ptr<prometheus::Registry> registry);
  // mechanism: plain, login, apop; result: ok, failed, throttled, disabled, malformed,
  // unsupported, unavailable.
  void Attempt(const std::string& mechanism, const std::string& result);
  void HashSeconds(double seconds);
  void Throttled(const std::string& scope);
  void Cache(bool hit);
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& attempts_;
  prometheus::Histogram& hash_;
  prometheus::Family<prometheus::Counter>& throttled_;
  prometheus::Family<prometheus::Counter>& cache_;
};

}  // namespace tern::auth
