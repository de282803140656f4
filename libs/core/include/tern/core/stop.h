// Stopping a service: a one-shot StopToken that SIGINT/SIGTERM (or a test, or the all-in-one)
// triggers, and that Run() functions wait on.
#pragma once

#include <memory>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace tern {

class StopToken {
 public:
  StopToken() : n_(std::make_shared<absl::Notification>()) {}
  void RequestStop() const {
    if (!n_->HasBeenNotified()) n_->Notify();
  }
  bool stop_requested() const { return n_->HasBeenNotified(); }
  void Wait() const { n_->WaitForNotification(); }
  // True if stopped within `d`.
  bool WaitFor(absl::Duration d) const { return n_->WaitForNotificationWithTimeout(d); }

 private:
  std::shared_ptr<absl::Notification> n_;
};

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (call first in main, before threads
// start, so every thread inherits the mask) and starts a thread that turns SIGINT/SIGTERM into
// token.RequestStop(). SIGHUP calls `on_hup` if set (certificate reload, later).
void StopOnSignals(const StopToken& token, void (*on_hup)() = nullptr);

}  // namespace tern
