#include "probe.h"

#include "tern/metrics/metrics.h"

namespace tern::storage {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

Probe::Probe(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      rpc_(BuildHistogram()
               .Name("tern_storage_rpc_duration_seconds")
               .Help("gRPC calls served, by method and status code")
               .Register(*registry_)),
      query_(BuildHistogram()
                 .Name("tern_storage_db_query_duration_seconds")
                 .Help("Database transactions, by operation")
                 .Register(*registry_)),
      db_errors_(BuildCounter()
                     .Name("tern_storage_db_errors_total")
                     .Help("Database errors by kind")
                     .Register(*registry_)),
      pool_in_use_(BuildGauge()
                       .Name("tern_storage_db_pool_connections")
                       .Help("Database pool connections by state")
                       .Register(*registry_)
                       .Add({{"state", "in_use"}})),
      pool_open_(BuildGauge()
                     .Name("tern_storage_db_pool_open_connections")
                     .Help("Database connections open in the pool")
                     .Register(*registry_)
                     .Add({})),
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
                    .Add({})) {}

void Probe::Rpc(const std::string& method, const std::string& code, double seconds) {
  rpc_.Add({{"method", method}, {"code", code}}, metrics::LatencyBuckets()).Observe(seconds);
}
void Probe::Query(const std::string& op, double seconds) {
  query_.Add({{"op", op}}, metrics::LatencyBuckets()).Observe(seconds);
}
void Probe::DbError(const std::string& kind) { db_errors_.Add({{"kind", kind}}).Increment(); }
void Probe::PoolInUse(int in_use, int open) {
  pool_in_use_.Set(in_use);
  pool_open_.Set(open);
}
void Probe::MessagesStored(int copies, uint64_t bytes) {
  messages_.Increment(copies);
  bytes_.Increment(static_cast<double>(bytes) * copies);
}
void Probe::MessagesExpunged(int n) { expunged_.Increment(n); }
void Probe::WatchStreams(int delta) { watch_streams_.Increment(delta); }
void Probe::NotifyReceived() { notifies_.Increment(); }

}  // namespace tern::storage
