// The gateway side of change hints (clients::ChangeFeed) against real storage replicas: one
// WatchAccounts stream per process fanned out to its subscribers, and a stream that breaks is
// re-opened with every subscriber told to re-read (DESIGN.md invariant 8).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "storage_fixture.h"
#include "tern/clients/change_feed.h"
#include "tern/rpc/channel.h"

namespace tern::storage::testing {
namespace {

// What one subscriber (a session) received.
class Received {
 public:
  clients::ChangeFeed::Callback Callback() {
    return [this](const pb::ChangeHint& h) {
      absl::MutexLock lock(&mu_);
      hints_.push_back(h);
    };
  }
  // The first hint (from the `from`th on) that `match` accepts, waiting up to 20 s for it.
  std::optional<pb::ChangeHint> WaitFor(std::function<bool(const pb::ChangeHint&)> match,
                                        size_t from = 0) {
    absl::MutexLock lock(&mu_);
    std::optional<pb::ChangeHint> found;
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (size_t i = from; i < hints_.size(); ++i) {
        if (match(hints_[i])) {
          found = hints_[i];
          return true;
        }
      }
      return false;
    };
    mu_.AwaitWithTimeout(absl::Condition(&seen), absl::Seconds(20));
    return found;
  }
  std::vector<pb::ChangeHint> hints() {
    absl::MutexLock lock(&mu_);
    return hints_;
  }

