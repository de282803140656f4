// pop3_bench: POP3 as a mail client drives it, over a real loopback socket. It starts a
// throwaway PostgreSQL (durable settings) with storage and auth in-process, and the real
// gateway binary (tern-pop3) as a child process, so that the memory measured is the gateway's
// alone. Then:
//   1. a maildrop of 4 KB messages (2,000) delivered through storage, walked as Python's poplib
//      walks it: one session, USER/PASS, then RETR 1, RETR 2, ... one at a time, each reply
//      read line by line to its "." before the next RETR is sent: RETR/s, MB/s, p50/p99;
//   2. logins per second for a returning user (a connection, USER/PASS, QUIT each);
//   3. 50 sessions, each logged in to its own maildrop holding one 20 MB message, send RETR at
//      the same moment and read the answer to the end, while the gateway's VmRSS is sampled
//      from /proc/<pid>/status; its VmHWM (peak) is read at the end.
// It stops by itself and talks to loopback only.
//
//   build/tests/bench/pop3_bench [--messages N] [--seconds S] [--sessions N] [--big-mb N]
//                                [--gateway PATH]
//   build/tests/bench/pop3_bench --serve [--messages N]
//
// --serve fills the maildrop, prints where it listens and serves until its standard input
// closes (tests/bench/pop3_vs_dovecot.sh measures it so with Python's poplib).
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "backends.h"
#include "bench_util.h"
#include "child_gateway.h"
#include "tern/core/log.h"
#include "tern/rpc/channel.h"
#include "tern/storage/v1/storage.grpc.pb.h"

#ifndef TERN_POP3_BINARY
#define TERN_POP3_BINARY "tern-pop3"
#endif

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A POP3 client that reads as poplib does: the status line, then a multi-line answer line by
// line until the line ".", from a buffered socket.
class Pop3 {
 public:
  explicit Pop3(int port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    socket_.set_option(asio::ip::tcp::no_delay(true));
    Line();
  }
  // Sends one command; its status line without CRLF.
  std::string Cmd(const std::string& c) {
    asio::write(socket_, asio::buffer(c + "\r\n"));
    return std::string(Line());
  }
  // The rest of a multi-line answer through its "." line: the octets of the message it carries
  // (dot-stuffing undone, CRLFs counted), which is the size LIST gives.
  uint64_t Multi() {
    uint64_t octets = 0;
    for (;;) {
      std::string_view l = Line();
      if (l == ".") return octets;
      if (!l.empty() && l[0] == '.') l.remove_prefix(1);
      octets += l.size() + 2;
    }
  }
  // LIST: the size of each message, in order.
  std::vector<uint64_t> Sizes() {
    std::vector<uint64_t> sizes;
    if (Cmd("LIST").rfind("+OK", 0) != 0) return sizes;
    for (std::string_view l; (l = Line()) != ".";) {
      sizes.push_back(std::strtoull(std::string(l.substr(l.find(' ') + 1)).c_str(), nullptr, 10));
    }
    return sizes;
  }

 private:
  // The next line without its CRLF; valid until the next call.
  std::string_view Line() {
    for (;;) {
      size_t end = buf_.find("\r\n", pos_);
      if (end != std::string::npos) {
        std::string_view l(buf_.data() + pos_, end - pos_);
        pos_ = end + 2;
        return l;
      }
      buf_.erase(0, pos_);
      pos_ = 0;
      const size_t have = buf_.size();
      buf_.resize(have + 65536);
      size_t n = socket_.read_some(asio::buffer(buf_.data() + have, 65536));
      buf_.resize(have + n);
    }
  }

  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string buf_;
  size_t pos_ = 0;
};

// The real gateway binary as a child of this process, pointed at the in-process storage and
// auth, logging to a file in a temporary folder (where its listening port is read from).
class Gateway {
 public:
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(const std::string& binary,
                                                        const tern::bench::Backends& b) {
    const tern::bench::ChildGateway::Env env = {
        {"TERN_POP3_POP3_LISTEN", "127.0.0.1:0"},
        {"TERN_POP3_POP3S_LISTEN", ""},
        {"TERN_POP3_HTTP_LISTEN", "127.0.0.1:0"},
        {"TERN_POP3_AUTH_TARGET", b.auth_target()},
        {"TERN_POP3_STORAGE_TARGET", b.storage_target()},
        {"TERN_POP3_AUTH_PLAINTEXT_NETWORKS", "127.0.0.0/8"},  // loopback: no TLS in the figures
        {"TERN_POP3_LIMITS_MAX_CONNECTIONS_PER_IP", "1000"},
        {"TERN_POP3_DRAIN_GRACE", "1s"},
        {"TERN_POP3_LOG_LEVEL", "info"},
    };
    auto child = tern::bench::ChildGateway::Start(binary, env, "pop3-gateway started", {"pop3"});
    if (!child.ok()) return child.status();
    auto g = std::unique_ptr<Gateway>(new Gateway);
    g->child_ = std::move(*child);
    return g;
  }
  int port() const { return child_->port("pop3"); }
  pid_t pid() const { return child_->pid(); }
  uint64_t StatusKib(const std::string& field) const { return child_->StatusKib(field); }

