// The auth service against a real PostgreSQL, with the real storage service beside it and an
// injected clock (no sleeps).
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <boost/asio.hpp>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tern/auth/run.h"
#include "tern/auth/v1/auth.grpc.pb.h"
#include "tern/core/clock.h"
#include "tern/rpc/channel.h"
#include "tern/storage/run.h"
#include "tern/storage/v1/storage.grpc.pb.h"
#include "tern/testing/pg_cluster.h"

namespace tern::auth {
namespace {

namespace apb = ::tern::auth::v1;
namespace spb = ::tern::storage::v1;
using namespace std::string_literals;
using ::testing::ElementsAre;

const char* kToken = "test-admin-token-0123456789";

class AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = tern::testing::PgCluster::Start("-c fsync=off");
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
    storage::StorageConfig sc = storage::DefaultConfig();
    sc.database_url = cluster_->url();
    sc.grpc_listen = sc.http_listen = "127.0.0.1:0";
    auto s = storage::StorageServer::Start(sc);
    ASSERT_TRUE(s.ok()) << s.status();
    storage_ = std::move(*s);
    clock_ = new FakeClock(absl::FromUnixSeconds(1800000000));
    auth_ = StartAuth();
    auto ch = rpc::MakeChannel({.target = "127.0.0.1:" + std::to_string(storage_->grpc_port())});
    storage_stub_ = spb::Storage::NewStub(*ch);
  }
  static void TearDownTestSuite() {
    auth_.reset();
    storage_.reset();
    cluster_.reset();
  }
  static AuthConfig Config() {
    setenv("TERN_AUTH_DATABASE_URL", cluster_->url().c_str(), 1);
    auto c = LoadConfig("");
    EXPECT_TRUE(c.ok()) << c.status();
    c->grpc_listen = c->http_listen = "127.0.0.1:0";
    c->admin_token = kToken;
    c->apop_key = std::string(64, 'c');
    c->argon2_t_cost = 1;
    c->argon2_m_cost_kib = 1024;
    c->throttle_free_failures = 2;
    c->throttle_base_delay = absl::Seconds(1);
    c->throttle_lockout_after = 5;
    c->throttle_lockout = absl::Minutes(15);
    c->throttle_lockout_after_ip = 1000;
    c->storage_target = "127.0.0.1:" + std::to_string(storage_->grpc_port());
    return *c;
  }
  static std::unique_ptr<AuthServer> StartAuth() {
    auto a = AuthServer::Start(Config(), *clock_);
    EXPECT_TRUE(a.ok()) << a.status();
    return a.ok() ? std::move(*a) : nullptr;
  }
  static std::shared_ptr<grpc::Channel> Channel(int port) {
    return *rpc::MakeChannel({.target = "127.0.0.1:" + std::to_string(port)});
  }
  std::unique_ptr<grpc::ClientContext> AdminCtx(const std::string& token = kToken) {
    auto ctx = rpc::ContextWithDeadline();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }
  apb::AuthAdmin::Stub& admin() {
    if (!admin_) admin_ = apb::AuthAdmin::NewStub(Channel(auth_->grpc_port()));
    return *admin_;
  }
  static std::string NewDomain() {
    static int n = 0;
    return "d" + std::to_string(++n) + ".example";
  }
  void AddDomain(const std::string& d) {
    apb::DomainRequest req;
    req.set_name(d);
    apb::Domain resp;
    ASSERT_TRUE(admin().AddDomain(AdminCtx().get(), req, &resp).ok());
  }
  grpc::Status AddAccount(const std::string& address, const std::string& password,
                          uint64_t quota_bytes = 0) {
    apb::AddAccountRequest req;
    req.set_address(address);
    req.set_password(password);
    req.set_quota_bytes(quota_bytes);
    apb::Account resp;
    return admin().AddAccount(AdminCtx().get(), req, &resp);
  }
  grpc::Status AddAlias(const std::string& address, std::vector<std::string> targets) {
    apb::AddAliasRequest req;
    req.set_address(address);
    for (auto& t : targets) req.add_targets(t);
    apb::Alias resp;
    return admin().AddAlias(AdminCtx().get(), req, &resp);
  }
  static apb::AuthenticateResponse Plain(int port, const std::string& user, const std::string& pw,
                                         const std::string& ip = "192.0.2.1") {
    auto stub = apb::Auth::NewStub(Channel(port));
    apb::AuthenticateRequest req;
    req.set_mechanism("PLAIN");
    req.add_responses("\0"s + user + "\0"s + pw);
    apb::AuthenticateResponse resp;
    auto ctx = rpc::ContextWithDeadline();
    ctx->AddMetadata("x-tern-client-ip", ip);
    EXPECT_TRUE(stub->Authenticate(ctx.get(), req, &resp).ok());
    return resp;
  }
  apb::LookupRecipientResponse Lookup(const std::string& address) {
    auto stub = apb::Auth::NewStub(Channel(auth_->grpc_port()));
    apb::LookupRecipientRequest req;
    req.set_address(address);
    apb::LookupRecipientResponse resp;
    auto ctx = rpc::ContextWithDeadline();
    EXPECT_TRUE(stub->LookupRecipient(ctx.get(), req, &resp).ok());
    return resp;
  }
  static std::string Sql(const std::string& q) {
    pqxx::connection c(cluster_->url());
    pqxx::nontransaction tx(c);
    auto r = tx.exec(q);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
  }

