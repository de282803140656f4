#include "throttle.h"

#include <algorithm>

namespace tern::auth {
namespace {
std::string Ts(absl::Time t) { return std::to_string(absl::ToUnixMicros(t)); }
absl::Time FromMicros(const pqxx::field& f) { return absl::FromUnixMicros(f.as<int64_t>()); }
std::string Micros(absl::Duration d) { return std::to_string(absl::ToInt64Microseconds(d)); }

// An attempt left in flight by a replica that died is forgotten after this long.
constexpr absl::Duration kPendingTtl = absl::Seconds(30);
}  // namespace

absl::StatusOr<Throttle::Admission> Throttle::Begin(const std::string& scope,
                                                    const std::string& key,
                                                    const ThrottlePolicy& policy) {
  const absl::Time now = clock_.Now();
  Admission out;
  absl::Status s = pool_.Run("throttle_begin", pg::TxMode::kAutocommit,
                             [&](pqxx::transaction_base& tx) {
    // One statement: the row is locked by the upsert, so concurrent attempts on any replica are
    // judged one after another against what those before them counted.
    pqxx::result r = tx.exec_params(
        "WITH p AS (SELECT to_timestamp($3::bigint / 1000000.0) AS now) "
        "INSERT INTO auth_throttle AS t (scope, key, failures, window_start, pending, "
        "pending_until) SELECT $1, $2, 0, p.now, 1, p.now + $4::bigint * interval '1 microsecond' "
        "FROM p ON CONFLICT (scope, key) DO UPDATE SET "
        "pending = (CASE WHEN t.pending_until < EXCLUDED.window_start THEN 0 ELSE t.pending END) + 1, "
        "pending_until = EXCLUDED.pending_until "
        "WHERE (t.blocked_until IS NULL OR t.blocked_until <= EXCLUDED.window_start) AND ("
        "  (CASE WHEN t.pending_until < EXCLUDED.window_start THEN 0 ELSE t.pending END) = 0 OR"
        "  (CASE WHEN t.window_start < EXCLUDED.window_start - $5::bigint * interval '1 microsecond'"
        "   THEN 0 ELSE t.failures END) +"
        "  (CASE WHEN t.pending_until < EXCLUDED.window_start THEN 0 ELSE t.pending END) < $6) "
        "RETURNING 1",
        scope, key, Ts(now), Micros(kPendingTtl), Micros(policy.window),
        policy.free_failures);
    if (!r.empty()) {
      out.admitted = true;
      return absl::OkStatus();
    }
    r = tx.exec_params(
        "SELECT (extract(epoch FROM blocked_until) * 1000000)::bigint FROM auth_throttle WHERE "
        "scope = $1 AND key = $2 AND blocked_until IS NOT NULL",
        scope, key);
    out.wait = policy.base_delay;  // busy with attempts in flight: come back shortly
    if (!r.empty() && FromMicros(r[0][0]) > now) {
      out.blocked = true;
      out.wait = std::max(out.wait, FromMicros(r[0][0]) - now);
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<absl::Duration> Throttle::End(const std::string& scope, const std::string& key,
                                             bool failed, bool reset,
                                             const ThrottlePolicy& policy) {
  const absl::Time now = clock_.Now();
  absl::Duration wait = absl::ZeroDuration();
  absl::Status s = pool_.Run("throttle_end", pg::TxMode::kReadWrite,
                             [&](pqxx::transaction_base& tx) {
    if (!failed) {
      if (reset) {
        tx.exec_params("DELETE FROM auth_throttle WHERE scope = $1 AND key = $2", scope, key);
      } else {
        tx.exec_params(
            "UPDATE auth_throttle SET pending = greatest(pending - 1, 0) WHERE scope = $1 AND "
            "key = $2",
            scope, key);
      }
      return absl::OkStatus();
    }
    pqxx::result r = tx.exec_params(
        "SELECT failures, (extract(epoch FROM window_start) * 1000000)::bigint FROM "
        "auth_throttle WHERE scope = $1 AND key = $2 FOR UPDATE",
        scope, key);
    int failures = 0;
    absl::Time window_start = now;
    if (!r.empty()) {
      failures = r[0][0].as<int>();
      window_start = FromMicros(r[0][1]);
    }
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
        "INSERT INTO auth_throttle AS t (scope, key, failures, window_start, blocked_until) "
        "VALUES ($1, $2, $3, to_timestamp($4::bigint / 1000000.0), to_timestamp($5::bigint / "
        "1000000.0)) ON CONFLICT (scope, key) DO UPDATE SET failures = EXCLUDED.failures, "
        "window_start = EXCLUDED.window_start, blocked_until = EXCLUDED.blocked_until, "
        "pending = greatest(t.pending - 1, 0)",
        scope, key, failures, Ts(window_start), until ? until->c_str() : nullptr);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return wait;
}

}  // namespace tern::auth
