// tern-smtp: the smtp-ingress service (MX, submission, submissions). Flags: --config FILE,
// --help-config.
#include <cstring>
#include <iostream>

#include "tern/core/log.h"
#include "tern/core/stop.h"
#include "tern/net/tls.h"
#include "tern/smtp_ingress/run.h"

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else if (std::strcmp(argv[i], "--help-config") == 0) {
      std::cout << tern::smtp_ingress::DescribeConfig();
      return 0;
    } else {
      std::cerr << "usage: tern-smtp [--config FILE] [--help-config]\n";
      return 2;
    }
  }
  tern::StopToken stop;
  tern::StopOnSignals(stop, &tern::net::TlsContexts::ReloadAll);  // SIGHUP: new certificates
  tern::log::SetService("smtp-ingress");
  auto config = tern::smtp_ingress::LoadConfig(config_path);
  if (!config.ok()) {
    std::cerr << "tern-smtp: config: " << config.status().message() << "\n";
    return 2;
  }
  tern::log::Level level;
  if (tern::log::ParseLevel(config->log_level, &level)) tern::log::SetMinLevel(level);
  auto status = tern::smtp_ingress::Run(*config, stop);
  if (!status.ok()) {
    tern::log::Error("smtp-ingress failed", {{"error", std::string(status.message())}});
    return 1;
  }
  return 0;
}
