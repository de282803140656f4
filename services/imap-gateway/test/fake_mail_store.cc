#include "fake_mail_store.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "tern/core/error.h"

namespace tern::imap_gateway::testing {

namespace sv = storage::v1;

namespace {

constexpr int64_t kInternalDate = 1767225600;  // 2026-01-01T00:00:00Z, for every message

bool InSet(const sv::IdSet& set, uint32_t id, uint32_t largest) {
  for (const auto& r : set.ranges()) {
    uint32_t a = r.first() == 0 ? largest : r.first();
    uint32_t b = r.last() == 0 ? largest : r.last();
    if (a > b) std::swap(a, b);
    if (id >= a && id <= b) return true;
  }
  return false;
}

uint64_t HeaderSize(const std::string& content) {
  const size_t end = content.find("\r\n\r\n");
  return end == std::string::npos ? content.size() : end + 4;
}

// "*" anything, "%" anything but "/".
bool Glob(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) return name.empty();
  if (pattern[0] == '*' || pattern[0] == '%') {
    for (size_t i = 0; i <= name.size(); ++i) {
      if (Glob(pattern.substr(1), name.substr(i))) return true;
      if (i < name.size() && pattern[0] == '%' && name[i] == '/') return false;
    }
    return false;
  }
  return !name.empty() && pattern[0] == name[0] && Glob(pattern.substr(1), name.substr(1));
}

class StringStream final : public clients::ContentStream {
 public:
  explicit StringStream(absl::StatusOr<std::string> data) : data_(std::move(data)) {}
  void Next(clients::Done<std::string> done) override {
    if (!data_.ok()) return done(data_.status());
    done(std::exchange(*data_, std::string()));
  }

 private:
  absl::StatusOr<std::string> data_;
};

}  // namespace

absl::Status FakeMailStore::Down() const {
  return absl::UnavailableError("storage down");
}

void FakeMailStore::AddAccount(const std::string& account) {
  absl::MutexLock lock(&mu_);
  Box inbox;
  inbox.uidvalidity = next_uidvalidity_++;
  inbox.subscribed = true;
  accounts_[account]["INBOX"] = inbox;
}

absl::StatusOr<FakeMailStore::Box*> FakeMailStore::BoxOf(const std::string& account,
                                                         const std::string& mailbox,
                                                         bool trycreate) {
  if (down_) return Down();
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return ReasonError(Reason::kNoSuchAccount, "no such account");
  const std::string name = absl::EqualsIgnoreCase(mailbox, "INBOX") ? "INBOX" : mailbox;
  auto b = a->second.find(name);
  if (b == a->second.end()) {
    return ReasonError(trycreate ? Reason::kMustCreateFirst : Reason::kNoSuchMailbox,
                       "no such mailbox");
  }
  return &b->second;
}

sv::MailboxInfo FakeMailStore::Info(const std::string& name, const Box& box) const {
  sv::MailboxInfo info;
  info.set_name(name);
  info.set_uidvalidity(box.uidvalidity);
  info.set_uidnext(box.uidnext);
  info.set_highestmodseq(box.modseq);
  info.set_messages(static_cast<uint32_t>(box.messages.size()));
  uint32_t unseen = 0, deleted = 0;
  uint64_t size = 0;
  for (size_t i = 0; i < box.messages.size(); ++i) {
    const auto& m = box.messages[i];
    if (!(m.flags & sv::FLAG_SEEN)) {
      if (unseen++ == 0) info.set_first_unseen_seq(static_cast<uint32_t>(i + 1));
    }
    if (m.flags & sv::FLAG_DELETED) ++deleted;
    size += m.content.size();
  }
  info.set_unseen(unseen);
  info.set_recent(static_cast<uint32_t>(std::count_if(
      box.messages.begin(), box.messages.end(),
      [&box](const Message& m) { return m.uid > box.recent_uid; })));
  info.set_deleted(deleted);
  info.set_size(size);
  info.set_special_use(box.special_use);
  info.set_subscribed(box.subscribed);
  return info;
}