 private:
  absl::Mutex mu_;
  std::vector<pb::ChangeHint> hints_ ABSL_GUARDED_BY(mu_);
};

bool Reread(const pb::ChangeHint& h) { return h.mailbox().empty(); }
std::function<bool(const pb::ChangeHint&)> InboxWith(uint32_t uidnext) {
  return [uidnext](const pb::ChangeHint& h) { return h.mailbox() == "INBOX" && h.uidnext() == uidnext; };
}

std::shared_ptr<grpc::Channel> ChannelTo(int port) {
  return *rpc::MakeChannel({.target = "127.0.0.1:" + std::to_string(port)});
}

class ChangeFeedTest : public StorageTest {
 protected:
  static double Gauge(int http_port, const std::string& name) {
    int code = 0;
    std::string body = StorageTest::HttpGet(http_port, "/metrics", &code);
    size_t at = body.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(body.substr(at + name.size() + 2));
  }
};


TEST_F(ChangeFeedTest, OneStreamFansOutToEverySubscriberOfTheAccount) {
  auto replica = StartReplica();
  ASSERT_NE(replica, nullptr);
  const std::string a = NewAccount(), b = NewAccount();
  StatusOf(a, "INBOX");
  StatusOf(b, "INBOX");
  clients::ChangeFeed feed(ChannelTo(replica->grpc_port()));
  Received a1, a2, b1;
  feed.Subscribe(a, a1.Callback());
  feed.Subscribe(a, a2.Callback());
  feed.Subscribe(b, b1.Callback());
  ASSERT_TRUE(a1.WaitFor(Reread)) << "a re-read once storage watches the account";
  ASSERT_TRUE(b1.WaitFor(Reread));
  EXPECT_EQ(feed.accounts(), 2u);

  pb::DeliverResponse dr;
  ASSERT_TRUE(Deliver({a}, Message("to-a"), &dr).ok());
  const uint32_t next_a = dr.copies(0).uid() + 1;
  auto h1 = a1.WaitFor(InboxWith(next_a));
  auto h2 = a2.WaitFor(InboxWith(next_a));
  ASSERT_TRUE(h1 && h2) << "every subscriber of the account gets the hint";
  EXPECT_EQ(h1->account(), a);
  EXPECT_EQ(h1->highestmodseq(), StatusOf(a, "INBOX").highestmodseq());

  ASSERT_TRUE(Deliver({b}, Message("to-b"), &dr).ok());
  ASSERT_TRUE(b1.WaitFor(InboxWith(dr.copies(0).uid() + 1)));
  for (const auto& h : b1.hints()) EXPECT_EQ(h.account(), b) << "only b's hints reach b";
  for (const auto& h : a1.hints()) EXPECT_EQ(h.account(), a);
  EXPECT_EQ(Gauge(replica->http_port(), "tern_storage_watch_streams"), 1)
      << "three subscribers, one stream";
  EXPECT_EQ(feed.streams_opened(), 1u);
}

TEST_F(ChangeFeedTest, AnUnsubscribedSessionGetsNothingAndTheLastOneRemovesTheAccount) {
  const std::string a = NewAccount();
  StatusOf(a, "INBOX");
  clients::ChangeFeed feed(ChannelTo(server_->grpc_port()));
  Received gone, stays;
  uint64_t g = feed.Subscribe(a, gone.Callback());
  uint64_t s = feed.Subscribe(a, stays.Callback());
  ASSERT_TRUE(gone.WaitFor(Reread));
  feed.Unsubscribe(g);
  const size_t before = gone.hints().size();
  pb::DeliverResponse dr;
  ASSERT_TRUE(Deliver({a}, Message("after-unsubscribe"), &dr).ok());
  ASSERT_TRUE(stays.WaitFor(InboxWith(dr.copies(0).uid() + 1)));
  // Both are called from the same dispatch: had `gone` been called, it would have been by now.
  EXPECT_EQ(gone.hints().size(), before);
  feed.Unsubscribe(s);
  EXPECT_EQ(feed.accounts(), 0u);
}

TEST_F(ChangeFeedTest, StorageRefusesAnAccountItCannotWatch) {
  clients::ChangeFeed feed(ChannelTo(server_->grpc_port()));
  Received r;
  feed.Subscribe("not an address", r.Callback());
  auto h = r.WaitFor([](const pb::ChangeHint& h) { return h.refused(); });
  ASSERT_TRUE(h);
  EXPECT_EQ(h->account(), "not an address");
  EXPECT_EQ(feed.accounts(), 0u) << "a refused account is dropped";
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST_F(ChangeFeedTest, AStoppedReplicaIsReplacedAndEverySubscriberReReads) {
  const std::string a = NewAccount();
  StatusOf(a, "INBOX");
  StorageConfig c = config_;
  c.grpc_listen = "127.0.0.1:" + std::to_string(FreePort());
  auto first = StorageServer::Start(c);
  ASSERT_TRUE(first.ok()) << first.status();
  clients::ChangeFeed feed(ChannelTo((*first)->grpc_port()));
  Received r;
  feed.Subscribe(a, r.Callback());
  ASSERT_TRUE(r.WaitFor(Reread));
  const size_t seen = r.hints().size();

  // The replica stops (it ends its watch streams first); another takes its address.
  (*first)->Stop(100);
  auto second = StorageServer::Start(c);
  ASSERT_TRUE(second.ok()) << second.status();
  // A session that subscribes now is watched only through a new stream (the old replica is
  // gone), whose first request also carries `a`: its re-read says both are watched there.
  const std::string b = NewAccount();
  StatusOf(b, "INBOX");
  Received rb;
  feed.Subscribe(b, rb.Callback());
  ASSERT_TRUE(rb.WaitFor(Reread));
  ASSERT_TRUE(r.WaitFor(Reread, seen)) << "the re-opened stream asks for a re-read";
  EXPECT_GE(feed.streams_opened(), 2u);

  pb::DeliverResponse dr;
  ASSERT_TRUE(Deliver({a}, Message("after-failover"), &dr).ok());
  auto h = r.WaitFor(InboxWith(dr.copies(0).uid() + 1), seen);
  ASSERT_TRUE(h) << "hints flow again through the new stream";
  EXPECT_EQ(h->account(), a);
  (*second)->Stop(100);
}

}  // namespace
}  // namespace tern::storage::testing
