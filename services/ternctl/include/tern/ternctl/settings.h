// Where ternctl finds its services and its admin token.
//
// Each setting comes from, highest precedence first: a flag, the environment, the config file,
// the default. The config file is `--config PATH`, else `$HOME/.config/tern/ternctl.yaml` when it
// exists; its keys (YAML, nested or dotted):
//
//   key             flag           environment                             default
//   auth            --auth         TERN_AUTH_ADDR                          127.0.0.1:7002
//   storage         --storage      TERN_STORAGE_ADDR                       127.0.0.1:7001
//   token_file      --token-file   TERN_ADMIN_TOKEN (the token itself),    (none)
//                                  TERN_ADMIN_TOKEN_FILE
//   timeout         --timeout      -                                       10s
//   tls.ca_file, tls.cert_file, tls.key_file  (file only)                  (plaintext)
//
// The token is never accepted as a flag (argv is visible to every user in `ps`).
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tern/config/config.h"
#include "tern/rpc/tls.h"

namespace tern::ternctl {

// The effective settings. Defaults are declared once, in ResolveSettings' schema (settings.cc).
struct Settings {
  std::string auth;        // gRPC target of the auth service
  std::string storage;     // gRPC target of the storage service
  std::string token;       // the admin token once known (TERN_ADMIN_TOKEN, or LoadToken)
  std::string token_file;  // file holding the token, read by LoadToken
  rpc::TlsFiles tls;       // empty: plaintext
  std::chrono::milliseconds timeout{0};  // deadline of every call
  std::string config_file;               // the config file that was read; empty when none
};

// Flags as given on the command line; an empty string means "not given".
struct FlagValues {
  std::string config;
  std::string auth;
  std::string storage;
  std::string token_file;
  std::string timeout;  // absl::ParseDuration syntax ("5s", "500ms")
};

// Merges flags > `env` > config file > defaults. Errors are InvalidArgument with a message naming
// the flag, variable or key (never echoing a token). Does not read the token file.
absl::StatusOr<Settings> ResolveSettings(const FlagValues& flags, const config::Environment& env);

// Makes settings->token available: keeps a token from the environment, otherwise reads
// settings->token_file (trailing whitespace trimmed). FailedPrecondition when no token is
// configured or the file is empty; NotFound/PermissionDenied naming the file when it cannot be
// read.
absl::Status LoadToken(Settings* settings);

}  // namespace tern::ternctl
