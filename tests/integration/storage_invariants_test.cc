// DESIGN.md invariants 1, 2 and 8 against a real PostgreSQL.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "storage_fixture.h"
#include "tern/core/error.h"
#include "tern/rpc/status.h"
#include "tern/rpc/channel.h"

namespace tern::storage::testing {
namespace {

class StorageInvariantsTest : public StorageTest {};

TEST_F(StorageInvariantsTest, UidsStrictlyAscendAndAreUniqueUnderConcurrentAppends) {
  const std::string account = NewAccount();
  constexpr int kClients = 8, kEach = 40;
  std::vector<std::vector<uint32_t>> got(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      // Each client has its own channel: separate connections, like separate gateways.
      auto stub = StubFor(server_->grpc_port());
      for (int i = 0; i < kEach; ++i) {
        pb::AppendRequest req;
        req.set_account(account);
        req.set_mailbox("INBOX");
        req.set_content(Message("c" + std::to_string(c) + "-" + std::to_string(i)));
        pb::AppendResponse resp;
        auto ctx = rpc::ContextWithDeadline(std::chrono::seconds(30));
        grpc::Status s = stub->Append(ctx.get(), req, &resp);
        ASSERT_TRUE(s.ok()) << s.error_message();
        got[c].push_back(resp.uid());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint32_t> all;
  for (const auto& v : got) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()) &&
                std::adjacent_find(v.begin(), v.end()) == v.end())
        << "one client's UIDs must strictly ascend";
    all.insert(v.begin(), v.end());
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kClients * kEach)) << "UIDs must be unique";
  std::vector<uint32_t> listed = SelectUids(account, "INBOX");
  EXPECT_EQ(listed, std::vector<uint32_t>(all.begin(), all.end()));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<uint32_t>(kClients * kEach)) << "no UID skipped";
  EXPECT_EQ(StatusOf(account, "INBOX").uidnext(), static_cast<uint32_t>(kClients * kEach + 1));
}

TEST_F(StorageInvariantsTest, UidsAreNeverReusedAfterExpunge) {
  const std::string account = NewAccount();
  pb::AppendResponse a;
  ASSERT_TRUE(Append(account, "INBOX", Message("one"), &a, pb::FLAG_DELETED).ok());
  pb::ExpungeRequest ex;
  ex.set_account(account);
  ex.set_mailbox("INBOX");
  pb::ExpungeResponse exr;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().Expunge(ctx.get(), ex, &exr).ok());
  ASSERT_EQ(exr.expunged_size(), 1);
  pb::AppendResponse b;
  ASSERT_TRUE(Append(account, "INBOX", Message("two"), &b).ok());
  EXPECT_GT(b.uid(), a.uid());
  EXPECT_EQ(b.uidvalidity(), a.uidvalidity());
}

