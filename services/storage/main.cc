// tern-storage: the mail store service. Flags: --config FILE, --help-config.
#include "tern/core/service_main.h"
#include "tern/storage/run.h"

int main(int argc, char** argv) {
  return tern::ServiceMain<tern::storage::StorageConfig>(
      argc, argv,
      {"tern-storage", "storage", tern::storage::DescribeConfig,
       [](const std::string& p) { return tern::storage::LoadConfig(p); }, tern::storage::Run});
}
