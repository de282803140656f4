#include "session.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <string_view>
#include <variant>

#include "error_mapping.h"
#include "tern/core/log.h"
#include "tern/net/session_io.h"

namespace tern::pop3_gateway {

namespace pp = ::tern::pop3_protocol;
namespace asio = net::asio;
using asio::awaitable;
using pp::ReplyId;

namespace {

constexpr const char* kLeaseName = "pop3";
constexpr const char* kInbox = "INBOX";

class Session {
 public:
  Session(SessionEnv& env, std::shared_ptr<net::Connection> conn)
      : env_(env), conn_(std::move(conn)), reader_(env.limits) {
    lc_.conn = conn_->id();
    std::random_device rd;
    banner_ = pp::ApopBanner(static_cast<uint64_t>(getpid()),
                             (static_cast<uint64_t>(rd()) << 32) | rd(), env_.config.hostname);
  }

  awaitable<void> Run() {
    env_.probe.SessionOpened(conn_->listener());
    log::Info("pop3 connect", {{"listener", conn_->listener()}, {"ip", conn_->peer().to_string()}},
              &lc_);
    if (io_.draining()) {
      io_.QueueGoodbye();
    } else {
      Queue(pp::Greeting(env_.config.apop ? banner_ : std::string()));
      co_await Loop();
    }
    // The maildrop is free before the last reply (+OK to QUIT, after its deletions committed)
    // goes out, so a client that logs in again at once never finds it [IN-USE].
    if (locked_) {
      locked_ = false;
      auto& storage = env_.storage;
      auto release = [&storage, a = account_, o = conn_->id()](auto done) {
        storage.LeaseAsync(clients::LeaseOp::kRelease, a, kLeaseName, o, 1, std::move(done));
      };
      auto released = co_await net::Await<absl::StatusOr<bool>>(release, lc_.conn);
      if (!released.ok()) {
        log::Warn("maildrop lease not released (it expires by itself)",
                  {{"error", std::string(released.status().message())}}, &lc_);
      }
    }
    co_await io_.Finish();
    env_.probe.SessionClosed(conn_->listener());
  }

 private:
  // Every reply goes through these, so the dispatcher records a command by its own reply even
  // when a long answer (RETR) was flushed on the way.
  void Queue(const pp::Reply& r) {
    pp::FormatTo(r, &out_);
    reply_ok_ = r.ok;
  }
  void QueueRaw(const std::string& s) {
    out_ += s;
    reply_ok_ = !s.empty() && s[0] == '+';
  }
  awaitable<bool> Fill() {
    char buf[8192];
    if (reader_.mid_line()) conn_->LinePending();  // its end must come within line_timeout
    size_t n = co_await io_.Read(buf, sizeof buf, true);
    if (n == 0) co_return false;
    reader_.Feed(std::string_view(buf, n));
    co_return true;
  }
  bool PlaintextLoginAllowed() const {
    return conn_->tls() || env_.plaintext_auth.Contains(conn_->peer());
  }
  bool Error() {
    if (++errors_ >= env_.limits.max_bad_commands) {
      Queue(pp::StandardReply(ReplyId::kTooManyErrors));
      return false;
    }
    return true;
  }

