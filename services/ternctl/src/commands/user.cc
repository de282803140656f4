// ternctl user add|list|show|passwd|disable|enable|remove|quota, user apop enable|disable
#include "absl/strings/str_cat.h"
#include "commands/commands.h"

namespace tern::ternctl {
namespace {

// Parses the quota options that were given; false (after reporting) when one is malformed.
bool ParseQuota(Session& s, const Args& a, const char* bytes_flag, const char* messages_flag,
                uint64_t* bytes, uint64_t* messages, int* exit_code) {
  if (!a.quota_bytes.empty() && !ParseBytes(a.quota_bytes, bytes)) {
    *exit_code = s.Usage(absl::StrCat(bytes_flag, ": expected a byte count such as 1073741824, ",
                                      "500M or 2G, or 'unlimited', got \"", a.quota_bytes, "\""));
    return false;
  }
  if (!a.quota_messages.empty() && !ParseCount(a.quota_messages, messages)) {
    *exit_code = s.Usage(absl::StrCat(messages_flag, ": expected a number or 'unlimited', got \"",
                                      a.quota_messages, "\""));
    return false;
  }
  return true;
}

// The account at `address`, from auth.
absl::StatusOr<authpb::Account> FindAccount(Session& s, const std::string& address) {
  authpb::AccountRequest req;
  req.set_address(address);
  return s.clients().GetAccount(req);
}

int SetEnabled(Session& s, const Args& a, bool enabled) {
  authpb::SetEnabledRequest req;
  req.set_address(a.address);
  req.set_enabled(enabled);
  absl::StatusOr<authpb::Account> account = s.clients().SetEnabled(req);
  if (!account.ok()) return s.Fail(Service::kAuth, account.status());
  s.PrintRecord(*account);
  return kExitOk;
}

}  // namespace

int UserAdd(Session& s, const Args& a) {
  uint64_t bytes = 0, messages = 0;
  int exit_code = kExitOk;
  if (!ParseQuota(s, a, "--quota-bytes", "--quota-messages", &bytes, &messages, &exit_code)) {
    return exit_code;
  }
  absl::StatusOr<std::string> password = s.ReadSecret("password", a.address, a.password_stdin);
  if (!password.ok()) return s.Usage(std::string(password.status().message()));
  authpb::AddAccountRequest req;
  req.set_address(a.address);
  req.set_password(*password);
  req.set_quota_bytes(bytes);
  req.set_quota_messages(messages);
  absl::StatusOr<authpb::Account> account = s.clients().AddAccount(req);
  if (!account.ok()) return s.Fail(Service::kAuth, account.status());
  s.PrintRecord(*account);
  return kExitOk;
}

int UserList(Session& s, const Args& a) {
  authpb::ListAccountsRequest req;
  req.set_domain(a.domain);
  absl::StatusOr<authpb::ListAccountsResponse> resp = s.clients().ListAccounts(req);
  if (!resp.ok()) return s.Fail(Service::kAuth, resp.status());
  s.PrintList(resp->accounts());
  return kExitOk;
}

int UserShow(Session& s, const Args& a) {
  absl::StatusOr<authpb::Account> account = FindAccount(s, a.address);
  if (!account.ok()) return s.Fail(Service::kAuth, account.status());

  storagepb::ListMailboxesRequest list;
  list.set_account(account->address());
  list.set_with_counts(true);
  absl::StatusOr<storagepb::ListMailboxesResponse> mailboxes = s.clients().ListMailboxes(list);
  if (!mailboxes.ok()) return s.Fail(Service::kStorage, mailboxes.status());
  storagepb::GetQuotaRequest get_quota;
  get_quota.set_account(account->address());
  absl::StatusOr<storagepb::Quota> quota = s.clients().GetQuota(get_quota);
  if (!quota.ok()) return s.Fail(Service::kStorage, quota.status());

  if (s.json()) {
    nlohmann::json boxes = nlohmann::json::array();
    for (const auto& m : mailboxes->mailboxes())
      boxes.push_back(View<storagepb::MailboxInfo>::Json(m));
    s.PrintJson({{"account", View<authpb::Account>::Json(*account)},
                 {"quota", View<storagepb::Quota>::Json(*quota)},
                 {"mailboxes", boxes}});
    return kExitOk;
  }
  Table about({{""}, {""}}, /*header=*/false);
  about.Add({"address:", account->address()});
  about.Add({"enabled:", YesNo(account->enabled())});
  about.Add({"apop:", YesNo(account->apop_enabled())});
  about.Add({"created:", FormatTime(account->created())});
  about.Add({"password changed:", FormatTime(account->password_changed())});
  about.Add({"storage:", absl::StrCat(quota->storage_bytes_used(), " bytes used of ",
                                      FormatLimit(quota->storage_bytes_limit()))});
  about.Add({"messages:",
             absl::StrCat(quota->messages_used(), " of ", FormatLimit(quota->messages_limit()))});
  about.Print(s.out());
  s.out() << "\n";
  Table boxes(View<storagepb::MailboxInfo>::Columns());
  for (const auto& m : mailboxes->mailboxes()) boxes.Add(View<storagepb::MailboxInfo>::Cells(m));
  boxes.Print(s.out());
  return kExitOk;
}

int UserPasswd(Session& s, const Args& a) {
  absl::StatusOr<std::string> password = s.ReadSecret("password", a.address, a.password_stdin);
  if (!password.ok()) return s.Usage(std::string(password.status().message()));
  authpb::SetPasswordRequest req;
  req.set_address(a.address);
  req.set_password(*password);
  absl::StatusOr<authpb::Account> account = s.clients().SetPassword(req);
  if (!account.ok()) return s.Fail(Service::kAuth, account.status());
  if (s.json()) {
    s.PrintRecord(*account);
  } else {
    s.out() << "password changed for " << account->address() << "\n";
  }
  return kExitOk;
}

int UserDisable(Session& s, const Args& a) { return SetEnabled(s, a, false); }
int UserEnable(Session& s, const Args& a) { return SetEnabled(s, a, true); }

int UserRemove(Session& s, const Args& a) {
  authpb::AccountRequest req;
  req.set_address(a.address);
  absl::StatusOr<authpb::RemoveResponse> resp = s.clients().RemoveAccount(req);
  if (!resp.ok()) return s.Fail(Service::kAuth, resp.status());
  s.PrintRemoved("account", a.address);
  return kExitOk;
}

int UserQuota(Session& s, const Args& a) {
  if (a.quota_bytes.empty() && a.quota_messages.empty()) {
    return s.Usage("user quota: give --bytes, --messages or both");
  }
  uint64_t bytes = 0, messages = 0;
  int exit_code = kExitOk;
  if (!ParseQuota(s, a, "--bytes", "--messages", &bytes, &messages, &exit_code)) return exit_code;
  if (a.quota_bytes.empty() || a.quota_messages.empty()) {
    // SetQuota sets both limits: keep the current value of the one not given.
    absl::StatusOr<authpb::Account> current = FindAccount(s, a.address);
    if (!current.ok()) return s.Fail(Service::kAuth, current.status());
    if (a.quota_bytes.empty()) bytes = current->quota_bytes();
    if (a.quota_messages.empty()) messages = current->quota_messages();
  }
  authpb::SetQuotaRequest req;
  req.set_address(a.address);
  req.set_quota_bytes(bytes);
  req.set_quota_messages(messages);
  absl::StatusOr<authpb::Account> account = s.clients().SetQuota(req);
  if (!account.ok()) return s.Fail(Service::kAuth, account.status());
  s.PrintRecord(*account);
  return kExitOk;
}

int UserApopEnable(Session& s, const Args& a) {
  absl::StatusOr<std::string> secret = s.ReadSecret("APOP secret", a.address, a.password_stdin);
  if (!secret.ok()) return s.Usage(std::string(secret.status().message()));
  authpb::SetApopRequest req;
  req.set_address(a.address);
  req.set_enabled(true);
  req.set_secret(*secret);
  absl::StatusOr<authpb::Account> account = s.clients().SetApop(req);
  if (!account.ok()) return s.Fail(Service::kAuth, account.status());
  s.PrintRecord(*account);
  return kExitOk;
}

int UserApopDisable(Session& s, const Args& a) {
  authpb::SetApopRequest req;
  req.set_address(a.address);
  req.set_enabled(false);
  absl::StatusOr<authpb::Account> account = s.clients().SetApop(req);
  if (!account.ok()) return s.Fail(Service::kAuth, account.status());
  s.PrintRecord(*account);
  return kExitOk;
}

}  // namespace tern::ternctl
