// tern: the whole suite in one process, from one config file whose top-level sections are the
// services' own configs (storage:, auth:, smtp:, pop3:, imap:). Environment overrides work as for each
// service (TERN_STORAGE_*, TERN_AUTH_*, TERN_SMTP_*, TERN_POP3_*, TERN_IMAP_*); TERN_DATABASE_URL sets every
// service's database.url at once. The auth service always talks to the storage service of this
// process.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <set>

#include "tern/auth/run.h"
#include "tern/core/log.h"
#include "tern/core/stop.h"
#include "tern/imap_gateway/run.h"
#include "tern/net/tls.h"
#include "tern/pop3_gateway/run.h"
#include "tern/smtp_ingress/run.h"
#include "tern/storage/run.h"
#include "tern/rpc/channel.h"
#include "yaml-cpp/yaml.h"

namespace {

const std::set<std::string> kSections = {"storage", "auth", "smtp", "pop3", "imap"};

// Unknown top-level keys are a mistake worth stopping for (a typo in "storage:" would
// otherwise silently run with defaults).
bool CheckSections(const std::string& path) {
  if (path.empty()) return true;
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root || root.IsNull()) return true;
    if (!root.IsMap()) {
      std::cerr << "tern: config " << path << ": must be a map of sections\n";
      return false;
    }
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (!kSections.count(key)) {
        std::cerr << "tern: config " << path << ": unknown section '" << key
                  << "' (known: storage, auth, smtp, pop3, imap)\n";
        return false;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "tern: config " << path << ": " << e.what() << "\n";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      path = argv[++i];
    } else if (std::strcmp(argv[i], "--help-config") == 0) {
      std::cout << "# section storage:\n"
                << tern::storage::DescribeConfig() << "\n# section auth:\n"
                << tern::auth::DescribeConfig() << "\n# section smtp:\n"
                << tern::smtp_ingress::DescribeConfig() << "\n# section pop3:\n"
                << tern::pop3_gateway::DescribeConfig() << "\n# section imap:\n"
                << tern::imap_gateway::DescribeConfig();
      return 0;
    } else {
      std::cerr << "usage: tern [--config FILE] [--help-config]\n";
      return 2;
    }
  }
  tern::StopToken stop;
  tern::StopOnSignals(stop, &tern::net::TlsContexts::ReloadAll);  // SIGHUP: new certificates
  tern::log::SetService("tern");
  if (const char* url = std::getenv("TERN_DATABASE_URL"); url != nullptr && *url) {
    setenv("TERN_STORAGE_DATABASE_URL", url, /*overwrite=*/0);
    setenv("TERN_AUTH_DATABASE_URL", url, 0);
  }
  if (!CheckSections(path)) return 2;
  auto storage_config = tern::storage::LoadConfig(path, "storage");
  if (!storage_config.ok()) {
    std::cerr << "tern: config: storage." << storage_config.status().message() << "\n";
    return 2;
  }
  auto auth_config = tern::auth::LoadConfig(path, "auth");
  if (!auth_config.ok()) {
    std::cerr << "tern: config: auth." << auth_config.status().message() << "\n";
    return 2;
  }
  auto smtp_config = tern::smtp_ingress::LoadConfig(path, "smtp");
  if (!smtp_config.ok()) {
    std::cerr << "tern: config: smtp." << smtp_config.status().message() << "\n";
    return 2;
  }
  auto pop3_config = tern::pop3_gateway::LoadConfig(path, "pop3");
  if (!pop3_config.ok()) {
    std::cerr << "tern: config: pop3." << pop3_config.status().message() << "\n";
    return 2;
  }
  auto imap_config = tern::imap_gateway::LoadConfig(path, "imap");
  if (!imap_config.ok()) {
    std::cerr << "tern: config: imap." << imap_config.status().message() << "\n";
    return 2;
  }
  tern::log::Level level;
  if (tern::log::ParseLevel(storage_config->log_level, &level)) tern::log::SetMinLevel(level);

  auto storage = tern::storage::StorageServer::Start(*storage_config);
  if (!storage.ok()) {
    tern::log::Error("storage failed to start",
                     {{"error", std::string(storage.status().message())}});
    return 1;
  }
  // The services call each other over in-process channels (no socket, no TLS: nothing leaves
  // the process); ternctl and other replicas still reach the TCP ports.
  tern::rpc::RegisterInProcess("storage", (*storage)->InProcessChannel());
  auth_config->storage_target = "inprocess:storage";
  auto auth = tern::auth::AuthServer::Start(*auth_config);
  if (!auth.ok()) {
    tern::log::Error("auth failed to start", {{"error", std::string(auth.status().message())}});
    (*storage)->Stop();
    return 1;
  }
  tern::rpc::RegisterInProcess("auth", (*auth)->InProcessChannel());
  smtp_config->auth_target = "inprocess:auth";
  smtp_config->storage_target = auth_config->storage_target;
  auto smtp = tern::smtp_ingress::SmtpServer::Start(*smtp_config);
  if (!smtp.ok()) {
    tern::log::Error("smtp failed to start", {{"error", std::string(smtp.status().message())}});
    (*auth)->Stop();
    (*storage)->Stop();
    return 1;
  }
  pop3_config->auth_target = smtp_config->auth_target;
  pop3_config->storage_target = smtp_config->storage_target;
  auto pop3 = tern::pop3_gateway::Pop3Server::Start(*pop3_config);
  if (!pop3.ok()) {
    tern::log::Error("pop3 failed to start", {{"error", std::string(pop3.status().message())}});
    (*smtp)->Stop(absl::ZeroDuration());
    (*auth)->Stop();
    (*storage)->Stop();
    return 1;
  }
  imap_config->auth_target = smtp_config->auth_target;
  imap_config->storage_target = smtp_config->storage_target;
  auto imap = tern::imap_gateway::ImapServer::Start(*imap_config);
  if (!imap.ok()) {
    tern::log::Error("imap failed to start", {{"error", std::string(imap.status().message())}});
    (*pop3)->Stop(absl::ZeroDuration());
    (*smtp)->Stop(absl::ZeroDuration());
    (*auth)->Stop();
    (*storage)->Stop();
    return 1;
  }
  tern::log::Info("tern ready", {{"storage_grpc", std::to_string((*storage)->grpc_port())},
                                 {"auth_grpc", std::to_string((*auth)->grpc_port())},
                                 {"smtp_mx", std::to_string((*smtp)->mx_port())},
                                 {"smtp_submission", std::to_string((*smtp)->submission_port())}});
  stop.Wait();
  // Front to back: the gateway drains first (finishing transactions, then 421), then auth
  // (it calls storage), then storage.
  (*smtp)->Stop(smtp_config->drain_grace);
  (*pop3)->Stop(pop3_config->drain_grace);
  (*imap)->Stop(imap_config->drain_grace);
  (*auth)->Stop();
  (*storage)->Stop();
  return 0;
}
