// Quotas: an account's limits and usage (usage is kept by every change, in its transaction).
#include "store.h"
#include "tern/core/error.h"
#include "tern/core/status.h"

namespace tern::storage {

absl::StatusOr<Quota> MailStore::GetQuota(const std::string& account) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(account));
  Quota out;
  TERN_RETURN_IF_ERROR(db_.Run("get_quota", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_params(
        "SELECT quota_bytes, used_bytes, quota_messages, used_messages FROM mail_accounts WHERE "
        "id = $1",
        account_id);
    if (r.empty()) return ReasonError(Reason::kNoSuchAccount, "no such account");
    out.storage_bytes_limit = r[0][0].as<uint64_t>();
    out.storage_bytes_used = r[0][1].as<uint64_t>();
    out.messages_limit = r[0][2].as<uint64_t>();
    out.messages_used = r[0][3].as<uint64_t>();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Quota> MailStore::SetQuota(const SetQuotaArgs& req) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  if (req.storage_bytes > (1ull << 62) || req.messages > (1ull << 62)) {
    return absl::InvalidArgumentError("quota: value too large");
  }
  TERN_RETURN_IF_ERROR(db_.Run("set_quota", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    tx.exec_params("UPDATE mail_accounts SET quota_bytes = $2, quota_messages = $3 WHERE id = $1",
                   account_id, static_cast<int64_t>(req.storage_bytes),
                   static_cast<int64_t>(req.messages));
    return absl::OkStatus();
  }));
  return GetQuota(req.account);
}

}  // namespace tern::storage
