// Numbered SQL migrations (services/storage/migrations/NNNN_name.sql), embedded in the binary
// at build time and applied at start-up under an advisory lock, each in its own transaction.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace tern::storage {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// All migrations, ascending by version (generated file).
const std::vector<Migration>& Migrations();

// Applies the migrations the database has not seen. Safe to run from many replicas at once.
absl::Status Migrate(const std::string& db_url);

}  // namespace tern::storage