uint32_t FakeMailStore::Add(Box& box, std::string content, uint32_t flags,
                            std::vector<std::string> keywords, int64_t internal_date) {
  Message m;
  m.uid = box.uidnext++;
  m.flags = flags;
  m.keywords = std::move(keywords);
  m.modseq = ++box.modseq;
  m.content = std::move(content);
  m.internal_date = internal_date;
  box.messages.push_back(std::move(m));
  return box.messages.back().uid;
}

void FakeMailStore::Hint(const std::string& account, const std::string& mailbox) {
  sv::ChangeHint hint;
  hint.set_account(account);
  hint.set_mailbox(mailbox);
  absl::MutexLock lock(&subs_mu_);
  for (auto& [id, sub] : subs_) {
    if (sub.first == account) sub.second(hint);
  }
}

uint32_t FakeMailStore::Deliver(const std::string& account, const std::string& mailbox,
                                const std::string& content, uint32_t flags) {
  uint32_t uid = 0;
  {
    absl::MutexLock lock(&mu_);
    auto box = BoxOf(account, mailbox);
    if (!box.ok()) return 0;
    uid = Add(**box, content, flags, {}, kInternalDate);
  }
  Hint(account, mailbox);
  return uid;
}

void FakeMailStore::SetFlags(const std::string& account, const std::string& mailbox,
                             uint32_t uid, uint32_t flags) {
  {
    absl::MutexLock lock(&mu_);
    auto box = BoxOf(account, mailbox);
    if (!box.ok()) return;
    for (auto& m : (*box)->messages) {
      if (m.uid == uid) {
        m.flags = flags;
        m.modseq = ++(*box)->modseq;
      }
    }
  }
  Hint(account, mailbox);
}

void FakeMailStore::Remove(const std::string& account, const std::string& mailbox, uint32_t uid) {
  {
    absl::MutexLock lock(&mu_);
    auto box = BoxOf(account, mailbox);
    if (!box.ok()) return;
    auto& msgs = (*box)->messages;
    auto it = std::find_if(msgs.begin(), msgs.end(), [uid](auto& m) { return m.uid == uid; });
    if (it == msgs.end()) return;
    msgs.erase(it);
    (*box)->gone[uid] = ++(*box)->modseq;
  }
  Hint(account, mailbox);
}

void FakeMailStore::SetUnavailable(bool down) {
  absl::MutexLock lock(&mu_);
  down_ = down;
}

uint64_t FakeMailStore::Subscribe(const std::string& account, Callback cb) {
  absl::MutexLock lock(&subs_mu_);
  subs_[next_sub_] = {account, std::move(cb)};
  return next_sub_++;
}

void FakeMailStore::Unsubscribe(uint64_t id) {
  absl::MutexLock lock(&subs_mu_);
  subs_.erase(id);
}

std::pair<uint32_t, uint32_t> FakeMailStore::Recent(Box& box, bool claim) {
  const uint32_t last = box.uidnext - 1;
  if (!claim) return {box.recent_uid, last};
  if (box.recent_uid >= last) return {0, 0};
  return {std::exchange(box.recent_uid, last), last};
}

void FakeMailStore::Select(sv::SelectRequest req, clients::Done<clients::SelectedMailbox> done) {
  absl::MutexLock lock(&mu_);
  auto box = BoxOf(req.account(), req.mailbox());
  if (!box.ok()) return done(box.status());
  clients::SelectedMailbox out;
  const std::string name = absl::EqualsIgnoreCase(req.mailbox(), "INBOX") ? "INBOX" : req.mailbox();
  out.mailbox = Info(name, **box);
  std::tie(out.recent_after, out.recent_through) = Recent(**box, req.claim_recent());
  for (const auto& m : (*box)->messages) {
    out.uids.push_back(m.uid);
    out.flags.push_back(m.flags);
    out.modseqs.push_back(m.modseq);
    std::string kw;
    for (const auto& k : m.keywords) kw += (kw.empty() ? "" : " ") + k;
    out.keywords.push_back(kw);
  }
  done(std::move(out));
}

