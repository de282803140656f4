// ternctl audit [--limit N]
#include "commands/commands.h"

namespace tern::ternctl {

int Audit(Session& s, const Args& a) {
  authpb::ListAuditRequest req;
  req.set_limit(static_cast<uint32_t>(a.limit));
  absl::StatusOr<authpb::ListAuditResponse> resp = s.clients().ListAudit(req);
  if (!resp.ok()) return s.Fail(Service::kAuth, resp.status());
  s.PrintList(resp->entries());
  return kExitOk;
}

}  // namespace tern::ternctl
