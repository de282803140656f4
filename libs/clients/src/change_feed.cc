#include "tern/clients/change_feed.h"

#include <deque>
#include <vector>

#include "grpcpp/support/client_callback.h"
#include "tern/core/log.h"
#include "tern/storage/v1/storage.grpc.pb.h"

namespace tern::clients {

namespace pb = ::tern::storage::v1;

// The bidirectional stream: reads hints until it ends, writes add/remove requests one at a
// time. A hold keeps the call open for writes started from other threads until reading has
// ended, after which writes are dropped (the next stream re-adds every account).
class ChangeFeed::Stream final : public grpc::ClientBidiReactor<pb::WatchAccountsRequest,
                                                                pb::ChangeHint> {
 public:
  Stream(ChangeFeed& feed, pb::Storage::Stub& stub, pb::WatchAccountsRequest first)
      : feed_(feed) {
    stub.async()->WatchAccounts(&ctx_, this);
    this->AddHold();
    this->StartRead(&hint_);
    if (first.add_size() > 0) Send(std::move(first));
    this->StartCall();
  }

  void Send(pb::WatchAccountsRequest req) {
    absl::MutexLock lock(&mu_);
    if (reading_done_) return;
    queue_.push_back(std::move(req));
    WriteNextLocked();
  }
  void Cancel() { ctx_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (ok) {
      feed_.Dispatch(hint_, first_);
      first_ = false;
      this->StartRead(&hint_);
      return;
    }
    absl::MutexLock lock(&mu_);
    reading_done_ = true;
    queue_.clear();
    if (!writing_) this->RemoveHold();
  }
  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (reading_done_) {
      this->RemoveHold();
      return;
    }
    if (!ok) return;  // the read side will end too
    WriteNextLocked();
  }
  void OnDone(const grpc::Status& s) override {
    if (!s.ok() && s.error_code() != grpc::StatusCode::CANCELLED) {
      log::Warn("change feed stream ended", {{"error", s.error_message()}});
    }
    feed_.Closed(this);
    delete this;
  }

 private:
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || queue_.empty()) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    this->StartWrite(&current_);
  }

  ChangeFeed& feed_;
  grpc::ClientContext ctx_;
  pb::ChangeHint hint_;
  bool first_ = true;  // reads are one at a time: no lock needed
  absl::Mutex mu_;
  std::deque<pb::WatchAccountsRequest> queue_ ABSL_GUARDED_BY(mu_);
  pb::WatchAccountsRequest current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_done_ ABSL_GUARDED_BY(mu_) = false;
};

absl::StatusOr<std::unique_ptr<ChangeFeed>> ChangeFeed::Start(const rpc::ChannelOptions& options) {
  auto ch = rpc::MakeChannel(options);
  if (!ch.ok()) return ch.status();
  return std::make_unique<ChangeFeed>(*ch);
}

ChangeFeed::ChangeFeed(std::shared_ptr<grpc::Channel> channel) : channel_(std::move(channel)) {
  thread_ = std::thread([this] { Loop(); });
}

ChangeFeed::~ChangeFeed() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    if (stream_ != nullptr) stream_->Cancel();
  }
  thread_.join();
}

void ChangeFeed::Loop() {
  auto stub = pb::Storage::NewStub(channel_);
  absl::Duration backoff = absl::Milliseconds(100);
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      // Wait until there is no stream (at start, or the last one ended), or we stop.
      auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stream_ == nullptr || stop_; };
      mu_.Await(absl::Condition(&idle));
      if (stop_) {
        auto gone = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stream_ == nullptr; };
        mu_.Await(absl::Condition(&gone));
        return;
      }
      if (opened_ > 0) {
        // Back off before re-opening; a stream that went live resets the wait.
        auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) continue;
        backoff = std::min(backoff * 2, absl::Seconds(5));
      }
      // The snapshot of accounts and the new stream are made under one lock, so an account
      // subscribed meanwhile is either in the first request or sent after it.
      pb::WatchAccountsRequest first;
      for (const auto& [account, subs] : subs_) first.add_add(account);
      ++opened_;
      live_ = false;
      stream_ = new Stream(*this, *stub, std::move(first));
    }
    absl::MutexLock lock(&mu_);
    auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return live_ || stream_ == nullptr || stop_;
    };
    mu_.Await(absl::Condition(&settled));
    if (live_) backoff = absl::Milliseconds(100);
  }
}

void ChangeFeed::Dispatch(const pb::ChangeHint& hint, bool first) {
  absl::MutexLock lock(&mu_);
  if (first) {
    // The stream is live. Every account on it gets its own re-read once storage watches it
    // (the answer to its add), so nobody needs one now.
    live_ = true;
    return;
  }
  if (hint.account().empty()) {
    // Storage dropped hints for this reader: every subscriber re-reads.
    for (const auto& [account, subs] : subs_) {
      pb::ChangeHint reread;
      reread.set_account(account);
      for (const auto& [id, cb] : subs) cb(reread);
    }
    return;
  }
  auto it = subs_.find(hint.account());
  if (it == subs_.end()) return;
  for (const auto& [id, cb] : it->second) cb(hint);
  if (hint.refused()) {
    for (const auto& [id, cb] : it->second) account_of_.erase(id);
    subs_.erase(it);
  }
}

void ChangeFeed::Closed(Stream* s) {
  absl::MutexLock lock(&mu_);
  if (stream_ == s) stream_ = nullptr;
  live_ = false;
}

uint64_t ChangeFeed::Subscribe(const std::string& account, Callback cb) {
  absl::MutexLock lock(&mu_);
  uint64_t id = next_id_++;
  auto& subs = subs_[account];
  const bool first = subs.empty();
  subs.emplace(id, std::move(cb));
  account_of_.emplace(id, account);
  if (first && stream_ != nullptr) {
    pb::WatchAccountsRequest req;
    req.add_add(account);
    stream_->Send(std::move(req));
  }
  return id;
}

void ChangeFeed::Unsubscribe(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = account_of_.find(id);
  if (it == account_of_.end()) return;
  const std::string account = it->second;
  account_of_.erase(it);
  auto subs = subs_.find(account);
  subs->second.erase(id);
  if (!subs->second.empty()) return;
  subs_.erase(subs);
  if (stream_ != nullptr) {
    pb::WatchAccountsRequest req;
    req.add_remove(account);
    stream_->Send(std::move(req));
  }
}

bool ChangeFeed::live() {
  absl::MutexLock lock(&mu_);
  return live_;
}

uint64_t ChangeFeed::streams_opened() {
  absl::MutexLock lock(&mu_);
  return opened_;
}

size_t ChangeFeed::accounts() {
  absl::MutexLock lock(&mu_);
  return subs_.size();
}

}  // namespace tern::clients