void FakeMailStore::Status(sv::StatusRequest req, clients::Done<sv::StatusResponse> done) {
  absl::MutexLock lock(&mu_);
  auto box = BoxOf(req.account(), req.mailbox());
  if (!box.ok()) return done(box.status());
  sv::StatusResponse r;
  *r.mutable_mailbox() = Info(req.mailbox(), **box);
  done(std::move(r));
}

void FakeMailStore::List(sv::ListMailboxesRequest req,
                         clients::Done<sv::ListMailboxesResponse> done) {
  absl::MutexLock lock(&mu_);
  if (down_) return done(Down());
  sv::ListMailboxesResponse r;
  auto& account = accounts_[req.account()];
  const std::string pattern = req.reference() + req.pattern();
  for (const auto& [name, box] : account) {
    if (!Glob(pattern, name)) continue;
    if (req.subscribed_only() && !box.subscribed) continue;
    auto* info = r.add_mailboxes();
    *info = Info(name, box);
    for (const auto& [other, unused] : account) {
      if (absl::StartsWith(other, name + "/")) info->set_has_children(true);
    }
  }
  done(std::move(r));
}

void FakeMailStore::Create(sv::CreateMailboxRequest req,
                           clients::Done<sv::CreateMailboxResponse> done) {
  absl::MutexLock lock(&mu_);
  if (down_) return done(Down());
  auto& account = accounts_[req.account()];
  if (account.count(req.name()) || absl::EqualsIgnoreCase(req.name(), "INBOX")) {
    return done(ReasonError(Reason::kAlreadyExists, "mailbox exists"));
  }
  Box box;
  box.uidvalidity = next_uidvalidity_++;
  box.special_use = req.special_use();
  account[req.name()] = box;
  sv::CreateMailboxResponse r;
  *r.mutable_mailbox() = Info(req.name(), box);
  done(std::move(r));
}

void FakeMailStore::Rename(sv::RenameMailboxRequest req, clients::DoneStatus done) {
  absl::MutexLock lock(&mu_);
  auto box = BoxOf(req.account(), req.from());
  if (!box.ok()) return done(box.status());
  auto& account = accounts_[req.account()];
  if (account.count(req.to())) return done(ReasonError(Reason::kAlreadyExists, "mailbox exists"));
  Box moved = std::move(**box);
  moved.uidvalidity = next_uidvalidity_++;
  account.erase(req.from());
  account[req.to()] = std::move(moved);
  done(absl::OkStatus());
}

void FakeMailStore::Delete(sv::DeleteMailboxRequest req, clients::DoneStatus done) {
  absl::MutexLock lock(&mu_);
  auto box = BoxOf(req.account(), req.name());
  if (!box.ok()) return done(box.status());
  if (absl::EqualsIgnoreCase(req.name(), "INBOX")) {
    return done(ReasonError(Reason::kNotAllowed, "INBOX cannot be deleted"));
  }
  accounts_[req.account()].erase(req.name());
  done(absl::OkStatus());
}

void FakeMailStore::Subscribe(sv::SetSubscribedRequest req, clients::DoneStatus done) {
  absl::MutexLock lock(&mu_);
  auto box = BoxOf(req.account(), req.name());
  if (!box.ok()) return done(box.status());
  (*box)->subscribed = req.subscribed();
  done(absl::OkStatus());
}

void FakeMailStore::Append(sv::AppendRequest req, clients::Done<sv::AppendResponse> done) {
  sv::AppendResponse r;
  {
    absl::MutexLock lock(&mu_);
    auto box = BoxOf(req.account(), req.mailbox(), /*trycreate=*/true);
    if (!box.ok()) return done(box.status());
    std::vector<std::string> kw(req.keywords().begin(), req.keywords().end());
    const int64_t date = req.has_internal_date() ? req.internal_date().seconds() : kInternalDate;
    r.set_uid(Add(**box, req.content(), req.flags(), std::move(kw), date));
    r.set_uidvalidity((*box)->uidvalidity);
    r.set_modseq((*box)->modseq);
  }
  Hint(req.account(), req.mailbox());
  done(std::move(r));
}

