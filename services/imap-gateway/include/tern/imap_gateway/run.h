// The imap-gateway service as a library: `tern-imap` and the all-in-one `tern` start it here.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "tern/clients/change_feed.h"
#include "tern/clients/clients.h"
#include "tern/clients/mail_store.h"
#include "tern/core/stop.h"
#include "tern/imap_gateway/config.h"

namespace tern::imap_gateway {

class ImapServer {
 public:
  static absl::StatusOr<std::unique_ptr<ImapServer>> Start(
      const ImapConfig& config, std::shared_ptr<clients::AuthClient> auth = nullptr,
      std::shared_ptr<clients::StorageClient> storage = nullptr,
      std::shared_ptr<clients::MailStore> store = nullptr,
      std::shared_ptr<clients::HintSource> hints = nullptr);
  ~ImapServer();
  int imap_port() const;
  int imaps_port() const;
  int http_port() const;
  void Stop(absl::Duration grace);

  struct Impl;

 private:
  explicit ImapServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

absl::Status Run(const ImapConfig& config, const StopToken& stop);

}  // namespace tern::imap_gateway
