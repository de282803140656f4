#include "session.h"

#include "error_mapping.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <variant>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tern/core/log.h"
#include "tern/line_protocol/grammar.h"
#include "tern/net/session_io.h"

namespace tern::smtp_ingress {

namespace sp = ::tern::smtp_protocol;
namespace asio = net::asio;
using asio::awaitable;
using sp::ReplyId;

namespace {

sp::Reply R(ReplyId id) { return sp::StandardReply(id); }
sp::Reply Make(int code, std::string enhanced, std::string text) {
  return sp::Reply{code, std::move(enhanced), {std::move(text)}};
}

struct Recipient {
  std::string address;
  std::vector<std::string> accounts;  // local: the accounts it reaches
  bool remote = false;                // another domain's: queued for outbound delivery
};

// Unknown recipients a session may name before each further one is answered after
// limits.unknown_recipient_delay (Postfix's smtpd_soft_error_limit is 10 errors of any kind).
constexpr size_t kFreeUnknownRecipients = 5;

// Received header fields in the header block (RFC 5321 6.3 loop detection).
constexpr int kMaxHops = 100;
int Hops(const std::string& message) {
  const size_t end = std::min(message.find("\r\n\r\n"), message.size());
  int hops = 0;
  for (size_t at = 0; at < end;) {
    if (line_protocol::IStartsWith(std::string_view(message).substr(at), "Received:")) ++hops;
    size_t next = message.find("\r\n", at);
    if (next == std::string::npos) break;
    at = next + 2;
  }
  return hops;
}

class Session {
 public:
  Session(SessionEnv& env, Role role, std::shared_ptr<net::Connection> conn)
      : env_(env), role_(role), conn_(std::move(conn)), reader_(env.limits) {
    lc_.conn = conn_->id();
  }

  awaitable<void> Run() {
    env_.probe.SessionOpened(conn_->listener());
    log::Info("smtp connect", {{"listener", conn_->listener()}, {"ip", Ip()}}, &lc_);
    if (io_.draining()) {
      co_await io_.Goodbye();
    } else {
      Queue(sp::Greeting(env_.config.hostname));
      co_await Loop();
    }
    env_.probe.SessionClosed(conn_->listener());
    log::Info("smtp disconnect", {{"messages", std::to_string(messages_)}}, &lc_);
  }

 private:
  std::string Ip() const { return conn_->peer().to_string(); }
  bool Authenticated() const { return !user_.empty(); }
  bool PlaintextAuthAllowed() const {
    return conn_->tls() || env_.plaintext_auth.Contains(conn_->peer());
  }
  bool MayRelay() const { return Authenticated() || env_.relay.Contains(conn_->peer()); }
  // Every reply goes through here, so the command being answered is recorded with the code of
  // its last reply (DATA: the one after the message, not 354), whatever was flushed meanwhile.
  void Queue(const sp::Reply& r) {
    sp::FormatTo(r, &out_);
    reply_code_ = r.code;
  }
  // Fills the reader until it has a line (or the connection ends): false at the end.
  awaitable<bool> Fill() {
    char buf[16384];
    if (reader_.mid_line()) conn_->LinePending();  // its end must come within line_timeout
    size_t n = co_await io_.Read(buf, sizeof buf, !in_mail_);
    if (n == 0) {
      if (conn_->timed_out()) env_.probe.SessionEnded("timeout");
      co_return false;
    }
    reader_.Feed(std::string_view(buf, n));
    co_return true;
  }
  void ResetTransaction() {
    in_mail_ = false;
    mail_ = sp::Mail{};
    rcpts_.clear();
    rcpt_attempts_ = 0;
  }

