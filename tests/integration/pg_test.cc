// The shared PostgreSQL pool and migration runner against a real cluster.
#include <thread>

#include "gtest/gtest.h"
#include "tern/pg/migrate.h"
#include "tern/pg/pool.h"
#include "tern/testing/pg_cluster.h"

namespace tern::pg {
namespace {

class PgTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = tern::testing::PgCluster::Start("-c fsync=off");
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
  }
  static void TearDownTestSuite() { cluster_.reset(); }
  static std::unique_ptr<tern::testing::PgCluster> cluster_;
  prometheus::Registry registry_;
};
std::unique_ptr<tern::testing::PgCluster> PgTest::cluster_;

TEST_F(PgTest, MigrationsApplyOnceEvenFromConcurrentRunners) {
  const std::vector<Migration> migrations = {
      {1, "0001_a", "CREATE TABLE t_a (id int); INSERT INTO t_a VALUES (1);"},
      {2, "0002_b", "INSERT INTO t_a VALUES (2);"},
  };
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { results[i] = Migrate(cluster_->url(), "test_migrations", 42, migrations); });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : results) EXPECT_TRUE(s.ok()) << s;
  Pool pool({.url = cluster_->url(), .size = 2, .metric_prefix = "t1"}, registry_);
  int64_t rows = 0;
  ASSERT_TRUE(pool.Run("count", TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
                    rows = tx.exec("SELECT count(*) FROM t_a")[0][0].as<int64_t>();
                    return absl::OkStatus();
                  }).ok());
  EXPECT_EQ(rows, 2) << "each migration ran exactly once";
  // A broken migration stops with an error and is not recorded.
  auto bad = migrations;
  bad.push_back({3, "0003_bad", "CREATE TABLE t_a (id int);"});
  EXPECT_FALSE(Migrate(cluster_->url(), "test_migrations", 42, bad).ok());
}

TEST_F(PgTest, MapsDatabaseErrorsToStatusCodes) {
  Pool pool({.url = cluster_->url(), .size = 2, .metric_prefix = "t2"}, registry_);
  auto raise = [&](const std::string& code) {
    return pool.Run("raise", TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
      tx.exec("DO $$ BEGIN RAISE EXCEPTION 'custom message' USING ERRCODE = '" + code + "'; END $$");
      return absl::OkStatus();
    });
  };
  absl::Status quota = raise("TQ001");
  EXPECT_EQ(quota.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(quota.message(), "custom message");
  EXPECT_EQ(raise("TN001").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(raise("23505").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(raise("42601").code(), absl::StatusCode::kInternal);
  // A function's own error is returned as is and rolls back.
  ASSERT_TRUE(pool.Run("mk", TxMode::kAutocommit, [](pqxx::transaction_base& tx) {
                    tx.exec("CREATE TABLE t_rb (id int)");
                    return absl::OkStatus();
                  }).ok());
  EXPECT_EQ(pool.Run("rb", TxMode::kReadWrite, [](pqxx::transaction_base& tx) {
                  tx.exec("INSERT INTO t_rb VALUES (1)");
                  return absl::FailedPreconditionError("no");
                }).code(),
            absl::StatusCode::kFailedPrecondition);
  int64_t n = -1;
  ASSERT_TRUE(pool.Run("c", TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
                    n = tx.exec("SELECT count(*) FROM t_rb")[0][0].as<int64_t>();
                    return absl::OkStatus();
                  }).ok());
  EXPECT_EQ(n, 0);
}

TEST_F(PgTest, UnreachableDatabaseIsUnavailableAndPoolRecovers) {
  Pool dead({.url = "postgresql://tern@127.0.0.1:1/tern", .size = 1, .metric_prefix = "t3"}, registry_);
  EXPECT_EQ(dead.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(dead.Ping().code(), absl::StatusCode::kUnavailable) << "a failed connect frees its slot";
  Pool pool({.url = cluster_->url(), .size = 1, .metric_prefix = "t4"}, registry_);
  ASSERT_TRUE(pool.Ping().ok());
  ASSERT_TRUE(cluster_->Stop().ok());
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(cluster_->Restart().ok());
  EXPECT_TRUE(pool.Ping().ok()) << "the broken connection was dropped and replaced";
}

TEST_F(PgTest, EveryConnectionInsistsOnSynchronousCommit) {
  ASSERT_TRUE(cluster_->CreateDatabase("lazy").ok());
  std::string lazy_url = cluster_->url().substr(0, cluster_->url().rfind('/') + 1) + "lazy";
  {
    pqxx::connection c(lazy_url);
    pqxx::nontransaction(c).exec("ALTER DATABASE lazy SET synchronous_commit = off");
  }
  Pool pool({.url = lazy_url, .size = 1, .metric_prefix = "t5"}, registry_);
  std::string setting;
  ASSERT_TRUE(pool.Run("show", TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
                    setting = tx.exec("SHOW synchronous_commit")[0][0].as<std::string>();
                    return absl::OkStatus();
                  }).ok());
  EXPECT_EQ(setting, "on");
}

}  // namespace
}  // namespace tern::pg
