// RFC 5322 + MIME (RFC 2045-2049, 2047, 2231) message parser: streaming, bounded, and producing
// what IMAP needs (ENVELOPE, BODYSTRUCTURE sizes and offsets, text for SEARCH).
//
// Pure library: bytes in, a `Message` value out. No I/O, no exceptions on the data path. Every
// input, however hostile, yields a best-effort `Message`; problems are reported through
// `Message::malformed`, `Message::truncated` and `Message::problems`, never by failing.
//
// Conventions used throughout:
//  - Lines end with LF or CRLF (both accepted, also mixed). A lone CR is ordinary data.
//  - All offsets and sizes are exact byte positions in the input as fed.
//  - "Raw" strings are header values unfolded (CRLF of folds removed, the whitespace kept) and
//    trimmed of leading/trailing whitespace; nothing else is changed (encoded-words stay).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::mime {

// Resource limits of one parse. The defaults live here and only here. Every limit, when hit,
// sets `Message::truncated` and adds a problem; parsing continues with the excess ignored, so
// memory stays bounded by these numbers and never by the size of the input.
struct Limits {
  size_t max_depth = 20;      // multipart + message/rfc822 nesting; deeper containers are opaque
  size_t max_parts = 500;     // total body parts (BodyPart values, the top-level one included)
  size_t max_headers = 1000;  // header fields per header block
  size_t max_header_block_bytes = 256 * 1024;  // bytes per header block
  size_t max_search_text_bytes = 1 << 20;      // decoded text kept for SEARCH
};

// IMAP address structure (RFC 3501 section 7.4.2).
//  - A mailbox: `mailbox` is the local part (quotes removed) and `host` the domain; an address
//    without a domain (obsolete or broken syntax) gets host "" so that it is never mistaken for
//    a group marker. `name` is the display name as written (quoted strings unquoted, words
//    joined by one space, encoded-words NOT decoded), or, when there is none, the text of a
//    trailing comment ("a@b (Name)"). `adl` is the obsolete source route ("@x,@y").
//  - Group start: mailbox = group name, host = nullopt (name and adl nullopt).
//  - Group end: all four nullopt.
struct Address {
  std::optional<std::string> name, adl, mailbox, host;
  bool operator==(const Address&) const = default;
};

// RFC 3501 ENVELOPE of one message (the top-level one or one encapsulated in message/rfc822).
// String fields are raw header values (see above), nullopt when the field is absent, "" when it
// is present but empty. The first occurrence of each field is used.
struct Envelope {
  std::optional<std::string> date, subject, in_reply_to, message_id;
  // Parsed address lists. `sender` and `reply_to` default to `from` when absent or empty
  // (RFC 3501).
  std::vector<Address> from, sender, reply_to, to, cc, bcc;
};

// A Content-Type / Content-Disposition parameter.
//  - `name` is lower-cased.
//  - RFC 2231 continuations (name*0, name*1*, ...) are joined in index order and the
//    percent-encoding of extended segments is decoded. When the charset is utf-8, us-ascii,
//    iso-8859-1 or windows-1252 (or missing), the value is converted to UTF-8 and `name` is the
//    plain name ("filename"); a converted parameter replaces a plain one of the same name.
//  - With any other charset the value is kept in its RFC 2231 form
//    ("charset'language'%xx..." with the segments joined) and `name` keeps the trailing '*'
//    ("filename*"), so that it cannot be mistaken for decoded text.
//  - Plain values are unquoted; encoded-words inside them are NOT decoded.
struct Param {
  std::string name;
  std::string value;
  bool operator==(const Param&) const = default;
};

struct Disposition {
  std::string type;  // lower-cased ("inline", "attachment", ...)
  std::vector<Param> params;
};

