// Outbound delivery pieces without storage: MX answers, the DSN, backoff, and DeliverJob
// against a scripted SMTP server on loopback (the e2e test runs the whole path with real
// storage, auth and a sink server).
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <algorithm>
#include <functional>
#include <thread>

#include <boost/asio.hpp>

#include "../src/dns.h"
#include "../src/dsn.h"
#include "../src/outbound.h"
#include "../src/smtp_client.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "tern/smtp_protocol/client.h"

namespace tern::smtp_ingress {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// --- DNS ------------------------------------------------------------------------------------

void Name(std::vector<unsigned char>& out, const std::string& dotted) {
  size_t start = 0;
  while (start < dotted.size()) {
    size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    out.push_back(static_cast<unsigned char>(dot - start));
    out.insert(out.end(), dotted.begin() + start, dotted.begin() + dot);
    start = dot + 1;
  }
  out.push_back(0);
}
void U16(std::vector<unsigned char>& out, int v) {
  out.push_back(static_cast<unsigned char>(v >> 8));
  out.push_back(static_cast<unsigned char>(v & 0xff));
}

// A DNS response for `domain` MX with these (preference, exchange) answers; exchange names
// after the first are written with a compression pointer to the question's name.
std::vector<unsigned char> MxResponse(const std::string& domain,
                                      const std::vector<std::pair<int, std::string>>& answers) {
  std::vector<unsigned char> m;
  U16(m, 0x1234);
  U16(m, 0x8180);
  U16(m, 1);
  U16(m, static_cast<int>(answers.size()));
  U16(m, 0);
  U16(m, 0);
  Name(m, domain);
  U16(m, 15);
  U16(m, 1);
  for (const auto& [pref, host] : answers) {
    U16(m, 0xc00c);  // owner: the question name
    U16(m, 15);
    U16(m, 1);
    U16(m, 0);
    U16(m, 300);
    std::vector<unsigned char> rdata;
    U16(rdata, pref);
    if (host.empty()) {
      rdata.push_back(0);  // the root: a null MX
    } else if (host.size() > domain.size() && host.ends_with("." + domain)) {
      std::vector<unsigned char> label;
      Name(label, host.substr(0, host.size() - domain.size() - 1));
      label.pop_back();  // no root: the pointer continues the name
      rdata.insert(rdata.end(), label.begin(), label.end());
      U16(rdata, 0xc00c);
    } else {
      Name(rdata, host);
    }
    U16(m, static_cast<int>(rdata.size()));
    m.insert(m.end(), rdata.begin(), rdata.end());
  }
  return m;
}

TEST(DnsTest, ParsesMxAnswersWithCompression) {
  auto msg = MxResponse("example.org", {{20, "mx2.example.org"}, {10, "mx1.other.net"}});
  auto hosts = ParseMxAnswer(msg.data(), msg.size());
  ASSERT_TRUE(hosts.ok()) << hosts.status();
  EXPECT_EQ(*hosts, (std::vector<MxHost>{{20, "mx2.example.org"}, {10, "mx1.other.net"}}));
  auto ordered = OrderMx(*hosts);
  ASSERT_TRUE(ordered.ok());
  EXPECT_EQ((*ordered)[0].host, "mx1.other.net");
  EXPECT_EQ((*ordered)[1].host, "mx2.example.org");
}

TEST(DnsTest, NullMxMeansNoMail) {
  auto msg = MxResponse("nomail.example", {{0, ""}});
  auto hosts = ParseMxAnswer(msg.data(), msg.size());
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 1u);
  EXPECT_EQ((*hosts)[0].host, "");
  EXPECT_EQ(OrderMx(*hosts).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(DnsTest, EqualPreferencesKeepTheirRankAndAllAppear) {
  std::vector<MxHost> in = {{5, "c"}, {10, "a"}, {10, "b"}, {1, "d"}};
  for (int i = 0; i < 20; ++i) {
    auto out = OrderMx(in);
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out->size(), 4u);
    EXPECT_EQ((*out)[0].host, "d");
    EXPECT_EQ((*out)[1].host, "c");
    EXPECT_EQ((*out)[2].preference, 10);
    EXPECT_NE((*out)[2].host, (*out)[3].host);
  }
}

TEST(DnsTest, MalformedAnswersAreErrors) {
  auto msg = MxResponse("example.org", {{10, "mx.example.org"}});
  for (size_t cut : {size_t{3}, size_t{20}, msg.size() - 3}) {
    EXPECT_FALSE(ParseMxAnswer(msg.data(), cut).ok()) << cut;
  }
}

// --- DSN, backoff, Return-Path -------------------------------------------------------------

TEST(DsnTest, Rfc3464Report) {
  Bounce b;
  b.reporting_mta = "mx.example.test";
  b.sender = "alice@example.test";
  b.message_id = "dsn-1";
  b.arrival = absl::FromUnixSeconds(1700000000);
  b.now = absl::FromUnixSeconds(1700000600);
  b.recipients.push_back({"bob@remote.test", "5.1.1", "550 5.1.1 no such user\r\nInjected: x",
                          "mx.remote.test", true});
  b.recipients.push_back({"carol@gone.test", "5.1.2", "domain does not exist", "", false});
  b.original = "Subject: hello\r\nFrom: alice@example.test\r\n\r\nsecret body\r\n";
  std::string m = BuildBounce(b);
  EXPECT_NE(m.find("Content-Type: multipart/report; report-type=delivery-status;"), std::string::npos);
  EXPECT_NE(m.find("To: <alice@example.test>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Auto-Submitted: auto-replied\r\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n"
                   "Arrival-Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("Final-Recipient: rfc822; bob@remote.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                   "Remote-MTA: dns; mx.remote.test\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user"
                   "  Injected: x\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("Final-Recipient: rfc822; carol@gone.test\r\nAction: failed\r\nStatus: 5.1.2\r\n"
                   "Diagnostic-Code: X-Tern; domain does not exist\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/rfc822-headers\r\n\r\nSubject: hello\r\n"), std::string::npos);
  EXPECT_EQ(m.find("secret body"), std::string::npos);  // headers only go back
  EXPECT_EQ(m.find("\nInjected:"), std::string::npos);
  EXPECT_TRUE(m.ends_with("--tern-dsn-dsn-1--\r\n"));
}

TEST(DsnTest, DelayWarning) {
  Bounce b;
  b.reporting_mta = "mx.example.test";
  b.sender = "alice@example.test";
  b.message_id = "dsn-2";
  b.arrival = absl::FromUnixSeconds(1700000000);
  b.now = absl::FromUnixSeconds(1700086400);
  b.delayed = true;
  b.retry_until = absl::FromUnixSeconds(1700432000);
  b.recipients.push_back({"bob@remote.test", "4.2.1", "451 4.2.1 busy", "mx.remote.test", true});
  b.original = "Subject: hello\r\n\r\nbody\r\n";
  std::string m = BuildBounce(b);
  EXPECT_NE(m.find("Subject: Delayed Mail (still being retried)\r\n"), std::string::npos);
  EXPECT_NE(m.find("Action: delayed\r\nStatus: 4.2.1\r\n"), std::string::npos);
  EXPECT_NE(m.find("Will-Retry-Until: Sun, 19 Nov 2023 22:13:20 +0000\r\n"), std::string::npos);
  EXPECT_NE(m.find("This is only a warning."), std::string::npos);
  EXPECT_EQ(m.find("Action: failed"), std::string::npos);
}

TEST(DsnTest, HeaderBlockIsBounded) {
  EXPECT_EQ(HeaderBlock("A: 1\r\nB: 2\r\n\r\nbody", 1000), "A: 1\r\nB: 2\r\n");
  EXPECT_EQ(HeaderBlock("A: 1\r\nB: 2\r\n\r\nbody", 8), "A: 1\r\n");
  EXPECT_EQ(HeaderBlock("no header end\r\n", 1000), "no header end\r\n");
}

TEST(OutboundTest, BackoffDoublesUpToTheMaximum) {
  SmtpConfig c;
  c.outbound_retry_initial = absl::Minutes(5);
  c.outbound_retry_max = absl::Hours(1);
  EXPECT_EQ(Backoff(c, 1), absl::Minutes(5));
  EXPECT_EQ(Backoff(c, 2), absl::Minutes(10));
  EXPECT_EQ(Backoff(c, 4), absl::Minutes(40));
  EXPECT_EQ(Backoff(c, 5), absl::Hours(1));
  EXPECT_EQ(Backoff(c, 1000), absl::Hours(1));
}

TEST(OutboundTest, ReturnPathIsNotRelayed) {
  EXPECT_EQ(WithoutReturnPath("Return-Path: <a@b>\r\nReceived: x\r\n\r\nbody"),
            "Received: x\r\n\r\nbody");
  EXPECT_EQ(WithoutReturnPath("Return-Path:\r\n <a@b>\r\nSubject: x\r\n\r\n"), "Subject: x\r\n\r\n");
  EXPECT_EQ(WithoutReturnPath("Subject: x\r\nReturn-Path: <a@b>\r\n\r\n"),
            "Subject: x\r\nReturn-Path: <a@b>\r\n\r\n");
}

// --- DeliverJob against a scripted server ----------------------------------------------------

// Accepts connections on loopback and answers each command line through `answer`; after a
// 354 it reads the message to CRLF.CRLF and records it.
class ScriptedServer {
 public:
  using Answer = std::function<std::string(const std::string& line)>;
  explicit ScriptedServer(Answer answer, std::string greeting = "220 sink ESMTP\r\n")
      : answer_(std::move(answer)), greeting_(std::move(greeting)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;  // a blocking accept() is not woken by close(): connect once more instead
    asio::io_context io;
    tcp::socket wake(io);
    boost::system::error_code ec;
    wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port())), ec);
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  std::vector<std::string> lines;     // every command received
  std::vector<std::string> messages;  // every message body received (still dot-stuffed)

 private:
  void Serve() {
    for (;;) {
      tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      asio::write(s, asio::buffer(greeting_), ec);
      std::string buf;
      for (;;) {
        size_t n = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n", ec);
        if (ec) break;
        std::string line = buf.substr(0, n - 2);
        buf.erase(0, n);
        lines.push_back(line);
        std::string reply = answer_(line);
        const bool hang_up = reply.ends_with("<close>");  // then drop the connection
        if (hang_up) reply.resize(reply.size() - 7);
        asio::write(s, asio::buffer(reply), ec);
        if (hang_up) break;
        if (reply.starts_with("354")) {
          std::string data;
          for (;;) {  // lines up to the lone "."
            n = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n", ec);
            if (ec) break;
            std::string l = buf.substr(0, n);
            buf.erase(0, n);
            if (l == ".\r\n") break;
            data += l;
          }
          if (ec) break;
          if (data.empty()) {  // DATA ended empty (a pipelined client with no recipient)
            lines.push_back(".");
            asio::write(s, asio::buffer(answer_(".")), ec);
            continue;
          }
          messages.push_back(data + ".\r\n");
          asio::write(s, asio::buffer(answer_("<end of data>")), ec);
        }
        if (line == "QUIT") break;
      }
    }
  }
  Answer answer_;
  std::string greeting_;
  std::atomic<bool> stop_{false};
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

