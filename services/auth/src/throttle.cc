#include "throttle.h"

#include <algorithm>

namespace tern::auth {
namespace {
std::string Ts(absl::Time t) { return std::to_string(absl::ToUnixMicros(t)); }
absl::Time FromMicros(const pqxx::field& f) { return absl::FromUnixMicros(f.as<int64_t>()); }
}  // namespace

absl::StatusOr<std::optional<absl::Duration>> Throttle::Blocked(const std::string& scope,
                                                                const std::string& key) {
  std::optional<absl::Duration> wait;
  const absl::Time now = clock_.Now();
  absl::Status s = pool_.Run("throttle_check", pg::TxMode::kAutocommit,
                             [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_params(
        "SELECT (extract(epoch FROM blocked_until) * 1000000)::bigint FROM auth_throttle WHERE "
        "scope = $1 AND key = $2 AND blocked_until IS NOT NULL",
        scope, key);
    if (!r.empty()) {
      absl::Time until = FromMicros(r[0][0]);
      if (until > now) wait = until - now;
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return wait;
}

absl::StatusOr<absl::Duration> Throttle::Fail(const std::string& scope, const std::string& key,
                                              const ThrottlePolicy& policy) {
  const absl::Time now = clock_.Now();
  absl::Duration wait = absl::ZeroDuration();
  absl::Status s = pool_.Run("throttle_fail", pg::TxMode::kReadWrite,
                             [&](pqxx::transaction_base& tx) {
    // Make sure the row exists, then lock it: concurrent failures from several replicas count
    // one by one.
    tx.exec_params(
        "INSERT INTO auth_throttle (scope, key, failures, window_start) VALUES ($1, $2, 0, "
        "to_timestamp($3::bigint / 1000000.0)) ON CONFLICT DO NOTHING",
        scope, key, Ts(now));
    pqxx::result r = tx.exec_params(
        "SELECT failures, (extract(epoch FROM window_start) * 1000000)::bigint FROM "
        "auth_throttle WHERE scope = $1 AND key = $2 FOR UPDATE",
        scope, key);
    int failures = r[0][0].as<int>();
    absl::Time window_start = FromMicros(r[0][1]);
    if (now - window_start > policy.window) {
      failures = 0;
      window_start = now;
    }
    ++failures;
    if (failures >= policy.lockout_after) {
      wait = policy.lockout;
    } else if (failures > policy.free_failures) {
      int k = std::min(failures - policy.free_failures - 1, 30);
      wait = std::min(policy.base_delay * (int64_t{1} << k), policy.max_delay);
    }
    std::optional<std::string> until;
    if (wait > absl::ZeroDuration()) until = Ts(now + wait);
    tx.exec_params(
        "UPDATE auth_throttle SET failures = $3, window_start = to_timestamp($4::bigint / "
        "1000000.0), blocked_until = to_timestamp($5::bigint / 1000000.0) WHERE scope = $1 AND "
        "key = $2",
        scope, key, failures, Ts(window_start), until ? until->c_str() : nullptr);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return wait;
}

absl::Status Throttle::Reset(const std::string& scope, const std::string& key) {
  return pool_.Run("throttle_reset", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    tx.exec_params("DELETE FROM auth_throttle WHERE scope = $1 AND key = $2", scope, key);
    return absl::OkStatus();
  });
}

}  // namespace tern::auth
