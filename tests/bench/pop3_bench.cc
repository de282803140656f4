// pop3_bench: on a 10,000-message maildrop of 4 KB messages, the time of one UIDL, RETRs per
// second and MB/s in one session, and logins per second for a returning user (USER/PASS then
// QUIT, one connection each). It starts a throwaway PostgreSQL (durable settings) with storage,
// auth and pop3-gateway in-process on loopback.
//
//   build/tests/bench/pop3_bench [--messages N] [--seconds S]
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <boost/asio.hpp>
#include <cstring>
#include <iostream>
#include <thread>

#include "backends.h"
#include "bench_util.h"
#include "tern/core/log.h"
#include "tern/pop3_gateway/run.h"
#include "tern/rpc/channel.h"
#include "tern/storage/v1/storage.grpc.pb.h"

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

class Pop3 {
 public:
  explicit Pop3(int port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    Line();
  }
  std::string Cmd(const std::string& c) {
    asio::write(socket_, asio::buffer(c + "\r\n"));
    return Line();
  }
  // The rest of a multi-line answer, through "\r\n.\r\n" (read in bulk, so that the client is
  // not what is measured); returns the octets received.
  size_t Multi() {
    static const std::string kEnd = "\r\n.\r\n";
    size_t n = asio::read_until(socket_, asio::dynamic_buffer(buf_), kEnd);
    buf_.erase(0, n);
    return n;
  }
  std::string Line() {
    size_t n = asio::read_until(socket_, asio::dynamic_buffer(buf_), "\r\n");
    std::string l = buf_.substr(0, n);
    buf_.erase(0, n);
    return l;
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string buf_;
};

}  // namespace

int main(int argc, char** argv) {
  int messages = 10000;
  double seconds = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--messages") && i + 1 < argc) {
      messages = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      std::cerr << "usage: pop3_bench [--messages N] [--seconds S]\n";
      return 2;
    }
  }
  tern::log::SetMinLevel(tern::log::Level::kError);
  auto backends = tern::bench::StartBackends();
  auto pc = tern::pop3_gateway::LoadConfig("");
  if (!backends.ok() || !pc.ok()) {
    std::cerr << "cannot start storage/auth: " << backends.status() << "\n";
    return 1;
  }
  auto& b = **backends;
  pc->pop3_listen = pc->http_listen = "127.0.0.1:0";
  pc->pop3s_listen = "";
  pc->plaintext_auth_networks = {"127.0.0.0/8"};  // loopback bench: no TLS in the figures
  pc->max_connections_per_ip = 1000;
  pc->auth_target = b.auth_target();
  pc->storage_target = b.storage_target();
  auto pop3 = tern::pop3_gateway::Pop3Server::Start(*pc);
  if (!pop3.ok()) {
    std::cerr << "cannot start pop3: " << pop3.status() << "\n";
    return 1;
  }
  if (!b.AddDomain("bench.test") || !b.AddAccount("reader@bench.test", "bench password")) return 1;

  // Fill the maildrop with 8 parallel writers.
  auto channel = *tern::rpc::MakeChannel({.target = b.storage_target()});
  std::vector<std::thread> fill;
  std::atomic<int> next{0};
  for (int t = 0; t < 8; ++t) {
    fill.emplace_back([&] {
      auto stub = tern::storage::v1::Storage::NewStub(channel);
      for (int i; (i = next++) < messages;) {
        std::string m = tern::bench::Message4k("From: x@remote.example\r\nSubject: pop3 bench " +
                                               std::to_string(i) + "\r\n\r\n");
        tern::storage::v1::DeliverRequest req;
        req.add_accounts("reader@bench.test");
        req.set_content(m);
        tern::storage::v1::DeliverResponse resp;
        auto c = tern::rpc::ContextWithDeadline(std::chrono::seconds(60));
        stub->Deliver(c.get(), req, &resp);
      }
    });
  }
  for (auto& t : fill) t.join();

  std::cout << "pop3_bench: " << messages << " messages of 4 KB in the maildrop\n\n";
  Pop3 s((*pop3)->pop3_port());
  s.Cmd("USER reader@bench.test");
  auto t0 = Clock::now();
  std::string ok = s.Cmd("PASS bench password");
  double login_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::printf("%-40s %10.1f ms  (%s)\n", "login + maildrop snapshot", login_ms,
              ok.substr(0, ok.size() - 2).c_str());
  t0 = Clock::now();
  s.Cmd("UIDL");
  s.Multi();
  std::printf("%-40s %10.1f ms\n", "UIDL of the whole maildrop",
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  t0 = Clock::now();
  size_t bytes = 0;
  int n = 0;
  while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds && n < messages) {
    s.Cmd("RETR " + std::to_string(++n));
    bytes += s.Multi();
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%-40s %10.0f /s  %8.1f MB/s\n", "RETR in one session", n / secs, bytes / secs / 1e6);
  s.Cmd("QUIT");

  auto r = tern::bench::Drive(1, seconds, [&](int) {
    try {
      Pop3 c((*pop3)->pop3_port());
      c.Cmd("USER reader@bench.test");
      bool in = c.Cmd("PASS bench password").rfind("+OK", 0) == 0;
      c.Cmd("QUIT");
      return in;
    } catch (const std::exception&) {
      return false;
    }
  });
  std::printf("%-40s %10.0f /s  p50 %.2f ms  p99 %.2f ms  errors %zu\n",
              "logins (returning user, one connection)", r.per_second, r.p50_ms, r.p99_ms, r.errors);
  (*pop3)->Stop(absl::Seconds(1));
  b.auth->Stop(100);
  b.storage->Stop(100);
  return 0;
}
