// fp16 <-> fp32: every half value round-trips; ties, overflow and subnormals round as IEEE says.
#include "core/half.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mbench {
namespace {

TEST(HalfTest, ConversionsRoundToNearestEvenAndKeepSpecials) {
  // Every half value survives widening and narrowing.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = HalfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(f))));
      continue;
    }
    ASSERT_EQ(FloatToHalf(f), h) << std::hex << h;
  }
  EXPECT_EQ(HalfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7BFF);               // largest finite
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00);               // rounds to infinity
  EXPECT_EQ(FloatToHalf(-1e9f), 0xFC00);
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);      // tie to even (down)
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);  // tie to even (up)
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -25)), 0x0000);  // half of the smallest: to even, 0
  EXPECT_EQ(FloatToHalf(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -26)),
            0x0400);  // carries into normal
}

}  // namespace
}  // namespace mbench
