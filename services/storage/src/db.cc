#include "db.h"

#include <chrono>

#include "probe.h"
#include "tern/core/log.h"

namespace tern::storage {
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

Db::Db(std::string url, int size, absl::Duration acquire_timeout, Probe& probe)
    : url_(std::move(url)), size_(size), acquire_timeout_(acquire_timeout), probe_(probe) {}

Db::~Db() = default;

absl::StatusOr<std::unique_ptr<pqxx::connection>> Db::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto can_take = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < size_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&can_take), acquire_timeout_)) {
      probe_.DbError("pool_exhausted");
      return absl::UnavailableError("database pool exhausted");
    }
    ++in_use_;
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      probe_.PoolInUse(in_use_, open_);
      return c;
    }
    ++open_;
    probe_.PoolInUse(in_use_, open_);
  }
  try {
    return std::make_unique<pqxx::connection>(url_);
  } catch (const std::exception& e) {
    absl::MutexLock lock(&mu_);
    --open_;
    --in_use_;
    probe_.PoolInUse(in_use_, open_);
    probe_.DbError("connect");
    log::Warn("database connect failed", {{"error", CleanMessage(e.what())}});
    return absl::UnavailableError("database unavailable");
  }
}

void Db::Release(std::unique_ptr<pqxx::connection> c, bool broken) {
  absl::MutexLock lock(&mu_);
  --in_use_;
  if (broken || !c->is_open()) {
    --open_;
  } else {
    idle_.push_back(std::move(c));
  }
  probe_.PoolInUse(in_use_, open_);
}

absl::Status Db::Run(const std::string& op, TxMode mode,
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
      probe_.DbError("in_doubt");
      log::Error("commit in doubt", {{"op", op}, {"error", CleanMessage(e.what())}});
      result = absl::UnavailableError("database commit in doubt; retry");
    } catch (const pqxx::broken_connection& e) {
      broken = true;
      probe_.DbError("broken_connection");
      log::Warn("database connection lost", {{"op", op}, {"error", CleanMessage(e.what())}});
      result = absl::UnavailableError("database unavailable");
    } catch (const pqxx::sql_error& e) {
      const std::string state = e.sqlstate();
      const std::string msg = CleanMessage(e.what());
      if (state == "40001" || state == "40P01") {
        probe_.DbError("retry");
        retry = attempt < kAttempts;
        result = absl::AbortedError("transaction conflict; retry");
      } else if (state == "TQ001") {
        result = absl::ResourceExhaustedError(msg);
      } else if (state == "TN001") {
        result = absl::NotFoundError(msg);
      } else if (state == "23505") {
        result = absl::AlreadyExistsError(msg);
      } else if (state == "57014") {
        result = absl::DeadlineExceededError("database statement timed out");
      } else if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" ||
                 state == "57P03") {
        broken = true;
        probe_.DbError("unavailable");
        result = absl::UnavailableError("database unavailable");
      } else {
        probe_.DbError("sql");
        log::Error("database error", {{"op", op}, {"sqlstate", state}, {"error", msg}});
        result = absl::InternalError("database error");
      }
    } catch (const std::exception& e) {
      probe_.DbError("other");
      log::Error("database exception", {{"op", op}, {"error", CleanMessage(e.what())}});
      result = absl::InternalError("database error");
      broken = true;
    }
    Release(std::move(*conn), broken);
    if (!retry) break;
  }
  probe_.Query(op, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return result;
}

absl::Status Db::Ping() {
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

}  // namespace tern::storage
