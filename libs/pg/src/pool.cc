#include "tern/pg/pool.h"

#include "tern/core/error.h"

#include <chrono>
#include <cstring>

#include "tern/core/log.h"
#include "tern/metrics/metrics.h"

namespace tern::pg {
namespace {

std::string CleanMessage(const std::string& what) {
  std::string m = what;
  for (const char* prefix : {"ERROR:  ", "FATAL:  "}) {
    if (m.rfind(prefix, 0) == 0) m = m.substr(strlen(prefix));
  }
  auto nl = m.find('\n');
  if (nl != std::string::npos) m = m.substr(0, nl);
  return m;
}

}  // namespace

Pool::Pool(PoolOptions options, prometheus::Registry& registry)
    : options_(std::move(options)),
      query_(prometheus::BuildHistogram()
                 .Name(options_.metric_prefix + "_db_query_duration_seconds")
                 .Help("Database transactions, by operation")
                 .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name(options_.metric_prefix + "_db_errors_total")
                  .Help("Database errors by kind")
                  .Register(registry)),
      in_use_gauge_(prometheus::BuildGauge()
                        .Name(options_.metric_prefix + "_db_pool_connections")
                        .Help("Pooled database connections by state")
                        .Register(registry)
                        .Add({{"state", "in_use"}})),
      open_gauge_(prometheus::BuildGauge()
                      .Name(options_.metric_prefix + "_db_pool_open_connections")
                      .Help("Database connections open in the pool")
                      .Register(registry)
                      .Add({})) {
  // Every kind exists from the start at 0, so rate() and alerts see the first error.
  for (const char* kind : {"broken_connection", "connect", "in_doubt", "other", "pool_exhausted",
                           "retry", "sql", "unavailable"}) {
    errors_.Add({{"kind", kind}});
  }
}

Pool::~Pool() = default;

void Pool::CountError(const std::string& kind) { errors_.Add({{"kind", kind}}).Increment(); }

void Pool::UpdateGauges() {
  in_use_gauge_.Set(in_use_);
  open_gauge_.Set(open_);
}

absl::StatusOr<std::unique_ptr<Connection>> Pool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto can_take = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&can_take), options_.acquire_timeout)) {
      CountError("pool_exhausted");
      return absl::UnavailableError("database pool exhausted");
    }
    ++in_use_;
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      UpdateGauges();
      return c;
    }
    ++open_;
    UpdateGauges();
  }
  try {
    auto c = std::make_unique<Connection>(options_.url);
    // "250 only after commit" relies on durable commits; a database or role default of
    // synchronous_commit=off would silently break it, so every connection insists.
    pqxx::nontransaction(*c).exec("SET synchronous_commit = on");
    for (const auto& [name, sql] : prepared_) c->prepare(name, sql);
    return c;
  } catch (const std::exception& e) {
    absl::MutexLock lock(&mu_);
    --open_;
    --in_use_;
    UpdateGauges();
    CountError("connect");
    log::Warn("database connect failed", {{"error", CleanMessage(e.what())}});
    return absl::UnavailableError("database unavailable");
  }
}

void Pool::Release(std::unique_ptr<Connection> c, bool broken) {
  absl::MutexLock lock(&mu_);
  --in_use_;
  if (broken || !c->is_open()) {
    --open_;
  } else {
    idle_.push_back(std::move(c));
  }
  UpdateGauges();
}

absl::Status Pool::Run(const std::string& op, TxMode mode,
                     const std::function<absl::Status(pqxx::transaction_base&)>& fn) {
  constexpr int kAttempts = 5;
  auto start = std::chrono::steady_clock::now();
  absl::Status result;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    bool broken = false;
    bool retry = false;
    try {
      switch (mode) {
        case TxMode::kReadWrite: {
          pqxx::work tx(**conn);
          result = fn(tx);
          if (result.ok()) tx.commit();
          break;
        }
        case TxMode::kSnapshot: {
          pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(**conn);
          result = fn(tx);
          if (result.ok()) tx.commit();
          break;
        }
        case TxMode::kAutocommit: {
          pqxx::nontransaction tx(**conn);
          result = fn(tx);
          break;
        }
      }
    } catch (const pqxx::in_doubt_error& e) {
      broken = true;
      CountError("in_doubt");
      log::Error("commit in doubt", {{"op", op}, {"error", CleanMessage(e.what())}});
      result = absl::UnavailableError("database commit in doubt; retry");
    } catch (const pqxx::broken_connection& e) {
      broken = true;
      CountError("broken_connection");
      log::Warn("database connection lost", {{"op", op}, {"error", CleanMessage(e.what())}});
      result = absl::UnavailableError("database unavailable");
    } catch (const pqxx::sql_error& e) {
      const std::string state = e.sqlstate();
      const std::string msg = CleanMessage(e.what());
      if (state == "40001" || state == "40P01") {
        CountError("retry");
        retry = attempt < kAttempts;
        result = absl::AbortedError("transaction conflict; retry");
      } else if (auto raised = RaisedError(state, msg)) {
        result = *raised;
      } else if (state == "23505") {
        result = ReasonError(Reason::kAlreadyExists, msg);
      } else if (state == "57014") {
        result = absl::DeadlineExceededError("database statement timed out");
      } else if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" ||
                 state == "57P03") {
        broken = true;
        CountError("unavailable");
        result = absl::UnavailableError("database unavailable");
      } else {
        CountError("sql");
        log::Error("database error", {{"op", op}, {"sqlstate", state}, {"error", msg}});
        result = absl::InternalError("database error");
      }
    } catch (const std::exception& e) {
      CountError("other");
      log::Error("database exception", {{"op", op}, {"error", CleanMessage(e.what())}});
      result = absl::InternalError("database error");
      broken = true;
    }
    Release(std::move(*conn), broken);
    if (!retry) break;
  }
  query_.Add({{"op", op}}, metrics::LatencyBuckets())
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return result;
}

void Pool::Prepare(std::string name, std::string sql) {
  prepared_.emplace_back(std::move(name), std::move(sql));
}

absl::Status Pool::Ping() {
  return Run("ping", TxMode::kAutocommit, [](pqxx::transaction_base& tx) {
    tx.exec("SELECT 1");
    return absl::OkStatus();
  });
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string s = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s.push_back(',');
    s.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') s.push_back('\\');
      s.push_back(c);
    }
    s.push_back('"');
  }
  return s + "}";
}

std::vector<std::string> ParseTextArray(const pqxx::field& f) {
  std::vector<std::string> out;
  if (f.is_null()) return out;
  pqxx::array_parser p = f.as_array();
  for (auto [kind, value] = p.get_next(); kind != pqxx::array_parser::done;
       std::tie(kind, value) = p.get_next()) {
    if (kind == pqxx::array_parser::string_value) out.push_back(value);
  }
  return out;
}

std::optional<absl::Status> RaisedError(const std::string& sqlstate, const std::string& message) {
  if (sqlstate == "TQ001") return ReasonError(Reason::kQuotaExceeded, message);
  if (sqlstate == "TN001") return ReasonError(Reason::kNoSuchMailbox, message);
  return std::nullopt;
}

}  // namespace tern::pg
