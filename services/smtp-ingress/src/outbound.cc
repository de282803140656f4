#include "outbound.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <boost/asio/ip/tcp.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "dns.h"
#include "dsn.h"
#include "smtp_client.h"
#include "tern/core/log.h"
#include "tern/core/status.h"
#include "tern/line_protocol/grammar.h"
#include "tern/net/server.h"
#include "tern/sasl/base64.h"
#include "tern/smtp_protocol/client.h"

namespace tern::smtp_ingress {

namespace asio = boost::asio;
namespace sp = ::tern::smtp_protocol;
using tcp = asio::ip::tcp;

namespace {

struct Target {
  std::string host;  // for SNI, logs and Remote-MTA
  std::vector<tcp::endpoint> endpoints;
  std::string error;  // why there are no endpoints
};

RecipientResult FromReply(const sp::Reply& r, const std::string& host) {
  RecipientResult out;
  out.kind = r.code / 100 == 2   ? RecipientResult::kDelivered
             : r.code / 100 == 5 ? RecipientResult::kFailed
                                 : RecipientResult::kDeferred;
  out.status = !r.enhanced.empty() ? r.enhanced
               : out.kind == RecipientResult::kFailed ? "5.0.0"
               : out.kind == RecipientResult::kDelivered ? "2.0.0"
                                                         : "4.0.0";
  out.diagnostic = sp::ReplyText(r);
  out.remote_mta = host;
  out.remote = true;
  return out;
}

RecipientResult Local(RecipientResult::Kind kind, std::string status, std::string why,
                      std::string host = "") {
  return {kind, std::move(status), std::move(why), std::move(host), false};
}

// Remote text as it may go into logs, the queue's last_error and bounce reports: printable
// ASCII only (the reply sanitizer: anything else becomes '?'), at most `max` octets.
std::string Printable(std::string_view s, size_t max = 512) {
  std::string out;
  line_protocol::AppendSanitized(s.substr(0, max), &out);
  return out;
}

// An address that could break the command it goes into.
bool Unsafe(const std::string& address) {
  return std::any_of(address.begin(), address.end(),
                     [](unsigned char c) { return c < 0x20 || c == 0x7f || c == '<' || c == '>'; });
}

std::vector<tcp::endpoint> Resolve(const std::string& host, int port, std::string* error) {
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, std::to_string(port), ec);
  std::vector<tcp::endpoint> out;
  if (ec) {
    *error = "cannot resolve " + host + ": " + ec.message();
    return out;
  }
  for (const auto& r : results) {
    if (out.size() < 4) out.push_back(r.endpoint());  // a few addresses per host is enough
  }
  return out;
}

// An SMTP conversation with one server. kNextHost: the server could not take the mail now
// (connection, greeting, EHLO, TLS, MAIL refused with 4xx); recipients it answered keep
// their results and the rest are tried at the next address.
enum class Outcome { kDone, kNextHost };

class Conversation {
 public:
  // `plaintext`: no STARTTLS even when offered (the retry after a failed opportunistic
  // handshake).
  Conversation(const SmtpConfig& c, SmtpClient& client, const std::string& host,
               const tcp::endpoint& ep, bool plaintext = false)
      : c_(c), client_(client), host_(host), ep_(ep), plaintext_(plaintext) {}
  std::string error;  // after kNextHost
  // The opportunistic TLS handshake failed: the same server may be tried in plaintext.
  bool tls_failed = false;

  Outcome Run(const storage::v1::OutboundJob& job, const std::string& content, Results& res) {
    Outcome o = Talk(job, content, res);
    client_.Close();
    return o;
  }

 private:
  Outcome Next(std::string why) {
    error = host_ + " [" + ep_.address().to_string() + "]: " + why;
    return Outcome::kNextHost;
  }
  Outcome Next(const absl::Status& s) { return Next(std::string(s.message())); }