SmtpConfig Config(int port) {
  SmtpConfig c;
  c.hostname = "out.example.test";
  c.outbound_port = port;
  c.outbound_tls = "opportunistic";
  c.outbound_connect_timeout = absl::Seconds(10);
  c.outbound_timeout = absl::Seconds(30);
  c.outbound_data_timeout = absl::Seconds(30);
  return c;
}

// One worker that polls often; retries far away, so a test sees one attempt.
SmtpConfig WorkerConfig(int port) {
  SmtpConfig c = Config(port);
  c.outbound_workers = 1;
  c.outbound_poll_interval = absl::Milliseconds(20);
  c.outbound_lease = absl::Minutes(5);
  c.outbound_retry_initial = absl::Minutes(1);
  c.outbound_retry_max = absl::Minutes(1);
  c.outbound_max_age = absl::Hours(1);
  return c;
}

storage::v1::OutboundJob Job(std::vector<std::string> rcpts, std::string content) {
  storage::v1::OutboundJob j;
  j.set_id(1);
  j.set_sender("alice@example.test");
  j.set_domain("[127.0.0.1]");
  for (auto& r : rcpts) j.add_recipients(r);
  j.set_content(std::move(content));
  return j;
}

TEST(DeliverJobTest, PerRecipientResultsAndExactBytes) {
  ScriptedServer server([](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250-sink\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n";
    if (line.starts_with("MAIL FROM:<alice@example.test> SIZE=")) return "250 2.1.0 ok\r\n";
    if (line == "RCPT TO:<ok@[127.0.0.1]>") return "250 2.1.5 ok\r\n";
    if (line == "RCPT TO:<busy@[127.0.0.1]>") return "451 4.2.1 try later\r\n";
    if (line == "RCPT TO:<gone@[127.0.0.1]>") return "550 5.1.1 no such user\r\n";
    if (line == "DATA") return "354 go\r\n";
    if (line == "<end of data>") return "250 2.0.0 queued\r\n";
    if (line == "QUIT") return "221 bye\r\n";
    return "500 5.5.1 unexpected\r\n";
  });
  SmtpConfig c = Config(server.port());
  SmtpClient client(c.outbound_timeout);
  const std::string content = "Return-Path: <alice@example.test>\r\nSubject: t\r\n\r\n.dot\r\nend\r\n";
  Results r = DeliverJob(c, Job({"busy@[127.0.0.1]", "gone@[127.0.0.1]", "ok@[127.0.0.1]"}, content),
                         client);
  EXPECT_EQ(r["ok@[127.0.0.1]"].kind, RecipientResult::kDelivered);
  EXPECT_EQ(r["busy@[127.0.0.1]"].kind, RecipientResult::kDeferred);
  EXPECT_EQ(r["busy@[127.0.0.1]"].status, "4.2.1");
  EXPECT_EQ(r["gone@[127.0.0.1]"].kind, RecipientResult::kFailed);
  EXPECT_EQ(r["gone@[127.0.0.1]"].diagnostic, "550 5.1.1 no such user");
  EXPECT_EQ(r["gone@[127.0.0.1]"].remote_mta, "[127.0.0.1]");
  ASSERT_EQ(server.messages.size(), 1u);
  // Dot-stuffed on the wire, Return-Path removed.
  EXPECT_EQ(server.messages[0], "Subject: t\r\n\r\n..dot\r\nend\r\n.\r\n");
  EXPECT_EQ(server.lines.back(), "QUIT");
}

