// CAPA, the AUTH mechanism list, and the LIST / UIDL listings.
#include "tern/pop3_protocol/listing.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tern::pop3_protocol {
namespace {

TEST(CapaTest, Defaults) {
  EXPECT_EQ(CapaResponse({}),
            "+OK capability list follows\r\n"
            "TOP\r\n"
            "USER\r\n"
            "SASL PLAIN\r\n"
            "RESP-CODES\r\n"
            "AUTH-RESP-CODE\r\n"
            "PIPELINING\r\n"
            "UIDL\r\n"
            "IMPLEMENTATION Tern\r\n"
            ".\r\n");
}

TEST(CapaTest, BeforeStlsOnAPlaintextConnection) {
  Capabilities c;
  c.user = false;  // plaintext logins refused: offer them only after STLS
  c.sasl.clear();
  c.stls = true;
  EXPECT_EQ(CapaResponse(c),
            "+OK capability list follows\r\n"
            "TOP\r\n"
            "RESP-CODES\r\n"
            "AUTH-RESP-CODE\r\n"
            "PIPELINING\r\n"
            "UIDL\r\n"
            "STLS\r\n"
            "IMPLEMENTATION Tern\r\n"
            ".\r\n");
}

TEST(CapaTest, EverythingOptional) {
  Capabilities c;
  c.sasl = {"PLAIN", "LOGIN", "bad name", "SCRAM-SHA-256", "", std::string(21, 'X')};
  c.login_delay = LoginDelay{900, true};
  c.expire = Expire{std::nullopt, false};
  c.stls = true;
  c.implementation = "Tern 1.0\r\nEVIL";
  EXPECT_EQ(CapaResponse(c),
            "+OK capability list follows\r\n"
            "TOP\r\n"
            "USER\r\n"
            "SASL PLAIN LOGIN SCRAM-SHA-256\r\n"
            "RESP-CODES\r\n"
            "AUTH-RESP-CODE\r\n"
            "LOGIN-DELAY 900 USER\r\n"
            "PIPELINING\r\n"
            "EXPIRE NEVER\r\n"
            "UIDL\r\n"
            "STLS\r\n"
            "IMPLEMENTATION Tern 1.0??EVIL\r\n"
            ".\r\n");
  c.expire = Expire{0, false};
  EXPECT_NE(CapaResponse(c).find("\r\nEXPIRE 0\r\n"), std::string::npos);
  c.expire = Expire{31, true};
  EXPECT_NE(CapaResponse(c).find("\r\nEXPIRE 31 USER\r\n"), std::string::npos);
  c.login_delay = LoginDelay{0, false};
  EXPECT_NE(CapaResponse(c).find("\r\nLOGIN-DELAY 0\r\n"), std::string::npos);
}

TEST(CapaTest, Minimal) {
  Capabilities c;
  c.top = c.user = c.resp_codes = c.auth_resp_code = c.pipelining = c.uidl = false;
  c.sasl.clear();
  c.implementation.clear();
  EXPECT_EQ(CapaResponse(c), "+OK capability list follows\r\n.\r\n");
}

TEST(MechanismListingTest, Table) {
  EXPECT_EQ(MechanismListing({"PLAIN", "LOGIN"}),
            "+OK SASL mechanisms follow\r\nPLAIN\r\nLOGIN\r\n.\r\n");
  EXPECT_EQ(MechanismListing({}), "+OK SASL mechanisms follow\r\n.\r\n");
  EXPECT_EQ(MechanismListing({".", "A\r\nB"}), "+OK SASL mechanisms follow\r\n.\r\n");
}

TEST(ScanListingTest, Table) {
  EXPECT_EQ(ScanListing({{1, 120}, {2, 200}}),
            "+OK scan listing follows\r\n1 120\r\n2 200\r\n.\r\n");
  EXPECT_EQ(ScanListing({}), "+OK scan listing follows\r\n.\r\n");
  EXPECT_EQ(ScanListing({{4294967295u, 18446744073709551615u}}),
            "+OK scan listing follows\r\n4294967295 18446744073709551615\r\n.\r\n");
  std::string out;
  AppendScanLine(3, 0, &out);
  EXPECT_EQ(out, "3 0\r\n");
}

TEST(UidlListingTest, Table) {
  EXPECT_EQ(UidlListing({{1, "whqtswO00WBw418f9t5JxYwZ"}, {2, "QhdPYR:00WBw1Ph7x7"}}),
            "+OK unique-id listing follows\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n"
            "2 QhdPYR:00WBw1Ph7x7\r\n.\r\n");
  EXPECT_EQ(UidlListing({}), "+OK unique-id listing follows\r\n.\r\n");
  // Nothing the caller passes breaks the framing or the RFC 1939 character set.
  EXPECT_EQ(UidlListing(
                {{1, "a b"}, {2, "\r\n."}, {3, ""}, {4, std::string(71, 'x')}, {5, "caf\xc3\xa9"}}),
            "+OK unique-id listing follows\r\n1 a?b\r\n2 ??.\r\n3 ?\r\n4 " + std::string(70, 'x') +
                "\r\n5 caf??\r\n.\r\n");
  std::string out;
  AppendUidlLine(7, "id", &out);
  EXPECT_EQ(out, "7 id\r\n");
}

}  // namespace
}  // namespace tern::pop3_protocol
