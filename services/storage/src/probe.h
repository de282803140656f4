// The storage service's metrics, declared once. Business code calls the probe; label values are
// bounded (method names, status code names, operation names).
#pragma once

#include <cstddef>
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
  // Group commit (MailStore::WriteMessage): deliveries per transaction, and batches run again,
  // by reason: "conflict" (deadlock or serialization failure, retried whole) or "refused" (a
  // delivery refused in a batch without savepoints; the batch is redone with one per delivery).
  void WriteBatch(size_t deliveries);
  void WriteBatchRetried(const std::string& reason);
  // The outbound queue, refreshed periodically: jobs and the oldest job's age per state.
  void OutboundQueue(const std::string& state, int64_t jobs, double oldest_seconds);

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter& messages_;
  prometheus::Counter& bytes_;
  prometheus::Counter& expunged_;
  prometheus::Gauge& watch_streams_;
  prometheus::Counter& notifies_;
  prometheus::Counter& notify_failures_;
  prometheus::Histogram& write_batch_;
  prometheus::Family<prometheus::Counter>& write_batch_retries_;
  prometheus::Family<prometheus::Gauge>& outbound_jobs_;
  prometheus::Family<prometheus::Gauge>& outbound_oldest_;
};

}  // namespace tern::storage
