// One row per line of the table in error_mapping.cc.
#include "../src/error_mapping.h"

#include "gtest/gtest.h"
#include "tern/core/error.h"

namespace tern::smtp_ingress {
namespace {

using smtp_protocol::ReplyId;

TEST(ErrorMappingTest, EveryRow) {
  const struct {
    Call call;
    absl::Status status;
    ReplyId reply;
    const char* label;
  } rows[] = {
      {Call::kDeliver, ReasonError(Reason::kQuotaExceeded, "q"), ReplyId::kMailboxFull, "quota"},
      {Call::kDeliver, ReasonError(Reason::kMessageTooLarge, "s"), ReplyId::kMessageTooBig, "size"},
      {Call::kDeliver, ReasonError(Reason::kNoSuchAccount, "a"), ReplyId::kNoSuchUser, "no_such_user"},
      {Call::kDeliver, absl::UnavailableError("db"), ReplyId::kLocalError, "storage_unavailable"},
      {Call::kDeliver, ReasonError(Reason::kNoSuchMailbox, "m"), ReplyId::kLocalError, "storage_unavailable"},
      {Call::kDeliver, absl::ResourceExhaustedError("quota"), ReplyId::kLocalError, "storage_unavailable"},
      {Call::kLookup, absl::UnavailableError("auth"), ReplyId::kLocalError, "auth_unavailable"},
      {Call::kLookup, absl::InternalError("x"), ReplyId::kLocalError, "auth_unavailable"},
      {Call::kAuthenticate, absl::DeadlineExceededError("t"), ReplyId::kAuthUnavailable, "unavailable"},
  };
  for (const auto& row : rows) {
    const Answer a = AnswerFor(row.call, row.status);
    EXPECT_EQ(a.reply, row.reply) << row.status;
    EXPECT_EQ(a.label, row.label) << row.status;
  }
}

}  // namespace
}  // namespace tern::smtp_ingress
