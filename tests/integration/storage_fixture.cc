#include "storage_fixture.h"

#include <atomic>
#include <chrono>
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <boost/asio.hpp>

#include "pqxx/pqxx"
#include "tern/rpc/channel.h"

namespace tern::storage::testing {

std::unique_ptr<StorageServer> StorageTest::server_;
std::unique_ptr<pb::Storage::Stub> StorageTest::stub_;
StorageConfig StorageTest::config_;

tern::testing::PgCluster& Cluster() {
  static tern::testing::PgCluster* cluster = [] {
    // fsync off: these tests check behaviour, not the disk; the bench keeps durability on.
    auto c = tern::testing::PgCluster::Start("-c fsync=off");
    if (!c.ok()) {
      fprintf(stderr, "cannot start PostgreSQL: %s\n", std::string(c.status().message()).c_str());
      abort();
    }
    return c->release();
  }();
  return *cluster;
}

namespace {
// Removes the cluster when the binary exits.
class ClusterEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { delete &Cluster(); }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new ClusterEnvironment());
}  // namespace

void StorageTest::SetUpTestSuite() {
  config_ = DefaultConfig();
  config_.database_url = Cluster().url();
  config_.grpc_listen = "127.0.0.1:0";
  config_.http_listen = "127.0.0.1:0";
  config_.max_message_bytes = 2 << 20;
  config_.database_pool_size = 8;
  config_.queue_stats_interval = absl::Milliseconds(100);
  config_.failed_retention = absl::Minutes(1);
  auto s = StorageServer::Start(config_);
  ASSERT_TRUE(s.ok()) << s.status();
  server_ = std::move(*s);
  stub_ = StubFor(server_->grpc_port());
}

void StorageTest::TearDownTestSuite() {
  stub_.reset();
  if (server_) server_->Stop(1000);
  server_.reset();
}

std::unique_ptr<StorageServer> StorageTest::StartReplica() {
  auto s = StorageServer::Start(config_);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(*s) : nullptr;
}

std::unique_ptr<pb::Storage::Stub> StorageTest::StubFor(int port) {
  auto ch = rpc::MakeChannel({.target = "127.0.0.1:" + std::to_string(port)});
  return pb::Storage::NewStub(*ch);
}

std::string StorageTest::NewAccount(const std::string& prefix) {
  static std::atomic<int> n{0};
  return prefix + std::to_string(++n) + "-" + std::to_string(getpid()) + "@example.test";
}

std::string StorageTest::Message(const std::string& subject, const std::string& body,
                                 size_t pad_to) {
  std::string m = "From: Sender <sender@example.org>\r\nTo: rcpt@example.test\r\nSubject: " +
                  subject + "\r\nDate: Tue, 3 Mar 2026 10:00:00 +0000\r\nMessage-ID: <" + subject +
                  "@example.org>\r\n\r\n" + body;
  while (m.size() < pad_to) m += "0123456789abcdef0123456789abcdef0123456789abcdef012345678901\r\n";
  return m;
}

grpc::Status StorageTest::Append(const std::string& account, const std::string& mailbox,
                                 const std::string& content, pb::AppendResponse* resp,
                                 uint32_t flags) {
  pb::AppendRequest req;
  req.set_account(account);
  req.set_mailbox(mailbox);
  req.set_content(content);
  req.set_flags(flags);
  auto ctx = rpc::ContextWithDeadline(std::chrono::seconds(30));
  pb::AppendResponse ignored;
  return stub_->Append(ctx.get(), req, resp ? resp : &ignored);
}

grpc::Status StorageTest::Deliver(const std::vector<std::string>& accounts,
                                  const std::string& content, pb::DeliverResponse* resp) {
  pb::DeliverRequest req;
  for (const auto& a : accounts) req.add_accounts(a);
  req.set_content(content);
  auto ctx = rpc::ContextWithDeadline(std::chrono::seconds(30));
  pb::DeliverResponse ignored;
  return stub_->Deliver(ctx.get(), req, resp ? resp : &ignored);
}

