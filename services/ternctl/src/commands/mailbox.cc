// ternctl mailbox list <address>
#include "commands/commands.h"

namespace tern::ternctl {

int MailboxList(Session& s, const Args& a) {
  // Ask auth first: storage would create the mail store of any name it is given.
  authpb::AccountRequest account;
  account.set_address(a.address);
  absl::StatusOr<authpb::Account> found = s.clients().GetAccount(account);
  if (!found.ok()) return s.Fail(Service::kAuth, found.status());

  storagepb::ListMailboxesRequest req;
  req.set_account(found->address());
  req.set_with_counts(true);
  absl::StatusOr<storagepb::ListMailboxesResponse> resp = s.clients().ListMailboxes(req);
  if (!resp.ok()) return s.Fail(Service::kStorage, resp.status());
  s.PrintList(resp->mailboxes());
  return kExitOk;
}

}  // namespace tern::ternctl
