// ParseCommand: one table of lines and the command each must give, hostile rows included
// (control characters, NUL, every unknown or invalid parameter, case, trailing spaces).
#include "tern/smtp_protocol/command.h"

#include <string>

#include "gtest/gtest.h"
#include "tern/testing/chunkings.h"

namespace tern::smtp_protocol {
namespace {

using namespace std::string_literals;
using ::tern::testing::Escape;

std::string Show(const Path& p) { return "<" + p.Address() + ">" + (p.utf8 ? " utf8" : ""); }

// A command as one line of text, so that the table stays readable.
struct Describe {
  std::string operator()(const Helo& c) const { return "HELO " + c.domain; }
  std::string operator()(const Ehlo& c) const { return "EHLO " + c.domain; }
  std::string operator()(const Mail& c) const {
    std::string s = "MAIL " + Show(c.reverse_path);
    if (c.params.size) s += " SIZE=" + std::to_string(*c.params.size);
    if (c.params.body) {
      s += *c.params.body == BodyType::k7Bit       ? " BODY=7BIT"
           : *c.params.body == BodyType::k8BitMime ? " BODY=8BITMIME"
                                                   : " BODY=BINARYMIME";
    }
    if (c.params.smtputf8) s += " SMTPUTF8";
    if (c.params.auth) s += " AUTH=" + *c.params.auth;
    return s;
  }
  std::string operator()(const Rcpt& c) const { return "RCPT " + Show(c.forward_path); }
  std::string operator()(const Data&) const { return "DATA"; }
  std::string operator()(const Bdat& c) const {
    return "BDAT " + std::to_string(c.size) + (c.last ? " LAST" : "");
  }
  std::string operator()(const Rset&) const { return "RSET"; }
  std::string operator()(const Noop&) const { return "NOOP"; }
  std::string operator()(const Quit&) const { return "QUIT"; }
  std::string operator()(const Vrfy& c) const { return "VRFY " + c.arg; }
  std::string operator()(const Expn& c) const { return "EXPN " + c.arg; }
  std::string operator()(const Help& c) const {
    return "HELP" + (c.topic.empty() ? "" : " " + c.topic);
  }
  std::string operator()(const StartTls&) const { return "STARTTLS"; }
  std::string operator()(const Auth& c) const {
    return "AUTH " + c.mechanism + (c.initial_response ? " ir=" + *c.initial_response : "");
  }
  std::string operator()(const Unknown& c) const {
    return "UNKNOWN " + c.verb + " " + std::to_string(c.reply.code) + " " + c.reply.enhanced;
  }
  std::string operator()(const Invalid& c) const {
    return "INVALID " + c.verb + " " + std::to_string(c.reply.code) + " " + c.reply.enhanced;
  }
};

std::string Parse(std::string_view line) { return std::visit(Describe{}, ParseCommand(line)); }

struct Row {
  std::string line;
  std::string want;
};

TEST(ParseCommandTest, Table) {
  const Row rows[] = {
      // HELO / EHLO
      {"HELO mx.example.com", "HELO mx.example.com"},
      {"helo mx", "HELO mx"},
      {"EHLO [192.0.2.1]", "EHLO [192.0.2.1]"},
      {"eHlO client.example.org   ", "EHLO client.example.org"},
      {"EHLO client\t", "EHLO client"},
      {"EHLO  two-spaces", "EHLO two-spaces"},
      {"  EHLO leading", "EHLO leading"},
      {"EHLO", "INVALID EHLO 501 5.5.2"},
      {"EHLO ", "INVALID EHLO 501 5.5.2"},
      {"EHLO a b", "INVALID EHLO 501 5.5.2"},
      {"HELO h\xc3\xa9", "INVALID HELO 501 5.5.2"},
      // MAIL
      {"MAIL FROM:<>", "MAIL <>"},
      {"MAIL FROM:<a@b.example>", "MAIL <a@b.example>"},
      {"mail from:<a@b.example>", "MAIL <a@b.example>"},
      {"MAIL FROM: <a@b.example>", "MAIL <a@b.example>"},
      {"MAIL FROM:<a@b.example>  ", "MAIL <a@b.example>"},
      {"MAIL FROM:<\"john doe\"@example.com>", "MAIL <\"john doe\"@example.com>"},
      {"MAIL FROM:<\"john\"@example.com>", "MAIL <john@example.com>"},
      {"MAIL FROM:<@a.example,@b.example:user@c.example>", "MAIL <user@c.example>"},
      {"MAIL FROM:<user@[192.0.2.1]>", "MAIL <user@[192.0.2.1]>"},
      {"MAIL FROM:<user@[IPv6:2001:db8::1]>", "MAIL <user@[IPv6:2001:db8::1]>"},
      {"MAIL FROM:<jos\xc3\xa9@ex\xc3\xa4mple.com> SMTPUTF8",
       "MAIL <jos\xc3\xa9@ex\xc3\xa4mple.com> utf8 SMTPUTF8"},
      {"MAIL FROM:<jos\xc3\xa9@example.com>", "MAIL <jos\xc3\xa9@example.com> utf8"},
      {"MAIL FROM:<a@b.example> SIZE=1000", "MAIL <a@b.example> SIZE=1000"},
      {"MAIL FROM:<a@b.example> size=1000 body=8bitmime",
       "MAIL <a@b.example> SIZE=1000 BODY=8BITMIME"},
      {"MAIL FROM:<a@b.example>  BODY=BINARYMIME   SMTPUTF8 ",
       "MAIL <a@b.example> BODY=BINARYMIME SMTPUTF8"},
      {"MAIL FROM:<a@b.example> BODY=7BIT", "MAIL <a@b.example> BODY=7BIT"},
      {"MAIL FROM:<a@b.example> AUTH=<>", "MAIL <a@b.example> AUTH=<>"},
      {"MAIL FROM:<a@b.example> AUTH=joe+2Bx@example.com",
       "MAIL <a@b.example> AUTH=joe+x@example.com"},
      {"MAIL FROM:<a@b.example> SIZE=18446744073709551615",
       "MAIL <a@b.example> SIZE=18446744073709551615"},
      {"MAIL FROM:<> SIZE=0", "MAIL <> SIZE=0"},
      {"MAIL FROM:a@b.example", "INVALID MAIL 501 5.5.2"},
      {"MAIL FROM <a@b.example>", "INVALID MAIL 501 5.5.2"},
      {"MAIL TO:<a@b.example>", "INVALID MAIL 501 5.5.2"},
      {"MAIL", "INVALID MAIL 501 5.5.2"},
      {"MAIL FROM:", "INVALID MAIL 501 5.5.2"},
      {"MAIL FROM:<a@b.example>SIZE=1", "INVALID MAIL 501 5.5.2"},
      {"MAIL FROM:<a@b.example", "INVALID MAIL 553 5.1.3"},
      {"MAIL FROM:<a>", "INVALID MAIL 553 5.1.3"},
      {"MAIL FROM:<postmaster>", "INVALID MAIL 553 5.1.3"},
      {"MAIL FROM:<a b@c.example>", "INVALID MAIL 553 5.1.3"},
      {"MAIL FROM:<a@b_c.example>", "INVALID MAIL 553 5.1.3"},
      {"MAIL FROM:<\xff@b.example>", "INVALID MAIL 553 5.1.3"},
      // MAIL parameters: invalid values (501 5.5.4) and unknown names (555 5.5.4)
      {"MAIL FROM:<a@b.example> SIZE=18446744073709551616", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> SIZE=abc", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> SIZE=", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> SIZE", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> SIZE=-1", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> SIZE=1 SIZE=2", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> BODY=9BIT", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> BODY", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> BODY=7BIT BODY=8BITMIME", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> SMTPUTF8=yes", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> SMTPUTF8 SMTPUTF8", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> AUTH=", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> AUTH", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> AUTH=a+zz", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> AUTH=a+2", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> =x", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> -X=1", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> A=b=c", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> X=\xc3\xa9", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> SIZE=x RET=HDRS", "INVALID MAIL 501 5.5.4"},
      {"MAIL FROM:<a@b.example> RET=FULL", "INVALID MAIL 555 5.5.4"},
      {"MAIL FROM:<a@b.example> ENVID=abc", "INVALID MAIL 555 5.5.4"},
      {"MAIL FROM:<a@b.example> REQUIRETLS", "INVALID MAIL 555 5.5.4"},
      {"MAIL FROM:<a@b.example> MT-PRIORITY=3", "INVALID MAIL 555 5.5.4"},
      {"MAIL FROM:<a@b.example> HOLDFOR=10", "INVALID MAIL 555 5.5.4"},
      {"MAIL FROM:<a@b.example> X-FOO", "INVALID MAIL 555 5.5.4"},
      {"MAIL FROM:<a@b.example> SIZE=10 RET=HDRS", "INVALID MAIL 555 5.5.4"},
      // RCPT
      {"RCPT TO:<b@example.org>", "RCPT <b@example.org>"},
      {"rcpt to: <b@example.org> ", "RCPT <b@example.org>"},
      {"RCPT TO:<Postmaster>", "RCPT <Postmaster>"},
      {"RCPT TO:<postmaster@example.org>", "RCPT <postmaster@example.org>"},
      {"RCPT TO:<\"a b\"@[IPv6:::1]>", "RCPT <\"a b\"@[IPv6:::1]>"},
      {"RCPT TO:<>", "INVALID RCPT 553 5.1.3"},
      {"RCPT TO:<\"postmaster\">", "INVALID RCPT 553 5.1.3"},
      {"RCPT TO:b@example.org", "INVALID RCPT 501 5.5.2"},
      {"RCPT FROM:<b@example.org>", "INVALID RCPT 501 5.5.2"},
      {"RCPT", "INVALID RCPT 501 5.5.2"},
      {"RCPT TO:<b@example.org> NOTIFY=NEVER", "INVALID RCPT 555 5.5.4"},
      {"RCPT TO:<b@example.org> ORCPT=rfc822;b@example.org", "INVALID RCPT 555 5.5.4"},
      {"RCPT TO:<b@example.org> SIZE=1", "INVALID RCPT 555 5.5.4"},
      {"RCPT TO:<b@example.org> =", "INVALID RCPT 501 5.5.4"},
      // DATA, BDAT and the argument-less commands
      {"DATA", "DATA"},
      {"data", "DATA"},
      {"DATA ", "DATA"},
      {"DATA now", "INVALID DATA 501 5.5.4"},
      {"BDAT 100", "BDAT 100"},
      {"BDAT 0 LAST", "BDAT 0 LAST"},
      {"bdat 5 last", "BDAT 5 LAST"},
      {"BDAT  7   LAST  ", "BDAT 7 LAST"},
      {"BDAT", "INVALID BDAT 501 5.5.2"},
      {"BDAT 5 FIRST", "INVALID BDAT 501 5.5.2"},
      {"BDAT 5 LAST x", "INVALID BDAT 501 5.5.2"},
      {"BDAT x", "INVALID BDAT 501 5.5.4"},
      {"BDAT -1", "INVALID BDAT 501 5.5.4"},
      {"BDAT 99999999999999999999", "INVALID BDAT 501 5.5.4"},
      {"RSET", "RSET"},
      {"RSET x", "INVALID RSET 501 5.5.4"},
      {"NOOP", "NOOP"},
      {"noop anything at all", "NOOP"},
      {"QUIT", "QUIT"},
      {"Quit", "QUIT"},
      {"QUIT now", "INVALID QUIT 501 5.5.4"},
      {"STARTTLS", "STARTTLS"},
      {"starttls", "STARTTLS"},
      {"STARTTLS x", "INVALID STARTTLS 501 5.5.4"},
      // VRFY, EXPN, HELP
      {"VRFY postmaster", "VRFY postmaster"},
      {"VRFY John Smith", "VRFY John Smith"},
      {"VRFY", "INVALID VRFY 501 5.5.2"},
      {"EXPN staff", "EXPN staff"},
      {"EXPN", "INVALID EXPN 501 5.5.2"},
      {"HELP", "HELP"},
      {"help mail", "HELP mail"},
      // AUTH
      {"AUTH PLAIN", "AUTH PLAIN"},
      {"auth plain AGFsaWNlAHNlY3JldA==", "AUTH PLAIN ir=AGFsaWNlAHNlY3JldA=="},
      {"AUTH PLAIN =", "AUTH PLAIN ir="},
      {"AUTH login", "AUTH LOGIN"},
      {"AUTH CRAM-MD5", "AUTH CRAM-MD5"},
      {"AUTH X_OAUTH2", "AUTH X_OAUTH2"},
      {"AUTH", "INVALID AUTH 501 5.5.2"},
      {"AUTH PLAIN !!!!", "AUTH PLAIN ir=!!!!"},  // decoded (and refused) by the session
      {"AUTH XOAUTH2 dXNlcj1h.b", "AUTH XOAUTH2 ir=dXNlcj1h.b"},
      {"AUTH PLAIN a b", "INVALID AUTH 501 5.5.2"},
      {"AUTH PLAIN ==", "AUTH PLAIN ir==="},
      {"AUTH THIS-NAME-IS-TOO-LONG-FOR-SASL", "INVALID AUTH 501 5.5.2"},
      {"AUTH PL@IN", "INVALID AUTH 501 5.5.2"},
      // Not commands
      {"", "INVALID  500 5.5.2"},
      {"   ", "INVALID  500 5.5.2"},
      {"FOO", "UNKNOWN FOO 500 5.5.1"},
      {"GET / HTTP/1.1", "UNKNOWN GET 500 5.5.1"},
      {"MAILFROM:<a@b.example>", "UNKNOWN MAILFROM:<a@b.example> 500 5.5.1"},
      {"EHLO\xc2\xa0x", "UNKNOWN EHLO\xc2\xa0x 500 5.5.1"},
      {std::string(100, 'Z'), "UNKNOWN " + std::string(32, 'Z') + " 500 5.5.1"},
      // Control characters anywhere: refused before anything else
      {"NOOP\0"s, "INVALID  501 5.5.2"},
      {"\0NOOP"s, "INVALID  501 5.5.2"},
      {"MAIL FROM:<a\0@b.example>"s, "INVALID  501 5.5.2"},
      {"HELO a\rb", "INVALID  501 5.5.2"},
      {"QUIT\r", "INVALID  501 5.5.2"},
      {"HELO a\nb", "INVALID  501 5.5.2"},
      {"HE\tLO a", "INVALID  501 5.5.2"},
      {"HELO a\x7f", "INVALID  501 5.5.2"},
      {"HELO \x1b[31mred", "INVALID  501 5.5.2"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(Parse(row.line), row.want) << Escape(row.line);
  }
}

TEST(ParseCommandTest, MailFieldsExactly) {
  const Command c = ParseCommand("MAIL FROM:<\"a\\\"b\"@Example.COM> SIZE=42 AUTH=x+3Dy");
  const Mail* m = std::get_if<Mail>(&c);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->reverse_path.local_part, "a\"b");
  EXPECT_EQ(m->reverse_path.domain, "Example.COM");  // case kept
  EXPECT_FALSE(m->reverse_path.utf8);
  EXPECT_EQ(m->params, (MailParams{42, std::nullopt, false, "x=y"}));

  const Command n = ParseCommand("MAIL FROM:<>");
  ASSERT_TRUE(std::holds_alternative<Mail>(n));
  EXPECT_TRUE(std::get<Mail>(n).reverse_path.null());
  EXPECT_EQ(std::get<Mail>(n).params, MailParams{});

  const Command p = ParseCommand("RCPT TO:<postmaster>");
  ASSERT_TRUE(std::holds_alternative<Rcpt>(p));
  EXPECT_FALSE(std::get<Rcpt>(p).forward_path.null());
  EXPECT_EQ(std::get<Rcpt>(p).forward_path.domain, "");
}

TEST(ParseCommandTest, RepliesAreClear) {
  auto reply = [](std::string_view line) {
    const Command c = ParseCommand(line);
    if (const auto* i = std::get_if<Invalid>(&c)) return Format(i->reply);
    if (const auto* u = std::get_if<Unknown>(&c)) return Format(u->reply);
    return std::string("(valid)");
  };
  EXPECT_EQ(reply("FOO"), "500 5.5.1 Command not recognized; type HELP for a list of commands\r\n");
  EXPECT_EQ(reply("MAIL FROM:a@b"), "501 5.5.2 Syntax: MAIL FROM:<sender@example.com>\r\n");
  EXPECT_EQ(reply("RCPT TO:"), "501 5.5.2 Syntax: RCPT TO:<recipient@example.org>\r\n");
  EXPECT_EQ(reply("MAIL FROM:<a@b> RET=FULL"), "555 5.5.4 Unsupported parameter: RET\r\n");
  EXPECT_EQ(reply("MAIL FROM:<a@b> x-" + std::string(40, 'y')),
            "555 5.5.4 Unsupported parameter\r\n");
  EXPECT_EQ(reply("MAIL FROM:<a@b> BODY=9BIT"),
            "501 5.5.4 Invalid BODY value: use 7BIT, 8BITMIME or BINARYMIME\r\n");
  EXPECT_EQ(reply("MAIL FROM:<a@b..c>"), "553 5.1.3 Bad sender address syntax: invalid domain\r\n");
  EXPECT_EQ(reply("RCPT TO:<>"),
            "553 5.1.3 Bad recipient address syntax: empty recipient address\r\n");
  EXPECT_EQ(reply("RCPT TO:<bob>"),
            "553 5.1.3 Bad recipient address syntax: missing '@domain'\r\n");
  EXPECT_EQ(reply("DATA x"), "501 5.5.4 Syntax: DATA (no arguments)\r\n");
  EXPECT_EQ(reply("EHLO"), "501 5.5.2 Syntax: EHLO <your-hostname>\r\n");
  EXPECT_EQ(reply("BDAT"), "501 5.5.2 Syntax: BDAT <octets> [LAST]\r\n");
  EXPECT_EQ(reply("NOOP\r"), "501 5.5.2 Syntax error: control characters are not allowed\r\n");
  EXPECT_EQ(reply(""), "500 5.5.2 Empty command; type HELP for a list\r\n");
}

TEST(ParseCommandTest, CommandNames) {
  EXPECT_EQ(CommandName(ParseCommand("ehlo x")), "EHLO");
  EXPECT_EQ(CommandName(ParseCommand("STARTTLS")), "STARTTLS");
  EXPECT_EQ(CommandName(ParseCommand("BDAT 1")), "BDAT");
  EXPECT_EQ(CommandName(ParseCommand("XYZZY")), "UNKNOWN");
  EXPECT_EQ(CommandName(ParseCommand("MAIL")), "INVALID");
}

}  // namespace
}  // namespace tern::smtp_protocol