TEST_F(StorageInvariantsTest, EveryChangeRaisesModseq) {
  const std::string account = NewAccount();
  uint64_t last = StatusOf(account, "INBOX").highestmodseq();
  auto expect_raised = [&](const char* what) {
    uint64_t now = StatusOf(account, "INBOX").highestmodseq();
    EXPECT_GT(now, last) << what << " must raise HIGHESTMODSEQ";
    last = now;
  };
  pb::AppendResponse a;
  ASSERT_TRUE(Append(account, "INBOX", Message("m1"), &a).ok());
  expect_raised("append");
  ASSERT_TRUE(Deliver({account}, Message("m2"), nullptr).ok());
  expect_raised("delivery");

  pb::StoreFlagsRequest st;
  st.set_account(account);
  st.set_mailbox("INBOX");
  *st.mutable_uids() = Uids({{a.uid(), a.uid()}});
  st.set_mode(pb::STORE_ADD);
  st.set_flags(pb::FLAG_SEEN);
  st.add_keywords("$Label1");
  pb::StoreFlagsResponse str;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().StoreFlags(ctx.get(), st, &str).ok());
  ASSERT_EQ(str.updated_size(), 1);
  EXPECT_EQ(str.updated(0).modseq(), str.highestmodseq());
  expect_raised("flag change");

  // Storing the same flags again changes nothing and so must not raise MODSEQ.
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().StoreFlags(ctx.get(), st, &str).ok());
  EXPECT_EQ(str.updated_size(), 0);
  EXPECT_EQ(StatusOf(account, "INBOX").highestmodseq(), last);

  st.set_mode(pb::STORE_ADD);
  st.set_flags(pb::FLAG_DELETED);
  st.clear_keywords();
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().StoreFlags(ctx.get(), st, &str).ok());
  expect_raised("\\Deleted");
  pb::ExpungeRequest ex;
  ex.set_account(account);
  ex.set_mailbox("INBOX");
  pb::ExpungeResponse exr;
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().Expunge(ctx.get(), ex, &exr).ok());
  EXPECT_EQ(exr.highestmodseq(), StatusOf(account, "INBOX").highestmodseq());
  expect_raised("expunge");

  uint64_t archive_before = StatusOf(account, "Archive").highestmodseq();
  pb::CopyRequest cp;
  cp.set_account(account);
  cp.set_mailbox("INBOX");
  *cp.mutable_uids() = Uids({{1, 0}});
  cp.set_to_mailbox("Archive");
  pb::CopyResponse cpr;
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().Move(ctx.get(), cp, &cpr).ok());
  EXPECT_EQ(cpr.source_uids_size(), 1);
  expect_raised("move out");
  EXPECT_GT(StatusOf(account, "Archive").highestmodseq(), archive_before);
}

TEST_F(StorageInvariantsTest, ExpungesAndFlagChangesAreVisibleToChangesSince) {
  const std::string account = NewAccount();
  std::vector<uint32_t> uids;
  for (int i = 0; i < 4; ++i) {
    pb::AppendResponse a;
    ASSERT_TRUE(Append(account, "INBOX", Message("x" + std::to_string(i)), &a).ok());
    uids.push_back(a.uid());
  }
  const uint64_t since = StatusOf(account, "INBOX").highestmodseq();

  pb::StoreFlagsRequest st;
  st.set_account(account);
  st.set_mailbox("INBOX");
  *st.mutable_uids() = Uids({{uids[1], uids[2]}});
  st.set_mode(pb::STORE_ADD);
  st.set_flags(pb::FLAG_DELETED);
  pb::StoreFlagsResponse str;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().StoreFlags(ctx.get(), st, &str).ok());
  *st.mutable_uids() = Uids({{uids[3], uids[3]}});
  st.set_flags(pb::FLAG_FLAGGED);
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().StoreFlags(ctx.get(), st, &str).ok());

  pb::ExpungeRequest ex;
  ex.set_account(account);
  ex.set_mailbox("INBOX");
  *ex.mutable_uids() = Uids({{uids[1], uids[1]}});  // UID EXPUNGE: only uids[1]
  pb::ExpungeResponse exr;
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().Expunge(ctx.get(), ex, &exr).ok());
  ASSERT_EQ(std::vector<uint32_t>(exr.expunged().begin(), exr.expunged().end()),
            std::vector<uint32_t>{uids[1]});

  pb::ChangesSinceRequest cs;
  cs.set_account(account);
  cs.set_mailbox("INBOX");
  cs.set_modseq(since);
  pb::ChangesSinceResponse csr;
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().ChangesSince(ctx.get(), cs, &csr).ok());
  EXPECT_EQ(std::vector<uint32_t>(csr.vanished().begin(), csr.vanished().end()),
            std::vector<uint32_t>{uids[1]});
  std::vector<uint32_t> changed;
  for (const auto& c : csr.changed()) {
    changed.push_back(c.uid());
    EXPECT_GT(c.modseq(), since);
  }
  EXPECT_EQ(changed, (std::vector<uint32_t>{uids[2], uids[3]}));
  EXPECT_EQ(csr.highestmodseq(), StatusOf(account, "INBOX").highestmodseq());

  // Nothing changed since the current HIGHESTMODSEQ.
  cs.set_modseq(csr.highestmodseq());
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().ChangesSince(ctx.get(), cs, &csr).ok());
  EXPECT_EQ(csr.changed_size(), 0);
  EXPECT_EQ(csr.vanished_size(), 0);
}

