#include "tern/config/config.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tern::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct StorageConfig {
  std::string grpc_listen;
  int64_t pool_size = 0;
  bool tls = false;
  double sample_rate = 0;
  absl::Duration timeout;
  std::vector<std::string> peers;
  std::string mode;
  std::string db_password;
};

Schema<StorageConfig> MakeSchema() {
  Schema<StorageConfig> schema("TERN_STORAGE");
  schema
      .String("grpc.listen", &StorageConfig::grpc_listen, "127.0.0.1:7001", "gRPC listen address",
              HostPort())
      .Int("database.pool_size", &StorageConfig::pool_size, 8, "connections", Range(1, 256))
      .Bool("tls.enabled", &StorageConfig::tls, false, "serve TLS")
      .Double("trace.sample_rate", &StorageConfig::sample_rate, 0.1, "fraction traced",
              Range(0.0, 1.0))
      .Duration("database.timeout", &StorageConfig::timeout, absl::Seconds(5), "query timeout",
                Range(absl::Milliseconds(1), absl::Minutes(5)))
      .StringList("cluster.peers", &StorageConfig::peers, {}, "peer addresses", HostPort())
      .String("mode", &StorageConfig::mode, "primary", "role", OneOf({"primary", "replica"}))
      .Secret("database.password", &StorageConfig::db_password, "", "database password");
  return schema;
}

// A file under the test's temporary directory, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& contents, const std::string& suffix = ".yaml") {
    std::string tmpl = ::testing::TempDir() + "config_test_XXXXXX" + suffix;
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    int fd = ::mkstemps(buf.data(), static_cast<int>(suffix.size()));
    EXPECT_GE(fd, 0);
    path_ = buf.data();
    EXPECT_EQ(::write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
    ::close(fd);
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const Environment kNoEnv;

TEST(ConfigTest, DefaultsOnly) {
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load("", kNoEnv);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen, "127.0.0.1:7001");
  EXPECT_EQ(cfg->pool_size, 8);
  EXPECT_FALSE(cfg->tls);
  EXPECT_DOUBLE_EQ(cfg->sample_rate, 0.1);
  EXPECT_EQ(cfg->timeout, absl::Seconds(5));
  EXPECT_TRUE(cfg->peers.empty());
  EXPECT_EQ(cfg->mode, "primary");
  EXPECT_EQ(cfg->db_password, "");
}

TEST(ConfigTest, YamlFileWithNestedAndDottedKeys) {
  TempFile file(R"(
grpc:
  listen: 0.0.0.0:9000
database:
  pool_size: 32
  timeout: 250ms
tls.enabled: true
trace: {sample_rate: 0.5}
cluster:
  peers:
    - a.example:7001
    - b.example:7001
mode: replica
)");
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load(file.path(), kNoEnv);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen, "0.0.0.0:9000");
  EXPECT_EQ(cfg->pool_size, 32);
  EXPECT_EQ(cfg->timeout, absl::Milliseconds(250));
  EXPECT_TRUE(cfg->tls);
  EXPECT_DOUBLE_EQ(cfg->sample_rate, 0.5);
  EXPECT_EQ(cfg->peers, (std::vector<std::string>{"a.example:7001", "b.example:7001"}));
  EXPECT_EQ(cfg->mode, "replica");
}

TEST(ConfigTest, JsonFile) {
  TempFile file(R"({"grpc": {"listen": "[::1]:7001"}, "database": {"pool_size": 4,
                   "timeout": "2m"}, "tls": {"enabled": false}, "cluster": {"peers": []}})",
                ".json");
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load(file.path(), kNoEnv);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen, "[::1]:7001");
  EXPECT_EQ(cfg->pool_size, 4);
  EXPECT_EQ(cfg->timeout, absl::Minutes(2));
  EXPECT_TRUE(cfg->peers.empty());
}

TEST(ConfigTest, EmptyFileMeansDefaults) {
  TempFile file("");
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load(file.path(), kNoEnv);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->pool_size, 8);
}

TEST(ConfigTest, MissingFileIsAnError) {
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load("/nonexistent/tern.yaml", kNoEnv);
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cfg.status().message(), HasSubstr("/nonexistent/tern.yaml"));
}

