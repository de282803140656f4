// TLS server contexts from PEM files, reloaded without a restart: Current() re-reads the files
// when their modification time changed (checked at most once a second), and Reload() forces it
// (SIGHUP). Connections keep the context they started with.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace tern::net {

class TlsContexts {
 public:
  // Reloads every live TlsContexts of the process now (for SIGHUP).
  static void ReloadAll();

  // Fails when the files cannot be read or do not match.
  static absl::StatusOr<std::shared_ptr<TlsContexts>> Load(std::string cert_file,
                                                           std::string key_file);
  std::shared_ptr<boost::asio::ssl::context> Current();
  absl::Status Reload();
  // The notAfter of the certificate now served (files changed on disk are picked up first,
  // as by Current()).
  absl::Time NotAfter();

 private:
  TlsContexts(std::string cert, std::string key) : cert_(std::move(cert)), key_(std::move(key)) {}
  absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> Build() const;
  int64_t Stamp() const;

  const std::string cert_, key_;
  absl::Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> ctx_ ABSL_GUARDED_BY(mu_);
  int64_t stamp_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time not_after_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time last_check_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tern::net
