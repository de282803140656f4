#include "convert.h"

#include <limits>

namespace tern::storage {
namespace {

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& in) {
  return {in.begin(), in.end()};
}

IdSet Set(const pb::IdSet& in) {
  IdSet out;
  out.reserve(in.ranges_size());
  for (const auto& r : in.ranges()) out.push_back({r.first(), r.last()});
  return out;
}

// Unix seconds, or none for the zero timestamp ("not given").
std::optional<int64_t> Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return std::nullopt;
  return t.seconds();
}

int64_t Clamp(uint64_t v) {
  return static_cast<int64_t>(std::min<uint64_t>(v, std::numeric_limits<int64_t>::max()));
}

SearchKey Key(const pb::SearchKey& in) {
  using K = SearchKey::Kind;
  SearchKey k;
  auto number = [&](K kind, int64_t n) {
    k.kind = kind;
    k.number = n;
  };
  auto text = [&](K kind, const std::string& t) {
    k.kind = kind;
    k.text = t;
  };
  auto children = [&](K kind, const pb::SearchKeys& keys) {
    k.kind = kind;
    for (const auto& c : keys.keys()) k.children.push_back(Key(c));
  };
  switch (in.key_case()) {
    case pb::SearchKey::KEY_NOT_SET:
    case pb::SearchKey::kAll: k.kind = K::kAll; break;
    case pb::SearchKey::kFlagSet: number(K::kFlagSet, in.flag_set()); break;
    case pb::SearchKey::kFlagUnset: number(K::kFlagUnset, in.flag_unset()); break;
    case pb::SearchKey::kNew: k.kind = K::kNew; break;
    case pb::SearchKey::kKeyword: text(K::kKeyword, in.keyword()); break;
    case pb::SearchKey::kUnkeyword: text(K::kUnkeyword, in.unkeyword()); break;
    case pb::SearchKey::kBefore: number(K::kBefore, in.before().seconds()); break;
    case pb::SearchKey::kOn: number(K::kOn, in.on().seconds()); break;
    case pb::SearchKey::kSince: number(K::kSince, in.since().seconds()); break;
    case pb::SearchKey::kSentBefore: number(K::kSentBefore, in.sent_before().seconds()); break;
    case pb::SearchKey::kSentOn: number(K::kSentOn, in.sent_on().seconds()); break;
    case pb::SearchKey::kSentSince: number(K::kSentSince, in.sent_since().seconds()); break;
    case pb::SearchKey::kLarger: number(K::kLarger, Clamp(in.larger())); break;
    case pb::SearchKey::kSmaller: number(K::kSmaller, Clamp(in.smaller())); break;
    case pb::SearchKey::kModseq: number(K::kModseq, Clamp(in.modseq())); break;
    case pb::SearchKey::kHeader:
      text(K::kHeader, in.header().value());
      k.field = in.header().field();
      break;
    case pb::SearchKey::kText: text(K::kText, in.text()); break;
    case pb::SearchKey::kBody: text(K::kBody, in.body()); break;
    case pb::SearchKey::kUid:
      k.kind = K::kUid;
      k.set = Set(in.uid());
      break;
    case pb::SearchKey::kSeq:
      k.kind = K::kSeq;
      k.set = Set(in.seq());
      break;
    case pb::SearchKey::kAnd: children(K::kAnd, in.and_()); break;
    case pb::SearchKey::kOr: children(K::kOr, in.or_()); break;
    case pb::SearchKey::kNot:
      k.kind = K::kNot;
      k.children.push_back(Key(in.not_()));
      break;
  }
  return k;
}

void FlagStateToProto(const FlagState& in, pb::FlagState* out) {
  out->set_uid(in.uid);
  out->set_flags(in.flags);
  for (const auto& k : in.keywords) out->add_keywords(k);
  out->set_modseq(in.modseq);
}

}  // namespace

CreateMailboxArgs FromProto(const pb::CreateMailboxRequest& req) {
  return {req.account(), req.name(), static_cast<int>(req.special_use())};
}

