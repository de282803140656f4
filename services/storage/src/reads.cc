// Reading: Select, Status, FetchMetadata, FetchContent (a section or byte range of one message)
// and FetchMessages (several whole messages).
#include <algorithm>
#include <tuple>

#include "probe.h"
#include "search.h"
#include "store.h"
#include "store_internal.h"
#include "tern/body_sections/part_range.h"
#include "tern/core/error.h"
#include "tern/core/status.h"
#include "tern/pg/binary.h"
#include "tern/storage/v1/storage.pb.h"

namespace tern::storage {
namespace {

namespace pb = ::tern::storage::v1;
using internal::InfoOf;
using internal::InfoWithCounts;
using internal::LoadSelectable;
using internal::Mailbox;
using internal::MaxUid;

std::string Bytes(const pqxx::field& f) { return pqxx::binarystring(f).str(); }

// The byte range [start, start + len) of `section` in a message of `size` octets, from its
// stored structure (only read for the part sections).
absl::Status SectionRange(Section section, const std::vector<uint32_t>& part, uint64_t size,
                          uint64_t header_size, std::string_view structure, uint64_t* start,
                          uint64_t* len) {
  *start = 0;
  *len = size;
  switch (section) {
    case Section::kFull:
      return absl::OkStatus();
    case Section::kHeader:
      *len = header_size;
      return absl::OkStatus();
    case Section::kText:
      *start = header_size;
      *len = size - header_size;
      return absl::OkStatus();
    default:
      break;
  }
  pb::BodyPart root;
  if (!root.ParseFromArray(structure.data(), static_cast<int>(structure.size()))) {
    return absl::DataLossError("bad structure");
  }
  body_sections::PartSection which;
  switch (section) {
    case Section::kPart: which = body_sections::PartSection::kBody; break;
    case Section::kPartHeader: which = body_sections::PartSection::kMime; break;
    case Section::kPartMessageHeader: which = body_sections::PartSection::kMessageHeader; break;
    case Section::kPartMessageText: which = body_sections::PartSection::kMessageText; break;
    default:
      return absl::InvalidArgumentError("what: unknown section");
  }
  TERN_ASSIGN_OR_RETURN(body_sections::Range r, body_sections::PartRange(root, part, which));
  *start = r.start;
  *len = r.length;
  return absl::OkStatus();
}

}  // namespace

namespace internal {

void PrepareReads(pg::Pool& db) {
  db.Prepare("fetch_many",
             "SELECT mm.uid, m.content FROM mailboxes b JOIN mailbox_messages mm ON "
             "mm.mailbox_id = b.id JOIN messages m ON m.id = mm.message_id WHERE b.account_id = "
             "$1 AND b.name = $2 AND NOT b.noselect AND mm.uid = ANY($3::bigint[]) AND m.size <= "
             "$4 ORDER BY mm.uid");
  // A whole message in chunks of $4 octets, one row each, in one statement (so one snapshot,
  // and no second transaction for a message of more than one chunk).
  db.Prepare("fetch_whole",
             "SELECT m.size, substring(m.content FROM (c * $4::bigint + 1)::int FOR $4::int) "
             "FROM mailboxes b JOIN mailbox_messages mm ON mm.mailbox_id = b.id JOIN messages m "
             "ON m.id = mm.message_id, generate_series(0::bigint, greatest(m.size - 1, 0) / "
             "$4::bigint) AS c WHERE b.account_id = $1 AND b.name = $2 AND NOT b.noselect AND "
             "mm.uid = $3 ORDER BY c");
  // The chunks of [$2, $2 + $3) of a message, $4 octets each.
  db.Prepare("fetch_range",
             "SELECT substring(content FROM ($2::bigint + c * $4::bigint + 1)::int FOR "
             "least($4::bigint, $3::bigint - c * $4::bigint)::int) FROM messages, "
             "generate_series(0::bigint, ($3::bigint - 1) / $4::bigint) AS c WHERE id = $1 "
             "ORDER BY c");
}

}  // namespace internal

absl::Status MailStore::Select(const SelectArgs& req,
                               const std::function<bool(const SelectChunk&)>& emit) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox));
  // Claimed before the snapshot: a message committed in between is in the list but not in the
  // range, and goes to whichever session claims next.
  const bool claim = req.claim_recent && !req.list_only;
  std::pair<uint32_t, uint32_t> claimed{0, 0};
  if (claim) {
    TERN_ASSIGN_OR_RETURN(claimed, ClaimRecent(account_id, name));
  }
  return db_.Run("select", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, false));
    SelectChunk head;
    if (claim) {
      std::tie(head.recent_after, head.recent_through) = claimed;
    } else {
      head.recent_after = m.recent_uid;
      head.recent_through = m.uidnext - 1;
    }
    if (req.list_only) {
      head.mailbox = InfoOf(m);
      head.mailbox->special_use = 0;
      head.mailbox->noselect = false;
    } else {
      head.mailbox = InfoWithCounts(tx, m);
      for (const auto& row : tx.exec_params(
               "SELECT DISTINCT unnest(keywords) AS k FROM mailbox_messages WHERE mailbox_id = "
               "$1 ORDER BY k LIMIT 1000",
               m.id)) {
        head.permanent_keywords.push_back(row[0].as<std::string>());
      }
    }
    if (!emit(head)) return absl::CancelledError("client went away");
    if (!req.with_messages) return absl::OkStatus();
    int64_t last = 0;
    for (;;) {
      pqxx::result r = tx.exec_params(
          req.list_only
              ? "SELECT mm.uid, coalesce(m.pop3_size, m.size) FROM mailbox_messages mm JOIN "
                "messages m ON m.id = mm.message_id WHERE mm.mailbox_id = $1 AND mm.uid > $2 "
                "ORDER BY mm.uid LIMIT $3"
              : "SELECT uid, size, flags, modseq, array_to_string(keywords, ' ') FROM "
                "mailbox_messages WHERE mailbox_id = $1 AND uid > $2 ORDER BY uid LIMIT $3",
          m.id, last, static_cast<int64_t>(limits_.select_chunk));
      if (r.empty()) break;
      SelectChunk chunk;
      for (const auto& row : r) {
        chunk.uids.push_back(row[0].as<uint32_t>());
        chunk.sizes.push_back(row[1].as<uint64_t>());
        if (req.list_only) continue;
        chunk.flags.push_back(row[2].as<uint32_t>());
        chunk.modseqs.push_back(row[3].as<uint64_t>());
        chunk.keywords.push_back(row[4].as<std::string>());
      }
      last = chunk.uids.back();
      if (!emit(chunk)) return absl::CancelledError("client went away");
      if (r.size() < limits_.select_chunk) break;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<MailboxInfo> MailStore::Status(const std::string& account,
                                              const std::string& mailbox) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(mailbox));
  MailboxInfo info;
  TERN_RETURN_IF_ERROR(db_.Run("status", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, false));
    info = InfoWithCounts(tx, m);
    return absl::OkStatus();
  }));
  return info;
}

