// ternctl's commands run against an in-memory fake of auth and storage: table and JSON output,
// exit codes, error lines, where secrets are read from; settings precedence; and the gRPC clients
// against an in-process server (token metadata, deadline, health).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "error_mapping.h"
#include "fake_clients.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "nlohmann/json.hpp"
#include "output.h"
#include "tern/auth/v1/auth.grpc.pb.h"
#include "tern/storage/v1/storage.grpc.pb.h"
#include "tern/ternctl/run.h"

namespace tern::ternctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

struct Result {
  int code;
  std::string out;
  std::string err;
  nlohmann::json Json() const { return nlohmann::json::parse(out); }
};

class TernctlTest : public ::testing::Test {
 protected:
  // Runs `ternctl <args>` with `input` on stdin; `typed` answers terminal prompts when
  // `interactive`.
  Result Cli(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "ternctl");
    std::istringstream in(input);
    std::ostringstream out, err;
    Io io;
    io.in = &in;
    io.out = &out;
    io.err = &err;
    io.interactive = interactive_;
    io.read_hidden = [this](const std::string& prompt) -> absl::StatusOr<std::string> {
      prompts_.push_back(prompt);
      if (typed_.empty()) return absl::InvalidArgumentError("no input");
      std::string line = typed_.front();
      typed_.pop_front();
      return line;
    };
    int code = tern::ternctl::Run(args, io, env_, [this](const Settings& s) {
      settings_seen_ = s;
      ++clients_made_;
      return absl::StatusOr<std::unique_ptr<Clients>>(std::make_unique<FakeClients>(&backend_));
    });
    return {code, out.str(), err.str()};
  }

  void AddDomainAndUser() {
    ASSERT_EQ(Cli({"domain", "add", "example.org"}).code, 0);
    ASSERT_EQ(Cli({"user", "add", "alice@example.org"}, "correct horse\n").code, 0);
  }

  FakeBackend backend_;
  config::Environment env_ = {{"TERN_ADMIN_TOKEN", "t0ken"}};
  bool interactive_ = false;
  std::deque<std::string> typed_;
  std::vector<std::string> prompts_;
  Settings settings_seen_;
  int clients_made_ = 0;
};

TEST_F(TernctlTest, DomainAddListRemoveAsTable) {
  Result add = Cli({"domain", "add", "example.org"});
  EXPECT_EQ(add.code, 0);
  EXPECT_EQ(add.out,
            "DOMAIN       ACCOUNTS  ALIASES  POSTMASTER  CREATED\n"
            "example.org         0        0  -           2023-11-14T22:13:20Z\n");
  EXPECT_EQ(add.err, "");
  ASSERT_EQ(Cli({"domain", "add", "a-much-longer-name.example"}).code, 0);

  Result list = Cli({"domain", "list"});
  EXPECT_EQ(list.code, 0);
  EXPECT_EQ(list.out,
            "DOMAIN                      ACCOUNTS  ALIASES  POSTMASTER  CREATED\n"
            "a-much-longer-name.example         0        0  -           2023-11-14T22:13:20Z\n"
            "example.org                        0        0  -           2023-11-14T22:13:20Z\n");

  Result remove = Cli({"domain", "remove", "example.org"});
  EXPECT_EQ(remove.code, 0);
  EXPECT_EQ(remove.out, "removed domain example.org\n");
  EXPECT_EQ(backend_.domains.size(), 1u);
}

