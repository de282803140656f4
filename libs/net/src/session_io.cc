#include "tern/net/session_io.h"

namespace tern::net {

asio::awaitable<bool> SessionIo::Flush() {
  if (out_.empty()) co_return true;
  if (writing_) {  // a write already under way owns sending_
    std::string data;
    data.swap(out_);
    bool ok = co_await conn_.Write(data);
    co_return ok;
  }
  // The queue and sending_ trade places, each keeping its capacity, so a session that answers
  // command after command (RETR after RETR) does not allocate and regrow its reply buffer each
  // time; what a long answer grew beyond kKeepCapacity is given back.
  writing_ = true;
  sending_.swap(out_);
  bool ok = co_await conn_.Write(sending_);
  if (sending_.capacity() > kKeepCapacity) {
    std::string().swap(sending_);
  } else {
    sending_.clear();
  }
  writing_ = false;
  co_return ok;
}

asio::awaitable<bool> SessionIo::Finish() {
  conn_.Leave();
  bool ok = co_await Flush();
  co_return ok;
}

asio::awaitable<void> SessionIo::Goodbye() {
  QueueGoodbye();
  co_await Finish();
}

asio::awaitable<size_t> SessionIo::Read(char* buf, size_t size, bool idle) {
  if (!co_await Flush()) co_return 0;
  conn_.set_interruptible(idle);
  size_t n = co_await conn_.ReadSome(buf, size);
  conn_.set_interruptible(false);
  if (n == 0 && conn_.open() && conn_.draining()) co_await Goodbye();
  co_return n;
}

asio::awaitable<void> Pause(absl::Duration d) {
  if (d <= absl::ZeroDuration()) co_return;
  asio::steady_timer t(co_await asio::this_coro::executor, absl::ToChronoNanoseconds(d));
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

absl::StatusOr<std::unique_ptr<Server>> MakeServer(const ServerSettings& s) {
  std::shared_ptr<TlsContexts> tls;
  if (!s.tls_cert_file.empty()) {
    auto loaded = TlsContexts::Load(s.tls_cert_file, s.tls_key_file);
    if (!loaded.ok()) return loaded.status();
    tls = *loaded;
  }
  Limits limits;
  limits.max_connections = static_cast<size_t>(s.max_connections);
  limits.max_per_ip = static_cast<size_t>(s.max_connections_per_ip);
  limits.idle_timeout = s.idle_timeout;
  limits.total_timeout = s.total_timeout;
  limits.per_ip_exempt = s.per_ip_exempt;
  limits.first_command_timeout = s.first_command_timeout;
  limits.line_timeout = s.line_timeout;
  return std::make_unique<Server>(limits, tls);
}

}  // namespace tern::net
