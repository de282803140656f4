// One IMAP connection over the tern::imap_protocol codec (RFC 3501 states: not authenticated,
// authenticated, selected, logout). The command table in session.cc gives each command its
// handler (src/commands/*.cc) and the states it is allowed in; the dispatcher records every
// command's name, result and duration, and decides where unsolicited updates (EXISTS,
// EXPUNGE, FETCH FLAGS) may be sent.
//
// The selected mailbox is the session's own view: message sequence numbers map to UIDs in
// `uids_`, and change only where RFC 3501 7.4.1 allows (never an EXPUNGE while answering
// FETCH, STORE or SEARCH). Changes made by anyone (another session, another replica, a
// delivery) reach the session as hints from the process's one ChangeFeed; the session then
// catches up by MODSEQ with ChangesSince, so a missed hint only delays what NOOP finds anyway.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probe.h"
#include "tern/clients/change_feed.h"
#include "tern/clients/clients.h"
#include "tern/clients/mail_store.h"
#include "tern/core/log.h"
#include "tern/imap_gateway/config.h"
#include "tern/imap_protocol/imap_protocol.h"
#include "tern/net/cidr.h"
#include "tern/net/server.h"
#include "tern/net/session_io.h"
#include "error_mapping.h"

namespace tern::imap_gateway {

struct SessionEnv {
  const ImapConfig& config;
  imap_protocol::Limits limits;
  net::Networks plaintext_auth;
  clients::AuthClient& auth;
  clients::MailStore& store;
  clients::HintSource* feed;  // null: no hints (NOOP still finds changes)
  Probe& probe;
};

net::asio::awaitable<void> RunSession(SessionEnv& env, std::shared_ptr<net::Connection> conn);

namespace ip = ::tern::imap_protocol;
using net::asio::awaitable;

class Session {
 public:
  Session(SessionEnv& env, std::shared_ptr<net::Connection> conn);
  ~Session();
  awaitable<void> Run();

  enum class State { kNotAuthenticated, kAuthenticated, kSelected, kLogout };

  // ---- handlers (src/commands/*.cc); false ends the session ----
  awaitable<bool> OnCapability(ip::Command& cmd);
  awaitable<bool> OnNoop(ip::Command& cmd);
  awaitable<bool> OnLogout(ip::Command& cmd);
  awaitable<bool> OnStartTls(ip::Command& cmd);
  awaitable<bool> OnAuthenticate(ip::Command& cmd);
  awaitable<bool> OnLogin(ip::Command& cmd);
  awaitable<bool> OnSelect(ip::Command& cmd);
  awaitable<bool> OnCreate(ip::Command& cmd);
  awaitable<bool> OnDelete(ip::Command& cmd);
  awaitable<bool> OnRename(ip::Command& cmd);
  awaitable<bool> OnSubscribe(ip::Command& cmd);
  awaitable<bool> OnList(ip::Command& cmd);
  awaitable<bool> OnStatus(ip::Command& cmd);
  awaitable<bool> OnAppend(ip::Command& cmd);
  awaitable<bool> OnCheck(ip::Command& cmd);
  awaitable<bool> OnClose(ip::Command& cmd);
  awaitable<bool> OnUnselect(ip::Command& cmd);
  awaitable<bool> OnExpunge(ip::Command& cmd);
  awaitable<bool> OnSearch(ip::Command& cmd);
  awaitable<bool> OnFetch(ip::Command& cmd);
  awaitable<bool> OnStore(ip::Command& cmd);
  awaitable<bool> OnCopy(ip::Command& cmd);
  awaitable<bool> OnIdle(ip::Command& cmd);
  awaitable<bool> OnNamespace(ip::Command& cmd);
  awaitable<bool> OnId(ip::Command& cmd);
  awaitable<bool> OnEnable(ip::Command& cmd);
  awaitable<bool> OnUnknown(ip::Command& cmd);

