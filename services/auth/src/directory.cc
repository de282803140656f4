#include "directory.h"

#include "tern/clients/clients.h"

#include <cctype>
#include <functional>
#include <set>

#include "names.h"
#include "tern/core/error.h"
#include "tern/core/status.h"
#include "tern/rpc/channel.h"

namespace tern::auth {
namespace {

void Audit(pqxx::transaction_base& tx, const std::string& actor, const std::string& action,
           const std::string& target, const std::string& detail = "") {
  tx.exec_params("INSERT INTO auth_audit_log (actor, action, target, detail) VALUES ($1, $2, $3, $4)",
                 actor, action, target, detail);
}

void SetTime(google::protobuf::Timestamp* t, const pqxx::field& f) {
  t->set_seconds(f.as<int64_t>());
}

constexpr const char* kAccountColumns =
    "a.address, a.enabled, a.apop_secret IS NOT NULL, a.quota_bytes, a.quota_messages, "
    "extract(epoch FROM a.created_at)::bigint, extract(epoch FROM a.password_changed_at)::bigint";

pb::Account AccountFromRow(const pqxx::row& r) {
  pb::Account a;
  a.set_address(r[0].as<std::string>());
  a.set_enabled(r[1].as<bool>());
  a.set_apop_enabled(r[2].as<bool>());
  a.set_quota_bytes(r[3].as<uint64_t>());
  a.set_quota_messages(r[4].as<uint64_t>());
  SetTime(a.mutable_created(), r[5]);
  SetTime(a.mutable_password_changed(), r[6]);
  return a;
}

absl::StatusOr<int64_t> DomainId(pqxx::transaction_base& tx, const std::string& domain) {
  pqxx::result r = tx.exec_params("SELECT id FROM auth_domains WHERE name = $1", domain);
  if (r.empty()) return ReasonError(Reason::kNoSuchDomain, "no such domain: " + domain);
  return r[0][0].as<int64_t>();
}

// Over the suite's one storage client.
class StorageMailStores final : public MailStores {
 public:
  explicit StorageMailStores(std::shared_ptr<clients::StorageClient> storage)
      : storage_(std::move(storage)) {}
  absl::Status Ensure(const std::string& account) override {
    return Annotate(storage_->EnsureAccount(account), "storage");
  }
  absl::Status SetQuota(const std::string& account, uint64_t bytes, uint64_t messages) override {
    return Annotate(storage_->SetQuota(account, bytes, messages), "storage");
  }
  absl::Status Remove(const std::string& account) override {
    return Annotate(storage_->DeleteAccount(account), "storage");
  }

 private:
  std::shared_ptr<clients::StorageClient> storage_;
};

// Recipient resolution over the directory tables, depth-first so that a cycle is seen as a
// node already on the path. Shared by Lookup and the alias-loop check.
class Resolver {
 public:
  Resolver(pqxx::transaction_base& tx, const DirectoryOptions& o) : tx_(tx), o_(o) {}

  // Returns an error for a loop; fills accounts (enabled ones), disabled_top, found_top.
  absl::Status Visit(const std::string& address, size_t depth) {
    if (depth > o_.max_alias_depth) {
      return absl::InvalidArgumentError("aliases nested deeper than " +
                                        std::to_string(o_.max_alias_depth));
    }
    if (++visits_ > 4 * o_.max_recipients) return absl::InvalidArgumentError("alias fan-out too large");
    if (address[0] != '@') {
      pqxx::result acc = tx_.exec_params("SELECT enabled FROM auth_accounts WHERE address = $1", address);
      if (!acc.empty()) {
        if (depth == 0) found_top = true;
        if (acc[0][0].as<bool>()) {
          accounts.insert(address);
          if (accounts.size() > o_.max_recipients) {
            return absl::InvalidArgumentError("alias reaches more than " +
                                              std::to_string(o_.max_recipients) + " accounts");
          }
        } else if (depth == 0) {
          disabled_top = true;
        }
        return absl::OkStatus();
      }
    }
    auto [local, domain] = SplitAddress(address);
    pqxx::result alias = tx_.exec_params(
        "SELECT address, targets FROM auth_aliases WHERE address = $1 OR address = $2 ORDER BY "
        "address = $1 DESC LIMIT 1",
        address, "@" + domain);
    if (alias.empty()) return absl::OkStatus();  // dangling: nothing there
    const std::string key = alias[0][0].as<std::string>();
    if (std::find(path_.begin(), path_.end(), key) != path_.end()) {
      std::string loop;
      for (const auto& p : path_) loop += p + " -> ";
      return absl::InvalidArgumentError("alias loop: " + loop + key);
    }
    if (depth == 0) found_top = true;
    std::vector<std::string> targets = pg::ParseTextArray(alias[0][1]);
    if (depth == 0 && (targets.size() > 1)) is_list = true;
    path_.push_back(key);
    for (const auto& t : targets) TERN_RETURN_IF_ERROR(Visit(t, depth + 1));
    path_.pop_back();
    return absl::OkStatus();
  }