ListMailboxesArgs FromProto(const pb::ListMailboxesRequest& req) {
  return {req.account(), req.reference(), req.pattern(), req.subscribed_only(),
          req.with_counts()};
}

DeliverArgs FromProto(const pb::DeliverRequest& req) {
  DeliverArgs a;
  a.accounts = Strings(req.accounts());
  a.trace = req.trace();
  a.content = req.content();
  a.mailbox = req.mailbox();
  a.internal_date = Time(req.internal_date());
  a.flags = req.flags();
  a.keywords = Strings(req.keywords());
  a.outbound = Strings(req.outbound());
  a.sender = req.sender();
  return a;
}

AppendArgs FromProto(const pb::AppendRequest& req) {
  AppendArgs a;
  a.account = req.account();
  a.mailbox = req.mailbox();
  a.content = req.content();
  a.flags = req.flags();
  a.keywords = Strings(req.keywords());
  a.internal_date = Time(req.internal_date());
  return a;
}

SelectArgs FromProto(const pb::SelectRequest& req) {
  return {req.account(), req.mailbox(), req.with_messages(), req.list_only(), req.claim_recent()};
}

FetchMetadataArgs FromProto(const pb::FetchMetadataRequest& req) {
  return {req.account(),  req.mailbox(),        Set(req.uids()),
          req.envelope(), req.body_structure(), req.changed_since()};
}

absl::StatusOr<FetchContentArgs> FromProto(const pb::FetchContentRequest& req) {
  FetchContentArgs a;
  a.account = req.account();
  a.mailbox = req.mailbox();
  a.uid = req.uid();
  switch (req.what()) {
    case pb::FetchContentRequest::FULL: a.section = Section::kFull; break;
    case pb::FetchContentRequest::HEADER: a.section = Section::kHeader; break;
    case pb::FetchContentRequest::TEXT: a.section = Section::kText; break;
    case pb::FetchContentRequest::PART: a.section = Section::kPart; break;
    case pb::FetchContentRequest::PART_HEADER: a.section = Section::kPartHeader; break;
    case pb::FetchContentRequest::PART_MESSAGE_HEADER: a.section = Section::kPartMessageHeader; break;
    case pb::FetchContentRequest::PART_MESSAGE_TEXT: a.section = Section::kPartMessageText; break;
    default: return absl::InvalidArgumentError("what: unknown section");
  }
  a.part.assign(req.part().begin(), req.part().end());
  a.offset = req.offset();
  a.length = req.length();
  return a;
}

FetchMessagesArgs FromProto(const pb::FetchMessagesRequest& req) {
  return {req.account(), req.mailbox(), {req.uids().begin(), req.uids().end()},
          req.max_message_bytes()};
}

absl::StatusOr<StoreFlagsArgs> FromProto(const pb::StoreFlagsRequest& req) {
  StoreFlagsArgs a;
  a.account = req.account();
  a.mailbox = req.mailbox();
  a.uids = Set(req.uids());
  switch (req.mode()) {
    case pb::STORE_ADD: a.mode = StoreMode::kAdd; break;
    case pb::STORE_REMOVE: a.mode = StoreMode::kRemove; break;
    case pb::STORE_REPLACE: a.mode = StoreMode::kReplace; break;
    default: return absl::InvalidArgumentError("mode: unknown");
  }
  a.flags = req.flags();
  a.keywords = Strings(req.keywords());
  a.unchanged_since = req.unchanged_since();
  return a;
}

CopyArgs FromProto(const pb::CopyRequest& req) {
  return {req.account(), req.mailbox(), Set(req.uids()), req.to_mailbox()};
}

ExpungeArgs FromProto(const pb::ExpungeRequest& req) {
  return {req.account(), req.mailbox(), Set(req.uids()), req.ignore_deleted_flag()};
}

ChangesSinceArgs FromProto(const pb::ChangesSinceRequest& req) {
  return {req.account(), req.mailbox(), req.modseq(), req.claim_recent()};
}

