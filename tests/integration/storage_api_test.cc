// The storage gRPC API through a real server on port 0: behaviour and bad input.
#include <thread>

#include "storage_fixture.h"
#include "tern/core/error.h"
#include "tern/rpc/channel.h"
#include "tern/rpc/status.h"

namespace tern::storage::testing {
namespace {

class StorageApiTest : public StorageTest {
 protected:
  std::vector<std::string> ListNames(const std::string& account, const std::string& pattern,
                                     bool subscribed_only = false) {
    pb::ListMailboxesRequest req;
    req.set_account(account);
    req.set_pattern(pattern);
    req.set_subscribed_only(subscribed_only);
    pb::ListMailboxesResponse resp;
    auto ctx = rpc::ContextWithDeadline();
    grpc::Status s = stub().ListMailboxes(ctx.get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (const auto& m : resp.mailboxes()) names.push_back(m.name());
    return names;
  }
  grpc::Status Create(const std::string& account, const std::string& name) {
    pb::CreateMailboxRequest req;
    req.set_account(account);
    req.set_name(name);
    pb::CreateMailboxResponse resp;
    auto ctx = rpc::ContextWithDeadline();
    return stub().CreateMailbox(ctx.get(), req, &resp);
  }
  grpc::Status Rename(const std::string& account, const std::string& from, const std::string& to) {
    pb::RenameMailboxRequest req;
    req.set_account(account);
    req.set_from(from);
    req.set_to(to);
    pb::RenameMailboxResponse resp;
    auto ctx = rpc::ContextWithDeadline();
    return stub().RenameMailbox(ctx.get(), req, &resp);
  }
  grpc::Status Delete(const std::string& account, const std::string& name) {
    pb::DeleteMailboxRequest req;
    req.set_account(account);
    req.set_name(name);
    pb::DeleteMailboxResponse resp;
    auto ctx = rpc::ContextWithDeadline();
    return stub().DeleteMailbox(ctx.get(), req, &resp);
  }
  std::vector<uint32_t> Search(const std::string& account, const pb::SearchKey& key,
                               grpc::Status* status = nullptr) {
    pb::SearchRequest req;
    req.set_account(account);
    req.set_mailbox("INBOX");
    *req.mutable_key() = key;
    pb::SearchResponse resp;
    auto ctx = rpc::ContextWithDeadline();
    grpc::Status s = stub().Search(ctx.get(), req, &resp);
    if (status) *status = s;
    else EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.uids().begin(), resp.uids().end()};
  }
};

TEST_F(StorageApiTest, FirstUseCreatesSpecialUseMailboxesSubscribed) {
  const std::string account = NewAccount();
  pb::ListMailboxesRequest req;
  req.set_account(account);
  pb::ListMailboxesResponse resp;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().ListMailboxes(ctx.get(), req, &resp).ok());
  std::map<std::string, pb::SpecialUse> got;
  for (const auto& m : resp.mailboxes()) {
    got[m.name()] = m.special_use();
    EXPECT_TRUE(m.subscribed()) << m.name();
    EXPECT_GT(m.uidvalidity(), 0u);
  }
  EXPECT_EQ(got, (std::map<std::string, pb::SpecialUse>{
                     {"INBOX", pb::SPECIAL_USE_NONE}, {"Sent", pb::SPECIAL_USE_SENT},
                     {"Drafts", pb::SPECIAL_USE_DRAFTS}, {"Trash", pb::SPECIAL_USE_TRASH},
                     {"Junk", pb::SPECIAL_USE_JUNK}, {"Archive", pb::SPECIAL_USE_ARCHIVE}}));
}

TEST_F(StorageApiTest, CreateRenameDeleteAndListWithPatterns) {
  const std::string account = NewAccount();
  ASSERT_TRUE(Create(account, "Projects/Tern/Design").ok());  // parents created as needed
  EXPECT_EQ(ListNames(account, "Projects/%"), std::vector<std::string>{"Projects/Tern"});
  EXPECT_EQ(ListNames(account, "Projects/*"),
            (std::vector<std::string>{"Projects/Tern", "Projects/Tern/Design"}));
  EXPECT_EQ(Create(account, "Projects/Tern").error_code(), grpc::StatusCode::ALREADY_EXISTS);

  pb::AppendResponse a;
  ASSERT_TRUE(Append(account, "Projects/Tern/Design", Message("design"), &a).ok());
  const uint32_t validity = StatusOf(account, "Projects/Tern/Design").uidvalidity();
  ASSERT_TRUE(Rename(account, "Projects", "Work").ok());
  EXPECT_EQ(ListNames(account, "Work*"),
            (std::vector<std::string>{"Work", "Work/Tern", "Work/Tern/Design"}));
  EXPECT_TRUE(ListNames(account, "Projects*").empty());
  EXPECT_EQ(StatusOf(account, "Work/Tern/Design").messages(), 1u) << "children keep their mail";
  EXPECT_EQ(StatusOf(account, "Work/Tern/Design").uidvalidity(), validity);
  EXPECT_EQ(Rename(account, "Work", "Work/Inside").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Rename(account, "Nope", "Other").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Rename(account, "Work", "Sent").error_code(), grpc::StatusCode::ALREADY_EXISTS);

  // A mailbox with children becomes \Noselect; deleting a leaf removes it.
  ASSERT_TRUE(Delete(account, "Work/Tern").ok());
  pb::ListMailboxesRequest lr;
  lr.set_account(account);
  lr.set_pattern("Work/Tern");
  pb::ListMailboxesResponse lresp;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().ListMailboxes(ctx.get(), lr, &lresp).ok());
  ASSERT_EQ(lresp.mailboxes_size(), 1);
  EXPECT_TRUE(lresp.mailboxes(0).noselect());
  EXPECT_TRUE(lresp.mailboxes(0).has_children());
  ASSERT_TRUE(Delete(account, "Work/Tern/Design").ok());
  EXPECT_EQ(ListNames(account, "Work/Tern/*"), std::vector<std::string>{});
  EXPECT_EQ(Delete(account, "INBOX").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Delete(account, "Missing").error_code(), grpc::StatusCode::NOT_FOUND);

