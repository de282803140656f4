// The data path of message bodies: binary reads and writes that keep every byte value, a trace
// stored in front of the content, and one transaction per delivery and per read of a large
// message.
#include <thread>

#include "storage_fixture.h"
#include "tern/rpc/channel.h"

namespace tern::storage::testing {
namespace {

class StorageDataPathTest : public StorageTest {
 protected:
  // A message whose body holds every byte value 0..255, in blocks repeated up to `pad_to`
  // octets. Each block ends with CR LF, its only LF, so the POP3 size is the size and the
  // message can share a group-commit batch (one with a POP3 size of its own is written alone).
  static std::string BinaryMessage(const std::string& subject, size_t pad_to) {
    std::string m = "From: s@example.org\r\nSubject: " + subject +
                    "\r\nContent-Type: application/octet-stream\r\n\r\n";
    do {
      for (int i = 0; i < 256; ++i) {
        if (i != '\r' && i != '\n') m.push_back(static_cast<char>(i));
      }
      m += "\r\n";
    } while (m.size() < pad_to);
    return m;
  }
  grpc::Status DeliverWithTrace(const std::string& account, const std::string& trace,
                                const std::string& content, pb::DeliverResponse* resp) {
    pb::DeliverRequest req;
    req.add_accounts(account);
    req.set_trace(trace);
    req.set_content(content);
    auto ctx = rpc::ContextWithDeadline(std::chrono::seconds(30));
    return stub().Deliver(ctx.get(), req, resp);
  }
  // How many database transactions of `op` this server has run (its query histogram).
  static int64_t Transactions(const std::string& op) {
    int code = 0;
    const std::string body = HttpGet(server_->http_port(), "/metrics", &code);
    const std::string key = "tern_storage_db_query_duration_seconds_count{op=\"" + op + "\"} ";
    const size_t at = body.find(key);
    if (at == std::string::npos) return 0;
    return std::atoll(body.c_str() + at + key.size());
  }
};

TEST_F(StorageDataPathTest, EveryByteValueSurvivesDeliveryAndEveryRead) {
  const std::string account = NewAccount();
  const uint64_t chunk = 256 << 10;
  const std::string small = BinaryMessage("small", 1000);
  const std::string large = BinaryMessage("large", 3 * chunk + 1000);  // four chunks
  pb::DeliverResponse d1, d2;
  ASSERT_TRUE(Deliver({account}, small, &d1).ok());
  ASSERT_TRUE(Deliver({account}, large, &d2).ok());
  const uint32_t u1 = d1.copies(0).uid(), u2 = d2.copies(0).uid();
  EXPECT_EQ(FetchWhole(account, "INBOX", u1), small);
  int chunks = 0;
  EXPECT_EQ(FetchWhole(account, "INBOX", u2, pb::FetchContentRequest::FULL, {}, 0, 0, nullptr,
                       &chunks),
            large);
  EXPECT_EQ(chunks, 4);
  // A range across a chunk boundary, and the body alone (the general path).
  EXPECT_EQ(FetchWhole(account, "INBOX", u2, pb::FetchContentRequest::FULL, {}, chunk - 300, 600),
            large.substr(chunk - 300, 600));
  const size_t header = large.find("\r\n\r\n") + 4;
  EXPECT_EQ(FetchWhole(account, "INBOX", u2, pb::FetchContentRequest::TEXT), large.substr(header));
  EXPECT_EQ(FetchWhole(account, "INBOX", u2, pb::FetchContentRequest::PART, {1}),
            large.substr(header));
  EXPECT_EQ(FetchMessages(account, {u1, u2}, 8 << 20),
            (std::map<uint32_t, std::string>{{u1, small}, {u2, large}}));
  EXPECT_EQ(StatusOf(account, "INBOX").size(), small.size() + large.size());
}

TEST_F(StorageDataPathTest, OutboundWorkersClaimTheExactBytes) {
  const std::string trace = "Return-Path: <me@ours.test>\r\n";
  const std::string content = BinaryMessage("outbound", 2000);
  pb::DeliverRequest req;
  req.add_outbound("rcpt@binary.example");
  req.set_sender("me@ours.test");
  req.set_trace(trace);
  req.set_content(content);
  pb::DeliverResponse resp;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().Deliver(ctx.get(), req, &resp).ok());
  ASSERT_EQ(resp.outbound_jobs_size(), 1);
  pb::ClaimOutboundRequest claim;
  claim.set_owner("data-path-worker");
  claim.set_lease_seconds(60);
  claim.set_limit(100);
  pb::ClaimOutboundResponse claimed;
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().ClaimOutbound(ctx.get(), claim, &claimed).ok());
  bool found = false;
  for (const auto& j : claimed.jobs()) {
    if (j.id() != resp.outbound_jobs(0)) continue;
    found = true;
    EXPECT_EQ(j.content(), trace + content);
    EXPECT_EQ(j.size(), trace.size() + content.size());
  }
  EXPECT_TRUE(found);
}

