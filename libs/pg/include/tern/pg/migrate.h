// Numbered SQL migrations (a service's migrations/NNNN_name.sql, embedded in its binary at build
// time by cmake/TernMigrations.cmake) applied at start-up under an advisory lock, each in its
// own transaction. Safe to run from many replicas at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace tern::pg {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// `table` records applied versions (e.g. "storage_schema_migrations"); `lock_key` is the
// advisory lock that serialises concurrent runs.
absl::Status Migrate(const std::string& db_url, const std::string& table, int64_t lock_key,
                     const std::vector<Migration>& migrations);

}  // namespace tern::pg
