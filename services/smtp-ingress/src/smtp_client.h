// A blocking SMTP client connection for the outbound workers: one per worker thread, its own
// io_context, every step bounded by a timeout (the pattern of Asio's blocking client with
// timeouts: the async operation runs for at most the timeout, then the socket is closed).
// Abort() may be called from another thread to end a conversation at once (shutdown).
#pragma once

#include <utility>

#include <atomic>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tern/smtp_protocol/reply.h"

namespace tern::smtp_ingress {

class SmtpClient {
 public:
  explicit SmtpClient(absl::Duration timeout) : timeout_(timeout) {}
  ~SmtpClient();

  // No step goes past this (the job's lease); InfiniteFuture() by default.
  void set_deadline(absl::Time deadline) { deadline_ = deadline; }
  absl::Status Connect(const boost::asio::ip::tcp::endpoint& endpoint, absl::Duration timeout);
  // One reply, all its lines within `timeout` (the constructor's by default): a server
  // trickling a long reply cannot hold the worker longer.
  absl::StatusOr<smtp_protocol::Reply> ReadReply();
  absl::StatusOr<smtp_protocol::Reply> ReadReply(absl::Duration timeout);
  // Sends `line` and CRLF, then reads the reply.
  absl::StatusOr<smtp_protocol::Reply> Command(const std::string& line);
  // Sends bytes as they are (the dot-stuffed message), in blocks that each get the timeout
  // (RFC 5321 4.5.3.2.5: the timer restarts whenever data moves).
  absl::Status Write(const std::string& data);
  // TLS on the connected socket (after "220" to STARTTLS). `host` goes in SNI and, with
  // `verify`, must match the certificate, which must chain to the system's CAs.
  absl::Status StartTls(const std::string& host, bool verify);
  bool tls() const { return tls_ != nullptr; }
  void Close();
  // From any thread: ends the conversation; the blocked call returns an error.
  void Abort();
  bool aborted() const { return aborted_; }

 private:
  template <typename Start>
  absl::Status Run(Start start, absl::Duration timeout, const char* what);
  template <typename Fn>
  auto WithStream(Fn fn);

  const absl::Duration timeout_;
  absl::Time deadline_ = absl::InfiniteFuture();
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_{io_};
  std::unique_ptr<boost::asio::ssl::context> ctx_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  boost::asio::streambuf in_{64 * 1024};
  std::atomic<bool> aborted_{false};
};

}  // namespace tern::smtp_ingress