TEST_F(StorageInvariantsTest, MultiRecipientDeliveryIsAllOrNothing) {
  const std::string a = NewAccount("a"), b = NewAccount("b"), c = NewAccount("c");
  // b can take no more messages: the whole delivery must fail and a and c get nothing.
  pb::SetQuotaRequest q;
  q.set_account(b);
  q.set_messages(1);
  pb::Quota qr;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().SetQuota(ctx.get(), q, &qr).ok());
  ASSERT_TRUE(Deliver({b}, Message("fills-b"), nullptr).ok());
  const std::string before = Sql("SELECT count(*) FROM messages");

  pb::DeliverResponse dr;
  grpc::Status s = Deliver({a, b, c}, Message("to-all-three"), &dr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_EQ(StatusOf(a, "INBOX").messages(), 0u);
  EXPECT_EQ(StatusOf(c, "INBOX").messages(), 0u);
  EXPECT_EQ(StatusOf(b, "INBOX").messages(), 1u);
  EXPECT_EQ(StatusOf(a, "INBOX").uidnext(), 1u) << "no UID may be consumed by a failed delivery";
  EXPECT_EQ(Sql("SELECT count(*) FROM messages"), before) << "no orphan content";

  // Without the full mailbox the same delivery reaches everyone.
  ASSERT_TRUE(Deliver({a, c}, Message("to-two"), &dr).ok());
  EXPECT_EQ(dr.copies_size(), 2);
  EXPECT_EQ(StatusOf(a, "INBOX").messages(), 1u);
  EXPECT_EQ(StatusOf(c, "INBOX").messages(), 1u);
}

