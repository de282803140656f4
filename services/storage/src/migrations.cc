#include "migrations.h"

#include "pqxx/pqxx"
#include "tern/core/log.h"

namespace tern::storage {

absl::Status Migrate(const std::string& db_url) {
  // Any 64-bit constant unique to Tern's storage schema.
  constexpr int64_t kLockKey = 0x7465726e5354;  // "ternST"
  try {
    pqxx::connection conn(db_url);
    pqxx::nontransaction(conn).exec_params("SELECT pg_advisory_lock($1)", kLockKey);
    {
      pqxx::work tx(conn);
      tx.exec(
          "CREATE TABLE IF NOT EXISTS storage_schema_migrations (version integer PRIMARY KEY, "
          "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      tx.commit();
    }
    int current = 0;
    {
      pqxx::nontransaction tx(conn);
      current = tx.exec("SELECT coalesce(max(version), 0) FROM storage_schema_migrations")[0][0]
                    .as<int>();
    }
    for (const Migration& m : Migrations()) {
      if (m.version <= current) continue;
      pqxx::work tx(conn);
      tx.exec(m.sql);
      tx.exec_params("INSERT INTO storage_schema_migrations (version, name) VALUES ($1, $2)",
                     m.version, m.name);
      tx.commit();
      log::Info("applied migration", {{"version", std::to_string(m.version)}, {"name", m.name}});
    }
    pqxx::nontransaction(conn).exec_params("SELECT pg_advisory_unlock($1)", kLockKey);
    return absl::OkStatus();
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(std::string("database unavailable: ") + e.what());
  } catch (const std::exception& e) {
    return absl::InternalError(std::string("migration failed: ") + e.what());
  }
}

}  // namespace tern::storage
