// The one main() of every single-service binary (tern-storage, tern-auth, tern-smtp, ...):
// flags --config FILE and --help-config, signals (SIGINT/SIGTERM stop, SIGHUP calls `on_hup`),
// config loading with errors that name the key, the log level, and the exit code.
#pragma once

#include <cstring>
#include <functional>
#include <iostream>
#include <string>

#include "absl/status/statusor.h"
#include "tern/core/log.h"
#include "tern/core/stop.h"

namespace tern {

template <typename Config>
struct ServiceSpec {
  const char* binary;   // "tern-storage"
  const char* service;  // "storage": the log's service field
  std::function<std::string()> describe;
  std::function<absl::StatusOr<Config>(const std::string& path)> load;
  std::function<absl::Status(const Config&, const StopToken&)> run;
  void (*on_hup)() = nullptr;
};

// Config must have a `log_level` string member.
template <typename Config>
int ServiceMain(int argc, char** argv, const ServiceSpec<Config>& spec) {
  std::string path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      path = argv[++i];
    } else if (std::strcmp(argv[i], "--help-config") == 0) {
      std::cout << spec.describe();
      return 0;
    } else {
      std::cerr << "usage: " << spec.binary << " [--config FILE] [--help-config]\n";
      return 2;
    }
  }
  StopToken stop;
  StopOnSignals(stop, spec.on_hup);
  log::SetService(spec.service);
  auto config = spec.load(path);
  if (!config.ok()) {
    std::cerr << spec.binary << ": config: " << config.status().message() << "\n";
    return 2;
  }
  log::Level level;
  if (log::ParseLevel(config->log_level, &level)) log::SetMinLevel(level);
  absl::Status status = spec.run(*config, stop);
  if (!status.ok()) {
    log::Error(std::string(spec.service) + " failed", {{"error", std::string(status.message())}});
    return 1;
  }
  return 0;
}

}  // namespace tern
