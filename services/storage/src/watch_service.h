// Watch and WatchAccounts as gRPC callback reactors: a stream holds no thread while it waits.
// The change feed (WatchHub, fed by LISTEN/NOTIFY) pushes each hint straight into the
// reactors of its account; a reactor writes one hint at a time and queues the rest, bounded.
#pragma once

#include <cstdint>
#include <set>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_callback.h"
#include "tern/storage/v1/storage.grpc.pb.h"

namespace tern::storage {

class MailStore;
class Probe;
class WatchHub;

// The live streams of one service, so a stopping replica can end them at once (clients then
// move to another replica) instead of holding its shutdown grace.
class WatchStreams {
 public:
  class Stream {
   public:
    virtual ~Stream() = default;
    virtual void End() = 0;
  };
  void Add(Stream* s);
  void Remove(Stream* s);
  // Ends every stream now and every stream added from now on.
  void EndAll();
  bool ending();

 private:
  absl::Mutex mu_;
  std::set<Stream*> live_ ABSL_GUARDED_BY(mu_);
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
};

grpc::ServerWriteReactor<v1::ChangeHint>* StartWatch(MailStore& store, WatchHub& hub,
                                                     Probe& probe, WatchStreams& streams,
                                                     const v1::WatchRequest& request);
grpc::ServerBidiReactor<v1::WatchAccountsRequest, v1::ChangeHint>* StartWatchAccounts(
    MailStore& store, WatchHub& hub, Probe& probe, WatchStreams& streams);

}  // namespace tern::storage