  // ---- shared by the handlers ----
  // The tagged answer of the command under way; the dispatcher records `kind` as its result.
  void Ok(std::string_view text, std::string_view code = {});
  void No(std::string_view text, std::string_view code = {});
  void Bad(std::string_view text);
  void Fail(Call call, const absl::Status& status);  // logs, then the table's answer
  // Untagged "* <text>\r\n".
  void Untagged(std::string_view text);
  std::string& out() { return out_; }
  awaitable<bool> Flush();
  // Sends a literal of `size` octets read chunk by chunk with OpenSection(req) (commands/
  // fetch.cc); false when the stream broke off and the connection must end.
  awaitable<bool> StreamLiteral(storage::v1::FetchContentRequest& req, uint64_t size);

  // Awaits `start(done)` (a client call) with this session's request id.
  template <typename Result, typename Start>
  awaitable<Result> Await(Start& start) {
    co_return co_await net::Await<Result>(start, lc_.conn);
  }
  // Calls a mail store method with (a copy of) `req`, a named request that outlives the
  // call, and awaits its answer: co_await Ask(&clients::MailStore::Status, req).
  template <typename Req, typename Answer>
  awaitable<Answer> Ask(void (clients::MailStore::*method)(Req, std::function<void(Answer)>),
                        const Req& req) {
    auto& store = env_.store;
    auto start = [&store, method, &req](auto done) { (store.*method)(req, std::move(done)); };
    co_return co_await Await<Answer>(start);
  }

