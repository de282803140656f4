// Commands on the messages of the selected mailbox: SEARCH, STORE, COPY, MOVE (and their UID
// forms), and IDLE.
#include <algorithm>

#include "../format.h"
#include "../session.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;
namespace asio = net::asio;
using SK = ip::SearchKey::Kind;

namespace {

void Day(const ip::Date& d, google::protobuf::Timestamp* t) {
  t->set_seconds(absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilDay(d.year, d.month, d.day), absl::UTCTimeZone())));
}

}  // namespace

// The codec's key as storage's, with sequence numbers and \Recent turned into UIDs here (the
// session's numbering is its own).
static void ToProto(const Session& s, const Session::Mailbox& m, const ip::SearchKey& k,
                    sv::SearchKey* out) {
  auto recent_uids = [&m](bool want) {
    std::vector<uint32_t> u;
    for (size_t i = 0; i < m.uids.size(); ++i) {
      if (m.recent[i] == want) u.push_back(m.uids[i]);
    }
    return u;
  };
  switch (k.kind) {
    case SK::kAll: out->set_all(true); break;
    case SK::kAnswered: out->set_flag_set(sv::FLAG_ANSWERED); break;
    case SK::kDeleted: out->set_flag_set(sv::FLAG_DELETED); break;
    case SK::kDraft: out->set_flag_set(sv::FLAG_DRAFT); break;
    case SK::kFlagged: out->set_flag_set(sv::FLAG_FLAGGED); break;
    case SK::kSeen: out->set_flag_set(sv::FLAG_SEEN); break;
    case SK::kUnanswered: out->set_flag_unset(sv::FLAG_ANSWERED); break;
    case SK::kUndeleted: out->set_flag_unset(sv::FLAG_DELETED); break;
    case SK::kUndraft: out->set_flag_unset(sv::FLAG_DRAFT); break;
    case SK::kUnflagged: out->set_flag_unset(sv::FLAG_FLAGGED); break;
    case SK::kUnseen: out->set_flag_unset(sv::FLAG_SEEN); break;
    case SK::kRecent: SetUids(recent_uids(true), out->mutable_uid()); break;
    case SK::kOld: SetUids(recent_uids(false), out->mutable_uid()); break;
    case SK::kNew: {
      auto* a = out->mutable_and_();
      SetUids(recent_uids(true), a->add_keys()->mutable_uid());
      a->add_keys()->set_flag_unset(sv::FLAG_SEEN);
      break;
    }
    case SK::kKeyword: out->set_keyword(k.text); break;
    case SK::kUnkeyword: out->set_unkeyword(k.text); break;
    case SK::kBcc: case SK::kCc: case SK::kFrom: case SK::kTo: case SK::kSubject: {
      const char* f = k.kind == SK::kBcc ? "bcc" : k.kind == SK::kCc ? "cc" : k.kind == SK::kFrom ? "from"
                      : k.kind == SK::kTo ? "to" : "subject";
      out->mutable_header()->set_field(f);
      out->mutable_header()->set_value(k.text);
      break;
    }
    case SK::kHeader:
      out->mutable_header()->set_field(k.field);
      out->mutable_header()->set_value(k.text);
      break;
    case SK::kBody: out->set_body(k.text); break;
    case SK::kText: out->set_text(k.text); break;
    case SK::kBefore: Day(k.date, out->mutable_before()); break;
    case SK::kOn: Day(k.date, out->mutable_on()); break;
    case SK::kSince: Day(k.date, out->mutable_since()); break;
    case SK::kSentBefore: Day(k.date, out->mutable_sent_before()); break;
    case SK::kSentOn: Day(k.date, out->mutable_sent_on()); break;
    case SK::kSentSince: Day(k.date, out->mutable_sent_since()); break;
    case SK::kLarger: out->set_larger(k.number); break;
    case SK::kSmaller: out->set_smaller(k.number); break;
    case SK::kModSeq: out->set_modseq(k.number); break;
    case SK::kSequence: SetUids(s.UidsOf(k.set, false), out->mutable_uid()); break;
    case SK::kUid: SetUids(s.UidsOf(k.set, true), out->mutable_uid()); break;
    case SK::kNot: ToProto(s, m, k.children.at(0), out->mutable_not_()); break;
    case SK::kOr:
      ToProto(s, m, k.children.at(0), out->mutable_or_()->add_keys());
      ToProto(s, m, k.children.at(1), out->mutable_or_()->add_keys());
      break;
    case SK::kAnd:
      for (const auto& c : k.children) ToProto(s, m, c, out->mutable_and_()->add_keys());
      if (k.children.empty()) out->set_all(true);
      break;
  }
}

