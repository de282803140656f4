#include "tern/core/error.h"

#include "gtest/gtest.h"

namespace tern {
namespace {

TEST(ReasonTest, EachReasonHasItsCodeAndNameAndComesBack) {
  const struct {
    Reason reason;
    absl::StatusCode code;
    const char* name;
  } rows[] = {
      {Reason::kQuotaExceeded, absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED"},
      {Reason::kMessageTooLarge, absl::StatusCode::kResourceExhausted, "MESSAGE_TOO_LARGE"},
      {Reason::kNoSuchAccount, absl::StatusCode::kNotFound, "NO_SUCH_ACCOUNT"},
      {Reason::kNoSuchDomain, absl::StatusCode::kNotFound, "NO_SUCH_DOMAIN"},
      {Reason::kNoSuchMailbox, absl::StatusCode::kNotFound, "NO_SUCH_MAILBOX"},
      {Reason::kMustCreateFirst, absl::StatusCode::kNotFound, "MUST_CREATE_FIRST"},
      {Reason::kNoSuchMessage, absl::StatusCode::kNotFound, "NO_SUCH_MESSAGE"},
      {Reason::kNoSuchPart, absl::StatusCode::kNotFound, "NO_SUCH_PART"},
      {Reason::kAlreadyExists, absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS"},
      {Reason::kNotAllowed, absl::StatusCode::kPermissionDenied, "NOT_ALLOWED"},
      {Reason::kBusy, absl::StatusCode::kAborted, "BUSY"},
      {Reason::kUnavailable, absl::StatusCode::kUnavailable, "UNAVAILABLE"},
  };
  for (const auto& row : rows) {
    absl::Status s = ReasonError(row.reason, "text that says nothing about quota");
    EXPECT_EQ(s.code(), row.code) << row.name;
    EXPECT_EQ(s.message(), "text that says nothing about quota");
    EXPECT_EQ(ReasonOf(s), row.reason) << row.name;
    EXPECT_EQ(ReasonName(row.reason), row.name);
    EXPECT_EQ(ReasonNamed(row.name), row.reason);
  }
}

TEST(ReasonTest, WithoutAReasonTheCodeDecides) {
  EXPECT_EQ(ReasonOf(absl::OkStatus()), Reason::kUnspecified);
  EXPECT_EQ(ReasonOf(absl::UnavailableError("x")), Reason::kUnavailable);
  EXPECT_EQ(ReasonOf(absl::DeadlineExceededError("x")), Reason::kUnavailable);
  EXPECT_EQ(ReasonOf(absl::ResourceExhaustedError("quota exceeded")), Reason::kUnspecified)
      << "the message text is never read";
  EXPECT_EQ(ReasonNamed("NO_SUCH_THING"), Reason::kUnspecified);
  absl::Status ok = absl::OkStatus();
  SetReason(ok, Reason::kBusy);
  EXPECT_TRUE(ok.ok());
}

}  // namespace
}  // namespace tern