// One MIME entity. The top-level one is `Message::body`.
struct BodyPart {
  // Lower-cased. Defaults per RFC 2045: text/plain, or message/rfc822 for the parts of a
  // multipart/digest. A syntactically invalid Content-Type also gives text/plain.
  std::string type = "text", subtype = "plain";
  std::vector<Param> params;  // text/* without a charset gets charset=us-ascii (appended)
  std::optional<std::string> id, description, md5, location;  // raw Content-* values
  std::string encoding = "7bit";  // lower-cased Content-Transfer-Encoding token
  std::optional<Disposition> disposition;
  std::vector<std::string> language;  // Content-Language tags, as written
  // Absolute byte range of the header block describing this entity, including the blank line
  // that ends it. A header block cut short by a boundary or by the end of input has no blank
  // line; when a boundary cuts it, the line break before the boundary belongs to the boundary.
  uint64_t header_offset = 0, header_size = 0;
  // Absolute byte range of the body. Inside a multipart the line break before a boundary
  // belongs to the boundary, not to the body (RFC 2046), so `body_size` excludes it (unless that
  // line break is the blank line ending this entity's header: the body is then empty). A part
  // never ends before its children.
  uint64_t body_offset = 0, body_size = 0;
  // Number of LF characters in the body range (what Dovecot reports for text/* and
  // message/rfc822; computed for every part).
  uint64_t body_lines = 0;
  // multipart/*: its parts, in order. Normally at least one; a broken multipart may have none
  // (an IMAP server then reports a single empty text/plain part, as Dovecot does).
  // message/rfc822: exactly one child describing the encapsulated message: its header_* range
  // is the encapsulated message's header and its body_* range that message's body. The child is
  // missing when a limit stopped parsing, when the part's own header was cut short (no blank
  // line), or when the part is opaque (encoded with base64 or quoted-printable, which RFC 2046
  // forbids); an IMAP server then reports an empty envelope and an empty text/plain body.
  // Parts past `max_depth` are opaque: no children, their content is just body bytes.
  std::vector<BodyPart> children;
  // message/rfc822 only, and then never null (all fields empty when the encapsulated header
  // could not be parsed). Shared so that copying a Message stays cheap.
  std::shared_ptr<Envelope> envelope;
};

struct Message {
  uint64_t size = 0;  // total bytes fed
  uint64_t header_size =
      0;              // top-level header block bytes incl. the blank line (== body.header_size)
  Envelope envelope;  // of the top-level message
  BodyPart body;      // top-level entity; body.header_offset == 0
  // Top-level header fields, unfolded, one "Name: value\n" per field in input order,
  // encoded-words decoded to UTF-8 (for SEARCH HEADER / TEXT). Bounded by
  // max_header_block_bytes.
  std::string header_text;
  // Transfer-decoded text of the text/* parts (all levels, in order, separated by a line break),
  // converted to UTF-8 where the charset is known (utf-8, us-ascii, iso-8859-1, windows-1252;
  // other charsets keep their bytes). Bounded by max_search_text_bytes (for SEARCH BODY / TEXT).
  std::string search_text;
  bool malformed = false;  // something was wrong; the structure is best-effort
  bool truncated = false;  // a limit was hit (see Limits)
  // Short descriptions, mostly prefixed with the byte offset ("@123: ..."); at most
  // kMaxProblems entries, the first ones seen.
  std::vector<std::string> problems;
  static constexpr size_t kMaxProblems = 16;
};

// Streaming parser. Feed the message in chunks of any size, then call Finish() once.
//  - Any chunking, including one byte at a time, gives an identical Message.
//  - Memory stays bounded by Limits (plus a 16 KiB line buffer) whatever the message size: the
//    body bytes are never stored, only the decoded text kept for SEARCH.
//  - Lines longer than 16 KiB are handled in pieces; such a line is never a boundary.
//  - Feed() after Finish() is ignored; a second Finish() returns an empty Message.
// Not thread-safe; one Parser per message.
class Parser {
 public:
  explicit Parser(Limits limits = {});
  ~Parser();
  Parser(Parser&&) noexcept;
  Parser& operator=(Parser&&) noexcept;
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  void Feed(std::string_view bytes);
  Message Finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a whole message held in memory (same result as one Feed() and Finish()).
Message Parse(std::string_view whole, Limits limits = {});

// Decodes RFC 2047 encoded-words (B and Q) in an unfolded header value. utf-8, us-ascii,
// iso-8859-1 and windows-1252 become UTF-8; unknown charsets keep the decoded bytes. Whitespace
// between two adjacent encoded-words is dropped; malformed encoded-words stay as they are.
std::string DecodeEncodedWords(std::string_view raw);

// Quoted-printable (RFC 2045 6.7): =XX escapes and soft line breaks ("=" + optional whitespace +
// line break) are decoded; anything malformed is kept literally; a "=" at the very end is
// dropped.
std::string DecodeQuotedPrintable(std::string_view in);

// Base64 (RFC 2045 6.8): whitespace and invalid characters are ignored; "=" ends a quantum.
std::string DecodeBase64(std::string_view in);

// Parses an RFC 5322 address-list (From, To, Cc, ...: mailboxes, groups, route-addrs, bare
// addr-specs, obsolete forms best-effort) into IMAP address structures. `malformed`, when not
// null, is set to true if something had to be guessed; it is never reset to false.
std::vector<Address> ParseAddressList(std::string_view raw, bool* malformed = nullptr);

// Deterministic multi-line text of everything in `m`, for golden tests and debugging.
std::string Dump(const Message& m);

}  // namespace tern::mime