absl::Status MailStore::FetchMetadata(
    const FetchMetadataArgs& req,
    const std::function<bool(const std::vector<MessageMetadata>&)>& emit) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox));
  return db_.Run("fetch_metadata", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, false));
    TERN_ASSIGN_OR_RETURN(std::string cond,
                          IdSetSql(req.uids, "mm.uid", MaxUid(tx, m.id), limits_.max_ranges));
    std::string cols =
        "mm.uid, mm.flags, mm.keywords, extract(epoch FROM mm.internal_date)::bigint, mm.size, "
        "mm.modseq, m.header_size, mm.message_id";
    if (req.envelope) cols += ", m.envelope";
    if (req.body_structure) cols += ", m.body_structure";
    int64_t last = 0;
    for (;;) {
      pqxx::result r = tx.exec_params(
          "SELECT " + cols +
              " FROM mailbox_messages mm JOIN messages m ON m.id = mm.message_id WHERE "
              "mm.mailbox_id = $1 AND mm.uid > $2 AND mm.modseq > $3 AND " + cond +
              " ORDER BY mm.uid LIMIT $4",
          m.id, last, static_cast<int64_t>(req.changed_since),
          static_cast<int64_t>(limits_.fetch_chunk));
      if (r.empty()) break;
      std::vector<MessageMetadata> chunk;
      chunk.reserve(r.size());
      for (const auto& row : r) {
        MessageMetadata& md = chunk.emplace_back();
        md.uid = row[0].as<uint32_t>();
        md.flags = row[1].as<uint32_t>();
        md.keywords = pg::ParseTextArray(row[2]);
        md.internal_date = row[3].as<int64_t>();
        md.size = row[4].as<uint64_t>();
        md.modseq = row[5].as<uint64_t>();
        md.header_size = row[6].as<uint64_t>();
        md.message_id = row[7].as<uint64_t>();
        int col = 8;
        if (req.envelope) md.envelope = Bytes(row[col++]);
        if (req.body_structure) md.body_structure = Bytes(row[col++]);
        last = md.uid;
      }
      if (!emit(chunk)) return absl::CancelledError("client went away");
      if (r.size() < limits_.fetch_chunk) break;
    }
    return absl::OkStatus();
  });
}