void FakeMailStore::FetchMetadata(sv::FetchMetadataRequest req,
                                  clients::Done<std::vector<sv::MessageMetadata>> done) {
  absl::MutexLock lock(&mu_);
  auto box = BoxOf(req.account(), req.mailbox());
  if (!box.ok()) return done(box.status());
  std::vector<sv::MessageMetadata> out;
  const uint32_t largest = (*box)->uidnext - 1;
  for (const auto& m : (*box)->messages) {
    if (!InSet(req.uids(), m.uid, largest) || m.modseq <= req.changed_since()) continue;
    sv::MessageMetadata md;
    md.set_uid(m.uid);
    md.set_flags(m.flags);
    for (const auto& k : m.keywords) md.add_keywords(k);
    md.mutable_internal_date()->set_seconds(m.internal_date);
    md.set_size(m.content.size());
    md.set_modseq(m.modseq);
    md.set_header_size(HeaderSize(m.content));
    if (req.envelope()) md.mutable_envelope();
    out.push_back(std::move(md));
  }
  done(std::move(out));
}

void FakeMailStore::FetchMessages(sv::FetchMessagesRequest req,
                                  clients::Done<std::vector<sv::FetchMessagesResponse>> done) {
  absl::MutexLock lock(&mu_);
  auto box = BoxOf(req.account(), req.mailbox());
  if (!box.ok()) return done(box.status());
  std::vector<sv::FetchMessagesResponse> out;
  for (const auto& m : (*box)->messages) {
    if (std::find(req.uids().begin(), req.uids().end(), m.uid) == req.uids().end()) continue;
    if (req.max_message_bytes() && m.content.size() > req.max_message_bytes()) continue;
    sv::FetchMessagesResponse r;
    r.set_uid(m.uid);
    r.set_content(m.content);
    out.push_back(std::move(r));
  }
  done(std::move(out));
}

void FakeMailStore::FetchContent(sv::FetchContentRequest req, clients::Done<std::string> done) {
  absl::MutexLock lock(&mu_);
  auto box = BoxOf(req.account(), req.mailbox());
  if (!box.ok()) return done(box.status());
  for (const auto& m : (*box)->messages) {
    if (m.uid != req.uid()) continue;
    const uint64_t header = HeaderSize(m.content);
    std::string data;
    switch (req.what()) {
      case sv::FetchContentRequest::FULL: data = m.content; break;
      case sv::FetchContentRequest::HEADER: data = m.content.substr(0, header); break;
      case sv::FetchContentRequest::TEXT: data = m.content.substr(header); break;
      default: return done(ReasonError(Reason::kNoSuchPart, "the fake has no MIME parts"));
    }
    if (req.offset() >= data.size()) return done(std::string());
    return done(data.substr(req.offset(), req.length() ? req.length() : std::string::npos));
  }
  done(ReasonError(Reason::kNoSuchMessage, "no such message"));
}

std::unique_ptr<clients::ContentStream> FakeMailStore::OpenSection(sv::FetchContentRequest req) {
  absl::StatusOr<std::string> data;
  FetchContent(std::move(req), [&data](absl::StatusOr<std::string> r) { data = std::move(r); });
  return std::make_unique<StringStream>(std::move(data));
}

