#include "tern/pg/migrate.h"

#include "pqxx/pqxx"
#include "tern/core/log.h"

namespace tern::pg {

absl::Status Migrate(const std::string& db_url, const std::string& table, int64_t lock_key,
                     const std::vector<Migration>& migrations) {
  try {
    pqxx::connection conn(db_url);
    pqxx::nontransaction(conn).exec_params("SELECT pg_advisory_lock($1)", lock_key);
    {
      pqxx::work tx(conn);
      tx.exec(
          "CREATE TABLE IF NOT EXISTS " + table +
          " (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL "
          "DEFAULT now())");
      tx.commit();
    }
    int current = 0;
    {
      pqxx::nontransaction tx(conn);
      current = tx.exec("SELECT coalesce(max(version), 0) FROM " + table)[0][0]
                    .as<int>();
    }
    for (const Migration& m : migrations) {
      if (m.version <= current) continue;
      pqxx::work tx(conn);
      tx.exec(m.sql);
      tx.exec_params("INSERT INTO " + table + " (version, name) VALUES ($1, $2)",
                     m.version, m.name);
      tx.commit();
      log::Info("applied migration",
                {{"table", table}, {"version", std::to_string(m.version)}, {"name", m.name}});
    }
    pqxx::nontransaction(conn).exec_params("SELECT pg_advisory_unlock($1)", lock_key);
    return absl::OkStatus();
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(std::string("database unavailable: ") + e.what());
  } catch (const std::exception& e) {
    return absl::InternalError(std::string("migration failed: ") + e.what());
  }
}

}  // namespace tern::pg