  static std::unique_ptr<tern::testing::PgCluster> cluster_;
  static std::unique_ptr<storage::StorageServer> storage_;
  static std::unique_ptr<AuthServer> auth_;
  static std::unique_ptr<spb::Storage::Stub> storage_stub_;
  static FakeClock* clock_;
  std::unique_ptr<apb::AuthAdmin::Stub> admin_;
};
std::unique_ptr<tern::testing::PgCluster> AuthTest::cluster_;
std::unique_ptr<storage::StorageServer> AuthTest::storage_;
std::unique_ptr<AuthServer> AuthTest::auth_;
std::unique_ptr<spb::Storage::Stub> AuthTest::storage_stub_;
FakeClock* AuthTest::clock_ = nullptr;

TEST_F(AuthTest, PasswordsAreStoredAsArgon2idAndVerified) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("alice@" + d, "correct horse battery").ok());
  const std::string hash = Sql("SELECT password_hash FROM auth_accounts WHERE address = 'alice@" + d + "'");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(hash.find("correct"), std::string::npos);
  auto ok = Plain(auth_->grpc_port(), "Alice@" + d, "correct horse battery");
  EXPECT_EQ(ok.result(), apb::AuthenticateResponse::OK);
  EXPECT_EQ(ok.account(), "alice@" + d);
  EXPECT_EQ(Plain(auth_->grpc_port(), "alice@" + d, "wrong password").result(),
            apb::AuthenticateResponse::FAILED);
  EXPECT_EQ(Plain(auth_->grpc_port(), "nobody@" + d, "whatever1").result(),
            apb::AuthenticateResponse::FAILED)
      << "an unknown user looks like a wrong password";

  // LOGIN takes two steps, stateless on the server.
  auto stub = apb::Auth::NewStub(Channel(auth_->grpc_port()));
  apb::AuthenticateRequest req;
  req.set_mechanism("login");
  apb::AuthenticateResponse resp;
  ASSERT_TRUE(stub->Authenticate(rpc::ContextWithDeadline().get(), req, &resp).ok());
  EXPECT_EQ(resp.result(), apb::AuthenticateResponse::CONTINUE);
  EXPECT_EQ(resp.challenge(), "Username:");
  req.add_responses("alice@" + d);
  ASSERT_TRUE(stub->Authenticate(rpc::ContextWithDeadline().get(), req, &resp).ok());
  EXPECT_EQ(resp.challenge(), "Password:");
  req.add_responses("correct horse battery");
  ASSERT_TRUE(stub->Authenticate(rpc::ContextWithDeadline().get(), req, &resp).ok());
  EXPECT_EQ(resp.result(), apb::AuthenticateResponse::OK);
  req.set_mechanism("CRAM-MD5");
  ASSERT_TRUE(stub->Authenticate(rpc::ContextWithDeadline().get(), req, &resp).ok());
  EXPECT_EQ(resp.result(), apb::AuthenticateResponse::UNSUPPORTED);
  req.set_mechanism("PLAIN");
  req.clear_responses();
  req.add_responses("no-nuls-here");
  ASSERT_TRUE(stub->Authenticate(rpc::ContextWithDeadline().get(), req, &resp).ok());
  EXPECT_EQ(resp.result(), apb::AuthenticateResponse::MALFORMED);
}

