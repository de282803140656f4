// tern-pop3: the POP3 gateway (110 with STLS, 995 with implicit TLS). Flags: --config FILE,
// --help-config. SIGHUP re-reads the certificate files.
#include "tern/core/service_main.h"
#include "tern/net/tls.h"
#include "tern/pop3_gateway/run.h"

int main(int argc, char** argv) {
  return tern::ServiceMain<tern::pop3_gateway::Pop3Config>(
      argc, argv,
      {"tern-pop3", "pop3-gateway", tern::pop3_gateway::DescribeConfig,
       [](const std::string& p) { return tern::pop3_gateway::LoadConfig(p); },
       tern::pop3_gateway::Run, &tern::net::TlsContexts::ReloadAll});
}