  // EHLO, or HELO when EHLO is refused.
  // EHLO, or HELO when EHLO is refused. Notes when the server names itself as we do.
  absl::StatusOr<sp::Capabilities> Hello() {
    auto r = client_.Command("EHLO " + c_.hostname);
    if (!r.ok()) return r.status();
    const bool extended = r->code / 100 == 2;
    if (!extended) {
      r = client_.Command("HELO " + c_.hostname);
      if (!r.ok()) return r.status();
      if (r->code / 100 != 2) return absl::UnavailableError("HELO refused: " + sp::ReplyText(*r));
    }
    if (!r->lines.empty()) {
      const std::string& first = r->lines[0];
      loop_ = absl::EqualsIgnoreCase(first.substr(0, first.find(' ')), c_.hostname);
    }
    return extended ? sp::ParseCapabilities(*r) : sp::Capabilities{};
  }
  bool loop_ = false;

  Outcome Talk(const storage::v1::OutboundJob& job, const std::string& content, Results& res) {
    if (auto s = client_.Connect(ep_, c_.outbound_connect_timeout); !s.ok()) return Next(s);
    auto greeting = client_.ReadReply();
    if (!greeting.ok()) return Next(greeting.status());
    if (greeting->code != 220) return Next("greeting: " + sp::ReplyText(*greeting));
    auto caps = Hello();
    if (!caps.ok()) return Next(caps.status());
    if (loop_) {
      // RFC 5321 5.1: never deliver to ourselves (an MX or smarthost pointing back here).
      for (auto& [rcpt, r] : res) {
        if (r.kind == RecipientResult::kDeferred) {
          r = Local(RecipientResult::kFailed, "5.4.6", "mail loop: the receiving server is this one", host_);
        }
      }
      client_.Command("QUIT").IgnoreError();
      return Outcome::kDone;
    }
    // Credentials go only to a server whose certificate checks out (or over loopback).
    const bool sends_password = !c_.outbound_smarthost_user.empty() && !ep_.address().is_loopback();
    const bool verify = c_.outbound_tls == "verify" || sends_password;
    if ((c_.outbound_tls != "none" || sends_password) && caps->starttls && !plaintext_) {
      auto r = client_.Command("STARTTLS");
      if (!r.ok()) return Next(r.status());
      if (r->code == 220) {
        if (auto s = client_.StartTls(host_, verify); !s.ok()) {
          tls_failed = !verify;
          return Next(s);
        }
        caps = Hello();
        if (!caps.ok()) return Next(caps.status());
      } else if (verify) {
        return Next("STARTTLS refused: " + sp::ReplyText(*r));
      }
    } else if (verify) {
      return Next(sends_password ? "no STARTTLS offered: not sending the smarthost password"
                                 : "no STARTTLS offered and outbound.tls is verify");
    }
    if (!c_.outbound_smarthost_user.empty()) {
      if (!client_.tls() && !ep_.address().is_loopback()) {
        return Next("not sending the smarthost password without TLS");
      }
      if (std::find(caps->auth.begin(), caps->auth.end(), "PLAIN") == caps->auth.end()) {
        return Next("the smarthost does not offer AUTH PLAIN");
      }
      std::string plain = std::string(1, '\0') + c_.outbound_smarthost_user + '\0' +
                          c_.outbound_smarthost_password;
      auto r = client_.Command("AUTH PLAIN " + sasl::EncodeBase64(plain));
      if (!r.ok()) return Next(r.status());
      if (r->code != 235) return Next("smarthost AUTH failed: " + sp::ReplyText(*r));
    }

    std::vector<std::string> pending;
    for (const auto& [rcpt, r] : res) {
      if (r.kind == RecipientResult::kDeferred) pending.push_back(rcpt);
    }
    bool utf8 = sp::HasEightBit(job.sender());
    for (const auto& p : pending) utf8 = utf8 || sp::HasEightBit(p);
    if (utf8 && !caps->smtputf8) {
      for (const auto& p : pending) {
        res[p] = Local(RecipientResult::kFailed, "5.6.7",
                       "the receiving server does not support SMTPUTF8 addresses", host_);
      }
      client_.Command("QUIT").IgnoreError();
      return Outcome::kDone;
    }
    if (caps->size && *caps->size > 0 && content.size() > *caps->size) {
      for (const auto& p : pending) {
        res[p] = Local(RecipientResult::kFailed, "5.3.4",
                       "message of " + std::to_string(content.size()) +
                           " octets is larger than the receiving server accepts (" +
                           std::to_string(*caps->size) + ")",
                       host_);
      }
      client_.Command("QUIT").IgnoreError();
      return Outcome::kDone;
    }
    std::string mail = "MAIL FROM:<" + job.sender() + ">";
    if (caps->size) mail += " SIZE=" + std::to_string(content.size());
    if (caps->eight_bit_mime && sp::HasEightBit(content)) mail += " BODY=8BITMIME";
    if (utf8) mail += " SMTPUTF8";
    // One transaction per round; recipients a server put off with 452 (too many recipients,
    // RFC 5321 4.5.3.1.10) go in the next round on the same connection.
    for (int round = 0; round < 100 && !pending.empty(); ++round) {
      std::vector<std::string> again;
      Outcome o = Transaction(mail, pending, content, caps->pipelining, res, &again);
      if (o != Outcome::kDone || again.size() == pending.size()) {
        if (o == Outcome::kDone) client_.Command("QUIT").IgnoreError();
        return o;
      }
      pending = std::move(again);
    }
    client_.Command("QUIT").IgnoreError();
    return Outcome::kDone;
  }

