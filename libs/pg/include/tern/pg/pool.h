// A bounded pool of PostgreSQL connections (libpqxx 6.4) for the two services that own a schema
// (storage and auth), and the one place where libpqxx exceptions become absl::Status: nothing
// above it sees an exception.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"
#include "tern/pg/binary.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace tern::pg {

enum class TxMode {
  kReadWrite,   // READ COMMITTED, read-write
  kSnapshot,    // REPEATABLE READ, read-only: one consistent view for multi-query reads
  kAutocommit,  // no BEGIN/COMMIT: each statement commits by itself (one round trip)
};

struct PoolOptions {
  std::string url;
  int size = 16;
  absl::Duration acquire_timeout = absl::Seconds(5);
  // Metric names start with this: "<prefix>_db_query_duration_seconds{op}",
  // "<prefix>_db_pool_connections{state}", "<prefix>_db_pool_open_connections",
  // "<prefix>_db_errors_total{kind}". E.g. "tern_storage".
  std::string metric_prefix = "tern";
};

class Pool {
 public:
  Pool(PoolOptions options, prometheus::Registry& registry);
  ~Pool();

  // Runs `fn` in a transaction of `mode` and commits when it returns OK (rolls back otherwise).
  // The transaction's connection is a pg::Connection, so binary.h's statements work on it.
  // Serialization failures and deadlocks are retried a few times. Error mapping:
  //   connection lost / refused, commit in doubt -> UNAVAILABLE
  //   SQLSTATE TQ001 -> RESOURCE_EXHAUSTED, TN001 -> NOT_FOUND (the raised message is kept),
  //   23505 -> ALREADY_EXISTS, 57014 -> DEADLINE_EXCEEDED, others -> INTERNAL (logged).
  absl::Status Run(const std::string& op, TxMode mode,
                   const std::function<absl::Status(pqxx::transaction_base&)>& fn);

  // Registers a statement prepared on every pooled connection; call before serving.
  void Prepare(std::string name, std::string sql);

  // OK when a connection can be had and answers; for /readyz.
  absl::Status Ping();

  const std::string& url() const { return options_.url; }
  void CountError(const std::string& kind);

 private:
  absl::StatusOr<std::unique_ptr<Connection>> Acquire();
  void Release(std::unique_ptr<Connection> c, bool broken);
  void UpdateGauges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PoolOptions options_;
  std::vector<std::pair<std::string, std::string>> prepared_;
  prometheus::Family<prometheus::Histogram>& query_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Gauge& in_use_gauge_;
  prometheus::Gauge& open_gauge_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
};

// The status for an error our own SQL raises (RAISE ... USING ERRCODE, class "T"): TQ001 over
// quota, TN001 no such mailbox, each with its tern::Reason; nullopt for any other SQLSTATE.
// Pool::Run uses it, and so does code that reads such errors from result rows.
std::optional<absl::Status> RaisedError(const std::string& sqlstate, const std::string& message);

// Helpers for building SQL parameters.
// A PostgreSQL array literal of texts: {"a","b\"c"}.
std::string TextArray(const std::vector<std::string>& values);
template <typename Int>
std::string IntArray(const std::vector<Int>& values) {
  std::string s = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s.push_back(',');
    s += std::to_string(values[i]);
  }
  return s + "}";
}
// Parses a text[] result field.
std::vector<std::string> ParseTextArray(const pqxx::field& f);

}  // namespace tern::pg
