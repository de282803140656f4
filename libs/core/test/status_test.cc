#include "tern/core/status.h"

#include "gtest/gtest.h"

namespace tern {
namespace {

absl::StatusOr<int> Half(int v) {
  if (v % 2) return absl::InvalidArgumentError("odd");
  return v / 2;
}
absl::Status Quarter(int v, int* out) {
  TERN_ASSIGN_OR_RETURN(int h, Half(v));
  TERN_ASSIGN_OR_RETURN(*out, Half(h));
  return absl::OkStatus();
}

TEST(StatusTest, AssignOrReturnPropagatesErrors) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  EXPECT_EQ(Quarter(6, &out).code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatusTest, AnnotateKeepsCode) {
  auto s = Annotate(absl::NotFoundError("no box"), "select");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "select: no box");
  EXPECT_TRUE(Annotate(absl::OkStatus(), "x").ok());
}

TEST(StatusTest, CodeLabels) {
  EXPECT_EQ(CodeLabel(absl::StatusCode::kResourceExhausted), "resource_exhausted");
  EXPECT_EQ(CodeLabel(absl::StatusCode::kOk), "ok");
}

}  // namespace
}  // namespace tern