pb::MailboxInfo StorageTest::StatusOf(const std::string& account, const std::string& mailbox) {
  pb::StatusRequest req;
  req.set_account(account);
  req.set_mailbox(mailbox);
  pb::StatusResponse resp;
  auto ctx = rpc::ContextWithDeadline();
  grpc::Status s = stub_->Status(ctx.get(), req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.mailbox();
}

std::string StorageTest::FetchWhole(const std::string& account, const std::string& mailbox,
                                    uint32_t uid, pb::FetchContentRequest::What what,
                                    std::vector<uint32_t> part, uint64_t offset, uint64_t length,
                                    grpc::Status* status, int* chunks) {
  pb::FetchContentRequest req;
  req.set_account(account);
  req.set_mailbox(mailbox);
  req.set_uid(uid);
  req.set_what(what);
  for (auto p : part) req.add_part(p);
  req.set_offset(offset);
  req.set_length(length);
  auto ctx = rpc::ContextWithDeadline();
  auto reader = stub_->FetchContent(ctx.get(), req);
  std::string out;
  pb::FetchContentResponse chunk;
  int n = 0;
  while (reader->Read(&chunk)) {
    out += chunk.data();
    ++n;
  }
  grpc::Status s = reader->Finish();
  if (status) *status = s;
  else EXPECT_TRUE(s.ok()) << s.error_message();
  if (chunks) *chunks = n;
  return out;
}

std::vector<uint32_t> StorageTest::SelectUids(const std::string& account,
                                              const std::string& mailbox) {
  pb::SelectRequest req;
  req.set_account(account);
  req.set_mailbox(mailbox);
  req.set_with_messages(true);
  auto ctx = rpc::ContextWithDeadline();
  auto reader = stub_->Select(ctx.get(), req);
  std::vector<uint32_t> uids;
  pb::SelectResponse r;
  while (reader->Read(&r)) uids.insert(uids.end(), r.uids().begin(), r.uids().end());
  grpc::Status s = reader->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
  return uids;
}

std::map<uint32_t, uint64_t> StorageTest::SelectSizes(const std::string& account, bool list_only) {
  pb::SelectRequest req;
  req.set_account(account);
  req.set_mailbox("INBOX");
  req.set_with_messages(true);
  req.set_list_only(list_only);
  auto ctx = rpc::ContextWithDeadline();
  auto reader = stub_->Select(ctx.get(), req);
  std::map<uint32_t, uint64_t> sizes;
  pb::SelectResponse r;
  while (reader->Read(&r)) {
    EXPECT_EQ(r.uids_size(), r.sizes_size());
    for (int i = 0; i < r.uids_size() && i < r.sizes_size(); ++i) sizes[r.uids(i)] = r.sizes(i);
  }
  grpc::Status s = reader->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
  return sizes;
}

std::vector<pb::MessageMetadata> StorageTest::FetchMetadata(const std::string& account,
                                                            const pb::IdSet& uids) {
  pb::FetchMetadataRequest req;
  req.set_account(account);
  req.set_mailbox("INBOX");
  *req.mutable_uids() = uids;
  req.set_envelope(true);
  req.set_body_structure(true);
  auto ctx = rpc::ContextWithDeadline();
  auto reader = stub_->FetchMetadata(ctx.get(), req);
  pb::FetchMetadataResponse r;
  std::vector<pb::MessageMetadata> got;
  while (reader->Read(&r)) got.insert(got.end(), r.messages().begin(), r.messages().end());
  grpc::Status s = reader->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
  return got;
}

std::map<uint32_t, std::string> StorageTest::FetchMessages(const std::string& account,
                                                           const std::vector<uint32_t>& uids,
                                                           uint64_t max, grpc::Status* status) {
  pb::FetchMessagesRequest req;
  req.set_account(account);
  req.set_mailbox("INBOX");
  for (uint32_t u : uids) req.add_uids(u);
  req.set_max_message_bytes(max);
  auto ctx = rpc::ContextWithDeadline();
  auto reader = stub_->FetchMessages(ctx.get(), req);
  std::map<uint32_t, std::string> got;
  pb::FetchMessagesResponse r;
  while (reader->Read(&r)) got[r.uid()] = r.content();
  grpc::Status s = reader->Finish();
  if (status) *status = s;
  else EXPECT_TRUE(s.ok()) << s.error_message();
  return got;
}

std::string StorageTest::Sql(const std::string& query) {
  pqxx::connection c(Cluster().url());
  pqxx::nontransaction tx(c);
  pqxx::result r = tx.exec(query);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].as<std::string>();
}

std::string StorageTest::HttpGet(int port, const std::string& path, int* code) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  sock.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  asio::write(sock, asio::buffer(req));
  std::string resp;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    size_t n = sock.read_some(asio::buffer(buf), ec);
    resp.append(buf, n);
    if (ec) break;
  }
  *code = std::atoi(resp.substr(9, 3).c_str());
  return resp;
}

pb::IdSet Uids(std::initializer_list<std::pair<uint32_t, uint32_t>> ranges) {
  pb::IdSet s;
  for (auto [a, b] : ranges) {
    auto* r = s.add_ranges();
    r->set_first(a);
    r->set_last(b);
  }
  return s;
}

}  // namespace tern::storage::testing