SearchArgs FromProto(const pb::SearchRequest& req) {
  return {req.account(), req.mailbox(), Key(req.key())};
}

LeaseArgs FromProto(const pb::LeaseRequest& req) {
  return {req.account(), req.name(), req.owner(), req.ttl_seconds()};
}

ClaimOutboundArgs FromProto(const pb::ClaimOutboundRequest& req) {
  return {req.owner(), req.lease_seconds(), req.limit(), req.max_per_domain()};
}

CompleteOutboundArgs FromProto(const pb::CompleteOutboundRequest& req) {
  return {req.id(),    req.owner(),   Strings(req.retry()), req.retry_after_seconds(),
          req.error(), req.give_up(), req.warned()};
}

absl::StatusOr<UpdateOutboundArgs> FromProto(const pb::UpdateOutboundRequest& req) {
  UpdateOutboundArgs a;
  a.id = req.id();
  switch (req.action()) {
    case pb::UpdateOutboundRequest::RETRY: a.action = OutboundAction::kRetry; break;
    case pb::UpdateOutboundRequest::HOLD: a.action = OutboundAction::kHold; break;
    case pb::UpdateOutboundRequest::RELEASE: a.action = OutboundAction::kRelease; break;
    case pb::UpdateOutboundRequest::DELETE: a.action = OutboundAction::kDelete; break;
    default: return absl::InvalidArgumentError("action: unknown");
  }
  return a;
}

SetQuotaArgs FromProto(const pb::SetQuotaRequest& req) {
  return {req.account(), req.storage_bytes(), req.messages()};
}

void ToProto(const MailboxInfo& in, pb::MailboxInfo* out) {
  out->set_name(in.name);
  out->set_uidvalidity(in.uidvalidity);
  out->set_uidnext(in.uidnext);
  out->set_highestmodseq(in.highestmodseq);
  out->set_messages(in.messages);
  out->set_unseen(in.unseen);
  out->set_deleted(in.deleted);
  out->set_size(in.size);
  out->set_special_use(static_cast<pb::SpecialUse>(in.special_use));
  out->set_subscribed(in.subscribed);
  out->set_has_children(in.has_children);
  out->set_noselect(in.noselect);
  out->set_first_unseen_seq(in.first_unseen_seq);
  out->set_recent(in.recent);
}

void ToProto(const MailboxList& in, pb::ListMailboxesResponse* out) {
  for (const auto& m : in.mailboxes) ToProto(m, out->add_mailboxes());
  for (const auto& s : in.subscribed_nonexistent) out->add_subscribed_nonexistent(s);
}

void ToProto(const DeliverResult& in, pb::DeliverResponse* out) {
  out->set_message_id(in.message_id);
  for (const auto& c : in.copies) {
    pb::DeliveredCopy* o = out->add_copies();
    o->set_account(c.account);
    o->set_mailbox(c.mailbox);
    o->set_uidvalidity(c.uidvalidity);
    o->set_uid(c.uid);
  }
  for (auto id : in.outbound_jobs) out->add_outbound_jobs(id);
}

void ToProto(const AppendResult& in, pb::AppendResponse* out) {
  out->set_uidvalidity(in.uidvalidity);
  out->set_uid(in.uid);
}

void ToProto(const SelectChunk& in, pb::SelectResponse* out) {
  if (in.mailbox) ToProto(*in.mailbox, out->mutable_mailbox());
  for (const auto& k : in.permanent_keywords) out->add_permanent_keywords(k);
  out->mutable_uids()->Add(in.uids.begin(), in.uids.end());
  out->mutable_flags()->Add(in.flags.begin(), in.flags.end());
  out->mutable_modseqs()->Add(in.modseqs.begin(), in.modseqs.end());
  for (const auto& k : in.keywords) out->add_keywords(k);
  out->mutable_sizes()->Add(in.sizes.begin(), in.sizes.end());
  out->set_recent_after(in.recent_after);
  out->set_recent_through(in.recent_through);
}