  // A recreated name gets a new UIDVALIDITY.
  ASSERT_TRUE(Create(account, "Work/Tern/Design").ok());
  EXPECT_NE(StatusOf(account, "Work/Tern/Design").uidvalidity(), validity);
}

TEST_F(StorageApiTest, RenamingInboxMovesItsMessagesAndLeavesItEmpty) {
  const std::string account = NewAccount();
  ASSERT_TRUE(Append(account, "INBOX", Message("old-1"), nullptr).ok());
  ASSERT_TRUE(Append(account, "INBOX", Message("old-2"), nullptr).ok());
  ASSERT_TRUE(Rename(account, "inbox", "Old Inbox").ok());
  EXPECT_EQ(StatusOf(account, "INBOX").messages(), 0u);
  EXPECT_EQ(StatusOf(account, "Old Inbox").messages(), 2u);
  pb::AppendResponse a;
  ASSERT_TRUE(Append(account, "INBOX", Message("new"), &a).ok());
  EXPECT_EQ(a.uid(), 3u) << "INBOX keeps its UIDVALIDITY, so UIDs continue";
}

TEST_F(StorageApiTest, SubscriptionsIncludeNamesThatDoNotExist) {
  const std::string account = NewAccount();
  pb::SetSubscribedRequest req;
  req.set_account(account);
  req.set_name("Elsewhere/Shared");
  req.set_subscribed(true);
  pb::SetSubscribedResponse resp;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().SetSubscribed(ctx.get(), req, &resp).ok());
  req.set_name("Junk");
  req.set_subscribed(false);
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().SetSubscribed(ctx.get(), req, &resp).ok());
  pb::ListMailboxesRequest lr;
  lr.set_account(account);
  lr.set_subscribed_only(true);
  pb::ListMailboxesResponse lresp;
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().ListMailboxes(ctx.get(), lr, &lresp).ok());
  std::vector<std::string> names;
  for (const auto& m : lresp.mailboxes()) names.push_back(m.name());
  EXPECT_EQ(std::find(names.begin(), names.end(), "Junk"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "INBOX"), names.end());
  ASSERT_EQ(lresp.subscribed_nonexistent_size(), 1);
  EXPECT_EQ(lresp.subscribed_nonexistent(0), "Elsewhere/Shared");
}

TEST_F(StorageApiTest, FetchesSectionsRangesAndStreamsLargeMessagesInChunks) {
  const std::string account = NewAccount();
  const std::string msg =
      "From: a@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\n"
      "Content-Type: text/plain\r\n\r\nfirst part\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\n"
      "Subject: inner\r\n\r\ninner body\r\n--XX--\r\n";
  pb::AppendResponse a;
  ASSERT_TRUE(Append(account, "INBOX", msg, &a).ok());
  const size_t hdr = msg.find("\r\n\r\n") + 4;
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid()), msg);
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::HEADER), msg.substr(0, hdr));
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::TEXT), msg.substr(hdr));
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::PART, {1}), "first part");
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::PART_HEADER, {1}),
            "Content-Type: text/plain\r\n\r\n");
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::PART_MESSAGE_HEADER, {2}),
            "Subject: inner\r\n\r\n");
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::PART_MESSAGE_TEXT, {2}),
            "inner body");
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::PART, {2, 1}), "inner body");
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::FULL, {}, 6, 7),
            msg.substr(6, 7));
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::FULL, {}, 100000, 5), "");
  grpc::Status s;
  FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::PART, {3}, 0, 0, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  FetchWhole(account, "INBOX", a.uid() + 100, pb::FetchContentRequest::FULL, {}, 0, 0, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  const std::string big = Message("big", "start\r\n", 1 << 20);
  ASSERT_TRUE(Append(account, "INBOX", big, &a).ok());
  int chunks = 0;
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid(), pb::FetchContentRequest::FULL, {}, 0, 0, nullptr,
                       &chunks),
            big);
  EXPECT_GE(chunks, 4);
}

TEST_F(StorageApiTest, FetchMetadataReturnsParsedEnvelopeAndStructure) {
  const std::string account = NewAccount();
  pb::AppendResponse a;
  ASSERT_TRUE(Append(account, "INBOX", Message("meta"), &a, pb::FLAG_SEEN).ok());
  const std::vector<pb::MessageMetadata> got = FetchMetadata(account, Uids({{1, 0}}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].uid(), a.uid());
  EXPECT_EQ(got[0].flags(), static_cast<uint32_t>(pb::FLAG_SEEN));
  EXPECT_EQ(got[0].envelope().subject(), "meta");
  EXPECT_EQ(got[0].envelope().message_id(), "<meta@example.org>");
  ASSERT_EQ(got[0].envelope().from_size(), 1);
  EXPECT_EQ(got[0].envelope().from(0).name(), "Sender");
  EXPECT_EQ(got[0].body_structure().type(), "text");
  EXPECT_EQ(got[0].size(), Message("meta").size());
  EXPECT_GT(got[0].internal_date().seconds(), 1700000000);
}

