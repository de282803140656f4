// tern-auth: domains, accounts, aliases and credentials. Flags: --config FILE, --help-config.
#include <cstring>
#include <iostream>

#include "tern/auth/run.h"
#include "tern/core/log.h"
#include "tern/core/stop.h"

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else if (std::strcmp(argv[i], "--help-config") == 0) {
      std::cout << tern::auth::DescribeConfig();
      return 0;
    } else {
      std::cerr << "usage: tern-auth [--config FILE] [--help-config]\n";
      return 2;
    }
  }
  tern::StopToken stop;
  tern::StopOnSignals(stop);
  tern::log::SetService("auth");
  auto config = tern::auth::LoadConfig(config_path);
  if (!config.ok()) {
    std::cerr << "tern-auth: config: " << config.status().message() << "\n";
    return 2;
  }
  tern::log::Level level;
  if (tern::log::ParseLevel(config->log_level, &level)) tern::log::SetMinLevel(level);
  auto status = tern::auth::Run(*config, stop);
  if (!status.ok()) {
    tern::log::Error("auth failed", {{"error", std::string(status.message())}});
    return 1;
  }
  return 0;
}