 private:
  Gateway() = default;
  std::unique_ptr<tern::bench::ChildGateway> child_;
};

// Delivers `count` messages made by `make(i)` to `accounts`, from 8 writers.
template <typename Make>
size_t Fill(const tern::bench::Backends& b, const std::vector<std::string>& accounts, int count,
            Make make) {
  auto channel = *tern::rpc::MakeChannel({.target = b.storage_target()});
  std::vector<std::thread> writers;
  std::atomic<int> next{0};
  std::atomic<size_t> failed{0};
  for (int t = 0; t < std::min(count, 8); ++t) {
    writers.emplace_back([&] {
      auto stub = tern::storage::v1::Storage::NewStub(channel);
      for (int i; (i = next++) < count;) {
        tern::storage::v1::DeliverRequest req;
        for (const auto& a : accounts) req.add_accounts(a);
        req.set_content(make(i));
        tern::storage::v1::DeliverResponse resp;
        auto c = tern::rpc::ContextWithDeadline(std::chrono::seconds(120));
        if (!stub->Deliver(c.get(), req, &resp).ok()) ++failed;
      }
    });
  }
  for (auto& t : writers) t.join();
  return failed;
}

std::string Message4k(int i) {
  return tern::bench::Message4k("From: x@remote.example\r\nSubject: pop3 bench " +
                                std::to_string(i) + "\r\n\r\n");
}

std::string MessageOf(uint64_t bytes) {
  std::string m = "From: x@remote.example\r\nSubject: pop3 bench, a big one\r\n\r\n";
  const std::string line = "The quick brown fox jumps over the lazy dog 0123456789.\r\n";
  m.reserve(bytes);
  while (m.size() + line.size() <= bytes) m += line;
  return m;
}

// Walks the whole maildrop as poplib does; prints RETR/s. False when something was wrong.
bool Walk(int port) {
  Pop3 s(port);
  s.Cmd("USER reader@bench.test");
  auto t0 = Clock::now();
  std::string ok = s.Cmd("PASS bench password");
  std::printf("%-44s %10.1f ms  (%s)\n", "login + maildrop snapshot", Since(t0) * 1e3, ok.c_str());
  if (ok.rfind("+OK", 0) != 0) return false;
  t0 = Clock::now();
  s.Cmd("UIDL");
  s.Multi();
  std::printf("%-44s %10.1f ms\n", "UIDL of the whole maildrop", Since(t0) * 1e3);
  const std::vector<uint64_t> sizes = s.Sizes();
  std::vector<std::vector<double>> lat(1);
  uint64_t bytes = 0;
  size_t wrong = 0;
  t0 = Clock::now();
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto r0 = Clock::now();
    if (s.Cmd("RETR " + std::to_string(i + 1)).rfind("+OK", 0) != 0) {
      ++wrong;
      continue;
    }
    const uint64_t got = s.Multi();
    lat[0].push_back(Since(r0));
    bytes += got;
    if (got != sizes[i]) ++wrong;
  }
  const double secs = Since(t0);
  auto r = tern::bench::Summarise(lat, secs, wrong);
  std::printf("%-44s %10.0f /s  %6.1f MB/s  p50 %.3f ms  p99 %.3f ms  wrong %zu\n",
              ("RETR 1.." + std::to_string(sizes.size()) + ", one session").c_str(), r.per_second,
              bytes / secs / 1e6, r.p50_ms, r.p99_ms, wrong);
  s.Cmd("QUIT");
  return wrong == 0 && !sizes.empty();
}