TEST(ConfigTest, SyntaxErrorNamesTheFile) {
  TempFile file("grpc: [unclosed\n");
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load(file.path(), kNoEnv);
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cfg.status().message(), HasSubstr("cannot parse config file " + file.path()));
}

TEST(ConfigTest, UnknownKeyIsNamed) {
  TempFile file("grpc:\n  lissen: 127.0.0.1:1\n");
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load(file.path(), kNoEnv);
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cfg.status().message(), HasSubstr("unknown key 'grpc.lissen' in " + file.path()));
}

TEST(ConfigTest, TopLevelMustBeAMap) {
  TempFile file("- a\n- b\n");
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load(file.path(), kNoEnv);
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cfg.status().message(), HasSubstr("must hold a map"));
}

struct WrongTypeCase {
  std::string yaml;
  std::string message;
};

TEST(ConfigTest, WrongTypeNamesKeyAndExpectedType) {
  const std::vector<WrongTypeCase> cases = {
      {"database: {pool_size: eight}", "'database.pool_size' from PATH: expected an integer"},
      {"database: {pool_size: \"8\"}", "'database.pool_size' from PATH: expected an integer"},
      {"database: {pool_size: 1.5}", "'database.pool_size' from PATH: expected an integer"},
      {"database: {pool_size: [1]}",
       "'database.pool_size' from PATH: expected an integer, got a list"},
      {"tls: {enabled: maybe}", "'tls.enabled' from PATH: expected a boolean"},
      {"trace: {sample_rate: fast}", "'trace.sample_rate' from PATH: expected a number"},
      {"database: {timeout: 5}", "'database.timeout' from PATH: expected a duration"},
      {"database: {timeout: -5s}", "'database.timeout' from PATH: expected a duration"},
      {"cluster: {peers: a:1}", "'cluster.peers' from PATH: expected a list of strings"},
      {"cluster: {peers: [[a]]}", "'cluster.peers' from PATH: expected a list of strings"},
      {"grpc: {listen: {host: a}}", "'grpc.listen' from PATH: expected a string, got a map"},
      {"mode:", "'mode' from PATH: expected a string, got null"},
  };
  for (const WrongTypeCase& c : cases) {
    TempFile file(c.yaml);
    absl::StatusOr<StorageConfig> cfg = MakeSchema().Load(file.path(), kNoEnv);
    EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument) << c.yaml;
    std::string want = c.message;
    want.replace(want.find("PATH"), 4, file.path());
    EXPECT_THAT(cfg.status().message(), HasSubstr(want)) << c.yaml;
  }
}

TEST(ConfigTest, ValidatorErrorsNameTheKey) {
  TempFile file(R"(
database: {pool_size: 0, timeout: 10m}
grpc: {listen: "no-port"}
mode: standby
cluster: {peers: ["ok:1", "bad"]}
trace: {sample_rate: 2}
)");
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load(file.path(), kNoEnv);
  ASSERT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(cfg.status().message());
  // Every problem is reported at once.
  EXPECT_THAT(msg, HasSubstr("'database.pool_size' from " + file.path() +
                             ": must be between 1 and 256, got 0"));
  EXPECT_THAT(msg, HasSubstr("'database.timeout' from " + file.path() +
                             ": must be between 1ms and 5m, got 10m"));
  EXPECT_THAT(msg, HasSubstr("'grpc.listen' from " + file.path() + ": expected host:port"));
  EXPECT_THAT(msg, HasSubstr("'mode' from " + file.path() + ": must be one of primary, replica"));
  EXPECT_THAT(msg, HasSubstr("'cluster.peers'"));
  EXPECT_THAT(msg, HasSubstr("'trace.sample_rate'"));
}

