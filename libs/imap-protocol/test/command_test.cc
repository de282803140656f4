// ParseCommand: every command Tern serves, its arguments, and the BAD text of malformed ones.
#include "tern/imap_protocol/command.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/testing/chunkings.h"

namespace tern::imap_protocol {
namespace {

using ::tern::testing::Escape;

struct Row {
  std::string input;
  bool ok;
  std::string name;  // CommandName when ok, else the expected error text ("" any)
  std::string tag = "a";
};

TEST(ParseCommandTest, EveryCommand) {
  const std::vector<Row> rows = {
      {"a CAPABILITY", true, "CAPABILITY"},
      {"a capability", true, "CAPABILITY"},
      {"a NOOP", true, "NOOP"},
      {"a LOGOUT", true, "LOGOUT"},
      {"a STARTTLS", true, "STARTTLS"},
      {"a AUTHENTICATE PLAIN", true, "AUTHENTICATE"},
      {"a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==", true, "AUTHENTICATE"},
      {"a AUTHENTICATE PLAIN =", true, "AUTHENTICATE"},
      {"a LOGIN alice secret", true, "LOGIN"},
      {"a LOGIN \"alice\" {6}\r\nsecret", true, "LOGIN"},
      {"a SELECT INBOX", true, "SELECT"},
      {"a SELECT INBOX (CONDSTORE)", true, "SELECT"},
      {"a EXAMINE INBOX", true, "EXAMINE"},
      {"a CREATE foo", true, "CREATE"},
      {"a CREATE Sent (USE (\\Sent))", true, "CREATE"},
      {"a DELETE foo", true, "DELETE"},
      {"a RENAME foo bar", true, "RENAME"},
      {"a SUBSCRIBE foo", true, "SUBSCRIBE"},
      {"a UNSUBSCRIBE foo", true, "UNSUBSCRIBE"},
      {"a LIST \"\" *", true, "LIST"},
      {"a LIST \"\" %", true, "LIST"},
      {"a LIST (SPECIAL-USE) \"\" * RETURN (SPECIAL-USE)", true, "LIST"},
      {"a LSUB \"\" *", true, "LSUB"},
      {"a STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ SIZE)", true, "STATUS"},
      {"a APPEND INBOX {5}\r\nhello", true, "APPEND"},
      {"a APPEND INBOX (\\Seen) \" 7-Jul-1996 02:44:25 -0700\" {5+}\r\nhello", true, "APPEND"},
      {"a CHECK", true, "CHECK"},
      {"a CLOSE", true, "CLOSE"},
      {"a UNSELECT", true, "UNSELECT"},
      {"a EXPUNGE", true, "EXPUNGE"},
      {"a UID EXPUNGE 1:5", true, "UID EXPUNGE"},
      {"a SEARCH ALL", true, "SEARCH"},
      {"a UID SEARCH CHARSET UTF-8 SUBJECT {4}\r\nt\xc3\xa9t", true, "UID SEARCH"},
      {"a FETCH 1:* (FLAGS UID)", true, "FETCH"},
      {"a UID FETCH 1:* FAST (CHANGEDSINCE 12)", true, "UID FETCH"},
      {"a STORE 1 +FLAGS (\\Seen)", true, "STORE"},
      {"a UID STORE 1 (UNCHANGEDSINCE 5) -FLAGS.SILENT \\Seen $Label1", true, "UID STORE"},
      {"a COPY 1:3 Trash", true, "COPY"},
      {"a UID COPY 1:3 Trash", true, "UID COPY"},
      {"a MOVE 1 Trash", true, "MOVE"},
      {"a UID MOVE 1 Trash", true, "UID MOVE"},
      {"a IDLE", true, "IDLE"},
      {"a NAMESPACE", true, "NAMESPACE"},
      {"a ID NIL", true, "ID"},
      {"a ID (\"name\" \"Thunderbird\" \"version\" NIL)", true, "ID"},
      {"a ENABLE CONDSTORE", true, "ENABLE"},
      {"a XYZZY", true, "UNKNOWN"},
      {"a UID XYZZY 1", true, "UNKNOWN"},
      // Malformed.
      {"a", false, "Bad tag", ""},
      {"", false, "Bad tag", ""},
      {"+a NOOP", false, "Bad tag", ""},
      {"a NOOP extra", false, "Unexpected arguments"},
      {"a  NOOP", false, ""},
      {"a SELECT", false, "Missing mailbox name"},
      {"a LOGIN alice", false, "Missing password"},
      {std::string("a NOOP\0", 7), false, ""},
      {std::string("a LOGIN a\0b c", 13), false, ""},
      {"a LOGIN \"a\xc3\xa9\" b", false, ""},
      {"a LOGIN al\xc3\xa9 b", false, ""},
      {"a STATUS INBOX (MESSAGES", false, ""},
      {"a STATUS INBOX (BOGUS)", false, ""},
      {"a FETCH 0 FLAGS", false, "Bad sequence set"},
      {"a APPEND INBOX \"hello\"", false, ""},
      {"a ID (" + [] {
         std::string s;
         for (int i = 0; i < 31; ++i) s += (i ? " " : "") + std::string("\"f\" \"v\"");
         return s;
       }() + ")",
       false, "Too many ID fields"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(Escape(row.input));
    const Parsed p = ParseCommand(row.input);
    EXPECT_EQ(p.ok, row.ok) << p.error;
    EXPECT_EQ(p.tag, row.tag);
    if (row.ok) {
      EXPECT_EQ(CommandName(p.command), row.name);
    } else {
      EXPECT_FALSE(p.error.empty());
      if (!row.name.empty()) {
        EXPECT_EQ(p.error, row.name);
      }
    }
  }
}

}  // namespace
}  // namespace tern::imap_protocol
