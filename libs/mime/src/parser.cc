// The streaming parser: a line splitter feeding a stack of open entities.
//
// Input is cut into lines (LF-terminated). A line longer than kLineChunk is handed over in
// pieces of kLineChunk bytes (one less when a piece would end with CR, so that a CRLF is never
// split); the cut points depend only on the input, never on how it was fed, which makes every
// chunking produce the same result. Each line that starts with "--" is first checked against the
// boundaries of the open multiparts (innermost first); otherwise it goes to the entity on top of
// the stack, which is either reading its header block or its body.
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "codec.h"
#include "fields.h"
#include "tern/mime/mime.h"

namespace tern::mime {
namespace {

using internal::Charset;

constexpr size_t kLineChunk = 16 * 1024;  // longest piece of a line handed over at once
constexpr size_t kMaxBoundary = 256;      // RFC 2046 allows 70; longer ones are not honoured

// Problems are reported once per kind (with the offset of the first occurrence), which keeps
// the list short and bounded.
enum class Problem : uint8_t {
  kHeaderLineWithoutColon,
  kContinuationWithoutField,
  kInvalidContentType,
  kMalformedContentField,
  kMalformedAddress,
  kMultipartWithoutBoundary,
  kBoundaryTooLong,
  kMissingCloseBoundary,
  kMultipartWithoutParts,
  kMultipartWithoutBody,
  kEncodedMessage,
  kTooDeep,
  kTooManyParts,
  kTooManyHeaders,
  kHeaderBlockTooLarge,
  kSearchTextLimit,
  kCount,
};

struct ProblemInfo {
  bool truncation;  // a limit (sets `truncated`) rather than bad input (sets `malformed`)
  const char* text;
};

constexpr std::array<ProblemInfo, static_cast<size_t>(Problem::kCount)> kProblems = {{
    {false, "header line without colon"},
    {false, "continuation line without a header field"},
    {false, "invalid Content-Type, using text/plain"},
    {false, "malformed Content-* field"},
    {false, "malformed address list"},
    {false, "multipart without boundary parameter"},
    {false, "multipart boundary too long"},
    {false, "missing close boundary"},
    {false, "multipart without parts"},
    {false, "multipart entity without body"},
    {false, "message/rfc822 with base64/quoted-printable encoding, kept opaque"},
    {true, "nesting deeper than max_depth, kept opaque"},
    {true, "more than max_parts body parts"},
    {true, "more than max_headers header fields"},
    {true, "header block larger than max_header_block_bytes"},
    {true, "search text larger than max_search_text_bytes"},
}};

// Header fields the parser keeps, per header block.
enum Field : uint8_t {
  kContentType,
  kContentTransferEncoding,
  kContentId,
  kContentDescription,
  kContentMd5,
  kContentLocation,
  kContentDisposition,
  kContentLanguage,
  kFirstEnvelopeField,
  kDate = kFirstEnvelopeField,
  kSubject,
  kFrom,
  kSender,
  kReplyTo,
  kTo,
  kCc,
  kBcc,
  kInReplyTo,
  kMessageId,
  kFieldCount,
  kOtherField = kFieldCount,
};

constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "content-type",
    "content-transfer-encoding",
    "content-id",
    "content-description",
    "content-md5",
    "content-location",
    "content-disposition",
    "content-language",
    "date",
    "subject",
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "bcc",
    "in-reply-to",
    "message-id",
};

Field LookupField(std::string_view name) {
  for (size_t i = 0; i < kFieldNames.size(); ++i) {
    if (internal::EqualsIgnoreCase(name, kFieldNames[i])) return static_cast<Field>(i);
  }
  return kOtherField;
}

enum class Mode : uint8_t { kHeader, kLeaf, kMultipart, kMessage };
enum class MpState : uint8_t { kPreamble, kInPart, kSkipping, kEpilogue };
enum class Cte : uint8_t { kIdentity, kQuotedPrintable, kBase64 };

// One open entity.
struct Frame {
  BodyPart* part = nullptr;  // stable: only closed siblings' vectors ever grow
  size_t depth = 0;
  Mode mode = Mode::kHeader;
  bool message_header = false;  // the header block of a message: collect the envelope
  bool default_rfc822 = false;  // a part of multipart/digest

