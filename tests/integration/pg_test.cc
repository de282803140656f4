// The shared PostgreSQL pool and migration runner against a real cluster.
#include <thread>

#include "gtest/gtest.h"
#include "tern/pg/binary.h"
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

// binary.h: parameters go as they are and bytea comes back as its bytes, every byte value
// included; rows stream one at a time; errors are mapped by Pool::Run as libpqxx's are.
TEST_F(PgTest, BinaryStatementsKeepEveryByteAndMapErrorsLikeLibpqxx) {
  Pool pool({.url = cluster_->url(), .size = 1, .metric_prefix = "t6"}, registry_);
  pool.Prepare("echo", "SELECT $1::bytea, length($1::bytea)::int8, $2::int4, $3::text IS NULL");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  const std::string big = all + std::string(300000, '\0') + all;
  const std::string& every = all;
  ASSERT_TRUE(pool.Run("binary", TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
                    for (const std::string* v : {&every, &big}) {
                      Result r = ExecPrepared(tx, "echo", Params().Bytes(*v).Int(-7).Null());
                      EXPECT_EQ(r.rows(), 1);
                      EXPECT_EQ(r.Bytes(0, 0), *v);
                      EXPECT_EQ(r.Int(0, 1), static_cast<int64_t>(v->size()));
                      EXPECT_EQ(r.Int(0, 2), -7);
                      EXPECT_TRUE(r.Bool(0, 3));
                    }
                    std::vector<std::string> rows;
                    Stream(tx,
                           "SELECT substring($1::bytea FROM g * 100 + 1 FOR 100) FROM "
                           "generate_series(0, 2) g ORDER BY g",
                           Params().Bytes(all), [&](const Result& r) {
                             rows.emplace_back(r.Bytes(0, 0));
                             return rows.size() < 2;  // stop early: the rest is dropped
                           });
                    EXPECT_EQ(rows, (std::vector<std::string>{all.substr(0, 100), all.substr(100, 100)}));
                    // The connection is idle again: libpqxx can go on using it.
                    EXPECT_EQ(tx.exec("SELECT 1")[0][0].as<int>(), 1);
                    return absl::OkStatus();
                  }).ok());
  auto raise = [&](const std::string& code, bool stream) {
    return pool.Run("raise", TxMode::kReadWrite, [&](pqxx::transaction_base& tx) {
      const std::string sql =
          "SELECT tern_raise_test($1)";
      tx.exec("CREATE OR REPLACE FUNCTION tern_raise_test(c text) RETURNS int LANGUAGE plpgsql "
              "AS $$ BEGIN RAISE EXCEPTION 'custom message' USING ERRCODE = c; END $$");
      if (stream) {
        Stream(tx, sql, Params().Text(code), [](const Result&) { return true; });
      } else {
        Exec(tx, sql, Params().Text(code));
      }
      return absl::OkStatus();
    });
  };
  for (bool stream : {false, true}) {
    absl::Status quota = raise("TQ001", stream);
    EXPECT_EQ(quota.code(), absl::StatusCode::kResourceExhausted) << stream;
    EXPECT_EQ(quota.message(), "custom message");
    EXPECT_EQ(raise("23505", stream).code(), absl::StatusCode::kAlreadyExists) << stream;
    EXPECT_EQ(raise("42601", stream).code(), absl::StatusCode::kInternal) << stream;
  }
  EXPECT_TRUE(pool.Ping().ok()) << "the connection is still usable after the errors";
}

}  // namespace
}  // namespace tern::pg