TEST(DeliverJobTest, FallsBackToHeloAndHonoursSize) {
  ScriptedServer server([](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "502 5.5.1 what\r\n";
    if (line.starts_with("HELO")) return "250 old sink\r\n";
    if (line == "MAIL FROM:<alice@example.test>") return "250 ok\r\n";
    if (line.starts_with("RCPT")) return "250 ok\r\n";
    if (line == "DATA") return "354 go\r\n";
    if (line == "<end of data>") return "554 5.7.1 rejected as spam\r\n";
    return "221 bye\r\n";
  });
  SmtpConfig c = Config(server.port());
  SmtpClient client(c.outbound_timeout);
  Results r = DeliverJob(c, Job({"a@[127.0.0.1]"}, "Subject: x\r\n\r\nhi\r\n"), client);
  EXPECT_EQ(r["a@[127.0.0.1]"].kind, RecipientResult::kFailed);
  EXPECT_EQ(r["a@[127.0.0.1]"].status, "5.7.1");

  ScriptedServer small([](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250-sink\r\n250 SIZE 10\r\n";
    return "221 bye\r\n";
  });
  SmtpConfig c2 = Config(small.port());
  Results r2 = DeliverJob(c2, Job({"a@[127.0.0.1]"}, "Subject: x\r\n\r\nhi\r\n"), client);
  EXPECT_EQ(r2["a@[127.0.0.1]"].kind, RecipientResult::kFailed);
  EXPECT_EQ(r2["a@[127.0.0.1]"].status, "5.3.4");
}