  // Header block.
  uint64_t header_bytes = 0;
  size_t header_fields = 0;
  bool header_overflow = false;
  std::unique_ptr<std::array<std::optional<std::string>, kFieldCount>> fields =
      std::make_unique<std::array<std::optional<std::string>, kFieldCount>>();

  uint64_t nl_at_header_start = 0;  // LFs before header_offset

  // Body.
  uint64_t nl_at_body_start = 0;
  std::string boundary;  // kMultipart
  MpState mp = MpState::kPreamble;
  bool text = false;  // kLeaf whose decoded text goes to search_text
  Cte cte = Cte::kIdentity;
  Charset charset = Charset::kPassThrough;
  uint8_t pending_eol = 0;  // line break of the last body line, held back: it may belong to a
                            // boundary
  internal::QpDecoder qp;
  internal::Base64Decoder b64;
};

bool IsValidFieldName(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c >= 0x7F || c == ':') return false;
  }
  return true;
}

bool AllWsp(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return internal::IsWsp(c); });
}

const Param* FindParam(const std::vector<Param>& params, std::string_view name) {
  for (const auto& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// Appends `s` to `out`, never past `max` bytes in total, cutting at a UTF-8 character start.
// Returns false when something had to be cut.
bool AppendBounded(std::string_view s, size_t max, std::string* out) {
  size_t room = out->size() < max ? max - out->size() : 0;
  if (s.size() <= room) {
    out->append(s);
    return true;
  }
  size_t k = room;
  while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
  out->append(s.substr(0, k));
  return false;
}

}  // namespace

class Parser::Impl {
 public:
  explicit Impl(Limits limits) : lim_(limits) {
    stack_.reserve(std::min<size_t>(lim_.max_depth, 64) + 2);
    Frame root;
    root.part = &msg_.body;
    root.message_header = true;
    stack_.push_back(std::move(root));
  }

  void Feed(std::string_view in) {
    if (finished_) return;
    msg_.size += in.size();
    while (!in.empty()) {
      size_t room = kLineChunk - buf_.size();  // buf_ never holds a full chunk
      size_t look = std::min(in.size(), room);
      const void* nl = std::memchr(in.data(), '\n', look);
      if (nl != nullptr) {
        size_t len = static_cast<const char*>(nl) - in.data() + 1;
        if (buf_.empty()) {
          Piece(in.substr(0, len), true);
        } else {
          buf_.append(in.data(), len);
          Piece(buf_, true);
          buf_.clear();
        }
        in.remove_prefix(len);
        continue;
      }
      if (in.size() < room) {
        buf_.append(in);
        return;
      }
      // A line longer than kLineChunk: hand over exactly kLineChunk bytes, keeping a final CR.
      if (buf_.empty()) {
        std::string_view piece = in.substr(0, room);
        if (piece.back() == '\r') piece.remove_suffix(1);
        Piece(piece, false);
        in.remove_prefix(piece.size());
      } else {
        buf_.append(in.data(), room);
        in.remove_prefix(room);
        if (buf_.back() == '\r') {
          Piece(std::string_view(buf_).substr(0, buf_.size() - 1), false);
          buf_.assign("\r");
        } else {
          Piece(buf_, false);
          buf_.clear();
        }
      }
    }
  }

  Message Finish() {
    if (finished_) return Message{};
    if (!buf_.empty()) Piece(buf_, true);
    buf_.clear();
    finished_ = true;
    uint64_t end = pos_, nl_end = nl_;
    while (!stack_.empty()) CloseTop(&end, &nl_end, /*eof=*/true);
    msg_.header_size = msg_.body.header_size;
    return std::move(msg_);
  }

 private:
  // One piece of a line; `line_end` when it is the last piece (it then ends with the line
  // break, or is the unterminated last line of the input).
  void Piece(std::string_view piece, bool line_end) {
    const bool start = line_start_;
    line_start_ = line_end;
    uint8_t eol = 0;
    if (line_end && !piece.empty() && piece.back() == '\n') {
      eol = (piece.size() >= 2 && piece[piece.size() - 2] == '\r') ? 2 : 1;
    }
    const uint64_t off = pos_;
    pos_ += piece.size();
    const uint64_t nl_before = nl_;
    if (eol != 0) ++nl_;
    std::string_view content = piece.substr(0, piece.size() - eol);

    if (start && line_end && active_boundaries_ > 0 && content.size() >= 2 && content[0] == '-' &&
        content[1] == '-' && TryBoundary(content, off, nl_before)) {
      prev_eol_ = eol;
      return;
    }
    Frame& f = stack_.back();
    switch (f.mode) {
      case Mode::kHeader:
        HeaderPiece(piece, content, start, line_end, eol, off);
        break;
      case Mode::kLeaf:
        if (f.text) LeafPiece(f, content, start, line_end, eol);
        break;
      case Mode::kMultipart:  // preamble, epilogue, or a part past max_parts
      case Mode::kMessage:    // never on top: its encapsulated entity is
        break;
    }
    if (line_end) prev_eol_ = eol;
  }

  // Checks `content` (a whole line without its line break, starting with "--") against the
  // open boundaries, innermost first. On a match closes the entities inside that multipart and
  // starts the next part (or its epilogue).
  bool TryBoundary(std::string_view content, uint64_t off, uint64_t nl_before) {
    for (size_t k = stack_.size(); k-- > 0;) {
      Frame& f = stack_[k];
      if (f.mode != Mode::kMultipart || f.mp == MpState::kEpilogue) continue;
      const std::string& b = f.boundary;
      if (content.size() < 2 + b.size() || content.compare(2, b.size(), b) != 0) continue;
      std::string_view rest = content.substr(2 + b.size());
      const bool close = rest.size() >= 2 && rest[0] == '-' && rest[1] == '-';
      if (close) rest.remove_prefix(2);
      if (!AllWsp(rest)) continue;

      // The line break before the boundary belongs to the boundary, unless it already ended
      // the header of an entity that starts right there (CloseTop moves `end` forward then).
      uint64_t end = off - prev_eol_;
      uint64_t nl_end = nl_before - (prev_eol_ != 0 ? 1 : 0);
      while (stack_.size() > k + 1) CloseTop(&end, &nl_end, /*eof=*/false);
      if (close) {
        stack_[k].mp = MpState::kEpilogue;
        --active_boundaries_;
      } else {
        StartPart(k, pos_);  // the part's header starts after the boundary line
      }
      return true;
    }
    return false;
  }

  // Opens the next part of the multipart at stack_[k]; its header starts at `at`.
  void StartPart(size_t k, uint64_t at) {
    if (parts_ >= lim_.max_parts) {
      stack_[k].mp = MpState::kSkipping;
      Report(Problem::kTooManyParts, at);
      return;
    }
    ++parts_;
    Frame& mp = stack_[k];
    mp.mp = MpState::kInPart;
    mp.part->children.emplace_back();
    Frame child;
    child.part = &mp.part->children.back();
    child.part->header_offset = at;
    child.nl_at_header_start = nl_;
    child.depth = mp.depth + 1;
    child.default_rfc822 = mp.part->subtype == "digest";
    stack_.push_back(std::move(child));  // invalidates `mp`
  }

  void HeaderPiece(std::string_view piece, std::string_view content, bool start, bool line_end,
                   uint8_t eol, uint64_t off) {
    Frame& f = stack_.back();
    if (start && line_end && content.empty() && eol != 0) {  // the blank line
      FinishField();
      const uint64_t body_off = off + piece.size();
      f.part->header_size = body_off - f.part->header_offset;
      FinalizeHeader(stack_.size() - 1);
      StartBody(stack_.size() - 1, body_off);
      return;
    }
    const uint64_t before = f.header_bytes;
    f.header_bytes += piece.size();
    if (!f.header_overflow && f.header_bytes > lim_.max_header_block_bytes) {
      f.header_overflow = true;
      Report(Problem::kHeaderBlockTooLarge, off);
    }
    if (start) {
      if (!content.empty() && internal::IsWsp(content.front())) {
        if (field_ == FieldState::kNone) Report(Problem::kContinuationWithoutField, off);
      } else {
        FinishField();
        if (f.header_overflow) {
          field_ = FieldState::kIgnored;
        } else if (f.header_fields >= lim_.max_headers) {
          field_ = FieldState::kIgnored;
          Report(Problem::kTooManyHeaders, off);
        } else {
          size_t colon = content.find(':');
          std::string_view name;
          if (colon != std::string_view::npos) {
            name = content.substr(0, colon);
            while (!name.empty() && internal::IsWsp(name.back())) name.remove_suffix(1);
          }
          if (!IsValidFieldName(name)) {
            field_ = FieldState::kIgnored;
            Report(Problem::kHeaderLineWithoutColon, off);
          } else {
            field_ = FieldState::kActive;
            ++f.header_fields;
            field_text_.clear();
            field_name_len_ = name.size();
            field_colon_ = colon;
          }
        }
      }
    }
    if (field_ == FieldState::kActive) {
      size_t budget =
          before < lim_.max_header_block_bytes ? lim_.max_header_block_bytes - before : 0;
      field_text_.append(content.substr(0, std::min(content.size(), budget)));
    }
  }

  // Handles the header field collected so far in field_text_ (if any).
  void FinishField() {
    if (field_ != FieldState::kActive) {
      field_ = FieldState::kNone;
      return;
    }
    field_ = FieldState::kNone;
    Frame& f = stack_.back();
    std::string_view line = field_text_;
    std::string_view name = line.substr(0, field_name_len_);
    std::string_view value =
        internal::TrimWs(field_colon_ < line.size() ? line.substr(field_colon_ + 1) : "");
    if (stack_.size() == 1) {  // the top-level header: keep it for SEARCH
      std::string& ht = msg_.header_text;
      const size_t max = lim_.max_header_block_bytes;
      bool ok = AppendBounded(name, max, &ht) && AppendBounded(": ", max, &ht) &&
                AppendBounded(DecodeEncodedWords(value), max, &ht) && AppendBounded("\n", max, &ht);
      if (!ok) Report(Problem::kHeaderBlockTooLarge, 0);
    }
    Field id = LookupField(name);
    if (id == kOtherField) return;
    if (id >= kFirstEnvelopeField && !f.message_header) return;
    auto& slot = (*f.fields)[id];
    if (!slot) slot.emplace(value);
  }

  // Turns the collected Content-* (and envelope) fields of stack_[k] into BodyPart values.
  void FinalizeHeader(size_t k) {
    Frame& f = stack_[k];
    BodyPart& p = *f.part;
    auto& fields = *f.fields;
    const uint64_t at = p.header_offset;
    bool bad = false;
    if (fields[kContentType]) {
      std::string type, subtype;
      std::vector<Param> params;
      if (internal::ParseContentType(*fields[kContentType], &type, &subtype, &params, &bad)) {
        p.type = std::move(type);
        p.subtype = std::move(subtype);
        p.params = std::move(params);
      } else {
        Report(Problem::kInvalidContentType, at);
      }
    } else if (f.default_rfc822) {
      p.type = "message";
      p.subtype = "rfc822";
    }
    if (p.type == "text" && FindParam(p.params, "charset") == nullptr) {
      p.params.push_back(Param{"charset", "us-ascii"});
    }
    if (fields[kContentTransferEncoding]) {
      std::string enc = internal::ParseFirstTokenLower(*fields[kContentTransferEncoding]);
      if (enc.empty()) {
        bad = true;
      } else {
        p.encoding = std::move(enc);
      }
    }
    p.id = std::move(fields[kContentId]);
    p.description = std::move(fields[kContentDescription]);
    p.md5 = std::move(fields[kContentMd5]);
    p.location = std::move(fields[kContentLocation]);
    if (fields[kContentDisposition]) {
      p.disposition.emplace();
      internal::ParseDisposition(*fields[kContentDisposition], &*p.disposition, &bad);
    }
    if (fields[kContentLanguage])
      p.language = internal::ParseLanguageList(*fields[kContentLanguage]);
    if (bad) Report(Problem::kMalformedContentField, at);
    if (p.type == "message" && p.subtype == "rfc822") p.envelope = std::make_shared<Envelope>();

    if (f.message_header) {
      Envelope e;
      e.date = std::move(fields[kDate]);
      e.subject = std::move(fields[kSubject]);
      e.in_reply_to = std::move(fields[kInReplyTo]);
      e.message_id = std::move(fields[kMessageId]);
      bool bad_addr = false;
      auto addresses = [&](Field id) {
        return fields[id] ? ParseAddressList(*fields[id], &bad_addr) : std::vector<Address>{};
      };
      e.from = addresses(kFrom);
      e.sender = addresses(kSender);
      e.reply_to = addresses(kReplyTo);
      e.to = addresses(kTo);
      e.cc = addresses(kCc);
      e.bcc = addresses(kBcc);
      if (e.sender.empty()) e.sender = e.from;
      if (e.reply_to.empty()) e.reply_to = e.from;
      if (bad_addr) Report(Problem::kMalformedAddress, at);
      if (k == 0) {
        msg_.envelope = std::move(e);
      } else {
        *stack_[k - 1].part->envelope = std::move(e);  // the message/rfc822 part
      }
    }
    f.fields.reset();
  }

  // The header of stack_[k] ended with a blank line; its body starts at `body_off`.
  void StartBody(size_t k, uint64_t body_off) {
    Frame& f = stack_[k];
    BodyPart& p = *f.part;
    p.body_offset = body_off;
    f.nl_at_body_start = nl_;
    f.mode = Mode::kLeaf;
    if (p.type == "multipart") {
      const Param* b = FindParam(p.params, "boundary");
      if (b == nullptr || b->value.empty()) {
        Report(Problem::kMultipartWithoutBoundary, body_off);
      } else if (b->value.size() > kMaxBoundary) {
        Report(Problem::kBoundaryTooLong, body_off);
      } else if (f.depth >= lim_.max_depth) {
        Report(Problem::kTooDeep, body_off);
      } else {
        f.mode = Mode::kMultipart;
        f.boundary = b->value;
        f.mp = MpState::kPreamble;
        ++active_boundaries_;
      }
      return;
    }
    if (p.type == "message" && p.subtype == "rfc822") {
      if (p.encoding != "7bit" && p.encoding != "8bit" && p.encoding != "binary") {
        Report(Problem::kEncodedMessage, body_off);
      } else if (f.depth >= lim_.max_depth) {
        Report(Problem::kTooDeep, body_off);
      } else if (parts_ >= lim_.max_parts) {
        Report(Problem::kTooManyParts, body_off);
      } else {
        ++parts_;
        f.mode = Mode::kMessage;
        p.children.emplace_back();
        Frame child;
        child.part = &p.children.back();
        child.part->header_offset = body_off;
        child.nl_at_header_start = nl_;
        child.depth = f.depth + 1;
        child.message_header = true;
        stack_.push_back(std::move(child));  // invalidates `f`
      }
      return;
    }
    if (p.type == "text" && !search_full_) {
      f.text = true;
      if (p.encoding == "base64") {
        f.cte = Cte::kBase64;
      } else if (p.encoding == "quoted-printable") {
        f.cte = Cte::kQuotedPrintable;
      }
      const Param* cs = FindParam(p.params, "charset");
      f.charset = internal::ClassifyCharset(cs != nullptr ? cs->value : "");
      std::string& st = msg_.search_text;
      if (!st.empty() && st.back() != '\n') AppendSearch(Charset::kPassThrough, "\n");
    }
  }

  void LeafPiece(Frame& f, std::string_view content, bool start, bool line_end, uint8_t eol) {
    if (search_full_) {
      f.text = false;
      return;
    }
    if (start && f.pending_eol != 0) {
      Decode(f, f.pending_eol == 2 ? "\r\n" : "\n");
      f.pending_eol = 0;
    }
    if (!content.empty()) Decode(f, content);
    if (line_end) f.pending_eol = eol;
  }

  void Decode(Frame& f, std::string_view data) {
    switch (f.cte) {
      case Cte::kIdentity:
        AppendSearch(f.charset, data);
        return;
      case Cte::kQuotedPrintable:
        scratch_.clear();
        f.qp.Feed(data, &scratch_);
        break;
      case Cte::kBase64:
        scratch_.clear();
        f.b64.Feed(data, &scratch_);
        break;
    }
    AppendSearch(f.charset, scratch_);
  }

  void AppendSearch(Charset cs, std::string_view bytes) {
    if (search_full_ || bytes.empty()) return;
    std::string_view utf8 = bytes;
    if (cs != Charset::kPassThrough) {
      converted_.clear();
      internal::AppendAsUtf8(cs, bytes, &converted_);
      utf8 = converted_;
    }
    if (!AppendBounded(utf8, lim_.max_search_text_bytes, &msg_.search_text)) {
      search_full_ = true;
      Report(Problem::kSearchTextLimit, pos_);
    }
  }

  // Closes the entity on top of the stack at byte `*end` (`*nl_end` LFs before it). An entity
  // never ends before it starts: when it started after `*end`, both are moved forward to its
  // start, so that the enclosing entities (closed next) end no earlier than their children.
  void CloseTop(uint64_t* end, uint64_t* nl_end, bool eof) {
    Frame& f = stack_.back();
    BodyPart& p = *f.part;
    if (f.mode == Mode::kHeader) {
      FinishField();
      if (*end < p.header_offset) {
        *end = p.header_offset;
        *nl_end = f.nl_at_header_start;
      }
      const uint64_t e = *end;
      p.header_size = e - p.header_offset;
      FinalizeHeader(stack_.size() - 1);
      p.body_offset = e;
      if (p.type == "multipart") Report(Problem::kMultipartWithoutBody, e);
    } else {
      if (*end < p.body_offset) {
        *end = p.body_offset;
        *nl_end = f.nl_at_body_start;
      }
      const uint64_t e = *end;
      p.body_size = e - p.body_offset;
      p.body_lines = *nl_end > f.nl_at_body_start ? *nl_end - f.nl_at_body_start : 0;
      if (f.mode == Mode::kLeaf && f.text && !search_full_) {
        if (eof && f.pending_eol != 0) Decode(f, f.pending_eol == 2 ? "\r\n" : "\n");
        if (f.cte == Cte::kQuotedPrintable) {
          scratch_.clear();
          f.qp.Finish(&scratch_);
          AppendSearch(f.charset, scratch_);
        }
      }
      if (f.mode == Mode::kMultipart) {
        if (f.mp != MpState::kEpilogue) {
          Report(Problem::kMissingCloseBoundary, e);
          --active_boundaries_;
        }
        if (p.children.empty()) Report(Problem::kMultipartWithoutParts, e);
      }
    }
    stack_.pop_back();
  }

  void Report(Problem what, uint64_t off) {
    const auto i = static_cast<size_t>(what);
    const ProblemInfo& info = kProblems[i];
    if (info.truncation) {
      msg_.truncated = true;
    } else {
      msg_.malformed = true;
    }
    if (reported_ & (1u << i)) return;
    reported_ |= 1u << i;
    if (msg_.problems.size() < Message::kMaxProblems) {
      msg_.problems.push_back("@" + std::to_string(off) + ": " + info.text);
    }
  }

  enum class FieldState : uint8_t { kNone, kActive, kIgnored };

  const Limits lim_;
  Message msg_;
  std::vector<Frame> stack_;
  size_t parts_ = 1;  // the top-level entity
  size_t active_boundaries_ = 0;
  bool finished_ = false;
  bool search_full_ = false;
  uint32_t reported_ = 0;  // bit per Problem already listed

  // Line splitter.
  std::string buf_;         // the incomplete current line, < kLineChunk bytes
  bool line_start_ = true;  // the next piece starts a line
  uint64_t pos_ = 0;        // bytes handed to Piece()
  uint64_t nl_ = 0;         // LFs handed to Piece()
  uint8_t prev_eol_ = 0;    // length of the previous line's line break

  // The header field being collected (only the top entity reads a header at any time).
  FieldState field_ = FieldState::kNone;
  std::string field_text_;  // "Name: value" unfolded, bounded by max_header_block_bytes
  size_t field_name_len_ = 0;
  size_t field_colon_ = 0;

  std::string scratch_, converted_;  // reused decoding buffers
};

static_assert(static_cast<size_t>(Problem::kCount) <= 32, "reported_ is a 32-bit mask");

Parser::Parser(Limits limits) : impl_(std::make_unique<Impl>(limits)) {}
Parser::~Parser() = default;
Parser::Parser(Parser&&) noexcept = default;
Parser& Parser::operator=(Parser&&) noexcept = default;

void Parser::Feed(std::string_view bytes) { impl_->Feed(bytes); }
Message Parser::Finish() { return impl_->Finish(); }

Message Parse(std::string_view whole, Limits limits) {
  Parser p(limits);
  p.Feed(whole);
  return p.Finish();
}

}  // namespace tern::mime
