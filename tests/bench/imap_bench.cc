// imap_bench: IMAP as mail clients drive it, over real loopback sockets. It starts a throwaway
// PostgreSQL (durable settings) with storage and auth in-process, and the real gateway binary
// (tern-imap) as a child process, so that the memory measured is the gateway's alone. Then,
// each gateway figure beside what the same storage calls cost on their own:
//   1. `UID FETCH n (BODY.PEEK[])`, one message per command, one session, on a mailbox of
//      --messages (2,000) 4 KB messages: commands/s, MB/s, p50/p99;
//   2. `FETCH 1:* (BODY.PEEK[])` of that mailbox: messages/s (median of --rounds);
//   3. SELECT of a mailbox of --big (100,000) messages: the first, then the median of --rounds;
//   4. `FETCH 1:* (UID FLAGS ENVELOPE)` of that mailbox: messages/s (median of --rounds);
//   5. logins of returning users (connect, LOGIN, LOGOUT) from --clients (4) at once, each
//      client its own account, then all on one account;
//   6. --idle (5,000) connections logged in, INBOX selected, in IDLE, on a fresh gateway, in
//      plaintext and then over implicit TLS: the gateway's VmRSS before and after, per
//      connection.
// Every answer is checked: the bodies are the stored bytes (each literal compared with the
// message it names), the FETCH answers number and name every message once, the FLAGS are the
// stored ones, SELECT says the right EXISTS, each IDLE ends with its tagged OK. It stops by
// itself and talks to loopback only.
//
//   build/tests/bench/imap_bench [--messages N] [--big N] [--distinct N] [--seconds S]
//                                [--rounds N] [--clients N] [--idle N] [--no-tls]
//                                [--gateway PATH]
//
// The 100,000-message mailbox is filled fast: --distinct (1,000) messages delivered through
// storage, then copied within PostgreSQL (one INSERT ... SELECT of mailbox_messages rows with
// new UIDs and MODSEQs, pointing at the same stored contents), its UIDNEXT, HIGHESTMODSEQ and
// usage set to match.
#include <utility>  // first: Boost 1.74's headers (through backends.h) miss it under GCC 12

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "backends.h"
#include "bench_util.h"
#include "child_gateway.h"
#include "pqxx/pqxx"
#include "tern/core/log.h"
#include "tern/rpc/channel.h"
#include "tern/storage/v1/storage.grpc.pb.h"

#ifndef TERN_IMAP_BINARY
#define TERN_IMAP_BINARY "tern-imap"
#endif