TEST_F(AuthTest, AddingAnAccountCreatesItsMailStoreWithTheQuota) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("q@" + d, "long enough pw", 5000000).ok());
  spb::GetQuotaRequest gq;
  gq.set_account("q@" + d);
  spb::Quota quota;
  ASSERT_TRUE(storage_stub_->GetQuota(rpc::ContextWithDeadline().get(), gq, &quota).ok());
  EXPECT_EQ(quota.storage_bytes_limit(), 5000000u);
  apb::SetQuotaRequest sq;
  sq.set_address("q@" + d);
  sq.set_quota_messages(7);
  apb::Account acc;
  ASSERT_TRUE(admin().SetQuota(AdminCtx().get(), sq, &acc).ok());
  ASSERT_TRUE(storage_stub_->GetQuota(rpc::ContextWithDeadline().get(), gq, &quota).ok());
  EXPECT_EQ(quota.messages_limit(), 7u);
  EXPECT_EQ(acc.quota_messages(), 7u);
}

TEST_F(AuthTest, AliasesCatchAllsAndListsResolveAndLoopsAreRefused) {
  const std::string d = NewDomain();
  AddDomain(d);
  for (const char* u : {"a", "b", "c", "off"}) ASSERT_TRUE(AddAccount(std::string(u) + "@" + d, "password1").ok());
  ASSERT_TRUE(AddAlias("sales@" + d, {"a@" + d, "b@" + d}).ok());
  ASSERT_TRUE(AddAlias("team@" + d, {"sales@" + d, "c@" + d}).ok());
  ASSERT_TRUE(AddAlias("@" + d, {"c@" + d}).ok());
  apb::SetEnabledRequest dis;
  dis.set_address("off@" + d);
  apb::Account acc;
  ASSERT_TRUE(admin().SetEnabled(AdminCtx().get(), dis, &acc).ok());

  auto r = Lookup("Sales@" + d);
  EXPECT_EQ(r.result(), apb::LookupRecipientResponse::ACCOUNTS);
  EXPECT_TRUE(r.is_list());
  EXPECT_EQ(std::vector<std::string>(r.accounts().begin(), r.accounts().end()),
            (std::vector<std::string>{"a@" + d, "b@" + d}));
  r = Lookup("team@" + d);
  EXPECT_EQ(r.accounts_size(), 3) << "nested lists flatten";
  r = Lookup("anything@" + d);
  EXPECT_EQ(r.result(), apb::LookupRecipientResponse::ACCOUNTS);
  EXPECT_EQ(r.accounts(0), "c@" + d) << "catch-all";
  r = Lookup("a@" + d);
  EXPECT_EQ(r.accounts_size(), 1);
  EXPECT_EQ(Lookup("off@" + d).result(), apb::LookupRecipientResponse::DISABLED);
  r = Lookup("someone@elsewhere.example");
  EXPECT_EQ(r.result(), apb::LookupRecipientResponse::UNKNOWN);
  EXPECT_FALSE(r.local_domain());
  EXPECT_EQ(Lookup("not an address").result(), apb::LookupRecipientResponse::UNKNOWN);

  // Loops: direct, through a list, and through the catch-all.
  EXPECT_EQ(AddAlias("x@" + d, {"x@" + d}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(AddAlias("y@" + d, {"z@" + d}).ok());  // z falls to the catch-all: fine
  grpc::Status loop = AddAlias("z@" + d, {"y@" + d});
  EXPECT_EQ(loop.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(loop.error_message().find("loop"), std::string::npos) << loop.error_message();
  EXPECT_EQ(Sql("SELECT count(*) FROM auth_aliases WHERE address = 'z@" + d + "'"), "0")
      << "a refused alias is not stored";
  const std::string d2 = NewDomain();
  AddDomain(d2);
  EXPECT_EQ(AddAlias("@" + d2, {"nobody@" + d2}).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "a catch-all pointing into its own domain at a non-account loops";
  EXPECT_EQ(AddAlias("a@" + d, {"b@" + d}).error_code(), grpc::StatusCode::ALREADY_EXISTS)
      << "an account has that address";
}

TEST_F(AuthTest, ThrottlingIsSharedByTwoInstancesAndLockoutExpires) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("t@" + d, "right password").ok());
  auto second = StartAuth();
  ASSERT_NE(second, nullptr);
  const int ports[2] = {auth_->grpc_port(), second->grpc_port()};
  // Two free failures, then delays: the third failure (on the other instance) blocks.
  EXPECT_EQ(Plain(ports[0], "t@" + d, "bad1").result(), apb::AuthenticateResponse::FAILED);
  EXPECT_EQ(Plain(ports[1], "t@" + d, "bad2").result(), apb::AuthenticateResponse::FAILED);
  auto third = Plain(ports[0], "t@" + d, "bad3");
  EXPECT_EQ(third.result(), apb::AuthenticateResponse::FAILED);
  EXPECT_EQ(third.retry_after_ms(), 1000u);
  auto blocked = Plain(ports[1], "t@" + d, "right password");
  EXPECT_EQ(blocked.result(), apb::AuthenticateResponse::THROTTLED)
      << "the other replica sees the same counter, even with the right password";
  EXPECT_GT(blocked.retry_after_ms(), 0u);
  // Failures keep doubling the delay until the lockout.
  clock_->Advance(absl::Seconds(2));
  EXPECT_EQ(Plain(ports[1], "t@" + d, "bad4").retry_after_ms(), 2000u);
  clock_->Advance(absl::Seconds(3));
  auto locked = Plain(ports[0], "t@" + d, "bad5");
  EXPECT_EQ(locked.retry_after_ms(), 15u * 60 * 1000) << "fifth failure locks out";
  clock_->Advance(absl::Minutes(14));
  EXPECT_EQ(Plain(ports[1], "t@" + d, "right password").result(),
            apb::AuthenticateResponse::THROTTLED);
  clock_->Advance(absl::Minutes(2));
  EXPECT_EQ(Plain(ports[0], "t@" + d, "right password").result(), apb::AuthenticateResponse::OK)
      << "the lockout expired";
  EXPECT_EQ(Sql("SELECT count(*) FROM auth_throttle WHERE scope = 'account' AND key = 't@" + d + "|192.0.2.1'"),
            "0")
      << "a success clears the account's counter";
  second->Stop(100);
}

TEST_F(AuthTest, ThrottlingPerClientAddressCoversManyAccounts) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("v@" + d, "right password").ok());
  // A separate server with a low per-address limit.
  AuthConfig c = Config();
  c.throttle_lockout_after_ip = 4;
  auto server = AuthServer::Start(c, *clock_);
  ASSERT_TRUE(server.ok());
  for (int i = 0; i < 4; ++i) {
    Plain((*server)->grpc_port(), "guess" + std::to_string(i) + "@" + d, "x", "198.51.100.7");
  }
  EXPECT_EQ(Plain((*server)->grpc_port(), "v@" + d, "right password", "198.51.100.7").result(),
            apb::AuthenticateResponse::THROTTLED);
  EXPECT_EQ(Plain((*server)->grpc_port(), "v@" + d, "right password", "198.51.100.8").result(),
            apb::AuthenticateResponse::OK)
      << "another client address is not affected";
  (*server)->Stop(100);
}

