// A bounded pool of PostgreSQL connections (libpqxx 6.4) and the one place where libpqxx
// exceptions become absl::Status: nothing above this file sees an exception.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"

namespace tern::storage {

class Probe;

enum class TxMode {
  kReadWrite,     // READ COMMITTED, read-write
  kSnapshot,      // REPEATABLE READ, read-only: one consistent view for multi-query reads
  kAutocommit,    // no BEGIN/COMMIT: each statement commits by itself (one round trip)
};

class Db {
 public:
  Db(std::string url, int size, absl::Duration acquire_timeout, Probe& probe);
  ~Db();

  // Runs `fn` in a transaction of `mode` and commits when it returns OK (rolls back otherwise).
  // Serialization failures and deadlocks are retried a few times. Error mapping:
  //   connection lost / refused, commit in doubt -> UNAVAILABLE
  //   SQLSTATE TQ001 -> RESOURCE_EXHAUSTED ("quota exceeded ..."), TN001 -> NOT_FOUND,
  //   23505 -> ALREADY_EXISTS, 57014 -> DEADLINE_EXCEEDED, others -> INTERNAL (logged).
  absl::Status Run(const std::string& op, TxMode mode,
                   const std::function<absl::Status(pqxx::transaction_base&)>& fn);

  // OK when a connection can be had and answers; for /readyz.
  absl::Status Ping();

  const std::string& url() const { return url_; }

 private:
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire();
  void Release(std::unique_ptr<pqxx::connection> c, bool broken);

  const std::string url_;
  const int size_;
  const absl::Duration acquire_timeout_;
  Probe& probe_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
};

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

}  // namespace tern::storage
