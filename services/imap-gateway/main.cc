// tern-imap: the IMAP gateway (143 with STARTTLS, 993 with implicit TLS). Flags: --config FILE,
// --help-config. SIGHUP re-reads the certificate files.
#include "tern/core/service_main.h"
#include "tern/net/tls.h"
#include "tern/imap_gateway/run.h"

int main(int argc, char** argv) {
  return tern::ServiceMain<tern::imap_gateway::ImapConfig>(
      argc, argv,
      {"tern-imap", "imap-gateway", tern::imap_gateway::DescribeConfig,
       [](const std::string& p) { return tern::imap_gateway::LoadConfig(p); },
       tern::imap_gateway::Run, &tern::net::TlsContexts::ReloadAll});
}