namespace {

namespace sv = tern::storage::v1;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

const char kPassword[] = "bench password";

// ---------------------------------------------------------------------------------------------
// The client: a blocking socket (TLS through OpenSSL when given a context) and an IMAP reader
// that takes each response whole, literals included.

class Conn {
 public:
  Conn(int port, SSL_CTX* tls) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    timeval tv{60, 0};  // a gateway that stops answering fails the bench instead of hanging it
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      const int e = errno;
      close(fd_);
      throw std::runtime_error(std::string("connect: ") + std::strerror(e));
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (tls) {
      ssl_ = SSL_new(tls);
      SSL_set_fd(ssl_, fd_);
      if (SSL_connect(ssl_) != 1) {
        SSL_free(ssl_);
        close(fd_);
        throw std::runtime_error("TLS handshake failed");
      }
    }
  }
  ~Conn() {
    if (ssl_) SSL_free(ssl_);  // no close_notify: the gateway sees the connection end
    close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void Write(std::string_view d) {
    while (!d.empty()) {
      ssize_t n = ssl_ ? SSL_write(ssl_, d.data(), static_cast<int>(d.size()))
                       : send(fd_, d.data(), d.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        if (!ssl_ && n < 0 && errno == EINTR) continue;
        throw std::runtime_error("write failed");
      }
      d.remove_prefix(static_cast<size_t>(n));
    }
  }
  size_t Read(char* p, size_t n) {
    for (;;) {
      ssize_t r = ssl_ ? SSL_read(ssl_, p, static_cast<int>(n)) : recv(fd_, p, n, 0);
      if (r > 0) return static_cast<size_t>(r);
      if (!ssl_ && r < 0 && errno == EINTR) continue;
      throw std::runtime_error(r == 0 ? "connection closed by the gateway" : "read failed");
    }
  }

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

// One server response: its text with each literal's octets left out (the "{n}" kept), and the
// literals in order.
struct Response {
  std::string text;
  std::vector<std::string> literals;
};

class Imap {
 public:
  explicit Imap(int port, SSL_CTX* tls = nullptr) : conn_(port, tls), buf_(1 << 16) {
    if (Next().text.rfind("* OK", 0) != 0) throw std::runtime_error("greeting: " + r_.text);
  }

  // Reads the next whole response.
  const Response& Next() {
    r_.text.clear();
    r_.literals.clear();
    for (;;) {
      const size_t eol = LineEnd();
      std::string_view line(buf_.data() + pos_, eol - pos_);
      pos_ = eol + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      r_.text.append(line);
      // A literal: the line ends with {n}; its n octets follow, then the rest of the response.
      if (line.empty() || line.back() != '}') return r_;
      const size_t open = line.rfind('{');
      if (open == std::string_view::npos) return r_;
      size_t n = 0;
      for (size_t i = open + 1; i + 1 < line.size(); ++i) {
        if (line[i] < '0' || line[i] > '9') return r_;
        n = n * 10 + static_cast<size_t>(line[i] - '0');
      }
      std::string& lit = r_.literals.emplace_back();
      lit.reserve(n);
      while (lit.size() < n) {
        if (pos_ == end_) Refill();
        const size_t take = std::min(end_ - pos_, n - lit.size());
        lit.append(buf_.data() + pos_, take);
        pos_ += take;
      }
    }
  }

  void Send(std::string_view s) { conn_.Write(s); }

  // Sends `cmd` under a new tag and reads to its tagged completion, handing every other
  // response to `on`; returns the completion without the tag ("OK ...", "NO ...", "BAD ...").
  template <typename F>
  std::string Run(std::string_view cmd, F&& on) {
    const std::string tag = NewTag();
    std::string line = tag;
    line += ' ';
    line += cmd;
    line += "\r\n";
    Send(line);
    return Complete(tag, on);
  }
  std::string Run(std::string_view cmd) {
    return Run(cmd, [](const Response&) {});
  }
  template <typename F>
  std::string Complete(const std::string& tag, F&& on) {
    for (;;) {
      const Response& r = Next();
      if (r.text.size() > tag.size() && r.text[tag.size()] == ' ' &&
          r.text.compare(0, tag.size(), tag) == 0) {
        return r.text.substr(tag.size() + 1);
      }
      on(r);
    }
  }
  std::string NewTag() { return "a" + std::to_string(++tags_); }

  // LOGIN; true when answered OK (the first refusal is printed).
  bool Login(const std::string& user) {
    const std::string done = Run("LOGIN \"" + user + "\" \"" + kPassword + "\"");
    if (done.rfind("OK", 0) == 0) return true;
    static std::atomic<bool> told{false};
    if (!told.exchange(true)) std::cerr << "LOGIN " << user << " answered: " << done << "\n";
    return false;
  }
  // SELECT; the EXISTS it reports, or -1 when refused.
  long Select(const std::string& mailbox) {
    long exists = -1;
    auto done = Run("SELECT " + mailbox, [&](const Response& r) {
      if (r.text.size() > 9 && r.text.compare(r.text.size() - 7, 7, " EXISTS") == 0) {
        exists = std::atol(r.text.c_str() + 2);
      }
    });
    return done.rfind("OK", 0) == 0 ? exists : -1;
  }

 private:
  // The index of the next '\n' at or after pos_, reading more as needed.
  size_t LineEnd() {
    size_t from = pos_;
    for (;;) {
      if (const void* p = std::memchr(buf_.data() + from, '\n', end_ - from)) {
        return static_cast<size_t>(static_cast<const char*>(p) - buf_.data());
      }
      const size_t scanned = end_ - pos_;
      Refill();
      from = pos_ + scanned;
    }
  }
  // Reads more after end_ (moving what is unread to the front, growing when full).
  void Refill() {
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
    end_ += conn_.Read(buf_.data() + end_, buf_.size() - end_);
  }

  Conn conn_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  Response r_;
  uint64_t tags_ = 0;
};

// The number after `key` in `text` ("UID " -> 17); 0 when absent.
uint64_t NumberAfter(const std::string& text, std::string_view key, size_t from = 0) {
  const size_t at = text.find(key, from);
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + key.size(), nullptr, 10);
}

// ---------------------------------------------------------------------------------------------
// The gateway: the real binary as a child of this process, pointed at the in-process storage
// and auth, logging to a file in a temporary folder (its listening ports are read from there).
class Gateway {
 public:
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(const std::string& binary,
                                                        const tern::bench::Backends& b,
                                                        const std::string& cert_dir) {
    const tern::bench::ChildGateway::Env env = {
        {"TERN_IMAP_IMAP_LISTEN", "127.0.0.1:0"},
        {"TERN_IMAP_IMAPS_LISTEN", cert_dir.empty() ? "" : "127.0.0.1:0"},
        {"TERN_IMAP_TLS_CERT_FILE", cert_dir.empty() ? "" : cert_dir + "/cert.pem"},
        {"TERN_IMAP_TLS_KEY_FILE", cert_dir.empty() ? "" : cert_dir + "/key.pem"},
        {"TERN_IMAP_HTTP_LISTEN", "127.0.0.1:0"},
        {"TERN_IMAP_AUTH_TARGET", b.auth_target()},
        {"TERN_IMAP_STORAGE_TARGET", b.storage_target()},
        {"TERN_IMAP_AUTH_PLAINTEXT_NETWORKS", "127.0.0.0/8"},  // plaintext LOGIN on loopback
        {"TERN_IMAP_LIMITS_MAX_CONNECTIONS", "100000"},
        {"TERN_IMAP_LIMITS_MAX_CONNECTIONS_PER_IP", "100000"},  // every client is 127.0.0.1
        {"TERN_IMAP_DRAIN_GRACE", "1s"},
        {"TERN_IMAP_LOG_LEVEL", "info"},
    };
    auto child = tern::bench::ChildGateway::Start(binary, env, "imap-gateway started",
                                                  {"imap", "imaps"});
    if (!child.ok()) return child.status();
    auto g = std::unique_ptr<Gateway>(new Gateway);
    g->child_ = std::move(*child);
    return g;
  }
  int port() const { return child_->port("imap"); }
  int tls_port() const { return child_->port("imaps"); }
  pid_t pid() const { return child_->pid(); }
  uint64_t StatusKib(const std::string& field) const { return child_->StatusKib(field); }

