#include "core/status.h"

#include <gtest/gtest.h>

#include "core/status_or.h"

namespace mbench {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("x=" + std::to_string(x) + ": must be even");
  return x / 2;
}

Status Quarter(int x, int* out) {
  MBENCH_ASSIGN_OR_RETURN(int half, Half(x));
  MBENCH_ASSIGN_OR_RETURN(*out, Half(half));
  return Status::Ok();
}

TEST(StatusTest, OkCarriesNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorsKeepCodeAndAnnotatedMessage) {
  Status s = Status::Corruption("bad header");
  s.Annotate("model.onnx");
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.message(), "model.onnx: bad header");
  EXPECT_EQ(s.ToString(), "corruption: model.onnx: bad header");
}

TEST(StatusTest, AssignOrReturnPropagatesTheFirstError) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = Quarter(6, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "x=3: must be even");
}

TEST(StatusTest, EveryCodeHasADistinctName) {
  EXPECT_STREQ(StatusCodeName(StatusCode::kUnsupported), "unsupported");
  EXPECT_STREQ(StatusCodeName(StatusCode::kNotFound), "not_found");
  EXPECT_STRNE(StatusCodeName(StatusCode::kIOError), StatusCodeName(StatusCode::kInternal));
}

TEST(StatusOrDeathTest, ValueOnErrorAborts) {
  StatusOr<int> s = Status::NotFound("x");
  EXPECT_DEATH((void)s.value(), "value\\(\\) on error");
}

}  // namespace
}  // namespace mbench
