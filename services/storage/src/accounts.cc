// Accounts: a mail store per account address, created on first use (tern_account_id).
#include "probe.h"
#include "store.h"
#include "tern/core/status.h"

namespace tern::storage {

absl::StatusOr<int64_t> MailStore::AccountId(const std::string& account) {
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeAccount(account));
  {
    absl::MutexLock lock(&cache_mu_);
    auto it = account_ids_.find(name);
    if (it != account_ids_.end()) return it->second;
  }
  int64_t id = 0;
  TERN_RETURN_IF_ERROR(db_.Run("account", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    id = tx.exec_params("SELECT tern_account_id($1)", name)[0][0].as<int64_t>();
    return absl::OkStatus();
  }));
  absl::MutexLock lock(&cache_mu_);
  if (account_ids_.size() > 100000) account_ids_.clear();
  account_ids_[name] = id;
  return id;
}

absl::StatusOr<bool> MailStore::EnsureAccount(const std::string& account) {
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeAccount(account));
  bool created = false;
  TERN_RETURN_IF_ERROR(db_.Run("account", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    created = tx.exec_params("SELECT 1 FROM mail_accounts WHERE name = $1", name).empty();
    tx.exec_params("SELECT tern_account_id($1)", name);
    return absl::OkStatus();
  }));
  return created;
}

absl::StatusOr<uint32_t> MailStore::DeleteAccount(const std::string& account) {
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeAccount(account));
  std::vector<int64_t> freed;
  TERN_RETURN_IF_ERROR(db_.Run("delete_account", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    freed.clear();
    for (const auto& row : tx.exec_params(
             "DELETE FROM mailbox_messages WHERE mailbox_id IN (SELECT b.id FROM mailboxes b JOIN "
             "mail_accounts a ON a.id = b.account_id WHERE a.name = $1) RETURNING message_id",
             name)) {
      freed.push_back(row[0].as<int64_t>());
    }
    tx.exec_params("DELETE FROM mail_accounts WHERE name = $1", name);
    return absl::OkStatus();
  }));
  {
    absl::MutexLock lock(&cache_mu_);
    account_ids_.erase(name);
  }
  probe_.MessagesExpunged(static_cast<int>(freed.size()));
  CollectGarbage(freed);
  return static_cast<uint32_t>(freed.size());
}

}  // namespace tern::storage