// RFC 5321 4.5.1: every domain's postmaster must reach a person; ternctl says where it goes and
// warns about a domain where it reaches nobody or only the first-account fallback.
TEST_F(TernctlTest, DomainPostmasterIsShownSetAndWarnedAbout) {
  ASSERT_EQ(Cli({"domain", "add", "example.org"}).code, 0);
  Result list = Cli({"domain", "list"});
  EXPECT_EQ(list.code, 0);
  EXPECT_NE(list.err.find("warning: postmaster@example.org reaches nobody"), std::string::npos)
      << list.err;

  backend_.accounts["first@example.org"] = {};
  list = Cli({"domain", "list"});
  EXPECT_NE(list.out.find("first@example.org (first account)"), std::string::npos) << list.out;
  EXPECT_NE(list.err.find("goes to the domain's first account, first@example.org"),
            std::string::npos)
      << list.err;
  Result status = Cli({"status"});
  EXPECT_NE(status.err.find("warning: postmaster@example.org"), std::string::npos)
      << "status warns too: " << status.err;

  Result set = Cli({"domain", "postmaster", "example.org", "ops@example.org"});
  EXPECT_EQ(set.code, 0) << set.err;
  EXPECT_EQ(backend_.domains["example.org"].postmaster(), "ops@example.org");
  list = Cli({"domain", "list", "--json"});
  EXPECT_EQ(list.Json()["domains"][0]["postmaster"], "ops@example.org");
  EXPECT_EQ(list.err, "") << "no warning once a target is set";

  EXPECT_EQ(Cli({"domain", "postmaster", "example.org", "--clear"}).code, 0);
  EXPECT_EQ(backend_.domains["example.org"].postmaster(), "");
  Result bad = Cli({"domain", "postmaster", "example.org"});
  EXPECT_EQ(bad.code, 2) << "an address or --clear";
  EXPECT_EQ(Cli({"domain", "postmaster", "example.org", "a@example.org", "--clear"}).code, 2);

  ASSERT_EQ(Cli({"domain", "add", "example.net", "--postmaster", "ops@example.org"}).code, 0);
  EXPECT_EQ(backend_.domains["example.net"].postmaster(), "ops@example.org");
}

TEST_F(TernctlTest, JsonIsOneDocumentWhereverTheFlagIs) {
  ASSERT_EQ(Cli({"domain", "add", "example.org"}).code, 0);
  for (auto args : {std::vector<std::string>{"--json", "domain", "list"},
                    std::vector<std::string>{"domain", "list", "--json"}}) {
    Result r = Cli(args);
    ASSERT_EQ(r.code, 0) << r.err;
    nlohmann::json doc = r.Json();
    ASSERT_EQ(doc["domains"].size(), 1u);
    EXPECT_EQ(doc["domains"][0]["name"], "example.org");
    EXPECT_EQ(doc["domains"][0]["accounts"], 0);
    EXPECT_EQ(doc["domains"][0]["created"], "2023-11-14T22:13:20Z");
  }
  Result empty = Cli({"--json", "alias", "list"});
  EXPECT_EQ(empty.Json(), nlohmann::json::parse(R"({"aliases": []})"));
  Result removed = Cli({"--json", "domain", "remove", "example.org"});
  EXPECT_EQ(removed.Json(), nlohmann::json::parse(R"({"domain": "example.org", "removed": true})"));
}