  // MAIL, RCPTs and DATA: pipelined in one write when the server offers PIPELINING (RFC 2920),
  // else one by one. `again`: recipients refused with 452 while others were taken.
  Outcome Transaction(const std::string& mail, const std::vector<std::string>& pending,
                      const std::string& content, bool pipelining, Results& res,
                      std::vector<std::string>* again) {
    absl::StatusOr<sp::Reply> mail_reply, data_reply;
    std::vector<std::pair<std::string, sp::Reply>> rcpt_replies;
    auto rcpt = [](const std::string& p) { return "RCPT TO:<" + p + ">"; };
    if (pipelining) {
      std::string batch = mail + "\r\n";
      for (const auto& p : pending) batch += rcpt(p) + "\r\n";
      batch += "DATA\r\n";
      if (auto s = client_.Write(batch); !s.ok()) return Next(s);
      mail_reply = client_.ReadReply();
      if (!mail_reply.ok()) return Next(mail_reply.status());
      for (const auto& p : pending) {
        auto r = client_.ReadReply();
        if (!r.ok()) return Next(r.status());
        rcpt_replies.emplace_back(p, *r);
      }
      data_reply = client_.ReadReply();
      if (!data_reply.ok()) return Next(data_reply.status());
    } else {
      mail_reply = client_.Command(mail);
      if (!mail_reply.ok()) return Next(mail_reply.status());
      if (mail_reply->code / 100 == 2) {
        for (const auto& p : pending) {
          auto r = client_.Command(rcpt(p));
          if (!r.ok()) return Next(r.status());
          rcpt_replies.emplace_back(p, *r);
        }
      }
    }
    // A 354 to a pipelined DATA with nothing to send: end it empty (RFC 2920 3.1); the server
    // then refuses the empty transaction.
    auto abandon_data = [&]() -> bool {
      if (!data_reply.ok() || data_reply->code != 354) return true;
      const std::string dot = ".\r\n";
      return client_.Write(dot).ok() && client_.ReadReply().ok();
    };
    if (mail_reply->code / 100 != 2) {
      if (!abandon_data()) return Next("connection lost");
      if (mail_reply->code / 100 == 4) return Next("MAIL FROM: " + sp::ReplyText(*mail_reply));
      for (const auto& p : pending) res[p] = FromReply(*mail_reply, host_);
      return Outcome::kDone;
    }
    std::vector<std::string> accepted;
    for (const auto& [p, r] : rcpt_replies) {
      if (r.code / 100 == 2) {
        accepted.push_back(p);
      } else {
        res[p] = FromReply(r, host_);
        if (r.code == 452) again->push_back(p);
      }
    }
    if (accepted.empty()) {
      if (!abandon_data()) return Next("connection lost");
      return Outcome::kDone;
    }
    if (!pipelining) data_reply = client_.Command("DATA");
    if (!data_reply.ok()) return Next(data_reply.status());
    if (data_reply->code != 354) {
      for (const auto& a : accepted) res[a] = FromReply(*data_reply, host_);
      again->clear();
      return Outcome::kDone;
    }
    if (auto s = client_.Write(sp::DotStuff(content)); !s.ok()) return Next(s);
    // From here an error leaves the outcome in doubt: the message is tried again later (a
    // duplicate is better than a loss, RFC 5321 6.1), not at once at another host.
    auto r = client_.ReadReply(c_.outbound_data_timeout);  // RFC 5321 4.5.3.2.6: 10 minutes
    if (!r.ok()) {
      for (const auto& a : accepted) {
        res[a] = Local(RecipientResult::kDeferred, "4.4.2",
                       "no reply after the message was sent: " + std::string(r.status().message()),
                       host_);
      }
      again->clear();
      return Outcome::kDone;
    }
    for (const auto& a : accepted) res[a] = FromReply(*r, host_);
    if (r->code / 100 != 2) again->clear();
    return Outcome::kDone;
  }