TEST(ConfigTest, LambdaValidatorAndRequiredKey) {
  struct C {
    int64_t workers = 0;
    std::string url;
  };
  Schema<C> schema("TERN_X");
  schema
      .Int("workers", &C::workers, 3, "worker threads",
           [](int64_t v) {
             return v % 2 == 1 ? absl::OkStatus() : absl::InvalidArgumentError("must be odd");
           })
      .String("database.url", &C::url, "", "connection string", NonEmpty());
  absl::StatusOr<C> cfg = schema.Load("", {{"TERN_X_WORKERS", "4"}});
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("'workers' from TERN_X_WORKERS: must be odd"));
  EXPECT_THAT(cfg.status().message(),
              HasSubstr("'database.url' from the default: must not be empty"));

  cfg = schema.Load("", {{"TERN_X_DATABASE_URL", "postgres://db/tern"}});
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->workers, 3);
  EXPECT_EQ(cfg->url, "postgres://db/tern");
}

TEST(ConfigTest, EnvironmentOverridesFileOverridesDefault) {
  TempFile file("database: {pool_size: 32, timeout: 1s}\ntls: {enabled: true}\n");
  Environment env = {
      {"TERN_STORAGE_DATABASE_POOL_SIZE", "64"},
      {"TERN_STORAGE_TLS_ENABLED", "false"},
      {"TERN_STORAGE_CLUSTER_PEERS", " a:1 , b:2 ,"},
      {"TERN_STORAGE_TRACE_SAMPLE_RATE", "0.25"},
      {"TERN_STORAGE_PORT", "tcp://10.0.0.1:7001"},  // a Kubernetes service link: ignored
      {"OTHER_DATABASE_POOL_SIZE", "1"},
  };
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load(file.path(), env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->pool_size, 64);                  // env > file
  EXPECT_EQ(cfg->timeout, absl::Seconds(1));      // file > default
  EXPECT_EQ(cfg->grpc_listen, "127.0.0.1:7001");  // default
  EXPECT_FALSE(cfg->tls);
  EXPECT_DOUBLE_EQ(cfg->sample_rate, 0.25);
  EXPECT_EQ(cfg->peers, (std::vector<std::string>{"a:1", "b:2"}));
}

TEST(ConfigTest, BadEnvironmentValueNamesTheVariable) {
  absl::StatusOr<StorageConfig> cfg =
      MakeSchema().Load("", {{"TERN_STORAGE_DATABASE_POOL_SIZE", "many"}});
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cfg.status().message(),
              HasSubstr("'database.pool_size' from TERN_STORAGE_DATABASE_POOL_SIZE: expected an "
                        "integer, got \"many\""));
}

TEST(ConfigTest, FileVariableReadsTheValueFromAFile) {
  TempFile secret("s3cr3t\n", ".txt");
  TempFile pool("16\r\n", ".txt");
  absl::StatusOr<StorageConfig> cfg =
      MakeSchema().Load("", {{"TERN_STORAGE_DATABASE_PASSWORD_FILE", secret.path()},
                             {"TERN_STORAGE_DATABASE_POOL_SIZE_FILE", pool.path()}});
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->db_password, "s3cr3t");
  EXPECT_EQ(cfg->pool_size, 16);
}

TEST(ConfigTest, FileVariableErrors) {
  absl::StatusOr<StorageConfig> cfg =
      MakeSchema().Load("", {{"TERN_STORAGE_DATABASE_PASSWORD_FILE", "/nonexistent/secret"}});
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cfg.status().message(),
              HasSubstr("TERN_STORAGE_DATABASE_PASSWORD_FILE=/nonexistent/secret"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("'database.password'"));

  TempFile secret("x\n", ".txt");
  cfg = MakeSchema().Load("", {{"TERN_STORAGE_DATABASE_PASSWORD_FILE", secret.path()},
                               {"TERN_STORAGE_DATABASE_PASSWORD", "y"}});
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cfg.status().message(), HasSubstr("set only one"));
}

TEST(ConfigTest, DurationSyntax) {
  struct C {
    absl::Duration d;
  };
  Schema<C> schema("T");
  schema.Duration("d", &C::d, absl::ZeroDuration(), "a duration");
  const std::vector<std::pair<std::string, absl::Duration>> good = {
      {"5s", absl::Seconds(5)},           {"250ms", absl::Milliseconds(250)},
      {"2m", absl::Minutes(2)},           {"1h30m", absl::Minutes(90)},
      {"0", absl::ZeroDuration()},        {"1.5s", absl::Milliseconds(1500)},
      {"100us", absl::Microseconds(100)},
  };
  for (const auto& [text, want] : good) {
    absl::StatusOr<C> cfg = schema.Load("", {{"T_D", text}});
    ASSERT_TRUE(cfg.ok()) << text << ": " << cfg.status();
    EXPECT_EQ(cfg->d, want) << text;
  }
  for (const std::string text : {"5", "five", "-1s", "inf", "5 s", ""}) {
    absl::StatusOr<C> cfg = schema.Load("", {{"T_D", text}});
    EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(cfg.status().message(), HasSubstr("'d' from T_D: expected a duration")) << text;
  }
}