absl::Status MailStore::FetchContent(const FetchContentArgs& req,
                                     const std::function<bool(const ContentChunk&)>& emit) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox));
  if (req.uid == 0) return absl::InvalidArgumentError("uid: 0 is not a UID");
  const int64_t chunk = static_cast<int64_t>(limits_.content_chunk);
  // Chunks are streamed as PostgreSQL sends them, in binary: the bytes go from libpq's result
  // to the reply with one copy, and one chunk is in memory at a time.
  bool cancelled = false;
  auto send = [&](std::string_view data, std::optional<uint64_t> total) {
    cancelled = !emit({data, total});
    return !cancelled;
  };
  // The common case (a whole message: POP3 RETR, IMAP BODY[]) in one statement, whatever its
  // size; the other sections below in a snapshot.
  if (req.section == Section::kFull && req.offset == 0 && req.length == 0) {
    bool found = false;
    TERN_RETURN_IF_ERROR(db_.Run("fetch_content", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
      found = false;
      pg::StreamPrepared(
          tx, "fetch_whole",
          pg::Params().Int(account_id).Bytes(name).Int(req.uid).Int(chunk),
          [&](const pg::Result& r) {
            const bool first = !found;
            found = true;
            return send(r.Bytes(0, 1), first ? std::optional<uint64_t>(r.Int(0, 0)) : std::nullopt);
          });
      return absl::OkStatus();
    }));
    if (cancelled) return absl::CancelledError("client went away");
    if (found) return absl::OkStatus();
    // No such message, or a mailbox that is not there: the general path says which.
  }
  return db_.Run("fetch_content", pg::TxMode::kSnapshot, [&](pqxx::transaction_base& tx) {
    TERN_ASSIGN_OR_RETURN(Mailbox m, LoadSelectable(tx, account_id, name, false));
    const bool needs_parts = req.section >= Section::kPart;
    pg::Result r = pg::Exec(
        tx,
        std::string("SELECT mm.message_id, m.size, m.header_size") +
            (needs_parts ? ", m.body_structure" : "") +
            " FROM mailbox_messages mm JOIN messages m ON m.id = mm.message_id WHERE "
            "mm.mailbox_id = $1 AND mm.uid = $2",
        pg::Params().Int(m.id).Int(req.uid));
    if (r.rows() == 0) {
      return ReasonError(Reason::kNoSuchMessage, "no message with UID " + std::to_string(req.uid));
    }
    const int64_t message_id = r.Int(0, 0);
    const uint64_t size = static_cast<uint64_t>(r.Int(0, 1));
    uint64_t start = 0, len = 0;
    TERN_RETURN_IF_ERROR(SectionRange(req.section, req.part, size,
                                      static_cast<uint64_t>(r.Int(0, 2)),
                                      needs_parts ? r.Bytes(0, 3) : std::string_view(), &start,
                                      &len));
    start = std::min(start, size);
    len = std::min(len, size - start);
    const uint64_t total = len;
    // Apply the partial range (IMAP <offset.length>).
    uint64_t off = std::min<uint64_t>(req.offset, len);
    start += off;
    len -= off;
    if (req.length > 0) len = std::min<uint64_t>(len, req.length);
    if (len == 0) {
      if (!send({}, total)) return absl::CancelledError("client went away");
      return absl::OkStatus();
    }
    bool first = true;
    pg::StreamPrepared(tx, "fetch_range",
                       pg::Params()
                           .Int(message_id)
                           .Int(static_cast<int64_t>(start))
                           .Int(static_cast<int64_t>(len))
                           .Int(chunk),
                       [&](const pg::Result& c) {
                         const bool was_first = first;
                         first = false;
                         return send(c.Bytes(0, 0),
                                     was_first ? std::optional<uint64_t>(total) : std::nullopt);
                       });
    if (cancelled) return absl::CancelledError("client went away");
    return absl::OkStatus();
  });
}

absl::Status MailStore::FetchMessages(const FetchMessagesArgs& req,
                                      const std::function<bool(const MessageContent&)>& emit) {
  TERN_ASSIGN_OR_RETURN(int64_t account_id, AccountId(req.account));
  TERN_ASSIGN_OR_RETURN(std::string name, NormalizeMailbox(req.mailbox));
  if (req.uids.empty() || req.uids.size() > 256) {
    return absl::InvalidArgumentError("uids: 1 to 256");
  }
  const std::string uids = pg::IntArray(req.uids);
  const int64_t max = static_cast<int64_t>(
      std::min<uint64_t>(req.max_message_bytes ? req.max_message_bytes : limits_.content_chunk,
                         limits_.max_message_bytes));
  bool cancelled = false;
  TERN_RETURN_IF_ERROR(db_.Run("fetch_messages", pg::TxMode::kAutocommit, [&](pqxx::transaction_base& tx) {
    // One message in memory at a time, sent from libpq's result with one copy.
    pg::StreamPrepared(tx, "fetch_many", pg::Params().Int(account_id).Bytes(name).Text(uids).Int(max),
                       [&](const pg::Result& r) {
                         cancelled = !emit({static_cast<uint32_t>(r.Int(0, 0)), r.Bytes(0, 1)});
                         return !cancelled;
                       });
    return absl::OkStatus();
  }));
  if (cancelled) return absl::CancelledError("client went away");
  return absl::OkStatus();
}

}  // namespace tern::storage