TEST(DeliverJobTest, UnreachableOrBusyServersDefer) {
  ScriptedServer busy([](const std::string&) -> std::string { return "221 bye\r\n"; },
                      "421 4.3.2 too busy\r\n");
  SmtpConfig c = Config(busy.port());
  SmtpClient client(c.outbound_timeout);
  Results r = DeliverJob(c, Job({"a@[127.0.0.1]"}, "S: x\r\n\r\n"), client);
  EXPECT_EQ(r["a@[127.0.0.1]"].kind, RecipientResult::kDeferred);
  EXPECT_NE(r["a@[127.0.0.1]"].diagnostic.find("421 4.3.2 too busy"), std::string::npos);

  int closed_port;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = a.local_endpoint().port();
  }
  SmtpConfig c2 = Config(closed_port);
  Results r2 = DeliverJob(c2, Job({"a@[127.0.0.1]"}, "S: x\r\n\r\n"), client);
  EXPECT_EQ(r2["a@[127.0.0.1]"].kind, RecipientResult::kDeferred);
  EXPECT_NE(r2["a@[127.0.0.1]"].diagnostic.find("connect"), std::string::npos);
}

TEST(DeliverJobTest, SmarthostGetsAuthPlainOnLoopback) {
  ScriptedServer server([](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250-relay\r\n250 AUTH PLAIN\r\n";
    if (line.starts_with("AUTH PLAIN ")) return "235 2.7.0 ok\r\n";
    if (line.starts_with("MAIL") || line.starts_with("RCPT")) return "250 ok\r\n";
    if (line == "DATA") return "354 go\r\n";
    if (line == "<end of data>") return "250 queued\r\n";
    return "221 bye\r\n";
  });
  SmtpConfig c = Config(1);  // MX port unused: everything goes to the smarthost
  c.outbound_smarthost = "127.0.0.1:" + std::to_string(server.port());
  c.outbound_smarthost_user = "relay-user";
  c.outbound_smarthost_password = "relay-pass";
  SmtpClient client(c.outbound_timeout);
  auto job = Job({"x@far.away.test"}, "S: x\r\n\r\n");
  job.set_domain("far.away.test");
  Results r = DeliverJob(c, job, client);
  EXPECT_EQ(r["x@far.away.test"].kind, RecipientResult::kDelivered);
  ASSERT_GE(server.lines.size(), 2u);
  EXPECT_EQ(server.lines[1], "AUTH PLAIN AHJlbGF5LXVzZXIAcmVsYXktcGFzcw==");
}

