// ternctl status: grpc.health.v1 of every service ternctl knows.
#include "commands/commands.h"
#include "error_mapping.h"

namespace tern::ternctl {

int Status(Session& s, const Args&) {
  Table table({{"SERVICE"}, {"ADDRESS"}, {"STATE"}, {"DETAIL"}});
  nlohmann::json services = nlohmann::json::array();
  bool all_up = true;
  for (const ServiceInfo& info : kServices) {
    const std::string& address = s.settings().*info.address;
    absl::StatusOr<bool> serving = s.clients().Health(info.service);
    std::string state = "serving";
    std::string detail;
    if (!serving.ok()) {
      absl::StatusCode code = serving.status().code();
      state = code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded
                  ? "unreachable"
                  : "error";
      detail = OneLine(std::string(serving.status().message()));
    } else if (!*serving) {
      state = "not_serving";
    }
    all_up = all_up && state == "serving";
    table.Add({info.name, address, state, detail});
    nlohmann::json entry = {{"name", info.name}, {"address", address}, {"state", state}};
    if (!detail.empty()) entry["error"] = detail;
    services.push_back(entry);
  }
  // Configuration an operator should hear about (needs the admin token; skipped without it).
  if (!s.settings().token.empty()) {
    absl::StatusOr<authpb::ListDomainsResponse> domains = s.clients().ListDomains({});
    if (domains.ok()) WarnAboutPostmasters(s, domains->domains());
  }
  if (s.json()) {
    s.PrintJson({{"ok", all_up}, {"services", services}});
  } else {
    table.Print(s.out());
  }
  return all_up ? kExitOk : kExitUnavailable;
}

}  // namespace tern::ternctl
