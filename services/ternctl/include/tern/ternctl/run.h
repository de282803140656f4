// ternctl as a library: the whole command line in one call, with the process's streams, terminal,
// environment and gRPC clients passed in so that tests can replace each of them.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tern/config/config.h"
#include "tern/ternctl/clients.h"
#include "tern/ternctl/settings.h"

namespace tern::ternctl {

// Exit codes (also in `ternctl --help`).
enum ExitCode : int {
  kExitOk = 0,
  kExitRefused = 1,      // the server refused the operation (no such domain, duplicate, ...)
  kExitUsage = 2,        // bad command line, config or input (e.g. empty password)
  kExitUnavailable = 3,  // a service is unreachable or down, or the admin token was rejected
};

// Standard streams and terminal of one invocation. Not owned.
struct Io {
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // True when `in` is an interactive terminal: secrets are then prompted for, without echo, and
  // asked twice.
  bool interactive = false;
  // Shows `prompt` and reads one line from the terminal without echo (without the line end).
  // Called only when `interactive`. An error (e.g. end of input) aborts the command.
  std::function<absl::StatusOr<std::string>(const std::string& prompt)> read_hidden;
};

// std::cin/cout/cerr, isatty(0), and a termios prompt on stderr.
Io ProcessIo();

// Builds the clients once settings are known. MakeGrpcClients in production.
using ClientsFactory =
    std::function<absl::StatusOr<std::unique_ptr<Clients>>(const Settings& settings)>;

// Runs one command line (`args[0]` is the program name). Writes results to io.out (a table, or
// one JSON document with --json), one "ternctl: ..." line per error to io.err, and returns an
// ExitCode.
int Run(const std::vector<std::string>& args, Io& io, const config::Environment& env,
        const ClientsFactory& make_clients);

}  // namespace tern::ternctl
