// STORE and UID STORE (RFC 3501 6.4.6).
#include <algorithm>

#include "../format.h"
#include "../session.h"

namespace tern::imap_gateway {

namespace sv = storage::v1;

awaitable<bool> Session::OnStore(ip::Command& cmd) {
  auto& c = std::get<ip::Store>(cmd);
  auto& m = *selected_;
  if (m.read_only) {
    No("Mailbox is read-only", "READ-ONLY");
    co_return true;
  }
  if (!CheckSet(c.set, c.uid)) co_return true;
  const auto uids = UidsOf(c.set, c.uid);
  if (uids.empty()) {
    Ok("STORE completed");
    co_return true;
  }
  sv::StoreFlagsRequest req;
  req.set_account(account_);
  req.set_mailbox(m.name);
  SetUids(uids, req.mutable_uids());
  req.set_mode(c.mode == ip::StoreMode::kAdd      ? sv::STORE_ADD
               : c.mode == ip::StoreMode::kRemove ? sv::STORE_REMOVE
                                                  : sv::STORE_REPLACE);
  uint32_t bits = 0;
  std::vector<std::string> kw;
  SplitFlags(c.flags, &bits, &kw);
  req.set_flags(bits);
  for (auto& k : kw) req.add_keywords(k);
  req.set_unchanged_since(c.unchanged_since);
  auto r = co_await Ask(&clients::MailStore::StoreFlags, req);
  if (!r.ok()) {
    Fail(Call::kWrite, r.status());
    co_return true;
  }
  std::vector<uint32_t> touched;
  for (const auto& f : r->updated()) {
    const uint32_t seq = SeqOf(f.uid());
    if (seq == 0) continue;
    m.flags[seq - 1] = f.flags();
    m.keywords[seq - 1] = JoinKeywords(f.keywords());
    touched.push_back(f.uid());
  }
  // Without .SILENT every message named gets its flags, changed or not (RFC 3501 6.4.6).
  // Messages that failed UNCHANGEDSINCE were not changed: they are named in [MODIFIED] only.
  std::vector<uint32_t> failed(r->modified().begin(), r->modified().end());
  std::sort(failed.begin(), failed.end());
  if (!c.silent) {
    for (uint32_t uid : uids) {
      const uint32_t seq = SeqOf(uid);
      if (seq == 0 || std::binary_search(failed.begin(), failed.end(), uid)) continue;
      std::string line = std::to_string(seq) + " FETCH (";
      if (c.uid) line += "UID " + std::to_string(uid) + " ";
      line += "FLAGS " + FlagList(m.flags[seq - 1], m.keywords[seq - 1], m.recent[seq - 1]) + ")";
      Untagged(line);
    }
  }
  if (r->modified_size() > 0) {
    // RFC 7162 3.1.3: UIDs for UID STORE, message sequence numbers for STORE.
    std::vector<uint32_t> mod;
    for (uint32_t uid : r->modified()) {
      const uint32_t seq = c.uid ? uid : SeqOf(uid);
      if (seq != 0) mod.push_back(seq);
    }
    std::sort(mod.begin(), mod.end());
    Ok("Some messages were modified", "MODIFIED " + ip::FormatSet(mod));
    co_return true;
  }
  Ok(c.uid ? "UID STORE completed" : "STORE completed");
  co_return true;
}

}  // namespace tern::imap_gateway
