#include "watch_service.h"

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "probe.h"
#include "store.h"
#include "tern/core/log.h"
#include "tern/rpc/status.h"
#include "watch_hub.h"

namespace tern::storage {
namespace {

namespace pb = ::tern::storage::v1;

// A slow reader gets one resync hint instead of an unbounded queue.
constexpr size_t kMaxQueued = 10000;

// The write side both reactors share: a bounded queue with one write in flight. `Reactor` is
// grpc::ServerWriteReactor<ChangeHint> or grpc::ServerBidiReactor<..., ChangeHint>.
template <typename Reactor>
class HintStream : public Reactor, public WatchStreams::Stream {
 public:
  HintStream(WatchHub& hub, Probe& probe, WatchStreams& streams)
      : hub_(hub), probe_(probe), streams_(streams) {
    probe_.WatchStreams(1);
    streams_.Add(this);
  }

  // Called by the hub's thread (under the hub's lock) and by the reactor itself.
  void Push(pb::ChangeHint hint) {
    absl::MutexLock lock(&mu_);
    if (done_) return;
    if (queue_.size() >= kMaxQueued) {
      // An empty hint (no account, no mailbox): "re-read everything you watch".
      queue_.clear();
      queue_.emplace_back();
    }
    queue_.push_back(std::move(hint));
    WriteNextLocked();
  }

  void End() override {
    absl::MutexLock lock(&mu_);
    FinishLocked(grpc::Status::OK);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status::OK);
      return;
    }
    if (finish_pending_) {
      FinishLocked(final_);
      return;
    }
    WriteNextLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    // After Unsubscribe returns the hub never calls this stream again.
    std::vector<uint64_t> subs;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [id, name] : subs_names_) subs.push_back(id);
      subs_names_.clear();
    }
    for (uint64_t id : subs) hub_.Unsubscribe(id);
    streams_.Remove(this);
    probe_.WatchStreams(-1);
    delete this;
  }

 protected:
  // Subscribes to `account_id`'s hints, tagged with `account` (empty for Watch streams).
  void Subscribe(int64_t account_id, const std::string& account,
                 const std::vector<std::string>& mailboxes) {
    uint64_t id = hub_.Subscribe(account_id, [this, account, mailboxes](const pb::ChangeHint& h) {
      if (!h.mailbox().empty() && !mailboxes.empty() &&
          std::find(mailboxes.begin(), mailboxes.end(), h.mailbox()) == mailboxes.end()) {
        return;
      }
      pb::ChangeHint copy = h;
      copy.set_account(account);
      Push(std::move(copy));
    });
    absl::MutexLock lock(&mu_);
    subs_names_.emplace(id, account);
  }
  // Unsubscribes every subscription tagged `account`.
  void Unsubscribe(const std::string& account) {
    std::vector<uint64_t> ids;
    {
      absl::MutexLock lock(&mu_);
      for (auto it = subs_names_.begin(); it != subs_names_.end();) {
        if (it->second == account) {
          ids.push_back(it->first);
          it = subs_names_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (uint64_t id : ids) hub_.Unsubscribe(id);
  }
  bool HasAccount(const std::string& account) {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, name] : subs_names_) {
      if (name == account) return true;
    }
    return false;
  }
  void Fail(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    FinishLocked(status);
  }
  bool done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }

 private:
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || done_ || finish_pending_ || queue_.empty()) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    this->StartWrite(&current_);
  }
  // Finish may not overlap a write: with one in flight it waits for OnWriteDone.
  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (done_) return;
    if (writing_) {
      if (!finish_pending_) final_ = status;
      finish_pending_ = true;
      return;
    }
    done_ = true;
    queue_.clear();
    this->Finish(status);
  }

  WatchHub& hub_;
  Probe& probe_;
  WatchStreams& streams_;
  absl::Mutex mu_;
  std::deque<pb::ChangeHint> queue_ ABSL_GUARDED_BY(mu_);
  pb::ChangeHint current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_ ABSL_GUARDED_BY(mu_);
  std::multimap<uint64_t, std::string> subs_names_ ABSL_GUARDED_BY(mu_);
};

