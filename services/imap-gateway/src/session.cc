#include "session.h"

#include <algorithm>
#include <chrono>

#include "format.h"
#include "tern/core/error.h"

namespace tern::imap_gateway {

namespace asio = net::asio;
namespace sv = storage::v1;

// A row of the command table (STYLE.md rule 4).
struct Session::Rule {
  size_t index;  // the ip::Command alternative
  Handler handler;
  unsigned states;  // bits of State allowed
  // Where the dispatcher may send updates before the tagged answer: kNone (not selected, or
  // the handler did it), kNoExpunge (FETCH, STORE, SEARCH: RFC 3501 7.4.1), kAll.
  enum Updates { kNone, kNoExpunge, kAll } updates;
};

namespace {

constexpr unsigned kAny = 0xF;
constexpr unsigned Bit(Session::State s) { return 1u << static_cast<unsigned>(s); }
constexpr unsigned kNotAuth = Bit(Session::State::kNotAuthenticated);
constexpr unsigned kAuthed = Bit(Session::State::kAuthenticated) | Bit(Session::State::kSelected);
constexpr unsigned kSelectedOnly = Bit(Session::State::kSelected);

template <typename T>
size_t Index() {
  return ip::Command(T{}).index();
}

}  // namespace

const Session::Rule& Session::RuleFor(const ip::Command& cmd) {
  using R = Rule;
  static const Rule kRules[] = {
      {Index<ip::Capability>(), &Session::OnCapability, kAny, R::kAll},
      {Index<ip::Noop>(), &Session::OnNoop, kAny, R::kNone},
      {Index<ip::Logout>(), &Session::OnLogout, kAny, R::kNone},
      {Index<ip::StartTls>(), &Session::OnStartTls, kNotAuth, R::kNone},
      {Index<ip::Authenticate>(), &Session::OnAuthenticate, kNotAuth, R::kNone},
      {Index<ip::Login>(), &Session::OnLogin, kNotAuth, R::kNone},
      {Index<ip::Select>(), &Session::OnSelect, kAuthed, R::kNone},
      {Index<ip::Create>(), &Session::OnCreate, kAuthed, R::kAll},
      {Index<ip::Delete>(), &Session::OnDelete, kAuthed, R::kAll},
      {Index<ip::Rename>(), &Session::OnRename, kAuthed, R::kAll},
      {Index<ip::Subscribe>(), &Session::OnSubscribe, kAuthed, R::kAll},
      {Index<ip::List>(), &Session::OnList, kAuthed, R::kAll},
      {Index<ip::Status>(), &Session::OnStatus, kAuthed, R::kAll},
      {Index<ip::Append>(), &Session::OnAppend, kAuthed, R::kAll},
      {Index<ip::Check>(), &Session::OnCheck, kSelectedOnly, R::kNone},
      {Index<ip::Close>(), &Session::OnClose, kSelectedOnly, R::kNone},
      {Index<ip::Unselect>(), &Session::OnUnselect, kSelectedOnly, R::kNone},
      {Index<ip::Expunge>(), &Session::OnExpunge, kSelectedOnly, R::kAll},
      {Index<ip::Search>(), &Session::OnSearch, kSelectedOnly, R::kNoExpunge},
      {Index<ip::Fetch>(), &Session::OnFetch, kSelectedOnly, R::kNoExpunge},
      {Index<ip::Store>(), &Session::OnStore, kSelectedOnly, R::kNoExpunge},
      {Index<ip::Copy>(), &Session::OnCopy, kSelectedOnly, R::kAll},
      {Index<ip::Idle>(), &Session::OnIdle, kAuthed, R::kNone},
      {Index<ip::Namespace>(), &Session::OnNamespace, kAuthed, R::kAll},
      {Index<ip::Id>(), &Session::OnId, kAny, R::kAll},
      {Index<ip::Enable>(), &Session::OnEnable, kAuthed, R::kAll},
      {Index<ip::Unknown>(), &Session::OnUnknown, kAny, R::kNone},
  };
  static_assert(std::size(kRules) == std::variant_size_v<ip::Command>, "a row per command");
  return kRules[cmd.index()];
}

Session::Session(SessionEnv& env, std::shared_ptr<net::Connection> conn)
    : env_(env),
      conn_(std::move(conn)),
      reader_(env.limits),
      io_(*conn_, "* BYE Server shutting down\r\n"),
      out_(io_.out()) {
  lc_.conn = conn_->id();
}

Session::~Session() {
  Unsubscribe();
  if (hints_) hints_->alive = false;
}

awaitable<void> Session::Run() {
  hints_ = std::make_shared<Hints>(co_await asio::this_coro::executor);
  env_.probe.SessionOpened(conn_->listener());
  log::Info("imap connect", {{"listener", conn_->listener()}, {"ip", conn_->peer().to_string()}},
            &lc_);
  if (io_.draining()) {
    io_.QueueGoodbye();
  } else {
    // RFC 3501 7.1.1 / Dovecot: the greeting names the capabilities, saving a round trip.
    out_ += "* OK [CAPABILITY " + Capabilities() + "] " + env_.config.hostname +
            " Tern IMAP4rev1 ready\r\n";
    co_await Loop();
  }
  Unsubscribe();
  co_await Flush();
  co_await io_.Finish();
  env_.probe.SessionClosed(conn_->listener());
}

awaitable<bool> Session::Flush() {
  env_.probe.BytesOut(out_.size());
  bool ok = co_await io_.Flush();
  co_return ok;
}

awaitable<bool> Session::Fill() {
  char buf[16384];
  if (reader_.mid_command()) conn_->LinePending();
  if (!co_await Flush()) co_return false;
  const bool mid = reader_.mid_command();
  size_t n = co_await io_.Read(buf, sizeof buf, !mid);
  if (n == 0) co_return false;
  if (mid && (command_bytes_ += n) >= kLineProgress) {
    // A big literal (APPEND) on a slow link: each 64 KiB that arrives restarts the line
    // clock, so the line timeout bounds a stall, not the size of the message.
    command_bytes_ = 0;
    conn_->LineDone();
  }
  reader_.Feed(std::string_view(buf, n));
  co_return true;
}

awaitable<void> Session::Loop() {
  for (;;) {
    if (io_.draining()) {
      io_.QueueGoodbye();
      co_return;
    }
    auto next = reader_.Next();
    switch (next.kind) {
      case ip::CommandReader::Result::kNeedMore:
        if (!co_await Fill()) co_return;
        continue;
      case ip::CommandReader::Result::kContinue:
        out_ += "+ Ready for literal data\r\n";
        continue;
      case ip::CommandReader::Result::kRefused: {
        conn_->LineDone();
        if (next.fatal) {
          out_ += "* BYE ";
          ip::AppendText(next.text, &out_);
          out_ += "\r\n";
          co_return;
        }
        out_ += next.tag.empty() ? "*" : next.tag;
        if (!next.code.empty()) {
          out_ += " NO [" + next.code + "] ";
        } else {
          out_ += " BAD ";
        }
        ip::AppendText(next.text, &out_);
        out_ += "\r\n";
        env_.probe.Command("INVALID", next.code.empty() ? "bad" : "no", 0);
        if (++bad_ >= env_.limits.max_bad_commands) {
          out_ += "* BYE Too many invalid commands\r\n";
          co_return;
        }
        continue;
      }
      case ip::CommandReader::Result::kCommand: {
        conn_->LineDone();
        command_bytes_ = 0;
        ip::Parsed parsed = ip::ParseCommand(next.command, env_.limits);
        next.command.clear();
        bool go_on = co_await Dispatch(parsed);
        if (!go_on) co_return;
        if (upgrade_) {
          upgrade_ = false;
          env_.probe.BytesOut(out_.size());
          if (!co_await io_.StartTls(reader_)) co_return;
        }
        continue;
      }
      default:
        continue;
    }
  }
}

awaitable<bool> Session::Dispatch(ip::Parsed& parsed) {
  const auto start = std::chrono::steady_clock::now();
  tag_ = parsed.tag;
  result_.clear();
  tagged_.clear();
  if (!parsed.ok) {
    out_ += tag_.empty() ? "*" : tag_;
    out_ += " BAD ";
    ip::AppendText(parsed.error, &out_);
    out_ += "\r\n";
    env_.probe.Command("INVALID", "bad", 0);
    if (++bad_ >= env_.limits.max_bad_commands) {
      out_ += "* BYE Too many invalid commands\r\n";
      co_return false;
    }
    co_return true;
  }
  if (state_ == State::kNotAuthenticated &&
      ++commands_before_login_ > static_cast<size_t>(env_.config.max_commands_before_login)) {
    out_ += "* BYE Too many commands without logging in\r\n";
    env_.probe.Command(ip::CommandName(parsed.command), "bad", 0);
    co_return false;
  }
  const Rule& rule = RuleFor(parsed.command);
  const std::string_view name = ip::CommandName(parsed.command);
  bool go_on = true;
  if (!(rule.states & Bit(state_))) {
    if (state_ == State::kNotAuthenticated) {
      Bad("Log in first");
    } else if (state_ == State::kAuthenticated && (rule.states & kSelectedOnly)) {
      Bad("No mailbox selected");
    } else {
      Bad("Command not allowed now");
    }
  } else {
    go_on = co_await (this->*(rule.handler))(parsed.command);
  }
  if (go_on && selected_ && rule.updates != Rule::kNone && result_ != "bad") {
    go_on = co_await Sync(rule.updates == Rule::kAll, false);
  }
  out_ += tagged_;
  tagged_.clear();
  if (result_ == "bad" && ++bad_ >= env_.limits.max_bad_commands) {
    out_ += "* BYE Too many invalid commands\r\n";
    go_on = false;
  }
  env_.probe.Command(name, result_.empty() ? "ok" : result_,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  co_return go_on;
}

void Session::Tagged(std::string_view kind, std::string_view code, std::string_view text) {
  tagged_ = tag_.empty() ? "*" : tag_;
  tagged_ += ' ';
  tagged_ += kind;
  tagged_ += ' ';
  if (!code.empty()) {
    tagged_ += '[';
    tagged_ += code;
    tagged_ += "] ";
  }
  ip::AppendText(text, &tagged_);
  tagged_ += "\r\n";
}
void Session::Ok(std::string_view text, std::string_view code) {
  result_ = "ok";
  Tagged("OK", code, text);
}
void Session::No(std::string_view text, std::string_view code) {
  result_ = "no";
  Tagged("NO", code, text);
}
void Session::Bad(std::string_view text) {
  result_ = "bad";
  Tagged("BAD", {}, text);
}
void Session::Fail(Call call, const absl::Status& status) {
  log::Warn("storage or auth call failed",
            {{"error", std::string(status.message())}, {"reason", ReasonName(ReasonOf(status))}},
            &lc_);
  const Answer a = AnswerFor(call, status);
  if (a.kind == "BAD") {
    Bad(a.text);
  } else {
    No(a.text, a.code);
  }
}
void Session::Untagged(std::string_view text) {
  out_ += "* ";
  out_ += text;
  out_ += "\r\n";
}

bool Session::PlaintextLoginAllowed() const {
  return conn_->tls() || env_.plaintext_auth.Contains(conn_->peer());
}

std::optional<std::string> Session::MailboxName(const std::string& sent) {
  auto name = ip::DecodeMailboxName(sent);
  if (!name) {
    Bad("Mailbox name is not valid modified UTF-7");
    return std::nullopt;
  }
  while (name->size() > 1 && name->back() == '/') name->pop_back();
  if (name->empty()) {
    No("Empty mailbox name", "CANNOT");
    return std::nullopt;
  }
  return name;
}

uint32_t Session::SeqOf(uint32_t uid) const {
  const auto& u = selected_->uids;
  auto it = std::lower_bound(u.begin(), u.end(), uid);
  if (it == u.end() || *it != uid) return 0;
  return static_cast<uint32_t>(it - u.begin()) + 1;
}

bool Session::CheckSet(const ip::SequenceSet& set, bool uid) {
  if (uid) return true;  // a UID that does not exist just matches nothing
  const auto n = static_cast<uint32_t>(selected_->uids.size());
  for (const auto& r : set.ranges) {
    // "*" is always valid (also in "7:*"); a number the mailbox does not have is not
    // (RFC 3501 section 9, seq-number: the server should answer BAD).
    if (r.first != 0 && r.last != 0 && std::max(r.first, r.last) > n) {
      Bad("Invalid message sequence number");
      return false;
    }
  }
  return true;
}

std::vector<uint32_t> Session::UidsOf(const ip::SequenceSet& set, bool uid) const {
  const auto& u = selected_->uids;
  std::vector<uint32_t> out;
  if (u.empty()) return out;
  if (uid) {
    for (const auto& r : set.Resolve(u.back())) {
      auto lo = std::lower_bound(u.begin(), u.end(), r.first);
      auto hi = std::upper_bound(u.begin(), u.end(), r.last);
      out.insert(out.end(), lo, hi);
    }
  } else {
    const auto n = static_cast<uint32_t>(u.size());
    for (const auto& r : set.Resolve(n)) {
      for (uint32_t s = std::max<uint32_t>(r.first, 1); s <= std::min(r.last, n); ++s) {
        out.push_back(u[s - 1]);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Session::SetUids(const std::vector<uint32_t>& uids, sv::IdSet* set) const {
  const auto& known = selected_->uids;
  size_t at = 0;  // index in `known` of the UID before the current one
  for (size_t i = 0; i < uids.size();) {
    at = std::lower_bound(known.begin() + at, known.end(), uids[i]) - known.begin();
    size_t j = i;
    size_t k = at;
    while (j + 1 < uids.size() && k + 1 < known.size() && known[k + 1] == uids[j + 1]) ++j, ++k;
    auto* r = set->add_ranges();
    r->set_first(uids[i]);
    r->set_last(uids[j]);
    i = j + 1;
    at = k;
  }
  if (uids.empty()) {  // matches nothing: no UID is 2^32-1 (UIDNEXT would overflow)
    auto* r = set->add_ranges();
    r->set_first(0xFFFFFFFF);
    r->set_last(0xFFFFFFFF);
  }
}

std::string Session::FlagList(uint32_t flags, const std::string& keywords, bool recent) const {
  std::string s = "(";
  auto add = [&s](std::string_view f) {
    if (s.size() > 1) s += ' ';
    s += f;
  };
  if (flags & sv::FLAG_SEEN) add("\\Seen");
  if (flags & sv::FLAG_ANSWERED) add("\\Answered");
  if (flags & sv::FLAG_FLAGGED) add("\\Flagged");
  if (flags & sv::FLAG_DELETED) add("\\Deleted");
  if (flags & sv::FLAG_DRAFT) add("\\Draft");
  if (recent) add("\\Recent");
  if (!keywords.empty()) add(keywords);
  s += ')';
  return s;
}

void Session::Expunged(uint32_t uid) {
  auto& m = *selected_;
  const uint32_t seq = SeqOf(uid);
  if (seq == 0) return;
  m.uids.erase(m.uids.begin() + (seq - 1));
  m.flags.erase(m.flags.begin() + (seq - 1));
  m.keywords.erase(m.keywords.begin() + (seq - 1));
  m.recent.erase(m.recent.begin() + (seq - 1));
  Untagged(std::to_string(seq) + " EXPUNGE");
}

bool Session::ReadAhead::Take(uint32_t uid, std::string* out) {
  auto it = held_.lower_bound(uid);
  for (auto d = held_.begin(); d != it; ++d) bytes_ -= d->second.size();
  held_.erase(held_.begin(), it);
  if (it == held_.end() || it->first != uid) return false;
  bytes_ -= it->second.size();
  *out = std::move(it->second);
  held_.erase(it);
  last_ = uid;
  return true;
}

size_t Session::ReadAhead::Window(uint32_t uid) {
  window_ = last_ != 0 && uid > last_ ? std::min<size_t>(window_ == 0 ? 8 : window_ * 2, 255) : 0;
  last_ = uid;
  return window_;
}

void Session::ReadAhead::Hold(uint32_t uid, std::string content) {
  if (bytes_ + content.size() > kMaxBytes) return;
  bytes_ += content.size();
  auto [it, added] = held_.try_emplace(uid, std::move(content));
  if (!added) bytes_ -= content.size();  // already held (content was not moved from)
}

void Session::ReadAhead::Clear() {
  held_.clear();
  bytes_ = 0;
  window_ = 0;
  last_ = 0;
}

void Session::Deselect() {
  ahead_.Clear();
  selected_.reset();
  deferred_expunges_.clear();
  hints_->mailbox.clear();
  hints_->pending = false;
}

awaitable<bool> Session::Sync(bool expunges, bool force) {
  if (!selected_) co_return true;
  if (expunges && !deferred_expunges_.empty()) {
    for (uint32_t uid : deferred_expunges_) Expunged(uid);
    deferred_expunges_.clear();
  }
  if (!force && !hints_->pending) co_return true;
  hints_->pending = false;
  sv::ChangesSinceRequest req;
  req.set_account(account_);
  req.set_mailbox(selected_->name);
  req.set_modseq(selected_->modseq);
  req.set_claim_recent(!selected_->read_only);
  auto r = co_await Ask(&clients::MailStore::ChangesSince, req);
  if (!r.ok()) {
    log::Warn("catch-up failed", {{"error", std::string(r.status().message())}}, &lc_);
    if (ReasonOf(r.status()) == Reason::kNoSuchMailbox) {
      out_ += "* BYE The selected mailbox was deleted\r\n";
      co_return false;
    }
    hints_->pending = true;  // try again at the next chance
    co_return true;
  }
  auto& m = *selected_;
  if (r->uidvalidity() != m.uidvalidity) {
    out_ += "* BYE The selected mailbox was replaced (UIDVALIDITY changed)\r\n";
    co_return false;
  }
  for (uint32_t uid : r->vanished()) {
    if (SeqOf(uid) == 0) continue;
    if (expunges) {
      Expunged(uid);
    } else {
      deferred_expunges_.push_back(uid);
    }
  }
  const uint32_t last = m.uids.empty() ? 0 : m.uids.back();
  size_t added = 0;
  // New UIDs are appended in order, so the changes must be ascending (storage promises it).
  auto& changed = *r->mutable_changed();
  auto by_uid = [](const sv::FlagState& a, const sv::FlagState& b) { return a.uid() < b.uid(); };
  if (!std::is_sorted(changed.begin(), changed.end(), by_uid)) {
    std::sort(changed.begin(), changed.end(), by_uid);
  }
  std::vector<uint32_t> vanished(r->vanished().begin(), r->vanished().end());
  std::sort(vanished.begin(), vanished.end());
  for (const auto& c : changed) {
    std::string kw = JoinKeywords(c.keywords());
    if (c.uid() > last) {
      // Arrived and expunged since the last catch-up: never announced.
      if (std::binary_search(vanished.begin(), vanished.end(), c.uid())) continue;
      m.uids.push_back(c.uid());
      m.flags.push_back(c.flags());
      m.keywords.push_back(std::move(kw));
      m.recent.push_back(c.uid() > r->recent_after() && c.uid() <= r->recent_through());
      ++added;
      continue;
    }
    const uint32_t seq = SeqOf(c.uid());
    if (seq == 0) continue;
    if (m.flags[seq - 1] == c.flags() && m.keywords[seq - 1] == kw) continue;
    m.flags[seq - 1] = c.flags();
    m.keywords[seq - 1] = kw;
    Untagged(std::to_string(seq) + " FETCH (FLAGS " + FlagList(c.flags(), kw, m.recent[seq - 1]) +
             ")");
  }
  if (added > 0) {
    Untagged(std::to_string(m.uids.size()) + " EXISTS");
    const auto recent = std::count(m.recent.begin(), m.recent.end(), true);
    Untagged(std::to_string(recent) + " RECENT");
  }
  m.modseq = std::max(m.modseq, r->highestmodseq());
  if (!m.uids.empty()) m.uidnext = std::max(m.uidnext, m.uids.back() + 1);
  co_return true;
}

void Session::Subscribe() {
  if (!env_.feed || subscription_ != 0) return;
  auto hints = hints_;
  auto ex = hints_->wake.get_executor();
  subscription_ = env_.feed->Subscribe(account_, [hints, ex](const sv::ChangeHint& hint) {
    asio::post(ex, [hints, mailbox = hint.mailbox(), refused = hint.refused()] {
      if (!hints->alive || refused) return;
      if (hints->mailbox.empty()) return;
      if (!mailbox.empty() && mailbox != hints->mailbox) return;
      hints->pending = true;
      hints->wake.cancel();
    });
  });
}

void Session::Unsubscribe() {
  if (subscription_ != 0 && env_.feed) env_.feed->Unsubscribe(subscription_);
  subscription_ = 0;
}

awaitable<void> RunSession(SessionEnv& env, std::shared_ptr<net::Connection> conn) {
  Session s(env, std::move(conn));
  co_await s.Run();
}

}  // namespace tern::imap_gateway
