#include "smtp_client.h"

#include <algorithm>
#include <chrono>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

#include "absl/time/clock.h"
#include "tern/smtp_protocol/client.h"

namespace tern::smtp_ingress {

namespace asio = boost::asio;
namespace sp = ::tern::smtp_protocol;
using boost::system::error_code;

SmtpClient::~SmtpClient() { Close(); }

template <typename Start>
absl::Status SmtpClient::Run(Start start, absl::Duration timeout, const char* what) {
  if (aborted_) return absl::CancelledError("shutting down");
  timeout = std::min(timeout, deadline_ - absl::Now());
  if (timeout <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError(std::string(what) + ": out of time for this attempt");
  }
  error_code result = asio::error::would_block;
  start([&result](const error_code& ec, auto&&...) { result = ec; });
  io_.restart();
  io_.run_for(absl::ToChronoMilliseconds(timeout));
  if (!io_.stopped()) {
    // Timed out: closing the socket completes the operation with operation_aborted.
    error_code ignored;
    socket_.close(ignored);
    io_.restart();
    io_.run();
    return absl::DeadlineExceededError(std::string(what) + ": timed out");
  }
  if (aborted_) return absl::CancelledError("shutting down");
  if (result) return absl::UnavailableError(std::string(what) + ": " + result.message());
  return absl::OkStatus();
}

template <typename Fn>
auto SmtpClient::WithStream(Fn fn) {
  return tls_ ? fn(*tls_) : fn(socket_);
}

absl::Status SmtpClient::Connect(const asio::ip::tcp::endpoint& endpoint, absl::Duration timeout) {
  Close();
  in_.consume(in_.size());
  return Run([&](auto handler) { socket_.async_connect(endpoint, handler); }, timeout, "connect");
}

absl::StatusOr<sp::Reply> SmtpClient::ReadReply() { return ReadReply(timeout_); }

absl::StatusOr<sp::Reply> SmtpClient::ReadReply(absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  sp::ReplyParser parser;
  for (;;) {
    size_t line_end = 0;
    auto start = [&](auto handler) {
      WithStream([&](auto& stream) {
        asio::async_read_until(stream, in_, "\r\n",
                               [&line_end, handler](const error_code& ec, size_t n) mutable {
                                 line_end = n;
                                 handler(ec);
                               });
        return 0;
      });
    };
    absl::Status s = Run(start, end - absl::Now(), "reading the reply");
    if (!s.ok()) return s;
    std::string line(asio::buffers_begin(in_.data()),
                     asio::buffers_begin(in_.data()) + static_cast<std::ptrdiff_t>(line_end - 2));
    in_.consume(line_end);
    switch (parser.Add(line)) {
      case sp::ReplyParser::State::kNeedMore:
        continue;
      case sp::ReplyParser::State::kDone:
        return parser.Take();
      case sp::ReplyParser::State::kError:
        return absl::DataLossError("bad reply from the server: " + parser.error());
    }
  }
}

absl::Status SmtpClient::Write(const std::string& data) {
  constexpr size_t kBlock = 64 * 1024;
  for (size_t at = 0; at < data.size(); at += kBlock) {
    auto block = asio::buffer(data.data() + at, std::min(kBlock, data.size() - at));
    auto start = [&](auto handler) {
      WithStream([&](auto& stream) {
        asio::async_write(stream, block,
                          [handler](const error_code& ec, size_t) mutable { handler(ec); });
        return 0;
      });
    };
    absl::Status s = Run(start, timeout_, "sending");
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<sp::Reply> SmtpClient::Command(const std::string& line) {
  const std::string wire = line + "\r\n";
  absl::Status s = Write(wire);
  if (!s.ok()) return s;
  return ReadReply();
}

absl::Status SmtpClient::StartTls(const std::string& host, bool verify) {
  ctx_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3);
  if (verify) {
    ctx_->set_default_verify_paths();
    ctx_->set_verify_mode(asio::ssl::verify_peer);
    ctx_->set_verify_callback(asio::ssl::host_name_verification(host));
  } else {
    // Opportunistic TLS (RFC 7435): encrypt, do not authenticate (most MX certificates would
    // not verify, and refusing them would only push mail back to plaintext).
    ctx_->set_verify_mode(asio::ssl::verify_none);
  }
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *ctx_);
  if (!host.empty() && host.front() != '[') {
    SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str());
  }
  in_.consume(in_.size());  // nothing the server sent before the handshake is kept
  absl::Status s = Run(
      [&](auto handler) {
        tls_->async_handshake(asio::ssl::stream_base::client,
                              [handler](const error_code& ec) mutable { handler(ec); });
      },
      timeout_, "TLS handshake");
  if (!s.ok()) tls_.reset();
  return s;
}

void SmtpClient::Close() {
  tls_.reset();
  error_code ignored;
  socket_.close(ignored);
}

void SmtpClient::Abort() {
  aborted_ = true;
  asio::post(io_, [this] {
    error_code ignored;
    socket_.close(ignored);
  });
}

}  // namespace tern::smtp_ingress
