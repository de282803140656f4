// The command line: global options, the command tree built from the command table, dispatch.
#include "tern/ternctl/run.h"

#include <CLI/CLI.hpp>
#include <functional>
#include <map>

#include "commands/commands.h"
#include "error_mapping.h"

namespace tern::ternctl {
namespace {

constexpr const char* kExitCodes =
    "Exit codes: 0 done; 1 refused by the server (no such domain, already exists, invalid\n"
    "input); 2 usage or configuration error (bad arguments or config, no admin token, empty or\n"
    "mismatched password); 3 a service unreachable or down, or the admin token rejected.";

constexpr const char* kFooter =
    "Endpoints and token, flag > environment > config file > default:\n"
    "  --auth HOST:PORT       TERN_AUTH_ADDR          auth:        127.0.0.1:7002\n"
    "  --storage HOST:PORT    TERN_STORAGE_ADDR       storage:     127.0.0.1:7001\n"
    "  --token-file PATH      TERN_ADMIN_TOKEN_FILE   token_file:  (none)\n"
    "                         TERN_ADMIN_TOKEN (the token itself)\n"
    "  --timeout DURATION                             timeout:     10s\n"
    "                                                 tls.ca_file, tls.cert_file, tls.key_file\n"
    "The config file is --config PATH, else $HOME/.config/tern/ternctl.yaml when it exists (YAML,\n"
    "the keys above). The admin token is sent as 'authorization: Bearer ...' to auth.\n"
    "\n"
    "Passwords and APOP secrets are prompted for without echo (twice) when stdin is a terminal,\n"
    "otherwise read as one line from stdin (or with --password-stdin); never from arguments.\n"
    "\n"
    "Output is an aligned table; with --json, one JSON document on stdout. Errors are one line on\n"
    "stderr.\n"
    "\n";

constexpr const char* kSubFooter =
    "Global options (--json, --auth, --storage, --token-file, --config, --timeout) go before or\n"
    "after the command; see ternctl --help.";

// The deepest command given on the line ("user apop"), and that App.
CLI::App* Selected(CLI::App& app, std::string* path) {
  CLI::App* at = &app;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    *path += (path->empty() ? "" : " ") + at->get_name();
  }
  return at;
}

// What to say when the line names a group but no command of it, or an unknown one.
std::string MissingCommand(CLI::App& app) {
  std::string path;
  CLI::App* at = Selected(app, &path);
  std::string names;
  for (const CLI::App* sub : at->get_subcommands([](CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  std::string prefix = path.empty() ? "ternctl" : "ternctl " + path;
  return "expected a command after '" + prefix + "': " + names + " (try '" + prefix + " --help')";
}

}  // namespace

int Run(const std::vector<std::string>& args, Io& io, const config::Environment& env,
        const ClientsFactory& make_clients) {
  CLI::App app("ternctl: administer a Tern mail system (domains, accounts, aliases) over gRPC",
               "ternctl");
  app.fallthrough();
  app.require_subcommand(1);

  FlagValues flags;
  bool json = false;
  app.add_flag("--json", json, "Print one JSON document instead of a table");
  app.add_option("--auth", flags.auth, "Auth service gRPC address (default 127.0.0.1:7002)");
  app.add_option("--storage", flags.storage,
                 "Storage service gRPC address (default 127.0.0.1:7001)");
  app.add_option("--token-file", flags.token_file, "File holding the admin token");
  app.add_option("--config", flags.config,
                 "Config file (default $HOME/.config/tern/ternctl.yaml if it exists)");
  app.add_option("--timeout", flags.timeout, "Deadline of each call, e.g. 5s (default 10s)");

  // The tree, in the order of the command table; a group is made when its first command is.
  Args parsed;
  std::map<std::string, CLI::App*> groups = {{"", &app}};
  // The App of the group at `path` ("user apop"), made on first use.
  std::function<CLI::App*(const std::string&)> group_app = [&](const std::string& path) {
    auto it = groups.find(path);
    if (it != groups.end()) return it->second;
    size_t space = path.rfind(' ');
    CLI::App* parent = group_app(space == std::string::npos ? "" : path.substr(0, space));
    const char* help = "";
    for (const Group& g : Groups()) {
      if (g.path == path) help = g.help;
    }
    CLI::App* sub =
        parent->add_subcommand(space == std::string::npos ? path : path.substr(space + 1), help);
    sub->require_subcommand(1);
    groups[path] = sub;
    return sub;
  };
  std::map<CLI::App*, const Command*> leaves;
  for (const Command& c : Commands()) {
    std::string path = c.path;
    size_t space = path.rfind(' ');
    CLI::App* parent = group_app(space == std::string::npos ? "" : path.substr(0, space));
    CLI::App* sub =
        parent->add_subcommand(space == std::string::npos ? path : path.substr(space + 1), c.help);
    c.declare(*sub, parsed);
    leaves[sub] = &c;
  }
  app.footer(std::string(kFooter) + kExitCodes);
  std::string sub_footer = std::string(kSubFooter) + "\n" + kExitCodes;
  for (auto& [path, group] : groups) {
    if (group != &app) group->footer(sub_footer);
  }
  for (auto& [leaf, command] : leaves) leaf->footer(sub_footer);

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    if (!reversed.empty()) reversed.pop_back();  // the program name
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, *io.out, *io.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, *io.out, *io.err);
  } catch (const CLI::ExtrasError&) {
    // The extras are not echoed: a misplaced password must not land in a terminal or a log.
    *io.err << "ternctl: unexpected extra arguments (passwords are never taken from the command "
               "line; try --help)\n";
    return kExitUsage;
  } catch (const CLI::RequiredError& e) {
    std::string path;
    CLI::App* at = Selected(app, &path);
    if (at->get_require_subcommand_min() > 0 && at->get_subcommands().empty()) {
      *io.err << "ternctl: " << MissingCommand(app) << "\n";
    } else {
      *io.err << "ternctl: " << OneLine(e.what()) << " (try 'ternctl " << path << " --help')\n";
    }
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    *io.err << "ternctl: " << OneLine(e.what()) << " (try --help)\n";
    return kExitUsage;
  }

  const Command* command = nullptr;
  for (auto& [leaf, c] : leaves) {
    if (leaf->parsed()) command = c;
  }
  if (command == nullptr) {
    *io.err << "ternctl: a command is required (try --help)\n";
    return kExitUsage;
  }

  absl::StatusOr<Settings> settings = ResolveSettings(flags, env);
  if (!settings.ok()) {
    *io.err << "ternctl: " << OneLine(std::string(settings.status().message())) << "\n";
    return kExitUsage;
  }
  if (!command->needs_token) {
    (void)LoadToken(&*settings);  // optional: `status` adds configuration warnings with it
  } else {
    absl::Status token = LoadToken(&*settings);
    if (!token.ok()) {
      *io.err << "ternctl: " << OneLine(std::string(token.message())) << "\n";
      return kExitUsage;
    }
  }
  absl::StatusOr<std::unique_ptr<Clients>> clients = make_clients(*settings);
  if (!clients.ok()) {
    *io.err << "ternctl: " << OneLine(std::string(clients.status().message())) << "\n";
    return kExitUsage;
  }
  Session session(io, *settings, **clients, json);
  int code = command->run(session, parsed);
  io.out->flush();
  return code;
}

}  // namespace tern::ternctl