TEST_F(TernctlTest, TokenGoesToTheClientsAndIsRequiredForAdminCalls) {
  EXPECT_EQ(Cli({"domain", "list"}).code, 0);
  EXPECT_EQ(settings_seen_.token, "t0ken");

  env_.clear();
  Result r = Cli({"domain", "list"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err,
            "ternctl: no admin token: use --token-file PATH, TERN_ADMIN_TOKEN_FILE or "
            "TERN_ADMIN_TOKEN\n");
  EXPECT_EQ(clients_made_, 1);  // nothing was called
  // status needs no token.
  EXPECT_EQ(Cli({"status"}).code, 0);
}

TEST_F(TernctlTest, UserAddReadsThePasswordFromStdin) {
  ASSERT_EQ(Cli({"domain", "add", "example.org"}).code, 0);
  Result r =
      Cli({"user", "add", "alice@example.org", "--quota-bytes", "1G", "--quota-messages", "1000"},
          "correct horse battery\n");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(backend_.passwords["alice@example.org"], "correct horse battery");
  EXPECT_EQ(backend_.accounts["alice@example.org"].quota_bytes(), 1073741824u);
  EXPECT_EQ(backend_.accounts["alice@example.org"].quota_messages(), 1000u);
  EXPECT_THAT(r.out,
              HasSubstr("alice@example.org  yes      no     1073741824            1000  2023"));
  EXPECT_THAT(prompts_, IsEmpty());

  // CR LF line end, and no final newline.
  ASSERT_EQ(Cli({"user", "passwd", "alice@example.org"}, "second-pass\r\n").code, 0);
  EXPECT_EQ(backend_.passwords["alice@example.org"], "second-pass");
  ASSERT_EQ(Cli({"user", "passwd", "alice@example.org"}, "third-pass").code, 0);
  EXPECT_EQ(backend_.passwords["alice@example.org"], "third-pass");
}

TEST_F(TernctlTest, PasswordIsNeverTakenFromArguments) {
  ASSERT_EQ(Cli({"domain", "add", "example.org"}).code, 0);
  for (auto args :
       {std::vector<std::string>{"user", "add", "bob@example.org", "hunter22hunter"},
        std::vector<std::string>{"user", "add", "bob@example.org", "--password=hunter22hunter"},
        std::vector<std::string>{"user", "add", "bob@example.org", "--password",
                                 "hunter22hunter"}}) {
    Result r = Cli(args, "from-stdin-pass\n");
    EXPECT_EQ(r.code, kExitUsage);
    EXPECT_THAT(r.err, Not(HasSubstr("hunter22")));
    EXPECT_THAT(r.err, HasSubstr("never taken from the command line"));
  }
  EXPECT_TRUE(backend_.accounts.empty());
}

TEST_F(TernctlTest, EmptyOrMissingPasswordChangesNothing) {
  ASSERT_EQ(Cli({"domain", "add", "example.org"}).code, 0);
  Result empty = Cli({"user", "add", "bob@example.org"}, "\n");
  EXPECT_EQ(empty.code, kExitUsage);
  EXPECT_EQ(empty.err, "ternctl: empty password\n");
  Result none = Cli({"user", "add", "bob@example.org"}, "");
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_EQ(none.err, "ternctl: no password on standard input (give it as one line)\n");
  EXPECT_TRUE(backend_.accounts.empty());
  EXPECT_THAT(backend_.calls, ElementsAre("AddDomain"));
}

TEST_F(TernctlTest, TerminalPromptsTwiceWithoutEcho) {
  ASSERT_EQ(Cli({"domain", "add", "example.org"}).code, 0);
  interactive_ = true;
  typed_ = {"typed-password", "typed-password"};
  Result r = Cli({"user", "add", "carol@example.org"}, "not-this-one\n");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(backend_.passwords["carol@example.org"], "typed-password");
  EXPECT_THAT(prompts_, ElementsAre("New password for carol@example.org: ", "Retype password: "));

  typed_ = {"one-password", "another-one"};
  Result mismatch = Cli({"user", "passwd", "carol@example.org"});
  EXPECT_EQ(mismatch.code, kExitUsage);
  EXPECT_EQ(mismatch.err, "ternctl: passwords do not match\n");
  EXPECT_EQ(backend_.passwords["carol@example.org"], "typed-password");

  // --password-stdin reads stdin even on a terminal.
  prompts_.clear();
  Result piped = Cli({"user", "passwd", "--password-stdin", "carol@example.org"}, "piped-pass\n");
  ASSERT_EQ(piped.code, 0) << piped.err;
  EXPECT_EQ(backend_.passwords["carol@example.org"], "piped-pass");
  EXPECT_THAT(prompts_, IsEmpty());
}

TEST_F(TernctlTest, ServerRefusalsPrintTheServersMessage) {
  ASSERT_EQ(Cli({"domain", "add", "example.org"}).code, 0);
  Result unknown = Cli({"user", "add", "bob@nope.org"}, "long-enough\n");
  EXPECT_EQ(unknown.code, kExitRefused);
  EXPECT_EQ(unknown.err, "ternctl: no such domain: nope.org\n");
  EXPECT_EQ(unknown.out, "");

  Result invalid = Cli({"user", "add", "not-an-address"}, "long-enough\n");
  EXPECT_EQ(invalid.code, kExitRefused);
  EXPECT_EQ(invalid.err, "ternctl: invalid address: not-an-address\n");

  ASSERT_EQ(Cli({"user", "add", "bob@example.org"}, "long-enough\n").code, 0);
  Result duplicate = Cli({"user", "add", "bob@example.org"}, "long-enough\n");
  EXPECT_EQ(duplicate.code, kExitRefused);
  EXPECT_EQ(duplicate.err, "ternctl: account exists: bob@example.org\n");

  Result busy = Cli({"domain", "remove", "example.org"});
  EXPECT_EQ(busy.code, kExitRefused);
  EXPECT_EQ(busy.err, "ternctl: domain has accounts: example.org\n");
}

TEST_F(TernctlTest, UnreachableAndTokenProblemsAreTheirOwnWords) {
  backend_.auth_error = absl::UnavailableError("failed to connect to all addresses");
  Result down = Cli({"--auth", "10.0.0.9:7002", "domain", "list"});
  EXPECT_EQ(down.code, kExitUnavailable);
  EXPECT_EQ(down.err,
            "ternctl: cannot reach auth at 10.0.0.9:7002: failed to connect to all addresses\n");
  EXPECT_EQ(down.out, "");

  backend_.auth_error = absl::PermissionDeniedError("bad token");
  Result denied = Cli({"domain", "list"});
  EXPECT_EQ(denied.code, kExitUnavailable);
  EXPECT_EQ(denied.err, "ternctl: admin token rejected by auth at 127.0.0.1:7002\n");

  backend_.auth_error = absl::OkStatus();
  AddDomainAndUser();
  backend_.storage_error = absl::DeadlineExceededError("Deadline Exceeded");
  Result slow = Cli({"mailbox", "list", "alice@example.org"});
  EXPECT_EQ(slow.code, kExitUnavailable);
  EXPECT_EQ(slow.err, "ternctl: cannot reach storage at 127.0.0.1:7001: Deadline Exceeded\n");
}

TEST(ErrorMappingTest, OneRowPerCode) {
  struct Case {
    absl::Status status;
    int exit_code;
    std::string message;
  } cases[] = {
      {absl::UnauthenticatedError("x"), kExitUnavailable, "admin token rejected by auth at a:1"},
      {absl::PermissionDeniedError("x"), kExitUnavailable, "admin token rejected by auth at a:1"},
      {absl::UnavailableError("refused"), kExitUnavailable, "cannot reach auth at a:1: refused"},
      {absl::DeadlineExceededError(""), kExitUnavailable, "cannot reach auth at a:1: no answer"},
      {absl::NotFoundError("no such domain: x"), kExitRefused, "no such domain: x"},
      {absl::AlreadyExistsError("exists"), kExitRefused, "exists"},
      {absl::InvalidArgumentError("bad\nline"), kExitRefused, "bad line"},
      {absl::FailedPreconditionError("busy"), kExitRefused, "busy"},
      {absl::InternalError("boom"), kExitRefused, "auth at a:1 failed (internal): boom"},
  };
  for (const Case& c : cases) {
    Failure f = MapError(c.status, "auth", "a:1");
    EXPECT_EQ(f.exit_code, c.exit_code) << c.status;
    EXPECT_EQ(f.message, c.message) << c.status;
  }
}

TEST_F(TernctlTest, UserShowJoinsAuthAndStorage) {
  AddDomainAndUser();
  Result r = Cli({"--json", "user", "show", "alice@example.org"});
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json doc = r.Json();
  EXPECT_EQ(doc["account"]["address"], "alice@example.org");
  EXPECT_EQ(doc["account"]["enabled"], true);
  EXPECT_EQ(doc["quota"]["bytes_used"], 2048);
  EXPECT_EQ(doc["quota"]["messages_limit"], 0);
  ASSERT_EQ(doc["mailboxes"].size(), 2u);
  EXPECT_EQ(doc["mailboxes"][0]["name"], "INBOX");
  EXPECT_EQ(doc["mailboxes"][0]["special_use"], nullptr);
  EXPECT_EQ(doc["mailboxes"][1]["special_use"], "\\Sent");

  Result table = Cli({"user", "show", "alice@example.org"});
  ASSERT_EQ(table.code, 0);
  EXPECT_THAT(table.out, HasSubstr("address:           alice@example.org\n"));
  EXPECT_THAT(table.out, HasSubstr("storage:           2048 bytes used of unlimited\n"));
  EXPECT_THAT(table.out, HasSubstr("MAILBOX  MESSAGES  UNSEEN  SIZE  SPECIAL-USE\n"
                                   "INBOX           2       1  2048\n"
                                   "Sent            0       0     0  \\Sent\n"));

  Result missing = Cli({"user", "show", "nobody@example.org"});
  EXPECT_EQ(missing.code, kExitRefused);
  EXPECT_EQ(missing.err, "ternctl: no such account: nobody@example.org\n");
}

TEST_F(TernctlTest, MailboxListAsksAuthFirst) {
  AddDomainAndUser();
  Result r = Cli({"mailbox", "list", "alice@example.org"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "MAILBOX  MESSAGES  UNSEEN  SIZE  SPECIAL-USE\n"
            "INBOX           2       1  2048\n"
            "Sent            0       0     0  \\Sent\n");
  backend_.calls.clear();
  Result missing = Cli({"mailbox", "list", "ghost@example.org"});
  EXPECT_EQ(missing.code, kExitRefused);
  EXPECT_THAT(backend_.calls, ElementsAre("GetAccount"));
}

TEST_F(TernctlTest, EnableDisableRemove) {
  AddDomainAndUser();
  EXPECT_EQ(Cli({"user", "disable", "alice@example.org"}).code, 0);
  EXPECT_FALSE(backend_.accounts["alice@example.org"].enabled());
  Result enabled = Cli({"--json", "user", "enable", "alice@example.org"});
  EXPECT_EQ(enabled.Json()["enabled"], true);
  Result list = Cli({"--json", "user", "list", "--domain", "example.org"});
  EXPECT_EQ(list.Json()["accounts"].size(), 1u);
  EXPECT_EQ(Cli({"user", "remove", "alice@example.org"}).out,
            "removed account alice@example.org\n");
  EXPECT_TRUE(backend_.accounts.empty());
}

TEST_F(TernctlTest, QuotaKeepsTheLimitNotGiven) {
  AddDomainAndUser();
  ASSERT_EQ(Cli({"user", "quota", "alice@example.org", "--bytes", "100", "--messages", "7"}).code,
            0);
  Result r = Cli({"--json", "user", "quota", "alice@example.org", "--bytes", "2G"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.Json()["quota_bytes"], 2147483648u);
  EXPECT_EQ(r.Json()["quota_messages"], 7);
  ASSERT_EQ(Cli({"user", "quota", "alice@example.org", "--messages", "unlimited"}).code, 0);
  EXPECT_EQ(backend_.accounts["alice@example.org"].quota_messages(), 0u);
  EXPECT_EQ(backend_.accounts["alice@example.org"].quota_bytes(), 2147483648u);

  Result none = Cli({"user", "quota", "alice@example.org"});
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_EQ(none.err, "ternctl: user quota: give --bytes, --messages or both\n");
  Result bad = Cli({"user", "quota", "alice@example.org", "--bytes", "12Q"});
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_THAT(bad.err, HasSubstr("--bytes: expected a byte count"));
}

TEST_F(TernctlTest, ApopSecretIsReadLikeAPassword) {
  AddDomainAndUser();
  Result on = Cli({"--json", "user", "apop", "enable", "alice@example.org"}, "apop-secret\n");
  ASSERT_EQ(on.code, 0) << on.err;
  EXPECT_EQ(on.Json()["apop_enabled"], true);
  EXPECT_EQ(backend_.apop_secrets["alice@example.org"], "apop-secret");
  Result empty = Cli({"user", "apop", "enable", "alice@example.org"}, "\n");
  EXPECT_EQ(empty.code, kExitUsage);
  EXPECT_EQ(empty.err, "ternctl: empty APOP secret\n");
  EXPECT_EQ(Cli({"user", "apop", "disable", "alice@example.org"}).code, 0);
  EXPECT_FALSE(backend_.accounts["alice@example.org"].apop_enabled());
}

TEST_F(TernctlTest, AliasesAndAudit) {
  Result add = Cli({"alias", "add", "sales@example.org", "a@example.org", "b@example.org"});
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(add.out,
            "ALIAS              TARGETS                       CREATED\n"
            "sales@example.org  a@example.org, b@example.org\n");
  ASSERT_EQ(Cli({"alias", "add", "@example.org", "a@example.org"}).code, 0);
  Result list = Cli({"--json", "alias", "list", "--domain", "example.org"});
  ASSERT_EQ(list.Json()["aliases"].size(), 2u);
  EXPECT_EQ(list.Json()["aliases"][1]["targets"], nlohmann::json::parse(R"(["a@example.org",
                                                                          "b@example.org"])"));
  EXPECT_EQ(Cli({"alias", "remove", "@example.org"}).code, 0);
  Result gone = Cli({"alias", "remove", "@example.org"});
  EXPECT_EQ(gone.code, kExitRefused);
  EXPECT_EQ(gone.err, "ternctl: no such alias: @example.org\n");
  Result missing_targets = Cli({"alias", "add", "x@example.org"});
  EXPECT_EQ(missing_targets.code, kExitUsage);

  authpb::AuditEntry e;
  e.mutable_at()->set_seconds(1700000000);
  e.set_actor("admin");
  e.set_action("AddDomain");
  e.set_target("example.org");
  backend_.audit.push_back(e);
  Result audit = Cli({"audit", "--limit", "5"});
  ASSERT_EQ(audit.code, 0);
  EXPECT_EQ(backend_.last_audit_limit, 5u);
  EXPECT_EQ(audit.out,
            "TIME                  ACTOR  ACTION     TARGET       DETAIL\n"
            "2023-11-14T22:13:20Z  admin  AddDomain  example.org\n");
  EXPECT_EQ(Cli({"audit"}).code, 0);
  EXPECT_EQ(backend_.last_audit_limit, 50u);
}

TEST_F(TernctlTest, StatusReportsEveryServiceAndFailsWhenOneIsDown) {
  Result up = Cli({"status"});
  EXPECT_EQ(up.code, 0);
  EXPECT_EQ(up.out,
            "SERVICE  ADDRESS         STATE    DETAIL\n"
            "auth     127.0.0.1:7002  serving\n"
            "storage  127.0.0.1:7001  serving\n");

  backend_.storage_health = absl::UnavailableError("connection refused");
  backend_.auth_health = false;
  Result down = Cli({"--json", "status"});
  EXPECT_EQ(down.code, kExitUnavailable);
  nlohmann::json doc = down.Json();
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["services"][0]["state"], "not_serving");
  EXPECT_EQ(doc["services"][1]["state"], "unreachable");
  EXPECT_EQ(doc["services"][1]["error"], "connection refused");
}

TEST_F(TernctlTest, UsageErrorsExitTwoAndHelpExitsZero) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  } cases[] = {
      {{},
       "ternctl: expected a command after 'ternctl': domain, user, alias, mailbox, queue, audit, "
       "status (try 'ternctl --help')\n"},
      {{"user"},
       "ternctl: expected a command after 'ternctl user': add, list, show, passwd, "
       "disable, enable, remove, quota, apop (try 'ternctl user --help')\n"},
      {{"user", "add"}, "ternctl: address is required (try 'ternctl user add --help')\n"},
      {{"--timeout", "soon", "status"},
       "ternctl: --timeout: expected a duration between 1ms and 1h such as 5s or 500ms, got "
       "\"soon\"\n"},
  };
  for (const Case& c : cases) {
    Result r = Cli(c.args);
    EXPECT_EQ(r.code, kExitUsage);
    EXPECT_EQ(r.err, c.err);
  }
  EXPECT_EQ(Cli({"audit", "--limit", "0"}).code, kExitUsage);
  EXPECT_EQ(Cli({"domain", "frobnicate"}).code, kExitUsage);

  Result help = Cli({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("Exit codes: 0 done; 1 refused by the server"));
  EXPECT_THAT(help.out, HasSubstr("TERN_ADMIN_TOKEN_FILE"));
  for (auto args : {std::vector<std::string>{"user", "add", "--help"},
                    std::vector<std::string>{"user", "apop", "enable", "--help"},
                    std::vector<std::string>{"alias", "--help"},
                    std::vector<std::string>{"status", "--help"}}) {
    Result sub = Cli(args);
    EXPECT_EQ(sub.code, 0);
    EXPECT_THAT(sub.out, HasSubstr("Usage: ternctl " + args[0]));
    EXPECT_THAT(sub.out, HasSubstr("Exit codes"));
  }
  EXPECT_THAT(Cli({"user", "add", "--help"}).out, HasSubstr("--quota-bytes"));
  EXPECT_EQ(clients_made_, 0);
}

TEST(SettingsTest, FlagBeatsEnvironmentBeatsFileBeatsDefault) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ternctl-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / ".config/tern");
  {
    std::ofstream f(dir / ".config/tern/ternctl.yaml");
    f << "auth: file-auth:1\nstorage: file-storage:2\ntoken_file: /from/file\ntimeout: 3s\n";
  }
  {
    std::ofstream f(dir / "token");
    f << "  file-token \n";
  }
  config::Environment env = {{"HOME", dir.string()}};

  absl::StatusOr<Settings> s = ResolveSettings({}, {});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->auth, "127.0.0.1:7002");
  EXPECT_EQ(s->storage, "127.0.0.1:7001");
  EXPECT_EQ(s->timeout, std::chrono::seconds(10));

  s = ResolveSettings({}, env);  // the default file
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->auth, "file-auth:1");
  EXPECT_EQ(s->storage, "file-storage:2");
  EXPECT_EQ(s->token_file, "/from/file");
  EXPECT_EQ(s->timeout, std::chrono::seconds(3));

  env["TERN_AUTH_ADDR"] = "env-auth:1";
  env["TERN_ADMIN_TOKEN_FILE"] = (dir / "token").string();
  s = ResolveSettings({}, env);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->auth, "env-auth:1");
  EXPECT_EQ(s->storage, "file-storage:2");
  ASSERT_TRUE(LoadToken(&*s).ok());
  EXPECT_EQ(s->token, "file-token");

  FlagValues flags;
  flags.auth = "flag-auth:1";
  flags.token_file = "/from/flag";
  flags.timeout = "250ms";
  s = ResolveSettings(flags, env);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->auth, "flag-auth:1");
  EXPECT_EQ(s->token_file, "/from/flag");
  EXPECT_EQ(s->timeout, std::chrono::milliseconds(250));
  absl::Status unreadable = LoadToken(&*s);
  EXPECT_THAT(std::string(unreadable.message()), HasSubstr("admin token"));
  EXPECT_THAT(std::string(unreadable.message()), HasSubstr("/from/flag"));

  env["TERN_ADMIN_TOKEN"] = "literal";
  EXPECT_FALSE(ResolveSettings({}, env).ok());  // both TERN_ADMIN_TOKEN and ..._FILE
  env.erase("TERN_ADMIN_TOKEN_FILE");
  s = ResolveSettings({}, env);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->token, "literal");

  {
    std::ofstream f(dir / "bad.yaml");
    f << "auth: x:1\npasword: oops\n";
  }
  flags = {};
  flags.config = (dir / "bad.yaml").string();
  s = ResolveSettings(flags, env);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("pasword"));
  flags.config = (dir / "missing.yaml").string();
  EXPECT_FALSE(ResolveSettings(flags, env).ok());
  std::filesystem::remove_all(dir);
}