// Group commit: concurrent deliveries are written several to a transaction. One refused in its
// batch (over quota, no such mailbox) must fail alone, with its own status, and change nothing;
// the others are stored, and UIDs stay unique, ascending and without gaps.
TEST_F(StorageInvariantsTest, ConcurrentDeliveriesCommitTogetherAndARefusalFailsAlone) {
  const std::string open = NewAccount("open"), queued = NewAccount("queued");
  const std::string full = NewAccount("full"), tight = NewAccount("tight");
  auto set_quota = [&](const std::string& account, uint32_t messages) {
    pb::SetQuotaRequest q;
    q.set_account(account);
    q.set_messages(messages);
    pb::Quota qr;
    auto ctx = rpc::ContextWithDeadline();
    ASSERT_TRUE(stub().SetQuota(ctx.get(), q, &qr).ok());
  };
  set_quota(full, 1);
  ASSERT_TRUE(Deliver({full}, Message("fills-full"), nullptr).ok());
  constexpr uint32_t kTightRoom = 5;
  set_quota(tight, kTightRoom);
  StatusOf(open, "INBOX");  // the mail stores exist
  StatusOf(queued, "INBOX");
  auto metric = [](const std::string& name) {
    int code = 0;
    std::string body = HttpGet(server_->http_port(), "/metrics", &code);
    size_t at = body.find("\n" + name + " ");
    return at == std::string::npos ? 0.0 : std::atof(body.c_str() + at + name.size() + 2);
  };
  const double written_before = metric("tern_storage_write_batch_deliveries_sum");
  const std::string messages_before = Sql("SELECT count(*) FROM messages");

  enum Target { kOpen, kQueued, kFull, kTight, kNoMailbox, kTargets };
  struct Outcome {
    Target target;
    grpc::Status status;
    pb::DeliverResponse resp;
  };
  constexpr int kClients = 16, kEach = 20;
  std::vector<std::vector<Outcome>> got(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = StubFor(server_->grpc_port());
      for (int i = 0; i < kEach; ++i) {
        const auto target = static_cast<Target>((c + i) % kTargets);
        pb::DeliverRequest req;
        req.set_content(Message("batch-" + std::to_string(c) + "-" + std::to_string(i)));
        switch (target) {
          case kOpen: req.add_accounts(open); break;
          case kQueued:
            req.add_accounts(queued);
            req.set_sender(queued);
            req.add_outbound("r" + std::to_string(c) + "." + std::to_string(i) + "@remote.example");
            break;
          case kFull: req.add_accounts(full); break;
          case kTight: req.add_accounts(tight); break;
          default:
            req.add_accounts(open);
            req.set_mailbox("Nowhere");
            break;
        }
        Outcome o{target, {}, {}};
        auto ctx = rpc::ContextWithDeadline(std::chrono::seconds(30));
        o.status = stub->Deliver(ctx.get(), req, &o.resp);
        got[c].push_back(std::move(o));
      }
    });
  }
  for (auto& t : threads) t.join();

  std::map<std::string, std::set<uint32_t>> all;  // every UID handed out, by account
  size_t stored = 0, tight_stored = 0, queued_jobs = 0;
  for (const auto& client : got) {
    std::map<std::string, uint32_t> last;  // this client's last UID, by account
    for (const auto& o : client) {
      if (o.target == kFull) {
        EXPECT_EQ(o.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
        EXPECT_NE(o.status.error_message().find("quota"), std::string::npos);
        continue;
      }
      if (o.target == kNoMailbox) {
        EXPECT_EQ(o.status.error_code(), grpc::StatusCode::NOT_FOUND) << o.status.error_message();
        continue;
      }
      if (o.target == kTight && !o.status.ok()) {
        EXPECT_EQ(o.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
        continue;
      }
      ASSERT_TRUE(o.status.ok()) << o.status.error_message();
      ASSERT_EQ(o.resp.copies_size(), 1);
      const auto& copy = o.resp.copies(0);
      EXPECT_GT(copy.uid(), last[copy.account()]) << "one client's UIDs must strictly ascend";
      last[copy.account()] = copy.uid();
      EXPECT_TRUE(all[copy.account()].insert(copy.uid()).second) << "UIDs must be unique";
      ++stored;
      if (o.target == kTight) ++tight_stored;
      if (o.target == kQueued) {
        EXPECT_EQ(o.resp.outbound_jobs_size(), 1);
        queued_jobs += o.resp.outbound_jobs_size();
      }
    }
  }
  EXPECT_EQ(tight_stored, kTightRoom) << "the quota admits exactly its room, batched or not";
  for (const std::string& account : {open, queued, tight}) {
    const std::set<uint32_t>& uids = all[account];
    ASSERT_FALSE(uids.empty()) << account;
    EXPECT_EQ(SelectUids(account, "INBOX"), std::vector<uint32_t>(uids.begin(), uids.end()));
    EXPECT_EQ(*uids.rbegin(), uids.size()) << "no UID consumed by a refused delivery";
    EXPECT_EQ(StatusOf(account, "INBOX").uidnext(), uids.size() + 1);
  }
  const pb::MailboxInfo full_inbox = StatusOf(full, "INBOX");
  EXPECT_EQ(full_inbox.messages(), 1u);
  EXPECT_EQ(full_inbox.uidnext(), 2u);
  pb::GetQuotaRequest gq;
  gq.set_account(full);
  pb::Quota qr;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().GetQuota(ctx.get(), gq, &qr).ok());
  EXPECT_EQ(qr.messages_used(), 1u);
  EXPECT_EQ(Sql("SELECT count(*) FROM messages"),
            std::to_string(std::stoul(messages_before) + stored))
      << "refused deliveries leave no content";
  EXPECT_EQ(Sql("SELECT count(*) FROM outbound_queue WHERE sender = '" + queued + "'"),
            std::to_string(queued_jobs));
  // Every stored delivery went through a write batch (whether 16 clients share transactions
  // depends on scheduling; storage_bench measures that).
  const double written = metric("tern_storage_write_batch_deliveries_sum") - written_before;
  EXPECT_GE(written, static_cast<double>(stored));
}

