// smtp_bench: messages per second and p50/p99 transaction latency (DATA's final "." to the
// 250 that follows the durable commit) for 4 KB messages over 1 and 20 concurrent SMTP
// sessions, printed beside the storage service's own Deliver rate measured in the same run on
// the same cluster. Durability stays on.
//
//   build/tests/bench/smtp_bench [--seconds N] [--sessions a,b,...]
//
// It starts a throwaway PostgreSQL (default, durable settings) and storage, auth and
// smtp-ingress in-process on loopback, adds a domain and 20 accounts through the admin API, and
// keeps one SMTP connection per session, sending MAIL, RCPT and DATA pipelined per message.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <boost/asio.hpp>
#include <atomic>
#include <cstring>
#include <iostream>

#include "backends.h"
#include "bench_util.h"
#include "tern/core/log.h"
#include "tern/rpc/channel.h"
#include "tern/smtp_ingress/run.h"
#include "tern/storage/v1/storage.grpc.pb.h"

namespace {

namespace asio = boost::asio;
using tern::bench::Drive;
using tern::bench::Result;

std::string Body4k(int session, uint64_t n) {
  return tern::bench::Message4k("From: bench@remote.example\r\nTo: b" + std::to_string(session) +
                                "@bench.test\r\nSubject: smtp bench " + std::to_string(n) +
                                "\r\nMessage-ID: <" + std::to_string(session) + "." +
                                std::to_string(n) + "@bench>\r\n\r\n");
}

// One SMTP session kept open; Send() runs one pipelined transaction.
class Session {
 public:
  Session(int port, int index) : socket_(io_), index_(index) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    Reply();
    asio::write(socket_, asio::buffer(std::string("EHLO bench\r\n")));
    Reply();
  }
  bool Send(uint64_t n) {
    std::string rcpt = "b" + std::to_string(index_) + "@bench.test";
    asio::write(socket_, asio::buffer("MAIL FROM:<bench@remote.example>\r\nRCPT TO:<" + rcpt +
                                      ">\r\nDATA\r\n"));
    std::string mail = Reply(), rcpt_reply = Reply(), data = Reply();
    if (mail[0] != '2' || rcpt_reply[0] != '2' || data.substr(0, 3) != "354") {
      Complain(mail + rcpt_reply + data);
      return false;
    }
    asio::write(socket_, asio::buffer(Body4k(index_, n) + ".\r\n"));
    std::string end = Reply();
    if (end.substr(0, 3) != "250") Complain(end);
    return end.substr(0, 3) == "250";
  }

  // The first refusal is printed: an error count alone does not say what went wrong.
  static void Complain(const std::string& reply) {
    static std::atomic<bool> once{false};
    if (!once.exchange(true)) std::cerr << "first refusal: " << reply;
  }

 private:
  std::string Reply() {
    for (;;) {
      size_t n = asio::read_until(socket_, asio::dynamic_buffer(buf_), "\r\n");
      std::string line = buf_.substr(0, n);
      buf_.erase(0, n);
      if (line.size() < 4 || line[3] == ' ') return line;
    }
  }
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  int index_;
  std::string buf_;
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  std::vector<int> counts = {1, 20};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--sessions") && i + 1 < argc) {
      counts.clear();
      for (char* t = std::strtok(argv[++i], ","); t; t = std::strtok(nullptr, ",")) counts.push_back(std::atoi(t));
    } else {
      std::cerr << "usage: smtp_bench [--seconds N] [--sessions 1,20]\n";
      return 2;
    }
  }
  tern::log::SetMinLevel(tern::log::Level::kError);
  auto backends = tern::bench::StartBackends(32);
  auto mc = tern::smtp_ingress::LoadConfig("");
  if (!backends.ok() || !mc.ok()) {
    std::cerr << "cannot start storage/auth: " << backends.status() << "\n";
    return 1;
  }
  auto& b = **backends;
  mc->mx_listen = mc->http_listen = "127.0.0.1:0";
  mc->submission_listen = mc->submissions_listen = "";
  mc->max_connections_per_ip = 1000;
  mc->auth_target = b.auth_target();
  mc->storage_target = b.storage_target();
  auto smtp = tern::smtp_ingress::SmtpServer::Start(*mc);
  if (!smtp.ok()) {
    std::cerr << "cannot start smtp: " << smtp.status() << "\n";
    return 1;
  }
  b.AddDomain("bench.test");
  int max_sessions = *std::max_element(counts.begin(), counts.end());
  for (int i = 0; i < max_sessions; ++i) {
    if (!b.AddAccount("b" + std::to_string(i) + "@bench.test", "bench password")) {
      std::cerr << "cannot add accounts\n";
      return 1;
    }
  }
  std::cout << "smtp_bench: " << seconds << " s per run, 4096-byte messages, durable commits\n\n";
  std::printf("%-16s %8s %14s %10s %10s %8s\n", "what", "clients", "per second", "p50 ms", "p99 ms", "errors");
  auto storage_stub = tern::storage::v1::Storage::NewStub(
      *tern::rpc::MakeChannel({.target = b.storage_target()}));
  for (int clients : counts) {
    std::vector<uint64_t> counter(clients, 0);
    Result r = Drive(clients, seconds, [&](int c) {
      tern::storage::v1::DeliverRequest req;
      req.add_accounts("b" + std::to_string(c) + "@bench.test");
      req.set_content(Body4k(c, counter[c]++));
      tern::storage::v1::DeliverResponse resp;
      auto cx = tern::rpc::ContextWithDeadline(std::chrono::seconds(30));
      return storage_stub->Deliver(cx.get(), req, &resp).ok();
    });
    std::printf("%-16s %8d %14.0f %10.2f %10.2f %8zu\n", "storage Deliver", clients, r.per_second,
                r.p50_ms, r.p99_ms, r.errors);
  }
  for (int sessions : counts) {
    std::vector<std::unique_ptr<Session>> ss;
    for (int i = 0; i < sessions; ++i) ss.push_back(std::make_unique<Session>((*smtp)->mx_port(), i));
    std::vector<uint64_t> counter(sessions, 0);
    Result r = Drive(sessions, seconds, [&](int c) {
      try {
        return ss[c]->Send(counter[c]++);
      } catch (const std::exception&) {
        return false;
      }
    });
    std::printf("%-16s %8d %14.0f %10.2f %10.2f %8zu\n", "smtp message", sessions, r.per_second,
                r.p50_ms, r.p99_ms, r.errors);
  }
  (*smtp)->Stop(absl::Seconds(1));
  b.auth->Stop(100);
  b.storage->Stop(100);
  return 0;
}