TEST(OutputTest, ParseBytesAndCounts) {
  uint64_t n = 0;
  EXPECT_TRUE(ParseBytes("0", &n) && n == 0);
  EXPECT_TRUE(ParseBytes("unlimited", &n) && n == 0);
  EXPECT_TRUE(ParseBytes("1500", &n) && n == 1500);
  EXPECT_TRUE(ParseBytes("1k", &n) && n == 1024);
  EXPECT_TRUE(ParseBytes("500M", &n) && n == 500ull << 20);
  EXPECT_TRUE(ParseBytes("2GiB", &n) && n == 2ull << 30);
  EXPECT_TRUE(ParseBytes("1TB", &n) && n == 1ull << 40);
  for (const char* bad :
       {"", "-1", "1.5G", "G", "12Q", "1 G", "99999999999999999999", "17179869184G"}) {
    EXPECT_FALSE(ParseBytes(bad, &n)) << bad;
  }
  EXPECT_TRUE(ParseCount("42", &n) && n == 42);
  EXPECT_FALSE(ParseCount("4k", &n));
  EXPECT_FALSE(ParseCount("-3", &n));
}

TEST(OutputTest, TableAlignsByCharactersNotBytes) {
  Table t({{"A"}, {"N", true}, {"B"}});
  t.Add({"bücher.example", "5", "x"});
  t.Add({"ab", "123", ""});
  std::ostringstream out;
  t.Print(out);
  EXPECT_EQ(out.str(),
            "A                 N  B\n"
            "bücher.example    5  x\n"
            "ab              123\n");
}

