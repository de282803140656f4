// SEARCH and UID SEARCH (RFC 3501 6.4.4).

#include "../format.h"
#include "../session.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;
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
    case SK::kRecent: s.SetUids(recent_uids(true), out->mutable_uid()); break;
    case SK::kOld: s.SetUids(recent_uids(false), out->mutable_uid()); break;
    case SK::kNew: {
      auto* a = out->mutable_and_();
      s.SetUids(recent_uids(true), a->add_keys()->mutable_uid());
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
    case SK::kSequence: s.SetUids(s.UidsOf(k.set, false), out->mutable_uid()); break;
    case SK::kUid: s.SetUids(s.UidsOf(k.set, true), out->mutable_uid()); break;
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

}  // namespace tern::imap_gateway
