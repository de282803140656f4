// Outbound delivery workers: threads that claim due jobs from the storage queue (FOR UPDATE
// SKIP LOCKED and a lease, so any number of replicas share the work), deliver each over SMTP
// (MX hosts by preference, or the smarthost; STARTTLS when offered), and complete the job:
// delivered recipients are done, 5xx ones bounced to the sender (RFC 3464), 4xx ones retried
// with exponential backoff until the job is older than outbound.max_age, then bounced too.
// Nothing is removed from the queue before its bounce is committed.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "probe.h"
#include "tern/clients/clients.h"
#include "tern/smtp_ingress/config.h"

namespace tern::smtp_ingress {

class SmtpClient;

// What became of one recipient in one attempt.
struct RecipientResult {
  enum Kind { kDelivered, kDeferred, kFailed } kind = kDeferred;
  std::string status;      // RFC 3463, e.g. "4.4.1"
  std::string diagnostic;  // the remote reply, or why no server answered
  std::string remote_mta;
  bool remote = false;     // diagnostic is the remote server's reply
};
using Results = std::map<std::string, RecipientResult>;

// One delivery attempt of a job's recipients (blocking), ending by `deadline` (the lease).
// Diagnostics are printable ASCII, at most 512 octets. Exposed for tests.
Results DeliverJob(const SmtpConfig& config, const storage::v1::OutboundJob& job,
                   SmtpClient& client, absl::Time deadline = absl::InfiniteFuture());

// The wait before attempt `attempts` + 1: retry_initial doubled per attempt, at most retry_max.
absl::Duration Backoff(const SmtpConfig& config, uint32_t attempts);

// The message without the Return-Path line smtp-ingress puts first (RFC 5321 4.4: a relay
// must not send one).
std::string WithoutReturnPath(const std::string& content);

class OutboundWorkers {
 public:
  OutboundWorkers(const SmtpConfig& config, clients::AuthClient& auth,
                  clients::StorageClient& storage, Probe& probe);
  ~OutboundWorkers();
  void Start();
  // Jobs were just queued: idle workers look now instead of at the next poll.
  void Kick();
  // No new claims from now on (deliveries in progress go on).
  void BeginStop();
  // Lets deliveries in progress finish for `grace`, then aborts them (what they had not
  // delivered is handed back, due at once) and joins the threads.
  void Stop(absl::Duration grace);

 private:
  void Loop(int index);
  void Process(const storage::v1::OutboundJob& job, SmtpClient& client, const std::string& owner,
               absl::Time claimed);
  // Stores the report (locally or queued to a remote sender): a bounce, or with `delayed` a
  // warning that the recipients are still being tried. False: try again later.
  bool SendBounce(const storage::v1::OutboundJob& job, const Results& recipients, bool delayed);

  const SmtpConfig& config_;
  clients::AuthClient& auth_;
  clients::StorageClient& storage_;
  Probe& probe_;
  std::string owner_prefix_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t kicks_ ABSL_GUARDED_BY(mu_) = 0;
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<SmtpClient*> clients_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tern::smtp_ingress