TEST(DeliverJobTest, PipelinedAndAgainAfter452TooManyRecipients) {
  // A server that takes two recipients per transaction (452 4.5.3 for more), with PIPELINING.
  int in_transaction = 0;
  ScriptedServer server([&in_transaction](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
    if (line.starts_with("MAIL")) {
      in_transaction = 0;
      return "250 2.1.0 ok\r\n";
    }
    if (line.starts_with("RCPT")) {
      return ++in_transaction <= 2 ? "250 2.1.5 ok\r\n" : "452 4.5.3 too many recipients\r\n";
    }
    if (line == "DATA") return "354 go\r\n";
    if (line == "<end of data>") return "250 2.0.0 queued\r\n";
    return "221 bye\r\n";
  });
  SmtpConfig c = Config(server.port());
  SmtpClient client(c.outbound_timeout);
  std::vector<std::string> rcpts;
  for (int i = 0; i < 5; ++i) rcpts.push_back("r" + std::to_string(i) + "@[127.0.0.1]");
  Results r = DeliverJob(c, Job(rcpts, "S: x\r\n\r\nhi\r\n"), client);
  for (const auto& a : rcpts) EXPECT_EQ(r[a].kind, RecipientResult::kDelivered) << a;
  EXPECT_EQ(server.messages.size(), 3u) << "2 + 2 + 1 recipients, one connection";
  EXPECT_EQ(std::count(server.lines.begin(), server.lines.end(), "QUIT"), 1);
}

TEST(DeliverJobTest, PipelinedRefusalsAreReadInOrder) {
  ScriptedServer server([](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250-sink\r\n250 PIPELINING\r\n";
    if (line.starts_with("MAIL")) return "250 ok\r\n";
    if (line.starts_with("RCPT")) return "550 5.1.1 unknown\r\n";
    if (line == "DATA") return "354 go ahead anyway\r\n";  // RFC 2920: the client ends it empty
    if (line == ".") return "554 5.5.1 no valid recipients\r\n";
    return "221 bye\r\n";
  });
  SmtpConfig c = Config(server.port());
  SmtpClient client(c.outbound_timeout);
  Results r = DeliverJob(c, Job({"a@[127.0.0.1]", "b@[127.0.0.1]"}, "S: x\r\n\r\n"), client);
  EXPECT_EQ(r["a@[127.0.0.1]"].kind, RecipientResult::kFailed);
  EXPECT_EQ(r["b@[127.0.0.1]"].status, "5.1.1");
  EXPECT_TRUE(server.messages.empty());
  EXPECT_EQ(server.lines.back(), "QUIT");
}

