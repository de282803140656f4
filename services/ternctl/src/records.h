// How each record ternctl shows looks, as a table row and as JSON, declared once per record type
// so that `list` and the result of `add` always agree.
#pragma once

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "output.h"
#include "tern/ternctl/clients.h"

namespace tern::ternctl {

// View<T>::Columns(), View<T>::Cells(const T&) (one per column), View<T>::Json(const T&).
template <typename T>
struct View;

template <>
struct View<authpb::Domain> {
  static constexpr const char* kListKey = "domains";
  static std::vector<Column> Columns();
  static std::vector<std::string> Cells(const authpb::Domain& d);
  static nlohmann::json Json(const authpb::Domain& d);
};

template <>
struct View<authpb::Account> {
  static constexpr const char* kListKey = "accounts";
  static std::vector<Column> Columns();
  static std::vector<std::string> Cells(const authpb::Account& a);
  static nlohmann::json Json(const authpb::Account& a);
};

template <>
struct View<authpb::Alias> {
  static constexpr const char* kListKey = "aliases";
  static std::vector<Column> Columns();
  static std::vector<std::string> Cells(const authpb::Alias& a);
  static nlohmann::json Json(const authpb::Alias& a);
};

template <>
struct View<authpb::AuditEntry> {
  static constexpr const char* kListKey = "entries";
  static std::vector<Column> Columns();
  static std::vector<std::string> Cells(const authpb::AuditEntry& e);
  static nlohmann::json Json(const authpb::AuditEntry& e);
};

template <>
struct View<storagepb::MailboxInfo> {
  static constexpr const char* kListKey = "mailboxes";
  static std::vector<Column> Columns();
  static std::vector<std::string> Cells(const storagepb::MailboxInfo& m);
  static nlohmann::json Json(const storagepb::MailboxInfo& m);
};

template <>
struct View<storagepb::OutboundJob> {
  static constexpr const char* kListKey = "jobs";
  static std::vector<Column> Columns();
  static std::vector<std::string> Cells(const storagepb::OutboundJob& j);
  static nlohmann::json Json(const storagepb::OutboundJob& j);
};

template <>
struct View<storagepb::Quota> {
  static nlohmann::json Json(const storagepb::Quota& q);
};

// The IMAP special-use attribute ("\\Sent"), "" for none.
std::string SpecialUseName(storagepb::SpecialUse use);

}  // namespace tern::ternctl
