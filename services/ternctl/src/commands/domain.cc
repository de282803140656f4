// ternctl domain add|list|remove
#include "commands/commands.h"

namespace tern::ternctl {

int DomainAdd(Session& s, const Args& a) {
  authpb::DomainRequest req;
  req.set_name(a.address);
  absl::StatusOr<authpb::Domain> domain = s.clients().AddDomain(req);
  if (!domain.ok()) return s.Fail(Service::kAuth, domain.status());
  s.PrintRecord(*domain);
  return kExitOk;
}

int DomainList(Session& s, const Args&) {
  absl::StatusOr<authpb::ListDomainsResponse> resp = s.clients().ListDomains({});
  if (!resp.ok()) return s.Fail(Service::kAuth, resp.status());
  s.PrintList(resp->domains());
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

}  // namespace tern::ternctl
