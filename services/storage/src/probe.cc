#include "probe.h"

#include "tern/metrics/metrics.h"

namespace tern::storage {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

Probe::Probe(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      messages_(BuildCounter()
                    .Name("tern_storage_messages_stored_total")
                    .Help("Message copies stored (one per recipient mailbox)")
                    .Register(*registry_)
                    .Add({})),
      bytes_(BuildCounter()
                 .Name("tern_storage_stored_bytes_total")
                 .Help("Bytes of message copies stored")
                 .Register(*registry_)
                 .Add({})),
      expunged_(BuildCounter()
                    .Name("tern_storage_messages_expunged_total")
                    .Help("Message copies expunged")
                    .Register(*registry_)
                    .Add({})),
      watch_streams_(BuildGauge()
                         .Name("tern_storage_watch_streams")
                         .Help("Open Watch streams")
                         .Register(*registry_)
                         .Add({})),
      notifies_(BuildCounter()
                    .Name("tern_storage_notifications_total")
                    .Help("Change notifications received from PostgreSQL")
                    .Register(*registry_)
                    .Add({})),
      notify_failures_(BuildCounter()
                           .Name("tern_storage_notify_failures_total")
                           .Help("Batches of change notes that could not be sent")
                           .Register(*registry_)
                           .Add({})),
      write_batch_(BuildHistogram()
                       .Name("tern_storage_write_batch_deliveries")
                       .Help("Deliveries and appends committed together in one transaction")
                       .Register(*registry_)
                       .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64})),
      write_batch_retries_(BuildCounter()
                               .Name("tern_storage_write_batch_retries_total")
                               .Help("Delivery batches run again, by reason")
                               .Register(*registry_)),
      outbound_jobs_(BuildGauge()
                         .Name("tern_storage_outbound_jobs")
                         .Help("Outbound queue jobs (one per message and destination domain), by "
                               "state: queued, held, failed")
                         .Register(*registry_)),
      outbound_oldest_(BuildGauge()
                           .Name("tern_storage_outbound_oldest_seconds")
                           .Help("Age of the oldest outbound job, by state (0 when none)")
                           .Register(*registry_)) {}

void Probe::MessagesStored(int copies, uint64_t bytes) {
  messages_.Increment(copies);
  bytes_.Increment(static_cast<double>(bytes) * copies);
}
void Probe::MessagesExpunged(int n) { expunged_.Increment(n); }
void Probe::WatchStreams(int delta) { watch_streams_.Increment(delta); }
void Probe::NotifyReceived() { notifies_.Increment(); }
void Probe::NotifyFailed() { notify_failures_.Increment(); }
void Probe::WriteBatch(size_t deliveries) { write_batch_.Observe(static_cast<double>(deliveries)); }
void Probe::WriteBatchRetried(const std::string& reason) {
  write_batch_retries_.Add({{"reason", reason}}).Increment();
}
void Probe::OutboundQueue(const std::string& state, int64_t jobs, double oldest_seconds) {
  outbound_jobs_.Add({{"state", state}}).Set(static_cast<double>(jobs));
  outbound_oldest_.Add({{"state", state}}).Set(oldest_seconds);
}

}  // namespace tern::storage
