// One LISTEN connection per storage replica, fanned out to the Watch streams of this process.
// Notifications are hints (invariant 8): after a reconnect every subscriber gets a resync hint
// (empty mailbox name) so it catches up from the database by MODSEQ.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "store.h"
#include "tern/storage/v1/storage.pb.h"

namespace tern::storage {

class Probe;

// Also the ChangePublisher: notes are queued and sent by one thread, many per NOTIFY
// transaction, so the cost of NOTIFY's global commit lock is paid once per batch.
class WatchHub final : public ChangePublisher {
 public:
  using Callback = std::function<void(const ::tern::storage::v1::ChangeHint&)>;

  WatchHub(std::string db_url, Probe& probe);
  ~WatchHub();
  void Start();
  void Stop();

  // Calls `cb` (on the hub's thread, under the hub's lock: keep it short, and never call
  // Subscribe/Unsubscribe from it) for every change to `account_id`. After Unsubscribe
  // returns, `cb` is not running and never runs again.
  uint64_t Subscribe(int64_t account_id, Callback cb);
  void Unsubscribe(uint64_t id);
  // Waits until the first LISTEN is in place (false after `timeout`).
  bool WaitListening(absl::Duration timeout);
  // True while the LISTEN connection is up.
  bool listening() const { return listening_; }

  void Publish(ChangeNote note) override;

 private:
  void Loop();
  void SendLoop();
  void Dispatch(const std::string& payload);
  void ResyncAll();

  const std::string url_;
  Probe& probe_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> listening_{false};
  absl::Notification first_listen_;
  std::thread thread_;
  std::thread sender_;
  absl::Mutex out_mu_;
  std::vector<ChangeNote> outbox_ ABSL_GUARDED_BY(out_mu_);
  absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // account id -> subscription id -> callback, so a hint costs its own account's watchers.
  std::map<int64_t, std::map<uint64_t, Callback>> subs_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, int64_t> account_of_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tern::storage