  const SmtpConfig& c_;
  SmtpClient& client_;
  const std::string& host_;
  const tcp::endpoint ep_;
  const bool plaintext_;
};

// Where to send: the smarthost, an address literal, or the domain's MX hosts.
absl::StatusOr<std::vector<Target>> Targets(const SmtpConfig& c, const std::string& domain) {
  std::vector<Target> out;
  if (!c.outbound_smarthost.empty()) {
    size_t colon = c.outbound_smarthost.rfind(':');
    std::string host = c.outbound_smarthost.substr(0, colon);
    int port = colon == std::string::npos ? 25 : std::atoi(c.outbound_smarthost.c_str() + colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    Target t{host, {}, ""};
    t.endpoints = Resolve(host, port, &t.error);
    out.push_back(std::move(t));
    return out;
  }
  if (domain.size() > 2 && domain.front() == '[' && domain.back() == ']') {
    std::string literal = domain.substr(1, domain.size() - 2);
    if (absl::StartsWithIgnoreCase(literal, "ipv6:")) literal = literal.substr(5);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(literal, ec);
    if (ec) return absl::InvalidArgumentError("address literal " + domain + " is not usable");
    out.push_back({domain, {tcp::endpoint(address, static_cast<unsigned short>(c.outbound_port))}, ""});
    return out;
  }
  TERN_ASSIGN_OR_RETURN(std::vector<MxHost> hosts, LookupMx(domain));
  bool points_here = false;
  for (const auto& h : hosts) {
    // RFC 5321 5.1: an MX naming this host (or an address of this machine) would loop.
    if (absl::EqualsIgnoreCase(h.host, c.hostname)) {
      points_here = true;
      continue;
    }
    Target t{h.host, {}, ""};
    t.endpoints = Resolve(h.host, static_cast<int>(c.outbound_port), &t.error);
    std::erase_if(t.endpoints, [](const tcp::endpoint& e) {
      return e.address().is_loopback() || e.address().is_unspecified();
    });
    if (t.endpoints.empty() && t.error.empty()) t.error = h.host + " has only loopback addresses";
    out.push_back(std::move(t));
  }
  if (out.empty() && points_here) {
    return absl::AbortedError("the MX of " + domain + " points back to this server (mail loop)");
  }
  return out;
}

}  // namespace

std::string WithoutReturnPath(const std::string& content) {
  if (!absl::StartsWithIgnoreCase(content, "Return-Path:")) return content;
  size_t end = content.find("\r\n");
  while (end != std::string::npos && end + 2 < content.size() &&
         (content[end + 2] == ' ' || content[end + 2] == '\t')) {
    end = content.find("\r\n", end + 2);  // folded onto more lines
  }
  return end == std::string::npos ? std::string() : content.substr(end + 2);
}

absl::Duration Backoff(const SmtpConfig& c, uint32_t attempts) {
  absl::Duration wait = c.outbound_retry_initial;
  for (uint32_t i = 1; i < attempts && wait < c.outbound_retry_max; ++i) wait *= 2;
  return std::min(wait, c.outbound_retry_max);
}

Results DeliverJob(const SmtpConfig& c, const storage::v1::OutboundJob& job, SmtpClient& client,
                   absl::Time deadline) {
  Results res;
  for (const auto& r : job.recipients()) {
    res[r] = Unsafe(r) || Unsafe(job.sender())
                 ? Local(RecipientResult::kFailed, Unsafe(r) ? "5.1.3" : "5.1.7",
                         "address not usable in an SMTP command")
                 : Local(RecipientResult::kDeferred, "4.4.1", "no server could be reached");
  }
  client.set_deadline(deadline);
  auto printable = [&res] {
    for (auto& [_, r] : res) {
      r.diagnostic = Printable(r.diagnostic);
      r.remote_mta = Printable(r.remote_mta, 255);
    }
  };
  auto all = [&res](const RecipientResult& r) {
    for (auto& [_, v] : res) v = r;
  };
  auto targets = Targets(c, job.domain());
  if (!targets.ok()) {
    const std::string why(targets.status().message());
    switch (targets.status().code()) {
      case absl::StatusCode::kNotFound:
        all(Local(RecipientResult::kFailed, "5.1.2", why));
        break;
      case absl::StatusCode::kFailedPrecondition:
        all(Local(RecipientResult::kFailed, "5.1.10", why));
        break;
      case absl::StatusCode::kInvalidArgument:
        all(Local(RecipientResult::kFailed, "5.1.2", why));
        break;
      case absl::StatusCode::kAborted:
        all(Local(RecipientResult::kFailed, "5.4.6", why));
        break;
      default:
        all(Local(RecipientResult::kDeferred, "4.4.3", why));
    }
    printable();
    return res;
  }
  const std::string content = WithoutReturnPath(job.content());
  std::string last_error;
  for (const auto& t : *targets) {
    if (t.endpoints.empty()) last_error = t.error;
    for (const auto& ep : t.endpoints) {
      if (absl::Now() >= deadline || client.aborted()) break;
      Conversation conv(c, client, t.host, ep);
      if (conv.Run(job, content, res) == Outcome::kDone) {
        printable();
        return res;
      }
      last_error = conv.error;
      if (conv.tls_failed && absl::Now() < deadline && !client.aborted()) {
        // Opportunistic TLS only: a server whose TLS is broken still gets the mail in
        // plaintext, as it would had it not offered STARTTLS (RFC 7435).
        log::Info("outbound: TLS handshake failed, trying plaintext",
                  {{"job", std::to_string(job.id())}, {"error", Printable(last_error)}});
        Conversation plain(c, client, t.host, ep, true);
        if (plain.Run(job, content, res) == Outcome::kDone) {
          printable();
          return res;
        }
        last_error = plain.error;
      }
      log::Info("outbound: trying the next server", {{"job", std::to_string(job.id())},
                                                      {"error", Printable(last_error)}});
    }
  }
  for (auto& [_, r] : res) {
    if (r.kind == RecipientResult::kDeferred && !r.remote) r.diagnostic = last_error;
  }
  printable();
  return res;
}

OutboundWorkers::OutboundWorkers(const SmtpConfig& config, clients::AuthClient& auth,
                                 clients::StorageClient& storage, Probe& probe)
    : config_(config), auth_(auth), storage_(storage), probe_(probe) {
  owner_prefix_ = config.hostname + ":" + std::to_string(::getpid()) + ":" + log::NewId("w");
}

OutboundWorkers::~OutboundWorkers() { Stop(absl::ZeroDuration()); }

void OutboundWorkers::Start() {
  for (int i = 0; i < config_.outbound_workers; ++i) threads_.emplace_back([this, i] { Loop(i); });
  log::Info("outbound workers started",
            {{"workers", std::to_string(config_.outbound_workers)},
             {"route", config_.outbound_smarthost.empty() ? "mx" : config_.outbound_smarthost}});
}

void OutboundWorkers::Kick() {
  absl::MutexLock lock(&mu_);
  ++kicks_;
}

void OutboundWorkers::BeginStop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

void OutboundWorkers::Stop(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (threads_.empty()) return;
    stopping_ = true;
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return busy_ == 0; };
    mu_.AwaitWithTimeout(absl::Condition(&idle), grace);
    for (SmtpClient* c : clients_) c->Abort();
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void OutboundWorkers::Loop(int index) {
  const std::string owner = owner_prefix_ + ":" + std::to_string(index);
  SmtpClient client(config_.outbound_timeout);
  {
    absl::MutexLock lock(&mu_);
    clients_.push_back(&client);
  }
  const auto lease = static_cast<uint32_t>(absl::ToInt64Seconds(config_.outbound_lease));
  uint64_t seen = 0;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      ++busy_;
    }
    const absl::Time claimed = absl::Now();
    auto jobs = storage_.ClaimOutbound(owner, lease, 1,
                                       static_cast<uint32_t>(config_.outbound_max_per_domain));
    if (!jobs.ok()) {
      probe_.OutboundClaimFailed();
      log::Warn("outbound: cannot claim jobs", {{"error", std::string(jobs.status().message())}});
    } else {
      for (const auto& job : *jobs) Process(job, client, owner, claimed);
    }
    absl::MutexLock lock(&mu_);
    --busy_;
    if (jobs.ok() && !jobs->empty()) continue;  // there may be more
    // Idle: wait for a kick, the stop, or the next poll.
    auto wake = [this, &seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || kicks_ != seen;
    };
    mu_.AwaitWithTimeout(absl::Condition(&wake), config_.outbound_poll_interval);
    seen = kicks_;
  }
  absl::MutexLock lock(&mu_);
  std::erase(clients_, &client);
}