  awaitable<void> Loop() {
    for (;;) {
      if (io_.draining() && state_ != pp::State::kUpdate) {
        io_.QueueGoodbye();
        co_return;  // nothing deleted: the session did not reach UPDATE
      }
      auto next = reader_.Next();
      if (next.kind == pp::CommandReader::Result::kNeedMore) {
        if (!co_await Fill()) co_return;
        continue;
      }
      conn_->LineDone();
      if (next.kind == pp::CommandReader::Result::kTooLong) {
        Queue(pp::StandardReply(ReplyId::kLineTooLong));
        if (!Error()) co_return;
        continue;
      }
      auto start = std::chrono::steady_clock::now();
      pp::Command cmd = pp::ParseCommand(next.line, env_.limits);
      const std::string name(pp::CommandName(cmd));
      bool go_on = true;
      bool ok = true;
      if (auto refusal = pp::Refusal(cmd, state_, conn_->tls(), PlaintextLoginAllowed())) {
        Queue(*refusal);
        ok = false;
        go_on = Error();
      } else {
        reply_ok_ = false;
        go_on = co_await Dispatch(cmd);
        ok = reply_ok_;
      }
      env_.probe.Command(name, ok,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      if (!go_on) co_return;
      if (upgrade_) {
        upgrade_ = false;
        if (!co_await io_.StartTls(reader_)) co_return;
        user_.clear();
      }
    }
  }

  using Handler = awaitable<bool> (Session::*)(pp::Command&);
  struct Rule {
    size_t index;  // the pp::Command alternative
    Handler handler;
  };
  template <typename T>
  static size_t Index() {
    return pp::Command(T{}).index();
  }
  // The command table (STYLE.md rule 4): a handler per pp::Command alternative, in its order.
  // Which command may run in which state, and before TLS, is the codec's table (pp::Refusal),
  // checked by the loop before this.
  static const Rule* RuleFor(const pp::Command& cmd) {
    static const Rule kRules[] = {
        {Index<pp::User>(), &Session::OnUser}, {Index<pp::Pass>(), &Session::OnPass},
        {Index<pp::Apop>(), &Session::OnApop}, {Index<pp::Auth>(), &Session::OnAuth},
        {Index<pp::Stat>(), &Session::OnStat}, {Index<pp::List>(), &Session::OnList},
        {Index<pp::Retr>(), &Session::OnRetr}, {Index<pp::Dele>(), &Session::OnDele},
        {Index<pp::Noop>(), &Session::OnNoop}, {Index<pp::Rset>(), &Session::OnRset},
        {Index<pp::Quit>(), &Session::OnQuit}, {Index<pp::Top>(), &Session::OnTop},
        {Index<pp::Uidl>(), &Session::OnUidl}, {Index<pp::Capa>(), &Session::OnCapa},
        {Index<pp::Stls>(), &Session::OnStls}, {Index<pp::Rpop>(), &Session::OnRpop},
        {Index<pp::Unknown>(), &Session::OnUnknown}, {Index<pp::Invalid>(), &Session::OnInvalid},
    };
    static_assert(std::size(kRules) == std::variant_size_v<pp::Command>, "a row per command");
    const Rule& rule = kRules[cmd.index()];
    return rule.index == cmd.index() ? &rule : nullptr;
  }

  awaitable<bool> Dispatch(pp::Command& cmd) {
    const Rule* rule = RuleFor(cmd);
    if (rule == nullptr) {  // the table does not follow pp::Command (a programming error)
      Queue(pp::StandardReply(ReplyId::kTryLater));
      co_return false;
    }
    co_return co_await (this->*(rule->handler))(cmd);
  }

  awaitable<bool> OnCapa(pp::Command&) {
    pp::Capabilities caps;
    caps.user = PlaintextLoginAllowed();
    caps.sasl = PlaintextLoginAllowed() ? std::vector<std::string>{"PLAIN"} : std::vector<std::string>{};
    caps.stls = conn_->tls_available() && !conn_->tls() && state_ == pp::State::kAuthorization;
    QueueRaw(pp::CapaResponse(caps));
    co_return true;
  }
  awaitable<bool> OnStls(pp::Command&) {
    if (!conn_->tls_available()) {
      Queue(pp::StandardReply(ReplyId::kTlsUnavailable));
      co_return true;
    }
    Queue(pp::StandardReply(ReplyId::kBeginTls));
    upgrade_ = true;
    co_return true;
  }
  awaitable<bool> OnUser(pp::Command& cmd) {
    user_ = std::get<pp::User>(cmd).name;
    Queue(pp::StandardReply(ReplyId::kUserAccepted));
    co_return true;
  }
  awaitable<bool> OnPass(pp::Command& cmd) {
    if (user_.empty()) {
      Queue(pp::StandardReply(ReplyId::kNeedUser));
      co_return Error();
    }
    std::vector<std::string> responses{std::string(1, '\0') + user_ + std::string(1, '\0') +
                                       std::get<pp::Pass>(cmd).password};
    const std::string label = "user";
    bool ok = co_await Login(label, responses);
    co_return ok;
  }
  awaitable<bool> OnApop(pp::Command& cmd) {
    if (!env_.config.apop) {
      Queue(pp::StandardReply(ReplyId::kApopUnavailable));
      co_return Error();
    }
    auto& c = std::get<pp::Apop>(cmd);
    auto& auth = env_.auth;
    auto call = [&auth, name = c.name, digest = c.digest, banner = banner_,
                 ip = conn_->peer().to_string()](auto done) {
      auth.VerifyApopAsync(name, banner, digest, ip, std::move(done));
    };
    auto r = co_await net::Await<absl::StatusOr<auth::v1::AuthenticateResponse>>(call, lc_.conn);
    const std::string label = "apop";
    bool ok = co_await Finish(label, r);
    co_return ok;
  }
  awaitable<bool> OnAuth(pp::Command& cmd) { co_return co_await Auth(std::get<pp::Auth>(cmd)); }
  awaitable<bool> OnRpop(pp::Command&) {
    Queue(pp::StandardReply(ReplyId::kRpopRefused));
    co_return Error();
  }
  awaitable<bool> OnQuit(pp::Command&) { co_return co_await Quit(); }
  awaitable<bool> OnStat(pp::Command&) {
    auto [n, octets] = Totals();
    Queue(pp::StatReply(n, octets));
    co_return true;
  }
  awaitable<bool> OnList(pp::Command& cmd) {
    auto& c = std::get<pp::List>(cmd);
    if (c.msg) {
      auto* m = Message(*c.msg);
      if (!m) co_return true;
      Queue(pp::ScanReply(*c.msg, m->size));
    } else {
      std::vector<pp::ScanEntry> rows;
      for (uint32_t i = 0; i < drop_.messages.size(); ++i) {
        if (!deleted_[i]) rows.push_back({i + 1, drop_.messages[i].size});
      }
      QueueRaw(pp::ScanListing(rows));
    }
    co_return true;
  }
  awaitable<bool> OnUidl(pp::Command& cmd) {
    auto& c = std::get<pp::Uidl>(cmd);
    if (c.msg) {
      auto* m = Message(*c.msg);
      if (!m) co_return true;
      Queue(pp::UidlReply(*c.msg, pp::MakeUniqueId(drop_.uidvalidity, m->uid)));
    } else {
      std::vector<pp::UidEntry> rows;
      for (uint32_t i = 0; i < drop_.messages.size(); ++i) {
        if (!deleted_[i]) rows.push_back({i + 1, pp::MakeUniqueId(drop_.uidvalidity, drop_.messages[i].uid)});
      }
      QueueRaw(pp::UidlListing(rows));
    }
    co_return true;
  }
  awaitable<bool> OnRetr(pp::Command& cmd) {
    bool ok = co_await Send(std::get<pp::Retr>(cmd).msg, std::optional<uint64_t>());
    co_return ok;
  }
  awaitable<bool> OnTop(pp::Command& cmd) {
    auto& c = std::get<pp::Top>(cmd);
    bool ok = co_await Send(c.msg, std::optional<uint64_t>(c.lines));
    co_return ok;
  }
  awaitable<bool> OnDele(pp::Command& cmd) {
    const uint32_t msg = std::get<pp::Dele>(cmd).msg;
    if (!Message(msg)) co_return true;
    deleted_[msg - 1] = true;
    Queue(pp::StandardReply(ReplyId::kMessageDeleted));
    co_return true;
  }
  awaitable<bool> OnNoop(pp::Command&) {
    Queue(pp::StandardReply(ReplyId::kOk));
    co_return true;
  }
  awaitable<bool> OnRset(pp::Command&) {
    std::fill(deleted_.begin(), deleted_.end(), false);
    auto [n, octets] = Totals();
    Queue(pp::MaildropReply(n, octets));
    co_return true;
  }
  awaitable<bool> OnUnknown(pp::Command& cmd) {
    Queue(std::get<pp::Unknown>(cmd).reply);
    co_return Error();
  }
  awaitable<bool> OnInvalid(pp::Command& cmd) {
    Queue(std::get<pp::Invalid>(cmd).reply);
    co_return Error();
  }

  std::pair<uint64_t, uint64_t> Totals() const {
    uint64_t n = 0, octets = 0;
    for (size_t i = 0; i < drop_.messages.size(); ++i) {
      if (!deleted_[i]) {
        ++n;
        octets += drop_.messages[i].size;
      }
    }
    return {n, octets};
  }

  // The message numbered `msg` (1-based) unless deleted; otherwise queues the -ERR.
  const clients::MaildropEntry* Message(uint32_t msg) {
    if (msg == 0 || msg > drop_.messages.size()) {
      Queue(pp::StandardReply(ReplyId::kNoSuchMessage));
      return nullptr;
    }
    if (deleted_[msg - 1]) {
      Queue(pp::StandardReply(ReplyId::kAlreadyDeleted));
      return nullptr;
    }
    return &drop_.messages[msg - 1];
  }

  // Reading ahead. Clients walk the maildrop in order (RETR 1, RETR 2, ...): messages come from
  // storage in batches and are served from memory, and the next batch is asked for as soon as
  // one lands, so that storage works while the client reads and the client seldom waits for it.
  // Batches double from kFirstBatch to kAheadMessages messages (a client that reads one message
  // pays for few; each batch is fetched in about the time the one before it is read), at most
  // kAheadBytes each, so a walking session holds two batches at most.
  // Messages over kAheadMessageMax are fetched alone. The sizes are the POP3 sizes, never below
  // the stored ones, so what passes kAheadMessageMax here is not left out by FetchMany.
  static constexpr size_t kWriteSlice = 64 * 1024;  // RETR: stuff and send this much at a time
  static constexpr size_t kFirstBatch = 8;
  static constexpr size_t kAheadMessages = 256;
  static constexpr uint64_t kAheadBytes = 4 << 20;
  static constexpr uint64_t kAheadMessageMax = 256 << 10;

  // One FetchMany on its way or landed. Shared with the coroutine that makes the call, which
  // fills `got`, sets `done` and cancels `landed` (on the session's strand, as is every use).
  struct Batch {
    explicit Batch(const asio::any_io_executor& ex)
        : landed(ex, asio::steady_timer::time_point::max()) {}
    std::vector<uint32_t> uids;  // asked for, ascending
    uint32_t end = 0;            // the message index after the last one considered
    bool done = false;
    std::map<uint32_t, std::string> got;  // UID -> content; empty when the call failed
    asio::steady_timer landed;
  };

  // Asks for up to `count` messages from index `from` (0-based) without waiting for them.
  std::shared_ptr<Batch> Ask(const asio::any_io_executor& ex, uint32_t from, size_t count) {
    auto b = std::make_shared<Batch>(ex);
    uint64_t bytes = 0;
    uint32_t i = from;
    for (; i < drop_.messages.size() && b->uids.size() < count; ++i) {
      const auto& e = drop_.messages[i];
      if (deleted_[i] || e.size > kAheadMessageMax) continue;
      if (bytes + e.size > kAheadBytes) break;
      bytes += e.size;
      b->uids.push_back(e.uid);
    }
    b->end = i;
    if (b->uids.empty()) {
      b->done = true;
      return b;
    }
    auto& storage = env_.storage;
    auto call = [b, &storage, a = account_, conn = lc_.conn]() -> awaitable<void> {
      auto fetch = [&storage, &a, &b](auto done) {
        storage.FetchManyAsync(a, kInbox, b->uids, kAheadMessageMax, std::move(done));
      };
      auto got =
          co_await net::Await<absl::StatusOr<std::map<uint32_t, std::string>>>(fetch, conn);
      if (got.ok()) b->got = std::move(*got);
      b->done = true;
      b->landed.cancel();
    };
    asio::co_spawn(ex, std::move(call), asio::detached);
    return b;
  }

  // The content of message `msg` (1-based): from the batch read ahead, or asked for alone.
  awaitable<absl::StatusOr<std::string>> Content(uint32_t msg, const clients::MaildropEntry& m) {
    if (m.size <= kAheadMessageMax && !ahead_.count(m.uid)) {
      const auto ex = co_await asio::this_coro::executor;
      const bool in_next =
          next_ && std::binary_search(next_->uids.begin(), next_->uids.end(), m.uid);
      // The batch already asked for holds it, or the client jumped: start again from here.
      batch_size_ = in_next ? std::min(batch_size_ * 2, kAheadMessages) : kFirstBatch;
      std::shared_ptr<Batch> b = in_next ? std::move(next_) : Ask(ex, msg - 1, batch_size_);
      if (!b->done) {
        boost::system::error_code ec;
        co_await b->landed.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      ahead_ = std::move(b->got);
      next_ = Ask(ex, b->end, std::min(batch_size_ * 2, kAheadMessages));
    }
    if (auto it = ahead_.find(m.uid); it != ahead_.end()) {
      std::string content = std::move(it->second);
      ahead_.erase(it);
      co_return content;
    }
    auto& storage = env_.storage;
    auto fetch = [&storage, a = account_, uid = m.uid](auto done) {
      storage.FetchAsync(a, kInbox, uid, std::move(done));
    };
    auto content = co_await net::Await<absl::StatusOr<std::string>>(fetch, lc_.conn);
    co_return content;
  }

  // One piece of a streamed message.
  awaitable<absl::StatusOr<std::string>> NextPiece(clients::ContentStream& stream) {
    auto next = [&stream](auto done) { stream.Next(std::move(done)); };
    auto piece = co_await net::Await<absl::StatusOr<std::string>>(next, lc_.conn);
    co_return piece;
  }

  // RETR of a message too big to read ahead: storage's chunks are stuffed and sent as they
  // come, the next asked for once the last is written, so a session holds one chunk, not the
  // message. An error before the first byte is an -ERR; after it the connection is closed
  // (the client sees no terminating "." and knows the message did not come).
  awaitable<bool> Stream(const clients::MaildropEntry& m) {
    auto stream = env_.storage.OpenContent(account_, kInbox, m.uid);
    auto piece = co_await NextPiece(*stream);
    if (!piece.ok()) {
      log::Warn("fetch failed", {{"error", std::string(piece.status().message())}}, &lc_);
      Queue(pp::StandardReply(ReplyFor(Call::kFetch, piece.status())));
      co_return true;
    }
    Queue(pp::StandardReply(ReplyId::kMessageFollows));
    pp::MultilineWriter w;
    uint64_t octets = 0;
    while (!piece->empty()) {
      octets += piece->size();
      w.Write(*piece, &out_);
      piece = std::string();  // freed before the next one comes
      if (!co_await io_.Flush()) co_return false;
      piece = co_await NextPiece(*stream);
      if (!piece.ok()) {
        log::Warn("fetch failed mid-message; closing",
                  {{"error", std::string(piece.status().message())}}, &lc_);
        co_return false;
      }
    }
    w.Finish(&out_);
    env_.probe.Retrieved(octets);
    co_return true;
  }

  awaitable<bool> Send(uint32_t msg, std::optional<uint64_t> top_lines) {
    auto* m = Message(msg);
    if (!m) co_return true;
    if (!top_lines && m->size > kAheadMessageMax) {
      bool go_on = co_await Stream(*m);
      co_return go_on;
    }
    absl::StatusOr<std::string> content = co_await Content(msg, *m);
    if (!content.ok()) {
      log::Warn("fetch failed", {{"error", std::string(content.status().message())}}, &lc_);
      Queue(pp::StandardReply(ReplyFor(Call::kFetch, content.status())));
      co_return true;
    }
    if (top_lines) {
      Queue(pp::StandardReply(ReplyId::kTopFollows));
      pp::TopWriter w(*top_lines);
      w.Write(*content, &out_);
      w.Finish(&out_);
    } else {
      Queue(pp::StandardReply(ReplyId::kMessageFollows));
      // Stuffed and sent a slice at a time, so a session holds a big message once, not twice
      // (a small one still goes out with the replies pipelined around it, in one write).
      pp::MultilineWriter w;
      std::string_view rest(*content);
      while (!rest.empty()) {
        const size_t n = std::min(rest.size(), kWriteSlice);
        w.Write(rest.substr(0, n), &out_);
        rest.remove_prefix(n);
        if (out_.size() >= kWriteSlice && !co_await io_.Flush()) co_return false;
      }
      w.Finish(&out_);
    }
    env_.probe.Retrieved(content->size());
    co_return true;
  }

  awaitable<bool> Auth(const pp::Auth& a) {
    if (!a.mechanism) {
      QueueRaw(pp::MechanismListing({"PLAIN"}));
      co_return true;
    }
    if (*a.mechanism != "PLAIN") {
      Queue(pp::StandardReply(ReplyId::kMechanismUnsupported));
      co_return Error();
    }
    std::string response;
    if (a.initial_response) {
      auto d = pp::DecodeBase64(*a.initial_response);
      if (!d) {
        Queue(pp::StandardReply(ReplyId::kBadBase64));
        co_return Error();
      }
      response = *d;
    } else {
      QueueRaw(pp::SaslChallenge(""));
      if (!co_await io_.Flush()) co_return false;
      auto fill = [this] { return Fill(); };
      net::SaslLine answer = co_await net::ReadSaslLine(reader_, *conn_, fill);
      if (answer.kind == net::SaslLine::kClosed) co_return false;
      if (answer.kind == net::SaslLine::kTooLong) {
        Queue(pp::StandardReply(ReplyId::kLineTooLong));
        co_return Error();
      }
      auto r = pp::ParseSaslResponse(answer.line);
      if (r.kind == pp::SaslResponse::kCancel) {
        Queue(pp::StandardReply(ReplyId::kAuthCancelled));
        co_return true;
      }
      if (r.kind == pp::SaslResponse::kInvalid) {
        Queue(pp::StandardReply(ReplyId::kBadBase64));
        co_return Error();
      }
      response = std::move(r.data);
    }
    std::vector<std::string> responses{std::move(response)};
    const std::string label = "plain";
    bool ok = co_await Login(label, responses);
    co_return ok;
  }

  // SASL PLAIN with the client's responses (USER/PASS is PLAIN too).
  awaitable<bool> Login(const std::string& label, const std::vector<std::string>& responses) {
    auto& auth = env_.auth;
    auto call = [&auth, &responses, ip = conn_->peer().to_string()](auto done) {
      auth.AuthenticateAsync("PLAIN", responses, ip, std::move(done));
    };
    auto r = co_await net::Await<absl::StatusOr<auth::v1::AuthenticateResponse>>(call, lc_.conn);
    bool ok = co_await Finish(label, r);
    co_return ok;
  }

  // Maps auth's answer; on success locks the maildrop and takes the snapshot.
  awaitable<bool> Finish(const std::string& label,
                         const absl::StatusOr<auth::v1::AuthenticateResponse>& r) {
    using A = auth::v1::AuthenticateResponse;
    if (!r.ok()) {
      env_.probe.Auth(label, "unavailable");
      Queue(pp::StandardReply(ReplyFor(Call::kAuthenticate, r.status())));
      co_return true;
    }
    if (r->result() == A::THROTTLED) {
      env_.probe.Auth(label, "throttled");
      // Not [LOGIN-DELAY] (RFC 2449 8.1.2: logging in too often, a policy on successful logins).
      Queue(pp::StandardReply(ReplyId::kThrottled));
      co_return true;
    }
    if (r->result() != A::OK) {
      env_.probe.Auth(label, "failed");
      co_await net::Pause(absl::Milliseconds(std::min<uint64_t>(r->retry_after_ms(), 2000)));
      user_.clear();
      Queue(pp::StandardReply(ReplyId::kAuthFailed));
      co_return Error();
    }
    env_.probe.Auth(label, "ok");
    account_ = r->account();
    auto& storage = env_.storage;
    const uint32_t ttl = static_cast<uint32_t>(absl::ToInt64Seconds(env_.config.lease_ttl));
    auto acquire = [&storage, a = account_, o = conn_->id(), ttl](auto done) {
      storage.LeaseAsync(clients::LeaseOp::kAcquire, a, kLeaseName, o, ttl, std::move(done));
    };
    auto lease = co_await net::Await<absl::StatusOr<bool>>(acquire, lc_.conn);
    if (!lease.ok()) {
      Queue(pp::StandardReply(ReplyFor(Call::kLock, lease.status())));
      co_return true;
    }
    if (!*lease) {
      Queue(pp::StandardReply(ReplyId::kInUse));
      co_return false;  // RFC 2449: the client should not keep trying on this connection
    }
    locked_ = true;
    auto list = [&storage, a = account_](auto done) { storage.ListAsync(a, kInbox, std::move(done)); };
    auto drop = co_await net::Await<absl::StatusOr<clients::Maildrop>>(list, lc_.conn);
    if (!drop.ok()) {
      Queue(pp::StandardReply(ReplyFor(Call::kOpen, drop.status())));
      co_return false;
    }
    drop_ = std::move(*drop);
    deleted_.assign(drop_.messages.size(), false);
    state_ = pp::State::kTransaction;
    log::Info("pop3 login", {{"user", account_}, {"messages", std::to_string(drop_.messages.size())}}, &lc_);
    asio::co_spawn(co_await asio::this_coro::executor, KeepLease(), asio::detached);
    auto [n, octets] = Totals();
    Queue(pp::MaildropReply(n, octets));
    co_return true;
  }

  // Renews the maildrop lease while the session holds it.
  awaitable<void> KeepLease() {
    auto alive = alive_;
    const auto every = absl::ToChronoMilliseconds(env_.config.lease_ttl / 3);
    asio::steady_timer t(co_await asio::this_coro::executor);
    while (*alive && locked_) {
      t.expires_after(every);
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!*alive || !locked_) break;
      auto& storage = env_.storage;
      const uint32_t ttl = static_cast<uint32_t>(absl::ToInt64Seconds(env_.config.lease_ttl));
      auto renew = [&storage, a = account_, o = conn_->id(), ttl](auto done) {
        storage.LeaseAsync(clients::LeaseOp::kRenew, a, kLeaseName, o, ttl, std::move(done));
      };
      auto r = co_await net::Await<absl::StatusOr<bool>>(renew, lc_.conn);
      if (!*alive) break;
      if (r.ok() && !*r) {
        log::Warn("maildrop lease lost; closing", {}, &lc_);
        conn_->Close();
        break;
      }
    }
  }

  awaitable<bool> Quit() {
    if (state_ != pp::State::kTransaction) {
      Queue(pp::StandardReply(ReplyId::kBye));
      co_return false;
    }
    state_ = pp::State::kUpdate;
    std::vector<uint32_t> uids;
    for (size_t i = 0; i < drop_.messages.size(); ++i) {
      if (deleted_[i]) uids.push_back(drop_.messages[i].uid);
    }
    auto& storage = env_.storage;
    auto remove = [&storage, a = account_, &uids](auto done) {
      storage.RemoveAsync(a, kInbox, uids, std::move(done));
    };
    absl::Status s = co_await net::Await<absl::Status>(remove, lc_.conn);
    if (!s.ok()) {
      log::Warn("deletions not applied", {{"error", std::string(s.message())}}, &lc_);
      Queue(pp::StandardReply(ReplyFor(Call::kRemove, s)));
      co_return false;
    }
    env_.probe.Deleted(static_cast<int>(uids.size()));
    Queue(pp::StandardReply(ReplyId::kBye));
    co_return false;
  }

 public:
  ~Session() { *alive_ = false; }

 private:
  SessionEnv& env_;
  std::shared_ptr<net::Connection> conn_;
  pp::CommandReader reader_;
  log::Context lc_;
  net::SessionIo io_{*conn_, pp::Format(pp::StandardReply(ReplyId::kShuttingDown))};
  std::string& out_ = io_.out();
  std::string banner_;
  pp::State state_ = pp::State::kAuthorization;
  std::string user_;
  std::string account_;
  bool locked_ = false;
  bool upgrade_ = false;
  size_t errors_ = 0;
  bool reply_ok_ = false;  // the last reply queued was +OK (see Queue)
  clients::Maildrop drop_;
  std::vector<bool> deleted_;
  std::map<uint32_t, std::string> ahead_;  // UID -> content read ahead, being served
  std::shared_ptr<Batch> next_;             // the batch asked for after it
  size_t batch_size_ = kFirstBatch;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

awaitable<void> RunSession(SessionEnv& env, std::shared_ptr<net::Connection> conn) {
  Session s(env, std::move(conn));
  co_await s.Run();
}

}  // namespace tern::pop3_gateway
