// The multi-line responses built from values rather than message bodies: CAPA (RFC 2449 5),
// the mechanism list of a bare AUTH, and the LIST and UIDL listings (RFC 1939 5 and 7). Each
// builder returns the whole response, status line and ".\r\n" included. For a maildrop too big
// to list in one string, write the status line, the Append*Line() rows, then kEndOfMultiline.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::pop3_protocol {

// The line that ends every multi-line response.
inline constexpr std::string_view kEndOfMultiline = ".\r\n";

// RFC 2449 6.5 LOGIN-DELAY: the minimum seconds between logins.
struct LoginDelay {
  uint32_t seconds = 0;
  bool per_user = false;  // " USER": may differ per user (AUTHORIZATION state only)
};
// RFC 2449 6.7 EXPIRE: days a message stays after it was retrieved.
struct Expire {
  std::optional<uint32_t> days;  // nullopt: "NEVER"; 0: deleted at the end of the session
  bool per_user = false;         // " USER" (AUTHORIZATION state only)
};

// What CAPA lists, in this order. The session fills it for the state and transport at hand
// (RFC 2595 4: no STLS once TLS is active; RFC 2449 6.3: SASL lists what may be used now).
struct Capabilities {
  bool top = true;                         // "TOP"
  bool user = true;                        // "USER": USER and PASS are offered
  std::vector<std::string> sasl{"PLAIN"};  // "SASL PLAIN ..."; no line when empty. Names that
                                           // are not RFC 4422 mechanism names are left out.
  bool resp_codes = true;                  // "RESP-CODES" (RFC 2449 6.4)
  bool auth_resp_code = true;              // "AUTH-RESP-CODE" (RFC 3206 6: [AUTH], [SYS/*])
  std::optional<LoginDelay> login_delay;   // "LOGIN-DELAY n [USER]"
  bool pipelining = true;                  // "PIPELINING"
  std::optional<Expire> expire;            // "EXPIRE n|NEVER [USER]"
  bool uidl = true;                        // "UIDL"
  bool stls = false;                       // "STLS": TLS available and not yet active
  std::string implementation = "Tern";     // "IMPLEMENTATION Tern"; no line when empty.
                                           // Octets outside printable ASCII become '?'.
};
// "+OK capability list follows", one line per capability, ".".
std::string CapaResponse(const Capabilities& capabilities);

// The answer to a bare "AUTH": "+OK SASL mechanisms follow", one mechanism per line, ".".
// Invalid names are left out as for Capabilities::sasl.
std::string MechanismListing(const std::vector<std::string>& mechanisms);

// One row of LIST: message number and size in octets (as sent, CRLF line endings).
struct ScanEntry {
  uint32_t msg = 0;
  uint64_t octets = 0;
};
// "+OK scan listing follows", "msg octets" per entry in the order given, ".". The caller leaves
// out messages marked deleted (RFC 1939 5).
std::string ScanListing(const std::vector<ScanEntry>& entries);
// Appends "msg octets\r\n".
void AppendScanLine(uint32_t msg, uint64_t octets, std::string* out);

// One row of UIDL: message number and unique-id (see MakeUniqueId).
struct UidEntry {
  uint32_t msg = 0;
  std::string unique_id;
};
// "+OK unique-id listing follows", "msg unique-id" per entry, ".". A unique-id's octets outside
// 0x21-0x7E become '?' and it is cut to 70 octets (RFC 1939 7), so the framing holds whatever
// the caller passes; ids from MakeUniqueId never need either.
std::string UidlListing(const std::vector<UidEntry>& entries);
// Appends "msg unique-id\r\n" (the id treated as above).
void AppendUidlLine(uint32_t msg, std::string_view unique_id, std::string* out);

}  // namespace tern::pop3_protocol