class WatchReactor final : public HintStream<grpc::ServerWriteReactor<pb::ChangeHint>> {
 public:
  WatchReactor(MailStore& store, WatchHub& hub, Probe& probe, WatchStreams& streams,
               const pb::WatchRequest& req)
      : HintStream(hub, probe, streams) {
    if (streams.ending()) {
      Fail(grpc::Status(grpc::StatusCode::UNAVAILABLE, "storage replica is stopping"));
      return;
    }
    auto account_id = store.AccountId(req.account());
    if (!account_id.ok()) {
      Fail(rpc::ToGrpc(account_id.status()));
      return;
    }
    std::vector<std::string> wanted;
    for (const auto& name : req.mailboxes()) {
      auto n = NormalizeMailbox(name);
      if (!n.ok()) {
        Fail(rpc::ToGrpc(n.status()));
        return;
      }
      wanted.push_back(*n);
    }
    // Subscribed before the first message, which says the watch is live: a change committed
    // after it will be reported.
    Subscribe(*account_id, "", wanted);
    Push(pb::ChangeHint());
  }
};

class WatchAccountsReactor final
    : public HintStream<grpc::ServerBidiReactor<pb::WatchAccountsRequest, pb::ChangeHint>> {
 public:
  WatchAccountsReactor(MailStore& store, WatchHub& hub, Probe& probe, WatchStreams& streams)
      : HintStream(hub, probe, streams), store_(store) {
    if (streams.ending()) {
      Fail(grpc::Status(grpc::StatusCode::UNAVAILABLE, "storage replica is stopping"));
      return;
    }
    Push(pb::ChangeHint());  // live
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client closed its side: nothing more will be asked for.
      Fail(grpc::Status::OK);
      return;
    }
    for (const auto& account : request_.remove()) Unsubscribe(account);
    for (const auto& account : request_.add()) {
      if (HasAccount(account)) continue;
      // Cached after the first time (MailStore keeps account ids), so this rarely waits.
      auto id = store_.AccountId(account);
      if (!id.ok()) {
        log::Warn("watch: account refused",
                  {{"account", account}, {"error", std::string(id.status().message())}});
        pb::ChangeHint refused;
        refused.set_account(account);
        refused.set_refused(true);
        Push(std::move(refused));
        continue;
      }
      Subscribe(*id, account, {});
      pb::ChangeHint watched;  // "re-read": changes from now on are reported
      watched.set_account(account);
      Push(std::move(watched));
    }
    if (!done()) StartRead(&request_);
  }

 private:
  MailStore& store_;
  pb::WatchAccountsRequest request_;
};

}  // namespace

void WatchStreams::Add(Stream* s) {
  absl::MutexLock lock(&mu_);
  live_.insert(s);
}

void WatchStreams::Remove(Stream* s) {
  absl::MutexLock lock(&mu_);
  live_.erase(s);
}

bool WatchStreams::ending() {
  absl::MutexLock lock(&mu_);
  return ending_;
}

void WatchStreams::EndAll() {
  absl::MutexLock lock(&mu_);
  ending_ = true;
  // End() only asks gRPC to finish; the stream leaves the set from OnDone, later.
  for (Stream* s : live_) s->End();
}

grpc::ServerWriteReactor<v1::ChangeHint>* StartWatch(MailStore& store, WatchHub& hub,
                                                     Probe& probe, WatchStreams& streams,
                                                     const v1::WatchRequest& request) {
  return new WatchReactor(store, hub, probe, streams, request);
}

grpc::ServerBidiReactor<v1::WatchAccountsRequest, v1::ChangeHint>* StartWatchAccounts(
    MailStore& store, WatchHub& hub, Probe& probe, WatchStreams& streams) {
  return new WatchAccountsReactor(store, hub, probe, streams);
}

}  // namespace tern::storage
