// ternctl domain add|list|remove|postmaster
#include "commands/commands.h"

namespace tern::ternctl {

void WarnAboutPostmasters(Session& s,
                          const google::protobuf::RepeatedPtrField<authpb::Domain>& domains) {
  for (const authpb::Domain& d : domains) {
    if (d.postmaster_reaches().empty()) {
      s.Warn("postmaster@" + d.name() + " reaches nobody (the domain has no enabled account): " +
             "mail to it is refused; add an account or `ternctl domain postmaster " + d.name() +
             " <address>`");
    } else if (d.postmaster_fallback()) {
      s.Warn("postmaster@" + d.name() + " has no account, alias or target: it goes to the " +
             "domain's first account, " + d.postmaster_reaches(0) +
             "; set one with `ternctl domain postmaster " + d.name() + " <address>`");
    }
  }
}

int DomainAdd(Session& s, const Args& a) {
  authpb::DomainRequest req;
  req.set_name(a.address);
  req.set_postmaster(a.postmaster);
  absl::StatusOr<authpb::Domain> domain = s.clients().AddDomain(req);
  if (!domain.ok()) return s.Fail(Service::kAuth, domain.status());
  s.PrintRecord(*domain);
  return kExitOk;
}

int DomainList(Session& s, const Args&) {
  absl::StatusOr<authpb::ListDomainsResponse> resp = s.clients().ListDomains({});
  if (!resp.ok()) return s.Fail(Service::kAuth, resp.status());
  s.PrintList(resp->domains());
  WarnAboutPostmasters(s, resp->domains());
  return kExitOk;
}

int DomainRemove(Session& s, const Args& a) {
  authpb::DomainRequest req;
  req.set_name(a.address);
  absl::StatusOr<authpb::RemoveResponse> resp = s.clients().RemoveDomain(req);
  if (!resp.ok()) return s.Fail(Service::kAuth, resp.status());
  s.PrintRemoved("domain", a.address);
  return kExitOk;
}

int DomainPostmaster(Session& s, const Args& a) {
  if (a.clear == !a.postmaster.empty()) {
    return s.Usage("domain postmaster: give an address or --clear (not both)");
  }
  authpb::DomainRequest req;
  req.set_name(a.address);
  req.set_postmaster(a.postmaster);
  absl::StatusOr<authpb::Domain> domain = s.clients().SetDomainPostmaster(req);
  if (!domain.ok()) return s.Fail(Service::kAuth, domain.status());
  s.PrintRecord(*domain);
  return kExitOk;
}

}  // namespace tern::ternctl