  // A mail store call started ahead of need (FETCH asks for batch n+1 while it writes batch
  // n); its answer lands on the session's executor. Await it with WaitFor.
  template <typename Answer>
  struct Pending {
    explicit Pending(const net::asio::any_io_executor& ex)
        : wake(ex, net::asio::steady_timer::time_point::max()) {}
    std::optional<Answer> answer;
    net::asio::steady_timer wake;
  };
  template <typename Req, typename Answer>
  std::shared_ptr<Pending<Answer>> Start(
      void (clients::MailStore::*method)(Req, std::function<void(Answer)>), const Req& req) {
    auto p = std::make_shared<Pending<Answer>>(hints_->wake.get_executor());
    log::ScopedRequest request(lc_.conn);
    (env_.store.*method)(req, [p](Answer a) {
      auto ex = p->wake.get_executor();
      net::asio::post(ex, [p, a = std::move(a)]() mutable {
        p->answer = std::move(a);
        p->wake.cancel();
      });
    });
    return p;
  }
  // Until `p` has its answer (taken by reference: GCC 12, see net::Await).
  template <typename Answer>
  awaitable<void> WaitFor(Pending<Answer>& p) {
    while (!p.answer) {
      boost::system::error_code ec;
      co_await p.wake.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ec));
      p.wake.expires_at(net::asio::steady_timer::time_point::max());
    }
  }

  // The selected mailbox, as this session knows it.
  struct Mailbox {
    std::string name;  // UTF-8, as storage names it
    bool read_only = false;
    uint32_t uidvalidity = 0;
    uint32_t uidnext = 0;
    uint64_t modseq = 0;  // caught up to this HIGHESTMODSEQ
    std::vector<uint32_t> uids;  // seq n is uids[n-1]
    std::vector<uint32_t> flags;
    std::vector<std::string> keywords;  // space-joined, as storage gives them
    std::vector<bool> recent;
    std::vector<std::string> permanent_keywords;
  };
  // Sequence number of `uid` (1-based), 0 when the session does not know it.
  uint32_t SeqOf(uint32_t uid) const;
  // The UIDs a set names: sequence numbers (uid false) or UIDs; ascending, only those the
  // session knows.
  std::vector<uint32_t> UidsOf(const ip::SequenceSet& set, bool uid) const;
  // Ascending UIDs the session knows, as storage's IdSet: a range per run of them that is
  // consecutive in the session's map, gaps of messages already gone included (there is no
  // message in such a gap), so 1:* of a gappy mailbox is one range. None: a set matching
  // nothing.
  void SetUids(const std::vector<uint32_t>& uids, storage::v1::IdSet* set) const;
  // False, with BAD queued, when a set of sequence numbers names a message that does not exist.
  bool CheckSet(const ip::SequenceSet& set, bool uid);
  // Catches up with storage and queues the updates allowed now: EXPUNGE only with
  // `expunges`. `force`: ask storage even without a hint.
  awaitable<bool> Sync(bool expunges, bool force);
  // Forgets an expunged UID, queuing "* n EXPUNGE".
  void Expunged(uint32_t uid);
  void Deselect();

  std::string FlagList(uint32_t flags, const std::string& keywords, bool recent) const;
  const std::string& account() const { return account_; }
  const log::Context& lc() const { return lc_; }
  SessionEnv& env() { return env_; }
  net::Connection& conn() { return *conn_; }
  Mailbox& selected() { return *selected_; }
  bool has_selected() const { return selected_.has_value(); }
  bool PlaintextLoginAllowed() const;
  // What CAPABILITY lists in the current state (and the greeting).
  std::string Capabilities() const;
  const std::string& tag() const { return tag_; }
  // A mailbox name from the client (modified UTF-7) as storage names it; nullopt: BAD queued.
  std::optional<std::string> MailboxName(const std::string& sent);

 private:
  using Handler = awaitable<bool> (Session::*)(ip::Command&);
  struct Rule;
  static const Rule& RuleFor(const ip::Command& cmd);
  awaitable<void> Loop();
  awaitable<bool> Fill();
  awaitable<bool> Dispatch(ip::Parsed& parsed);
  awaitable<bool> Login(const std::string& mechanism, std::vector<std::string> responses);
  awaitable<size_t> ReadIdle(char* buf, size_t n);
  void Tagged(std::string_view kind, std::string_view code, std::string_view text);
  void Subscribe();
  void Unsubscribe();

  SessionEnv& env_;
  std::shared_ptr<net::Connection> conn_;
  ip::CommandReader reader_;
  log::Context lc_;
  net::SessionIo io_;
  std::string& out_;
  State state_ = State::kNotAuthenticated;
  std::string account_;
  std::string tag_;         // of the command under way
  std::string result_;      // "ok", "no" or "bad": its tagged answer
  bool upgrade_ = false;    // STARTTLS answered: upgrade after the flush
  size_t bad_ = 0;
  size_t commands_before_login_ = 0;
  // Octets of the command under way since the line clock last restarted (Fill).
  size_t command_bytes_ = 0;
  static constexpr size_t kLineProgress = 64 * 1024;
  std::optional<Mailbox> selected_;
  // Hints: set by the feed (on the session's executor), cleared by Sync.
  // What the feed tells a session, kept on the session's executor: a hint for the selected
  // mailbox (or "re-read the account") marks it pending and wakes an IDLE.
  struct Hints {
    explicit Hints(const net::asio::any_io_executor& ex)
        : wake(ex, net::asio::steady_timer::time_point::max()) {}
    std::string mailbox;  // the selected one, "" when none
    bool pending = false;
    bool alive = true;
    net::asio::steady_timer wake;
  };
  std::shared_ptr<Hints> hints_;
  uint64_t subscription_ = 0;
  std::string tagged_;  // the tagged answer, queued after the updates
  // Read-ahead for a client walking the mailbox one UID FETCH at a time (as tern-pop3 reads
  // ahead for RETR): the contents of the next UIDs come with the one asked for and are held
  // here until asked for. Contents never change under a UID, so nothing held goes stale.
  class ReadAhead {
   public:
    // Moves the held content of `uid` to *out; false when it is not held. Whatever is held
    // below `uid` is dropped (the client has gone past it).
    bool Take(uint32_t uid, std::string* out);
    // How many of the UIDs after `uid` to fetch with it: none unless the client is walking
    // upwards, then 8, doubling at each miss up to 255 (storage takes 256 per call).
    size_t Window(uint32_t uid);
    // Keeps `content` for a later Take, within kMaxBytes in all.
    void Hold(uint32_t uid, std::string content);
    void Clear();

   private:
    static constexpr size_t kMaxBytes = 4 << 20;
    std::map<uint32_t, std::string> held_;
    size_t bytes_ = 0;
    size_t window_ = 0;
    uint32_t last_ = 0;
  };
  ReadAhead ahead_;
  std::vector<uint32_t> deferred_expunges_;  // UIDs expunged elsewhere, not yet reported
};

}  // namespace tern::imap_gateway
