// The recipient lookup cache: what it keeps, for how long, and what it never keeps.
#include "tern/clients/lookup_cache.h"

#include "gtest/gtest.h"

namespace tern::clients {
namespace {

// Counts the lookups that reach it; answers from a fixed table.
class CountingAuth final : public InlineAuthClient {
 public:
  absl::Status Health() override { return absl::OkStatus(); }
  int calls = 0;
  bool down = false;
  std::map<std::string, auth::v1::LookupRecipientResponse::Result> table;
  absl::StatusOr<auth::v1::LookupRecipientResponse> Lookup(const std::string& address) override {
    ++calls;
    if (down) return absl::UnavailableError("down");
    auth::v1::LookupRecipientResponse r;
    auto it = table.find(address);
    r.set_local_domain(true);
    r.set_result(it == table.end() ? auth::v1::LookupRecipientResponse::UNKNOWN : it->second);
    if (r.result() == auth::v1::LookupRecipientResponse::ACCOUNTS) r.add_accounts(address);
    return r;
  }
  absl::StatusOr<auth::v1::AuthenticateResponse> Authenticate(const std::string&,
                                                              const std::vector<std::string>&,
                                                              const std::string&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<auth::v1::AuthenticateResponse> VerifyApop(const std::string&, const std::string&,
                                                            const std::string&,
                                                            const std::string&) override {
    return absl::UnimplementedError("");
  }
};

using L = auth::v1::LookupRecipientResponse;

TEST(LookupCacheTest, KeepsAcceptedRecipientsForTheTtl) {
  auto next = std::make_shared<CountingAuth>();
  next->table["a@x.test"] = L::ACCOUNTS;
  FakeClock clock;
  CachingAuthClient cache(next, absl::Seconds(5), 100, clock);
  for (const char* a : {"a@x.test", "A@X.test", "a@x.test"}) {
    auto r = cache.Lookup(a);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->result(), L::ACCOUNTS);
    EXPECT_EQ(r->accounts(0), "a@x.test");
  }
  EXPECT_EQ(next->calls, 1);
  clock.Advance(absl::Seconds(5));
  next->table.erase("a@x.test");  // removed: refused once the entry is old
  EXPECT_EQ(cache.Lookup("a@x.test")->result(), L::UNKNOWN);
  EXPECT_EQ(next->calls, 2);
}

// The gateways call the asynchronous form: it shares the cache with the blocking one.
TEST(LookupCacheTest, TheAsynchronousFormKeepsAndAnswersFromTheSameCache) {
  auto next = std::make_shared<CountingAuth>();
  next->table["a@x.test"] = L::ACCOUNTS;
  FakeClock clock;
  CachingAuthClient cache(next, absl::Seconds(5), 100, clock);
  std::vector<L> answers;
  auto keep = [&](absl::StatusOr<L> r) {
    ASSERT_TRUE(r.ok());
    answers.push_back(*r);
  };
  cache.LookupAsync("a@x.test", keep);
  cache.LookupAsync("A@x.TEST", keep);
  EXPECT_EQ(cache.Lookup("a@x.test")->result(), L::ACCOUNTS);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[1].accounts(0), "a@x.test");
  EXPECT_EQ(next->calls, 1);
  cache.LookupAsync("b@x.test", keep);  // unknown: passed through, never kept
  cache.LookupAsync("b@x.test", keep);
  EXPECT_EQ(answers.back().result(), L::UNKNOWN);
  EXPECT_EQ(next->calls, 3);
}

TEST(LookupCacheTest, NeverKeepsRefusalsOrErrors) {
  auto next = std::make_shared<CountingAuth>();
  FakeClock clock;
  CachingAuthClient cache(next, absl::Seconds(5), 100, clock);
  EXPECT_EQ(cache.Lookup("new@x.test")->result(), L::UNKNOWN);
  next->table["new@x.test"] = L::ACCOUNTS;  // created a moment later: accepted at once
  EXPECT_EQ(cache.Lookup("new@x.test")->result(), L::ACCOUNTS);
  next->table["off@x.test"] = L::DISABLED;
  cache.Lookup("off@x.test").IgnoreError();
  cache.Lookup("off@x.test").IgnoreError();
  EXPECT_EQ(next->calls, 4);
  next->down = true;
  EXPECT_FALSE(cache.Lookup("other@x.test").ok());
  EXPECT_TRUE(cache.Lookup("new@x.test").ok()) << "a cached answer survives an outage briefly";
}

TEST(LookupCacheTest, BoundedAndOffWithZeroTtl) {
  auto next = std::make_shared<CountingAuth>();
  FakeClock clock;
  for (int i = 0; i < 50; ++i) next->table["u" + std::to_string(i) + "@x.test"] = L::ACCOUNTS;
  CachingAuthClient small(next, absl::Seconds(5), 10, clock);
  for (int i = 0; i < 50; ++i) small.Lookup("u" + std::to_string(i) + "@x.test").IgnoreError();
  next->calls = 0;
  small.Lookup("u49@x.test").IgnoreError();
  EXPECT_EQ(next->calls, 0) << "the newest entries are kept";
  CachingAuthClient off(next, absl::ZeroDuration(), 10, clock);
  off.Lookup("u1@x.test").IgnoreError();
  off.Lookup("u1@x.test").IgnoreError();
  EXPECT_EQ(next->calls, 2);
}

TEST(DependencyMonitorTest, ReadyFollowsTheChecksAndDrainComesFirst) {
  std::atomic<bool> auth_up = true, storage_up = false;
  auto check = [](std::atomic<bool>& up) {
    return [&up] { return up ? absl::OkStatus() : absl::UnavailableError("connection refused"); };
  };
  DependencyMonitor m({{"auth", check(auth_up)}, {"storage", check(storage_up)}}, absl::Hours(1));
  EXPECT_EQ(m.Ready(), absl::UnavailableError("storage: connection refused")) << "first round at once";
  storage_up = true;
  EXPECT_FALSE(m.Ready().ok()) << "the last answer is kept until the next round";
  m.Refresh();
  EXPECT_TRUE(m.Ready().ok());
  auth_up = false;
  m.Refresh();
  EXPECT_EQ(m.Ready(), absl::UnavailableError("auth: connection refused"));
  auth_up = true;
  m.Refresh();
  m.Drain();
  EXPECT_EQ(m.Ready(), absl::UnavailableError("draining"));
}

}  // namespace
}  // namespace tern::clients