  std::set<std::string> accounts;
  bool found_top = false;
  bool disabled_top = false;
  bool is_list = false;

 private:
  pqxx::transaction_base& tx_;
  const DirectoryOptions& o_;
  std::vector<std::string> path_;
  size_t visits_ = 0;
};

bool IsPostmaster(const std::string& local) {
  static const std::string kName = "postmaster";
  if (local.size() != kName.size()) return false;
  for (size_t i = 0; i < local.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(local[i])) != kName[i]) return false;
  }
  return true;
}

// Who postmaster@<domain> reaches (RFC 5321 4.5.1: every domain we serve accepts it): an
// enabled account or alias of that name, else the domain's postmaster target, else the
// domain's first enabled account (`fallback`). Empty accounts: nobody.
struct PostmasterRoute {
  std::set<std::string> accounts;
  bool fallback = false;
};
absl::StatusOr<PostmasterRoute> RoutePostmaster(pqxx::transaction_base& tx,
                                                const DirectoryOptions& o,
                                                const std::string& domain) {
  Resolver named(tx, o);
  if (named.Visit("postmaster@" + domain, 0).ok() && !named.disabled_top &&
      !named.accounts.empty()) {
    return PostmasterRoute{std::move(named.accounts), false};
  }
  pqxx::result d = tx.exec_params("SELECT id, postmaster FROM auth_domains WHERE name = $1", domain);
  if (d.empty()) return PostmasterRoute{};
  if (!d[0][1].is_null()) {
    Resolver target(tx, o);
    if (target.Visit(d[0][1].as<std::string>(), 0).ok() && !target.accounts.empty()) {
      return PostmasterRoute{std::move(target.accounts), false};
    }
  }
  pqxx::result first = tx.exec_params(
      "SELECT address FROM auth_accounts WHERE domain_id = $1 AND enabled ORDER BY id LIMIT 1",
      d[0][0].as<int64_t>());
  PostmasterRoute route;
  route.fallback = true;
  if (!first.empty()) route.accounts.insert(first[0][0].as<std::string>());
  return route;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MailStores>> MakeGrpcMailStores(const rpc::ChannelOptions& options) {
  TERN_ASSIGN_OR_RETURN(std::shared_ptr<clients::StorageClient> storage,
                        clients::MakeGrpcStorageClient(options));
  return std::unique_ptr<MailStores>(std::make_unique<StorageMailStores>(std::move(storage)));
}

Directory::Directory(pg::Pool& pool, MailStores& stores, const SecretBox& box,
                     DirectoryOptions options)
    : pool_(pool), stores_(stores), box_(box), options_(std::move(options)) {
  pool_.Prepare("lookup_account",
                "SELECT EXISTS (SELECT 1 FROM auth_domains WHERE name = $2), (SELECT enabled FROM "
                "auth_accounts WHERE address = $1)");
}

absl::Status Directory::CheckPassword(const std::string& password) const {
  if (password.empty()) return absl::InvalidArgumentError("empty password");
  if (password.size() < options_.password_min_length) {
    return absl::InvalidArgumentError("password shorter than " +
                                      std::to_string(options_.password_min_length) + " characters");
  }
  if (password.size() > 1024) return absl::InvalidArgumentError("password longer than 1024 bytes");
  for (unsigned char c : password) {
    if (c == 0 || c == '\r' || c == '\n') {
      return absl::InvalidArgumentError("password contains NUL or line breaks");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Directory::CheckPostmaster(pqxx::transaction_base& tx,
                                                       const std::string& postmaster) const {
  if (postmaster.empty()) return std::string();
  TERN_ASSIGN_OR_RETURN(std::string target, NormalizeAddress(postmaster));
  Resolver resolver(tx, options_);
  if (!resolver.Visit(target, 0).ok() || resolver.accounts.empty()) {
    return absl::InvalidArgumentError("postmaster target reaches no enabled account of ours: " +
                                      target);
  }
  return target;
}

absl::StatusOr<pb::Domain> Directory::DomainRecord(pqxx::transaction_base& tx,
                                                   const std::string& name) {
  pqxx::result r = tx.exec_params(
      "SELECT d.name, extract(epoch FROM d.created_at)::bigint, (SELECT count(*) FROM "
      "auth_accounts a WHERE a.domain_id = d.id), (SELECT count(*) FROM auth_aliases l "
      "WHERE l.domain_id = d.id), coalesce(d.postmaster, '') FROM auth_domains d WHERE d.name = $1",
      name);
  if (r.empty()) return ReasonError(Reason::kNoSuchDomain, "no such domain: " + name);
  pb::Domain d;
  d.set_name(r[0][0].as<std::string>());
  SetTime(d.mutable_created(), r[0][1]);
  d.set_accounts(r[0][2].as<uint32_t>());
  d.set_aliases(r[0][3].as<uint32_t>());
  d.set_postmaster(r[0][4].as<std::string>());
  TERN_ASSIGN_OR_RETURN(PostmasterRoute route, RoutePostmaster(tx, options_, d.name()));
  for (const auto& a : route.accounts) d.add_postmaster_reaches(a);
  d.set_postmaster_fallback(route.fallback);
  return d;
}

absl::StatusOr<pb::Domain> Directory::AddDomain(const std::string& name,
                                                const std::string& postmaster,
                                                const std::string& actor) {
  TERN_ASSIGN_OR_RETURN(std::string domain, NormalizeDomain(name));
  pb::Domain out;
  TERN_RETURN_IF_ERROR(pool_.Run("add_domain", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(std::string target, CheckPostmaster(tx, postmaster));
    pqxx::result r = tx.exec_params(
        "INSERT INTO auth_domains (name, postmaster) VALUES ($1, nullif($2, '')) ON CONFLICT "
        "(name) DO NOTHING RETURNING id",
        domain, target);
    if (r.empty()) return ReasonError(Reason::kAlreadyExists, "domain exists: " + domain);
    Audit(tx, actor, "domain.add", domain, target.empty() ? "" : "postmaster=" + target);
    TERN_ASSIGN_OR_RETURN(out, DomainRecord(tx, domain));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::Domain> Directory::SetDomainPostmaster(const std::string& name,
                                                          const std::string& postmaster,
                                                          const std::string& actor) {
  TERN_ASSIGN_OR_RETURN(std::string domain, NormalizeDomain(name));
  pb::Domain out;
  TERN_RETURN_IF_ERROR(pool_.Run("set_domain_postmaster", pg::TxMode::kReadWrite,
                                 [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(int64_t id, DomainId(tx, domain));
    TERN_ASSIGN_OR_RETURN(std::string target, CheckPostmaster(tx, postmaster));
    tx.exec_params("UPDATE auth_domains SET postmaster = nullif($2, '') WHERE id = $1", id, target);
    Audit(tx, actor, "domain.postmaster", domain, target.empty() ? "cleared" : target);
    TERN_ASSIGN_OR_RETURN(out, DomainRecord(tx, domain));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<pb::Domain>> Directory::ListDomains() {
  std::vector<pb::Domain> out;
  TERN_RETURN_IF_ERROR(pool_.Run("list_domains", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec("SELECT name FROM auth_domains ORDER BY name")) {
      TERN_ASSIGN_OR_RETURN(pb::Domain d, DomainRecord(tx, r[0].as<std::string>()));
      out.push_back(std::move(d));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status Directory::RemoveDomain(const std::string& name, const std::string& actor) {
  TERN_ASSIGN_OR_RETURN(std::string domain, NormalizeDomain(name));
  return pool_.Run("remove_domain", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(int64_t id, DomainId(tx, domain));
    pqxx::result used = tx.exec_params(
        "SELECT (SELECT count(*) FROM auth_accounts WHERE domain_id = $1), (SELECT count(*) FROM "
        "auth_aliases WHERE domain_id = $1)",
        id);
    if (used[0][0].as<int64_t>() > 0 || used[0][1].as<int64_t>() > 0) {
      return WithReason(absl::FailedPreconditionError("domain " + domain + " still has " +
                                                      used[0][0].as<std::string>() +
                                                      " accounts and " +
                                                      used[0][1].as<std::string>() + " aliases"),
                        Reason::kNotAllowed);
    }
    tx.exec_params("DELETE FROM auth_domains WHERE id = $1", id);
    Audit(tx, actor, "domain.remove", domain);
    return absl::OkStatus();
  });
}

absl::StatusOr<pb::Account> Directory::AddAccount(const pb::AddAccountRequest& req,
                                                  const std::string& actor) {
  TERN_ASSIGN_OR_RETURN(std::string address, NormalizeAddress(req.address()));
  TERN_RETURN_IF_ERROR(CheckPassword(req.password()));
  if (req.quota_bytes() > (1ull << 62) || req.quota_messages() > (1ull << 62)) {
    return absl::InvalidArgumentError("quota too large");
  }
  // Hash before the transaction: Argon2 is deliberately slow.
  TERN_ASSIGN_OR_RETURN(std::string hash, HashPassword(req.password(), options_.argon2));
  pb::Account out;
  TERN_RETURN_IF_ERROR(pool_.Run("add_account", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(int64_t domain_id, DomainId(tx, SplitAddress(address).second));
    if (!tx.exec_params("SELECT 1 FROM auth_aliases WHERE address = $1", address).empty()) {
      return ReasonError(Reason::kAlreadyExists, "an alias has that address: " + address);
    }
    pqxx::result r = tx.exec_params(
        std::string("INSERT INTO auth_accounts AS a (domain_id, address, password_hash, "
                    "quota_bytes, quota_messages) VALUES ($1, $2, $3, $4, $5) ON CONFLICT "
                    "(address) DO NOTHING RETURNING ") + kAccountColumns,
        domain_id, address, hash, static_cast<int64_t>(req.quota_bytes()),
        static_cast<int64_t>(req.quota_messages()));
    if (r.empty()) return ReasonError(Reason::kAlreadyExists, "account exists: " + address);
    out = AccountFromRow(r[0]);
    // The mail store exists before the account can log in or receive mail.
    TERN_RETURN_IF_ERROR(stores_.Ensure(address));
    TERN_RETURN_IF_ERROR(stores_.SetQuota(address, req.quota_bytes(), req.quota_messages()));
    Audit(tx, actor, "account.add", address,
          "quota_bytes=" + std::to_string(req.quota_bytes()) +
              " quota_messages=" + std::to_string(req.quota_messages()));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::Account> Directory::GetAccount(const std::string& address_in) {
  TERN_ASSIGN_OR_RETURN(std::string address, NormalizeAddress(address_in));
  pb::Account out;
  TERN_RETURN_IF_ERROR(pool_.Run("get_account", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_params(
        std::string("SELECT ") + kAccountColumns + " FROM auth_accounts a WHERE a.address = $1",
        address);
    if (r.empty()) return ReasonError(Reason::kNoSuchAccount, "no such account: " + address);
    out = AccountFromRow(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<pb::Account>> Directory::ListAccounts(const std::string& domain_in) {
  std::string domain;
  if (!domain_in.empty()) {
    TERN_ASSIGN_OR_RETURN(domain, NormalizeDomain(domain_in));
  }
  std::vector<pb::Account> out;
  TERN_RETURN_IF_ERROR(pool_.Run("list_accounts", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    if (!domain.empty()) TERN_RETURN_IF_ERROR(DomainId(tx, domain).status());
    for (const auto& r : tx.exec_params(
             std::string("SELECT ") + kAccountColumns +
                 " FROM auth_accounts a JOIN auth_domains d ON d.id = a.domain_id WHERE $1 = '' "
                 "OR d.name = $1 ORDER BY a.address",
             domain)) {
      out.push_back(AccountFromRow(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::Account> Directory::Update(
    const std::string& op, const std::string& address_in, const std::string& actor,
    const std::string& detail,
    const std::function<absl::Status(pqxx::transaction_base&, int64_t)>& fn) {
  TERN_ASSIGN_OR_RETURN(std::string address, NormalizeAddress(address_in));
  pb::Account out;
  TERN_RETURN_IF_ERROR(pool_.Run(op, pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    pqxx::result r =
        tx.exec_params("SELECT id FROM auth_accounts WHERE address = $1 FOR UPDATE", address);
    if (r.empty()) return ReasonError(Reason::kNoSuchAccount, "no such account: " + address);
    TERN_RETURN_IF_ERROR(fn(tx, r[0][0].as<int64_t>()));
    r = tx.exec_params(
        std::string("SELECT ") + kAccountColumns + " FROM auth_accounts a WHERE a.address = $1",
        address);
    out = AccountFromRow(r[0]);
    Audit(tx, actor, op, address, detail);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::Account> Directory::SetPassword(const std::string& address,
                                                   const std::string& password,
                                                   const std::string& actor) {
  TERN_RETURN_IF_ERROR(CheckPassword(password));
  TERN_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_.argon2));
  return Update("account.passwd", address, actor, "", [&](pqxx::transaction_base& tx, int64_t id) {
    tx.exec_params(
        "UPDATE auth_accounts SET password_hash = $2, password_changed_at = now() WHERE id = $1",
        id, hash);
    return absl::OkStatus();
  });
}

absl::StatusOr<pb::Account> Directory::SetEnabled(const std::string& address, bool enabled,
                                                  const std::string& actor) {
  return Update(enabled ? "account.enable" : "account.disable", address, actor, "",
                [&](pqxx::transaction_base& tx, int64_t id) {
                  tx.exec_params("UPDATE auth_accounts SET enabled = $2 WHERE id = $1", id, enabled);
                  return absl::OkStatus();
                });
}

absl::StatusOr<pb::Account> Directory::SetQuota(const pb::SetQuotaRequest& req,
                                                const std::string& actor) {
  if (req.quota_bytes() > (1ull << 62) || req.quota_messages() > (1ull << 62)) {
    return absl::InvalidArgumentError("quota too large");
  }
  return Update("account.quota", req.address(), actor,
                "quota_bytes=" + std::to_string(req.quota_bytes()) +
                    " quota_messages=" + std::to_string(req.quota_messages()),
                [&](pqxx::transaction_base& tx, int64_t id) {
                  tx.exec_params(
                      "UPDATE auth_accounts SET quota_bytes = $2, quota_messages = $3 WHERE id = $1",
                      id, static_cast<int64_t>(req.quota_bytes()),
                      static_cast<int64_t>(req.quota_messages()));
                  auto address = NormalizeAddress(req.address());
                  return stores_.SetQuota(*address, req.quota_bytes(), req.quota_messages());
                });
}

absl::StatusOr<pb::Account> Directory::SetApop(const pb::SetApopRequest& req,
                                               const std::string& actor) {
  TERN_ASSIGN_OR_RETURN(std::string address, NormalizeAddress(req.address()));
  std::optional<std::string> sealed;
  if (req.enabled()) {
    if (req.secret().empty() || req.secret().size() > 1024) {
      return absl::InvalidArgumentError("APOP secret must be 1 to 1024 bytes");
    }
    TERN_ASSIGN_OR_RETURN(sealed, box_.Seal(req.secret(), address));
  }
  return Update(req.enabled() ? "account.apop_enable" : "account.apop_disable", address, actor,
                "", [&](pqxx::transaction_base& tx, int64_t id) {
                  if (sealed) {
                    tx.exec_params("UPDATE auth_accounts SET apop_secret = $2 WHERE id = $1", id,
                                   pqxx::binarystring(*sealed));
                  } else {
                    tx.exec_params("UPDATE auth_accounts SET apop_secret = NULL WHERE id = $1", id);
                  }
                  return absl::OkStatus();
                });
}

absl::Status Directory::RemoveAccount(const std::string& address_in, const std::string& actor) {
  TERN_ASSIGN_OR_RETURN(std::string address, NormalizeAddress(address_in));
  return pool_.Run("remove_account", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_params("DELETE FROM auth_accounts WHERE address = $1 RETURNING id", address);
    if (r.empty()) return ReasonError(Reason::kNoSuchAccount, "no such account: " + address);
    TERN_RETURN_IF_ERROR(stores_.Remove(address));
    tx.exec_params("DELETE FROM auth_throttle WHERE scope = 'account' AND key = $1", address);
    Audit(tx, actor, "account.remove", address);
    return absl::OkStatus();
  });
}

absl::StatusOr<pb::Alias> Directory::AddAlias(const pb::AddAliasRequest& req,
                                              const std::string& actor) {
  TERN_ASSIGN_OR_RETURN(std::string address, NormalizeAliasAddress(req.address()));
  if (req.targets().empty()) return absl::InvalidArgumentError("an alias needs at least one target");
  if (static_cast<size_t>(req.targets_size()) > options_.max_recipients) {
    return absl::InvalidArgumentError("too many targets");
  }
  std::set<std::string> targets;
  for (const auto& t : req.targets()) {
    TERN_ASSIGN_OR_RETURN(std::string n, NormalizeAddress(t));
    if (n == address) return absl::InvalidArgumentError("alias loop: " + address + " -> itself");
    targets.insert(n);
  }
  std::vector<std::string> list(targets.begin(), targets.end());
  pb::Alias out;
  TERN_RETURN_IF_ERROR(pool_.Run("add_alias", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(int64_t domain_id, DomainId(tx, SplitAddress(address).second));
    if (!tx.exec_params("SELECT 1 FROM auth_accounts WHERE address = $1", address).empty()) {
      return ReasonError(Reason::kAlreadyExists, "an account has that address: " + address);
    }
    pqxx::result r = tx.exec_params(
        "INSERT INTO auth_aliases (domain_id, address, targets) VALUES ($1, $2, $3::text[]) ON "
        "CONFLICT (address) DO NOTHING RETURNING extract(epoch FROM created_at)::bigint",
        domain_id, address, pg::TextArray(list));
    if (r.empty()) return ReasonError(Reason::kAlreadyExists, "alias exists: " + address);
    // Refuse loops and unbounded expansions now, not at delivery time.
    Resolver resolver(tx, options_);
    std::string probe = address[0] == '@' ? "postmaster-probe-" + std::to_string(domain_id) + address
                                          : address;
    TERN_RETURN_IF_ERROR(resolver.Visit(probe, 0));
    out.set_address(address);
    for (const auto& t : list) out.add_targets(t);
    SetTime(out.mutable_created(), r[0][0]);
    std::string detail;
    for (const auto& t : list) detail += (detail.empty() ? "" : ",") + t;
    Audit(tx, actor, "alias.add", address, detail);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<pb::Alias>> Directory::ListAliases(const std::string& domain_in) {
  std::string domain;
  if (!domain_in.empty()) {
    TERN_ASSIGN_OR_RETURN(domain, NormalizeDomain(domain_in));
  }
  std::vector<pb::Alias> out;
  TERN_RETURN_IF_ERROR(pool_.Run("list_aliases", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    if (!domain.empty()) TERN_RETURN_IF_ERROR(DomainId(tx, domain).status());
    for (const auto& r : tx.exec_params(
             "SELECT l.address, l.targets, extract(epoch FROM l.created_at)::bigint FROM "
             "auth_aliases l JOIN auth_domains d ON d.id = l.domain_id WHERE $1 = '' OR d.name = "
             "$1 ORDER BY l.address",
             domain)) {
      pb::Alias a;
      a.set_address(r[0].as<std::string>());
      for (auto& t : pg::ParseTextArray(r[1])) a.add_targets(t);
      SetTime(a.mutable_created(), r[2]);
      out.push_back(std::move(a));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status Directory::RemoveAlias(const std::string& address_in, const std::string& actor) {
  TERN_ASSIGN_OR_RETURN(std::string address, NormalizeAliasAddress(address_in));
  return pool_.Run("remove_alias", pg::TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
    if (tx.exec_params("DELETE FROM auth_aliases WHERE address = $1 RETURNING id", address).empty()) {
      return ReasonError(Reason::kNoSuchAccount, "no such alias: " + address);
    }
    Audit(tx, actor, "alias.remove", address);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<pb::AuditEntry>> Directory::ListAudit(uint32_t limit) {
  if (limit == 0 || limit > 10000) limit = 100;
  std::vector<pb::AuditEntry> out;
  TERN_RETURN_IF_ERROR(pool_.Run("list_audit", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_params(
             "SELECT extract(epoch FROM at)::bigint, actor, action, target, detail FROM "
             "auth_audit_log ORDER BY id DESC LIMIT $1",
             static_cast<int64_t>(limit))) {
      pb::AuditEntry e;
      SetTime(e.mutable_at(), r[0]);
      e.set_actor(r[1].as<std::string>());
      e.set_action(r[2].as<std::string>());
      e.set_target(r[3].as<std::string>());
      e.set_detail(r[4].as<std::string>());
      out.push_back(std::move(e));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::LookupRecipientResponse> Directory::Lookup(const std::string& address_in) {
  pb::LookupRecipientResponse out;
  auto address = NormalizeAddress(address_in);
  if (IsPostmaster(address_in) || (address.ok() && IsPostmaster(SplitAddress(*address).first))) {
    // RFC 5321 4.5.1: postmaster of every domain we serve (and "<Postmaster>" alone, for the
    // first domain added) reaches a person.
    TERN_RETURN_IF_ERROR(pool_.Run("lookup_postmaster", pg::TxMode::kSnapshot,
                                   [&](pqxx::transaction_base& tx) {
      std::string domain;
      if (address.ok()) {
        domain = SplitAddress(*address).second;
      } else {
        pqxx::result first = tx.exec("SELECT name FROM auth_domains ORDER BY id LIMIT 1");
        if (first.empty()) return absl::OkStatus();
        domain = first[0][0].as<std::string>();
      }
      if (tx.exec_params("SELECT 1 FROM auth_domains WHERE name = $1", domain).empty()) {
        return absl::OkStatus();  // not ours
      }
      out.set_local_domain(true);
      TERN_ASSIGN_OR_RETURN(PostmasterRoute route, RoutePostmaster(tx, options_, domain));
      if (route.accounts.empty()) return absl::OkStatus();  // a domain without accounts
      out.set_result(pb::LookupRecipientResponse::ACCOUNTS);
      for (const auto& a : route.accounts) out.add_accounts(a);
      out.set_is_list(route.accounts.size() > 1);
      return absl::OkStatus();
    }));
    return out;
  }
  if (!address.ok()) return out;  // not an address of ours: UNKNOWN, not local
  // The common case, a plain account, in one round trip; aliases need the resolver.
  bool local = false, resolved = false;
  TERN_RETURN_IF_ERROR(pool_.Run("lookup", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("lookup_account", *address, SplitAddress(*address).second);
    local = r[0][0].as<bool>();
    if (!local || r[0][1].is_null()) return absl::OkStatus();
    resolved = true;
    out.set_local_domain(true);
    if (r[0][1].as<bool>()) {
      out.set_result(pb::LookupRecipientResponse::ACCOUNTS);
      out.add_accounts(*address);
    } else {
      out.set_result(pb::LookupRecipientResponse::DISABLED);
    }
    return absl::OkStatus();
  }));
  if (!local) return out;
  if (resolved) return out;
  TERN_RETURN_IF_ERROR(pool_.Run("lookup_alias", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    out.Clear();
    out.set_local_domain(true);
    Resolver resolver(tx, options_);
    absl::Status s = resolver.Visit(*address, 0);
    if (!s.ok()) return absl::OkStatus();  // a broken alias reaches nobody: UNKNOWN
    if (resolver.disabled_top) {
      out.set_result(pb::LookupRecipientResponse::DISABLED);
    } else if (!resolver.accounts.empty()) {
      out.set_result(pb::LookupRecipientResponse::ACCOUNTS);
      for (const auto& a : resolver.accounts) out.add_accounts(a);
      out.set_is_list(resolver.is_list);
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tern::auth
