// What the gateways need from the internal services, as interfaces with gRPC implementations
// (deadlines on every call; the client address travels in metadata) and in-memory fakes for
// unit tests of one gateway.
//
// The calls a session makes come in two forms. `...Async` starts the call and returns at once;
// `done` runs exactly once with the result, on a gRPC thread (the gRPC clients use gRPC's
// callback API, so a call in flight holds no thread), and gateways await it with net::Await.
// The blocking form waits for the same call, for worker threads and tests. Fakes and test
// doubles derive from Inline...Client, whose Async form answers inline from the blocking one.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tern/auth/v1/auth.pb.h"
#include "tern/rpc/channel.h"
#include "tern/storage/v1/storage.pb.h"

namespace tern::clients {

// Receives the result of an asynchronous call, once, on any thread.
template <typename T>
using Done = std::function<void(absl::StatusOr<T>)>;
using DoneStatus = std::function<void(absl::Status)>;

class AuthClient {
 public:
  virtual ~AuthClient() = default;
  // OK when the service answers grpc.health.v1 SERVING (a short call, for readiness).
  virtual absl::Status Health() = 0;
  virtual absl::StatusOr<auth::v1::LookupRecipientResponse> Lookup(const std::string& address) = 0;
  virtual absl::StatusOr<auth::v1::AuthenticateResponse> Authenticate(
      const std::string& mechanism, const std::vector<std::string>& responses,
      const std::string& client_ip) = 0;
  virtual absl::StatusOr<auth::v1::AuthenticateResponse> VerifyApop(
      const std::string& user, const std::string& timestamp, const std::string& digest,
      const std::string& client_ip) = 0;

  virtual void LookupAsync(const std::string& address,
                           Done<auth::v1::LookupRecipientResponse> done) = 0;
  virtual void AuthenticateAsync(const std::string& mechanism,
                                 const std::vector<std::string>& responses,
                                 const std::string& client_ip,
                                 Done<auth::v1::AuthenticateResponse> done) = 0;
  virtual void VerifyApopAsync(const std::string& user, const std::string& timestamp,
                               const std::string& digest, const std::string& client_ip,
                               Done<auth::v1::AuthenticateResponse> done) = 0;
};

struct MaildropEntry {
  uint32_t uid = 0;
  uint64_t size = 0;  // the POP3 size: octets as RETR sends them (see SelectResponse.sizes)
};
struct Maildrop {
  uint32_t uidvalidity = 0;
  std::vector<MaildropEntry> messages;  // ascending by UID
};
enum class LeaseOp { kAcquire, kRenew, kRelease };

// Who a message is for: local accounts get a copy in INBOX, addresses of other domains are
// queued for outbound delivery, all in one commit.
struct Envelope {
  std::string sender;                 // the reverse path; "" for <> (bounces)
  std::vector<std::string> accounts;  // local accounts
  std::vector<std::string> outbound;  // addresses of other domains
  // Trace header lines (Return-Path, Received) stored in front of the content: sent as their
  // own piece so the body is never copied to prepend them.
  std::string trace;
};

// A message read in pieces as the caller asks for them (a big RETR), so a session never holds
// more than a piece: Next() asks for the next one, with at most one request outstanding.
class ContentStream {
 public:
  virtual ~ContentStream() = default;  // an unfinished stream is cancelled
  // The next piece of the stored bytes; "" once they are all read; an error ends the stream.
  virtual void Next(Done<std::string> done) = 0;
};

class StorageClient {
 public:
  virtual ~StorageClient() = default;
  // OK when the service answers grpc.health.v1 SERVING (a short call, for readiness).
  virtual absl::Status Health() = 0;
  // One transaction for every account and the outbound queue; OK only after commit.
  virtual absl::StatusOr<storage::v1::DeliverResponse> Deliver(const Envelope& envelope,
                                                               std::string content) = 0;
  // A mailbox's messages (UID and POP3 size), as one consistent snapshot.
  virtual absl::StatusOr<Maildrop> List(const std::string& account, const std::string& mailbox) = 0;
  // The exact stored bytes of one message.
  virtual absl::StatusOr<std::string> Fetch(const std::string& account, const std::string& mailbox,
                                            uint32_t uid) = 0;
  // Several whole messages at once (reading ahead); messages over `max_bytes` are left out.
  virtual absl::StatusOr<std::map<uint32_t, std::string>> FetchMany(
      const std::string& account, const std::string& mailbox, const std::vector<uint32_t>& uids,
      uint64_t max_bytes) = 0;
  // Removes these messages whatever their flags, in one transaction.
  virtual absl::Status Remove(const std::string& account, const std::string& mailbox,
                              const std::vector<uint32_t>& uids) = 0;
  // True when the caller holds (or, for release, held) the lease.
  virtual absl::StatusOr<bool> Lease(LeaseOp op, const std::string& account,
                                     const std::string& name, const std::string& owner,
                                     uint32_t ttl_seconds) = 0;
  // The outbound queue, for delivery workers: due jobs leased to `owner`, with content, from
  // domains with fewer than `max_per_domain` leased jobs (0: any).
  virtual absl::StatusOr<std::vector<storage::v1::OutboundJob>> ClaimOutbound(
      const std::string& owner, uint32_t lease_seconds, uint32_t limit,
      uint32_t max_per_domain) = 0;
  // True when the job is gone (nothing left to do).
  // Account mail stores (auth makes them when it adds or removes an account).
  virtual absl::Status EnsureAccount(const std::string& account) = 0;
  virtual absl::Status SetQuota(const std::string& account, uint64_t bytes, uint64_t messages) = 0;
  virtual absl::Status DeleteAccount(const std::string& account) = 0;
  virtual absl::StatusOr<bool> CompleteOutbound(
      const storage::v1::CompleteOutboundRequest& request) = 0;

