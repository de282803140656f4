// FETCH and UID FETCH: message data from what storage keeps (metadata, the structure parsed
// at delivery, the stored bytes). Messages are handled in batches of kBatch: one metadata call
// and one content call per batch, so a client walking a mailbox costs a few calls per
// hundred messages. \Seen is set by a non-PEEK body fetch, except in a read-only mailbox.
#include <algorithm>
#include <map>
#include <optional>

#include "../format.h"
#include "../session.h"
#include "tern/body_sections/part_range.h"
#include "tern/core/error.h"
#include "tern/line_protocol/grammar.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;
using Kind = ip::FetchAtt::Kind;
using SKind = ip::Section::Kind;

namespace {

constexpr size_t kBatch = 256;
constexpr uint64_t kWholeMax = 256 << 10;  // messages read whole in a batch; bigger: alone
constexpr size_t kFlushAt = 64 << 10;

// The fields of a header block named in `fields` (or, with `exclude`, the others), then the
// blank line (RFC 3501 6.4.5).
std::string FilterHeader(std::string_view header, const std::vector<std::string>& fields,
                         bool exclude) {
  std::string out;
  bool keep = false;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find('\n', pos);
    end = end == std::string_view::npos ? header.size() : end + 1;
    std::string_view line = header.substr(pos, end - pos);
    pos = end;
    if (line == "\r\n" || line == "\n") break;
    if (line[0] != ' ' && line[0] != '\t') {
      const size_t colon = line.find(':');
      std::string_view name = line.substr(0, colon == std::string_view::npos ? 0 : colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      bool named = false;
      for (const auto& f : fields) named = named || line_protocol::IEquals(f, name);
      keep = !name.empty() && (named != exclude);
    }
    if (keep) out += line;
  }
  out += "\r\n";
  return out;
}

std::string SectionText(const ip::Section& s) {
  std::string t;
  for (size_t i = 0; i < s.part.size(); ++i) {
    if (i) t += '.';
    t += std::to_string(s.part[i]);
  }
  auto dot = [&t](std::string_view what) {
    if (!t.empty()) t += '.';
    t += what;
  };
  switch (s.kind) {
    case SKind::kAll: break;
    case SKind::kHeader: dot("HEADER"); break;
    case SKind::kText: dot("TEXT"); break;
    case SKind::kMime: dot("MIME"); break;
    case SKind::kHeaderFields:
    case SKind::kHeaderFieldsNot: {
      dot(s.kind == SKind::kHeaderFields ? "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (");
      for (size_t i = 0; i < s.fields.size(); ++i) {
        if (i) t += ' ';
        ip::AppendAstring(line_protocol::Upper(s.fields[i]), &t);
      }
      t += ')';
      break;
    }
  }
  return t;
}

// Items answered from the whole message: a part section too, cut out where the structure
// storage parsed at delivery says it lies (a message over kWholeMax asks storage for it).
bool NeedsWhole(const ip::FetchAtt& a) {
  switch (a.kind) {
    case Kind::kRfc822: case Kind::kRfc822Header: case Kind::kRfc822Text: return true;
    case Kind::kSection: return true;
    default: return false;
  }
}

body_sections::PartSection PartSectionOf(SKind kind) {
  switch (kind) {
    case SKind::kAll: return body_sections::PartSection::kBody;
    case SKind::kMime: return body_sections::PartSection::kMime;
    case SKind::kText: return body_sections::PartSection::kMessageText;
    default: return body_sections::PartSection::kMessageHeader;
  }
}

// Items answered from the top-level header block.
bool NeedsHeader(const ip::FetchAtt& a) {
  if (a.kind == Kind::kRfc822Header) return true;
  return a.kind == Kind::kSection && a.section.part.empty() &&
         (a.section.kind == SKind::kHeader || a.section.kind == SKind::kHeaderFields ||
          a.section.kind == SKind::kHeaderFieldsNot);
}

// A part the message does not have, or HEADER/TEXT of a part that is not a message: the
// section is empty (RFC 3501 is silent; clients cope, and Dovecot answers the same).
bool NoSuchSection(const absl::Status& s) {
  return ReasonOf(s) == Reason::kNoSuchPart || s.code() == absl::StatusCode::kInvalidArgument;
}

void AppendLiteral(std::string_view data, std::string* out) {
  ip::AppendLiteralHeader(data.size(), out);
  out->append(data);
}

}  // namespace