TEST(DeliverJobTest, ABrokenTlsHandshakeFallsBackToPlaintextWhenOpportunistic) {
  // Offers STARTTLS, says 220, then hangs up instead of a TLS handshake.
  ScriptedServer server([](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250-sink\r\n250 STARTTLS\r\n";
    if (line == "STARTTLS") return "220 go ahead\r\n<close>";  // and no TLS at all
    if (line.starts_with("MAIL") || line.starts_with("RCPT")) return "250 ok\r\n";
    if (line == "DATA") return "354 go\r\n";
    if (line == "<end of data>") return "250 queued\r\n";
    return "221 bye\r\n";
  });
  SmtpConfig c = Config(server.port());
  SmtpClient client(c.outbound_timeout);
  Results r = DeliverJob(c, Job({"a@[127.0.0.1]"}, "S: x\r\n\r\n"), client);
  EXPECT_EQ(r["a@[127.0.0.1]"].kind, RecipientResult::kDelivered);
  EXPECT_EQ(server.messages.size(), 1u);
  EXPECT_EQ(std::count(server.lines.begin(), server.lines.end(), "STARTTLS"), 1)
      << "the second connection does not ask for TLS";

  c.outbound_tls = "verify";  // verified TLS required: no plaintext fallback
  ScriptedServer strict([](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250-sink\r\n250 STARTTLS\r\n";
    if (line == "STARTTLS") return "220 go ahead\r\n<close>";
    return "250 ok\r\n";
  });
  c.outbound_port = strict.port();
  Results r2 = DeliverJob(c, Job({"a@[127.0.0.1]"}, "S: x\r\n\r\n"), client);
  EXPECT_EQ(r2["a@[127.0.0.1]"].kind, RecipientResult::kDeferred);
  EXPECT_TRUE(strict.messages.empty());
}

TEST(DeliverJobTest, AServerThatIsUsRefusesAsALoop) {
  ScriptedServer server([](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250-out.example.test hello\r\n250 8BITMIME\r\n";
    return "221 bye\r\n";
  });
  SmtpConfig c = Config(server.port());  // our hostname is out.example.test too
  SmtpClient client(c.outbound_timeout);
  Results r = DeliverJob(c, Job({"a@[127.0.0.1]"}, "S: x\r\n\r\n"), client);
  EXPECT_EQ(r["a@[127.0.0.1]"].kind, RecipientResult::kFailed);
  EXPECT_EQ(r["a@[127.0.0.1]"].status, "5.4.6");
  for (const auto& l : server.lines) EXPECT_FALSE(l.starts_with("MAIL")) << "nothing sent to ourselves";
}

TEST(DeliverJobTest, HostileRepliesBecomeShortPrintableDiagnostics) {
  const std::string junk = "550 5.1.1 \xff\xfe\x01" + std::string(3000, 'z');
  ScriptedServer server([&junk](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250 sink\r\n";
    if (line.starts_with("MAIL")) return "250 ok\r\n";
    if (line.starts_with("RCPT")) return junk + "\r\n";
    return "221 bye\r\n";
  });
  SmtpConfig c = Config(server.port());
  SmtpClient client(c.outbound_timeout);
  Results r = DeliverJob(c, Job({"a@[127.0.0.1]"}, "S: x\r\n\r\n"), client);
  const auto& d = r["a@[127.0.0.1]"];
  EXPECT_EQ(d.kind, RecipientResult::kFailed);
  EXPECT_LE(d.diagnostic.size(), 512u);
  EXPECT_TRUE(d.diagnostic.starts_with("550 5.1.1 ???zzz")) << d.diagnostic.substr(0, 40);
  for (unsigned char ch : d.diagnostic) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f);
}

TEST(DeliverJobTest, UnsafeAddressesNeverReachTheWire) {
  ScriptedServer server([](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250 sink\r\n";
    if (line.starts_with("MAIL") || line.starts_with("RCPT")) return "250 ok\r\n";
    if (line == "DATA") return "354 go\r\n";
    if (line == "<end of data>") return "250 ok\r\n";
    return "221 bye\r\n";
  });
  SmtpConfig c = Config(server.port());
  SmtpClient client(c.outbound_timeout);
  Results r = DeliverJob(c, Job({"a@[127.0.0.1]", "b>\r\nRSET@[127.0.0.1]"}, "S: x\r\n\r\n"),
                         client);
  EXPECT_EQ(r["a@[127.0.0.1]"].kind, RecipientResult::kDelivered);
  EXPECT_EQ(r["b>\r\nRSET@[127.0.0.1]"].kind, RecipientResult::kFailed);
  EXPECT_EQ(r["b>\r\nRSET@[127.0.0.1]"].status, "5.1.3");
  for (const auto& l : server.lines) EXPECT_NE(l, "RSET@[127.0.0.1]>");
}

