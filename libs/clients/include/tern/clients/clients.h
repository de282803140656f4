// What the gateways need from the internal services, as interfaces with gRPC implementations
// (deadlines on every call; the client address travels in metadata) and in-memory fakes for
// unit tests of one gateway. Blocking calls: gateways run them through net::Offload.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tern/auth/v1/auth.pb.h"
#include "tern/rpc/channel.h"
#include "tern/storage/v1/storage.pb.h"

namespace tern::clients {

class AuthClient {
 public:
  virtual ~AuthClient() = default;
  virtual absl::StatusOr<auth::v1::LookupRecipientResponse> Lookup(const std::string& address) = 0;
  virtual absl::StatusOr<auth::v1::AuthenticateResponse> Authenticate(
      const std::string& mechanism, const std::vector<std::string>& responses,
      const std::string& client_ip) = 0;
  virtual absl::StatusOr<auth::v1::AuthenticateResponse> VerifyApop(
      const std::string& user, const std::string& timestamp, const std::string& digest,
      const std::string& client_ip) = 0;
};

class StorageClient {
 public:
  virtual ~StorageClient() = default;
  // One transaction for every account; OK only after commit.
  virtual absl::StatusOr<storage::v1::DeliverResponse> Deliver(
      const std::vector<std::string>& accounts, std::string content) = 0;
};

std::unique_ptr<AuthClient> MakeGrpcAuthClient(const rpc::ChannelOptions& options);
std::unique_ptr<StorageClient> MakeGrpcStorageClient(const rpc::ChannelOptions& options);

// Fakes: a directory of accounts with passwords, and a store that keeps what it received.
class FakeAuthClient final : public AuthClient {
 public:
  void AddAccount(const std::string& address, const std::string& password);
  void AddDomain(const std::string& domain);
  void SetUnavailable(bool down) { down_ = down; }
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
  bool down_ = false;
};

class FakeStorageClient final : public StorageClient {
 public:
  struct Delivery {
    std::vector<std::string> accounts;
    std::string content;
  };
  void SetUnavailable(bool down) { down_ = down; }
  absl::StatusOr<storage::v1::DeliverResponse> Deliver(const std::vector<std::string>& accounts,
                                                       std::string content) override;
  std::vector<Delivery> deliveries();

 private:
  absl::Mutex mu_;
  std::vector<Delivery> deliveries_ ABSL_GUARDED_BY(mu_);
  bool down_ = false;
};

}  // namespace tern::clients
