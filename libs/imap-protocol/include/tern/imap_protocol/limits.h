// The bounds of one IMAP server session. The defaults live here and only here; the command
// reader and the parsers take a `Limits` and keep their memory within these numbers whatever
// the client sends.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::imap_protocol {

struct Limits {
  // The text of a command between literals, counting each CRLF (RFC 7162 section 4 asks
  // servers to take at least 8192 octets; long UID sets from clients that resync need more).
  size_t max_line = 64 * 1024;
  // The message literal of APPEND. The reader decides on the announced size, before it reads
  // one octet of the literal: a synchronizing literal over it is refused before the client
  // sends it (tagged NO [TOOBIG]); see CommandReader for non-synchronizing ones.
  uint64_t max_append_literal = 64ull << 20;
  // Any other literal (a password, a mailbox name, a SEARCH string).
  uint64_t max_literal = 64 * 1024;
  // A whole command other than APPEND, lines and literals together.
  size_t max_command = 1 << 20;
  // A non-synchronizing literal over its limit is read and thrown away (answered BAD, the
  // session goes on) up to this size; a bigger one ends the session with * BYE, since reading
  // it would cost more than the client deserves.
  uint64_t max_discard = 1 << 20;
  // Parenthesised lists inside lists (search keys, fetch attributes, flags, ID).
  size_t max_nesting = 16;
  // Ranges in one sequence set, and keys in one SEARCH.
  size_t max_set_ranges = 16 * 1024;
  size_t max_search_keys = 1024;
  // A SASL response line (after "+ " in AUTHENTICATE), and the IDLE "DONE" line, with CRLF.
  size_t max_sasl_line = 16 * 1024;
  // Refused commands (BAD) the session tolerates before it says * BYE. Counting is the
  // session's job.
  size_t max_bad_commands = 20;
};

}  // namespace tern::imap_protocol