// `sessions` sessions, each on its own maildrop of one big message, RETR at once; samples the
// gateway's resident memory meanwhile.
bool Big(tern::bench::Backends& b, const Gateway& gw, int sessions, uint64_t big_bytes) {
  std::vector<std::string> accounts;
  for (int i = 0; i < sessions; ++i) {
    accounts.push_back("big" + std::to_string(i) + "@bench.test");
    if (!b.AddAccount(accounts.back(), "bench password")) return false;
  }
  const std::string big = MessageOf(big_bytes);
  if (Fill(b, accounts, 1, [&](int) { return big; }) != 0) {
    std::cerr << "the big message was not delivered\n";
    return false;
  }
  // Log in first (auth hashes at most 2 passwords at once), then RETR all at the same moment.
  std::vector<std::unique_ptr<Pop3>> ss;
  for (int i = 0; i < sessions; ++i) {
    ss.push_back(std::make_unique<Pop3>(gw.port()));
    ss.back()->Cmd("USER " + accounts[i]);
    if (ss.back()->Cmd("PASS bench password").rfind("+OK", 0) != 0) {
      std::cerr << "login of " << accounts[i] << " failed\n";
      return false;
    }
  }
  const uint64_t before = gw.StatusKib("VmRSS");
  std::atomic<bool> done{false};
  std::atomic<uint64_t> peak{before};
  std::thread sampler([&] {
    while (!done) {
      const uint64_t now = gw.StatusKib("VmRSS");
      if (now > peak) peak = now;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::atomic<size_t> wrong{0};
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  std::vector<std::thread> readers;
  for (int i = 0; i < sessions; ++i) {
    readers.emplace_back([&, i] {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return go; });
      }
      try {
        if (ss[i]->Cmd("RETR 1").rfind("+OK", 0) != 0 || ss[i]->Multi() != big.size()) ++wrong;
        ss[i]->Cmd("QUIT");
      } catch (const std::exception&) {
        ++wrong;
      }
    });
  }
  auto t0 = Clock::now();
  {
    std::lock_guard lock(mu);
    go = true;
  }
  cv.notify_all();
  for (auto& t : readers) t.join();
  const double secs = Since(t0);
  done = true;
  sampler.join();
  const uint64_t hwm = gw.StatusKib("VmHWM");
  std::printf("%-44s %10.1f s   %6.1f MB/s  wrong %zu\n",
              (std::to_string(sessions) + " sessions x RETR of " + std::to_string(big_bytes >> 20) +
               " MB")
                  .c_str(),
              secs, sessions * static_cast<double>(big.size()) / secs / 1e6, wrong.load());
  std::printf("%-44s %10.1f MiB before, %.1f MiB peak sampled (VmRSS), %.1f MiB VmHWM\n",
              ("tern-pop3 resident memory (pid " + std::to_string(gw.pid()) + ")").c_str(),
              before / 1024.0, peak / 1024.0, hwm / 1024.0);
  std::printf("%-44s %10.2f MiB (peak sampled - before) / sessions\n", "  per session",
              (peak - before) / 1024.0 / sessions);
  return wrong == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int messages = 2000;
  double seconds = 5;
  int sessions = 50;
  uint64_t big_mb = 20;
  bool serve = false;
  std::string gateway = TERN_POP3_BINARY;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--messages") && i + 1 < argc) {
      messages = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--sessions") && i + 1 < argc) {
      sessions = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--big-mb") && i + 1 < argc) {
      big_mb = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--gateway") && i + 1 < argc) {
      gateway = argv[++i];
    } else if (!std::strcmp(argv[i], "--serve")) {
      serve = true;
    } else {
      std::cerr << "usage: pop3_bench [--messages N] [--seconds S] [--sessions N] [--big-mb N] "
                   "[--gateway PATH] [--serve]\n";
      return 2;
    }
  }
  tern::log::SetMinLevel(tern::log::Level::kError);
  auto backends = tern::bench::StartBackends();
  if (!backends.ok()) {
    std::cerr << "cannot start storage/auth: " << backends.status() << "\n";
    return 1;
  }
  auto& b = **backends;
  auto gw = Gateway::Start(gateway, b);
  if (!gw.ok()) {
    std::cerr << "cannot start the gateway: " << gw.status() << "\n";
    return 1;
  }
  if (!b.AddDomain("bench.test") || !b.AddAccount("reader@bench.test", "bench password")) return 1;
  if (size_t failed = Fill(b, {"reader@bench.test"}, messages, Message4k)) {
    std::cerr << failed << " deliveries failed\n";
    return 1;
  }
  int rc = 0;
  if (serve) {
    std::cout << "pop3_bench: serving 127.0.0.1:" << (*gw)->port()
              << " user reader@bench.test password 'bench password', " << messages
              << " messages; close standard input to stop" << std::endl;
    for (std::string line; std::getline(std::cin, line);) {
    }
  } else {
    std::cout << "pop3_bench: gateway tern-pop3 as a child process (pid " << (*gw)->pid()
              << "), storage, auth and PostgreSQL beside it; " << messages
              << " messages of 4 KB in the maildrop\n\n";
    if (!Walk((*gw)->port())) rc = 1;
    auto r = tern::bench::Drive(1, seconds, [&](int) {
      try {
        Pop3 c((*gw)->port());
        c.Cmd("USER reader@bench.test");
        bool in = c.Cmd("PASS bench password").rfind("+OK", 0) == 0;
        c.Cmd("QUIT");
        return in;
      } catch (const std::exception&) {
        return false;
      }
    });
    std::printf("%-44s %10.0f /s  p50 %.2f ms  p99 %.2f ms  errors %zu\n",
                "logins (returning user, one connection)", r.per_second, r.p50_ms, r.p99_ms,
                r.errors);
    if (sessions > 0 && !Big(b, **gw, sessions, big_mb << 20)) rc = 1;
  }
  gw->reset();
  b.auth->Stop(100);
  b.storage->Stop(100);
  return rc;
}
