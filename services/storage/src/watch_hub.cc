#include "watch_hub.h"

#include "tern/pg/pool.h"
#include "pqxx/pqxx"
#include "probe.h"
#include "tern/core/log.h"

namespace tern::storage {
namespace {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, std::function<void(const std::string&)> fn)
      : pqxx::notification_receiver(c, "tern_changes"), fn_(std::move(fn)) {}
  void operator()(const std::string& payload, int) override { fn_(payload); }

 private:
  std::function<void(const std::string&)> fn_;
};

}  // namespace

WatchHub::WatchHub(std::string db_url, Probe& probe) : url_(std::move(db_url)), probe_(probe) {}

WatchHub::~WatchHub() { Stop(); }

void WatchHub::Start() {
  thread_ = std::thread([this] { Loop(); });
  sender_ = std::thread([this] { SendLoop(); });
}

bool WatchHub::WaitListening(absl::Duration timeout) {
  return first_listen_.WaitForNotificationWithTimeout(timeout);
}

void WatchHub::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (sender_.joinable()) sender_.join();
}

void WatchHub::Publish(ChangeNote note) {
  constexpr size_t kMaxOutbox = 100000;
  absl::MutexLock lock(&out_mu_);
  if (outbox_.size() < kMaxOutbox) outbox_.push_back(std::move(note));
}

void WatchHub::SendLoop() {
  std::unique_ptr<pqxx::connection> conn;
  while (!stop_) {
    std::vector<ChangeNote> batch;
    {
      absl::MutexLock lock(&out_mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(out_mu_) { return !outbox_.empty(); };
      out_mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(200));
      batch.swap(outbox_);
    }
    if (batch.empty()) continue;
    // Keep only the newest note per mailbox.
    std::map<std::pair<int64_t, std::string>, ChangeNote> latest;
    for (auto& n : batch) {
      auto& slot = latest[{n.account_id, n.mailbox}];
      if (n.modseq >= slot.modseq) slot = std::move(n);
    }
    std::vector<std::string> payloads;
    for (const auto& [key, n] : latest) {
      payloads.push_back(std::to_string(n.account_id) + ":" + std::to_string(n.modseq) + ":" +
                         std::to_string(n.uidnext) + ":" + n.mailbox);
    }
    try {
      if (!conn) conn = std::make_unique<pqxx::connection>(url_);
      pqxx::nontransaction tx(*conn);
      tx.exec_params("SELECT pg_notify('tern_changes', p) FROM unnest($1::text[]) AS p",
                     pg::TextArray(payloads));
    } catch (const std::exception& e) {
      // Dropped: notes are hints. Watchers resync when the feed reconnects.
      conn.reset();
      probe_.NotifyFailed();
      log::Warn("could not send change notes", {{"error", e.what()}});
    }
  }
}

uint64_t WatchHub::Subscribe(int64_t account_id, Callback cb) {
  absl::MutexLock lock(&mu_);
  uint64_t id = next_id_++;
  subs_[account_id].emplace(id, std::move(cb));
  account_of_.emplace(id, account_id);
  return id;
}

void WatchHub::Unsubscribe(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = account_of_.find(id);
  if (it == account_of_.end()) return;
  auto subs = subs_.find(it->second);
  subs->second.erase(id);
  if (subs->second.empty()) subs_.erase(subs);
  account_of_.erase(it);
}

void WatchHub::Dispatch(const std::string& payload) {
  probe_.NotifyReceived();
  // account_id:modseq:uidnext:mailbox name (the name may contain ':')
  size_t a = payload.find(':');
  size_t b = a == std::string::npos ? a : payload.find(':', a + 1);
  size_t c = b == std::string::npos ? b : payload.find(':', b + 1);
  if (c == std::string::npos) return;
  int64_t account_id = std::strtoll(payload.c_str(), nullptr, 10);
  v1::ChangeHint hint;
  hint.set_highestmodseq(std::strtoull(payload.c_str() + a + 1, nullptr, 10));
  hint.set_uidnext(static_cast<uint32_t>(std::strtoul(payload.c_str() + b + 1, nullptr, 10)));
  hint.set_mailbox(payload.substr(c + 1));
  absl::MutexLock lock(&mu_);
  auto subs = subs_.find(account_id);
  if (subs == subs_.end()) return;
  for (auto& [id, cb] : subs->second) cb(hint);
}

void WatchHub::ResyncAll() {
  v1::ChangeHint hint;  // empty mailbox: "re-read everything"
  absl::MutexLock lock(&mu_);
  for (auto& [account, subs] : subs_) {
    for (auto& [id, cb] : subs) cb(hint);
  }
}

void WatchHub::Loop() {
  bool was_connected = false;
  while (!stop_) {
    try {
      pqxx::connection conn(url_);
      Receiver receiver(conn, [this](const std::string& p) { Dispatch(p); });
      conn.get_notifs();  // LISTEN is issued by the receiver; make sure it went out
      listening_ = true;
      // Whoever subscribed before this LISTEN took effect (at start, or while the feed was
      // down) may have missed a notification: everyone re-reads.
      ResyncAll();
      if (!was_connected) first_listen_.Notify();
      was_connected = true;
      while (!stop_) conn.await_notification(0, 200000);
    } catch (const std::exception& e) {
      if (listening_) log::Warn("change feed connection lost", {{"error", e.what()}});
      listening_ = false;
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  listening_ = false;
}

}  // namespace tern::storage
