// The outbound queue: mail for other domains, queued by Deliver in the same transaction, claimed
// by delivery workers with FOR UPDATE SKIP LOCKED and a lease, listed and acted on by operators.
#include <algorithm>
#include <map>

#include "store.h"
#include "tern/core/error.h"
#include "tern/core/status.h"
#include "tern/pg/binary.h"

namespace tern::storage {
namespace {

constexpr const char* kJobColumns =
    "q.id, q.message_id, q.sender, q.domain, q.recipients, q.state, q.attempts, extract(epoch "
    "FROM q.next_attempt_at)::bigint, q.last_error, extract(epoch FROM q.created_at)::bigint, "
    "m.size, q.warned";

OutboundJob JobFromRow(const pqxx::row& r) {
  OutboundJob j;
  j.id = r[0].as<uint64_t>();
  j.message_id = r[1].as<uint64_t>();
  j.sender = r[2].as<std::string>();
  j.domain = r[3].as<std::string>();
  j.recipients = pg::ParseTextArray(r[4]);
  j.state = r[5].as<std::string>();
  j.attempts = r[6].as<uint32_t>();
  j.next_attempt = r[7].as<int64_t>();
  j.last_error = r[8].as<std::string>();
  j.created = r[9].as<int64_t>();
  j.size = r[10].as<uint64_t>();
  j.warned = r[11].as<bool>();
  return j;
}

}  // namespace

absl::StatusOr<std::vector<OutboundJob>> MailStore::ClaimOutbound(const ClaimOutboundArgs& req) {
  if (req.owner.empty() || req.owner.size() > 128) return absl::InvalidArgumentError("owner");
  if (req.lease_seconds < 1 || req.lease_seconds > 3600) {
    return absl::InvalidArgumentError("lease_seconds: 1..3600");
  }
  const int64_t limit = std::clamp<int64_t>(req.limit, 1, 100);
  std::vector<OutboundJob> out;
  TERN_RETURN_IF_ERROR(db_.Run("claim_outbound", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    out.clear();
    // SKIP LOCKED: workers on every replica take different jobs without waiting for each other.
    pqxx::result r = tx.exec_params(
        std::string("WITH due AS (SELECT id FROM outbound_queue d WHERE state = 'queued' AND "
                    "next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now()) "
                    "AND ($4 = 0 OR (SELECT count(*) FROM outbound_queue l WHERE l.domain = "
                    "d.domain AND l.lease_owner IS NOT NULL AND l.lease_until > now()) < $4) "
                    "ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED), claimed AS "
                    "(UPDATE outbound_queue q SET lease_owner = $1, lease_until = now() + "
                    "$2::interval, attempts = q.attempts + 1 FROM due WHERE q.id = due.id "
                    "RETURNING q.*) SELECT ") + kJobColumns + " FROM claimed q JOIN "
            "messages m ON m.id = q.message_id ORDER BY q.id",
        req.owner, std::to_string(req.lease_seconds) + " seconds", limit,
        static_cast<int64_t>(req.max_per_domain));
    std::vector<int64_t> ids;
    for (const auto& row : r) ids.push_back(out.emplace_back(JobFromRow(row)).message_id);
    if (out.empty()) return absl::OkStatus();
    // The contents in binary, copied once from libpq's result (the reply then takes them over).
    pg::Result c = pg::Exec(tx, "SELECT id, content FROM messages WHERE id = ANY($1::bigint[])",
                            pg::Params().Text(pg::IntArray(ids)));
    std::map<int64_t, std::string_view> content;
    for (int i = 0; i < c.rows(); ++i) content[c.Int(i, 0)] = c.Bytes(i, 1);
    for (OutboundJob& j : out) j.content = std::string(content[static_cast<int64_t>(j.message_id)]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<bool> MailStore::CompleteOutbound(const CompleteOutboundArgs& req) {
  std::vector<int64_t> freed;
  bool removed = false;
  TERN_RETURN_IF_ERROR(db_.Run("complete_outbound", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    freed.clear();
    pqxx::result r = tx.exec_params(
        "SELECT message_id FROM outbound_queue WHERE id = $1 AND lease_owner = $2 FOR UPDATE",
        static_cast<int64_t>(req.id), req.owner);
    if (r.empty()) return WithReason(absl::FailedPreconditionError("job not held by this worker (lease lost?)"),
                                       Reason::kBusy);
    // Remote text: kept valid UTF-8 (a text column refuses anything else) and bounded.
    const std::string error = SanitizeUtf8(req.error.substr(0, 1000));
    if (req.retry.empty()) {
      tx.exec_params("DELETE FROM outbound_queue WHERE id = $1", static_cast<int64_t>(req.id));
      freed.push_back(r[0][0].as<int64_t>());
      removed = true;
      return absl::OkStatus();
    }
    tx.exec_params(
        "UPDATE outbound_queue SET recipients = $2::text[], state = CASE WHEN $3 THEN 'failed' "
        "ELSE 'queued' END, next_attempt_at = now() + $4::interval, last_error = $5, "
        "lease_owner = NULL, lease_until = NULL, warned = warned OR $6 WHERE id = $1",
        static_cast<int64_t>(req.id), pg::TextArray(req.retry), req.give_up,
        std::to_string(std::min<uint32_t>(req.retry_after_seconds, 7 * 86400)) + " seconds",
        error, req.warned);
    removed = false;
    return absl::OkStatus();
  }));
  CollectGarbage(freed);
  return removed;
}

absl::StatusOr<std::vector<OutboundJob>> MailStore::ListOutbound(const std::string& state,
                                                                 uint32_t max) {
  const int64_t limit = max == 0 ? 1000 : std::min<int64_t>(max, 10000);
  std::vector<OutboundJob> out;
  TERN_RETURN_IF_ERROR(db_.Run("list_outbound", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    out.clear();
    for (const auto& row : tx.exec_params(
             std::string("SELECT ") + kJobColumns +
                 " FROM outbound_queue q JOIN messages m ON m.id = q.message_id WHERE $1 = '' OR "
                 "q.state = $1 ORDER BY q.id LIMIT $2",
             state, limit)) {
      out.push_back(JobFromRow(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int64_t> MailStore::ExpireFailedOutbound(absl::Duration retention) {
  std::vector<int64_t> freed;
  TERN_RETURN_IF_ERROR(db_.Run("expire_outbound", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    freed.clear();
    for (const auto& row : tx.exec_params(
             "DELETE FROM outbound_queue WHERE state = 'failed' AND next_attempt_at < now() - "
             "$1::interval RETURNING message_id",
             std::to_string(absl::ToInt64Seconds(retention)) + " seconds")) {
      freed.push_back(row[0].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  CollectGarbage(freed);
  return static_cast<int64_t>(freed.size());
}

absl::StatusOr<std::map<std::string, MailStore::QueueState>> MailStore::OutboundStats() {
  std::map<std::string, QueueState> out = {{"queued", {}}, {"held", {}}, {"failed", {}}};
  TERN_RETURN_IF_ERROR(db_.Run("outbound_stats", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec(
             "SELECT state, count(*), extract(epoch FROM now() - min(created_at))::float8 "
             "FROM outbound_queue GROUP BY state")) {
      out[row[0].as<std::string>()] = {row[1].as<int64_t>(), row[2].as<double>()};
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<OutboundJob> MailStore::UpdateOutbound(const UpdateOutboundArgs& req) {
  std::vector<int64_t> freed;
  OutboundJob out;
  TERN_RETURN_IF_ERROR(db_.Run("update_outbound", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    freed.clear();
    const auto id = static_cast<int64_t>(req.id);
    pqxx::result cur = tx.exec_params(
        std::string("SELECT ") + kJobColumns +
            " FROM outbound_queue q JOIN messages m ON m.id = q.message_id WHERE q.id = $1 FOR "
            "UPDATE OF q",
        id);
    if (cur.empty()) return ReasonError(Reason::kNoSuchMessage, "no such queued message: " + std::to_string(id));
    switch (req.action) {
      case OutboundAction::kRetry:
        tx.exec_params("UPDATE outbound_queue SET state = 'queued', next_attempt_at = now() WHERE id = $1", id);
        break;
      case OutboundAction::kHold:
        tx.exec_params("UPDATE outbound_queue SET state = 'held' WHERE id = $1", id);
        break;
      case OutboundAction::kRelease:
        if (cur[0][5].as<std::string>() != "held") {
          return WithReason(absl::FailedPreconditionError("job is not held"), Reason::kNotAllowed);
        }
        tx.exec_params("UPDATE outbound_queue SET state = 'queued' WHERE id = $1", id);
        break;
      case OutboundAction::kDelete:
        tx.exec_params("DELETE FROM outbound_queue WHERE id = $1", id);
        freed.push_back(cur[0][1].as<int64_t>());
        out = JobFromRow(cur[0]);
        return absl::OkStatus();
    }
    out = JobFromRow(tx.exec_params(std::string("SELECT ") + kJobColumns +
                                        " FROM outbound_queue q JOIN messages m ON m.id = "
                                        "q.message_id WHERE q.id = $1",
                                    id)[0]);
    return absl::OkStatus();
  }));
  CollectGarbage(freed);
  return out;
}

}  // namespace tern::storage
