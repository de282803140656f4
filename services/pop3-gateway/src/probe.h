// pop3-gateway metrics, declared once. Labels are bounded: listener, command, result.
#pragma once

#include <memory>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace tern::pop3_gateway {

class Probe {
 public:
  explicit Probe(std::shared_ptr<prometheus::Registry> registry);
  void SessionOpened(const std::string& listener);
  void SessionClosed(const std::string& listener);
  void Command(const std::string& command, bool ok, double seconds);
  void Auth(const std::string& mechanism, const std::string& result);
  void Retrieved(uint64_t bytes);
  void Deleted(int n);
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& active_;
  prometheus::Family<prometheus::Counter>& sessions_;
  prometheus::Family<prometheus::Counter>& commands_;
  prometheus::Family<prometheus::Histogram>& seconds_;
  prometheus::Family<prometheus::Counter>& auth_;
  prometheus::Counter& bytes_;
  prometheus::Counter& deleted_;
};

}  // namespace tern::pop3_gateway