TEST_F(StorageInvariantsTest, MessageIsStoredOnceForManyRecipients) {
  std::vector<std::string> rcpts;
  for (int i = 0; i < 5; ++i) rcpts.push_back(NewAccount("list"));
  const std::string content = Message("mailing-list-post", "Body\r\n", 8192);
  const int64_t rows_before = std::stoll(Sql("SELECT count(*) FROM messages"));
  pb::DeliverResponse dr;
  ASSERT_TRUE(Deliver(rcpts, content, &dr).ok());
  ASSERT_EQ(dr.copies_size(), 5);
  const std::string id = std::to_string(dr.message_id());
  EXPECT_EQ(std::stoll(Sql("SELECT count(*) FROM messages")), rows_before + 1)
      << "one content row for five recipients";
  EXPECT_EQ(Sql("SELECT count(*) FROM mailbox_messages WHERE message_id = " + id), "5")
      << "all five copies point at it";
  for (const auto& copy : dr.copies()) {
    EXPECT_EQ(FetchWhole(copy.account(), "INBOX", copy.uid()), content);
  }
}

TEST_F(StorageInvariantsTest, DeliveryOverQuotaIsRefusedWithADistinctStatus) {
  const std::string account = NewAccount();
  pb::SetQuotaRequest q;
  q.set_account(account);
  q.set_storage_bytes(10000);
  pb::Quota qr;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().SetQuota(ctx.get(), q, &qr).ok());
  EXPECT_EQ(qr.storage_bytes_limit(), 10000u);
  ASSERT_TRUE(Deliver({account}, Message("fits", "x\r\n", 6000), nullptr).ok());
  grpc::Status s = Deliver({account}, Message("too-much", "x\r\n", 6000), nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ReasonOf(rpc::FromGrpc(s)), Reason::kQuotaExceeded) << s.error_message();
  pb::GetQuotaRequest gq;
  gq.set_account(account);
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().GetQuota(ctx.get(), gq, &qr).ok());
  EXPECT_EQ(qr.messages_used(), 1u);
  EXPECT_GE(qr.storage_bytes_used(), 6000u);
  EXPECT_LE(qr.storage_bytes_used(), 10000u);
  // Expunging frees the quota.
  pb::ExpungeRequest ex;
  ex.set_account(account);
  ex.set_mailbox("INBOX");
  *ex.mutable_uids() = Uids({{1, 0}});
  ex.set_ignore_deleted_flag(true);
  pb::ExpungeResponse exr;
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().Expunge(ctx.get(), ex, &exr).ok());
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().GetQuota(ctx.get(), gq, &qr).ok());
  EXPECT_EQ(qr.messages_used(), 0u);
  EXPECT_EQ(qr.storage_bytes_used(), 0u);
  EXPECT_TRUE(Deliver({account}, Message("fits-again", "x\r\n", 6000), nullptr).ok());
}

TEST_F(StorageInvariantsTest, WatchWakesOnDeliveryThroughAnotherReplica) {
  const std::string account = NewAccount();
  StatusOf(account, "INBOX");  // the mail store exists
  auto replica = StartReplica();
  ASSERT_NE(replica, nullptr);
  auto other = StubFor(replica->grpc_port());

  pb::WatchRequest wr;
  wr.set_account(account);
  auto ctx = rpc::ContextWithDeadline(std::chrono::seconds(20));
  auto reader = stub().Watch(ctx.get(), wr);
  pb::ChangeHint hint;
  ASSERT_TRUE(reader->Read(&hint)) << "the first message says the watch is live";
  EXPECT_EQ(hint.mailbox(), "");

  pb::DeliverRequest dr;
  dr.add_accounts(account);
  dr.set_content(Message("wake-up"));
  pb::DeliverResponse dresp;
  auto dctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(other->Deliver(dctx.get(), dr, &dresp).ok());

  // Hints are filtered by account: the next one must be ours, for INBOX.
  ASSERT_TRUE(reader->Read(&hint));
  EXPECT_EQ(hint.mailbox(), "INBOX");
  EXPECT_EQ(hint.uidnext(), dresp.copies(0).uid() + 1);
  EXPECT_EQ(hint.highestmodseq(), StatusOf(account, "INBOX").highestmodseq());
  ctx->TryCancel();
  reader->Finish();
  replica->Stop(100);
}

}  // namespace
}  // namespace tern::storage::testing
