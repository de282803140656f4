// Shared set-up for storage integration tests: one throwaway PostgreSQL cluster per test
// binary, one in-process storage server per test suite, and helpers for common calls.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/storage/run.h"
#include "tern/storage/v1/storage.grpc.pb.h"
#include "tern/testing/pg_cluster.h"

namespace tern::storage::testing {

namespace pb = ::tern::storage::v1;

// The cluster shared by every test in the binary.
tern::testing::PgCluster& Cluster();

class StorageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // Starts another replica over the same database (for cross-connection tests).
  static std::unique_ptr<StorageServer> StartReplica();
  static std::unique_ptr<pb::Storage::Stub> StubFor(int port);

  pb::Storage::Stub& stub() { return *stub_; }
  // A fresh account name per call, so tests never see each other's mail.
  static std::string NewAccount(const std::string& prefix = "user");
  static std::string Message(const std::string& subject, const std::string& body = "Hello.\r\n",
                             size_t pad_to = 0);

  // Calls with a deadline; they fail the test on a transport error only when asked.
  grpc::Status Append(const std::string& account, const std::string& mailbox,
                      const std::string& content, pb::AppendResponse* resp, uint32_t flags = 0);
  grpc::Status Deliver(const std::vector<std::string>& accounts, const std::string& content,
                       pb::DeliverResponse* resp);
  pb::MailboxInfo StatusOf(const std::string& account, const std::string& mailbox);
  std::string FetchWhole(const std::string& account, const std::string& mailbox, uint32_t uid,
                         pb::FetchContentRequest::What what = pb::FetchContentRequest::FULL,
                         std::vector<uint32_t> part = {}, uint64_t offset = 0,
                         uint64_t length = 0, grpc::Status* status = nullptr,
                         int* chunks = nullptr);
  std::vector<uint32_t> SelectUids(const std::string& account, const std::string& mailbox);
  // The sizes Select gives for INBOX's messages, by UID: POP3 sizes with list_only.
  std::map<uint32_t, uint64_t> SelectSizes(const std::string& account, bool list_only);
  // FetchMetadata of `uids` in INBOX, with envelope and structure.
  std::vector<pb::MessageMetadata> FetchMetadata(const std::string& account, const pb::IdSet& uids);
  // FetchMessages of `uids` in INBOX: content by UID; the call's status in *status (when
  // given, else it must succeed).
  std::map<uint32_t, std::string> FetchMessages(const std::string& account,
                                                const std::vector<uint32_t>& uids, uint64_t max,
                                                grpc::Status* status = nullptr);
  // Runs one SQL query against the test database and returns the first column of the first row.
  static std::string Sql(const std::string& query);
  // One HTTP GET (e.g. /metrics on the server's http_port()); the whole response, status in *code.
  static std::string HttpGet(int port, const std::string& path, int* code);

  static std::unique_ptr<StorageServer> server_;
  static std::unique_ptr<pb::Storage::Stub> stub_;
  static StorageConfig config_;
};

pb::IdSet Uids(std::initializer_list<std::pair<uint32_t, uint32_t>> ranges);

}  // namespace tern::storage::testing
