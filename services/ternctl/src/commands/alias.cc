// ternctl alias add|list|remove
#include "commands/commands.h"

namespace tern::ternctl {

int AliasAdd(Session& s, const Args& a) {
  authpb::AddAliasRequest req;
  req.set_address(a.address);
  for (const std::string& t : a.targets) req.add_targets(t);
  absl::StatusOr<authpb::Alias> alias = s.clients().AddAlias(req);
  if (!alias.ok()) return s.Fail(Service::kAuth, alias.status());
  s.PrintRecord(*alias);
  return kExitOk;
}

int AliasList(Session& s, const Args& a) {
  authpb::ListAliasesRequest req;
  req.set_domain(a.domain);
  absl::StatusOr<authpb::ListAliasesResponse> resp = s.clients().ListAliases(req);
  if (!resp.ok()) return s.Fail(Service::kAuth, resp.status());
  s.PrintList(resp->aliases());
  return kExitOk;
}

int AliasRemove(Session& s, const Args& a) {
  authpb::RemoveAliasRequest req;
  req.set_address(a.address);
  absl::StatusOr<authpb::RemoveResponse> resp = s.clients().RemoveAlias(req);
  if (!resp.ok()) return s.Fail(Service::kAuth, resp.status());
  s.PrintRemoved("alias", a.address);
  return kExitOk;
}

}  // namespace tern::ternctl