  awaitable<void> Loop() {
    for (;;) {
      if (!in_mail_ && io_.draining()) {
        co_await io_.Goodbye();
        co_return;
      }
      auto next = reader_.Next();
      if (next.kind == sp::CommandReader::Result::kNeedMore) {
        if (!co_await Fill()) co_return;
        continue;
      }
      conn_->LineDone();
      if (next.kind == sp::CommandReader::Result::kTooLong) {
        Queue(R(ReplyId::kLineTooLong));
        if (!Error()) co_return;
        continue;
      }
      auto start = std::chrono::steady_clock::now();
      sp::Command cmd = sp::ParseCommand(next.line);
      std::string verb(sp::CommandName(cmd));
      reply_code_ = 0;
      bool go_on = co_await Dispatch(cmd);
      env_.probe.Command(verb, reply_code_,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      if (!go_on) {
        co_await io_.Finish();  // the address's connection count drops before the goodbye
        co_return;
      }
      if (upgrade_) {
        upgrade_ = false;
        if (!co_await io_.StartTls(reader_)) co_return;
        // RFC 3207: forget everything learnt before TLS.
        helo_.clear();
        user_.clear();
        ResetTransaction();
      }
    }
  }

  // Counts a client error; false when the session must end.
  bool Error() {
    if (++errors_ >= static_cast<size_t>(env_.config.max_errors)) {
      env_.probe.SessionEnded("errors");
      Queue(R(ReplyId::kTooManyErrors));
      return false;
    }
    return true;
  }

  // What a command needs before its handler runs. The dispatcher checks a command's needs in
  // this order and answers the first one missing (a client error); handlers keep only the
  // checks that belong to their own arguments.
  enum Need : unsigned {
    kHelo = 1 << 0,              // EHLO/HELO first                 503 5.5.1
    kInMail = 1 << 1,            // inside a transaction            503 5.5.1 Send MAIL first
    kNotNested = 1 << 2,         // not inside a transaction yet    503 5.5.1 Sender already given
    kNotAuthenticated = 1 << 3,  //                                 503 5.5.1 Already authenticated
    kNotInMail = 1 << 4,         //                                 503 5.5.1 Bad sequence
    kAuthAllowed = 1 << 5,       // TLS or auth.plaintext_networks  530 5.7.0 / 538 5.7.11
    kSubmitter = 1 << 6,         // authenticated, off the MX port  530 5.7.0
    kNotTls = 1 << 7,            //                                 503 5.5.1 TLS already active
  };
  using Handler = awaitable<bool> (Session::*)(sp::Command&);
  struct Rule {
    size_t index;  // the sp::Command alternative
    Handler handler;
    unsigned needs;
  };
  template <typename T>
  static size_t Index() {
    return sp::Command(T{}).index();
  }

  // The command table (STYLE.md rule 4): one row per sp::Command alternative, in its order.
  static const Rule* RuleFor(const sp::Command& cmd) {
    static const Rule kRules[] = {
        {Index<sp::Helo>(), &Session::OnHelo, 0},
        {Index<sp::Ehlo>(), &Session::OnEhlo, 0},
        {Index<sp::Mail>(), &Session::OnMail, kHelo | kNotNested | kSubmitter},
        {Index<sp::Rcpt>(), &Session::OnRcpt, kInMail},
        {Index<sp::Data>(), &Session::OnData, kInMail},
        {Index<sp::Bdat>(), &Session::OnBdat, 0},  // its chunk is read whatever the state
        {Index<sp::Rset>(), &Session::OnRset, 0},
        {Index<sp::Noop>(), &Session::OnNoop, 0},
        {Index<sp::Quit>(), &Session::OnQuit, 0},
        {Index<sp::Vrfy>(), &Session::OnVrfy, 0},
        {Index<sp::Expn>(), &Session::OnExpn, 0},
        {Index<sp::Help>(), &Session::OnHelp, 0},
        {Index<sp::StartTls>(), &Session::OnStartTls, kNotTls},
        {Index<sp::Auth>(), &Session::OnAuth, kNotAuthenticated | kNotInMail | kAuthAllowed},
        {Index<sp::Unknown>(), &Session::OnUnknown, 0},
        {Index<sp::Invalid>(), &Session::OnInvalid, 0},
    };
    static_assert(std::size(kRules) == std::variant_size_v<sp::Command>, "a row per command");
    const Rule& rule = kRules[cmd.index()];
    return rule.index == cmd.index() ? &rule : nullptr;
  }

  // The reply for the first of `needs` the session does not meet, if any.
  std::optional<sp::Reply> Missing(unsigned needs) const {
    if ((needs & kHelo) && helo_.empty()) return R(ReplyId::kNeedHelo);
    if ((needs & kInMail) && !in_mail_) return R(ReplyId::kNeedMail);
    if ((needs & kNotNested) && in_mail_) return R(ReplyId::kNestedMail);
    if ((needs & kNotAuthenticated) && Authenticated()) return R(ReplyId::kAlreadyAuthenticated);
    if ((needs & kNotInMail) && in_mail_) return R(ReplyId::kBadSequence);
    if ((needs & kAuthAllowed) && !PlaintextAuthAllowed()) {
      return conn_->tls_available() ? R(ReplyId::kMustStartTls) : R(ReplyId::kEncryptionRequired);
    }
    if ((needs & kSubmitter) && role_ != Role::kMx && !Authenticated()) {
      return conn_->tls() || !conn_->tls_available() ? R(ReplyId::kAuthRequired)
                                                     : R(ReplyId::kMustStartTls);
    }
    if ((needs & kNotTls) && conn_->tls()) return R(ReplyId::kTlsAlreadyActive);
    return std::nullopt;
  }

  awaitable<bool> Dispatch(sp::Command& cmd) {
    const Rule* rule = RuleFor(cmd);
    if (rule == nullptr) {  // the table does not follow sp::Command (a programming error)
      Queue(R(ReplyId::kLocalError));
      co_return false;
    }
    if (auto refusal = Missing(rule->needs)) {
      Queue(*refusal);
      co_return Error();
    }
    co_return co_await (this->*(rule->handler))(cmd);
  }

  awaitable<bool> OnHelo(sp::Command& c) { co_return Hello(std::get<sp::Helo>(c).domain, false); }
  awaitable<bool> OnEhlo(sp::Command& c) { co_return Hello(std::get<sp::Ehlo>(c).domain, true); }
  awaitable<bool> OnMail(sp::Command& c) { co_return co_await Mail(std::get<sp::Mail>(c)); }
  awaitable<bool> OnRcpt(sp::Command& c) { co_return co_await Rcpt(std::get<sp::Rcpt>(c)); }
  awaitable<bool> OnData(sp::Command&) { co_return co_await Data(); }
  awaitable<bool> OnBdat(sp::Command& c) { co_return co_await Bdat(std::get<sp::Bdat>(c)); }
  awaitable<bool> OnRset(sp::Command&) {
    ResetTransaction();
    Queue(R(ReplyId::kOk));
    co_return true;
  }
  awaitable<bool> OnNoop(sp::Command&) {
    Queue(R(ReplyId::kOk));
    co_return true;
  }
  awaitable<bool> OnQuit(sp::Command&) {
    Queue(R(ReplyId::kBye));
    co_return false;
  }
  awaitable<bool> OnVrfy(sp::Command& c) { co_return co_await Verify(std::get<sp::Vrfy>(c).arg, false); }
  awaitable<bool> OnExpn(sp::Command& c) { co_return co_await Verify(std::get<sp::Expn>(c).arg, true); }
  awaitable<bool> OnHelp(sp::Command& c) {
    Queue(sp::HelpReply(std::get<sp::Help>(c).topic));
    co_return true;
  }
  awaitable<bool> OnStartTls(sp::Command&) { co_return StartTls(); }
  awaitable<bool> OnAuth(sp::Command& c) { co_return co_await Auth(std::get<sp::Auth>(c)); }
  awaitable<bool> OnUnknown(sp::Command& c) {
    auto& unknown = std::get<sp::Unknown>(c);
    Queue(unknown.reply);
    // Someone speaking HTTP to the mail port: no point going on (as Postfix does).
    if (unknown.verb == "GET" || unknown.verb == "POST" || unknown.verb == "CONNECT" ||
        unknown.verb == "HEAD") {
      co_return false;
    }
    co_return Error();
  }
  awaitable<bool> OnInvalid(sp::Command& c) {
    Queue(std::get<sp::Invalid>(c).reply);
    co_return Error();
  }

  bool Hello(const std::string& domain, bool extended) {
    ResetTransaction();
    helo_ = domain;
    if (!extended) {
      Queue(sp::HeloReply(env_.config.hostname));
      return true;
    }
    std::vector<std::string> caps = {"PIPELINING",
                                     "SIZE " + std::to_string(env_.limits.max_message_size),
                                     "8BITMIME",
                                     "BINARYMIME",
                                     "CHUNKING",
                                     "SMTPUTF8",
                                     "ENHANCEDSTATUSCODES"};
    if (conn_->tls_available() && !conn_->tls()) caps.push_back("STARTTLS");
    if (PlaintextAuthAllowed() && !Authenticated()) caps.push_back("AUTH PLAIN LOGIN");
    caps.push_back("HELP");
    Queue(sp::EhloReply(env_.config.hostname, caps));
    return true;
  }

  awaitable<bool> Mail(const sp::Mail& m) {
    if (m.params.size && *m.params.size > env_.limits.max_message_size) {
      Queue(R(ReplyId::kMessageTooBig));
      co_return true;
    }
    if (m.reverse_path.utf8 && !m.params.smtputf8) {
      Queue(R(ReplyId::kNonAsciiAddress));
      co_return true;
    }
    if (Authenticated() && env_.config.enforce_sender && !m.reverse_path.null()) {
      // No forging: the sender must be an address (or alias) that reaches the user's account.
      const std::string sender = m.reverse_path.Address();
      auto& auth = env_.auth;
      auto lookup = [&auth, sender](auto done) { auth.LookupAsync(sender, std::move(done)); };
      auto found = co_await net::Await<absl::StatusOr<auth::v1::LookupRecipientResponse>>(lookup, lc_.conn);
      if (!found.ok()) {
        Queue(R(AnswerFor(Call::kLookup, found.status()).reply));
        co_return true;
      }
      if (std::find(found->accounts().begin(), found->accounts().end(), user_) ==
          found->accounts().end()) {
        env_.probe.MessageRejected("sender_not_owned", 0);
        Queue(Make(553, "5.7.1", "Sender address is not yours: use an address of " + user_));
        co_return true;
      }
    }
    mail_ = m;
    in_mail_ = true;
    Queue(R(ReplyId::kSenderOk));
    co_return true;
  }

  awaitable<bool> Rcpt(const sp::Rcpt& r) {
    ++rcpt_attempts_;
    if (rcpts_.size() >= env_.limits.max_recipients) {
      Queue(R(ReplyId::kTooManyRecipients));
      co_return true;
    }
    if (r.forward_path.utf8 && !mail_.params.smtputf8) {
      Queue(R(ReplyId::kNonAsciiAddress));
      co_return true;
    }
    // "<Postmaster>" alone (RFC 5321 4.5.1) is resolved by auth: the first domain's postmaster.
    const std::string address = r.forward_path.Address();
    auto& auth = env_.auth;
    auto lookup = [&auth, address](auto done) { auth.LookupAsync(address, std::move(done)); };
    auto found = co_await net::Await<absl::StatusOr<auth::v1::LookupRecipientResponse>>(lookup, lc_.conn);
    if (!found.ok()) {
      log::Warn("recipient lookup failed", {{"error", std::string(found.status().message())}}, &lc_);
      Queue(R(AnswerFor(Call::kLookup, found.status()).reply));
      co_return true;
    }
    using L = auth::v1::LookupRecipientResponse;
    if (!found->local_domain()) {
      // Not ours: only authenticated (or explicitly trusted) clients may send there, and the
      // message goes to the outbound queue. Never an open relay.
      if (!MayRelay()) {
        Queue(R(ReplyId::kRelayDenied));
        co_return true;
      }
      rcpts_.push_back({address, {}, true});
      Queue(R(ReplyId::kRecipientOk));
      co_return true;
    }
    if (found->result() == L::DISABLED) {
      Queue(Make(550, "5.2.1", "Mailbox disabled"));
      co_return true;
    }
    if (found->result() != L::ACCOUNTS || found->accounts().empty()) {
      // Harvesting: every unknown user after the first few waits, and too many end the session.
      if (++unknown_rcpts_ >= static_cast<size_t>(env_.config.max_unknown_recipients)) {
        log::Info("too many unknown recipients", {{"ip", Ip()}, {"count", std::to_string(unknown_rcpts_)}}, &lc_);
        env_.probe.SessionEnded("unknown_recipients");
        Queue(Make(421, "4.7.0", "Too many unknown recipients; closing the connection"));
        co_return false;
      }
      if (unknown_rcpts_ > kFreeUnknownRecipients) {
        co_await net::Pause(env_.config.unknown_recipient_delay);
      }
      Queue(R(ReplyId::kNoSuchUser));
      co_return true;
    }
    rcpts_.push_back({address, {found->accounts().begin(), found->accounts().end()}});
    Queue(R(ReplyId::kRecipientOk));
    co_return true;
  }

  // Moves the reader's buffered bytes and further socket reads into `feed` until it says done.
  template <typename Receiver, typename Done>
  awaitable<bool> Receive(Receiver& rx, Done done) {
    std::string pending = reader_.TakeBuffered();
    size_t used = rx.Feed(pending).consumed;
    if (!done()) {
      if (!co_await io_.Flush()) co_return false;
      char buf[65536];
      while (!done()) {
        size_t n = co_await conn_->ReadSome(buf, sizeof buf);
        if (n == 0) {
          if (conn_->timed_out()) env_.probe.SessionEnded("timeout");
          co_return false;
        }
        size_t c = rx.Feed(std::string_view(buf, n)).consumed;
        if (done()) {
          reader_.Feed(std::string_view(buf + c, n - c));  // pipelined commands after the data
          co_return true;
        }
      }
    }
    reader_.Feed(std::string_view(pending).substr(used));
    co_return true;
  }

  awaitable<bool> Data() {
    if (rcpts_.empty()) {
      Queue(rcpt_attempts_ > 0 ? R(ReplyId::kNoValidRecipients) : R(ReplyId::kNeedRcpt));
      co_return Error();
    }
    Queue(R(ReplyId::kStartInput));
    if (!co_await io_.Flush()) co_return false;
    sp::DataReceiver rx(env_.limits);
    if (!co_await Receive(rx, [&] { return rx.done(); })) co_return false;
    co_return co_await Finish(rx.status(), rx.TakeMessage());
  }

  awaitable<bool> Bdat(const sp::Bdat& b) {
    bool ok_state = in_mail_ && !rcpts_.empty();
    if (!bdat_) bdat_ = std::make_unique<sp::BdatReceiver>(env_.limits);
    if (ok_state) {
      bdat_->StartChunk(b.size, b.last);
    } else {
      bdat_->SkipChunk(b.size);  // RFC 3030: read it all the same
    }
    if (!co_await Receive(*bdat_, [&] { return bdat_->chunk_done(); })) co_return false;
    if (!ok_state) {
      Queue(!in_mail_ ? R(ReplyId::kNeedMail)
                      : rcpts_.empty() ? R(ReplyId::kNeedRcpt) : R(ReplyId::kLocalError));
      if (b.last) {
        bdat_.reset();
        ResetTransaction();
      }
      co_return Error();
    }
    if (!b.last) {
      Queue(Make(250, "2.0.0", std::to_string(b.size) + " octets received"));
      co_return true;
    }
    auto status = bdat_->status();
    std::string message = bdat_->TakeMessage();
    bdat_.reset();
    co_return co_await Finish(status, std::move(message));
  }

  std::string ReceivedHeader(const std::string& id) const {
    std::string with = conn_->tls() ? (Authenticated() ? "ESMTPSA" : "ESMTPS")
                                    : (Authenticated() ? "ESMTPA" : "ESMTP");
    if (mail_.params.smtputf8) with = "UTF8" + with.substr(1);  // RFC 6531 7.7: UTF8SMTP...
    std::string h = "Received: from " + (helo_.empty() ? std::string("unknown") : helo_) + " ([" +
                    Ip() + "])\r\n\tby " + env_.config.hostname + " (Tern) with " + with +
                    " id " + id;
    if (rcpts_.size() == 1) h += "\r\n\tfor <" + rcpts_[0].address + ">";
    h += "; " + absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", absl::Now(), absl::UTCTimeZone()) +
         "\r\n";
    return h;
  }

  // After the end of DATA or BDAT LAST: refuse or store, then answer. 250 only after commit.
  awaitable<bool> Finish(const sp::BodyStatus& status, std::string message) {
    auto start = std::chrono::steady_clock::now();
    const sp::BodyType body = mail_.params.body.value_or(sp::BodyType::k7Bit);
    auto rejection = sp::BodyRejection(status, body);
    if (rejection) {
      env_.probe.MessageRejected(
          status.too_big ? "size" : status.bare_lf || status.bare_cr ? "bare_newline" : "line_length",
          status.size);
      Queue(R(*rejection));
      ResetTransaction();
      co_return true;
    }
    const bool relayed = std::any_of(rcpts_.begin(), rcpts_.end(), [](const Recipient& r) { return r.remote; });
    if (auto refusal = relayed ? sp::RelayRejection(status, body) : std::nullopt) {
      // Our own mailboxes take long lines (limits.max_line_length); the next hop may not.
      env_.probe.MessageRejected("line_length_relay", status.size);
      Queue(R(*refusal));
      ResetTransaction();
      co_return true;
    }
    if (Hops(message) > kMaxHops) {
      // RFC 5321 6.3: a message that went through this many servers is looping.
      env_.probe.MessageRejected("loop", message.size());
      Queue(Make(554, "5.4.6", "Too many hops (" + std::to_string(kMaxHops) + "): mail loop?"));
      ResetTransaction();
      co_return true;
    }
    const std::string id = log::NewId("m");
    std::string trace =
        "Return-Path: <" + mail_.reverse_path.Address() + ">\r\n" + ReceivedHeader(id);
    std::set<std::string> accounts, outbound;
    for (const auto& r : rcpts_) {
      if (r.remote) outbound.insert(r.address);
      accounts.insert(r.accounts.begin(), r.accounts.end());
    }
    clients::Envelope envelope{mail_.reverse_path.Address(), {accounts.begin(), accounts.end()},
                               {outbound.begin(), outbound.end()}, std::move(trace)};
    const size_t size = envelope.trace.size() + message.size();
    const int recipients = static_cast<int>(accounts.size() + outbound.size());
    auto& storage = env_.storage;
    // The body goes as it came off the socket, apart from the trace: no copy to prepend it.
    auto deliver = [&storage, &envelope, &message](auto done) {
      storage.DeliverAsync(envelope, std::move(message), std::move(done));
    };
    auto stored =
        co_await net::Await<absl::StatusOr<storage::v1::DeliverResponse>>(deliver, lc_.conn);
    if (stored.ok()) {
      ++messages_;
      env_.probe.MessageAccepted(size, recipients,
                                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      log::Info("message stored", {{"id", id}, {"size", std::to_string(size)},
                                   {"local", std::to_string(accounts.size())},
                                   {"outbound", std::to_string(outbound.size())}}, &lc_);
      if (!outbound.empty() && env_.outbound) env_.outbound->Kick();
      Queue(Make(250, "2.0.0", "Ok: stored as " + id));
    } else {
      const auto& s = stored.status();
      log::Warn("message not stored", {{"id", id}, {"error", std::string(s.message())}}, &lc_);
      const Answer answer = AnswerFor(Call::kDeliver, s);
      env_.probe.MessageRejected(std::string(answer.label), size);
      Queue(R(answer.reply));
    }
    ResetTransaction();
    co_return true;
  }

  awaitable<bool> Verify(const std::string& arg, bool expand) {
    if (!Authenticated()) {
      Queue(R(ReplyId::kCannotVrfy));
      co_return true;
    }
    std::string address = arg;
    if (address.size() > 2 && address.front() == '<' && address.back() == '>') {
      address = address.substr(1, address.size() - 2);
    }
    auto& auth = env_.auth;
    auto lookup = [&auth, address](auto done) { auth.LookupAsync(address, std::move(done)); };
    auto found = co_await net::Await<absl::StatusOr<auth::v1::LookupRecipientResponse>>(lookup, lc_.conn);
    if (!found.ok()) {
      Queue(R(AnswerFor(Call::kLookup, found.status()).reply));
      co_return true;
    }
    if (found->accounts().empty()) {
      Queue(R(ReplyId::kNoSuchUser));
      co_return true;
    }
    sp::Reply r{250, "2.1.5", {}};
    if (expand) {
      for (const auto& a : found->accounts()) r.lines.push_back("<" + a + ">");
    } else {
      r.lines.push_back("<" + address + ">");
    }
    Queue(r);
    co_return true;
  }

  // STARTTLS: answers and asks the loop to upgrade (the upgrade itself runs in Loop()).
  bool StartTls() {
    if (!conn_->tls_available()) {
      Queue(R(ReplyId::kTlsUnavailable));
      return true;
    }
    Queue(R(ReplyId::kReadyToStartTls));
    upgrade_ = true;
    return true;
  }

  awaitable<bool> Auth(const sp::Auth& a) {
    const std::string mech = a.mechanism;
    if (mech != "PLAIN" && mech != "LOGIN") {
      Queue(R(ReplyId::kMechanismUnsupported));
      co_return true;
    }
    std::vector<std::string> responses;
    if (a.initial_response) {
      auto decoded = sp::DecodeBase64(*a.initial_response);
      if (!decoded) {
        Queue(R(ReplyId::kBadBase64));
        co_return Error();
      }
      responses.push_back(*decoded);
    }
    const std::string label = mech == "PLAIN" ? "plain" : "login";
    auto& auth = env_.auth;
    const std::string ip = Ip();
    for (int round = 0; round < 4; ++round) {
      auto call = [&auth, &mech, &responses, &ip](auto done) {
        auth.AuthenticateAsync(mech, responses, ip, std::move(done));
      };
      auto r = co_await net::Await<absl::StatusOr<auth::v1::AuthenticateResponse>>(call, lc_.conn);
      if (!r.ok()) {
        const Answer answer = AnswerFor(Call::kAuthenticate, r.status());
        env_.probe.Auth(label, std::string(answer.label));
        Queue(R(answer.reply));
        co_return true;
      }
      using A = auth::v1::AuthenticateResponse;
      switch (r->result()) {
        case A::CONTINUE: {
          Queue(sp::SaslChallenge(r->challenge()));
          if (!co_await io_.Flush()) co_return false;
          auto fill = [this] { return Fill(); };
          net::SaslLine answer = co_await net::ReadSaslLine(reader_, *conn_, fill);
          if (answer.kind == net::SaslLine::kClosed) co_return false;
          if (answer.kind == net::SaslLine::kTooLong) {
            Queue(R(ReplyId::kLineTooLong));
            co_return Error();
          }
          auto resp = sp::ParseSaslResponse(answer.line);
          if (resp.kind == sp::SaslResponse::kCancel) {
            Queue(R(ReplyId::kAuthCancelled));
            co_return true;
          }
          if (resp.kind == sp::SaslResponse::kInvalid) {
            Queue(R(ReplyId::kBadBase64));
            co_return Error();
          }
          responses.push_back(std::move(resp.data));
          continue;
        }
        case A::OK:
          user_ = r->account();
          env_.probe.Auth(label, "ok");
          log::Info("authenticated", {{"user", user_}}, &lc_);
          Queue(R(ReplyId::kAuthSucceeded));
          co_return true;
        case A::THROTTLED:
          env_.probe.Auth(label, "throttled");
          Queue(Make(454, "4.7.0", "Too many failed logins; try again later"));
          co_return true;
        default: {
          env_.probe.Auth(label, "failed");
          // Make the next guess wait as long as auth says (bounded), without blocking the strand.
          co_await net::Pause(absl::Milliseconds(std::min<uint64_t>(r->retry_after_ms(), 2000)));
          Queue(R(ReplyId::kAuthFailed));
          co_return Error();
        }
      }
    }
    Queue(R(ReplyId::kAuthFailed));
    co_return Error();
  }

  SessionEnv& env_;
  const Role role_;
  std::shared_ptr<net::Connection> conn_;
  sp::CommandReader reader_;
  log::Context lc_;
  net::SessionIo io_{*conn_, sp::Format(R(ReplyId::kShuttingDown))};
  std::string& out_ = io_.out();
  std::string helo_;
  std::string user_;
  bool in_mail_ = false;
  sp::Mail mail_;
  std::vector<Recipient> rcpts_;
  size_t rcpt_attempts_ = 0;
  size_t unknown_rcpts_ = 0;  // in the whole session (RSET does not forget them)
  std::unique_ptr<sp::BdatReceiver> bdat_;
  size_t errors_ = 0;
  size_t messages_ = 0;
  int reply_code_ = 0;  // of the last reply queued (see Queue)
  bool upgrade_ = false;
};

}  // namespace

awaitable<void> RunSession(SessionEnv& env, Role role, std::shared_ptr<net::Connection> conn) {
  Session s(env, role, std::move(conn));
  co_await s.Run();
}

}  // namespace tern::smtp_ingress
