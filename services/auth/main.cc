// tern-auth: domains, accounts, aliases and credentials. Flags: --config FILE, --help-config.
#include "tern/auth/run.h"
#include "tern/core/service_main.h"

int main(int argc, char** argv) {
  return tern::ServiceMain<tern::auth::AuthConfig>(
      argc, argv,
      {"tern-auth", "auth", tern::auth::DescribeConfig,
       [](const std::string& p) { return tern::auth::LoadConfig(p); }, tern::auth::Run});
}
