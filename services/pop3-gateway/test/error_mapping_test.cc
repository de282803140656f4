// One row per line of the table in error_mapping.cc.
#include "../src/error_mapping.h"

#include "gtest/gtest.h"
#include "tern/core/error.h"

namespace tern::pop3_gateway {
namespace {

using pop3_protocol::ReplyId;

TEST(ErrorMappingTest, EveryRow) {
  const struct {
    Call call;
    absl::Status status;
    ReplyId reply;
  } rows[] = {
      {Call::kAuthenticate, absl::UnavailableError("auth"), ReplyId::kAuthUnavailable},
      {Call::kLock, ReasonError(Reason::kNoSuchAccount, "a"), ReplyId::kMaildropUnavailable},
      {Call::kLock, absl::UnavailableError("db"), ReplyId::kTryLater},
      {Call::kOpen, ReasonError(Reason::kNoSuchAccount, "a"), ReplyId::kMaildropUnavailable},
      {Call::kOpen, ReasonError(Reason::kNoSuchMailbox, "m"), ReplyId::kMaildropUnavailable},
      {Call::kOpen, absl::InternalError("x"), ReplyId::kTryLater},
      {Call::kFetch, ReasonError(Reason::kNoSuchMessage, "gone"), ReplyId::kNoSuchMessage},
      {Call::kFetch, absl::NotFoundError("no reason: the text is not read"), ReplyId::kTryLater},
      {Call::kRemove, absl::UnavailableError("db"), ReplyId::kDeleteFailed},
  };
  for (const auto& row : rows) EXPECT_EQ(ReplyFor(row.call, row.status), row.reply) << row.status;
}

}  // namespace
}  // namespace tern::pop3_gateway
