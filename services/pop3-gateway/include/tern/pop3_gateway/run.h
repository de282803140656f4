// The pop3-gateway service as a library: `tern-pop3` and the all-in-one `tern` start it here.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "tern/clients/clients.h"
#include "tern/core/stop.h"
#include "tern/pop3_gateway/config.h"

namespace tern::pop3_gateway {

class Pop3Server {
 public:
  static absl::StatusOr<std::unique_ptr<Pop3Server>> Start(
      const Pop3Config& config, std::shared_ptr<clients::AuthClient> auth = nullptr,
      std::shared_ptr<clients::StorageClient> storage = nullptr);
  ~Pop3Server();
  int pop3_port() const;
  int pop3s_port() const;
  int http_port() const;
  void Stop(absl::Duration grace);

  struct Impl;

 private:
  explicit Pop3Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

absl::Status Run(const Pop3Config& config, const StopToken& stop);

}  // namespace tern::pop3_gateway
