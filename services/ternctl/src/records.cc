#include "records.h"

#include "absl/strings/str_join.h"

namespace tern::ternctl {
namespace {

// A timestamp as JSON: RFC 3339 text, null when unset.
nlohmann::json TimeJson(const google::protobuf::Timestamp& ts) {
  std::string text = FormatTime(ts);
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

}  // namespace

std::vector<Column> View<authpb::Domain>::Columns() {
  return {{"DOMAIN"}, {"ACCOUNTS", true}, {"ALIASES", true}, {"POSTMASTER"}, {"CREATED"}};
}
std::vector<std::string> View<authpb::Domain>::Cells(const authpb::Domain& d) {
  // Who postmaster@ reaches: the accounts, "(first account)" when that is the fallback, "-"
  // for nobody.
  std::string postmaster = d.postmaster_reaches().empty()
                               ? "-"
                               : absl::StrJoin(d.postmaster_reaches(), ", ");
  if (d.postmaster_fallback() && !d.postmaster_reaches().empty()) postmaster += " (first account)";
  return {d.name(), std::to_string(d.accounts()), std::to_string(d.aliases()), postmaster,
          FormatTime(d.created())};
}
nlohmann::json View<authpb::Domain>::Json(const authpb::Domain& d) {
  return {{"name", d.name()},
          {"accounts", d.accounts()},
          {"aliases", d.aliases()},
          {"postmaster", d.postmaster().empty() ? nlohmann::json(nullptr) : nlohmann::json(d.postmaster())},
          {"postmaster_reaches",
           std::vector<std::string>(d.postmaster_reaches().begin(), d.postmaster_reaches().end())},
          {"postmaster_fallback", d.postmaster_fallback()},
          {"created", TimeJson(d.created())}};
}

std::vector<Column> View<authpb::Account>::Columns() {
  return {{"ADDRESS"}, {"ENABLED"}, {"APOP"}, {"QUOTA BYTES", true}, {"QUOTA MESSAGES", true},
          {"CREATED"}};
}
std::vector<std::string> View<authpb::Account>::Cells(const authpb::Account& a) {
  return {a.address(),
          YesNo(a.enabled()),
          YesNo(a.apop_enabled()),
          FormatLimit(a.quota_bytes()),
          FormatLimit(a.quota_messages()),
          FormatTime(a.created())};
}
nlohmann::json View<authpb::Account>::Json(const authpb::Account& a) {
  return {{"address", a.address()},
          {"enabled", a.enabled()},
          {"apop_enabled", a.apop_enabled()},
          {"quota_bytes", a.quota_bytes()},
          {"quota_messages", a.quota_messages()},
          {"created", TimeJson(a.created())},
          {"password_changed", TimeJson(a.password_changed())}};
}

std::vector<Column> View<authpb::Alias>::Columns() { return {{"ALIAS"}, {"TARGETS"}, {"CREATED"}}; }
std::vector<std::string> View<authpb::Alias>::Cells(const authpb::Alias& a) {
  return {a.address(), absl::StrJoin(a.targets(), ", "), FormatTime(a.created())};
}
nlohmann::json View<authpb::Alias>::Json(const authpb::Alias& a) {
  return {{"address", a.address()},
          {"targets", std::vector<std::string>(a.targets().begin(), a.targets().end())},
          {"created", TimeJson(a.created())}};
}

std::vector<Column> View<storagepb::OutboundJob>::Columns() {
  return {{"ID", true}, {"STATE"}, {"DOMAIN"}, {"RECIPIENTS", true}, {"ATTEMPTS", true},
          {"NEXT ATTEMPT"}, {"SENDER"}, {"LAST ERROR"}};
}
std::vector<std::string> View<storagepb::OutboundJob>::Cells(const storagepb::OutboundJob& j) {
  return {std::to_string(j.id()), j.state(), j.domain(), std::to_string(j.recipients_size()),
          std::to_string(j.attempts()), FormatTime(j.next_attempt()),
          j.sender().empty() ? "<>" : j.sender(), j.last_error()};
}
nlohmann::json View<storagepb::OutboundJob>::Json(const storagepb::OutboundJob& j) {
  return {{"id", j.id()},
          {"state", j.state()},
          {"domain", j.domain()},
          {"recipients", std::vector<std::string>(j.recipients().begin(), j.recipients().end())},
          {"sender", j.sender()},
          {"attempts", j.attempts()},
          {"next_attempt", TimeJson(j.next_attempt())},
          {"created", TimeJson(j.created())},
          {"size", j.size()},
          {"warned", j.warned()},
          {"last_error", j.last_error()}};
}

std::vector<Column> View<authpb::AuditEntry>::Columns() {
  return {{"TIME"}, {"ACTOR"}, {"ACTION"}, {"TARGET"}, {"DETAIL"}};
}
std::vector<std::string> View<authpb::AuditEntry>::Cells(const authpb::AuditEntry& e) {
  return {FormatTime(e.at()), e.actor(), e.action(), e.target(), e.detail()};
}
nlohmann::json View<authpb::AuditEntry>::Json(const authpb::AuditEntry& e) {
  return {{"at", TimeJson(e.at())},
          {"actor", e.actor()},
          {"action", e.action()},
          {"target", e.target()},
          {"detail", e.detail()}};
}

std::string SpecialUseName(storagepb::SpecialUse use) {
  switch (use) {
    case storagepb::SPECIAL_USE_SENT:
      return "\\Sent";
    case storagepb::SPECIAL_USE_DRAFTS:
      return "\\Drafts";
    case storagepb::SPECIAL_USE_TRASH:
      return "\\Trash";
    case storagepb::SPECIAL_USE_JUNK:
      return "\\Junk";
    case storagepb::SPECIAL_USE_ARCHIVE:
      return "\\Archive";
    case storagepb::SPECIAL_USE_ALL:
      return "\\All";
    case storagepb::SPECIAL_USE_FLAGGED:
      return "\\Flagged";
    default:
      return "";
  }
}

std::vector<Column> View<storagepb::MailboxInfo>::Columns() {
  return {{"MAILBOX"}, {"MESSAGES", true}, {"UNSEEN", true}, {"SIZE", true}, {"SPECIAL-USE"}};
}
std::vector<std::string> View<storagepb::MailboxInfo>::Cells(const storagepb::MailboxInfo& m) {
  return {m.name(), std::to_string(m.messages()), std::to_string(m.unseen()),
          std::to_string(m.size()), SpecialUseName(m.special_use())};
}
nlohmann::json View<storagepb::MailboxInfo>::Json(const storagepb::MailboxInfo& m) {
  std::string use = SpecialUseName(m.special_use());
  return {{"name", m.name()},
          {"messages", m.messages()},
          {"unseen", m.unseen()},
          {"size", m.size()},
          {"special_use", use.empty() ? nlohmann::json(nullptr) : nlohmann::json(use)},
          {"subscribed", m.subscribed()}};
}

nlohmann::json View<storagepb::Quota>::Json(const storagepb::Quota& q) {
  return {{"bytes_used", q.storage_bytes_used()},
          {"bytes_limit", q.storage_bytes_limit()},
          {"messages_used", q.messages_used()},
          {"messages_limit", q.messages_limit()}};
}

}  // namespace tern::ternctl