 private:
  Gateway() = default;
  std::unique_ptr<tern::bench::ChildGateway> child_;
};

// ---------------------------------------------------------------------------------------------
// Filling mailboxes.

// Message i of a mailbox: 4,096 octets, its number in the subject (so that a body fetched can
// be checked against the one it must be).
std::string Message(const std::string& to, int i) {
  return tern::bench::Message4k(
      "Date: Thu, 03 Dec 2026 12:00:00 +0000\r\nFrom: Sender <x@remote.example>\r\nTo: " + to +
      "\r\nSubject: imap bench " + std::to_string(i) + "\r\nMessage-ID: <" + std::to_string(i) +
      "." + to + ">\r\n\r\n");
}

// The message number in a fetched body (the "Subject: imap bench N" line); -1 when missing.
int NumberOf(std::string_view body) {
  const std::string_view key = "\r\nSubject: imap bench ";
  const size_t at = body.find(key);
  if (at == std::string_view::npos) return -1;
  return std::atoi(std::string(body.substr(at + key.size(), 12)).c_str());
}

// Delivers messages 0..count-1 of `account` through storage, from 8 writers; deliveries/s.
double Fill(const tern::bench::Backends& b, const std::string& account, int count,
            size_t* failed) {
  auto channel = *tern::rpc::MakeChannel({.target = b.storage_target()});
  std::vector<std::thread> writers;
  std::atomic<int> next{0};
  std::atomic<size_t> bad{0};
  const auto t0 = Clock::now();
  for (int t = 0; t < std::min(count, 8); ++t) {
    writers.emplace_back([&] {
      auto stub = sv::Storage::NewStub(channel);
      for (int i; (i = next++) < count;) {
        sv::DeliverRequest req;
        req.add_accounts(account);
        req.set_content(Message(account, i));
        sv::DeliverResponse resp;
        auto c = tern::rpc::ContextWithDeadline(std::chrono::seconds(120));
        if (!stub->Deliver(c.get(), req, &resp).ok()) ++bad;
      }
    });
  }
  for (auto& t : writers) t.join();
  *failed = bad;
  return count / Since(t0);
}

// Grows `account`'s INBOX (holding `have` messages, UIDs 1..have) to `want` messages inside
// PostgreSQL: copies of the rows with UIDs have+1..want, each pointing at the stored message of
// UID 1 + (uid - 1) % have, MODSEQs after the mailbox's highest; \Seen on every message whose
// UID is not a multiple of 3 (the copies and the delivered ones alike). Empty on success.
std::string Grow(const std::string& db_url, const std::string& account, int64_t have,
                 int64_t want) {
  try {
    pqxx::connection c(db_url);
    pqxx::work tx(c);
    const auto row = tx.exec1(
        "SELECT b.id, b.highestmodseq FROM mailboxes b JOIN mail_accounts a ON a.id = "
        "b.account_id WHERE a.name = " + tx.quote(account) + " AND b.name = 'INBOX'");
    const auto box = row[0].as<int64_t>();
    const auto modseq = row[1].as<int64_t>();
    const auto check = tx.exec1("SELECT count(*), coalesce(min(uid), 0), coalesce(max(uid), 0) "
                                "FROM mailbox_messages WHERE mailbox_id = " + std::to_string(box));
    if (check[0].as<int64_t>() != have || check[1].as<int64_t>() != 1 ||
        check[2].as<int64_t>() != have) {
      return "the delivered messages do not have UIDs 1.." + std::to_string(have);
    }
    // Every column of the row as it is, but UID, MODSEQ and flags: whatever columns later
    // migrations add are copied too.
    std::string cols, values;
    const auto columns = tx.exec(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'mailbox_messages' ORDER BY ordinal_position");
    const std::string seen = std::to_string(sv::FLAG_SEEN);
    for (const auto& col : columns) {
      const std::string name = col[0].as<std::string>();
      if (!cols.empty()) cols += ", ", values += ", ";
      cols += tx.quote_name(name);
      if (name == "uid") {
        values += "n.uid";
      } else if (name == "modseq") {
        values += std::to_string(modseq) + " + n.uid - " + std::to_string(have);
      } else if (name == "flags") {
        values += "CASE WHEN n.uid % 3 = 0 THEN 0 ELSE " + seen + " END";
      } else {
        values += "s." + tx.quote_name(name);
      }
    }
    const std::string b = std::to_string(box), h = std::to_string(have);
    tx.exec0("INSERT INTO mailbox_messages (" + cols + ") SELECT " + values +
             " FROM generate_series(" + std::to_string(have + 1) + ", " + std::to_string(want) +
             ") AS n(uid) JOIN mailbox_messages s ON s.mailbox_id = " + b +
             " AND s.uid = 1 + (n.uid - 1) % " + h);
    tx.exec0("UPDATE mailbox_messages SET flags = CASE WHEN uid % 3 = 0 THEN 0 ELSE " + seen +
             " END WHERE mailbox_id = " + b + " AND uid <= " + h);
    // Everything counted as seen by an earlier session (no \Recent), where the column exists.
    const bool recent =
        !tx.exec("SELECT 1 FROM information_schema.columns WHERE table_name = 'mailboxes' AND "
                 "column_name = 'recent_uid'")
             .empty();
    tx.exec0("UPDATE mailboxes SET uidnext = " + std::to_string(want + 1) +
             ", highestmodseq = " + std::to_string(modseq + want - have) +
             (recent ? ", recent_uid = " + std::to_string(want) : std::string()) +
             " WHERE id = " + b);
    tx.exec0("UPDATE mail_accounts a SET used_messages = t.n, used_bytes = t.bytes FROM (SELECT "
             "count(*) AS n, sum(size) AS bytes FROM mailbox_messages m JOIN mailboxes x ON "
             "x.id = m.mailbox_id WHERE x.account_id = (SELECT id FROM mail_accounts WHERE name "
             "= " + tx.quote(account) + ")) t WHERE a.name = " + tx.quote(account));
    tx.commit();
    pqxx::nontransaction an(c);
    an.exec0("ANALYZE mailbox_messages");
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

// ---------------------------------------------------------------------------------------------
// The measurements.

bool Ok(const std::string& completion) { return completion.rfind("OK", 0) == 0; }

void Line(const std::string& what, const std::string& figures) {
  std::printf("%-58s %s\n", what.c_str(), figures.c_str());
  std::fflush(stdout);
}
std::string Fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string Fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// Checks one FETCH answer carrying BODY[]: UID `uid` (0: any), one literal, the stored bytes
// of the message it names. Counts into `bytes`.
bool BodyRight(const Response& r, uint32_t uid, const std::string& account, uint64_t* bytes) {
  if (r.text.find(" FETCH (") == std::string::npos || r.literals.size() != 1) return false;
  if (uid != 0 && NumberAfter(r.text, "UID ") != uid) return false;
  const std::string& body = r.literals[0];
  *bytes += body.size();
  const int n = NumberOf(body);
  return n >= 0 && body == Message(account, n);
}

// The storage calls a one-message UID FETCH (BODY.PEEK[]) makes (FetchMetadata, then
// FetchMessages), made by one client for `seconds`: calls of the pair per second.
// `parts` gets each call's latencies (metadata, content).
tern::bench::Result StorageOneByOne(sv::Storage::Stub& stub, const std::string& account,
                                    const std::vector<uint32_t>& uids, double seconds,
                                    std::vector<double> (&parts)[2]) {
  std::vector<std::vector<double>> lat(1);
  size_t wrong = 0;
  const auto t0 = Clock::now();
  for (size_t i = 0; Since(t0) < seconds; ++i) {
    const uint32_t u = uids[i % uids.size()];
    const auto r0 = Clock::now();
    sv::FetchMetadataRequest mreq;
    mreq.set_account(account);
    mreq.set_mailbox("INBOX");
    auto* range = mreq.mutable_uids()->add_ranges();
    range->set_first(u);
    range->set_last(u);
    auto c1 = tern::rpc::ContextWithDeadline(std::chrono::seconds(30));
    auto meta = stub.FetchMetadata(c1.get(), mreq);
    size_t got = 0;
    for (sv::FetchMetadataResponse m; meta->Read(&m);) got += m.messages_size();
    if (!meta->Finish().ok() || got != 1) ++wrong;
    parts[0].push_back(Since(r0));
    const auto r1 = Clock::now();
    sv::FetchMessagesRequest creq;
    creq.set_account(account);
    creq.set_mailbox("INBOX");
    creq.add_uids(u);
    creq.set_max_message_bytes(256 << 10);
    auto c2 = tern::rpc::ContextWithDeadline(std::chrono::seconds(30));
    auto content = stub.FetchMessages(c2.get(), creq);
    uint64_t bytes = 0;
    for (sv::FetchMessagesResponse m; content->Read(&m);) bytes += m.content().size();
    if (!content->Finish().ok() || bytes != 4096) ++wrong;
    parts[1].push_back(Since(r1));
    lat[0].push_back(Since(r0));
  }
  return tern::bench::Summarise(lat, Since(t0), wrong);
}

// What FETCH 1:* costs storage alone: the calls the gateway makes per batch of 256 (metadata,
// and the contents when `content`), one after the other; messages per second. The UIDs go as
// the gateway sends them, one range per UID, or with `coalesce` as one range per batch.
double StorageBatches(sv::Storage::Stub& stub, const std::string& account, uint32_t count,
                      bool envelope, bool content, bool coalesce, size_t* wrong) {
  const auto t0 = Clock::now();
  size_t got_meta = 0, got_content = 0;
  for (uint32_t first = 1; first <= count; first += 256) {
    const uint32_t last = std::min(count, first + 255);
    sv::FetchMetadataRequest mreq;
    mreq.set_account(account);
    mreq.set_mailbox("INBOX");
    for (uint32_t u = first; u <= last; ++u) {
      auto* r = mreq.mutable_uids()->add_ranges();
      r->set_first(u);
      r->set_last(coalesce ? last : u);
      if (coalesce) break;
    }
    mreq.set_envelope(envelope);
    auto c1 = tern::rpc::ContextWithDeadline(std::chrono::seconds(60));
    auto meta = stub.FetchMetadata(c1.get(), mreq);
    for (sv::FetchMetadataResponse m; meta->Read(&m);) got_meta += m.messages_size();
    if (!meta->Finish().ok()) ++*wrong;
    if (!content) continue;
    sv::FetchMessagesRequest creq;
    creq.set_account(account);
    creq.set_mailbox("INBOX");
    for (uint32_t u = first; u <= last; ++u) creq.add_uids(u);
    creq.set_max_message_bytes(256 << 10);
    auto c2 = tern::rpc::ContextWithDeadline(std::chrono::seconds(60));
    auto stream = stub.FetchMessages(c2.get(), creq);
    for (sv::FetchMessagesResponse m; stream->Read(&m);) got_content += m.content().size() > 0;
    if (!stream->Finish().ok()) ++*wrong;
  }
  const double secs = Since(t0);
  if (got_meta != count || (content && got_content != count)) ++*wrong;
  return count / secs;
}

// Storage's Select of a whole mailbox (the UID, flag, MODSEQ and keyword lists), as the
// gateway's SELECT asks for it; milliseconds, -1 when wrong.
double StorageSelect(sv::Storage::Stub& stub, const std::string& account, size_t expect) {
  const auto t0 = Clock::now();
  sv::SelectRequest req;
  req.set_account(account);
  req.set_mailbox("INBOX");
  req.set_with_messages(true);
  auto c = tern::rpc::ContextWithDeadline(std::chrono::seconds(60));
  auto stream = stub.Select(c.get(), req);
  size_t uids = 0;
  for (sv::SelectResponse r; stream->Read(&r);) uids += r.uids_size();
  if (!stream->Finish().ok() || uids != expect) return -1;
  return Since(t0) * 1e3;
}

// 1. UID FETCH one at a time, walking the mailbox again and again for `seconds`.
bool OneByOne(int port, sv::Storage::Stub& stub, const std::string& account, double seconds) {
  Imap s(port);
  if (!s.Login(account) || s.Select("INBOX") <= 0) return false;
  std::vector<uint32_t> uids;
  s.Run("UID SEARCH ALL", [&](const Response& r) {
    if (r.text.rfind("* SEARCH", 0) != 0) return;
    std::istringstream in(r.text.substr(8));
    for (uint32_t u; in >> u;) uids.push_back(u);
  });
  if (uids.empty()) return false;
  std::vector<std::vector<double>> lat(1);
  uint64_t bytes = 0;
  size_t wrong = 0;
  std::string cmd;
  const auto t0 = Clock::now();
  for (size_t i = 0; Since(t0) < seconds; ++i) {
    const uint32_t u = uids[i % uids.size()];
    cmd = "UID FETCH " + std::to_string(u) + " (BODY.PEEK[])";
    const auto r0 = Clock::now();
    size_t answers = 0;
    const std::string done = s.Run(cmd, [&](const Response& r) {
      ++answers;
      if (!BodyRight(r, u, account, &bytes)) ++wrong;
    });
    lat[0].push_back(Since(r0));
    if (!Ok(done) || answers != 1) ++wrong;
  }
  const double secs = Since(t0);
  auto r = tern::bench::Summarise(lat, secs, wrong);
  Line("UID FETCH n (BODY.PEEK[]), one per command",
       Fmt("%8.0f /s  %6.1f MB/s  p50 %.3f ms  p99 %.3f ms  wrong %zu  (target >= 10,000/s)",
           r.per_second, bytes / secs / 1e6, r.p50_ms, r.p99_ms, wrong));
  std::vector<double> parts[2];
  auto st = StorageOneByOne(stub, account, uids, std::min(seconds, 3.0), parts);
  Line("  storage alone: FetchMetadata + FetchMessages",
       Fmt("%8.0f /s  p50 %.3f ms (%.3f + %.3f)  p99 %.3f ms  wrong %zu", st.per_second,
           st.p50_ms, Median(parts[0]) * 1e3, Median(parts[1]) * 1e3, st.p99_ms, st.errors));
  s.Run("LOGOUT");
  return wrong == 0 && st.errors == 0;
}

// One FETCH 1:* of a selected mailbox; the seconds it took. `check` sees each untagged answer.
template <typename Check>
double FetchAll(Imap& s, const std::string& items, Check check, bool* ok) {
  const auto t0 = Clock::now();
  const std::string done = s.Run("FETCH 1:* " + items, check);
  const double secs = Since(t0);
  if (!Ok(done)) *ok = false;
  return secs;
}

// 2. FETCH 1:* (BODY.PEEK[]) of the mailbox of 4 KB messages, `rounds` times.
bool FetchBodies(int port, sv::Storage::Stub& stub, const std::string& account, int count,
                 int rounds) {
  Imap s(port);
  if (!s.Login(account) || s.Select("INBOX") != count) return false;
  std::vector<double> rates;
  bool ok = true;
  uint64_t bytes = 0;
  for (int i = 0; i < rounds; ++i) {
    size_t answers = 0, wrong = 0;
    std::vector<bool> seen(count + 1);
    bytes = 0;
    const double secs = FetchAll(s, "(BODY.PEEK[])", [&](const Response& r) {
      ++answers;
      const uint64_t seq = NumberAfter(r.text, "* ");
      if (!BodyRight(r, 0, account, &bytes) || seq == 0 || seq > static_cast<uint64_t>(count) ||
          seen[seq]) {
        ++wrong;
      } else {
        seen[seq] = true;
      }
    }, &ok);
    if (answers != static_cast<size_t>(count) || wrong != 0) ok = false;
    rates.push_back(count / secs);
  }
  Line("FETCH 1:* (BODY.PEEK[]), " + std::to_string(count) + " messages",
       Fmt("%8.0f msg/s  %6.1f MB/s  (median of %d; %s)  (target >= 70,000/s)", Median(rates),
           Median(rates) * (bytes / static_cast<double>(count)) / 1e6, rounds,
           ok ? "every body exact" : "WRONG ANSWERS"));
  size_t wrong = 0;
  std::vector<double> st, one;
  for (int i = 0; i < rounds; ++i) {
    st.push_back(StorageBatches(stub, account, count, false, true, false, &wrong));
    one.push_back(StorageBatches(stub, account, count, false, true, true, &wrong));
  }
  Line("  storage alone: FetchMetadata + FetchMessages / 256",
       Fmt("%8.0f msg/s  (median of %d)  wrong %zu", Median(st), rounds, wrong));
  Line("  storage alone, the metadata UIDs as one range",
       Fmt("%8.0f msg/s  (median of %d)", Median(one), rounds));
  s.Run("LOGOUT");
  return ok && wrong == 0;
}

// 3 and 4. SELECT and FETCH 1:* (UID FLAGS ENVELOPE) of the big mailbox.
bool BigMailbox(int port, sv::Storage::Stub& stub, const std::string& account, int count,
                int rounds) {
  Imap s(port);
  if (!s.Login(account)) return false;
  bool ok = true;
  std::vector<double> selects;
  double first = 0;
  for (int i = 0; i <= rounds; ++i) {
    const auto t0 = Clock::now();
    const long exists = s.Select("INBOX");
    const double ms = Since(t0) * 1e3;
    if (exists != count) ok = false;
    if (i == 0) {
      first = ms;
    } else {
      selects.push_back(ms);
    }
  }
  Line("SELECT INBOX of " + std::to_string(count) + " messages",
       Fmt("%8.1f ms median of %d (first %.1f ms, min %.1f)  %s  (target < 200 ms)",
           Median(selects), rounds, first, *std::min_element(selects.begin(), selects.end()),
           ok ? "EXISTS right" : "WRONG EXISTS"));
  std::vector<double> st;
  for (int i = 0; i < rounds; ++i) st.push_back(StorageSelect(stub, account, count));
  Line("  storage alone: Select with the message lists",
       Fmt("%8.1f ms median of %d", Median(st), rounds));
  if (*std::min_element(st.begin(), st.end()) < 0) ok = false;

  std::vector<double> rates;
  bool fetched_ok = true;
  for (int i = 0; i < rounds; ++i) {
    size_t answers = 0, wrong = 0;
    std::vector<bool> seen(count + 1);
    const double secs = FetchAll(s, "(UID FLAGS ENVELOPE)", [&](const Response& r) {
      ++answers;
      // "* <seq> FETCH (UID <uid> FLAGS (...) ENVELOPE (...))": UIDs are 1..count, so the
      // UID is the sequence number; \Seen unless the UID is a multiple of 3.
      const uint64_t seq = NumberAfter(r.text, "* ");
      const uint64_t uid = NumberAfter(r.text, "UID ");
      const size_t flags = r.text.find("FLAGS (");
      const bool has_seen = flags != std::string::npos &&
                            r.text.compare(flags + 7, 5, "\\Seen") == 0;
      if (seq == 0 || seq > static_cast<uint64_t>(count) || uid != seq || seen[seq] ||
          has_seen != (uid % 3 != 0) || r.text.find("ENVELOPE (\"") == std::string::npos ||
          (r.text.find("imap bench ") == std::string::npos && r.literals.empty())) {
        ++wrong;
      } else {
        seen[seq] = true;
      }
    }, &fetched_ok);
    if (answers != static_cast<size_t>(count) || wrong != 0) fetched_ok = false;
    rates.push_back(count / secs);
  }
  Line("FETCH 1:* (UID FLAGS ENVELOPE), " + std::to_string(count) + " messages",
       Fmt("%8.0f msg/s  (median of %d, %.2f s each; %s)  (target >= 100,000/s)", Median(rates),
           rounds, count / Median(rates), fetched_ok ? "every answer right" : "WRONG ANSWERS"));
  size_t wrong = 0;
  st.clear();
  std::vector<double> one;
  for (int i = 0; i < rounds; ++i) {
    st.push_back(StorageBatches(stub, account, count, true, false, false, &wrong));
    one.push_back(StorageBatches(stub, account, count, true, false, true, &wrong));
  }
  Line("  storage alone: FetchMetadata(envelope) / 256",
       Fmt("%8.0f msg/s  (median of %d)  wrong %zu", Median(st), rounds, wrong));
  Line("  storage alone, the UIDs as one range",
       Fmt("%8.0f msg/s  (median of %d)", Median(one), rounds));
  s.Run("LOGOUT");
  return ok && fetched_ok && wrong == 0;
}

// 5. Logins of returning users: client c logs in as accounts[c % accounts.size()].
bool Logins(int port, const std::vector<std::string>& accounts, int clients, double seconds) {
  for (const auto& a : accounts) {
    Imap warm(port);  // the first login hashes the password; the ones measured are returning
    if (!warm.Login(a)) return false;
    warm.Run("LOGOUT");
  }
  auto r = tern::bench::Drive(clients, seconds, [&](int c) {
    try {
      Imap i(port);
      const bool in = i.Login(accounts[c % accounts.size()]);
      i.Run("LOGOUT");
      return in;
    } catch (const std::exception&) {
      return false;
    }
  });
  Line("logins (connect, LOGIN, LOGOUT), " + std::to_string(clients) + " clients, " +
           (accounts.size() == 1 ? "one account" : "an account each"),
       Fmt("%8.0f /s  p50 %.2f ms  p99 %.2f ms  refused %zu  (target >= 300/s)", r.per_second,
           r.p50_ms, r.p99_ms, r.errors));
  return r.errors == 0;
}

// 6. `count` connections in IDLE on a gateway of their own; its resident memory per connection.
// Opener thread t logs in as accounts[t] (auth lets only a few logins of one account from one
// address be in flight at once).
bool Idle(const std::string& binary, const tern::bench::Backends& b, const std::string& cert_dir,
          const std::vector<std::string>& accounts, int count, SSL_CTX* tls) {
  auto gw = Gateway::Start(binary, b, cert_dir);
  if (!gw.ok()) {
    std::cerr << "cannot start the gateway: " << gw.status() << "\n";
    return false;
  }
  const int port = tls ? (*gw)->tls_port() : (*gw)->port();
  if (port <= 0) return false;
  struct Idler {
    std::unique_ptr<Imap> imap;
    std::string tag;
  };
  auto open = [&](Idler& i, const std::string& account) {
    i.imap = std::make_unique<Imap>(port, tls);
    if (!i.imap->Login(account) || i.imap->Select("INBOX") < 0) {
      throw std::runtime_error("login or select refused");
    }
    i.tag = i.imap->NewTag();
    i.imap->Send(i.tag + " IDLE\r\n");
    if (i.imap->Next().text.rfind("+", 0) != 0) throw std::runtime_error("IDLE refused");
  };
  auto finish = [](Idler& i) {
    i.imap->Send("DONE\r\n");
    return Ok(i.imap->Complete(i.tag, [](const Response&) {}));
  };
  // A warm-up: one connection through the whole path (so the baseline has every pool and
  // cache a first session makes), then the baseline.
  {
    Idler w;
    open(w, accounts[0]);
    if (!finish(w)) return false;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const uint64_t before = (*gw)->StatusKib("VmRSS");
  std::vector<Idler> idlers(count);
  std::atomic<size_t> failed{0};
  std::atomic<int> next{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> openers;
  for (size_t t = 0; t < accounts.size(); ++t) {
    openers.emplace_back([&, t] {
      for (int i; (i = next++) < count;) {
        try {
          open(idlers[i], accounts[t]);
        } catch (const std::exception& e) {
          if (failed++ == 0) std::cerr << "idle connection " << i << ": " << e.what() << "\n";
          idlers[i].imap.reset();
        }
      }
    });
  }
  for (auto& t : openers) t.join();
  const double open_secs = Since(t0);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the gateway settle
  const uint64_t after = (*gw)->StatusKib("VmRSS");
  const uint64_t hwm = (*gw)->StatusKib("VmHWM");
  size_t ended = 0;
  for (auto& i : idlers) {
    try {
      if (i.imap && finish(i)) ++ended;
    } catch (const std::exception&) {
    }
  }
  idlers.clear();
  const size_t open_ok = count - failed;
  const double per = open_ok ? (after - before) / static_cast<double>(open_ok) : 0;
  Line(std::to_string(count) + " connections in IDLE, " + (tls ? "TLS (imaps)" : "plaintext"),
       Fmt("%8.1f KiB each  (VmRSS %.1f -> %.1f MiB, VmHWM %.1f MiB; opened in %.1f s; %zu "
           "failed, %zu ended with OK)  (target <= %d KB)",
           per, before / 1024.0, after / 1024.0, hwm / 1024.0, open_secs, failed.load(), ended,
           tls ? 100 : 50));
  return failed == 0 && ended == static_cast<size_t>(count);
}

}  // namespace

int main(int argc, char** argv) {
  int messages = 2000;
  int big = 100000;
  int distinct = 1000;
  double seconds = 5;
  int rounds = 5;
  int clients = 4;
  int idle = 5000;
  bool with_tls = true;
  std::string gateway = TERN_IMAP_BINARY;
  for (int i = 1; i < argc; ++i) {
    auto arg = [&](const char* name) { return !std::strcmp(argv[i], name) && i + 1 < argc; };
    if (arg("--messages")) {
      messages = std::atoi(argv[++i]);
    } else if (arg("--big")) {
      big = std::atoi(argv[++i]);
    } else if (arg("--distinct")) {
      distinct = std::atoi(argv[++i]);
    } else if (arg("--seconds")) {
      seconds = std::atof(argv[++i]);
    } else if (arg("--rounds")) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (arg("--clients")) {
      clients = std::max(1, std::atoi(argv[++i]));
    } else if (arg("--idle")) {
      idle = std::atoi(argv[++i]);
    } else if (arg("--gateway")) {
      gateway = argv[++i];
    } else if (!std::strcmp(argv[i], "--no-tls")) {
      with_tls = false;
    } else {
      std::cerr << "usage: imap_bench [--messages N] [--big N] [--distinct N] [--seconds S] "
                   "[--rounds N] [--clients N] [--idle N] [--no-tls] [--gateway PATH]\n";
      return 2;
    }
  }
  if (messages < 1 || big < 0 || distinct < 1) return 2;
  distinct = std::min(distinct, std::max(big, 1));
  signal(SIGPIPE, SIG_IGN);
  // Both ends of every idle connection are on this machine: the bench's and the gateway's
  // (a child, which inherits the limit).
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_cur < static_cast<rlim_t>(idle) + 1000) {
    std::cerr << "RLIMIT_NOFILE " << nofile.rlim_cur << " is too low for --idle " << idle
              << "\n";
    return 1;
  }
  tern::log::SetMinLevel(tern::log::Level::kError);

  // A certificate for the imaps listener, made as the e2e tests make theirs.
  char tmp[] = "/tmp/imap-bench.XXXXXX";
  if (!mkdtemp(tmp)) return 1;
  const std::string cert_dir = tmp;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{cert_dir};
  if (with_tls &&
      std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
                   "-keyout " + cert_dir + "/key.pem -out " + cert_dir + "/cert.pem "
                   ">/dev/null 2>&1").c_str()) != 0) {
    std::cerr << "openssl could not make a certificate (use --no-tls)\n";
    return 1;
  }
  SSL_CTX* tls = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(tls, SSL_VERIFY_NONE, nullptr);  // our own self-signed one, on loopback
  SSL_CTX_set_mode(tls, SSL_MODE_RELEASE_BUFFERS);    // 5,000 client ends in this process

  auto backends = tern::bench::StartBackends();
  if (!backends.ok()) {
    std::cerr << "cannot start storage/auth: " << backends.status() << "\n";
    return 1;
  }
  auto& b = **backends;
  const std::string reader = "reader@bench.test", bigbox = "big@bench.test";
  const std::vector<std::string> idlers = {"idle0@bench.test", "idle1@bench.test",
                                           "idle2@bench.test", "idle3@bench.test"};
  if (!b.AddDomain("bench.test") || !b.AddAccount(reader, kPassword) ||
      !b.AddAccount(bigbox, kPassword)) {
    std::cerr << "cannot add the accounts\n";
    return 1;
  }
  std::vector<std::string> login_accounts;
  for (int c = 0; c < clients; ++c) {
    login_accounts.push_back("login" + std::to_string(c) + "@bench.test");
    if (!b.AddAccount(login_accounts.back(), kPassword)) return 1;
  }
  std::cout << "imap_bench: gateway tern-imap as a child process, storage, auth and PostgreSQL "
               "beside it, loopback only\n\n";
  size_t failed = 0;
  double rate = Fill(b, reader, messages, &failed);
  Line("fill: " + std::to_string(messages) + " x 4 KB delivered through storage",
       Fmt("%8.0f deliveries/s (8 writers)  failed %zu", rate, failed));
  if (failed) return 1;
  if (big > 0) {
    auto t0 = Clock::now();
    rate = Fill(b, bigbox, distinct, &failed);
    if (failed) return 1;
    const std::string grown = Grow(b.cluster->url(), bigbox, distinct, big);
    if (!grown.empty()) {
      std::cerr << "cannot fill the big mailbox: " << grown << "\n";
      return 1;
    }
    Line("fill: " + std::to_string(big) + " messages (" + std::to_string(distinct) +
             " delivered, the rest copied in SQL)",
         Fmt("%8.1f s", Since(t0)));
  }
  for (const auto& a : idlers) {
    if (idle <= 0) break;
    if (!b.AddAccount(a, kPassword)) return 1;
    Fill(b, a, 20, &failed);  // each idling session has a small INBOX selected
    if (failed) return 1;
  }
  auto channel = *tern::rpc::MakeChannel({.target = b.storage_target()});
  auto stub = sv::Storage::NewStub(channel);
  int rc = 0;
  {
    auto gw = Gateway::Start(gateway, b, with_tls ? cert_dir : "");
    if (!gw.ok()) {
      std::cerr << "cannot start the gateway: " << gw.status() << "\n";
      return 1;
    }
    const int port = (*gw)->port();
    std::cout << "\n";
    auto run = [&](const char* what, auto f) {
      try {
        if (!f()) {
          std::cerr << what << ": FAILED (see above)\n";
          rc = 1;
        }
      } catch (const std::exception& e) {
        std::cerr << what << ": " << e.what() << "\n";
        rc = 1;
      }
    };
    run("UID FETCH one by one", [&] { return OneByOne(port, *stub, reader, seconds); });
    run("FETCH 1:* bodies", [&] { return FetchBodies(port, *stub, reader, messages, rounds); });
    if (big > 0) {
      run("big mailbox", [&] { return BigMailbox(port, *stub, bigbox, big, rounds); });
    }
    run("logins", [&] { return Logins(port, login_accounts, clients, seconds); });
    // The same user on every client (a client opening several connections at once, as
    // Thunderbird does): refusals are auth's throttle holding back attempts in flight.
    if (clients > 1) Logins(port, {login_accounts[0]}, clients, seconds);
    const uint64_t hwm = (*gw)->StatusKib("VmHWM");
    Line("  tern-imap peak resident memory (VmHWM)", Fmt("%8.1f MiB", hwm / 1024.0));
  }
  if (idle > 0) {
    auto idling = [&](SSL_CTX* ctx) {
      try {
        if (!Idle(gateway, b, with_tls ? cert_dir : "", idlers, idle, ctx)) rc = 1;
      } catch (const std::exception& e) {
        std::cerr << "idle: " << e.what() << "\n";
        rc = 1;
      }
    };
    idling(nullptr);
    if (with_tls) idling(tls);
  }
  SSL_CTX_free(tls);
  b.auth->Stop(100);
  b.storage->Stop(100);
  return rc;
}
