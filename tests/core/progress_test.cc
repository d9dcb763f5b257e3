// The progress line: what it says, and that it stays quiet when nobody watches.
#include "core/progress.h"

#include <gtest/gtest.h>

namespace mbench {
namespace {

TEST(ProgressTest, LineSaysDoneTotalAndTimeLeftFromThePaceSoFar) {
  Progress p("mbench validate", /*enabled=*/false);
  // 10 of 40 held-out fits in 6 s: 30 more at 0.6 s each.
  EXPECT_EQ(p.Line("held-out fits", 10, 40, 6.0),
            "mbench validate: held-out fits 10/40, 0:18 left");
  EXPECT_EQ(p.Line("held-out fits", 0, 40, 0.5), "mbench validate: held-out fits 0/40");
  EXPECT_EQ(p.Line("held-out fits", 40, 40, 24.0), "mbench validate: held-out fits 40/40");
  EXPECT_EQ(p.Line("loading", 0, 0, 1.0), "mbench validate: loading");
}

TEST(ProgressTest, ClockTimeReadsLikeAClock) {
  EXPECT_EQ(ClockTime(7.2), "0:07");
  EXPECT_EQ(ClockTime(205), "3:25");
  EXPECT_EQ(ClockTime(3723), "1:02:03");
  EXPECT_EQ(ClockTime(-3), "0:00");
}

TEST(ProgressTest, DisabledProgressDrawsNothing) {
  testing::internal::CaptureStderr();
  {
    Progress p("mbench run", /*enabled=*/false);
    p.Update("end-to-end runs", 3, 10);
    EXPECT_FALSE(p.enabled());
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  testing::internal::CaptureStderr();
  {
    Progress p("mbench run", /*enabled=*/true);
    p.Update("end-to-end runs", 3, 10);
  }
  const std::string drawn = testing::internal::GetCapturedStderr();
  EXPECT_NE(drawn.find("mbench run: end-to-end runs 3/10"), std::string::npos);
  EXPECT_EQ(drawn.substr(drawn.size() - 4), "\r\033[K");  // erased at the end
}

}  // namespace
}  // namespace mbench
