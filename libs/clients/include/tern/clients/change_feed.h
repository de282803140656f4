// One storage WatchAccounts stream for a whole gateway process, fanned out to its sessions
// (an IMAP gateway with 5,000 idling clients holds one stream, not 5,000). Sessions subscribe
// to an account and get its hints; the feed adds an account to the stream when its first
// subscriber comes and removes it when the last one goes. When the stream breaks (a storage
// replica stopping, a network fault) the feed re-opens it with back-off, on any replica the
// channel reaches, re-adds every account, and tells every subscriber to re-read: hints are
// only hints (DESIGN.md invariant 8), a session catches up by MODSEQ with ChangesSince.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "tern/rpc/channel.h"
#include "tern/storage/v1/storage.pb.h"

namespace tern::clients {

// Where a gateway's sessions get change hints: the ChangeFeed below, or a test's fake storage.
class HintSource {
 public:
  using Callback = std::function<void(const storage::v1::ChangeHint& hint)>;
  virtual ~HintSource() = default;
  virtual uint64_t Subscribe(const std::string& account, Callback cb) = 0;
  virtual void Unsubscribe(uint64_t id) = 0;
};

class ChangeFeed final : public HintSource {
 public:
  // A session subscribes, then reads the state it needs; every change committed after that
  // read reaches it as a hint. `hint.account()` is the subscribed account. A non-empty
  // `hint.mailbox()`: that mailbox changed (with its new HIGHESTMODSEQ and UIDNEXT). An empty
  // mailbox: re-read the account. One comes when storage starts watching the account on a
  // stream (for its first subscriber, whose read may have come before it, and again on every
  // new stream after a break), and one when storage dropped hints for a reader too slow. `hint.refused()`: storage will not watch
  // this account (no such account); no more hints come for it.
  using Callback = HintSource::Callback;

  static absl::StatusOr<std::unique_ptr<ChangeFeed>> Start(const rpc::ChannelOptions& options);
  explicit ChangeFeed(std::shared_ptr<grpc::Channel> channel);
  ~ChangeFeed();

  // `cb` runs on a gRPC thread, never two at once for one feed, while the feed's lock is held:
  // keep it short (post to the session's strand) and never Subscribe or Unsubscribe from it.
  uint64_t Subscribe(const std::string& account, Callback cb) override;
  // After it returns, the subscription's callback is not running and never runs again.
  void Unsubscribe(uint64_t id) override;
  // True while a stream is open and storage has said it is live.
  bool live();
  // How many times a stream has been opened (1 after the first connection).
  uint64_t streams_opened();
  size_t accounts();

 private:
  class Stream;
  void Loop();
  void Dispatch(const storage::v1::ChangeHint& hint, bool first);
  void Closed(Stream* s);

  const std::shared_ptr<grpc::Channel> channel_;
  absl::Mutex mu_;
  // account -> subscription -> callback
  std::map<std::string, std::map<uint64_t, Callback>> subs_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::string> account_of_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  Stream* stream_ ABSL_GUARDED_BY(mu_) = nullptr;  // owned by gRPC until its OnDone
  bool live_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t opened_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace tern::clients