TEST_F(AuthTest, DisabledAccountsCannotLogIn) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("dis@" + d, "right password").ok());
  apb::SetEnabledRequest req;
  req.set_address("dis@" + d);
  apb::Account acc;
  ASSERT_TRUE(admin().SetEnabled(AdminCtx().get(), req, &acc).ok());
  EXPECT_FALSE(acc.enabled());
  EXPECT_EQ(Plain(auth_->grpc_port(), "dis@" + d, "right password").result(),
            apb::AuthenticateResponse::DISABLED);
  req.set_enabled(true);
  ASSERT_TRUE(admin().SetEnabled(AdminCtx().get(), req, &acc).ok());
  EXPECT_EQ(Plain(auth_->grpc_port(), "dis@" + d, "right password").result(),
            apb::AuthenticateResponse::OK);
}

TEST_F(AuthTest, ApopDigestIsCheckedAgainstTheEncryptedSecret) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("mrose@" + d, "some password").ok());
  apb::SetApopRequest sa;
  sa.set_address("mrose@" + d);
  sa.set_enabled(true);
  sa.set_secret("tanstaaf");
  apb::Account acc;
  ASSERT_TRUE(admin().SetApop(AdminCtx().get(), sa, &acc).ok());
  EXPECT_TRUE(acc.apop_enabled());
  EXPECT_EQ(Sql("SELECT count(*) FROM auth_accounts WHERE position('tanstaaf'::bytea in "
                "apop_secret) > 0"),
            "0")
      << "the secret is stored encrypted";
  auto stub = apb::Auth::NewStub(Channel(auth_->grpc_port()));
  apb::VerifyApopRequest req;
  req.set_user("mrose@" + d);
  req.set_timestamp("<1896.697170952@dbc.mtview.ca.us>");
  req.set_digest("c4c9334bac560ecc979e58001b3e22fb");  // RFC 1939's example
  apb::AuthenticateResponse resp;
  ASSERT_TRUE(stub->VerifyApop(rpc::ContextWithDeadline().get(), req, &resp).ok());
  EXPECT_EQ(resp.result(), apb::AuthenticateResponse::OK);
  req.set_digest("c4c9334bac560ecc979e58001b3e22fc");
  ASSERT_TRUE(stub->VerifyApop(rpc::ContextWithDeadline().get(), req, &resp).ok());
  EXPECT_EQ(resp.result(), apb::AuthenticateResponse::FAILED);
  sa.set_enabled(false);
  ASSERT_TRUE(admin().SetApop(AdminCtx().get(), sa, &acc).ok());
  req.set_digest("c4c9334bac560ecc979e58001b3e22fb");
  ASSERT_TRUE(stub->VerifyApop(rpc::ContextWithDeadline().get(), req, &resp).ok());
  EXPECT_EQ(resp.result(), apb::AuthenticateResponse::FAILED) << "APOP disabled again";
}

