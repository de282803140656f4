// Translates UID/sequence sets and SEARCH key trees into SQL conditions over
// mailbox_messages (alias mm) joined with messages (alias m). Values travel as parameters;
// only integers are written into the SQL text.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store.h"

namespace tern::storage {

// "(col BETWEEN a AND b OR col = c ...)"; 0 in a range means "*" (`star`). An empty set is an
// error; so are more than `max_ranges` ranges.
absl::StatusOr<std::string> IdSetSql(const IdSet& set, const std::string& column,
                                     uint32_t star, size_t max_ranges);

class SearchBuilder {
 public:
  // Parameter $1 is the mailbox id; the builder numbers its own from $2.
  SearchBuilder(int64_t mailbox_id, uint32_t max_uid, const StoreLimits& limits);
  void set_max_seq(uint32_t n) { max_seq_ = n; }
  absl::StatusOr<std::string> Build(const SearchKey& key);
  const std::vector<std::string>& params() const { return params_; }

 private:
  absl::StatusOr<std::string> Node(const SearchKey& key, size_t depth);
  std::string Param(std::string value);

  uint32_t max_uid_;
  uint32_t max_seq_ = 0;
  const StoreLimits& limits_;
  size_t nodes_ = 0;
  std::vector<std::string> params_;
};

}  // namespace tern::storage