awaitable<bool> Session::OnSearch(ip::Command& cmd) {
  auto& c = std::get<ip::Search>(cmd);
  if (!c.charset.empty() && c.charset != "UTF-8" && c.charset != "US-ASCII") {
    No("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
    co_return true;
  }
  auto& m = *selected_;
  sv::SearchRequest req;
  req.set_account(account_);
  req.set_mailbox(m.name);
  ToProto(*this, m, c.key, req.mutable_key());
  auto r = co_await Ask(&clients::MailStore::Search, req);
  if (!r.ok()) {
    Fail(Call::kRead, r.status());
    co_return true;
  }
  std::string line = "SEARCH";
  for (uint32_t uid : r->uids()) {
    const uint32_t seq = SeqOf(uid);
    if (seq == 0) continue;  // not announced to this session yet
    line += ' ';
    line += std::to_string(c.uid ? uid : seq);
  }
  Untagged(line);
  Ok(c.uid ? "UID SEARCH completed" : "SEARCH completed");
  co_return true;
}

awaitable<bool> Session::OnStore(ip::Command& cmd) {
  auto& c = std::get<ip::Store>(cmd);
  auto& m = *selected_;
  if (m.read_only) {
    No("Mailbox is read-only", "READ-ONLY");
    co_return true;
  }
  if (!CheckSet(c.set, c.uid)) co_return true;
  const auto uids = UidsOf(c.set, c.uid);
  if (uids.empty()) {
    Ok("STORE completed");
    co_return true;
  }
  sv::StoreFlagsRequest req;
  req.set_account(account_);
  req.set_mailbox(m.name);
  SetUids(uids, req.mutable_uids());
  req.set_mode(c.mode == ip::StoreMode::kAdd      ? sv::STORE_ADD
               : c.mode == ip::StoreMode::kRemove ? sv::STORE_REMOVE
                                                  : sv::STORE_REPLACE);
  uint32_t bits = 0;
  std::vector<std::string> kw;
  SplitFlags(c.flags, &bits, &kw);
  req.set_flags(bits);
  for (auto& k : kw) req.add_keywords(k);
  req.set_unchanged_since(c.unchanged_since);
  auto r = co_await Ask(&clients::MailStore::StoreFlags, req);
  if (!r.ok()) {
    Fail(Call::kWrite, r.status());
    co_return true;
  }
  std::vector<uint32_t> touched;
  for (const auto& f : r->updated()) {
    const uint32_t seq = SeqOf(f.uid());
    if (seq == 0) continue;
    m.flags[seq - 1] = f.flags();
    m.keywords[seq - 1] = JoinKeywords(f.keywords());
    touched.push_back(f.uid());
  }
  // Without .SILENT every message named gets its flags, changed or not (RFC 3501 6.4.6).
  // Messages that failed UNCHANGEDSINCE were not changed: they are named in [MODIFIED] only.
  std::vector<uint32_t> failed(r->modified().begin(), r->modified().end());
  std::sort(failed.begin(), failed.end());
  if (!c.silent) {
    for (uint32_t uid : uids) {
      const uint32_t seq = SeqOf(uid);
      if (seq == 0 || std::binary_search(failed.begin(), failed.end(), uid)) continue;
      std::string line = std::to_string(seq) + " FETCH (";
      if (c.uid) line += "UID " + std::to_string(uid) + " ";
      line += "FLAGS " + FlagList(m.flags[seq - 1], m.keywords[seq - 1], m.recent[seq - 1]) + ")";
      Untagged(line);
    }
  }
  if (r->modified_size() > 0) {
    // RFC 7162 3.1.3: UIDs for UID STORE, message sequence numbers for STORE.
    std::vector<uint32_t> mod;
    for (uint32_t uid : r->modified()) {
      const uint32_t seq = c.uid ? uid : SeqOf(uid);
      if (seq != 0) mod.push_back(seq);
    }
    std::sort(mod.begin(), mod.end());
    Ok("Some messages were modified", "MODIFIED " + ip::FormatSet(mod));
    co_return true;
  }
  Ok(c.uid ? "UID STORE completed" : "STORE completed");
  co_return true;
}

awaitable<bool> Session::OnCopy(ip::Command& cmd) {
  auto& c = std::get<ip::Copy>(cmd);
  auto& m = *selected_;
  auto to = MailboxName(c.mailbox);
  if (!to) co_return true;
  if (c.move && m.read_only) {
    No("Mailbox is read-only", "READ-ONLY");
    co_return true;
  }
  if (!CheckSet(c.set, c.uid)) co_return true;
  const auto uids = UidsOf(c.set, c.uid);
  if (uids.empty()) {
    Ok(c.move ? "MOVE completed" : "COPY completed");
    co_return true;
  }
  sv::CopyRequest req;
  req.set_account(account_);
  req.set_mailbox(m.name);
  SetUids(uids, req.mutable_uids());
  req.set_to_mailbox(*to);
  auto& store = env_.store;
  const bool move = c.move;
  auto call = [&store, &req, move](auto done) { store.Copy(req, move, std::move(done)); };
  auto r = co_await Await<absl::StatusOr<sv::CopyResponse>>(call);
  if (!r.ok()) {
    Fail(Call::kCopy, r.status());
    co_return true;
  }
  std::string code;
  // COPYUID pairs each source UID with its copy; a response that cannot be paired gets none.
  if (r->source_uids_size() > 0 && r->source_uids_size() == r->dest_uids_size()) {
    std::string src, dst;
    for (int i = 0; i < r->source_uids_size(); ++i) {
      if (i) src += ',', dst += ',';
      src += std::to_string(r->source_uids(i));
      dst += std::to_string(r->dest_uids(i));
    }
    code = "COPYUID " + std::to_string(r->uidvalidity()) + " " + src + " " + dst;
  }
  if (c.move) {
    // RFC 6851: COPYUID in an untagged OK before the EXPUNGEs.
    if (!code.empty()) Untagged("OK [" + code + "] Moved");
    for (uint32_t uid : r->source_uids()) Expunged(uid);
    // Whatever storage moved and did not name is caught up by the Sync after the command.
    if (r->source_uids_size() != static_cast<int>(uids.size())) hints_->pending = true;
    Ok("MOVE completed");
  } else {
    Ok("COPY completed", code);
  }
  if (*to == m.name) hints_->pending = true;
  co_return true;
}

// IDLE (RFC 2177): updates are sent as they come, woken by the feed's hints, until the client
// says DONE. A drain ends it with * BYE; the connection's idle timeout (30 minutes) bounds it.
awaitable<bool> Session::OnIdle(ip::Command&) {
  out_ += "+ idling\r\n";
  if (!co_await Flush()) co_return false;
  env_.probe.IdleStarted();
  struct Shared {
    bool stop = false;
    bool done = false;
    bool ok = true;
  };
  auto shared = std::make_shared<Shared>();
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer finished(ex, asio::steady_timer::time_point::max());
  // Sends the updates while the session waits for DONE; the session's strand runs one of the
  // two at a time, and only this one writes until it is stopped.
  auto notifier = [this, shared, &finished]() -> awaitable<void> {
    while (!shared->stop) {
      if (hints_->pending && selected_) {
        const bool synced = co_await Sync(true, false);
        // A failed Sync leaves its * BYE in out_: send it before closing.
        if (!co_await Flush() || !synced) {
          shared->ok = false;
          conn_->Close();
          break;
        }
        continue;
      }
      hints_->wake.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ec;
      co_await hints_->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    shared->done = true;
    finished.cancel();
  };
  asio::co_spawn(ex, notifier, asio::detached);
  bool go_on = true;
  bool done_seen = false;
  for (;;) {
    auto line = reader_.NextLine();
    if (line.kind == ip::CommandReader::Result::kLine) {
      done_seen = true;
      go_on = line.command.size() == 4 && (line.command[0] | 0x20) == 'd' &&
              (line.command[1] | 0x20) == 'o' && (line.command[2] | 0x20) == 'n' &&
              (line.command[3] | 0x20) == 'e';
      break;
    }
    if (line.kind == ip::CommandReader::Result::kTooLong) {
      done_seen = true;
      go_on = false;
      break;
    }
    char buf[4096];
    size_t n = co_await ReadIdle(buf, sizeof buf);
    if (n == 0) break;
    reader_.Feed(std::string_view(buf, n));
  }
  shared->stop = true;
  hints_->wake.cancel();
  if (!shared->done) {
    boost::system::error_code ec;
    co_await finished.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  env_.probe.IdleEnded();
  if (!done_seen || !shared->ok) {
    if (conn_->open() && io_.draining()) io_.QueueGoodbye();
    co_return false;
  }
  if (!go_on) {
    Bad("Expected DONE");
    co_return true;
  }
  Ok("IDLE terminated");
  co_return true;
}

awaitable<size_t> Session::ReadIdle(char* buf, size_t n) {
  conn_->set_interruptible(true);
  size_t got = co_await conn_->ReadSome(buf, n);
  conn_->set_interruptible(false);
  co_return got;
}

}  // namespace tern::imap_gateway