awaitable<bool> Session::OnFetch(ip::Command& cmd) {
  auto& c = std::get<ip::Fetch>(cmd);
  auto& m = *selected_;
  if (!CheckSet(c.set, c.uid)) co_return true;
  const std::vector<uint32_t> uids = UidsOf(c.set, c.uid);
  std::vector<ip::FetchAtt> atts = c.atts;
  if (c.uid && std::none_of(atts.begin(), atts.end(), [](auto& a) { return a.kind == Kind::kUid; })) {
    atts.insert(atts.begin(), ip::FetchAtt{.kind = Kind::kUid});
  }
  bool meta = false, envelope = false, structure = false, whole = false;
  bool seen = false;
  for (const auto& a : atts) {
    switch (a.kind) {
      case Kind::kFlags: case Kind::kUid: break;
      case Kind::kEnvelope: envelope = meta = true; break;
      case Kind::kBody: case Kind::kBodyStructure: structure = meta = true; break;
      default: meta = true; break;
    }
    if (NeedsWhole(a)) whole = true;
    if (a.kind == Kind::kSection && !a.section.part.empty()) structure = meta = true;
    if ((a.kind == Kind::kSection && !a.peek) || a.kind == Kind::kRfc822 ||
        a.kind == Kind::kRfc822Text) {
      seen = true;
    }
  }
  if (m.read_only) seen = false;
  // Items answered from the content and the session's own state alone (the UID, the flags
  // this session knows, BODY[] and RFC822): no metadata call, and a client walking the
  // mailbox one UID FETCH at a time is served from read-ahead (ReadAhead).
  const bool content_only = std::all_of(atts.begin(), atts.end(), [](const ip::FetchAtt& a) {
    return a.kind == Kind::kUid || a.kind == Kind::kFlags || a.kind == Kind::kRfc822 ||
           (a.kind == Kind::kSection && a.section.part.empty() && a.section.kind == SKind::kAll);
  });
  if (content_only) meta = false;
  // The metadata and content calls of the batch at `at`, started without waiting.
  struct Calls {
    std::shared_ptr<Pending<absl::StatusOr<std::vector<sv::MessageMetadata>>>> meta;
    std::shared_ptr<Pending<absl::StatusOr<std::vector<sv::FetchMessagesResponse>>>> content;
  };
  auto start = [&](size_t at) {
    const size_t end = std::min(uids.size(), at + kBatch);
    const std::vector<uint32_t> batch(uids.begin() + at, uids.begin() + end);
    Calls c;
    if (meta) {
      sv::FetchMetadataRequest req;
      req.set_account(account_);
      req.set_mailbox(m.name);
      SetUids(batch, req.mutable_uids());  // runs as ranges: one short query, not 256 terms
      req.set_envelope(envelope);
      req.set_body_structure(structure);
      c.meta = Start(&clients::MailStore::FetchMetadata, req);
    }
    if (whole) {
      sv::FetchMessagesRequest req;
      req.set_account(account_);
      req.set_mailbox(m.name);
      for (uint32_t u : batch) req.add_uids(u);
      req.set_max_message_bytes(kWholeMax);
      c.content = Start(&clients::MailStore::FetchMessages, req);
    }
    return c;
  };
  Calls next;
  size_t sent = 0;
  for (size_t at = 0; at < uids.size(); at += kBatch) {
    std::vector<uint32_t> batch(uids.begin() + at, uids.begin() + std::min(uids.size(), at + kBatch));
    // \Seen first, so the FLAGS sent are the new ones.
    if (seen) {
      sv::StoreFlagsRequest req;
      req.set_account(account_);
      req.set_mailbox(m.name);
      req.set_mode(sv::STORE_ADD);
      req.set_flags(sv::FLAG_SEEN);
      std::vector<uint32_t> unseen;
      for (uint32_t u : batch) {
        const uint32_t s = SeqOf(u);
        if (s && !(m.flags[s - 1] & sv::FLAG_SEEN)) unseen.push_back(u);
      }
      if (!unseen.empty()) {
        SetUids(unseen, req.mutable_uids());
        auto r = co_await Ask(&clients::MailStore::StoreFlags, req);
        if (!r.ok()) {
          Fail(Call::kWrite, r.status());
          co_return true;
        }
        for (const auto& f : r->updated()) {
          if (const uint32_t s = SeqOf(f.uid())) m.flags[s - 1] = f.flags();
        }
      }
    }
    std::map<uint32_t, sv::MessageMetadata> md;
    std::map<uint32_t, std::string> content;
    const bool single = content_only && whole && batch.size() == 1;
    if (single) {
      if (!ahead_.Take(batch[0], &content[batch[0]])) {
        content.clear();
        sv::FetchMessagesRequest req;
        req.set_account(account_);
        req.set_mailbox(m.name);
        req.add_uids(batch[0]);
        // The next UIDs this session knows, as many as read-ahead's window allows.
        const size_t window = ahead_.Window(batch[0]);
        auto it = std::upper_bound(m.uids.begin(), m.uids.end(), batch[0]);
        for (size_t k = 0; k < window && it != m.uids.end(); ++k, ++it) req.add_uids(*it);
        req.set_max_message_bytes(kWholeMax);
        auto r = co_await Ask(&clients::MailStore::FetchMessages, req);
        if (!r.ok()) {
          Fail(Call::kRead, r.status());
          co_return true;
        }
        for (auto& x : *r) {
          if (x.uid() == batch[0]) {
            content[x.uid()] = std::move(*x.mutable_content());
          } else {
            ahead_.Hold(x.uid(), std::move(*x.mutable_content()));
          }
        }
      }
    } else {
      // This batch's calls (started ahead while the last batch was written, or now), then the
      // next batch's, so storage and PostgreSQL work on it while this one is written.
      Calls calls = next.meta || next.content ? std::move(next) : start(at);
      next = at + kBatch < uids.size() ? start(at + kBatch) : Calls{};
      if (calls.meta) {
        co_await WaitFor(*calls.meta);
        auto& r = *calls.meta->answer;
        if (!r.ok()) {
          Fail(Call::kRead, r.status());
          co_return true;
        }
        for (auto& x : *r) {
          const uint32_t u = x.uid();
          md.emplace(u, std::move(x));
        }
      }
      if (calls.content) {
        co_await WaitFor(*calls.content);
        auto& r = *calls.content->answer;
        if (!r.ok()) {
          Fail(Call::kRead, r.status());
          co_return true;
        }
        for (auto& x : *r) content[x.uid()] = std::move(*x.mutable_content());
      }
    }
    if (whole) {
      if (!meta) {
        // Without metadata, a message not in `content` is over kWholeMax (streamed, so its
        // size is needed) or gone: ask about those only.
        std::vector<uint32_t> missing;
        for (uint32_t u : batch) {
          if (!content.count(u)) missing.push_back(u);
        }
        if (!missing.empty()) {
          sv::FetchMetadataRequest req;
          req.set_account(account_);
          req.set_mailbox(m.name);
          SetUids(missing, req.mutable_uids());
          auto r = co_await Ask(&clients::MailStore::FetchMetadata, req);
          if (!r.ok()) {
            Fail(Call::kRead, r.status());
            co_return true;
          }
          for (auto& x : *r) {
            const uint32_t u = x.uid();
            md.emplace(u, std::move(x));
          }
        }
      }
    }
    for (uint32_t u : batch) {
      const uint32_t seq = SeqOf(u);
      if (seq == 0) continue;
      const sv::MessageMetadata* mm = nullptr;
      if (auto it = md.find(u); it != md.end()) mm = &it->second;
      // Expunged meanwhile: nothing to say about it.
      if (!mm && (meta || (whole && !content.count(u)))) continue;
      // A message over kWholeMax is never held whole: its header block is read alone, and
      // its body and text are streamed from storage into the answer (StreamLiteral).
      const std::string* body = nullptr;
      std::string header_block;
      const bool big = whole && !content.count(u);
      if (whole && !big) body = &content.at(u);
      if (big && std::any_of(atts.begin(), atts.end(), NeedsHeader)) {
        sv::FetchContentRequest req;
        req.set_account(account_);
        req.set_mailbox(m.name);
        req.set_uid(u);
        req.set_what(sv::FetchContentRequest::HEADER);
        auto r = co_await Ask(&clients::MailStore::FetchContent, req);
        if (!r.ok()) {
          if (ReasonOf(r.status()) == Reason::kNoSuchMessage) continue;  // expunged meanwhile
          Fail(Call::kRead, r.status());
          co_return true;
        }
        header_block = std::move(*r);
      }
      const uint64_t header_size =
          body ? std::min<uint64_t>(mm ? mm->header_size() : 0, body->size())
               : (mm ? mm->header_size() : 0);
      const std::string_view header =
          body ? std::string_view(*body).substr(0, header_size) : std::string_view(header_block);
      // Items are gathered in `items`; a streamed literal first sends what is gathered.
      std::string items;
      bool first = true, streamed = false;
      auto item = [&items, &first](std::string_view name) {
        if (!first) items += ' ';
        first = false;
        items += name;
        items += ' ';
      };
      const std::string start = "* " + std::to_string(seq) + " FETCH (";
      // Names `name` and streams `what` (FULL or TEXT) of `u`, or its partial.
      sv::FetchContentRequest section;
      section.set_account(account_);
      section.set_mailbox(m.name);
      section.set_uid(u);
      uint64_t section_size = 0;
      auto begin_stream = [&](std::string_view name, sv::FetchContentRequest::What what,
                              const std::optional<std::pair<uint32_t, uint32_t>>& partial) {
        item(name);
        if (!streamed) out_ += start;
        out_ += items;
        items.clear();
        streamed = true;
        const uint64_t total =
            what == sv::FetchContentRequest::FULL ? mm->size() : mm->size() - header_size;
        uint64_t offset = 0, length = total;
        if (partial) {
          offset = partial->first;
          length = offset >= total ? 0 : std::min<uint64_t>(partial->second, total - offset);
        }
        section.set_what(what);
        section.set_offset(offset);
        section.set_length(length);
        section_size = length;
      };
      for (const auto& a : atts) {
        switch (a.kind) {
          case Kind::kUid: item("UID"); items += std::to_string(u); break;
          case Kind::kFlags:
            item("FLAGS");
            items += FlagList(m.flags[seq - 1], m.keywords[seq - 1], m.recent[seq - 1]);
            break;
          case Kind::kInternalDate:
            item("INTERNALDATE");
            ip::AppendDateTime(mm->internal_date().seconds(), 0, &items);
            break;
          case Kind::kRfc822Size: item("RFC822.SIZE"); items += std::to_string(mm->size()); break;
          case Kind::kModSeq: item("MODSEQ"); items += "(" + std::to_string(mm->modseq()) + ")"; break;
          case Kind::kEnvelope: item("ENVELOPE"); AppendEnvelope(mm->envelope(), &items); break;
          case Kind::kBody: item("BODY"); AppendBodyStructure(mm->body_structure(), false, &items); break;
          case Kind::kBodyStructure:
            item("BODYSTRUCTURE");
            AppendBodyStructure(mm->body_structure(), true, &items);
            break;
          case Kind::kRfc822:
            if (big) {
              begin_stream("RFC822", sv::FetchContentRequest::FULL, std::nullopt);
              if (!co_await StreamLiteral(section, section_size)) co_return false;
              break;
            }
            item("RFC822");
            AppendLiteral(*body, &items);
            break;
          case Kind::kRfc822Header:
            item("RFC822.HEADER");
            AppendLiteral(header, &items);
            break;
          case Kind::kRfc822Text:
            if (big) {
              begin_stream("RFC822.TEXT", sv::FetchContentRequest::TEXT, std::nullopt);
              if (!co_await StreamLiteral(section, section_size)) co_return false;
              break;
            }
            item("RFC822.TEXT");
            AppendLiteral(std::string_view(*body).substr(header_size), &items);
            break;
          case Kind::kSection: {
            std::string data;
            const auto& s = a.section;
            if (s.part.empty() && big && (s.kind == SKind::kAll || s.kind == SKind::kText)) {
              std::string name = "BODY[" + SectionText(s) + "]";
              if (a.partial) name += "<" + std::to_string(a.partial->first) + ">";
              begin_stream(name,
                           s.kind == SKind::kAll ? sv::FetchContentRequest::FULL
                                                 : sv::FetchContentRequest::TEXT,
                           a.partial);
              if (!co_await StreamLiteral(section, section_size)) co_return false;
              break;
            }
            if (s.part.empty()) {
              switch (s.kind) {
                case SKind::kAll: data.assign(*body); break;
                case SKind::kHeader: data.assign(header); break;
                case SKind::kText: data.assign(std::string_view(*body).substr(header_size)); break;
                case SKind::kHeaderFields:
                case SKind::kHeaderFieldsNot:
                  data = FilterHeader(header, s.fields, s.kind == SKind::kHeaderFieldsNot);
                  break;
                case SKind::kMime: break;
              }
            } else if (body) {
              // Cut from the message held, where storage's own parse says (as FetchContent).
              auto r = body_sections::PartRange(mm->body_structure(), s.part,
                                                PartSectionOf(s.kind));
              if (r.ok()) {
                const uint64_t start = std::min<uint64_t>(r->start, body->size());
                data.assign(*body, start, std::min<uint64_t>(r->length, body->size() - start));
              } else if (!NoSuchSection(r.status())) {
                if (streamed) co_return false;
                Fail(Call::kRead, r.status());
                co_return true;
              }
              if (s.kind == SKind::kHeaderFields || s.kind == SKind::kHeaderFieldsNot) {
                data = FilterHeader(data, s.fields, s.kind == SKind::kHeaderFieldsNot);
              }
            } else {
              sv::FetchContentRequest req;
              req.set_account(account_);
              req.set_mailbox(m.name);
              req.set_uid(u);
              for (uint32_t p : s.part) req.add_part(p);
              switch (s.kind) {
                case SKind::kAll: req.set_what(sv::FetchContentRequest::PART); break;
                case SKind::kMime: req.set_what(sv::FetchContentRequest::PART_HEADER); break;
                case SKind::kText: req.set_what(sv::FetchContentRequest::PART_MESSAGE_TEXT); break;
                default: req.set_what(sv::FetchContentRequest::PART_MESSAGE_HEADER); break;
              }
              auto r = co_await Ask(&clients::MailStore::FetchContent, req);
              // A part the message does not have is empty (RFC 3501 is silent; clients cope);
              // any other failure ends the FETCH with NO, never with a silent gap.
              if (r.ok()) {
                data = std::move(*r);
              } else if (!NoSuchSection(r.status())) {
                if (streamed) co_return false;  // half an answer is out: only ending mends it
                Fail(Call::kRead, r.status());
                co_return true;
              }
              if (s.kind == SKind::kHeaderFields || s.kind == SKind::kHeaderFieldsNot) {
                data = FilterHeader(data, s.fields, s.kind == SKind::kHeaderFieldsNot);
              }
            }
            std::string name = "BODY[" + SectionText(s) + "]";
            std::string_view slice(data);
            if (a.partial) {
              name += "<" + std::to_string(a.partial->first) + ">";
              slice = a.partial->first >= slice.size() ? std::string_view()
                                                       : slice.substr(a.partial->first, a.partial->second);
            }
            item(name);
            AppendLiteral(slice, &items);
            break;
          }
          default:
            break;
        }
      }
      if (seen && std::none_of(atts.begin(), atts.end(), [](auto& a) { return a.kind == Kind::kFlags; })) {
        item("FLAGS");
        items += FlagList(m.flags[seq - 1], m.keywords[seq - 1], m.recent[seq - 1]);
      }
      if (!streamed) out_ += start;
      out_ += items;
      out_ += ")\r\n";
      ++sent;
      if (out_.size() >= kFlushAt && !co_await Flush()) co_return false;
    }
  }
  env_.probe.Fetched(sent);
  Ok(c.uid ? "UID FETCH completed" : "FETCH completed");
  co_return true;
}

awaitable<bool> Session::StreamLiteral(sv::FetchContentRequest& req, uint64_t size) {
  ip::AppendLiteralHeader(size, &out_);
  if (size == 0) co_return true;
  auto stream = env_.store.OpenSection(req);
  clients::ContentStream* s = stream.get();
  auto next = [s](auto done) { s->Next(std::move(done)); };
  uint64_t sent = 0;
  while (sent < size) {
    auto chunk = co_await Await<absl::StatusOr<std::string>>(next);
    if (!chunk.ok() || chunk->empty() || chunk->size() > size - sent) {
      // The literal's length is said already: a short or failed read cannot be mended, only
      // ended (the client sees the connection close, never wrong bytes).
      log::Warn("message stream broke off",
                {{"error", chunk.ok() ? "size differs from the metadata"
                                      : std::string(chunk.status().message())},
                 {"uid", std::to_string(req.uid())}},
                &lc_);
      co_return false;
    }
    sent += chunk->size();
    out_ += *chunk;
    if (out_.size() >= kFlushAt && !co_await Flush()) co_return false;
  }
  co_return true;
}

}  // namespace tern::imap_gateway