TEST(ConfigTest, SecretsAreRedacted) {
  TempFile file("database: {password: hunter2, pool_size: \"x\"}\n");
  absl::StatusOr<StorageConfig> bad = MakeSchema().Load(file.path(), kNoEnv);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("hunter2")));

  TempFile good_file("database: {password: hunter2}\ncluster: {peers: [\"a:1\"]}\n");
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load(good_file.path(), kNoEnv);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->db_password, "hunter2");
  const std::string dump = MakeSchema().Dump(*cfg);
  EXPECT_THAT(dump, Not(HasSubstr("hunter2")));
  EXPECT_THAT(dump, HasSubstr("password: <redacted>"));
  EXPECT_THAT(dump, HasSubstr("pool_size: 8"));
  EXPECT_THAT(dump, HasSubstr("timeout: 5s"));
  EXPECT_THAT(dump, HasSubstr("grpc:\n  listen: 127.0.0.1:7001"));
}

TEST(ConfigTest, SecretValuesAreNeverEchoedInErrors) {
  struct C {
    std::string token;
  };
  Schema<C> schema("T");
  schema.Secret("token", &C::token, "", "api token");
  TempFile file("token: [hunter2]\n");
  absl::StatusOr<C> cfg = schema.Load(file.path(), kNoEnv);
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("'token'"));
  EXPECT_THAT(cfg.status().message(), Not(HasSubstr("hunter2")));
}

