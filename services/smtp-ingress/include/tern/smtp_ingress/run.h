// The smtp-ingress service as a library: `tern-smtp` and the all-in-one `tern` start it here;
// tests start it on port 0 with fake or real clients.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "tern/clients/clients.h"
#include "tern/core/stop.h"
#include "tern/smtp_ingress/config.h"

namespace tern::smtp_ingress {

class SmtpServer {
 public:
  // With null clients, gRPC clients for config.auth_target / storage_target are made.
  static absl::StatusOr<std::unique_ptr<SmtpServer>> Start(
      const SmtpConfig& config, std::shared_ptr<clients::AuthClient> auth = nullptr,
      std::shared_ptr<clients::StorageClient> storage = nullptr);
  ~SmtpServer();
  int mx_port() const;
  int submission_port() const;
  int submissions_port() const;
  int http_port() const;
  // Stops accepting, lets transactions finish for `grace`, answers 421 to the rest.
  void Stop(absl::Duration grace);

  struct Impl;

 private:
  explicit SmtpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

absl::Status Run(const SmtpConfig& config, const StopToken& stop);

}  // namespace tern::smtp_ingress
