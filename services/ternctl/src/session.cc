#include "session.h"

#include <istream>

#include "absl/strings/str_cat.h"
#include "error_mapping.h"

namespace tern::ternctl {

void Session::PrintJson(const nlohmann::json& doc) {
  // `replace`: a stray invalid UTF-8 byte must not turn into an exception.
  out() << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void Session::PrintRemoved(const std::string& what, const std::string& name) {
  if (json_) return PrintJson({{what, name}, {"removed", true}});
  out() << "removed " << what << " " << name << "\n";
}

int Session::Fail(Service service, const absl::Status& status) {
  for (const ServiceInfo& info : kServices) {
    if (info.service != service) continue;
    Failure f = MapError(status, info.name, settings_.*info.address);
    *io_.err << "ternctl: " << f.message << "\n";
    return f.exit_code;
  }
  *io_.err << "ternctl: " << OneLine(status.ToString()) << "\n";
  return kExitRefused;
}

void Session::Warn(const std::string& message) {
  *io_.err << "ternctl: warning: " << OneLine(message) << "\n";
}

int Session::Usage(const std::string& message) {
  *io_.err << "ternctl: " << OneLine(message) << "\n";
  return kExitUsage;
}

absl::StatusOr<std::string> Session::ReadSecret(const std::string& what, const std::string& address,
                                                bool from_stdin) {
  if (io_.interactive && !from_stdin && io_.read_hidden) {
    absl::StatusOr<std::string> first =
        io_.read_hidden(absl::StrCat("New ", what, " for ", address, ": "));
    if (!first.ok()) return first.status();
    if (first->empty()) return absl::InvalidArgumentError(absl::StrCat("empty ", what));
    absl::StatusOr<std::string> second = io_.read_hidden(absl::StrCat("Retype ", what, ": "));
    if (!second.ok()) return second.status();
    if (*first != *second) return absl::InvalidArgumentError(absl::StrCat(what, "s do not match"));
    return first;
  }
  std::string line;
  if (!std::getline(*io_.in, line) && line.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no ", what, " on standard input (give it as one line)"));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return absl::InvalidArgumentError(absl::StrCat("empty ", what));
  return line;
}

}  // namespace tern::ternctl