TEST(ConfigTest, DumpLoadsBackToTheSameConfig) {
  Environment env = {{"TERN_STORAGE_CLUSTER_PEERS", "a:1,b:2"},
                     {"TERN_STORAGE_TRACE_SAMPLE_RATE", "0.3"},
                     {"TERN_STORAGE_DATABASE_TIMEOUT", "1m30s"}};
  absl::StatusOr<StorageConfig> cfg = MakeSchema().Load("", env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  TempFile dumped(MakeSchema().Dump(*cfg));
  absl::StatusOr<StorageConfig> again = MakeSchema().Load(dumped.path(), kNoEnv);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << MakeSchema().Dump(*cfg);
  EXPECT_EQ(again->peers, cfg->peers);
  EXPECT_EQ(again->sample_rate, cfg->sample_rate);
  EXPECT_EQ(again->timeout, absl::Seconds(90));
  EXPECT_EQ(again->grpc_listen, cfg->grpc_listen);
}

TEST(ConfigTest, DescribeListsKeysTypesDefaultsAndEnvNames) {
  const std::string text = MakeSchema().Describe();
  EXPECT_THAT(text, HasSubstr("grpc.listen (string, default \"127.0.0.1:7001\")"));
  EXPECT_THAT(text, HasSubstr("gRPC listen address"));
  EXPECT_THAT(text, HasSubstr("database.pool_size (integer, default 8)"));
  EXPECT_THAT(text, HasSubstr("database.timeout (duration, default 5s)"));
  EXPECT_THAT(text, HasSubstr("trace.sample_rate (number, default 0.1)"));
  EXPECT_THAT(text, HasSubstr("cluster.peers (list of strings, default [])"));
  EXPECT_THAT(text, HasSubstr("database.password (secret string, default \"\")"));
  EXPECT_THAT(text,
              HasSubstr("TERN_STORAGE_DATABASE_POOL_SIZE, TERN_STORAGE_DATABASE_POOL_SIZE_FILE"));
  EXPECT_THAT(text, HasSubstr("TERN_STORAGE_GRPC_LISTEN"));
}

TEST(ConfigTest, SchemaMistakesAreInternalErrors) {
  struct C {
    std::string a;
    std::string b;
  };
  {
    Schema<C> schema("T");
    schema.String("a", &C::a, "", "").String("a", &C::b, "", "");
    EXPECT_EQ(schema.Load("", kNoEnv).status().code(), absl::StatusCode::kInternal);
  }
  {
    Schema<C> schema("T");
    schema.String("tls.cert", &C::a, "", "").String("tls.cert_file", &C::b, "", "");
    absl::Status s = schema.Load("", kNoEnv).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
    EXPECT_THAT(s.message(), HasSubstr("same environment variable"));
  }
  {
    Schema<C> schema("T");
    schema.String("Bad Key", &C::a, "", "");
    EXPECT_EQ(schema.Load("", kNoEnv).status().code(), absl::StatusCode::kInternal);
  }
  {
    Schema<C> schema("T");
    schema.String("tls", &C::a, "", "").String("tls.cert", &C::b, "", "");
    EXPECT_EQ(schema.Load("", kNoEnv).status().code(), absl::StatusCode::kInternal);
  }
}

TEST(ConfigTest, SplitHostPort) {
  auto hp = SplitHostPort("127.0.0.1:80");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->first, "127.0.0.1");
  EXPECT_EQ(hp->second, 80);
  hp = SplitHostPort("[::1]:0");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->first, "::1");
  EXPECT_EQ(hp->second, 0);
  for (const std::string bad :
       {"", "host", ":80", "host:", "host:65536", "host:8x", "::1:80", "[::1]80", "[::1"}) {
    EXPECT_FALSE(SplitHostPort(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace tern::config

namespace tern::config {
namespace {

TEST(ConfigSectionTest, ReadsOnlyItsSectionOfASharedFile) {
  TempFile file(R"(
storage:
  grpc: {listen: 127.0.0.1:7101}
  database: {pool_size: 12}
auth:
  grpc: {listen: 127.0.0.1:7102}
  unknown_to_storage: 1
)");
  absl::StatusOr<StorageConfig> cfg = MakeSchema().LoadSection(file.path(), "storage", kNoEnv);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen, "127.0.0.1:7101");
  EXPECT_EQ(cfg->pool_size, 12);
  absl::StatusOr<StorageConfig> missing = MakeSchema().LoadSection(file.path(), "pop3", kNoEnv);
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(missing->grpc_listen, "127.0.0.1:7001") << "a missing section means defaults";
  absl::StatusOr<StorageConfig> bad = MakeSchema().LoadSection(file.path(), "auth", kNoEnv);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown_to_storage"), std::string::npos);
}

}  // namespace
}  // namespace tern::config

namespace tern::config {
namespace {

TEST(ConfigHelpersTest, CidrListAndHostname) {
  EXPECT_TRUE(CidrList()({"10.0.0.0/8", "::1/128"}).ok());
  EXPECT_FALSE(CidrList()({"10.0.0.0"}).ok());
  EXPECT_FALSE(CidrList()({"/8"}).ok());
  EXPECT_FALSE(CidrList()({"10.0.0.0/x"}).ok());
  EXPECT_FALSE(LocalHostname().empty());
}

struct GatewayConfig {
  std::string cert, key;
};

// One declaration gives both keys and the both-or-neither check every service used to repeat.
TEST(ConfigTest, TlsFilePairIsBothOrNeither) {
  Schema<GatewayConfig> schema("TERN_GW");
  schema.TlsFilePair("tls", &GatewayConfig::cert, &GatewayConfig::key, "for IMAP");
  auto none = schema.Load("", kNoEnv);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->cert, "");
  TempFile both("tls:\n  cert_file: /c.pem\n  key_file: /k.pem\n");
  auto ok = schema.Load(both.path(), kNoEnv);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->cert, "/c.pem");
  EXPECT_EQ(ok->key, "/k.pem");
  TempFile half("tls:\n  cert_file: /c.pem\n");
  auto bad = schema.Load(half.path(), kNoEnv);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "tls.cert_file and tls.key_file: set both or neither");
  EXPECT_THAT(schema.Describe(), HasSubstr("for IMAP"));
}

}  // namespace
}  // namespace tern::config
