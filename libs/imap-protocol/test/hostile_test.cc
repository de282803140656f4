// The codec against hostile clients: every row goes through CommandReader and ParseCommand fed
// whole, one octet at a time and in seeded random chunks, and must give the same events in all
// of them, the ones the row states: unbalanced parentheses, nesting past the bound, huge
// literal announcements (more than 20 digits too), NUL, control and 8-bit octets outside
// strings, bad sequence sets, bad modified UTF-7 names and date-time edge cases. Then the
// pieces on their own: DecodeMailboxName / EncodeMailboxName, ParseDateTime / AppendDateTime.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "parse_rows.h"
#include "tern/imap_protocol/command.h"
#include "tern/imap_protocol/command_reader.h"
#include "tern/imap_protocol/mutf7.h"
#include "tern/imap_protocol/writer.h"
#include "tern/testing/chunkings.h"

namespace tern::imap_protocol {
namespace {

using ::tern::testing::AllChunkings;
using ::tern::testing::Escape;
using test::Describe;
using Kind = CommandReader::Result::Kind;

// A mailbox name as sent, "=" and its decoded form ("!" when it is not modified UTF-7).
std::string Name(const std::string& sent) {
  const std::optional<std::string> utf8 = DecodeMailboxName(sent);
  return Escape(sent) + "=" + (utf8 ? Escape(*utf8) : "!");
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : " ") + s;
  return "(" + out + ")";
}

// A parsed command in short: "OK <NAME> <what matters>" or "BAD <tag>|<text>".
std::string Summary(const Parsed& p) {
  if (!p.ok) return "BAD " + p.tag + "|" + p.error;
  std::string out = "OK " + std::string(CommandName(p.command));
  if (const auto* c = std::get_if<Login>(&p.command)) {
    out += " " + Escape(c->user) + "|" + Escape(c->password);
  } else if (const auto* c = std::get_if<Select>(&p.command)) {
    out += " " + Name(c->mailbox);
  } else if (const auto* c = std::get_if<Create>(&p.command)) {
    out += " " + Name(c->mailbox);
  } else if (const auto* c = std::get_if<Fetch>(&p.command)) {
    out += " " + Describe(c->set) + " " + Describe(c->atts);
    if (c->changed_since != 0) out += " CHANGEDSINCE " + std::to_string(c->changed_since);
  } else if (const auto* c = std::get_if<Search>(&p.command)) {
    out += " " + Describe(c->key);
  } else if (const auto* c = std::get_if<Store>(&p.command)) {
    out += " " + Describe(c->set) + " " + Join(c->flags);
  } else if (const auto* c = std::get_if<Copy>(&p.command)) {
    out += " " + Describe(c->set) + " " + Name(c->mailbox);
  } else if (const auto* c = std::get_if<Expunge>(&p.command)) {
    if (c->uids) out += " " + Describe(*c->uids);
  } else if (const auto* c = std::get_if<Append>(&p.command)) {
    out += " " + Name(c->mailbox) + " " + Join(c->flags);
    if (c->date) {
      out += " @" + std::to_string(c->date->unix_seconds) + "/" +
             std::to_string(c->date->zone_minutes);
    }
    out += " " + std::to_string(c->message.size()) + ":" + Escape(c->message);
  }
  return out;
}

// Feeds `pieces`, draining the reader after each: a Summary per command, "+" per
// continuation, "REFUSED <tag>|<text>|<code>" (and "|FATAL") per refusal.
std::vector<std::string> Run(const std::vector<std::string_view>& pieces, const Limits& limits) {
  CommandReader reader(limits);
  std::vector<std::string> events;
  for (std::string_view piece : pieces) {
    reader.Feed(piece);
    for (auto r = reader.Next(); r.kind != Kind::kNeedMore; r = reader.Next()) {
      if (r.kind == Kind::kCommand) {
        events.push_back(Summary(ParseCommand(r.command, limits)));
      } else if (r.kind == Kind::kContinue) {
        events.push_back("+");
      } else if (r.kind == Kind::kRefused) {
        events.push_back("REFUSED " + r.tag + "|" + r.text + "|" + r.code +
                         (r.fatal ? "|FATAL" : ""));
      } else {
        events.push_back("UNEXPECTED");
      }
    }
  }
  return events;
}

struct Row {
  std::string name;
  std::string wire;
  std::vector<std::string> events;
};

// Each row in every chunking: the same events as fed whole, and the events the row states.
void ExpectRows(const std::vector<Row>& rows, const Limits& limits = {}) {
  for (const Row& row : rows) {
    std::vector<std::string> whole;
    for (const auto& c : AllChunkings(row.wire)) {
      SCOPED_TRACE(row.name + " (" + c.name + "): " + Escape(row.wire));
      const std::vector<std::string> got = Run(c.pieces, limits);
      if (c.name == "whole") {
        whole = got;
      } else {
        EXPECT_EQ(got, whole) << "differs from the whole feed";
      }
      EXPECT_EQ(got, row.events);
    }
  }
}

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(HostileTest, UnbalancedParentheses) {
  ExpectRows({
      {"fetch list not closed", "a FETCH 1 (FLAGS UID\r\n", {"BAD a|Unbalanced parentheses"}},
      {"fetch close without open", "a FETCH 1 FLAGS)\r\n", {"BAD a|Unbalanced parentheses"}},
      {"fetch closed twice", "a FETCH 1 (FLAGS))\r\n", {"BAD a|Unbalanced parentheses"}},
      {"fetch modifier not closed", "a FETCH 1 FLAGS (CHANGEDSINCE 5\r\n",
       {"BAD a|Bad fetch modifier"}},
      {"fetch list in a list", "a FETCH 1 ((FLAGS))\r\n", {"BAD a|Bad fetch attribute"}},
      {"fetch empty list", "a FETCH 1 ()\r\n", {"BAD a|Bad fetch attribute"}},
      {"header list not closed", "a FETCH 1 BODY[HEADER.FIELDS (From]\r\n",
       {"BAD a|Bad header list"}},
      {"section not closed", "a FETCH 1 BODY[HEADER.FIELDS (From)\r\n", {"BAD a|Bad section"}},
      {"search list not closed", "a SEARCH (ALL (SEEN)\r\n", {"BAD a|Unbalanced parentheses"}},
      {"search opens only", "a SEARCH ((((ALL\r\n", {"BAD a|Unbalanced parentheses"}},
      {"search close without open", "a SEARCH ALL)\r\n", {"BAD a|Unbalanced parentheses"}},
      {"search close first", "a SEARCH )(\r\n", {"BAD a|Unbalanced parentheses"}},
      {"search closed after a key", "a SEARCH SEEN (ALL))\r\n",
       {"BAD a|Unbalanced parentheses"}},
      {"search balanced", "a SEARCH (SEEN (ALL))\r\n", {"OK SEARCH ((SEEN (ALL)))"}},
      {"status not closed", "a STATUS INBOX (MESSAGES\r\n", {"BAD a|Unbalanced parentheses"}},
      {"status closed twice", "a STATUS INBOX (MESSAGES))\r\n",
       {"BAD a|Unbalanced parentheses"}},
      {"flag list not closed", "a STORE 1 FLAGS (\\Seen\r\n", {"BAD a|Unbalanced parentheses"}},
      {"flag list closed twice", "a STORE 1 FLAGS (\\Seen))\r\n",
       {"BAD a|Unbalanced parentheses"}},
      {"append flags not closed", "a APPEND INBOX (\\Seen {5}\r\nhello\r\n",
       {"+", "BAD a|Bad flag list"}},
      {"id not closed", "a ID (\"name\" \"x\"\r\n", {"BAD a|Unbalanced parentheses"}},
      {"select parameters not closed", "a SELECT INBOX (CONDSTORE\r\n",
       {"BAD a|Bad SELECT parameters"}},
      {"list options not closed", "a LIST (SPECIAL-USE \"\" *\r\n", {"BAD a|Bad LIST options"}},
      {"close on a bare command", "a NOOP)\r\n", {"BAD a|Unbalanced parentheses"}},
  });
}

TEST(HostileTest, DeepNesting) {
  const Limits limits;  // max_nesting 16
  const std::string ok16 = Repeat("(", 16) + "ALL" + Repeat(")", 16);
  const std::string deep17 = Repeat("(", 17) + "ALL" + Repeat(")", 17);
  ExpectRows({
      {"16 lists: the bound", "a SEARCH " + ok16 + "\r\n",
       {"OK SEARCH " + Repeat("(", 17) + "ALL" + Repeat(")", 17)}},
      {"17 lists", "a SEARCH " + deep17 + "\r\n", {"BAD a|Search keys nested too deep"}},
      {"10000 opens, no stack to spare", "a SEARCH " + Repeat("(", 10000) + "\r\n",
       {"BAD a|Search keys nested too deep"}},
      {"16 NOTs", "a SEARCH " + Repeat("NOT ", 16) + "ALL\r\n",
       {"OK SEARCH (" + Repeat("NOT ", 16) + "ALL)"}},
      {"17 NOTs", "a SEARCH " + Repeat("NOT ", 17) + "ALL\r\n",
       {"BAD a|Search keys nested too deep"}},
      {"17 ORs", "a SEARCH " + Repeat("OR ", 17) + Repeat("ALL ", 17) + "ALL\r\n",
       {"BAD a|Search keys nested too deep"}},
      {"NOT and lists together count", "a SEARCH " + Repeat("NOT (", 9) + "ALL" +
                                           Repeat(")", 9) + "\r\n",
       {"BAD a|Search keys nested too deep"}},
      {"1024 keys: the bound", "a SEARCH" + Repeat(" SEEN", 1024) + "\r\n",
       {"OK SEARCH (SEEN" + Repeat(" SEEN", 1023) + ")"}},
      {"1025 keys", "a SEARCH" + Repeat(" SEEN", 1025) + "\r\n",
       {"BAD a|Too many search keys"}},
  }, limits);
}

TEST(HostileTest, HugeLiteralAnnouncements) {
  ExpectRows({
      {"2^64-1: fits, over max_literal", "a LOGIN {18446744073709551615}\r\nb NOOP\r\n",
       {"REFUSED a|Literal too big|", "OK NOOP"}},
      {"2^64: overflows", "a LOGIN {18446744073709551616}\r\nb NOOP\r\n",
       {"REFUSED a|Literal too big|", "OK NOOP"}},
      {"40 digits", "a LOGIN {" + std::string(40, '9') + "}\r\nb NOOP\r\n",
       {"REFUSED a|Literal too big|", "OK NOOP"}},
      {"21 digits of leading zeros: too big, not 5",
       "a LOGIN {000000000000000000005}\r\nb NOOP\r\n",
       {"REFUSED a|Literal too big|", "OK NOOP"}},
      {"20 digits of leading zeros: 5", "a LOGIN {00000000000000000005}\r\nalice b\r\n",
       {"+", "OK LOGIN alice|b"}},
      {"non-sync, 25 digits of zeros: fatal, not 5",
       "a LOGIN {0000000000000000000000005+}\r\nalice b\r\nc NOOP\r\n",
       {"REFUSED a|Literal too big||FATAL"}},
      {"non-sync 2^64: fatal", "a LOGIN {18446744073709551616+}\r\nb NOOP\r\n",
       {"REFUSED a|Literal too big||FATAL"}},
      {"one over max_literal", "a LOGIN {65537}\r\nb NOOP\r\n",
       {"REFUSED a|Literal too big|", "OK NOOP"}},
      {"append: huge message", "a APPEND INBOX {" + std::string(30, '9') + "}\r\nb NOOP\r\n",
       {"REFUSED a|Literal too big|TOOBIG", "OK NOOP"}},
      {"append: one over max_append_literal", "a APPEND INBOX {67108865}\r\nb NOOP\r\n",
       {"REFUSED a|Literal too big|TOOBIG", "OK NOOP"}},
      {"append: at max_append_literal, the client still sending",
       "a APPEND INBOX {67108864}\r\n", {"+"}},
      {"append: a non-sync message of 2^32, fatal", "a APPEND INBOX {4294967296+}\r\nxx\r\n",
       {"REFUSED a|Literal too big|TOOBIG|FATAL"}},
      {"announcement split from its line", "a LOGIN {5}\r\nalice {1000000}\r\nb NOOP\r\n",
       {"+", "REFUSED a|Literal too big|", "OK NOOP"}},
  });
  // Over-long lines are refused at their end, from the last octets kept of them, whether
  // they come whole or in pieces (the fuzzer found a whole feed that read the full line).
  Limits short_lines;
  short_lines.max_line = 64;
  short_lines.max_discard = 50;
  const std::string head = "a LOGIN " + std::string(60, 'x');
  ExpectRows({
      {"over-long, ending in a small non-sync literal: dropped", head + " {5+}\r\n12345\r\nb NOOP\r\n",
       {"REFUSED a|Line too long|", "OK NOOP"}},
      {"over-long, 24 digits of zeros: fatal", head + " {000000000000000000000005+}\r\nxxxxx\r\n",
       {"REFUSED a|Line too long||FATAL"}},
      {"over-long, 70 digits without a brace: fatal, as the brace may be gone",
       head + "\x10" + std::string(70, '0') + "5+}\r\nx\r\n", {"REFUSED a|Line too long||FATAL"}},
      {"over-long, 70 digits without a brace, synchronizing: not a literal",
       head + "\x10" + std::string(70, '0') + "5}\r\nb NOOP\r\n",
       {"REFUSED a|Line too long|", "OK NOOP"}},
  }, short_lines);
}

TEST(HostileTest, HugeLiteralsGivenToTheParser) {
  // ParseCommand on its own (as the fuzzer and a careless caller use it) refuses them too.
  struct Case {
    std::string command, error;
  };
  const std::vector<Case> cases = {
      {"a LOGIN {000000000000000000000005}\r\nalice b", "Literal too big"},
      {"a LOGIN {99999999999999999999}\r\n", "Literal too big"},
      {"a LOGIN {5}\r\nab", "Literal shorter than announced"},
      {"a LOGIN {}\r\nab b", "Bad literal"},
      {"a LOGIN {5x}\r\nalice b", "Bad literal"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(Escape(c.command));
    const Parsed p = ParseCommand(c.command);
    EXPECT_FALSE(p.ok);
    EXPECT_EQ(p.error, c.error);
  }
  EXPECT_TRUE(ParseCommand("a LOGIN {00000000000000000005}\r\nalice b").ok);
}

TEST(HostileTest, NulOctets) {
  using namespace std::string_literals;
  ExpectRows({
      {"in an atom", "a LOGIN al\0ice b\r\n"s, {"BAD a|NUL in command"}},
      {"in a quoted string", "a LOGIN \"al\0ice\" b\r\n"s, {"BAD a|NUL in quoted string"}},
      {"in a literal", "a LOGIN {5}\r\nal\0ce b\r\n"s, {"+", "BAD a|NUL in literal"}},
      {"in a non-sync literal", "a LOGIN {5+}\r\nal\0ce b\r\n"s, {"BAD a|NUL in literal"}},
      {"in APPEND's message: taken", "a APPEND INBOX {5}\r\nhe\0lo\r\n"s,
       {"+", "OK APPEND INBOX=INBOX () 5:he\\x00lo"}},
      {"in the tag", "a\0 NOOP\r\n"s, {"BAD |NUL in command"}},
      {"alone", "\0\r\n"s, {"BAD |NUL in command"}},
      {"after the command", "a NOOP\0\r\n"s, {"BAD a|Bad arguments"}},
      {"in the command name", "a NO\0OP\r\n"s, {"OK UNKNOWN"}},
      {"in a mailbox name", "a SELECT IN\0BOX\r\n"s, {"BAD a|NUL in command"}},
      {"in a search string", "a SEARCH SUBJECT \"x\0\"\r\n"s, {"BAD a|NUL in quoted string"}},
      {"in a sequence set", "a FETCH 1\0:2 FLAGS\r\n"s, {"BAD a|NUL in command"}},
      {"in a flag", "a STORE 1 +FLAGS (\\Se\0en)\r\n"s, {"BAD a|NUL in command"}},
      {"then a good command", "a LOGIN \0 b\r\nb NOOP\r\n"s,
       {"BAD a|Bad arguments", "OK NOOP"}},
  });
}

TEST(HostileTest, ControlAnd8BitOctets) {
  ExpectRows({
      {"8-bit in an atom", "a LOGIN al\xc3\xa9 b\r\n", {"BAD a|8-bit octet outside a string"}},
      {"8-bit first in an atom", "a LOGIN \xc3\xa9 b\r\n", {"BAD a|Bad user name"}},
      {"8-bit in a quoted string", "a LOGIN \"al\xc3\xa9\" b\r\n",
       {"BAD a|Bad character in quoted string"}},
      {"8-bit in a literal: taken", "a LOGIN {5}\r\nal\xc3\xa9x b\r\n",
       {"+", "OK LOGIN al\\xc3\\xa9x|b"}},
      {"8-bit in a mailbox atom", "a SELECT Entw\xc3\xbcrfe\r\n",
       {"BAD a|8-bit octet outside a string"}},
      {"8-bit in a flag", "a STORE 1 +FLAGS (\\Seen $Lab\xc3\xa9l)\r\n",
       {"BAD a|8-bit octet outside a string"}},
      {"8-bit after a fetch attribute", "a FETCH 1 (FLAGS\xff)\r\n",
       {"BAD a|8-bit octet outside a string"}},
      {"8-bit keyword", "a SEARCH KEYWORD \xc3\xa9\r\n", {"BAD a|Bad keyword"}},
      {"8-bit tag", "\xc3\xa9 NOOP\r\n", {"BAD |Bad tag"}},
      {"8-bit command name", "a \xc3\xa9 NOOP\r\n", {"BAD a|Missing command"}},
      {"control octet in an atom", "a LOGIN al\x01ice b\r\n",
       {"BAD a|Control character outside a string"}},
      {"DEL in an atom", "a LOGIN al\x7fice b\r\n", {"BAD a|Control character outside a string"}},
      {"lone CR in an atom", "a LOGIN al\rice b\r\n",
       {"BAD a|Control character outside a string"}},
      {"tab for a space", "a LOGIN\talice b\r\n", {"BAD a|Control character outside a string"}},
      {"8-bit search string needs a literal", "a SEARCH CHARSET UTF-8 SUBJECT {2}\r\n\xc3\xa9\r\n",
       {"+", "OK SEARCH (SUBJECT \"\xc3\xa9\")"}},
  });
}

TEST(HostileTest, BadSequenceSets) {
  ExpectRows({
      {"zero", "a FETCH 0 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"zero in a range", "a FETCH 0:5 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"open end", "a FETCH 1: FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"open start", "a FETCH :5 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"star to star is valid", "a FETCH *:* FLAGS\r\n", {"OK FETCH * FLAGS"}},
      {"star range", "a FETCH 7:*,*:3 FLAGS\r\n", {"OK FETCH 7:*,*:3 FLAGS"}},
      {"empty item", "a FETCH 1,,2 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"trailing comma", "a FETCH 1, FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"leading comma", "a FETCH ,1 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"two colons", "a FETCH 1:2:3 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"two stars", "a FETCH ** FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"star and digits", "a FETCH *1 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"leading zero", "a FETCH 01 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"2^32-1 is the largest", "a FETCH 4294967295:1 FLAGS\r\n",
       {"OK FETCH 4294967295:1 FLAGS"}},
      {"2^32", "a FETCH 4294967296 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"2^32 ending a range", "a FETCH 1:4294967296 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"25 digits", "a FETCH " + std::string(25, '9') + " FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"negative", "a FETCH -1 FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"missing", "a FETCH FLAGS\r\n", {"BAD a|Bad sequence set"}},
      {"search", "a SEARCH 1,,2\r\n", {"BAD a|Bad sequence set"}},
      {"search uid", "a UID SEARCH UID 0:3\r\n", {"BAD a|Bad sequence set"}},
      {"store", "a STORE 0 +FLAGS \\Seen\r\n", {"BAD a|Bad sequence set"}},
      {"copy", "a COPY 3:0 Trash\r\n", {"BAD a|Bad sequence set"}},
      {"uid expunge", "a UID EXPUNGE 1:\r\n", {"BAD a|Bad sequence set"}},
      {"uid expunge star", "a UID EXPUNGE *\r\n", {"OK UID EXPUNGE *"}},
      {"changedsince zero", "a UID FETCH 1:* (UID) (CHANGEDSINCE 0)\r\n",
       {"BAD a|Zero is not allowed here"}},
  });
  Limits four;
  four.max_set_ranges = 4;
  ExpectRows({
      {"at max_set_ranges", "a FETCH 1,3,5:7,* FLAGS\r\n", {"OK FETCH 1,3,5:7,* FLAGS"}},
      {"over max_set_ranges", "a FETCH 1,3,5:7,*,9 FLAGS\r\n", {"BAD a|Bad sequence set"}},
  }, four);
}

TEST(HostileTest, ModifiedUtf7Names) {
  ExpectRows({
      {"plain", "a SELECT INBOX\r\n", {"OK SELECT INBOX=INBOX"}},
      {"rfc example", "a SELECT ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n",
       {"OK SELECT ~peter/mail/&U,BTFw-/&ZeVnLIqe-="
        "~peter/mail/\\xe5\\x8f\\xb0\\xe5\\x8c\\x97/\\xe6\\x97\\xa5\\xe6\\x9c\\xac\\xe8\\xaa\\x9e"}},
      {"ampersand", "a SELECT &-&-\r\n", {"OK SELECT &-&-=&&"}},
      {"a run then an ampersand", "a SELECT &AOQ-&-\r\n", {"OK SELECT &AOQ-&-=\\xc3\\xa4&"}},
      {"NUL in base64", "a SELECT &AAA-\r\n", {"OK SELECT &AAA-=!"}},
      {"NUL after a letter", "a SELECT &AOQAAA-\r\n", {"OK SELECT &AOQAAA-=!"}},
      {"printable ASCII in base64", "a SELECT &AGE-\r\n", {"OK SELECT &AGE-=!"}},
      {"ampersand in base64", "a SELECT &ACY-\r\n", {"OK SELECT &ACY-=!"}},
      {"null shift: two runs", "a SELECT &AOQ-&AOQ-\r\n", {"OK SELECT &AOQ-&AOQ-=!"}},
      {"null shift after text", "a SELECT x&ZeVnLIqe-&ZeVnLIqe-y\r\n",
       {"OK SELECT x&ZeVnLIqe-&ZeVnLIqe-y=!"}},
      {"one run", "a SELECT &AOQA5A-\r\n", {"OK SELECT &AOQA5A-=\\xc3\\xa4\\xc3\\xa4"}},
      {"not closed", "a SELECT &AOQ\r\n", {"OK SELECT &AOQ=!"}},
      {"ampersand alone", "a SELECT a&\r\n", {"OK SELECT a&=!"}},
      {"unpaired high surrogate", "a SELECT &2D0-\r\n", {"OK SELECT &2D0-=!"}},
      {"lone low surrogate", "a SELECT &3gA-\r\n", {"OK SELECT &3gA-=!"}},
      {"high surrogate then a letter", "a SELECT &AOTYPQ-\r\n", {"OK SELECT &AOTYPQ-=!"}},
      {"surrogate pair split across runs", "a SELECT &2D0-x&3gA-\r\n",
       {"OK SELECT &2D0-x&3gA-=!"}},
      {"surrogate pair", "a SELECT &2D3eAA-\r\n", {"OK SELECT &2D3eAA-=\\xf0\\x9f\\x98\\x80"}},
      {"non-zero padding", "a SELECT &AOR-\r\n", {"OK SELECT &AOR-=!"}},
      {"a whole base64 character of padding", "a SELECT &AOQA-\r\n", {"OK SELECT &AOQA-=!"}},
      {"too short for a unit", "a SELECT &AA-\r\n", {"OK SELECT &AA-=!"}},
      {"slash is not modified base64", "a SELECT &U/BTFw-\r\n", {"OK SELECT &U/BTFw-=!"}},
      {"base64 padding character", "a SELECT &AOQ=-\r\n", {"OK SELECT &AOQ=-=!"}},
      {"raw 8-bit in a quoted name", "a CREATE \"Entw\xc3\xbcrfe\"\r\n",
       {"BAD a|Bad character in quoted string"}},
      {"raw 8-bit in a literal name", "a CREATE {9}\r\nEntw\xc3\xbcrfe\r\n",
       {"+", "OK CREATE Entw\\xc3\\xbcrfe=!"}},
      {"control in a literal name", "a CREATE {3}\r\na\tb\r\n", {"+", "OK CREATE a\\x09b=!"}},
      {"encoded control is a name", "a CREATE &AAE-\r\n", {"OK CREATE &AAE-=\\x01"}},
  });
}

TEST(HostileTest, AppendDateTimes) {
  auto append = [](const std::string& date) {
    return "a APPEND INBOX \"" + date + "\" {1+}\r\nx\r\n";
  };
  auto ok = [](int64_t seconds, int zone) {
    return std::vector<std::string>{"OK APPEND INBOX=INBOX () @" + std::to_string(seconds) +
                                    "/" + std::to_string(zone) + " 1:x"};
  };
  const std::vector<std::string> bad = {"BAD a|Bad date-time"};
  ExpectRows({
      {"rfc example", append("17-Jul-1996 02:44:25 -0700"), ok(837596665, -420)},
      {"space for a one-digit day", append(" 7-Jul-1996 02:44:25 -0700"),
       ok(837596665 - 10 * 86400, -420)},
      {"one digit day", append("7-Jul-1996 02:44:25 -0700"), ok(837596665 - 10 * 86400, -420)},
      {"lower case month", append("01-jan-1970 00:00:00 +0000"), ok(0, 0)},
      {"first year", append("01-Jan-0001 00:00:00 +0000"), ok(-62135596800, 0)},
      {"last second", append("31-Dec-9999 23:59:59 +0000"), ok(253402300799, 0)},
      {"widest zones", append("01-Jan-1970 00:00:00 -2359"), ok(86340, -1439)},
      {"leap second taken as :59", append("31-Dec-2016 23:59:60 +0000"), ok(1483228799, 0)},
      {"leap day", append("29-Feb-2000 12:00:00 +0000"), ok(951825600, 0)},
      {"not a leap day", append("29-Feb-1900 12:00:00 +0000"), bad},
      {"year zero", append("01-Jan-0000 00:00:00 +0000"), bad},
      {"day zero", append("00-Jan-1970 00:00:00 +0000"), bad},
      {"day 32", append("32-Jan-1970 00:00:00 +0000"), bad},
      {"31 April", append("31-Apr-1970 00:00:00 +0000"), bad},
      {"bad month", append("01-Jax-1970 00:00:00 +0000"), bad},
      {"hour 24", append("01-Jan-1970 24:00:00 +0000"), bad},
      {"minute 60", append("01-Jan-1970 00:60:00 +0000"), bad},
      {"second 61", append("01-Jan-1970 00:00:61 +0000"), bad},
      {"zone hour 24", append("01-Jan-1970 00:00:00 +2400"), bad},
      {"zone minute 60", append("01-Jan-1970 00:00:00 +0060"), bad},
      {"zone without sign", append("01-Jan-1970 00:00:00 0000"), bad},
      {"five-digit zone", append("01-Jan-1970 00:00:00 +00000"), bad},
      {"five-digit year", append("01-Jan-19700 00:00:00 +0000"), bad},
      {"three-digit day", append("001-Jan-1970 00:00:00 +0000"), bad},
      {"two leading spaces", append("  1-Jan-1970 00:00:00 +0000"), bad},
      {"date only", append("01-Jan-1970"), bad},
      {"empty", append(""), bad},
      {"signs in numbers", append("+1-Jan-1970 00:00:00 +0000"), bad},
      {"NUL", append(std::string("01-Jan-1970 00:00:0\0 +0000", 26)),
       {"BAD a|NUL in quoted string"}},
  });
}

TEST(HostileTest, DecodeMailboxName) {
  struct Case {
    std::string sent;
    std::optional<std::string> utf8;
  };
  const std::vector<Case> cases = {
      {"", ""},
      {"INBOX", "INBOX"},
      {"&-", "&"},
      {"-", "-"},
      {"&AOQ-", "\xc3\xa4"},
      {"&U,BTFw-", "\xe5\x8f\xb0\xe5\x8c\x97"},
      {"&2D3eAA-", "\xf0\x9f\x98\x80"},
      {"&AOQ-&-&AOQ-", "\xc3\xa4&\xc3\xa4"},
      {"&AOQ--", "\xc3\xa4-"},
      {"&AH8-", "\x7f"},
      {"&AAA-", std::nullopt},        // NUL: never a raw NUL out
      {"&AOQAAA-", std::nullopt},
      {"&AAAAAA-", std::nullopt},
      {"&AOQ-&AOQ-", std::nullopt},   // null shift
      {"&AOQ-&-&AOQ-&AOQ-", std::nullopt},
      {"&", std::nullopt},
      {"&&-", std::nullopt},
      {"&AOQ", std::nullopt},
      {"&A-", std::nullopt},
      {"&AOR-", std::nullopt},
      {"&AGE-", std::nullopt},
      {"&ACY-", std::nullopt},
      {"&ANgAPQ-", std::nullopt},     // "Ø=" with "=" in base64
      {"&2D0-", std::nullopt},
      {"&3gA-", std::nullopt},
      {"&2D3YPQ-", std::nullopt},     // two high surrogates
      {"a\x01" "b", std::nullopt},
      {"a\x7f", std::nullopt},
      {"\xc3\xa4", std::nullopt},
      {std::string("a\0b", 3), std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(Escape(c.sent));
    const std::optional<std::string> got = DecodeMailboxName(c.sent);
    EXPECT_EQ(got, c.utf8);
    // The decoder is strict: what it accepts is what the encoder writes.
    if (got) {
      EXPECT_EQ(EncodeMailboxName(*got), c.sent);
    }
  }
}

TEST(HostileTest, EncodeMailboxName) {
  struct Case {
    std::string utf8, sent;
  };
  const std::vector<Case> cases = {
      {"", ""},
      {"INBOX", "INBOX"},
      {"&", "&-"},
      {"\xc3\xa9t\xc3\xa9", "&AOk-t&AOk-"},
      {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "&ZeVnLIqe-"},
      {"\xf0\x9f\x98\x80", "&2D3eAA-"},
      {std::string("a\0b", 3), "a&,,0-b"},       // a NUL is sent as U+FFFD
      {"a\xff" "b", "a&,,0-b"},                   // so is an invalid octet
      {"\xed\xa0\x80", "&,,3,,f,9-"},             // an encoded surrogate: three invalid octets
      {"\x01", "&AAE-"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(Escape(c.utf8));
    EXPECT_EQ(EncodeMailboxName(c.utf8), c.sent);
    EXPECT_TRUE(DecodeMailboxName(c.sent).has_value());
  }
}

TEST(HostileTest, AppendDateTime) {
  struct Case {
    int64_t seconds;
    int zone;
    std::string text;
  };
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const std::string epoch = "\"01-Jan-1970 00:00:00 +0000\"";
  const std::vector<Case> cases = {
      {0, 0, epoch},
      {837596665, -420, "\"17-Jul-1996 02:44:25 -0700\""},
      {837596665, 120, "\"17-Jul-1996 11:44:25 +0200\""},
      {-62135596800, 0, "\"01-Jan-0001 00:00:00 +0000\""},
      {253402300799, 0, "\"31-Dec-9999 23:59:59 +0000\""},
      {253402300799, 1439, epoch},                 // year 10000 in its zone
      {-62135596800, -1, epoch},                   // year 0 in its zone
      {253402300800, 0, epoch},
      {-62135596801, 0, epoch},
      {135536077748188800, 0, epoch},              // year 2^32+2000: not 2000
      {kMax, 0, epoch},
      {kMin, 0, epoch},
      {kMax, -1439, epoch},
      {kMin, 1439, epoch},
      {0, 1440, epoch},                            // +2400 cannot be written: UTC
      {0, -100000, epoch},
      {3600, std::numeric_limits<int>::max(), "\"01-Jan-1970 01:00:00 +0000\""},
      {3600, std::numeric_limits<int>::min(), "\"01-Jan-1970 01:00:00 +0000\""},
      {0, 1439, "\"01-Jan-1970 23:59:00 +2359\""},
      {-1, 0, "\"31-Dec-1969 23:59:59 +0000\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.seconds) + " " + std::to_string(c.zone));
    std::string out;
    AppendDateTime(c.seconds, c.zone, &out);
    EXPECT_EQ(out, c.text);
    ASSERT_EQ(out.size(), 28u);
    EXPECT_TRUE(ParseDateTime(out.substr(1, 26)).has_value());
  }
}

TEST(HostileTest, DateTimeRoundTrip) {
  // Every instant the syntax holds, in every whole-hour zone and some odd ones, parses back.
  for (int64_t t = -62135596800 + 1439 * 60; t < 253402300799 - 1439 * 60; t += 7777777771) {
    for (int zone : {-1439, -720, -420, -1, 0, 1, 90, 345, 1439}) {
      std::string out;
      AppendDateTime(t, zone, &out);
      const std::optional<DateTime> back = ParseDateTime(out.substr(1, out.size() - 2));
      ASSERT_TRUE(back.has_value()) << out;
      EXPECT_EQ(back->unix_seconds, t) << out;
      EXPECT_EQ(back->zone_minutes, zone) << out;
    }
  }
}

}  // namespace
}  // namespace tern::imap_protocol
