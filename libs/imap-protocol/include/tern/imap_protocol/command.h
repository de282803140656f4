// IMAP4rev1 commands (RFC 3501 section 6) and the extensions Tern serves (IDLE, NAMESPACE,
// UIDPLUS, MOVE, LITERAL+, ID, ENABLE, UNSELECT, SPECIAL-USE, SASL-IR, CONDSTORE's CHANGEDSINCE
// and UNCHANGEDSINCE modifiers), each parsed into a small struct of one std::variant.
//
// ParseCommand takes one whole command as CommandReader returned it (tag, name, arguments
// and any literals inline, without the final CRLF) and gives the tag and the command, or the
// tag (when one could be read) and a BAD text. Strings arrive decoded (quotes and escapes
// removed, literals taken as their octets). Keywords, flags and attribute names are compared
// case-insensitively; flags and keywords keep the spelling the client sent. Mailbox names are
// the octets sent (modified UTF-7: decode with DecodeMailboxName).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tern/imap_protocol/limits.h"
#include "tern/imap_protocol/sequence_set.h"

namespace tern::imap_protocol {

// A date of SEARCH (date-day "-" date-month "-" date-year).
struct Date {
  int year = 0, month = 0, day = 0;  // month 1-12
  bool operator==(const Date&) const = default;
};
// The date-time of APPEND: "17-Jul-1996 02:44:25 -0700".
struct DateTime {
  int64_t unix_seconds = 0;  // the instant, UTC
  int zone_minutes = 0;      // the zone as sent (-420 for -0700)
  bool operator==(const DateTime&) const = default;
};

struct Capability {};
struct Noop {};
struct Logout {};
struct StartTls {};
struct Authenticate {
  std::string mechanism;                    // upper-cased
  std::optional<std::string> initial;       // SASL-IR, still base64; "=" (empty) given as ""
};
struct Login {
  std::string user;
  std::string password;
};
struct Select {
  std::string mailbox;
  bool read_only = false;  // EXAMINE
  bool condstore = false;  // (CONDSTORE) select parameter
};
struct Create {
  std::string mailbox;
  std::vector<std::string> use;  // RFC 6154 CREATE-SPECIAL-USE: "(USE (\Sent))", as sent
};
struct Delete {
  std::string mailbox;
};
struct Rename {
  std::string from, to;
};
struct Subscribe {
  std::string mailbox;
  bool subscribe = true;  // false: UNSUBSCRIBE
};
struct List {
  std::string reference;
  std::string pattern;  // list-mailbox: may hold "*" and "%"
  bool lsub = false;
  // LIST-EXTENDED (RFC 5258) as far as SPECIAL-USE needs it: "(SPECIAL-USE)" selection and
  // "RETURN (SPECIAL-USE)"; other selection and return options are a BAD.
  bool select_special_use = false;
  bool return_special_use = false;
  bool select_subscribed = false;
  bool return_subscribed = false;
  bool return_children = false;
};
enum class StatusItem { kMessages, kRecent, kUidNext, kUidValidity, kUnseen, kHighestModSeq, kSize };
struct Status {
  std::string mailbox;
  std::vector<StatusItem> items;  // in the order asked, at least one
};
struct Append {
  std::string mailbox;
  std::vector<std::string> flags;  // as sent ("\Seen", "$Label1")
  std::optional<DateTime> date;
  std::string message;  // the literal's octets
};
struct Check {};
struct Close {};
struct Unselect {};
struct Expunge {
  std::optional<SequenceSet> uids;  // UID EXPUNGE (UIDPLUS)
};

struct SearchKey {
  enum class Kind {
    kAll, kAnswered, kDeleted, kDraft, kFlagged, kNew, kOld, kRecent, kSeen,
    kUnanswered, kUndeleted, kUndraft, kUnflagged, kUnseen,
    kKeyword, kUnkeyword,                       // text: the keyword
    kBcc, kCc, kFrom, kTo, kSubject, kBody, kText,  // text: the string
    kHeader,                                    // field and text
    kBefore, kOn, kSince, kSentBefore, kSentOn, kSentSince,  // date
    kLarger, kSmaller,                          // number
    kModSeq,                                    // number (CONDSTORE "MODSEQ n")
    kSequence, kUid,                            // set
    kNot,                                       // children[0]
    kOr,                                        // children[0], children[1]
    kAnd,                                       // children: a parenthesised list, or the top
  };
  Kind kind = Kind::kAll;
  std::string field;  // kHeader
  std::string text;
  Date date;
  uint64_t number = 0;
  SequenceSet set;
  std::vector<SearchKey> children;
};
struct Search {
  bool uid = false;
  std::string charset;  // upper-cased; "" when none was given (US-ASCII)
  SearchKey key;        // kAnd of the keys given
  // ESEARCH-style RETURN options are not served: a RETURN is a BAD.
};

// A section of BODY[...] / BODY.PEEK[...] (RFC 3501 section 6.4.5).
struct Section {
  enum class Kind {
    kAll,               // BODY[] or BODY[1.2]: the whole message, or the part's body
    kHeader,            // HEADER, or n.HEADER (of a message/rfc822 part)
    kHeaderFields,      // HEADER.FIELDS (fields)
    kHeaderFieldsNot,   // HEADER.FIELDS.NOT (fields)
    kText,              // TEXT, n.TEXT
    kMime,              // n.MIME (needs a part number)
  };
  std::vector<uint32_t> part;  // {1, 2} for "1.2"; empty for the top level. No 0.
  Kind kind = Kind::kAll;
  std::vector<std::string> fields;  // as sent; compare case-insensitively
  bool operator==(const Section&) const = default;
};
struct FetchAtt {
  enum class Kind {
    kFlags, kInternalDate, kRfc822, kRfc822Header, kRfc822Size, kRfc822Text, kEnvelope,
    kBody,           // BODY without a section: the non-extensible structure
    kBodyStructure,
    kUid,
    kModSeq,         // CONDSTORE
    kSection,        // BODY[section]<partial> and BODY.PEEK[...]
    kBinary, kBinarySize,  // reserved, never produced (BINARY is not advertised)
  };
  Kind kind = Kind::kFlags;
  bool peek = false;  // BODY.PEEK
  Section section;
  std::optional<std::pair<uint64_t, uint64_t>> partial;  // <offset.length>; length > 0
  bool operator==(const FetchAtt&) const = default;
};
struct Fetch {
  bool uid = false;
  SequenceSet set;
  // In the order asked, macros expanded (ALL, FAST, FULL), no duplicates removed.
  std::vector<FetchAtt> atts;
  uint64_t changed_since = 0;  // (CHANGEDSINCE n); 0: not given
};
enum class StoreMode { kAdd, kRemove, kReplace };
struct Store {
  bool uid = false;
  SequenceSet set;
  StoreMode mode = StoreMode::kReplace;
  bool silent = false;
  std::vector<std::string> flags;  // as sent
  uint64_t unchanged_since = 0;    // (UNCHANGEDSINCE n); 0: not given
  bool has_unchanged_since = false;
};
struct Copy {
  bool uid = false;
  bool move = false;  // MOVE / UID MOVE (RFC 6851)
  SequenceSet set;
  std::string mailbox;
};
struct Idle {};
struct Namespace {};
struct Id {
  // NIL, or the field/value pairs (value nullopt for NIL).
  std::vector<std::pair<std::string, std::optional<std::string>>> fields;
};
struct Enable {
  std::vector<std::string> capabilities;  // upper-cased
};
// A command name this server does not know.
struct Unknown {
  std::string name;
};

using Command =
    std::variant<Capability, Noop, Logout, StartTls, Authenticate, Login, Select, Create, Delete,
                 Rename, Subscribe, List, Status, Append, Check, Close, Unselect, Expunge, Search,
                 Fetch, Store, Copy, Idle, Namespace, Id, Enable, Unknown>;

// The command's name for logs and metrics: "FETCH", "UID FETCH", "EXAMINE", "LSUB", "MOVE",
// "UNSUBSCRIBE", ... (a bounded set: Unknown gives "UNKNOWN").
std::string_view CommandName(const Command& cmd);

struct Parsed {
  std::string tag;  // "" when no tag could be read (answer "* BAD")
  bool ok = false;
  Command command;  // when ok
  std::string error;  // when !ok: the text of a tagged BAD ("Missing mailbox name", ...)
};
// One whole command (see above). Never throws; any input gives ok or an error.
Parsed ParseCommand(std::string_view command, const Limits& limits = {});

// A date-time in the APPEND syntax, e.g. " 7-Jul-1996 02:44:25 -0700" (the leading space of a
// one-digit day is optional).
std::optional<DateTime> ParseDateTime(std::string_view text);

}  // namespace tern::imap_protocol