bool OutboundWorkers::SendBounce(const storage::v1::OutboundJob& job, const Results& failed,
                                 bool delayed) {
  Bounce b;
  b.delayed = delayed;
  b.retry_until = absl::FromUnixSeconds(job.created().seconds()) + config_.outbound_max_age;
  b.reporting_mta = config_.hostname;
  b.sender = job.sender();
  b.message_id = log::NewId("dsn");
  b.arrival = absl::FromUnixSeconds(job.created().seconds());
  b.now = absl::Now();
  b.original = WithoutReturnPath(job.content());
  for (const auto& [address, r] : failed) {
    b.recipients.push_back({address, r.status, r.diagnostic, r.remote_mta, r.remote});
  }
  auto found = auth_.Lookup(job.sender());
  if (!found.ok()) return false;
  clients::Envelope env;  // sender "": a bounce is never bounced
  if (found->local_domain()) {
    if (found->accounts().empty()) {
      // The sender is gone (or never was): the domain's postmaster hears of it instead.
      const std::string postmaster = "postmaster@" + job.sender().substr(job.sender().rfind('@') + 1);
      auto pm = auth_.Lookup(postmaster);
      if (!pm.ok()) return false;
      if (pm->accounts().empty()) {
        log::Warn("outbound: bounce to an unknown local sender dropped (no postmaster)",
                  {{"sender", job.sender()}});
        probe_.Bounce("dropped");
        return true;
      }
      found = pm;
    }
    env.accounts.assign(found->accounts().begin(), found->accounts().end());
  } else {
    env.outbound.push_back(job.sender());
  }
  auto stored = storage_.Deliver(env, "Return-Path: <>\r\n" + BuildBounce(b));
  if (!stored.ok()) {
    log::Warn("outbound: bounce not stored", {{"error", std::string(stored.status().message())}});
    probe_.Bounce("failed");
    return false;
  }
  probe_.Bounce(delayed ? "delay_warning" : "sent");
  if (!env.outbound.empty()) Kick();
  return true;
}

