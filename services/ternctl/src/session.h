// One invocation's context: the clients, the streams, the output mode; and the few things every
// command does the same way (print a result, report a failure, read a secret).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "nlohmann/json.hpp"
#include "output.h"
#include "records.h"
#include "tern/ternctl/clients.h"
#include "tern/ternctl/run.h"
#include "tern/ternctl/settings.h"

namespace tern::ternctl {

class Session {
 public:
  // None owned; all must outlive the session.
  Session(Io& io, const Settings& settings, Clients& clients, bool json)
      : io_(io), settings_(settings), clients_(clients), json_(json) {}

  Clients& clients() { return clients_; }
  const Settings& settings() const { return settings_; }
  bool json() const { return json_; }
  std::ostream& out() { return *io_.out; }

  // Prints `doc` as the invocation's one JSON document.
  void PrintJson(const nlohmann::json& doc);

  // Prints one record: a one-row table, or its JSON object.
  template <typename T>
  void PrintRecord(const T& record) {
    if (json_) return PrintJson(View<T>::Json(record));
    Table table(View<T>::Columns());
    table.Add(View<T>::Cells(record));
    table.Print(out());
  }

  // Prints records: a table, or {"<kListKey>": [objects]}.
  template <typename T>
  void PrintList(const google::protobuf::RepeatedPtrField<T>& records) {
    if (json_) {
      nlohmann::json items = nlohmann::json::array();
      for (const T& r : records) items.push_back(View<T>::Json(r));
      return PrintJson({{View<T>::kListKey, items}});
    }
    Table table(View<T>::Columns());
    for (const T& r : records) table.Add(View<T>::Cells(r));
    table.Print(out());
  }

  // Confirms a removal: "removed <what> <name>", or {"removed": true, "<what>": name}.
  void PrintRemoved(const std::string& what, const std::string& name);

  // Reports a failed call to `service` on stderr (mapped by error_mapping) and returns the exit
  // code to end with.
  int Fail(Service service, const absl::Status& status);
  // Reports a problem with the operator's input and returns kExitUsage.
  int Usage(const std::string& message);
  // A warning on stderr ("ternctl: warning: ..."); the command still succeeds.
  void Warn(const std::string& message);

  // Reads a secret (`what`: "password", "APOP secret") for `address`. On a terminal (unless
  // `from_stdin`), prompted twice without echo and compared; otherwise one line of stdin. Errors
  // (InvalidArgument) say what was wrong: empty, no input, mismatch. Never from argv.
  absl::StatusOr<std::string> ReadSecret(const std::string& what, const std::string& address,
                                         bool from_stdin);

 private:
  Io& io_;
  const Settings& settings_;
  Clients& clients_;
  bool json_;
};

}  // namespace tern::ternctl
