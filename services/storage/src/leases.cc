// Leases: one holder at a time for a named resource of an account across every replica (the
// POP3 maildrop lock), expiring unless renewed.
#include "store.h"
#include "tern/core/status.h"

namespace tern::storage {

absl::StatusOr<LeaseResult> MailStore::Lease(LeaseOp op, const LeaseArgs& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  if (req.name.empty() || req.name.size() > 64 || req.owner.empty() || req.owner.size() > 128) {
    return absl::InvalidArgumentError("lease: name and owner must be 1..64 and 1..128 bytes");
  }
  if (op != LeaseOp::kRelease && (req.ttl_seconds < 1 || req.ttl_seconds > 3600)) {
    return absl::InvalidArgumentError("lease: ttl_seconds must be 1..3600");
  }
  const std::string ttl = std::to_string(req.ttl_seconds) + " seconds";
  LeaseResult out;
  TERN_RETURN_IF_ERROR(db_.Run("lease", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    pqxx::result r;
    switch (op) {
      case LeaseOp::kAcquire:
        // Taken when free, expired, or already ours.
        r = tx.exec_params(
            "INSERT INTO leases (account_id, name, owner, expires_at) VALUES ($1, $2, $3, now() + "
            "$4::interval) ON CONFLICT (account_id, name) DO UPDATE SET owner = EXCLUDED.owner, "
            "expires_at = EXCLUDED.expires_at WHERE leases.expires_at < now() OR leases.owner = "
            "EXCLUDED.owner RETURNING extract(epoch FROM expires_at)::bigint",
            account_id, req.name, req.owner, ttl);
        break;
      case LeaseOp::kRenew:
        r = tx.exec_params(
            "UPDATE leases SET expires_at = now() + $4::interval WHERE account_id = $1 AND name = "
            "$2 AND owner = $3 RETURNING extract(epoch FROM expires_at)::bigint",
            account_id, req.name, req.owner, ttl);
        break;
      case LeaseOp::kRelease:
        r = tx.exec_params(
            "DELETE FROM leases WHERE account_id = $1 AND name = $2 AND owner = $3 RETURNING 0",
            account_id, req.name, req.owner);
        break;
    }
    out.granted = !r.empty();
    out.expires = !r.empty() && op != LeaseOp::kRelease ? r[0][0].as<int64_t>() : 0;
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tern::storage