// An AuthAdmin and Storage server that records what the client sent.
class RecordingServer final : public authpb::AuthAdmin::Service,
                              public storagepb::Storage::Service {
 public:
  grpc::Status ListDomains(grpc::ServerContext* ctx, const authpb::ListDomainsRequest*,
                           authpb::ListDomainsResponse* resp) override {
    Record(ctx);
    if (authorization_ != "Bearer right-token") {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "wrong admin token");
    }
    resp->add_domains()->set_name("example.org");
    return grpc::Status::OK;
  }
  grpc::Status GetQuota(grpc::ServerContext* ctx, const storagepb::GetQuotaRequest*,
                        storagepb::Quota* resp) override {
    Record(ctx);
    resp->set_messages_used(3);
    return grpc::Status::OK;
  }
  std::string authorization_;
  std::chrono::system_clock::time_point deadline_;

 private:
  void Record(grpc::ServerContext* ctx) {
    auto it = ctx->client_metadata().find("authorization");
    authorization_ = it == ctx->client_metadata().end()
                         ? "<none>"
                         : std::string(it->second.data(), it->second.size());
    deadline_ = ctx->deadline();
  }
};

TEST(GrpcClientsTest, SendsTheTokenToAuthOnlyWithADeadline) {
  RecordingServer service;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(static_cast<authpb::AuthAdmin::Service*>(&service));
  builder.RegisterService(static_cast<storagepb::Storage::Service*>(&service));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);

  Settings settings;
  settings.auth = settings.storage = "127.0.0.1:" + std::to_string(port);
  settings.token = "right-token";
  settings.timeout = std::chrono::seconds(7);
  absl::StatusOr<std::unique_ptr<Clients>> clients = MakeGrpcClients(settings);
  ASSERT_TRUE(clients.ok()) << clients.status();

  auto before = std::chrono::system_clock::now();
  absl::StatusOr<authpb::ListDomainsResponse> domains = (*clients)->ListDomains({});
  ASSERT_TRUE(domains.ok()) << domains.status();
  EXPECT_EQ(domains->domains(0).name(), "example.org");
  EXPECT_EQ(service.authorization_, "Bearer right-token");
  EXPECT_GT(service.deadline_, before + std::chrono::seconds(5));
  EXPECT_LT(service.deadline_, before + std::chrono::seconds(9));

  ASSERT_TRUE((*clients)->GetQuota({}).ok());
  EXPECT_EQ(service.authorization_, "<none>");  // storage never sees the admin token
  EXPECT_LT(service.deadline_, before + std::chrono::seconds(9));

  absl::StatusOr<bool> health = (*clients)->Health(Service::kStorage);
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_TRUE(*health);

  settings.token = "wrong-token";
  clients = MakeGrpcClients(settings);
  ASSERT_TRUE(clients.ok());
  EXPECT_EQ((*clients)->ListDomains({}).status().code(), absl::StatusCode::kPermissionDenied);

  // Through the whole command line: the real clients and the error table.
  std::istringstream in;
  std::ostringstream out, err;
  Io io{&in, &out, &err, false, nullptr};
  int code = tern::ternctl::Run({"ternctl", "--auth", settings.auth, "domain", "list"}, io,
                                {{"TERN_ADMIN_TOKEN", "wrong-token"}}, MakeGrpcClients);
  EXPECT_EQ(code, kExitUnavailable);
  EXPECT_EQ(err.str(), "ternctl: admin token rejected by auth at " + settings.auth + "\n");

  server->Shutdown();

  err.str("");
  code = tern::ternctl::Run({"ternctl", "--auth", settings.auth, "domain", "list"}, io,
                            {{"TERN_ADMIN_TOKEN", "right-token"}}, MakeGrpcClients);
  EXPECT_EQ(code, kExitUnavailable);
  std::string line = err.str();
  EXPECT_THAT(line, HasSubstr("ternctl: cannot reach auth at " + settings.auth + ": "));
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

}  // namespace
}  // namespace tern::ternctl