TEST_F(AuthTest, AdminCallsNeedTheTokenAndAreAudited) {
  const std::string d = NewDomain();
  apb::DomainRequest req;
  req.set_name(d);
  apb::Domain resp;
  EXPECT_EQ(admin().AddDomain(AdminCtx("").get(), req, &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(admin().AddDomain(AdminCtx("wrong-token").get(), req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Sql("SELECT count(*) FROM auth_domains WHERE name = '" + d + "'"), "0");
  const std::string before = Sql("SELECT count(*) FROM auth_audit_log");
  AddDomain(d);
  ASSERT_TRUE(AddAccount("au@" + d, "audited password").ok());
  apb::ListAuditRequest lr;
  lr.set_limit(2);
  apb::ListAuditResponse lresp;
  ASSERT_TRUE(admin().ListAudit(AdminCtx().get(), lr, &lresp).ok());
  ASSERT_EQ(lresp.entries_size(), 2);
  EXPECT_EQ(lresp.entries(0).action(), "account.add");
  EXPECT_EQ(lresp.entries(0).target(), "au@" + d);
  EXPECT_EQ(lresp.entries(0).actor(), "admin-token");
  EXPECT_EQ(lresp.entries(1).action(), "domain.add");
  EXPECT_EQ(std::stoi(Sql("SELECT count(*) FROM auth_audit_log")), std::stoi(before) + 2);
  EXPECT_EQ(Sql("SELECT count(*) FROM auth_audit_log WHERE detail LIKE '%audited password%'"), "0");
}

TEST_F(AuthTest, BadAdminInputIsRefusedAndChangesNothing) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("dup@" + d, "first password").ok());
  const std::string before = Sql("SELECT count(*) FROM auth_accounts");
  EXPECT_EQ(AddAccount("not-an-address", "password1").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(AddAccount("dup@" + d, "password1").error_code(), grpc::StatusCode::ALREADY_EXISTS);
  grpc::Status s = AddAccount("x@unknown.example", "password1");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "no such domain: unknown.example");
  EXPECT_EQ(AddAccount("e@" + d, "").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(AddAccount("e@" + d, "short").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Sql("SELECT count(*) FROM auth_accounts"), before);
  apb::DomainRequest rd;
  rd.set_name(d);
  apb::RemoveResponse rr;
  EXPECT_EQ(admin().RemoveDomain(AdminCtx().get(), rd, &rr).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  apb::Domain dom;
  EXPECT_EQ(admin().AddDomain(AdminCtx().get(), rd, &dom).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(AuthTest, RemovingAnAccountRemovesItsMailStore) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("gone@" + d, "password1").ok());
  EXPECT_EQ(Sql("SELECT count(*) FROM mail_accounts WHERE name = 'gone@" + d + "'"), "1");
  apb::AccountRequest req;
  req.set_address("gone@" + d);
  apb::RemoveResponse resp;
  ASSERT_TRUE(admin().RemoveAccount(AdminCtx().get(), req, &resp).ok());
  EXPECT_EQ(Sql("SELECT count(*) FROM mail_accounts WHERE name = 'gone@" + d + "'"), "0");
  EXPECT_EQ(Plain(auth_->grpc_port(), "gone@" + d, "password1").result(),
            apb::AuthenticateResponse::FAILED);
  EXPECT_EQ(admin().RemoveAccount(AdminCtx().get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// RFC 5321 4.5.1: postmaster@ of every domain we serve reaches a person, in this order: an
// account or alias of that name, the domain's postmaster target, the domain's first account.
TEST_F(AuthTest, PostmasterOfEveryDomainReachesAPerson) {
  using L = apb::LookupRecipientResponse;
  const std::string d = NewDomain();
  AddDomain(d);
  L none = Lookup("postmaster@" + d);
  EXPECT_TRUE(none.local_domain());
  EXPECT_EQ(none.result(), L::UNKNOWN) << "a domain with no account reaches nobody";

  ASSERT_TRUE(AddAccount("first@" + d, "password1").ok());
  ASSERT_TRUE(AddAccount("ops@" + d, "password1").ok());
  for (const std::string& pm : {"postmaster@" + d, "PostMaster@" + d, "POSTMASTER@" + d}) {
    L r = Lookup(pm);
    EXPECT_EQ(r.result(), L::ACCOUNTS) << pm;
    EXPECT_THAT(r.accounts(), ElementsAre("first@" + d)) << pm << ": the first account";
  }

  apb::DomainRequest set;
  set.set_name(d);
  set.set_postmaster("ops@" + d);
  apb::Domain dom;
  ASSERT_TRUE(admin().SetDomainPostmaster(AdminCtx().get(), set, &dom).ok());
  EXPECT_EQ(dom.postmaster(), "ops@" + d);
  EXPECT_THAT(dom.postmaster_reaches(), ElementsAre("ops@" + d));
  EXPECT_FALSE(dom.postmaster_fallback());
  EXPECT_THAT(Lookup("postmaster@" + d).accounts(), ElementsAre("ops@" + d)) << "the target";

  ASSERT_TRUE(AddAlias("postmaster@" + d, {"first@" + d}).ok());
  EXPECT_THAT(Lookup("postmaster@" + d).accounts(), ElementsAre("first@" + d))
      << "an alias of that name comes first";

  // A target must reach one of our accounts.
  set.set_postmaster("nobody@" + d);
  EXPECT_EQ(admin().SetDomainPostmaster(AdminCtx().get(), set, &dom).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  set.set_postmaster("not an address");
  EXPECT_EQ(admin().SetDomainPostmaster(AdminCtx().get(), set, &dom).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // A domain added with its postmaster target; domain list reports what each one reaches.
  const std::string e = NewDomain();
  apb::DomainRequest add;
  add.set_name(e);
  add.set_postmaster("ops@" + d);
  ASSERT_TRUE(admin().AddDomain(AdminCtx().get(), add, &dom).ok());
  EXPECT_THAT(Lookup("postmaster@" + e).accounts(), ElementsAre("ops@" + d));
  const std::string f = NewDomain();
  AddDomain(f);
  apb::ListDomainsResponse list;
  ASSERT_TRUE(admin().ListDomains(AdminCtx().get(), {}, &list).ok());
  std::map<std::string, apb::Domain> by_name;
  for (const auto& x : list.domains()) by_name[x.name()] = x;
  EXPECT_THAT(by_name[e].postmaster_reaches(), ElementsAre("ops@" + d));
  EXPECT_TRUE(by_name[f].postmaster_reaches().empty());
  EXPECT_TRUE(by_name[f].postmaster_fallback());

  // Cleared: back to the first account.
  set.set_name(e);
  set.set_postmaster("");
  ASSERT_TRUE(admin().SetDomainPostmaster(AdminCtx().get(), set, &dom).ok());
  EXPECT_EQ(dom.postmaster(), "");
  EXPECT_EQ(Lookup("postmaster@" + e).result(), L::UNKNOWN) << e << " has no account";
  EXPECT_EQ(Sql("SELECT count(*) FROM auth_audit_log WHERE action = 'domain.postmaster'"), "2");

  // "<Postmaster>" alone: the postmaster of the first domain added.
  const std::string primary = Sql("SELECT name FROM auth_domains ORDER BY id LIMIT 1");
  L bare = Lookup("Postmaster");
  L named = Lookup("postmaster@" + primary);
  EXPECT_TRUE(bare.local_domain());
  EXPECT_EQ(bare.result(), named.result());
  EXPECT_EQ(std::vector<std::string>(bare.accounts().begin(), bare.accounts().end()),
            std::vector<std::string>(named.accounts().begin(), named.accounts().end()));
}

// The check and the count are one statement: a parallel burst of wrong passwords for one
// account (the gateways' connections all at once) gets no more verifications than the free
// failures, however many replicas share the counters.
TEST_F(AuthTest, AParallelBurstForOneAccountGetsOnlyTheFreeFailuresVerified) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("burst@" + d, "right password").ok());
  auto second = StartAuth();
  ASSERT_NE(second, nullptr);
  constexpr int kAttempts = 16;
  std::vector<apb::AuthenticateResponse> answers(kAttempts);
  std::vector<std::thread> threads;
  for (int i = 0; i < kAttempts; ++i) {
    const int port = i % 2 ? second->grpc_port() : auth_->grpc_port();
    threads.emplace_back([&answers, i, port, d] {
      answers[i] = Plain(port, "burst@" + d, "wrong " + std::to_string(i), "203.0.113.5");
    });
  }
  for (auto& t : threads) t.join();
  int failed = 0, throttled = 0;
  for (const auto& a : answers) {
    if (a.result() == apb::AuthenticateResponse::FAILED) ++failed;
    if (a.result() == apb::AuthenticateResponse::THROTTLED) {
      ++throttled;
      EXPECT_GT(a.retry_after_ms(), 0u);
    }
  }
  EXPECT_GE(failed, 1);
  // throttle.free_failures is 2: the free failures, plus the one attempt a client trying one
  // after another also gets before its first delay. (Without the atomic check: all 16.)
  EXPECT_LE(failed, 3) << "more passwords were checked than a sequential client gets";
  EXPECT_EQ(failed + throttled, kAttempts);
  EXPECT_EQ(Sql("SELECT failures FROM auth_throttle WHERE scope = 'account' AND key = 'burst@" + d +
                "|203.0.113.5'"),
            std::to_string(failed));
  EXPECT_EQ(Sql("SELECT pending FROM auth_throttle WHERE scope = 'account' AND key = 'burst@" + d +
                "|203.0.113.5'"),
            "0")
      << "nothing left in flight";
  second->Stop(100);
}

// A client opening several connections at once (Thunderbird: up to five) logs each in from one
// address: more than the free failures in flight, none failed. They wait for a place briefly
// instead of being refused.
TEST_F(AuthTest, ParallelCorrectLoginsOfOneAccountAllSucceed) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("many@" + d, "right password").ok());
  constexpr int kAttempts = 8;
  std::vector<apb::AuthenticateResponse> answers(kAttempts);
  std::vector<std::thread> threads;
  for (int i = 0; i < kAttempts; ++i) {
    threads.emplace_back([this, &answers, i, d] {
      answers[i] = Plain(auth_->grpc_port(), "many@" + d, "right password", "203.0.113.9");
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kAttempts; ++i) {
    EXPECT_EQ(answers[i].result(), apb::AuthenticateResponse::OK) << "attempt " << i;
  }
}

long PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Each Argon2 verification takes argon2.m_cost_kib; a burst of logins (distinct users and
// addresses, so no throttle holds them back) is bounded by argon2.max_parallel hashes at once.
TEST_F(AuthTest, ABurstOfLoginsStaysWithinTheHashMemoryBound) {
  AuthConfig c = Config();
  c.argon2_m_cost_kib = 65536;
  c.argon2_max_parallel = 2;
  auto server = AuthServer::Start(c, *clock_);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string d = NewDomain();
  const long before = PeakRssKib();
  ASSERT_GT(before, 0);
  std::vector<std::thread> threads;
  std::atomic<int> answered{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      auto r = Plain((*server)->grpc_port(), "nobody" + std::to_string(i) + "@" + d, "x",
                     "198.18.0." + std::to_string(i + 1));
      if (r.result() == apb::AuthenticateResponse::FAILED) ++answered;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered.load(), 16) << "all verified (a dummy hash for unknown users), in turn";
  const long grown_mib = (PeakRssKib() - before) / 1024;
  EXPECT_LE(grown_mib, 2 * 64 + 48) << "at most argon2.max_parallel hashes of 64 MiB at once";
  (*server)->Stop(100);
}

// Lockout is no weapon: failures from one address lock the account only for that address, and
// an address the account logged in from before is not held back by the address-wide throttle
// that a stranger on the same address set off.
TEST_F(AuthTest, AnAttackerCannotLockOutUsersOnOtherOrKnownAddresses) {
  const std::string d = NewDomain();
  AddDomain(d);
  ASSERT_TRUE(AddAccount("victim@" + d, "victim password").ok());
  ASSERT_TRUE(AddAccount("colleague@" + d, "colleague password").ok());
  ASSERT_TRUE(AddAccount("newcomer@" + d, "newcomer password").ok());
  AuthConfig c = Config();
  c.throttle_lockout_after = 3;
  c.throttle_lockout_after_ip = 4;
  c.cache_max_entries = 0;  // every login is verified and throttled, none remembered
  auto server = AuthServer::Start(c, *clock_);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->grpc_port();
  const std::string office = "198.51.100.20";  // the attacker shares it with the colleague
  ASSERT_EQ(Plain(port, "colleague@" + d, "colleague password", office).result(),
            apb::AuthenticateResponse::OK);
  // Guesses at the victim until it is locked out (3), then at strangers until the address is.
  // The clock moves past each short delay, so every guess that is let through is verified.
  for (int i = 0; i < 4; ++i) {
    Plain(port, "victim@" + d, "guess " + std::to_string(i), office);
    clock_->Advance(absl::Minutes(2));
  }
  for (int i = 0; i < 4; ++i) {
    Plain(port, "stranger" + std::to_string(i) + "@" + d, "guess", office);
    clock_->Advance(absl::Minutes(2));
  }
  EXPECT_EQ(Plain(port, "victim@" + d, "victim password", office).result(),
            apb::AuthenticateResponse::THROTTLED)
      << "from the attacker's address the account is locked";
  EXPECT_EQ(Plain(port, "victim@" + d, "victim password", "192.0.2.99").result(),
            apb::AuthenticateResponse::OK)
      << "the victim elsewhere is not locked out";
  EXPECT_EQ(Plain(port, "colleague@" + d, "colleague password", office).result(),
            apb::AuthenticateResponse::OK)
      << "a known user of the attacker's address still gets in";
  EXPECT_EQ(Plain(port, "newcomer@" + d, "newcomer password", office).result(),
            apb::AuthenticateResponse::THROTTLED)
      << "the address-wide throttle holds back addresses the account never used";
  (*server)->Stop(100);
}

}  // namespace
}  // namespace tern::auth
