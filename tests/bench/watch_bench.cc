// Change hints at scale: N watchers (5,000 by default, like IMAP clients in IDLE) on one
// storage replica, reached two ways:
//   feed     one gateway's clients::ChangeFeed: one WatchAccounts stream, N subscribers
//   streams  N Watch streams of their own (each a callback reactor on the server)
// Prints the process's threads and resident memory before and after the watchers arrive,
// and how long a delivery's hint takes to reach every watcher of its recipients: deliveries
// of one message to `batch` accounts at a time, until every watcher got one.
// Storage runs in this process (with the feed), so threads and memory are of both.
//   watch_bench [feed|streams] [watchers] [batch]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "backends.h"
#include "bench_util.h"
#include "grpcpp/support/client_callback.h"
#include "tern/clients/change_feed.h"
#include "tern/storage/v1/storage.grpc.pb.h"

namespace {

namespace pb = ::tern::storage::v1;
using tern::bench::Clock;

struct ProcState {
  long threads = 0;
  long rss_kib = 0;
};
ProcState Now() {
  ProcState p;
  std::ifstream f("/proc/self/status");
  std::string key;
  while (f >> key) {
    if (key == "Threads:") f >> p.threads;
    if (key == "VmRSS:") f >> p.rss_kib;
  }
  return p;
}

// When each watcher saw its first INBOX hint.
struct Arrivals {
  explicit Arrivals(size_t n) : at(n) {}
  void Saw(size_t i) {
    absl::MutexLock lock(&mu);
    if (at[i] == Clock::time_point()) {
      at[i] = Clock::now();
      ++count;
    }
  }
  absl::Mutex mu;
  std::vector<Clock::time_point> at;
  size_t count = 0;
};

// One Watch stream (the "streams" mode): reads hints until cancelled.
class Watcher final : public grpc::ClientReadReactor<pb::ChangeHint> {
 public:
  Watcher(pb::Storage::Stub& stub, const std::string& account, size_t i, Arrivals& arrivals,
          std::atomic<size_t>& live, std::atomic<size_t>& done)
      : i_(i), arrivals_(arrivals), live_(live), done_(done) {
    req_.set_account(account);
    stub.async()->Watch(&ctx_, &req_, this);
    StartRead(&hint_);
    StartCall();
  }
  void Cancel() { ctx_.TryCancel(); }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (hint_.mailbox().empty()) {
      if (!counted_) live_++;
      counted_ = true;
    } else {
      arrivals_.Saw(i_);
    }
    StartRead(&hint_);
  }
  void OnDone(const grpc::Status&) override { done_++; }

 private:
  size_t i_;
  Arrivals& arrivals_;
  std::atomic<size_t>& live_;
  std::atomic<size_t>& done_;
  bool counted_ = false;
  grpc::ClientContext ctx_;
  pb::WatchRequest req_;
  pb::ChangeHint hint_;
};

