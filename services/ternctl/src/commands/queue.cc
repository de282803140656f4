// ternctl queue list|show|retry|delete|hold|release: the outbound queue, from storage.
#include "commands/commands.h"

namespace tern::ternctl {
namespace {

absl::StatusOr<uint64_t> JobId(const std::string& text) {
  uint64_t id = 0;
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    return absl::InvalidArgumentError("not a queue id: " + text);
  }
  id = std::stoull(text);
  return id;
}

int Act(Session& s, const Args& a, storagepb::UpdateOutboundRequest::Action action) {
  auto id = JobId(a.address);
  if (!id.ok()) return s.Fail(Service::kStorage, id.status());
  storagepb::UpdateOutboundRequest req;
  req.set_id(*id);
  req.set_action(action);
  absl::StatusOr<storagepb::OutboundJob> job = s.clients().UpdateOutbound(req);
  if (!job.ok()) return s.Fail(Service::kStorage, job.status());
  if (action == storagepb::UpdateOutboundRequest::DELETE) {
    s.PrintRemoved("queued message", a.address);
    return kExitOk;
  }
  s.PrintRecord(*job);
  return kExitOk;
}

}  // namespace

int QueueList(Session& s, const Args& a) {
  storagepb::ListOutboundRequest req;
  req.set_state(a.domain);  // --state reuses the filter slot
  absl::StatusOr<storagepb::ListOutboundResponse> resp = s.clients().ListOutbound(req);
  if (!resp.ok()) return s.Fail(Service::kStorage, resp.status());
  s.PrintList(resp->jobs());
  return kExitOk;
}

int QueueShow(Session& s, const Args& a) {
  auto id = JobId(a.address);
  if (!id.ok()) return s.Fail(Service::kStorage, id.status());
  absl::StatusOr<storagepb::ListOutboundResponse> resp = s.clients().ListOutbound({});
  if (!resp.ok()) return s.Fail(Service::kStorage, resp.status());
  for (const auto& j : resp->jobs()) {
    if (j.id() == *id) {
      s.PrintRecord(j);
      return kExitOk;
    }
  }
  return s.Fail(Service::kStorage, absl::NotFoundError("no such queued message: " + a.address));
}

int QueueRetry(Session& s, const Args& a) {
  return Act(s, a, storagepb::UpdateOutboundRequest::RETRY);
}
int QueueDelete(Session& s, const Args& a) {
  return Act(s, a, storagepb::UpdateOutboundRequest::DELETE);
}
int QueueHold(Session& s, const Args& a) {
  return Act(s, a, storagepb::UpdateOutboundRequest::HOLD);
}
int QueueRelease(Session& s, const Args& a) {
  return Act(s, a, storagepb::UpdateOutboundRequest::RELEASE);
}

}  // namespace tern::ternctl
