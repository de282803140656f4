#include "tern/ternctl/settings.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tern/core/status.h"

namespace tern::ternctl {
namespace {

// The config file's contents; defaults and help are declared once, in FileSchema().
struct FileConfig {
  std::string auth;
  std::string storage;
  std::string token_file;
  absl::Duration timeout;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

const config::Schema<FileConfig>& FileSchema() {
  static const config::Schema<FileConfig>* schema = [] {
    auto* s = new config::Schema<FileConfig>("TERNCTL");
    s->String("auth", &FileConfig::auth, "127.0.0.1:7002",
              "gRPC address of the auth service (--auth, TERN_AUTH_ADDR)", config::NonEmpty())
        .String("storage", &FileConfig::storage, "127.0.0.1:7001",
                "gRPC address of the storage service (--storage, TERN_STORAGE_ADDR)",
                config::NonEmpty())
        .String("token_file", &FileConfig::token_file, "",
                "file holding the admin token (--token-file, TERN_ADMIN_TOKEN_FILE; "
                "TERN_ADMIN_TOKEN holds the token itself)")
        .Duration("timeout", &FileConfig::timeout, absl::Seconds(10),
                  "deadline of every call (--timeout)",
                  config::Range(absl::Milliseconds(1), absl::Hours(1)))
        .String("tls.ca_file", &FileConfig::ca_file, "",
                "CA certificate (PEM) verifying the services; set to use TLS")
        .String("tls.cert_file", &FileConfig::cert_file, "",
                "client certificate chain (PEM) for mTLS")
        .String("tls.key_file", &FileConfig::key_file, "", "client private key (PEM) for mTLS");
    return s;
  }();
  return *schema;
}

// The value of `name` in `env`, empty when unset or empty.
std::string Lookup(const config::Environment& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

// The config file to read: the --config flag, else the per-user default when it exists.
std::string ConfigPath(const FlagValues& flags, const config::Environment& env) {
  if (!flags.config.empty()) return flags.config;
  std::string home = Lookup(env, "HOME");
  if (home.empty()) return "";
  std::string path = home + "/.config/tern/ternctl.yaml";
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) ? path : "";
}

}  // namespace

absl::StatusOr<Settings> ResolveSettings(const FlagValues& flags, const config::Environment& env) {
  Settings s;
  s.config_file = ConfigPath(flags, env);
  // The environment is applied below under ternctl's own names, so the schema gets none.
  absl::StatusOr<FileConfig> file = FileSchema().Load(s.config_file, config::Environment{});
  if (!file.ok()) return file.status();

  // Each setting: flag > environment > file (which already holds the default).
  auto pick = [&](const std::string& flag, const char* var, const std::string& from_file) {
    if (!flag.empty()) return flag;
    std::string v = Lookup(env, var);
    return v.empty() ? from_file : v;
  };
  s.auth = pick(flags.auth, "TERN_AUTH_ADDR", file->auth);
  s.storage = pick(flags.storage, "TERN_STORAGE_ADDR", file->storage);

  std::string env_token = Lookup(env, "TERN_ADMIN_TOKEN");
  std::string env_token_file = Lookup(env, "TERN_ADMIN_TOKEN_FILE");
  if (!flags.token_file.empty()) {
    s.token_file = flags.token_file;
  } else if (!env_token.empty() && !env_token_file.empty()) {
    return absl::InvalidArgumentError(
        "TERN_ADMIN_TOKEN and TERN_ADMIN_TOKEN_FILE are both set; set one");
  } else if (!env_token.empty()) {
    s.token = std::string(absl::StripAsciiWhitespace(env_token));
    if (s.token.empty()) return absl::InvalidArgumentError("TERN_ADMIN_TOKEN is blank");
  } else if (!env_token_file.empty()) {
    s.token_file = env_token_file;
  } else {
    s.token_file = file->token_file;
  }

  absl::Duration timeout = file->timeout;
  if (!flags.timeout.empty()) {
    if (!absl::ParseDuration(flags.timeout, &timeout) || timeout <= absl::ZeroDuration() ||
        timeout > absl::Hours(1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--timeout: expected a duration between 1ms and 1h such as 5s or 500ms, got \"",
          flags.timeout, "\""));
    }
  }
  s.timeout = std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout));

  s.tls.ca_file = file->ca_file;
  s.tls.cert_file = file->cert_file;
  s.tls.key_file = file->key_file;
  if (s.tls.cert_file.empty() != s.tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(s.config_file, ": tls.cert_file and tls.key_file must be set together"));
  }
  if (!s.tls.cert_file.empty() && s.tls.ca_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(s.config_file, ": tls.cert_file needs tls.ca_file"));
  }
  return s;
}

absl::Status LoadToken(Settings* settings) {
  if (!settings->token.empty()) return absl::OkStatus();
  if (settings->token_file.empty()) {
    return absl::FailedPreconditionError(
        "no admin token: use --token-file PATH, TERN_ADMIN_TOKEN_FILE or TERN_ADMIN_TOKEN");
  }
  absl::StatusOr<std::string> text = rpc::ReadFile(settings->token_file);
  if (!text.ok()) return Annotate(text.status(), "admin token");
  settings->token = std::string(absl::StripAsciiWhitespace(*text));
  if (settings->token.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("admin token file ", settings->token_file, " is empty"));
  }
  return absl::OkStatus();
}

}  // namespace tern::ternctl