  virtual void DeliverAsync(const Envelope& envelope, std::string content,
                            Done<storage::v1::DeliverResponse> done) = 0;
  virtual void ListAsync(const std::string& account, const std::string& mailbox,
                         Done<Maildrop> done) = 0;
  virtual void FetchAsync(const std::string& account, const std::string& mailbox, uint32_t uid,
                          Done<std::string> done) = 0;
  virtual void FetchManyAsync(const std::string& account, const std::string& mailbox,
                              const std::vector<uint32_t>& uids, uint64_t max_bytes,
                              Done<std::map<uint32_t, std::string>> done) = 0;
  virtual void RemoveAsync(const std::string& account, const std::string& mailbox,
                           const std::vector<uint32_t>& uids, DoneStatus done) = 0;
  virtual void LeaseAsync(LeaseOp op, const std::string& account, const std::string& name,
                          const std::string& owner, uint32_t ttl_seconds, Done<bool> done) = 0;
  // The exact stored bytes of one message, piece by piece (storage's 256 KB chunks).
  virtual std::unique_ptr<ContentStream> OpenContent(const std::string& account,
                                                     const std::string& mailbox,
                                                     uint32_t uid) = 0;
};

// The channel options for `target` from a config with the client_tls.* keys.
template <typename Config>
rpc::ChannelOptions InternalChannel(const Config& c, const std::string& target) {
  return {.target = target,
          .tls = {.cert_file = c.client_tls_cert_file,
                  .key_file = c.client_tls_key_file,
                  .ca_file = c.client_tls_ca_file}};
}
// The gRPC clients; an error when the channel cannot be made (an unreadable client_tls file),
// so a service stops at start rather than fail every call.
absl::StatusOr<std::unique_ptr<AuthClient>> MakeGrpcAuthClient(
    const rpc::ChannelOptions& options);
// Readiness of a gateway: whether the services it needs answer. A thread asks each check every
// `interval` and keeps the last answers, so Ready() is quick and never dials (it backs
// /readyz). The first round runs in the constructor; after Drain() it says "draining", so a
// load balancer stops sending before the sessions are told to go.
class DependencyMonitor {
 public:
  using Check = std::function<absl::Status()>;
  DependencyMonitor(std::vector<std::pair<std::string, Check>> checks, absl::Duration interval);
  ~DependencyMonitor();
  // OK, or the first failing dependency: "auth: connection refused".
  absl::Status Ready();
  void Drain();
  // One round of checks now (the thread does this every `interval`).
  void Refresh();

