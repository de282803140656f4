// What every gateway session does around its protocol codec: queue replies and write them in
// one go before the next read (a pipelined group gets its answers in one write), and read the
// next bytes while idle, when a drain may interrupt the wait and the session says goodbye.
// Also the Server a gateway builds from its listener settings.
#pragma once

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tern/net/server.h"

namespace tern::net {

class SessionIo {
 public:
  // `goodbye` is what the session says when a drain ends it (SMTP 421, POP3 -ERR, IMAP BYE).
  SessionIo(Connection& conn, std::string goodbye)
      : conn_(conn), goodbye_(std::move(goodbye)) {}
  // True once the server drains: the session says Goodbye() at its next command boundary.
  bool draining() const { return conn_.draining(); }
  // Queues the goodbye and finishes (a drain, or a connection accepted while draining).
  asio::awaitable<void> Goodbye();
  // Only queues it, for a session with work to do before its last write (POP3 frees the
  // maildrop lease first).
  void QueueGoodbye() { out_ += goodbye_; }
  // Replies appended here are sent by the next Flush().
  std::string& out() { return out_; }
  // Writes what is queued; false when the connection is over.
  asio::awaitable<bool> Flush();
  // The session's last write: leaves the per-address count (Connection::Leave), then flushes
  // the goodbye. Nothing is read afterwards.
  asio::awaitable<bool> Finish();
  // Flushes, then reads the client's next bytes into `buf`: how many, 0 at the end. While
  // `idle` (between commands), a drain interrupts the wait and the goodbye is sent first.
  asio::awaitable<size_t> Read(char* buf, size_t size, bool idle);
  // STARTTLS / STLS, after the "go ahead" reply is queued: sends it, drops whatever plaintext
  // the client sent after the command (never executed: the command-injection defence of
  // RFC 3207 section 4 and RFC 2595), and runs the handshake. False when the connection is
  // over. `reader` is the codec's line reader.
  template <typename Reader>
  asio::awaitable<bool> StartTls(Reader& reader) {
    if (!co_await Flush()) co_return false;
    reader.DiscardBuffered();
    bool ok = co_await conn_.StartTls();
    co_return ok;
  }

 private:
  static constexpr size_t kKeepCapacity = 16 << 10;  // per buffer, between writes
  Connection& conn_;
  const std::string goodbye_;
  std::string out_;
  std::string sending_;  // what the write under way sends (see Flush)
  bool writing_ = false;
};

// The client's line answering a SASL challenge (SMTP 334, POP3 "+ ", IMAP "+"), read with the
// reader's SASL line limit: kLine, kTooLong (the over-long line was skipped) or kClosed.
struct SaslLine {
  enum Kind { kLine, kTooLong, kClosed } kind = kClosed;
  std::string line;
};
// `reader` is a line_protocol::CommandLineReader (the codecs' CommandReader); `fill` feeds it
// the next bytes (awaitable<bool>, false at the end). The line deadline runs as for commands.
template <typename Reader, typename Fill>
asio::awaitable<SaslLine> ReadSaslLine(Reader& reader, Connection& conn, Fill& fill) {
  for (;;) {
    auto next = reader.Next(Reader::LineKind::kSaslResponse);
    if (next.kind == Reader::Result::kLine) {
      conn.LineDone();
      co_return SaslLine{SaslLine::kLine, std::string(next.line)};
    }
    if (next.kind == Reader::Result::kTooLong) {
      conn.LineDone();
      co_return SaslLine{SaslLine::kTooLong, {}};
    }
    if (!co_await fill()) co_return SaslLine{SaslLine::kClosed, {}};
  }
}

// Waits `d` on the calling coroutine's executor without blocking it (the delay after a failed
// login, a tarpit).
asio::awaitable<void> Pause(absl::Duration d);

// A gateway's listener settings (each gateway's config has these keys).
struct ServerSettings {
  std::string tls_cert_file;  // empty: no TLS
  std::string tls_key_file;
  int64_t max_connections = 0;
  int64_t max_connections_per_ip = 0;
  absl::Duration idle_timeout;
  absl::Duration total_timeout;
  Networks per_ip_exempt;  // not held to max_connections_per_ip
  absl::Duration first_command_timeout = absl::Seconds(30);
  absl::Duration line_timeout = absl::Seconds(60);
};
absl::StatusOr<std::unique_ptr<Server>> MakeServer(const ServerSettings& settings);
// The settings from a gateway config that has these keys under the same names.
template <typename GatewayConfig>
ServerSettings SettingsOf(const GatewayConfig& c) {
  return {.tls_cert_file = c.tls_cert_file,
          .tls_key_file = c.tls_key_file,
          .max_connections = c.max_connections,
          .max_connections_per_ip = c.max_connections_per_ip,
          .idle_timeout = c.idle_timeout,
          .total_timeout = c.total_timeout,
          .first_command_timeout = c.first_command_timeout,
          .line_timeout = c.line_timeout};
}

}  // namespace tern::net