TEST(DeliverJobTest, ASilentServerIsLeftWhenTheAttemptIsOutOfTime) {
  // Accepts the connection and never says a word: the attempt ends at its deadline (the
  // lease), not after the five-minute command timeout.
  asio::io_context io;
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  SmtpConfig c = Config(silent.local_endpoint().port());
  c.outbound_timeout = absl::Minutes(5);
  SmtpClient client(c.outbound_timeout);
  Results r = DeliverJob(c, Job({"a@[127.0.0.1]"}, "S: x\r\n\r\n"), client,
                         absl::Now() + absl::Milliseconds(300));
  EXPECT_EQ(r["a@[127.0.0.1]"].kind, RecipientResult::kDeferred);
  EXPECT_NE(r["a@[127.0.0.1]"].diagnostic.find("timed out"), std::string::npos)
      << r["a@[127.0.0.1]"].diagnostic;
}

// The workers end to end over fakes: claim, deliver, bounce to the postmaster when the
// sender has no mailbox, complete.
TEST(OutboundWorkersTest, BounceForAVanishedLocalSenderGoesToThePostmaster) {
  ScriptedServer server([](const std::string& line) -> std::string {
    if (line.starts_with("EHLO")) return "250 sink\r\n";
    if (line.starts_with("MAIL")) return "250 ok\r\n";
    if (line.starts_with("RCPT")) return "550 5.1.1 no such user\r\n";
    return "221 bye\r\n";
  });
  SmtpConfig c = WorkerConfig(server.port());
  c.hostname = "mx.example.test";
  clients::FakeAuthClient auth;
  auth.AddDomain("example.test");
  auth.AddAccount("postmaster@example.test", "x");
  clients::FakeStorageClient storage;
  ASSERT_TRUE(storage.Deliver({.sender = "gone@example.test", .outbound = {"x@[127.0.0.1]"}},
                              "Subject: hello\r\n\r\nbody\r\n")
                  .ok());
  auto registry = std::make_shared<prometheus::Registry>();
  Probe probe(registry);
  OutboundWorkers workers(c, auth, storage, probe);
  workers.Start();
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (storage.deliveries().size() < 2 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  workers.Stop(absl::Seconds(5));
  auto d = storage.deliveries();
  ASSERT_EQ(d.size(), 2u) << "the original and its bounce";
  EXPECT_EQ(d[1].accounts, std::vector<std::string>{"postmaster@example.test"});
  EXPECT_EQ(d[1].sender, "") << "a bounce has the null sender";
  EXPECT_TRUE(d[1].content.starts_with("Return-Path: <>\r\n"));
  EXPECT_NE(d[1].content.find("Final-Recipient: rfc822; x@[127.0.0.1]"), std::string::npos);
  EXPECT_NE(d[1].content.find("Status: 5.1.1"), std::string::npos);
  EXPECT_TRUE(storage.jobs().empty()) << "the failed recipient left the queue after its bounce";
}

TEST(OutboundWorkersTest, StopHandsAnUnfinishedJobBackAtOnce) {
  // A server that accepts the connection and never greets: the worker is stuck in the
  // conversation when the process stops.
  asio::io_context io;
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  SmtpConfig c = WorkerConfig(silent.local_endpoint().port());
  c.outbound_timeout = absl::Minutes(5);
  clients::FakeAuthClient auth;
  clients::FakeStorageClient storage;
  ASSERT_TRUE(storage.Deliver({.sender = "a@example.test", .outbound = {"x@[127.0.0.1]"}},
                              "Subject: hi\r\n\r\nbody\r\n")
                  .ok());
  auto registry = std::make_shared<prometheus::Registry>();
  Probe probe(registry);
  OutboundWorkers workers(c, auth, storage, probe);
  workers.Start();
  tcp::socket peer(io);
  silent.accept(peer);  // the worker is connected and waiting for a greeting
  workers.Stop(absl::Milliseconds(100));
  auto jobs = storage.jobs();
  ASSERT_EQ(jobs.size(), 1u) << "nothing delivered, nothing dropped";
  EXPECT_EQ(jobs[0].state(), "queued") << "due again for another replica";
  EXPECT_EQ(jobs[0].last_error(), "interrupted by a shutdown");
  EXPECT_EQ(std::vector<std::string>(jobs[0].recipients().begin(), jobs[0].recipients().end()),
            std::vector<std::string>{"x@[127.0.0.1]"});
  EXPECT_EQ(storage.deliveries().size(), 1u) << "no bounce";
}

}  // namespace
}  // namespace tern::smtp_ingress