 private:
  void Loop();
  const std::vector<std::pair<std::string, Check>> checks_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  absl::Status state_ ABSL_GUARDED_BY(mu_);
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// A gateway's readiness: auth and storage answering, checked every 2 s.
std::unique_ptr<DependencyMonitor> MonitorBackends(std::shared_ptr<AuthClient> auth,
                                                   std::shared_ptr<StorageClient> storage);

absl::StatusOr<std::unique_ptr<StorageClient>> MakeGrpcStorageClient(
    const rpc::ChannelOptions& options);

// Clients whose Async form answers inline from the blocking one: the fakes, and test doubles.
class InlineAuthClient : public AuthClient {
 public:
  void LookupAsync(const std::string& address,
                           Done<auth::v1::LookupRecipientResponse> done) final {
    done(Lookup(address));
  }
  void AuthenticateAsync(const std::string& mechanism,
                                 const std::vector<std::string>& responses,
                                 const std::string& client_ip,
                                 Done<auth::v1::AuthenticateResponse> done) final {
    done(Authenticate(mechanism, responses, client_ip));
  }
  void VerifyApopAsync(const std::string& user, const std::string& timestamp,
                               const std::string& digest, const std::string& client_ip,
                               Done<auth::v1::AuthenticateResponse> done) final {
    done(VerifyApop(user, timestamp, digest, client_ip));
  }

};
class InlineStorageClient : public StorageClient {
 public:
  // The whole message fetched at the first Next(), then handed out 64 KiB at a time.
  std::unique_ptr<ContentStream> OpenContent(const std::string& account,
                                             const std::string& mailbox, uint32_t uid) final;
  void DeliverAsync(const Envelope& envelope, std::string content,
                            Done<storage::v1::DeliverResponse> done) final {
    done(Deliver(envelope, std::move(content)));
  }
  void ListAsync(const std::string& account, const std::string& mailbox,
                         Done<Maildrop> done) final {
    done(List(account, mailbox));
  }
  void FetchAsync(const std::string& account, const std::string& mailbox, uint32_t uid,
                          Done<std::string> done) final {
    done(Fetch(account, mailbox, uid));
  }
  void FetchManyAsync(const std::string& account, const std::string& mailbox,
                              const std::vector<uint32_t>& uids, uint64_t max_bytes,
                              Done<std::map<uint32_t, std::string>> done) final {
    done(FetchMany(account, mailbox, uids, max_bytes));
  }
  void RemoveAsync(const std::string& account, const std::string& mailbox,
                           const std::vector<uint32_t>& uids, DoneStatus done) final {
    done(Remove(account, mailbox, uids));
  }
  void LeaseAsync(LeaseOp op, const std::string& account, const std::string& name,
                          const std::string& owner, uint32_t ttl_seconds, Done<bool> done) final {
    done(Lease(op, account, name, owner, ttl_seconds));
  }

};

// Fakes: a directory of accounts with passwords, and a store that keeps what it received.
class FakeAuthClient final : public InlineAuthClient {
 public:
  void AddAccount(const std::string& address, const std::string& password);
  void AddDomain(const std::string& domain);
  void SetUnavailable(bool down) { down_ = down; }
  absl::Status Health() override {
    return down_ ? absl::UnavailableError("auth down") : absl::OkStatus();
  }
  absl::StatusOr<auth::v1::LookupRecipientResponse> Lookup(const std::string& address) override;
  absl::StatusOr<auth::v1::AuthenticateResponse> Authenticate(
      const std::string& mechanism, const std::vector<std::string>& responses,
      const std::string& client_ip) override;
  absl::StatusOr<auth::v1::AuthenticateResponse> VerifyApop(const std::string&, const std::string&,
                                                            const std::string&,
                                                            const std::string&) override;

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> passwords_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> domains_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> down_ = false;
};

// Deliveries land in every account's INBOX with UIDs 1, 2, ...; leases never expire; outbound
// addresses become one job each, due at once, claimed by anyone.
class FakeStorageClient final : public InlineStorageClient {
 public:
  struct Delivery {
    std::vector<std::string> accounts;
    std::string content;
    std::string sender;
    std::vector<std::string> outbound;
  };
  void SetUnavailable(bool down) { down_ = down; }
  // Deliver() answers `status` (e.g. ReasonError(Reason::kQuotaExceeded, ...)) until it is
  // set back to OK.
  void SetDeliverStatus(absl::Status status) {
    absl::MutexLock lock(&mu_);
    deliver_status_ = std::move(status);
  }
  absl::Status Health() override {
    return down_ ? absl::UnavailableError("storage down") : absl::OkStatus();
  }
  absl::StatusOr<storage::v1::DeliverResponse> Deliver(const Envelope& envelope,
                                                       std::string content) override;
  absl::StatusOr<Maildrop> List(const std::string& account, const std::string& mailbox) override;
  absl::StatusOr<std::string> Fetch(const std::string& account, const std::string& mailbox,
                                    uint32_t uid) override;
  absl::StatusOr<std::map<uint32_t, std::string>> FetchMany(const std::string& account,
                                                            const std::string& mailbox,
                                                            const std::vector<uint32_t>& uids,
                                                            uint64_t max_bytes) override;
  absl::Status Remove(const std::string& account, const std::string& mailbox,
                      const std::vector<uint32_t>& uids) override;
  absl::StatusOr<bool> Lease(LeaseOp op, const std::string& account, const std::string& name,
                             const std::string& owner, uint32_t ttl_seconds) override;
  absl::StatusOr<std::vector<storage::v1::OutboundJob>> ClaimOutbound(const std::string& owner,
                                                                      uint32_t lease_seconds,
                                                                      uint32_t limit,
                                                                      uint32_t max_per_domain) override;
  absl::StatusOr<bool> CompleteOutbound(
      const storage::v1::CompleteOutboundRequest& request) override;
  absl::Status EnsureAccount(const std::string& account) override;
  absl::Status SetQuota(const std::string&, uint64_t, uint64_t) override;
  absl::Status DeleteAccount(const std::string& account) override;
  std::vector<Delivery> deliveries();
  std::vector<storage::v1::OutboundJob> jobs();
  // Whether someone holds the lease `name` of `account` now.
  bool leased(const std::string& account, const std::string& name);

 private:
  absl::Mutex mu_;
  std::vector<Delivery> deliveries_ ABSL_GUARDED_BY(mu_);
  absl::Status deliver_status_ ABSL_GUARDED_BY(mu_);
  // account -> uid -> content
  std::map<std::string, std::map<uint32_t, std::string>> inbox_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint32_t> next_uid_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> leases_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, storage::v1::OutboundJob> jobs_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> down_ = false;
};

}  // namespace tern::clients
