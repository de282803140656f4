// One row per line of the table in error_mapping.cc.
#include "../src/error_mapping.h"

#include "gtest/gtest.h"
#include "tern/core/error.h"

namespace tern::imap_gateway {
namespace {

TEST(ErrorMappingTest, EveryRow) {
  const struct {
    Call call;
    absl::Status status;
    std::string_view kind, code;
  } rows[] = {
      {Call::kAuthenticate, absl::UnavailableError("auth"), "NO", "UNAVAILABLE"},
      {Call::kAuthenticate, absl::InternalError("x"), "NO", "UNAVAILABLE"},
      {Call::kSelect, ReasonError(Reason::kNoSuchMailbox, "m"), "NO", "NONEXISTENT"},
      {Call::kSelect, ReasonError(Reason::kMustCreateFirst, "m"), "NO", "NONEXISTENT"},
      {Call::kSelect, ReasonError(Reason::kNotAllowed, "m"), "NO", "CANNOT"},
      {Call::kSelect, ReasonError(Reason::kNoSuchAccount, "a"), "NO", "NONEXISTENT"},
      {Call::kSelect, absl::UnavailableError("db"), "NO", "UNAVAILABLE"},
      {Call::kMailbox, ReasonError(Reason::kNoSuchMailbox, "m"), "NO", "NONEXISTENT"},
      {Call::kMailbox, ReasonError(Reason::kMustCreateFirst, "m"), "NO", "NONEXISTENT"},
      {Call::kMailbox, ReasonError(Reason::kAlreadyExists, "m"), "NO", "ALREADYEXISTS"},
      {Call::kMailbox, ReasonError(Reason::kNotAllowed, "INBOX"), "NO", "CANNOT"},
      {Call::kMailbox, ReasonError(Reason::kQuotaExceeded, "q"), "NO", "OVERQUOTA"},
      {Call::kMailbox, ReasonError(Reason::kBusy, "b"), "NO", "INUSE"},
      {Call::kMailbox, absl::NotFoundError("no reason: the text is not read"), "NO", "UNAVAILABLE"},
      {Call::kAppend, ReasonError(Reason::kNoSuchMailbox, "m"), "NO", "TRYCREATE"},
      {Call::kAppend, ReasonError(Reason::kMustCreateFirst, "m"), "NO", "TRYCREATE"},
      {Call::kAppend, ReasonError(Reason::kQuotaExceeded, "q"), "NO", "OVERQUOTA"},
      {Call::kAppend, ReasonError(Reason::kMessageTooLarge, "s"), "NO", "TOOBIG"},
      {Call::kAppend, ReasonError(Reason::kNotAllowed, "n"), "NO", "CANNOT"},
      {Call::kAppend, absl::UnavailableError("db"), "NO", "UNAVAILABLE"},
      {Call::kCopy, ReasonError(Reason::kNoSuchMailbox, "m"), "NO", "TRYCREATE"},
      {Call::kCopy, ReasonError(Reason::kMustCreateFirst, "m"), "NO", "TRYCREATE"},
      {Call::kCopy, ReasonError(Reason::kQuotaExceeded, "q"), "NO", "OVERQUOTA"},
      {Call::kCopy, ReasonError(Reason::kNotAllowed, "n"), "NO", "CANNOT"},
      {Call::kCopy, absl::DeadlineExceededError("slow"), "NO", "UNAVAILABLE"},
      {Call::kRead, ReasonError(Reason::kNoSuchMailbox, "m"), "NO", "NONEXISTENT"},
      {Call::kRead, ReasonError(Reason::kNoSuchMessage, "m"), "NO", "EXPUNGEISSUED"},
      {Call::kRead, absl::UnavailableError("db"), "NO", "UNAVAILABLE"},
      {Call::kWrite, ReasonError(Reason::kNoSuchMailbox, "m"), "NO", "NONEXISTENT"},
      {Call::kWrite, ReasonError(Reason::kNoSuchMessage, "m"), "NO", "EXPUNGEISSUED"},
      {Call::kWrite, ReasonError(Reason::kQuotaExceeded, "q"), "NO", "OVERQUOTA"},
      {Call::kWrite, absl::UnavailableError("db"), "NO", "UNAVAILABLE"},
      {Call::kWrite, absl::InvalidArgumentError("UID set: too many ranges"), "NO", "LIMIT"},
      {Call::kRead, absl::InvalidArgumentError("search: too many keys"), "NO", "LIMIT"},
  };
  for (const auto& row : rows) {
    const Answer a = AnswerFor(row.call, row.status);
    EXPECT_EQ(a.kind, row.kind) << row.status;
    EXPECT_EQ(a.code, row.code) << row.status;
    EXPECT_FALSE(a.text.empty());
  }
}

}  // namespace
}  // namespace tern::imap_gateway