void OutboundWorkers::Process(const storage::v1::OutboundJob& job, SmtpClient& client,
                              const std::string& owner, absl::Time claimed) {
  const auto start = std::chrono::steady_clock::now();
  // Finish well inside the lease, so no other worker takes the job while this one works.
  const absl::Duration lease = config_.outbound_lease;
  const absl::Time deadline = claimed + lease - std::min(absl::Minutes(1), lease / 4);
  Results res = DeliverJob(config_, job, client, deadline);
  const absl::Duration age = absl::Now() - absl::FromUnixSeconds(job.created().seconds());
  Results to_bounce;
  std::vector<std::string> retry;
  std::string error;
  storage::v1::CompleteOutboundRequest done;
  done.set_id(job.id());
  done.set_owner(owner);
  if (client.aborted()) {
    // Shutting down: not an attempt. What was delivered is done; the rest is due at once for
    // another replica, without a bounce.
    for (const auto& [rcpt, r] : res) {
      if (r.kind != RecipientResult::kDelivered) done.add_retry(rcpt);
    }
    done.set_retry_after_seconds(0);
    done.set_error("interrupted by a shutdown");
    if (auto s = storage_.CompleteOutbound(done); !s.ok()) {
      log::Warn("outbound: cannot hand back job", {{"job", std::to_string(job.id())}});
    }
    return;
  }
  const bool expired = age >= config_.outbound_max_age;
  for (const auto& [rcpt, r] : res) {
    switch (r.kind) {
      case RecipientResult::kDelivered:
        probe_.OutboundRecipient("delivered");
        break;
      case RecipientResult::kFailed:
        to_bounce[rcpt] = r;
        error = r.diagnostic;
        break;
      case RecipientResult::kDeferred:
        if (expired) {
          RecipientResult gave_up = r;
          gave_up.diagnostic = "gave up after " + absl::FormatDuration(age) + ": " + r.diagnostic;
          to_bounce[rcpt] = gave_up;
        } else {
          probe_.OutboundRecipient("deferred");
        }
        retry.push_back(rcpt);
        error = r.diagnostic;
        break;
    }
  }
  bool give_up = expired && !retry.empty();
  if (!to_bounce.empty()) {
    if (job.sender().empty()) {
      // Undeliverable bounce: nobody to tell (RFC 5321 6.1), only the log and the metric.
      log::Warn("outbound: bounce could not be delivered", {{"job", std::to_string(job.id())},
                                                            {"error", error}});
      for (size_t i = 0; i < to_bounce.size(); ++i) probe_.OutboundRecipient("failed");
    } else if (SendBounce(job, to_bounce, false)) {
      for (size_t i = 0; i < to_bounce.size(); ++i) probe_.OutboundRecipient("bounced");
    } else if (age >= config_.outbound_max_age + absl::Hours(24)) {
      // A report that could not be stored for a day past the maximum age never will be:
      // the failure stays in the log and the metric only.
      log::Error("outbound: giving up on a bounce", {{"job", std::to_string(job.id())},
                                                      {"sender", job.sender()},
                                                      {"error", error}});
      for (size_t i = 0; i < to_bounce.size(); ++i) probe_.OutboundRecipient("failed");
    } else {
      // The report is not stored: keep the failed recipients and try again (never lose word).
      for (const auto& [rcpt, r] : to_bounce) {
        if (std::find(retry.begin(), retry.end(), rcpt) == retry.end()) retry.push_back(rcpt);
      }
      give_up = false;
    }
  }
  if (!expired && !job.warned() && !job.sender().empty() &&
      config_.outbound_delay_warning > absl::ZeroDuration() &&
      age >= config_.outbound_delay_warning) {
    // Once per job: the sender hears that these recipients are still being tried.
    Results delayed;
    for (const auto& [rcpt, r] : res) {
      if (r.kind == RecipientResult::kDeferred) delayed[rcpt] = r;
    }
    if (!delayed.empty() && SendBounce(job, delayed, true)) done.set_warned(true);
  }
  absl::Duration wait = Backoff(config_, job.attempts());
  for (const auto& r : retry) done.add_retry(r);
  done.set_retry_after_seconds(static_cast<uint32_t>(absl::ToInt64Seconds(wait)));
  done.set_error(error);
  done.set_give_up(give_up);
  probe_.OutboundAttempt(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  log::Info("outbound attempt", {{"job", std::to_string(job.id())},
                                 {"domain", job.domain()},
                                 {"attempt", std::to_string(job.attempts())},
                                 {"retry", std::to_string(retry.size())},
                                 {"bounced", std::to_string(to_bounce.size())},
                                 {"error", error}});
  auto completed = storage_.CompleteOutbound(done);
  if (!completed.ok()) {
    // The lease runs out and another attempt follows (delivered recipients may get a second
    // copy: better than none).
    log::Warn("outbound: cannot complete job", {{"job", std::to_string(job.id())},
                                                {"error", std::string(completed.status().message())}});
  }
}

}  // namespace tern::smtp_ingress
