// The argument grammars of the bigger commands, each in its own file. Each reads the arguments
// after the command name (the cursor is on the SP after it) to the end of the command, and
// returns false with the cursor's error set when they are malformed. Internal to the codec.
#pragma once

#include <optional>
#include <string_view>

#include "grammar.h"
#include "tern/imap_protocol/command.h"

namespace tern::imap_protocol::internal {

bool ParseFetchArgs(Cursor& in, Fetch* out);    // fetch.cc
bool ParseSearchArgs(Cursor& in, Search* out);  // search.cc
// A SEARCH date: date-text or DQUOTE date-text DQUOTE (search.cc).
bool ParseDate(Cursor& in, Date* out);
// Days from 1970-01-01, and whether a date exists (search.cc).
int64_t DaysFromCivil(int y, int m, int d);
bool ValidDate(int y, int m, int d);
// The month of "Jan".."Dec", case-insensitive, or 0.
int MonthFromName(std::string_view name);

}  // namespace tern::imap_protocol::internal
