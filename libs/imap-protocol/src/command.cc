// ParseCommand: the tag, the command name and the arguments of every command Tern serves
// (FETCH and SEARCH have their own files), CommandName and the APPEND date-time.
#include "tern/imap_protocol/command.h"

#include <charconv>

#include "commands.h"

namespace tern::imap_protocol {
namespace {

using internal::Cursor;
using internal::IEquals;
using internal::IsDigit;
using internal::IsTagChar;
using internal::Upper;

constexpr size_t kMaxIdPairs = 30;  // RFC 2971 section 3.3

bool End(Cursor& in) {
  return in.AtEnd() ||
         in.Fail(in.Peek() == ')' ? "Unbalanced parentheses" : "Unexpected arguments");
}

bool Mailbox(Cursor& in, std::string* out) {
  if (!in.Sp("Missing mailbox name")) return false;
  return in.Astring(out) || in.Fail("Bad mailbox name");
}

// select-params: only CONDSTORE (RFC 7162 section 3.2.8).
bool ParseSelect(Cursor& in, Select* out) {
  if (!Mailbox(in, &out->mailbox)) return false;
  if (in.AtEnd()) return true;
  if (!in.Sp() || !in.Eat('(')) return in.Fail("Bad SELECT parameters");
  for (;;) {
    std::string p;
    if (!in.Word(&p)) return in.Fail("Bad SELECT parameters");
    if (p != "CONDSTORE") return in.Fail("Unknown SELECT parameter");
    out->condstore = true;
    if (in.Eat(')')) break;
    if (!in.Sp("")) return in.Fail("Bad SELECT parameters");
  }
  return End(in);
}

// CREATE mailbox [SP "(" "USE" SP "(" [use-attr *(SP use-attr)] ")" ")"] (RFC 6154 section 3).
bool ParseCreate(Cursor& in, Create* out) {
  if (!Mailbox(in, &out->mailbox)) return false;
  if (in.AtEnd()) return true;
  if (!in.Sp() || !in.Eat('(') || !in.Keyword("USE") || !in.Sp() ||
      !in.FlagList(&out->use) || !in.Eat(')')) {
    return in.Fail("Bad CREATE parameters");
  }
  for (const std::string& u : out->use) {
    if (u.empty() || u[0] != '\\') return in.Fail("Bad special-use attribute");
  }
  return End(in);
}

// An option list "(" [word *(SP word)] ")" with each word given to `take`.
template <typename Take>
bool OptionList(Cursor& in, Take take) {
  if (!in.Eat('(')) return in.Fail("Bad LIST options");
  if (in.Eat(')')) return true;
  for (;;) {
    std::string w;
    if (!in.Word(&w)) return in.Fail("Bad LIST options");
    if (!take(w)) return in.Fail("Unsupported LIST option");
    if (in.Eat(')')) return true;
    if (!in.Sp("")) return in.Fail("Bad LIST options");
  }
}

// LIST [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts] (RFC 5258).
bool ParseList(Cursor& in, List* out) {
  if (!in.Sp("Missing reference")) return false;
  if (!out->lsub && in.Peek() == '(') {
    if (!OptionList(in, [&](const std::string& w) {
          if (w == "SPECIAL-USE") return out->select_special_use = true;
          if (w == "SUBSCRIBED") return out->select_subscribed = true;
          return false;
        })) {
      return false;
    }
    if (!in.Sp("Missing reference")) return false;
  }
  if (!in.Astring(&out->reference)) return in.Fail("Bad reference");
  if (!in.Sp("Missing mailbox pattern")) return false;
  if (!in.ListMailbox(&out->pattern)) {
    return in.Fail(in.Peek() == '(' ? "Multiple patterns are not supported"
                                    : "Bad mailbox pattern");
  }
  if (in.AtEnd() || out->lsub) return End(in);
  if (!in.Sp() || !in.Keyword("RETURN") || !in.Sp()) return in.Fail("Bad LIST arguments");
  if (!OptionList(in, [&](const std::string& w) {
        if (w == "SPECIAL-USE") return out->return_special_use = true;
        if (w == "SUBSCRIBED") return out->return_subscribed = true;
        if (w == "CHILDREN") return out->return_children = true;
        return false;
      })) {
    return false;
  }
  return End(in);
}

bool ParseStatus(Cursor& in, Status* out) {
  if (!Mailbox(in, &out->mailbox)) return false;
  if (!in.Sp("Missing status items") || !in.Eat('(')) return in.Fail("Missing status items");
  static constexpr std::pair<std::string_view, StatusItem> kItems[] = {
      {"MESSAGES", StatusItem::kMessages},       {"RECENT", StatusItem::kRecent},
      {"UIDNEXT", StatusItem::kUidNext},         {"UIDVALIDITY", StatusItem::kUidValidity},
      {"UNSEEN", StatusItem::kUnseen},           {"HIGHESTMODSEQ", StatusItem::kHighestModSeq},
      {"SIZE", StatusItem::kSize},
  };
  for (;;) {
    std::string w;
    if (!in.Word(&w)) return in.Fail("Bad status item");
    bool found = false;
    for (const auto& [name, item] : kItems) {
      if (name == w) {
        out->items.push_back(item);
        found = true;
      }
    }
    if (!found) return in.Fail("Unknown status item");
    if (in.Eat(')')) break;
    if (!in.Sp("")) return in.Fail(in.AtEnd() ? "Unbalanced parentheses" : "Bad status item");
  }
  return End(in);
}

// APPEND mailbox [SP flag-list] [SP date-time] SP literal.
bool ParseAppend(Cursor& in, Append* out) {
  if (!Mailbox(in, &out->mailbox)) return false;
  if (!in.Sp("Missing message")) return false;
  if (in.Peek() == '(') {
    if (!in.FlagList(&out->flags)) return in.Fail("Bad flag list");
    if (!in.Sp("Missing message")) return false;
  }
  if (in.Peek() == '"') {
    std::string text;
    if (!in.Quoted(&text)) return false;
    out->date = ParseDateTime(text);
    if (!out->date) return in.Fail("Bad date-time");
    if (!in.Sp("Missing message")) return false;
  }
  if (in.Peek() != '{') return in.Fail("Missing message literal");
  if (!in.Literal(&out->message, /*allow_nul=*/true)) return false;
  if (!in.AtEnd()) return in.Fail("MULTIAPPEND is not supported");
  return true;
}

// STORE set [SP "(" "UNCHANGEDSINCE" SP n ")"] SP (+|-)FLAGS[.SILENT] SP flags.
bool ParseStore(Cursor& in, Store* out) {
  if (!in.Sp("Missing sequence set")) return false;
  if (!in.Set(&out->set)) return in.Fail("Bad sequence set");
  if (!in.Sp("Missing store item")) return false;
  if (in.Eat('(')) {
    std::string w;
    if (!in.Word(&w) || w != "UNCHANGEDSINCE" || !in.Sp() || !in.Number(&out->unchanged_since) ||
        !in.Eat(')')) {
      return in.Fail("Bad STORE modifier");
    }
    out->has_unchanged_since = true;
    if (!in.Sp("Missing store item")) return false;
  }
  if (in.Eat('+')) {
    out->mode = StoreMode::kAdd;
  } else if (in.Eat('-')) {
    out->mode = StoreMode::kRemove;
  }
  std::string item;
  if (!in.Word(&item) || (item != "FLAGS" && item != "FLAGS.SILENT")) {
    return in.Fail("Bad store item");
  }
  out->silent = item == "FLAGS.SILENT";
  if (!in.Sp("Missing flags")) return false;
  if (in.Peek() == '(') {
    if (!in.FlagList(&out->flags)) return in.Fail("Bad flag list");
    return End(in);
  }
  for (;;) {
    std::string flag;
    if (!in.Flag(&flag)) return in.Fail("Bad flag");
    out->flags.push_back(std::move(flag));
    if (in.AtEnd()) return true;
    if (!in.Sp("Bad flag")) return false;
  }
}

bool ParseCopy(Cursor& in, Copy* out) {
  if (!in.Sp("Missing sequence set")) return false;
  if (!in.Set(&out->set)) return in.Fail("Bad sequence set");
  return Mailbox(in, &out->mailbox) && End(in);
}

// ID SP ("(" [string SP nstring *(SP string SP nstring)] ")" / NIL) (RFC 2971).
bool ParseId(Cursor& in, Id* out) {
  if (!in.Sp("Missing ID parameters")) return false;
  if (in.Keyword("NIL")) return End(in);
  if (!in.Eat('(')) return in.Fail("Bad ID parameters");
  if (in.Eat(')')) return End(in);
  for (;;) {
    std::string field;
    std::optional<std::string> value;
    if (!in.String(&field)) return in.Fail("Bad ID field");
    if (!in.Sp("Missing ID value") || !in.NString(&value)) return in.Fail("Bad ID value");
    if (out->fields.size() >= kMaxIdPairs) return in.Fail("Too many ID fields");
    out->fields.emplace_back(std::move(field), std::move(value));
    if (in.Eat(')')) break;
    if (!in.Sp("")) return in.Fail(in.AtEnd() ? "Unbalanced parentheses" : "Bad ID parameters");
  }
  return End(in);
}

bool ParseEnable(Cursor& in, Enable* out) {
  do {
    if (!in.Sp("Missing capability")) return false;
    std::string cap;
    if (!in.Atom(&cap)) return in.Fail("Bad capability");
    out->capabilities.push_back(Upper(cap));
  } while (!in.AtEnd());
  return true;
}

// AUTHENTICATE SP auth-type [SP (base64 / "=")] (RFC 4959 SASL-IR).
bool ParseAuthenticate(Cursor& in, Authenticate* out) {
  if (!in.Sp("Missing mechanism")) return false;
  std::string mech;
  if (!in.Atom(&mech)) return in.Fail("Bad mechanism");
  out->mechanism = Upper(mech);
  if (in.AtEnd()) return true;
  if (!in.Sp()) return false;
  const std::string_view rest = in.rest();
  if (rest == "=") {
    out->initial = "";
    in.set_pos(in.pos() + 1);
    return true;
  }
  size_t i = 0;
  while (i < rest.size() && (IsDigit(rest[i]) || (rest[i] >= 'A' && rest[i] <= 'Z') ||
                             (rest[i] >= 'a' && rest[i] <= 'z') || rest[i] == '+' ||
                             rest[i] == '/')) {
    ++i;
  }
  size_t pad = 0;
  while (i + pad < rest.size() && rest[i + pad] == '=' && pad < 2) ++pad;
  if (i + pad != rest.size() || i + pad == 0 || (i + pad) % 4 != 0) {
    return in.Fail("Bad initial response");
  }
  out->initial = std::string(rest);
  in.set_pos(in.pos() + rest.size());
  return true;
}

bool ParseLogin(Cursor& in, Login* out) {
  if (!in.Sp("Missing user name") || !in.Astring(&out->user)) return in.Fail("Bad user name");
  if (!in.Sp("Missing password") || !in.Astring(&out->password)) return in.Fail("Bad password");
  return End(in);
}

// The command after its tag and name; `uid` for the UID forms.
bool ParseNamed(Cursor& in, const std::string& name, bool uid, Command* out) {
  if (uid) {
    if (name == "FETCH") {
      Fetch f;
      f.uid = true;
      if (!internal::ParseFetchArgs(in, &f)) return false;
      *out = std::move(f);
    } else if (name == "SEARCH") {
      Search s;
      s.uid = true;
      if (!internal::ParseSearchArgs(in, &s)) return false;
      *out = std::move(s);
    } else if (name == "STORE") {
      Store s;
      s.uid = true;
      if (!ParseStore(in, &s)) return false;
      *out = std::move(s);
    } else if (name == "COPY" || name == "MOVE") {
      Copy c;
      c.uid = true;
      c.move = name == "MOVE";
      if (!ParseCopy(in, &c)) return false;
      *out = std::move(c);
    } else if (name == "EXPUNGE") {
      Expunge e;
      e.uids.emplace();
      if (!in.Sp("Missing UID set")) return false;
      if (!in.Set(&*e.uids)) return in.Fail("Bad sequence set");
      if (!End(in)) return false;
      *out = std::move(e);
    } else {
      *out = Unknown{"UID " + name};
    }
    return true;
  }
  auto bare = [&](Command c) {
    *out = std::move(c);
    return End(in);
  };
  if (name == "CAPABILITY") return bare(Capability{});
  if (name == "NOOP") return bare(Noop{});
  if (name == "LOGOUT") return bare(Logout{});
  if (name == "STARTTLS") return bare(StartTls{});
  if (name == "CHECK") return bare(Check{});
  if (name == "CLOSE") return bare(Close{});
  if (name == "UNSELECT") return bare(Unselect{});
  if (name == "EXPUNGE") return bare(Expunge{});
  if (name == "IDLE") return bare(Idle{});
  if (name == "NAMESPACE") return bare(Namespace{});
  if (name == "AUTHENTICATE") {
    Authenticate a;
    if (!ParseAuthenticate(in, &a)) return false;
    *out = std::move(a);
  } else if (name == "LOGIN") {
    Login l;
    if (!ParseLogin(in, &l)) return false;
    *out = std::move(l);
  } else if (name == "SELECT" || name == "EXAMINE") {
    Select s;
    s.read_only = name == "EXAMINE";
    if (!ParseSelect(in, &s)) return false;
    *out = std::move(s);
  } else if (name == "CREATE") {
    Create c;
    if (!ParseCreate(in, &c)) return false;
    *out = std::move(c);
  } else if (name == "DELETE") {
    Delete d;
    if (!Mailbox(in, &d.mailbox) || !End(in)) return false;
    *out = std::move(d);
  } else if (name == "RENAME") {
    Rename r;
    if (!Mailbox(in, &r.from) || !Mailbox(in, &r.to) || !End(in)) return false;
    *out = std::move(r);
  } else if (name == "SUBSCRIBE" || name == "UNSUBSCRIBE") {
    Subscribe s;
    s.subscribe = name == "SUBSCRIBE";
    if (!Mailbox(in, &s.mailbox) || !End(in)) return false;
    *out = std::move(s);
  } else if (name == "LIST" || name == "LSUB") {
    List l;
    l.lsub = name == "LSUB";
    if (!ParseList(in, &l)) return false;
    *out = std::move(l);
  } else if (name == "STATUS") {
    Status s;
    if (!ParseStatus(in, &s)) return false;
    *out = std::move(s);
  } else if (name == "APPEND") {
    Append a;
    if (!ParseAppend(in, &a)) return false;
    *out = std::move(a);
  } else if (name == "SEARCH") {
    Search s;
    if (!internal::ParseSearchArgs(in, &s)) return false;
    *out = std::move(s);
  } else if (name == "FETCH") {
    Fetch f;
    if (!internal::ParseFetchArgs(in, &f)) return false;
    *out = std::move(f);
  } else if (name == "STORE") {
    Store s;
    if (!ParseStore(in, &s)) return false;
    *out = std::move(s);
  } else if (name == "COPY" || name == "MOVE") {
    Copy c;
    c.move = name == "MOVE";
    if (!ParseCopy(in, &c)) return false;
    *out = std::move(c);
  } else if (name == "ID") {
    Id i;
    if (!ParseId(in, &i)) return false;
    *out = std::move(i);
  } else if (name == "ENABLE") {
    Enable e;
    if (!ParseEnable(in, &e)) return false;
    *out = std::move(e);
  } else {
    *out = Unknown{name};
  }
  return true;
}

}  // namespace

Parsed ParseCommand(std::string_view command, const Limits& limits) {
  Parsed p;
  size_t t = 0;
  while (t < command.size() && IsTagChar(command[t])) ++t;
  if (t == 0 || t >= command.size() || command[t] != ' ') {
    p.error = command.find('\0') != std::string_view::npos ? "NUL in command" : "Bad tag";
    return p;
  }
  p.tag = std::string(command.substr(0, t));
  Cursor in(command.substr(t), limits);
  std::string name;
  if (!in.Sp("Missing command") || !in.Atom(&name)) {
    p.error = in.failed() ? in.error() : "Missing command";
    return p;
  }
  name = Upper(name);
  bool uid = false;
  if (name == "UID") {
    uid = true;
    if (!in.Sp("Missing command after UID") || !in.Atom(&name)) {
      p.error = in.failed() ? in.error() : "Missing command after UID";
      return p;
    }
    name = Upper(name);
  }
  if (name.size() > 64) name = "?";
  if (ParseNamed(in, name, uid, &p.command)) {
    p.ok = true;
  } else {
    p.error = in.failed() ? in.error() : "Bad arguments";
    if (command.find('\0') != std::string_view::npos && p.error.find("NUL") == std::string::npos) {
      // A NUL outside a literal is what broke the command.
      p.error = "Bad arguments";
    }
    p.command = Command{};
  }
  return p;
}

std::string_view CommandName(const Command& cmd) {
  struct Visitor {
    std::string_view operator()(const Capability&) const { return "CAPABILITY"; }
    std::string_view operator()(const Noop&) const { return "NOOP"; }
    std::string_view operator()(const Logout&) const { return "LOGOUT"; }
    std::string_view operator()(const StartTls&) const { return "STARTTLS"; }
    std::string_view operator()(const Authenticate&) const { return "AUTHENTICATE"; }
    std::string_view operator()(const Login&) const { return "LOGIN"; }
    std::string_view operator()(const Select& c) const { return c.read_only ? "EXAMINE" : "SELECT"; }
    std::string_view operator()(const Create&) const { return "CREATE"; }
    std::string_view operator()(const Delete&) const { return "DELETE"; }
    std::string_view operator()(const Rename&) const { return "RENAME"; }
    std::string_view operator()(const Subscribe& c) const {
      return c.subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE";
    }
    std::string_view operator()(const List& c) const { return c.lsub ? "LSUB" : "LIST"; }
    std::string_view operator()(const Status&) const { return "STATUS"; }
    std::string_view operator()(const Append&) const { return "APPEND"; }
    std::string_view operator()(const Check&) const { return "CHECK"; }
    std::string_view operator()(const Close&) const { return "CLOSE"; }
    std::string_view operator()(const Unselect&) const { return "UNSELECT"; }
    std::string_view operator()(const Expunge& c) const {
      return c.uids ? "UID EXPUNGE" : "EXPUNGE";
    }
    std::string_view operator()(const Search& c) const { return c.uid ? "UID SEARCH" : "SEARCH"; }
    std::string_view operator()(const Fetch& c) const { return c.uid ? "UID FETCH" : "FETCH"; }
    std::string_view operator()(const Store& c) const { return c.uid ? "UID STORE" : "STORE"; }
    std::string_view operator()(const Copy& c) const {
      if (c.move) return c.uid ? "UID MOVE" : "MOVE";
      return c.uid ? "UID COPY" : "COPY";
    }
    std::string_view operator()(const Idle&) const { return "IDLE"; }
    std::string_view operator()(const Namespace&) const { return "NAMESPACE"; }
    std::string_view operator()(const Id&) const { return "ID"; }
    std::string_view operator()(const Enable&) const { return "ENABLE"; }
    std::string_view operator()(const Unknown&) const { return "UNKNOWN"; }
  };
  return std::visit(Visitor{}, cmd);
}

// date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE,
// here without the quotes; date-day-fixed is (SP DIGIT) / 2DIGIT, a lone digit taken too.
std::optional<DateTime> ParseDateTime(std::string_view s) {
  if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  // d-Mon-yyyy hh:mm:ss +zzzz (25 octets with a one-digit day, 26 with two)
  size_t day_len = 0;
  while (day_len < s.size() && day_len < 3 && IsDigit(s[day_len])) ++day_len;
  if (day_len < 1 || day_len > 2 || s.size() != day_len + 24) return std::nullopt;
  const std::string_view rest = s.substr(day_len);  // -Mon-yyyy hh:mm:ss +zzzz
  auto digits = [&](size_t at, size_t n, int* v) {
    *v = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!IsDigit(rest[at + i])) return false;
      *v = *v * 10 + (rest[at + i] - '0');
    }
    return true;
  };
  if (rest[0] != '-' || rest[4] != '-' || rest[9] != ' ' || rest[12] != ':' || rest[15] != ':' ||
      rest[18] != ' ' || (rest[19] != '+' && rest[19] != '-')) {
    return std::nullopt;
  }
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0, zh = 0, zm = 0;
  std::from_chars(s.data(), s.data() + day_len, day);
  const int month = internal::MonthFromName(rest.substr(1, 3));
  if (!digits(5, 4, &year) || !digits(10, 2, &hh) || !digits(13, 2, &mm) ||
      !digits(16, 2, &ss) || !digits(20, 2, &zh) || !digits(22, 2, &zm)) {
    return std::nullopt;
  }
  if (month == 0 || !internal::ValidDate(year, month, day) || hh > 23 || mm > 59 || ss > 60 ||
      zh > 23 || zm > 59) {
    return std::nullopt;
  }
  DateTime dt;
  dt.zone_minutes = (zh * 60 + zm) * (rest[19] == '-' ? -1 : 1);
  const int64_t local = internal::DaysFromCivil(year, month, day) * 86400 + hh * 3600 + mm * 60 +
                        (ss == 60 ? 59 : ss);
  dt.unix_seconds = local - int64_t{dt.zone_minutes} * 60;
  return dt;
}

}  // namespace tern::imap_protocol