void FakeMailStore::StoreFlags(sv::StoreFlagsRequest req,
                               clients::Done<sv::StoreFlagsResponse> done) {
  sv::StoreFlagsResponse r;
  bool changed = false;
  {
    absl::MutexLock lock(&mu_);
    auto box = BoxOf(req.account(), req.mailbox());
    if (!box.ok()) return done(box.status());
    const uint32_t largest = (*box)->uidnext - 1;
    for (auto& m : (*box)->messages) {
      if (!InSet(req.uids(), m.uid, largest)) continue;
      if (req.unchanged_since() && m.modseq > req.unchanged_since()) {
        r.add_modified(m.uid);
        continue;
      }
      uint32_t flags = m.flags;
      std::vector<std::string> kw = m.keywords;
      std::vector<std::string> given(req.keywords().begin(), req.keywords().end());
      switch (req.mode()) {
        case sv::STORE_ADD:
          flags |= req.flags();
          for (auto& k : given) {
            if (std::find(kw.begin(), kw.end(), k) == kw.end()) kw.push_back(k);
          }
          break;
        case sv::STORE_REMOVE:
          flags &= ~req.flags();
          for (auto& k : given) kw.erase(std::remove(kw.begin(), kw.end(), k), kw.end());
          break;
        default:
          flags = req.flags();
          kw = given;
          break;
      }
      if (flags != m.flags || kw != m.keywords) {
        m.flags = flags;
        m.keywords = kw;
        m.modseq = ++(*box)->modseq;
        changed = true;
      }
      auto* f = r.add_updated();
      f->set_uid(m.uid);
      f->set_flags(m.flags);
      for (const auto& k : m.keywords) f->add_keywords(k);
      f->set_modseq(m.modseq);
    }
    r.set_highestmodseq((*box)->modseq);
  }
  if (changed) Hint(req.account(), req.mailbox());
  done(std::move(r));
}

void FakeMailStore::Copy(sv::CopyRequest req, bool move, clients::Done<sv::CopyResponse> done) {
  sv::CopyResponse r;
  {
    absl::MutexLock lock(&mu_);
    auto from = BoxOf(req.account(), req.mailbox());
    if (!from.ok()) return done(from.status());
    auto to = BoxOf(req.account(), req.to_mailbox(), /*trycreate=*/true);
    if (!to.ok()) return done(to.status());
    const uint32_t largest = (*from)->uidnext - 1;
    std::vector<Message> picked;
    for (const auto& m : (*from)->messages) {
      if (InSet(req.uids(), m.uid, largest)) picked.push_back(m);
    }
    for (const auto& m : picked) {
      r.add_source_uids(m.uid);
      r.add_dest_uids(Add(**to, m.content, m.flags, m.keywords, m.internal_date));
    }
    r.set_uidvalidity((*to)->uidvalidity);
    if (move) {
      auto& msgs = (*from)->messages;
      for (const auto& m : picked) {
        msgs.erase(std::find_if(msgs.begin(), msgs.end(), [&m](auto& x) { return x.uid == m.uid; }));
        (*from)->gone[m.uid] = ++(*from)->modseq;
      }
    }
  }
  Hint(req.account(), req.to_mailbox());
  if (move) Hint(req.account(), req.mailbox());
  done(std::move(r));
}

void FakeMailStore::Expunge(sv::ExpungeRequest req, clients::Done<sv::ExpungeResponse> done) {
  sv::ExpungeResponse r;
  {
    absl::MutexLock lock(&mu_);
    auto box = BoxOf(req.account(), req.mailbox());
    if (!box.ok()) return done(box.status());
    const uint32_t largest = (*box)->uidnext - 1;
    auto& msgs = (*box)->messages;
    for (auto it = msgs.begin(); it != msgs.end();) {
      const bool named = req.uids().ranges_size() == 0 || InSet(req.uids(), it->uid, largest);
      const bool deleted = req.ignore_deleted_flag() || (it->flags & sv::FLAG_DELETED);
      if (named && deleted) {
        r.add_expunged(it->uid);
        (*box)->gone[it->uid] = ++(*box)->modseq;
        it = msgs.erase(it);
      } else {
        ++it;
      }
    }
    r.set_highestmodseq((*box)->modseq);
  }
  if (r.expunged_size() > 0) Hint(req.account(), req.mailbox());
  done(std::move(r));
}

