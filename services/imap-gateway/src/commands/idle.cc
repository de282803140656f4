// IDLE (RFC 2177).

#include "../session.h"

namespace tern::imap_gateway {

namespace asio = net::asio;

// IDLE (RFC 2177): updates are sent as they come, woken by the feed's hints, until the client
// says DONE. A drain ends it with * BYE; the connection's idle timeout (30 minutes) bounds it.
awaitable<bool> Session::OnIdle(ip::Command&) {
  out_ += "+ idling\r\n";
  if (!co_await Flush()) co_return false;
  env_.probe.IdleStarted();
  struct Shared {
    bool stop = false;
    bool done = false;
    bool ok = true;
  };
  auto shared = std::make_shared<Shared>();
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer finished(ex, asio::steady_timer::time_point::max());
  // Sends the updates while the session waits for DONE; the session's strand runs one of the
  // two at a time, and only this one writes until it is stopped.
  auto notifier = [this, shared, &finished]() -> awaitable<void> {
    while (!shared->stop) {
      if (hints_->pending && selected_) {
        const bool synced = co_await Sync(true, false);
        // A failed Sync leaves its * BYE in out_: send it before closing.
        if (!co_await Flush() || !synced) {
          shared->ok = false;
          conn_->Close();
          break;
        }
        continue;
      }
      hints_->wake.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ec;
      co_await hints_->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    shared->done = true;
    finished.cancel();
  };
  asio::co_spawn(ex, notifier, asio::detached);
  bool go_on = true;
  bool done_seen = false;
  for (;;) {
    auto line = reader_.NextLine();
    if (line.kind == ip::CommandReader::Result::kLine) {
      done_seen = true;
      go_on = line.command.size() == 4 && (line.command[0] | 0x20) == 'd' &&
              (line.command[1] | 0x20) == 'o' && (line.command[2] | 0x20) == 'n' &&
              (line.command[3] | 0x20) == 'e';
      break;
    }
    if (line.kind == ip::CommandReader::Result::kTooLong) {
      done_seen = true;
      go_on = false;
      break;
    }
    char buf[4096];
    size_t n = co_await ReadIdle(buf, sizeof buf);
    if (n == 0) break;
    reader_.Feed(std::string_view(buf, n));
  }
  shared->stop = true;
  hints_->wake.cancel();
  if (!shared->done) {
    boost::system::error_code ec;
    co_await finished.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  env_.probe.IdleEnded();
  if (!done_seen || !shared->ok) {
    if (conn_->open() && io_.draining()) io_.QueueGoodbye();
    co_return false;
  }
  if (!go_on) {
    Bad("Expected DONE");
    co_return true;
  }
  Ok("IDLE terminated");
  co_return true;
}

awaitable<size_t> Session::ReadIdle(char* buf, size_t n) {
  conn_->set_interruptible(true);
  size_t got = co_await conn_->ReadSome(buf, n);
  conn_->set_interruptible(false);
  co_return got;
}

}  // namespace tern::imap_gateway