TEST_F(StorageDataPathTest, ConcurrentBinaryDeliveriesWithTracesAreStoredExactly) {
  // Concurrent deliveries share group-commit batches (one body parameter each, a trace joined
  // by the server); whatever the batching, each message reads back byte for byte.
  const std::string account = NewAccount();
  constexpr int kThreads = 8, kEach = 4;
  std::vector<std::string> sent(kThreads * kEach);
  std::vector<uint32_t> uids(kThreads * kEach);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = StubFor(server_->grpc_port());
      for (int i = 0; i < kEach; ++i) {
        const int n = t * kEach + i;
        const std::string trace =
            n % 2 ? "" : "Received: from t" + std::to_string(n) + " by storage\r\n";
        const std::string content = BinaryMessage("c" + std::to_string(n), 3000 + 1000 * n);
        pb::DeliverRequest req;
        req.add_accounts(account);
        req.set_trace(trace);
        req.set_content(content);
        pb::DeliverResponse resp;
        auto ctx = rpc::ContextWithDeadline(std::chrono::seconds(30));
        grpc::Status s = stub->Deliver(ctx.get(), req, &resp);
        ASSERT_TRUE(s.ok()) << s.error_message();
        ASSERT_EQ(resp.copies_size(), 1);
        sent[n] = trace + content;
        uids[n] = resp.copies(0).uid();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (size_t n = 0; n < sent.size(); ++n) {
    EXPECT_EQ(FetchWhole(account, "INBOX", uids[n]), sent[n]) << n;
  }
}

TEST_F(StorageDataPathTest, TraceIsStoredInFrontOfTheContentAsIfSentAsOne) {
  const std::string trace =
      "Return-Path: <s@example.org>\r\n"
      "Received: from client.example.org by mx.example.test; Tue, 3 Mar 2026 10:00:00 +0000\r\n";
  // A bare LF in the body: the POP3 size counts it, across both pieces.
  const std::string content =
      "From: s@example.org\r\nSubject: traced\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
      "first\nline\r\n--B\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--B--\r\n";
  const std::string whole = trace + content;
  const std::string a = NewAccount(), b = NewAccount();
  pb::DeliverResponse traced, plain;
  ASSERT_TRUE(DeliverWithTrace(a, trace, content, &traced).ok());
  ASSERT_TRUE(Deliver({b}, whole, &plain).ok());
  EXPECT_EQ(traced.message_id(), plain.message_id())
      << "the same message (hashed as trace + content), so stored once";
  const uint32_t uid = traced.copies(0).uid();
  EXPECT_EQ(FetchWhole(a, "INBOX", uid), whole);
  const size_t header = whole.find("\r\n\r\n") + 4;
  EXPECT_EQ(FetchWhole(a, "INBOX", uid, pb::FetchContentRequest::HEADER), whole.substr(0, header));
  EXPECT_EQ(FetchWhole(a, "INBOX", uid, pb::FetchContentRequest::PART, {1}), "first\nline");
  EXPECT_EQ(FetchWhole(a, "INBOX", uid, pb::FetchContentRequest::PART, {2}), "second");
  EXPECT_EQ(StatusOf(a, "INBOX").size(), whole.size());
  EXPECT_EQ(SelectSizes(a, /*list_only=*/true)[uid], whole.size() + 1)
      << "the bare LF is sent as CRLF";
  const std::vector<pb::MessageMetadata> mds = FetchMetadata(a, Uids({{uid, uid}}));
  ASSERT_EQ(mds.size(), 1u);
  const pb::MessageMetadata& md = mds[0];
  EXPECT_EQ(md.size(), whole.size());
  EXPECT_EQ(md.header_size(), header);
  EXPECT_EQ(md.envelope().subject(), "traced");
  ASSERT_EQ(md.body_structure().children_size(), 2);
  EXPECT_EQ(md.body_structure().children(1).body_offset(), whole.find("second"));
  const std::vector<pb::MessageMetadata> same =
      FetchMetadata(b, Uids({{plain.copies(0).uid(), plain.copies(0).uid()}}));
  ASSERT_EQ(same.size(), 1u);
  EXPECT_EQ(md.body_structure().SerializeAsString(), same[0].body_structure().SerializeAsString());
  EXPECT_EQ(md.envelope().SerializeAsString(), same[0].envelope().SerializeAsString());
  // The size limit counts both pieces: content just under it, with the trace over it.
  pb::DeliverResponse ignored;
  const std::string under = "Subject: big\r\n\r\n" +
                            std::string(config_.max_message_bytes - 16 - trace.size() / 2, 'x');
  ASSERT_LE(under.size(), static_cast<size_t>(config_.max_message_bytes));
  EXPECT_EQ(DeliverWithTrace(a, trace, under, &ignored).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(DeliverWithTrace(a, trace, "", &ignored).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "a trace alone is no message";
}

TEST_F(StorageDataPathTest, LargeDeliveryIsOneTransactionAndVisibleWhenAnswered) {
  const std::string account = NewAccount();
  const std::string big = Message("large-one-tx", "start\r\n", 300 << 10);
  const int64_t before = Transactions("deliver") + Transactions("deliver_batch");
  pb::DeliverResponse d;
  ASSERT_TRUE(DeliverWithTrace(account, "Received: by test\r\n", big, &d).ok());
  EXPECT_EQ(Transactions("deliver") + Transactions("deliver_batch"), before + 1);
  // Answered means committed: another connection sees every row at once, all written by the
  // same transaction (one xmin for the content, the copy, the mailbox and the account usage).
  const std::string id = std::to_string(d.message_id());
  EXPECT_EQ(Sql("SELECT size FROM messages WHERE id = " + id),
            std::to_string(big.size() + std::string("Received: by test\r\n").size()));
  EXPECT_EQ(Sql("SELECT count(DISTINCT x) FROM (SELECT xmin::text AS x FROM messages WHERE id = " +
                id + " UNION ALL SELECT mm.xmin::text FROM mailbox_messages mm WHERE "
                "mm.message_id = " + id + " UNION ALL SELECT b.xmin::text FROM mailboxes b JOIN "
                "mailbox_messages mm ON mm.mailbox_id = b.id WHERE mm.message_id = " + id +
                " UNION ALL SELECT a.xmin::text FROM mail_accounts a JOIN mailboxes b ON "
                "b.account_id = a.id JOIN mailbox_messages mm ON mm.mailbox_id = b.id WHERE "
                "mm.message_id = " + id + ") t"),
            "1");
}

TEST_F(StorageDataPathTest, LargeMessageIsReadInOneTransaction) {
  const std::string account = NewAccount();
  const std::string big = Message("large-read", "start\r\n", 700 << 10);
  pb::DeliverResponse d;
  ASSERT_TRUE(Deliver({account}, big, &d).ok());
  const int64_t before = Transactions("fetch_content");
  int chunks = 0;
  EXPECT_EQ(FetchWhole(account, "INBOX", d.copies(0).uid(), pb::FetchContentRequest::FULL, {}, 0,
                       0, nullptr, &chunks),
            big);
  EXPECT_EQ(chunks, 3);
  EXPECT_EQ(Transactions("fetch_content"), before + 1);
}

}  // namespace
}  // namespace tern::storage::testing
