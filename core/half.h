// IEEE 754 binary16 conversions: fp16 weights read from model files, weights rounded for the
// runner's fp16 plans, fp16 outputs widened when read. Scalar and exact, not fast.
#ifndef MBENCH_CORE_HALF_H_
#define MBENCH_CORE_HALF_H_

#include <cstdint>
#include <span>
#include <vector>

namespace mbench {

// Round to nearest even; overflow gives infinity, NaN stays NaN (quiet).
uint16_t FloatToHalf(float f);
float HalfToFloat(uint16_t h);

std::vector<uint16_t> ToHalf(std::span<const float> values);

}  // namespace mbench

#endif  // MBENCH_CORE_HALF_H_
