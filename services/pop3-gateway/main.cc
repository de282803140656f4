// tern-pop3: the POP3 gateway (110 with STLS, 995 with implicit TLS). Flags: --config FILE,
// --help-config.
#include <cstring>
#include <iostream>

#include "tern/core/log.h"
#include "tern/core/stop.h"
#include "tern/net/tls.h"
#include "tern/pop3_gateway/run.h"

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else if (std::strcmp(argv[i], "--help-config") == 0) {
      std::cout << tern::pop3_gateway::DescribeConfig();
      return 0;
    } else {
      std::cerr << "usage: tern-pop3 [--config FILE] [--help-config]\n";
      return 2;
    }
  }
  tern::StopToken stop;
  tern::StopOnSignals(stop, &tern::net::TlsContexts::ReloadAll);  // SIGHUP: new certificates
  tern::log::SetService("pop3-gateway");
  auto config = tern::pop3_gateway::LoadConfig(config_path);
  if (!config.ok()) {
    std::cerr << "tern-pop3: config: " << config.status().message() << "\n";
    return 2;
  }
  tern::log::Level level;
  if (tern::log::ParseLevel(config->log_level, &level)) tern::log::SetMinLevel(level);
  auto status = tern::pop3_gateway::Run(*config, stop);
  if (!status.ok()) {
    tern::log::Error("pop3-gateway failed", {{"error", std::string(status.message())}});
    return 1;
  }
  return 0;
}