namespace tern::ternctl {
namespace {

TEST_F(TernctlTest, QueueListShowHoldReleaseRetryDelete) {
  storagepb::OutboundJob job;
  job.set_id(7);
  job.set_state("queued");
  job.set_domain("far.example");
  job.add_recipients("a@far.example");
  job.add_recipients("b@far.example");
  job.set_sender("me@example.org");
  job.set_attempts(2);
  job.set_last_error("451 4.7.1 greylisted");
  job.set_warned(true);
  backend_.outbound[7] = job;

  Result list = Cli({"queue", "list"});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("far.example"), std::string::npos);
  EXPECT_NE(list.out.find("451 4.7.1 greylisted"), std::string::npos);
  Result json = Cli({"--json", "queue", "show", "7"});
  EXPECT_EQ(json.code, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["recipients"].size(), 2u);
  EXPECT_EQ(doc["state"], "queued");
  EXPECT_EQ(doc["warned"], true) << "the sender was told of the delay";
  EXPECT_EQ(Cli({"queue", "hold", "7"}).code, 0);
  EXPECT_EQ(backend_.outbound[7].state(), "held");
  EXPECT_NE(Cli({"queue", "list", "--state", "held"}).out.find("held"), std::string::npos);
  EXPECT_EQ(Cli({"queue", "release", "7"}).code, 0);
  EXPECT_EQ(Cli({"queue", "retry", "7"}).code, 0);
  EXPECT_EQ(backend_.outbound[7].state(), "queued");
  Result del = Cli({"queue", "delete", "7"});
  EXPECT_EQ(del.code, 0);
  EXPECT_TRUE(backend_.outbound.empty());
  Result missing = Cli({"queue", "show", "7"});
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("no such queued message"), std::string::npos) << missing.err;
  Result bad = Cli({"queue", "delete", "x1"});
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("not a queue id"), std::string::npos) << bad.err;
  EXPECT_NE(Cli({"queue", "list", "--state", "weird"}).code, 0);
}

}  // namespace
}  // namespace tern::ternctl