bool WaitUntil(std::function<bool()> cond, int seconds) {
  auto end = Clock::now() + std::chrono::seconds(seconds);
  while (!cond()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void Print(const char* what, const ProcState& p) {
  std::printf("%-28s threads %4ld   rss %7.1f MiB\n", what, p.threads, p.rss_kib / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "feed";
  const size_t n = argc > 2 ? std::stoul(argv[2]) : 5000;
  const size_t batch = argc > 3 ? std::stoul(argv[3]) : 500;
  if (mode != "feed" && mode != "streams") {
    std::cerr << "usage: watch_bench [feed|streams] [watchers] [batch]\n";
    return 2;
  }
  auto backends = tern::bench::StartBackends();
  if (!backends.ok()) {
    std::cerr << "cannot start backends: " << backends.status() << "\n";
    return 1;
  }
  auto& b = **backends;
  auto channel = *tern::rpc::MakeChannel({.target = b.storage_target()});
  auto stub = pb::Storage::NewStub(channel);
  std::vector<std::string> accounts;
  for (size_t i = 0; i < n; ++i) {
    accounts.push_back("w" + std::to_string(i) + "@watch.test");
    pb::EnsureAccountRequest req;
    req.set_account(accounts.back());
    pb::EnsureAccountResponse resp;
    auto ctx = tern::rpc::ContextWithDeadline(std::chrono::seconds(30));
    if (!stub->EnsureAccount(ctx.get(), req, &resp).ok()) {
      std::cerr << "cannot create " << accounts.back() << "\n";
      return 1;
    }
  }
  std::printf("watch_bench: %s, %zu watchers on %zu accounts, deliveries to %zu accounts each\n",
              mode.c_str(), n, n, batch);
  const ProcState before = Now();
  Print("before the watchers", before);

  Arrivals arrivals(n);
  std::atomic<size_t> live{0}, done{0};
  std::unique_ptr<tern::clients::ChangeFeed> feed;
  std::vector<std::unique_ptr<Watcher>> watchers;
  if (mode == "feed") {
    feed = std::make_unique<tern::clients::ChangeFeed>(channel);
    for (size_t i = 0; i < n; ++i) {
      feed->Subscribe(accounts[i], [&arrivals, &live, i](const pb::ChangeHint& h) {
        if (h.mailbox().empty()) {
          live++;  // the account is watched (once per subscriber here: one each)
        } else {
          arrivals.Saw(i);
        }
      });
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      watchers.push_back(std::make_unique<Watcher>(*stub, accounts[i], i, arrivals, live, done));
    }
  }
  if (!WaitUntil([&] { return live.load() >= n; }, 120)) {
    std::cerr << "only " << live.load() << " of " << n << " watchers went live\n";
    return 1;
  }
  Print("with the watchers, idle", Now());

  std::vector<double> latency_ms, from_call_ms;
  const std::string message = tern::bench::Message4k(
      "From: <bench@watch.test>\r\nTo: <all@watch.test>\r\nSubject: wake up\r\n\r\n");
  for (size_t first = 0; first < n; first += batch) {
    const size_t last = std::min(n, first + batch);
    pb::DeliverRequest req;
    for (size_t i = first; i < last; ++i) req.add_accounts(accounts[i]);
    req.set_content(message);
    pb::DeliverResponse resp;
    auto ctx = tern::rpc::ContextWithDeadline(std::chrono::seconds(60));
    const auto called = Clock::now();
    if (!stub->Deliver(ctx.get(), req, &resp).ok()) {
      std::cerr << "delivery failed\n";
      return 1;
    }
    const auto committed = Clock::now();
    if (!WaitUntil([&] {
          absl::MutexLock lock(&arrivals.mu);
          for (size_t i = first; i < last; ++i) {
            if (arrivals.at[i] == Clock::time_point()) return false;
          }
          return true;
        }, 30)) {
      std::cerr << "hints missing for deliveries " << first << ".." << last << "\n";
      return 1;
    }
    absl::MutexLock lock(&arrivals.mu);
    for (size_t i = first; i < last; ++i) {
      auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
      latency_ms.push_back(std::max(0.0, ms(arrivals.at[i] - committed)));
      from_call_ms.push_back(ms(arrivals.at[i] - called));
    }
  }
  const ProcState after = Now();
  Print("after the deliveries", after);
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(v.size() * p))];
  };
  std::printf("hint after commit   p50 %6.1f ms   p99 %6.1f ms   max %6.1f ms\n",
              pct(latency_ms, 0.5), pct(latency_ms, 0.99), pct(latency_ms, 1.0));
  std::printf("hint after Deliver call  p50 %6.1f ms   p99 %6.1f ms   (includes the commit)\n",
              pct(from_call_ms, 0.5), pct(from_call_ms, 0.99));
  std::printf("threads added by %zu watchers: %ld; resident memory added: %.1f MiB\n", n,
              after.threads - before.threads, (after.rss_kib - before.rss_kib) / 1024.0);
  for (auto& w : watchers) w->Cancel();
  WaitUntil([&] { return done.load() >= watchers.size(); }, 30);
  return 0;
}
