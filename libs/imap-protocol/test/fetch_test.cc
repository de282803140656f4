// FETCH: every attribute, the macros, sections with part numbers and header lists, partials,
// the CHANGEDSINCE modifier, and malformed attribute lists. Each row goes through the reader
// in every chunking.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "parse_rows.h"

namespace tern::imap_protocol {
namespace {

using test::Describe;
using test::ParseWire;

struct Row {
  std::string args;      // after "a FETCH "
  std::string expected;  // Describe(atts), or "BAD:<error>" ("BAD:" any error)
  uint64_t changed_since = 0;
};

TEST(FetchTest, Table) {
  const std::vector<Row> rows = {
      {"1 FLAGS", "FLAGS"},
      {"1 flags", "FLAGS"},
      {"1 (FLAGS)", "FLAGS"},
      {"1 INTERNALDATE", "INTERNALDATE"},
      {"1 RFC822", "RFC822"},
      {"1 RFC822.HEADER", "RFC822.HEADER"},
      {"1 RFC822.SIZE", "RFC822.SIZE"},
      {"1 RFC822.TEXT", "RFC822.TEXT"},
      {"1 ENVELOPE", "ENVELOPE"},
      {"1 BODY", "BODY"},
      {"1 BODYSTRUCTURE", "BODYSTRUCTURE"},
      {"1 UID", "UID"},
      {"1 MODSEQ", "MODSEQ"},
      {"1 ALL", "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE"},
      {"1 FAST", "FLAGS INTERNALDATE RFC822.SIZE"},
      {"1 full", "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY"},
      {"1 BODY[]", "BODY[]"},
      {"1 BODY.PEEK[]", "BODY.PEEK[]"},
      {"1 body.peek[header]", "BODY.PEEK[HEADER]"},
      {"1 BODY[TEXT]", "BODY[TEXT]"},
      {"1 BODY[1]", "BODY[1]"},
      {"1 BODY[1.2.3]", "BODY[1.2.3]"},
      {"1 BODY[1.MIME]", "BODY[1.MIME]"},
      {"1 BODY[1.2.HEADER]", "BODY[1.2.HEADER]"},
      {"1 BODY[2.TEXT]", "BODY[2.TEXT]"},
      {"1 BODY[HEADER.FIELDS (From To)]", "BODY[HEADER.FIELDS (From To)]"},
      {"1 BODY.PEEK[HEADER.FIELDS.NOT (Received \"X-Spam\")]",
       "BODY.PEEK[HEADER.FIELDS.NOT (Received X-Spam)]"},
      {"1 BODY[1.HEADER.FIELDS (Subject)]", "BODY[1.HEADER.FIELDS (Subject)]"},
      {"1 BODY[HEADER.FIELDS ({4}\r\nDate)]", "BODY[HEADER.FIELDS (Date)]"},
      {"1 BODY[]<0.1024>", "BODY[]<0.1024>"},
      {"1 BODY.PEEK[1.2]<100.5>", "BODY.PEEK[1.2]<100.5>"},
      {"1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (DATE FROM)] RFC822.SIZE)",
       "UID FLAGS BODY.PEEK[HEADER.FIELDS (DATE FROM)] RFC822.SIZE"},
      {"1 (FLAGS) (CHANGEDSINCE 12345)", "FLAGS", 12345},
      {"1 FLAGS (changedsince 1)", "FLAGS", 1},
      {"1 ALL (CHANGEDSINCE 7)", "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE", 7},
      // Malformed.
      {"1", "BAD:Missing fetch attributes"},
      {"1 ", "BAD:"},
      {"0 FLAGS", "BAD:Bad sequence set"},
      {"1: FLAGS", "BAD:Bad sequence set"},
      {"1 (FLAGS", "BAD:Unbalanced parentheses"},
      {"1 FLAGS)", "BAD:"},
      {"1 (FLAGS))", "BAD:"},
      {"1 ()", "BAD:"},
      {"1 (ALL)", "BAD:Unknown fetch attribute"},
      {"1 BOGUS", "BAD:Unknown fetch attribute"},
      {"1 BINARY[]", "BAD:Unknown fetch attribute"},
      {"1 BODY.PEEK", "BAD:Missing section"},
      {"1 BODY[MIME]", "BAD:Bad section"},
      {"1 BODY[0]", "BAD:"},
      {"1 BODY[1.0]", "BAD:"},
      {"1 BODY[1.]", "BAD:"},
      {"1 BODY[HEADER.FIELDS]", "BAD:"},
      {"1 BODY[HEADER.FIELDS ()]", "BAD:"},
      {"1 BODY[HEADER.FIELDS (From]", "BAD:"},
      {"1 BODY[TEXT", "BAD:"},
      {"1 BODY[BOGUS]", "BAD:Bad section"},
      {"1 BODY[]<0.0>", "BAD:Zero is not allowed here"},
      {"1 BODY[]<0>", "BAD:Bad partial"},
      {"1 BODY[]<a.1>", "BAD:Bad partial"},
      {"1 FLAGS (CHANGEDSINCE 0)", "BAD:Zero is not allowed here"},
      {"1 FLAGS (CHANGEDSINCE)", "BAD:"},
      {"1 FLAGS (VANISHED)", "BAD:Unknown fetch modifier"},
      {"1 FLAGS (CHANGEDSINCE 5", "BAD:"},
      {"1 FLAGS  UID", "BAD:"},
      {"1 (FLAGS  UID)", "BAD:"},
      {"1 FLAGS UID", "BAD:"},
  };
  for (const Row& row : rows) {
    const std::string wire = "a FETCH " + row.args + "\r\n";
    SCOPED_TRACE(::tern::testing::Escape(wire));
    const Parsed p = ParseWire(wire);
    EXPECT_EQ(p.tag, "a");
    if (row.expected.rfind("BAD:", 0) == 0) {
      EXPECT_FALSE(p.ok);
      EXPECT_FALSE(p.error.empty());
      if (row.expected.size() > 4) {
        EXPECT_EQ(p.error, row.expected.substr(4));
      }
      continue;
    }
    ASSERT_TRUE(p.ok) << p.error;
    const auto* fetch = std::get_if<Fetch>(&p.command);
    ASSERT_NE(fetch, nullptr);
    EXPECT_FALSE(fetch->uid);
    EXPECT_EQ(Describe(fetch->atts), row.expected);
    EXPECT_EQ(fetch->changed_since, row.changed_since);
  }
}

TEST(FetchTest, UidFetchAndSet) {
  const Parsed p = ParseWire("x UID FETCH 4:2,7,9:* (UID)\r\n");
  ASSERT_TRUE(p.ok) << p.error;
  const auto& f = std::get<Fetch>(p.command);
  EXPECT_TRUE(f.uid);
  EXPECT_EQ(Describe(f.set), "4:2,7,9:*");
  EXPECT_EQ(CommandName(p.command), "UID FETCH");
}

}  // namespace
}  // namespace tern::imap_protocol