void FakeMailStore::ChangesSince(sv::ChangesSinceRequest req,
                                 clients::Done<sv::ChangesSinceResponse> done) {
  absl::MutexLock lock(&mu_);
  auto box = BoxOf(req.account(), req.mailbox());
  if (!box.ok()) return done(box.status());
  sv::ChangesSinceResponse r;
  for (const auto& m : (*box)->messages) {
    if (m.modseq <= req.modseq()) continue;
    auto* f = r.add_changed();
    f->set_uid(m.uid);
    f->set_flags(m.flags);
    for (const auto& k : m.keywords) f->add_keywords(k);
    f->set_modseq(m.modseq);
  }
  for (const auto& [uid, modseq] : (*box)->gone) {
    if (modseq > req.modseq()) r.add_vanished(uid);
  }
  r.set_highestmodseq((*box)->modseq);
  r.set_uidvalidity((*box)->uidvalidity);
  auto [after, through] = Recent(**box, req.claim_recent());
  r.set_recent_after(after);
  r.set_recent_through(through);
  done(std::move(r));
}

absl::StatusOr<bool> FakeMailStore::Matches(const sv::SearchKey& key, const Box& box,
                                            size_t index) {
  const Message& m = box.messages[index];
  switch (key.key_case()) {
    case sv::SearchKey::kAll: return true;
    case sv::SearchKey::kFlagSet: return (m.flags & key.flag_set()) != 0;
    case sv::SearchKey::kFlagUnset: return (m.flags & key.flag_unset()) == 0;
    case sv::SearchKey::kNew: return (m.flags & sv::FLAG_SEEN) == 0;
    case sv::SearchKey::kKeyword:
      return std::find(m.keywords.begin(), m.keywords.end(), key.keyword()) != m.keywords.end();
    case sv::SearchKey::kUnkeyword:
      return std::find(m.keywords.begin(), m.keywords.end(), key.unkeyword()) == m.keywords.end();
    case sv::SearchKey::kLarger: return m.content.size() > key.larger();
    case sv::SearchKey::kSmaller: return m.content.size() < key.smaller();
    case sv::SearchKey::kModseq: return m.modseq >= key.modseq();
    case sv::SearchKey::kUid: return InSet(key.uid(), m.uid, box.uidnext - 1);
    case sv::SearchKey::kSeq:
      return InSet(key.seq(), static_cast<uint32_t>(index + 1),
                   static_cast<uint32_t>(box.messages.size()));
    case sv::SearchKey::kText:
    case sv::SearchKey::kBody:
      return absl::StrContains(absl::AsciiStrToLower(m.content),
                               absl::AsciiStrToLower(key.key_case() == sv::SearchKey::kText
                                                         ? key.text()
                                                         : key.body()));
    case sv::SearchKey::kAnd:
    case sv::SearchKey::kOr: {
      const bool all = key.key_case() == sv::SearchKey::kAnd;
      const auto& keys = all ? key.and_().keys() : key.or_().keys();
      for (const auto& k : keys) {
        auto r = Matches(k, box, index);
        if (!r.ok()) return r;
        if (*r != all) return !all;
      }
      return all;
    }
    case sv::SearchKey::kNot: {
      auto r = Matches(key.not_(), box, index);
      if (!r.ok()) return r;
      return !*r;
    }
    default: return absl::UnimplementedError("the fake cannot search by this key");
  }
}

void FakeMailStore::Search(sv::SearchRequest req, clients::Done<sv::SearchResponse> done) {
  absl::MutexLock lock(&mu_);
  auto box = BoxOf(req.account(), req.mailbox());
  if (!box.ok()) return done(box.status());
  sv::SearchResponse r;
  for (size_t i = 0; i < (*box)->messages.size(); ++i) {
    auto match = Matches(req.key(), **box, i);
    if (!match.ok()) return done(match.status());
    if (!*match) continue;
    r.add_uids((*box)->messages[i].uid);
    r.set_highestmodseq(std::max(r.highestmodseq(), (*box)->messages[i].modseq));
  }
  done(std::move(r));
}

void FakeMailStore::GetQuota(sv::GetQuotaRequest, clients::Done<sv::Quota> done) {
  absl::MutexLock lock(&mu_);
  if (down_) return done(Down());
  done(sv::Quota());
}

}  // namespace tern::imap_gateway::testing