TEST_F(StorageApiTest, StoreWithUnchangedSinceRefusesNewerMessages) {
  const std::string account = NewAccount();
  pb::AppendResponse a, b;
  ASSERT_TRUE(Append(account, "INBOX", Message("u1"), &a).ok());
  const uint64_t base = StatusOf(account, "INBOX").highestmodseq();
  ASSERT_TRUE(Append(account, "INBOX", Message("u2"), &b).ok());
  pb::StoreFlagsRequest st;
  st.set_account(account);
  st.set_mailbox("INBOX");
  *st.mutable_uids() = Uids({{a.uid(), b.uid()}});
  st.set_mode(pb::STORE_REPLACE);
  st.set_flags(pb::FLAG_FLAGGED);
  st.set_unchanged_since(base);
  pb::StoreFlagsResponse r;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().StoreFlags(ctx.get(), st, &r).ok());
  ASSERT_EQ(r.updated_size(), 1);
  EXPECT_EQ(r.updated(0).uid(), a.uid());
  ASSERT_EQ(r.modified_size(), 1);
  EXPECT_EQ(r.modified(0), b.uid());
}

TEST_F(StorageApiTest, CopyAssignsNewUidsInTheTarget) {
  const std::string account = NewAccount();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Append(account, "INBOX", Message("c" + std::to_string(i)), nullptr).ok());
  pb::CopyRequest cp;
  cp.set_account(account);
  cp.set_mailbox("INBOX");
  *cp.mutable_uids() = Uids({{2, 0}});
  cp.set_to_mailbox("Archive");
  pb::CopyResponse r;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().Copy(ctx.get(), cp, &r).ok());
  EXPECT_EQ(std::vector<uint32_t>(r.source_uids().begin(), r.source_uids().end()),
            (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(std::vector<uint32_t>(r.dest_uids().begin(), r.dest_uids().end()),
            (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(r.uidvalidity(), StatusOf(account, "Archive").uidvalidity());
  EXPECT_EQ(StatusOf(account, "INBOX").messages(), 3u);
  EXPECT_EQ(FetchWhole(account, "Archive", 2), Message("c2"));
  cp.set_to_mailbox("NoSuchBox");
  ctx = rpc::ContextWithDeadline();
  grpc::Status s = stub().Copy(ctx.get(), cp, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(rpc::FromGrpc(s)), Reason::kMustCreateFirst) << "IMAP says [TRYCREATE]";
}

TEST_F(StorageApiTest, SearchCriteria) {
  const std::string account = NewAccount();
  auto add = [&](const std::string& subject, const std::string& body, uint32_t flags) {
    pb::AppendResponse a;
    EXPECT_TRUE(Append(account, "INBOX", Message(subject, body), &a, flags).ok());
    return a.uid();
  };
  uint32_t u1 = add("Invoice March", "Please pay 100 EUR.\r\n", pb::FLAG_SEEN);
  uint32_t u2 = add("Lunch", "Pizza at noon?\r\n", 0);
  uint32_t u3 = add("=?UTF-8?Q?R=C3=A9union?=", "Agenda attached.\r\n", pb::FLAG_FLAGGED);
  pb::SearchKey k;
  k.set_all(true);
  EXPECT_EQ(Search(account, k), (std::vector<uint32_t>{u1, u2, u3}));
  k.set_flag_unset(pb::FLAG_SEEN);
  EXPECT_EQ(Search(account, k), (std::vector<uint32_t>{u2, u3}));
  k.mutable_header()->set_field("subject");
  k.mutable_header()->set_value("invoice");
  EXPECT_EQ(Search(account, k), (std::vector<uint32_t>{u1}));
  k.mutable_header()->set_value("réunion");  // encoded words are decoded for search
  EXPECT_EQ(Search(account, k), (std::vector<uint32_t>{u3}));
  k.mutable_header()->set_field("from");
  k.mutable_header()->set_value("sender@example");
  EXPECT_EQ(Search(account, k).size(), 3u);
  k.set_body("PIZZA");
  EXPECT_EQ(Search(account, k), (std::vector<uint32_t>{u2}));
  k.set_text("agenda");
  EXPECT_EQ(Search(account, k), (std::vector<uint32_t>{u3}));
  k.set_text("a.c");  // regex characters are literal
  EXPECT_TRUE(Search(account, k).empty());
  pb::SearchKey orkey;
  orkey.mutable_or_()->add_keys()->set_flag_set(pb::FLAG_FLAGGED);
  orkey.mutable_or_()->add_keys()->set_body("pizza");
  EXPECT_EQ(Search(account, orkey), (std::vector<uint32_t>{u2, u3}));
  pb::SearchKey notkey;
  *notkey.mutable_not_() = orkey;
  EXPECT_EQ(Search(account, notkey), (std::vector<uint32_t>{u1}));
  pb::SearchKey seq;
  auto* r = seq.mutable_seq()->add_ranges();
  r->set_first(2);
  r->set_last(0);
  EXPECT_EQ(Search(account, seq), (std::vector<uint32_t>{u2, u3}));
  pb::SearchKey sent;
  sent.mutable_sent_on()->set_seconds(1772532000);  // 2026-03-03
  EXPECT_EQ(Search(account, sent).size(), 3u);
  sent.mutable_sent_before()->set_seconds(1772532000);
  EXPECT_TRUE(Search(account, sent).empty());
  pb::SearchKey larger;
  larger.set_larger(Message("Invoice March", "Please pay 100 EUR.\r\n").size() - 1);
  EXPECT_EQ(Search(account, larger), (std::vector<uint32_t>{u1, u3}));
  // A hostile, deeply nested tree is refused, not recursed without bound.
  pb::SearchKey deep;
  pb::SearchKey* cur = &deep;
  for (int i = 0; i < 80; ++i) cur = cur->mutable_not_();  // over our 64, under protobuf's 100
  cur->set_all(true);
  grpc::Status s;
  Search(account, deep, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(StorageApiTest, BadInputGetsAClearStatusAndChangesNothing) {
  const std::string account = NewAccount();
  StatusOf(account, "INBOX");
  const std::string messages_before = Sql("SELECT count(*) FROM mailbox_messages");
  pb::AppendResponse a;
  grpc::Status s = Append(account, "NoSuchBox", Message("x"), &a);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  s = Append(account, "bad//name", Message("x"), &a);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = Append(account, "INBOX", "", &a);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = Append("", "INBOX", Message("x"), &a);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = Append(account, "INBOX", Message("x"), &a, 1u << 10);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << "unknown flag bits";
  s = Append(account, "INBOX", Message("huge", "", (2 << 20) + 10), &a);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("size"), std::string::npos);
  EXPECT_EQ(Create(account, "a*b").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Create(account, "").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Create(account, std::string("x\0y", 3)).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  pb::SelectRequest sel;
  sel.set_account(account);
  sel.set_mailbox("Missing");
  auto ctx = rpc::ContextWithDeadline();
  auto reader = stub().Select(ctx.get(), sel);
  pb::SelectResponse sr;
  EXPECT_FALSE(reader->Read(&sr));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  pb::StoreFlagsRequest st;
  st.set_account(account);
  st.set_mailbox("INBOX");  // no UID set
  pb::StoreFlagsResponse str;
  ctx = rpc::ContextWithDeadline();
  EXPECT_EQ(stub().StoreFlags(ctx.get(), st, &str).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  *st.mutable_uids() = Uids({{1, 0}});
  st.add_keywords("bad keyword");
  ctx = rpc::ContextWithDeadline();
  EXPECT_EQ(stub().StoreFlags(ctx.get(), st, &str).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Sql("SELECT count(*) FROM mailbox_messages"), messages_before);
  EXPECT_EQ(StatusOf(account, "INBOX").uidnext(), 1u);
  EXPECT_EQ(ListNames(account, "*").size(), 6u);
}

TEST_F(StorageApiTest, MalformedMimeIsStoredByteExactWithABestEffortStructure) {
  const std::string account = NewAccount();
  const std::string msg =
      "Subject: broken\r\nContent-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n"
      "--never-closed\r\nContent-Type: text/plain\r\n\r\nbody without end\r\n\xff\xfe\x00 raw";
  const std::string content(msg.data(), msg.size());
  pb::AppendResponse a;
  ASSERT_TRUE(Append(account, "INBOX", content, &a).ok());
  EXPECT_EQ(FetchWhole(account, "INBOX", a.uid()), content);
  const std::vector<pb::MessageMetadata> got = FetchMetadata(account, Uids({{a.uid(), a.uid()}}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body_structure().type(), "multipart");
  EXPECT_GE(got[0].body_structure().children_size(), 1);
}

TEST_F(StorageApiTest, HttpEndpointServesMetricsAndReadiness) {
  const std::string account = NewAccount();
  ASSERT_TRUE(Deliver({account}, Message("metric"), nullptr).ok());
  int code = 0;
  std::string body = HttpGet(server_->http_port(), "/metrics", &code);
  EXPECT_EQ(code, 200);
  EXPECT_NE(body.find("tern_storage_rpc_duration_seconds_count{code=\"ok\",method=\"Deliver\"}"),
            std::string::npos);
  EXPECT_NE(body.find("tern_storage_messages_stored_total"), std::string::npos);
  EXPECT_NE(body.find("tern_storage_db_query_duration_seconds"), std::string::npos);
  body = HttpGet(server_->http_port(), "/readyz", &code);
  EXPECT_EQ(code, 200) << body;
  HttpGet(server_->http_port(), "/livez", &code);
  EXPECT_EQ(code, 200);
}

}  // namespace
}  // namespace tern::storage::testing

namespace tern::storage::testing {
namespace {

TEST_F(StorageApiTest, DeleteAccountRemovesEveryMailboxAndFreesContent) {
  const std::string account = NewAccount();
  const std::string keep = NewAccount();
  const std::string unique = Message("only-for-deleted", "unique body\r\n");
  pb::DeliverResponse dr;
  ASSERT_TRUE(Deliver({account}, unique, &dr).ok());
  ASSERT_TRUE(Deliver({account, keep}, Message("shared"), nullptr).ok());
  pb::DeleteAccountRequest req;
  req.set_account(account);
  pb::DeleteAccountResponse resp;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().DeleteAccount(ctx.get(), req, &resp).ok());
  EXPECT_EQ(resp.messages_deleted(), 2u);
  EXPECT_EQ(Sql("SELECT count(*) FROM mail_accounts WHERE name = '" + account + "'"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM messages WHERE id = " + std::to_string(dr.message_id())), "0")
      << "content nobody refers to any more is removed";
  EXPECT_EQ(StatusOf(keep, "INBOX").messages(), 1u) << "shared content stays for the other copy";
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().DeleteAccount(ctx.get(), req, &resp).ok()) << "idempotent";
  EXPECT_EQ(resp.messages_deleted(), 0u);
}

}  // namespace
}  // namespace tern::storage::testing

namespace tern::storage::testing {
namespace {

TEST_F(StorageApiTest, LeasesHaveOneHolderAcrossReplicasUntilReleasedOrExpired) {
  const std::string account = NewAccount();
  auto replica = StartReplica();
  ASSERT_NE(replica, nullptr);
  auto other = StubFor(replica->grpc_port());
  auto call = [&](pb::Storage::Stub& s, int op, const std::string& owner, uint32_t ttl = 60) {
    pb::LeaseRequest req;
    req.set_account(account);
    req.set_name("pop3");
    req.set_owner(owner);
    req.set_ttl_seconds(ttl);
    pb::LeaseResponse resp;
    auto ctx = rpc::ContextWithDeadline();
    grpc::Status st = op == 0   ? s.AcquireLease(ctx.get(), req, &resp)
                      : op == 1 ? s.RenewLease(ctx.get(), req, &resp)
                                : s.ReleaseLease(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.granted();
  };
  EXPECT_TRUE(call(stub(), 0, "session-a"));
  EXPECT_FALSE(call(*other, 0, "session-b")) << "held by a, seen from the other replica";
  EXPECT_TRUE(call(stub(), 0, "session-a")) << "the holder may take it again";
  EXPECT_TRUE(call(*other, 1, "session-a")) << "and renew it through any replica";
  EXPECT_FALSE(call(*other, 1, "session-b"));
  EXPECT_FALSE(call(stub(), 2, "session-b")) << "only the holder releases";
  EXPECT_TRUE(call(stub(), 2, "session-a"));
  EXPECT_TRUE(call(*other, 0, "session-b", 1)) << "free again";
  // An expired lease can be taken over (expiry is the database clock's business).
  Sql("UPDATE leases SET expires_at = now() - interval '1 second'");
  EXPECT_TRUE(call(stub(), 0, "session-c"));
  replica->Stop(100);
}

}  // namespace
}  // namespace tern::storage::testing

namespace tern::storage::testing {
namespace {

TEST_F(StorageApiTest, FetchMessagesReturnsSeveralWholeMessagesAndListOnlySelectGivesSizes) {
  const std::string account = NewAccount();
  const std::string small1 = Message("ahead-1"), small3 = Message("ahead-3");
  const std::string big = Message("ahead-big", "x\r\n", 5000);
  ASSERT_TRUE(Append(account, "INBOX", small1, nullptr).ok());
  ASSERT_TRUE(Append(account, "INBOX", big, nullptr).ok());
  ASSERT_TRUE(Append(account, "INBOX", small3, nullptr).ok());
  EXPECT_EQ(FetchMessages(account, {1, 2, 3, 99}, 4096),
            (std::map<uint32_t, std::string>{{1, small1}, {3, small3}}))
      << "exact bytes; the big one and the missing UID are left out";
  std::vector<uint32_t> too_many = {1, 2, 3};
  for (int i = 0; i < 300; ++i) too_many.push_back(1000 + i);
  grpc::Status s;
  FetchMessages(account, too_many, 4096, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  pb::SelectRequest sel;
  sel.set_account(account);
  sel.set_mailbox("INBOX");
  sel.set_with_messages(true);
  sel.set_list_only(true);
  auto ctx = rpc::ContextWithDeadline();
  auto sr = stub().Select(ctx.get(), sel);
  pb::SelectResponse resp;
  std::vector<uint64_t> sizes;
  std::vector<uint32_t> uids;
  uint32_t validity = 0;
  while (sr->Read(&resp)) {
    if (resp.has_mailbox()) validity = resp.mailbox().uidvalidity();
    uids.insert(uids.end(), resp.uids().begin(), resp.uids().end());
    sizes.insert(sizes.end(), resp.sizes().begin(), resp.sizes().end());
    EXPECT_EQ(resp.flags_size(), 0);
  }
  ASSERT_TRUE(sr->Finish().ok());
  EXPECT_EQ(validity, StatusOf(account, "INBOX").uidvalidity());
  EXPECT_EQ(uids, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(sizes, (std::vector<uint64_t>{small1.size(), big.size(), small3.size()}));
}

// \Recent (RFC 3501 2.3.2): a read-write SELECT or catch-up claims the new UIDs for one session;
// an EXAMINE (no claim) and STATUS see the unclaimed ones and take none.
TEST_F(StorageApiTest, RecentIsClaimedByOneReadWriteSessionOnly) {
  const std::string account = NewAccount();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Append(account, "INBOX", Message("r"), nullptr).ok());
  auto select = [&](bool claim) {
    pb::SelectRequest req;
    req.set_account(account);
    req.set_mailbox("INBOX");
    req.set_claim_recent(claim);
    auto ctx = rpc::ContextWithDeadline();
    auto sr = stub().Select(ctx.get(), req);
    pb::SelectResponse first, more;
    EXPECT_TRUE(sr->Read(&first));
    while (sr->Read(&more)) {}
    EXPECT_TRUE(sr->Finish().ok());
    return std::make_pair(first.recent_after(), first.recent_through());
  };
  using Range = std::pair<uint32_t, uint32_t>;
  EXPECT_EQ(StatusOf(account, "INBOX").recent(), 3u);
  EXPECT_EQ(select(false), (Range{0, 3})) << "EXAMINE shows the unclaimed ones";
  EXPECT_EQ(select(false), (Range{0, 3})) << "and takes none";
  EXPECT_EQ(select(true), (Range{0, 3})) << "the first read-write SELECT takes all three";
  const Range after = select(true);
  EXPECT_EQ(after.first, after.second) << "a second one gets none";
  EXPECT_EQ(StatusOf(account, "INBOX").recent(), 0u);

  ASSERT_TRUE(Append(account, "INBOX", Message("r4"), nullptr).ok());
  ASSERT_TRUE(Append(account, "INBOX", Message("r5"), nullptr).ok());
  EXPECT_EQ(StatusOf(account, "INBOX").recent(), 2u);
  auto changes = [&](bool claim) {
    pb::ChangesSinceRequest req;
    req.set_account(account);
    req.set_mailbox("INBOX");
    req.set_modseq(0);
    req.set_claim_recent(claim);
    pb::ChangesSinceResponse resp;
    auto ctx = rpc::ContextWithDeadline();
    EXPECT_TRUE(stub().ChangesSince(ctx.get(), req, &resp).ok());
    return Range{resp.recent_after(), resp.recent_through()};
  };
  EXPECT_EQ(changes(false), (Range{3, 5}));
  EXPECT_EQ(changes(true), (Range{3, 5})) << "a catch-up claims what arrived since";
  const Range again = changes(true);
  EXPECT_EQ(again.first, again.second);
  EXPECT_EQ(select(false), (Range{5, 5}));

  // Two sessions racing for the same new message: exactly one gets it.
  ASSERT_TRUE(Append(account, "INBOX", Message("r6"), nullptr).ok());
  Range a, b;
  std::thread t([&] { a = changes(true); });
  b = select(true);
  t.join();
  EXPECT_EQ((a.second - a.first) + (b.second - b.first), 1u);
}

// POP3 sizes (LIST, STAT) are what RETR sends: CRLF line ends (a bare LF sent as CRLF) and a
// last line without an ending ended. Stored at delivery, by every write path (Deliver alone,
// with outbound copies, IMAP APPEND, content already stored); IMAP keeps the stored size.
TEST_F(StorageApiTest, ListOnlySelectGivesPop3SizesAndSelectTheStoredSizes) {
  const std::string account = NewAccount(), other = NewAccount();
  const std::string crlf = Message("pop3-crlf");
  const std::string lf = "Subject: pop3-lf\nTo: rcpt@example.test\n\nline one\n.dot line\n";
  const std::string open = Message("pop3-open", "no final line end");
  const std::string cr = Message("pop3-cr", "ends in a lone CR\r");
  const std::string lf_open = "Subject: pop3-lf-open\n\nbare LF and no end";
  pb::DeliverResponse d_crlf, d_lf, d_cr;
  ASSERT_TRUE(Deliver({account}, crlf, &d_crlf).ok());                  // uid 1
  ASSERT_TRUE(Deliver({account}, lf, &d_lf).ok());                      // uid 2
  ASSERT_TRUE(Append(account, "INBOX", open, nullptr).ok());            // uid 3
  ASSERT_TRUE(Deliver({account}, cr, &d_cr).ok());                      // uid 4
  {
    pb::DeliverRequest req;  // uid 5, with an outbound copy in the same transaction
    req.add_accounts(account);
    req.add_outbound("far@remote.example");
    req.set_sender(account);
    req.set_content(lf_open);
    pb::DeliverResponse resp;
    auto ctx = rpc::ContextWithDeadline();
    grpc::Status s = stub().Deliver(ctx.get(), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.outbound_jobs_size(), 1);
  }
  ASSERT_TRUE(Deliver({other}, open, nullptr).ok()) << "content stored already";
  ASSERT_TRUE(Append(other, "INBOX", crlf, nullptr).ok());

  const std::map<uint32_t, uint64_t> pop3 = {{1, crlf.size()},
                                             {2, lf.size() + 5},
                                             {3, open.size() + 2},
                                             {4, cr.size() + 1},
                                             {5, lf_open.size() + 4}};
  const std::map<uint32_t, uint64_t> stored = {{1, crlf.size()}, {2, lf.size()},
                                               {3, open.size()}, {4, cr.size()},
                                               {5, lf_open.size()}};
  EXPECT_EQ(SelectSizes(account, /*list_only=*/true), pop3);
  EXPECT_EQ(SelectSizes(account, /*list_only=*/false), stored);
  EXPECT_EQ(SelectSizes(other, true),
            (std::map<uint32_t, uint64_t>{{1, open.size() + 2}, {2, crlf.size()}}));
  EXPECT_EQ(SelectSizes(other, false),
            (std::map<uint32_t, uint64_t>{{1, open.size()}, {2, crlf.size()}}));
  // NULL where the POP3 size is the stored size: nothing stored for the common case.
  auto pop3_size = [](uint64_t id) {
    return Sql("SELECT coalesce(pop3_size::text, 'null') FROM messages WHERE id = " +
               std::to_string(id));
  };
  EXPECT_EQ(pop3_size(d_crlf.message_id()), "null");
  EXPECT_EQ(pop3_size(d_lf.message_id()), std::to_string(lf.size() + 5));
  EXPECT_EQ(pop3_size(d_cr.message_id()), std::to_string(cr.size() + 1));
}

// Concurrent deliveries are written in batches (tern_deliver_batch), which store no POP3 size:
// the ones that need one are written alone; every message gets its size either way.
TEST_F(StorageApiTest, ConcurrentDeliveriesKeepTheirPop3Sizes) {
  const std::string account = NewAccount();
  constexpr int kClients = 8, kEach = 12;
  std::map<std::string, uint64_t> want;  // content -> POP3 size
  std::vector<std::vector<std::string>> contents(kClients);
  for (int c = 0; c < kClients; ++c) {
    for (int i = 0; i < kEach; ++i) {
      const std::string tag = "mixed-" + std::to_string(c) + "-" + std::to_string(i);
      std::string m;
      switch ((c + i) % 3) {
        case 0: m = Message(tag); want[m] = m.size(); break;
        case 1: m = Message(tag, "no final line end"); want[m] = m.size() + 2; break;
        default: m = "Subject: " + tag + "\n\nbare\nLF\n"; want[m] = m.size() + 4; break;
      }
      contents[c].push_back(m);
    }
  }
  std::vector<std::vector<grpc::Status>> status(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = StubFor(server_->grpc_port());
      for (const std::string& m : contents[c]) {
        pb::DeliverRequest req;
        req.add_accounts(account);
        req.set_content(m);
        pb::DeliverResponse resp;
        auto ctx = rpc::ContextWithDeadline(std::chrono::seconds(30));
        status[c].push_back(stub->Deliver(ctx.get(), req, &resp));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& client : status) {
    for (const grpc::Status& s : client) ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const std::map<uint32_t, uint64_t> sizes = SelectSizes(account, /*list_only=*/true);
  ASSERT_EQ(sizes.size(), want.size());
  for (const auto& [uid, size] : sizes) {
    const std::string content = FetchWhole(account, "INBOX", uid);
    auto it = want.find(content);
    ASSERT_NE(it, want.end()) << "uid " << uid << ": unexpected content";
    EXPECT_EQ(size, it->second) << "uid " << uid << ", " << content.size() << " octets stored";
  }
}

}  // namespace
}  // namespace tern::storage::testing

namespace tern::storage::testing {
namespace {

TEST_F(StorageApiTest, ClaimsRespectAPerDomainLimitAndFailedJobsExpire) {
  auto enqueue = [&](const std::string& rcpt) {
    pb::DeliverRequest d;
    d.add_outbound(rcpt);
    d.set_sender("me@ours.test");
    d.set_content(Message("per-domain " + rcpt));
    pb::DeliverResponse r;
    auto c = rpc::ContextWithDeadline();
    EXPECT_TRUE(stub().Deliver(c.get(), d, &r).ok());
    return r.outbound_jobs(0);
  };
  for (const char* a : {"a@busy.example", "b@busy.example", "c@busy.example"}) enqueue(a);
  enqueue("d@calm.example");
  std::map<std::string, int> claimed;
  for (int i = 0; i < 50; ++i) {  // one at a time, as workers claim
    pb::ClaimOutboundRequest req;
    req.set_owner("per-domain-test");
    req.set_lease_seconds(600);
    req.set_limit(1);
    req.set_max_per_domain(2);
    pb::ClaimOutboundResponse resp;
    auto c = rpc::ContextWithDeadline();
    ASSERT_TRUE(stub().ClaimOutbound(c.get(), req, &resp).ok());
    if (resp.jobs().empty()) break;
    ++claimed[resp.jobs(0).domain()];
  }
  EXPECT_EQ(claimed["busy.example"], 2) << "the third waits while two are leased";
  EXPECT_EQ(claimed["calm.example"], 1);

  // A job that gave up long enough ago is dropped with its content.
  const uint64_t job = enqueue("e@gone.example");
  const std::string id = std::to_string(job);
  const std::string message = Sql("SELECT message_id FROM outbound_queue WHERE id = " + id);
  Sql("UPDATE outbound_queue SET state = 'failed', next_attempt_at = now() - interval '2 minutes' "
      "WHERE id = " + id);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (Sql("SELECT count(*) FROM outbound_queue WHERE id = " + id) != "0" &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(Sql("SELECT count(*) FROM outbound_queue WHERE id = " + id), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM messages WHERE id = " + message), "0");
}

TEST_F(StorageApiTest, OutboundAddressesKeepTheirLocalPartAndGroupByTheLastAt) {
  pb::DeliverRequest dreq;
  for (const char* a : {"Mixed.Case@Case.Example", "\"a@b\"@case.example", "\"x y\"@Case.EXAMPLE"}) {
    dreq.add_outbound(a);
  }
  dreq.set_sender("me@ours.test");
  dreq.set_content(Message("case", "hello\r\n"));
  pb::DeliverResponse dresp;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().Deliver(ctx.get(), dreq, &dresp).ok());
  ASSERT_EQ(dresp.outbound_jobs_size(), 1) << "one domain, whatever its case";
  const std::string id = std::to_string(dresp.outbound_jobs(0));
  EXPECT_EQ(Sql("SELECT domain FROM outbound_queue WHERE id = " + id), "case.example");
  EXPECT_EQ(Sql("SELECT array_to_string(recipients, ' | ') FROM outbound_queue WHERE id = " + id),
            "\"a@b\"@case.example | \"x y\"@case.example | Mixed.Case@case.example");
  pb::DeliverRequest bad;
  bad.add_outbound("evil\r\nRSET@x.example");
  bad.set_content(Message("bad"));
  ctx = rpc::ContextWithDeadline();
  EXPECT_EQ(stub().Deliver(ctx.get(), bad, &dresp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(StorageApiTest, OutboundQueueIsWrittenWithTheDeliveryAndClaimedOnceWithALease) {
  const std::string local = NewAccount("ob");
  const std::string content = Message("outbound", "to the world\r\n");
  pb::DeliverRequest dreq;
  dreq.add_accounts(local);
  for (const char* a : {"b@far.example", "a@far.example", "c@other.example"}) dreq.add_outbound(a);
  dreq.set_sender("me@ours.test");
  dreq.set_content(content);
  pb::DeliverResponse dresp;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().Deliver(ctx.get(), dreq, &dresp).ok());
  ASSERT_EQ(dresp.outbound_jobs_size(), 2) << "one job per destination domain";
  EXPECT_EQ(StatusOf(local, "INBOX").messages(), 1u);

  auto list = [&](const std::string& state) {
    pb::ListOutboundRequest req;
    req.set_state(state);
    pb::ListOutboundResponse resp;
    auto c = rpc::ContextWithDeadline();
    EXPECT_TRUE(stub().ListOutbound(c.get(), req, &resp).ok());
    std::map<uint64_t, pb::OutboundJob> jobs;
    for (const auto& j : resp.jobs()) jobs[j.id()] = j;
    return jobs;
  };
  auto jobs = list("queued");
  const uint64_t far = dresp.outbound_jobs(0), other = dresp.outbound_jobs(1);
  ASSERT_TRUE(jobs.count(far) && jobs.count(other));
  const uint64_t far_id = jobs[far].domain() == "far.example" ? far : other;
  const uint64_t other_id = far_id == far ? other : far;
  EXPECT_EQ(std::vector<std::string>(jobs[far_id].recipients().begin(), jobs[far_id].recipients().end()),
            (std::vector<std::string>{"a@far.example", "b@far.example"}));
  EXPECT_EQ(jobs[far_id].sender(), "me@ours.test");

  auto claim = [&](const std::string& owner) {
    pb::ClaimOutboundRequest req;
    req.set_owner(owner);
    req.set_lease_seconds(60);
    req.set_limit(100);
    pb::ClaimOutboundResponse resp;
    auto c = rpc::ContextWithDeadline();
    EXPECT_TRUE(stub().ClaimOutbound(c.get(), req, &resp).ok());
    std::map<uint64_t, pb::OutboundJob> out;
    for (const auto& j : resp.jobs()) out[j.id()] = j;
    return out;
  };
  auto a = claim("worker-a");
  ASSERT_TRUE(a.count(far_id) && a.count(other_id));
  EXPECT_EQ(a[far_id].content(), content) << "the exact stored bytes";
  EXPECT_EQ(a[far_id].attempts(), 1u);
  auto b = claim("worker-b");
  EXPECT_FALSE(b.count(far_id) || b.count(other_id)) << "leased jobs are not claimed twice";

  auto complete = [&](uint64_t id, const std::string& owner, std::vector<std::string> retry,
                      bool give_up, grpc::Status* status = nullptr) {
    pb::CompleteOutboundRequest req;
    req.set_id(id);
    req.set_owner(owner);
    for (auto& r : retry) req.add_retry(r);
    req.set_retry_after_seconds(0);
    req.set_error("451 4.7.1 try again");
    req.set_give_up(give_up);
    req.set_warned(!retry.empty());  // as a worker does once it stored a delay warning
    pb::CompleteOutboundResponse resp;
    auto c = rpc::ContextWithDeadline();
    grpc::Status s = stub().CompleteOutbound(c.get(), req, &resp);
    if (status) *status = s;
    return resp.removed();
  };
  grpc::Status s;
  complete(far_id, "worker-b", {}, false, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << "only the lease holder";
  EXPECT_FALSE(complete(far_id, "worker-a", {"b@far.example"}, false));
  jobs = list("queued");
  EXPECT_EQ(jobs[far_id].recipients_size(), 1);
  EXPECT_EQ(jobs[far_id].last_error(), "451 4.7.1 try again");
  EXPECT_TRUE(jobs[far_id].warned()) << "the delay warning is remembered";
  EXPECT_FALSE(jobs[other_id].warned());
  EXPECT_TRUE(claim("worker-b").count(far_id)) << "due again at once, lease released";
  EXPECT_FALSE(complete(far_id, "worker-b", {"b@far.example"}, true));
  EXPECT_TRUE(list("failed").count(far_id)) << "given up: kept as failed";
  EXPECT_TRUE(complete(other_id, "worker-a", {}, false)) << "all delivered: removed";
  EXPECT_FALSE(list("").count(other_id));

  // Operator actions.
  pb::UpdateOutboundRequest up;
  up.set_id(far_id);
  up.set_action(pb::UpdateOutboundRequest::RETRY);
  pb::OutboundJob job;
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().UpdateOutbound(ctx.get(), up, &job).ok());
  EXPECT_EQ(job.state(), "queued");
  up.set_action(pb::UpdateOutboundRequest::HOLD);
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().UpdateOutbound(ctx.get(), up, &job).ok());
  EXPECT_EQ(job.state(), "held");
  EXPECT_FALSE(claim("worker-c").count(far_id)) << "held jobs wait";
  up.set_action(pb::UpdateOutboundRequest::RELEASE);
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().UpdateOutbound(ctx.get(), up, &job).ok());
  EXPECT_EQ(job.state(), "queued");
  up.set_action(pb::UpdateOutboundRequest::DELETE);
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().UpdateOutbound(ctx.get(), up, &job).ok());
  EXPECT_FALSE(list("").count(far_id));
  ctx = rpc::ContextWithDeadline();
  EXPECT_EQ(stub().UpdateOutbound(ctx.get(), up, &job).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(FetchWhole(local, "INBOX", 1), content) << "the local copy is untouched";
}

TEST_F(StorageApiTest, OutboundOnlyAndAllOrNothingWithLocalCopies) {
  pb::DeliverRequest only;
  only.add_outbound("x@far.example");
  only.set_content(Message("outbound-only"));
  pb::DeliverResponse resp;
  auto ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().Deliver(ctx.get(), only, &resp).ok());
  EXPECT_EQ(resp.outbound_jobs_size(), 1);
  EXPECT_GT(resp.message_id(), 0u);

  const std::string full = NewAccount("full");
  pb::SetQuotaRequest q;
  q.set_account(full);
  q.set_messages(1);
  pb::Quota qr;
  ctx = rpc::ContextWithDeadline();
  ASSERT_TRUE(stub().SetQuota(ctx.get(), q, &qr).ok());
  ASSERT_TRUE(Deliver({full}, Message("fills"), nullptr).ok());
  const std::string before = Sql("SELECT count(*) FROM outbound_queue");
  pb::DeliverRequest both;
  both.add_accounts(full);
  both.add_outbound("y@far.example");
  both.set_content(Message("both"));
  ctx = rpc::ContextWithDeadline();
  EXPECT_EQ(stub().Deliver(ctx.get(), both, &resp).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Sql("SELECT count(*) FROM outbound_queue"), before) << "nothing queued either";
  pb::DeliverRequest bad;
  bad.add_outbound("not an address");
  bad.set_content(Message("bad"));
  ctx = rpc::ContextWithDeadline();
  EXPECT_EQ(stub().Deliver(ctx.get(), bad, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace tern::storage::testing
