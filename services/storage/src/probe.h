// The storage service's metrics, declared once. Business code calls the probe; label values are
// bounded (method names, status code names, operation names).
#pragma once

#include <memory>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace tern::storage {

class Probe {
 public:
  explicit Probe(std::shared_ptr<prometheus::Registry> registry);

  void MessagesStored(int copies, uint64_t bytes);
  void MessagesExpunged(int n);
  void WatchStreams(int delta);
  void NotifyReceived();
  void NotifyFailed();

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter& messages_;
  prometheus::Counter& bytes_;
  prometheus::Counter& expunged_;
  prometheus::Gauge& watch_streams_;
  prometheus::Counter& notifies_;
  prometheus::Counter& notify_failures_;
};

}  // namespace tern::storage