void ToProto(const std::vector<MessageMetadata>& in, pb::FetchMetadataResponse* out) {
  for (const auto& m : in) {
    pb::MessageMetadata* md = out->add_messages();
    md->set_uid(m.uid);
    md->set_flags(m.flags);
    for (const auto& k : m.keywords) md->add_keywords(k);
    md->mutable_internal_date()->set_seconds(m.internal_date);
    md->set_size(m.size);
    md->set_modseq(m.modseq);
    md->set_header_size(m.header_size);
    md->set_message_id(m.message_id);
    if (m.envelope) md->mutable_envelope()->ParseFromString(*m.envelope);
    if (m.body_structure) md->mutable_body_structure()->ParseFromString(*m.body_structure);
  }
}

void ToProto(const ContentChunk& in, pb::FetchContentResponse* out) {
  out->set_data(in.data.data(), in.data.size());
  if (in.total_size) out->set_total_size(*in.total_size);
}

void ToProto(const MessageContent& in, pb::FetchMessagesResponse* out) {
  out->set_uid(in.uid);
  out->set_content(in.content.data(), in.content.size());
}

void ToProto(const StoreFlagsResult& in, pb::StoreFlagsResponse* out) {
  for (const auto& f : in.updated) FlagStateToProto(f, out->add_updated());
  out->mutable_modified()->Add(in.modified.begin(), in.modified.end());
  out->set_highestmodseq(in.highestmodseq);
}

void ToProto(const CopyResult& in, pb::CopyResponse* out) {
  out->set_uidvalidity(in.uidvalidity);
  out->mutable_source_uids()->Add(in.source_uids.begin(), in.source_uids.end());
  out->mutable_dest_uids()->Add(in.dest_uids.begin(), in.dest_uids.end());
}

void ToProto(const ExpungeResult& in, pb::ExpungeResponse* out) {
  out->mutable_expunged()->Add(in.expunged.begin(), in.expunged.end());
  out->set_highestmodseq(in.highestmodseq);
}

void ToProto(const Changes& in, pb::ChangesSinceResponse* out) {
  for (const auto& f : in.changed) FlagStateToProto(f, out->add_changed());
  out->mutable_vanished()->Add(in.vanished.begin(), in.vanished.end());
  out->set_highestmodseq(in.highestmodseq);
  out->set_uidvalidity(in.uidvalidity);
  out->set_recent_after(in.recent_after);
  out->set_recent_through(in.recent_through);
}

void ToProto(const SearchResult& in, pb::SearchResponse* out) {
  out->mutable_uids()->Add(in.uids.begin(), in.uids.end());
  out->set_highestmodseq(in.highestmodseq);
}

void ToProto(const LeaseResult& in, pb::LeaseResponse* out) {
  out->set_granted(in.granted);
  if (in.expires != 0) out->mutable_expires()->set_seconds(in.expires);
}

void ToProto(const OutboundJob& in, pb::OutboundJob* out) {
  out->set_id(in.id);
  out->set_message_id(in.message_id);
  out->set_sender(in.sender);
  out->set_domain(in.domain);
  for (const auto& r : in.recipients) out->add_recipients(r);
  out->set_state(in.state);
  out->set_attempts(in.attempts);
  out->mutable_next_attempt()->set_seconds(in.next_attempt);
  out->set_last_error(in.last_error);
  out->mutable_created()->set_seconds(in.created);
  out->set_size(in.size);
  out->set_content(in.content);
  out->set_warned(in.warned);
}

void ToProto(OutboundJob&& in, pb::OutboundJob* out) {
  std::string content = std::move(in.content);
  in.content.clear();
  ToProto(static_cast<const OutboundJob&>(in), out);
  out->set_content(std::move(content));
}

void ToProto(const Quota& in, pb::Quota* out) {
  out->set_storage_bytes_limit(in.storage_bytes_limit);
  out->set_storage_bytes_used(in.storage_bytes_used);
  out->set_messages_limit(in.messages_limit);
  out->set_messages_used(in.messages_used);
}

}  // namespace tern::storage
