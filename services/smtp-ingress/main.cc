// tern-smtp: the smtp-ingress service (MX, submission, submissions). Flags: --config FILE,
// --help-config. SIGHUP re-reads the certificate files.
#include "tern/core/service_main.h"
#include "tern/net/tls.h"
#include "tern/smtp_ingress/run.h"

int main(int argc, char** argv) {
  return tern::ServiceMain<tern::smtp_ingress::SmtpConfig>(
      argc, argv,
      {"tern-smtp", "smtp-ingress", tern::smtp_ingress::DescribeConfig,
       [](const std::string& p) { return tern::smtp_ingress::LoadConfig(p); },
       tern::smtp_ingress::Run, &tern::net::TlsContexts::ReloadAll});
}
