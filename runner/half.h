// IEEE 754 binary16 conversions for the runner's fp16 plans: weights are rounded once at plan
// build time and fp16 outputs widened when read, so these are scalar and exact, not fast.
#ifndef MBENCH_RUNNER_HALF_H_
#define MBENCH_RUNNER_HALF_H_

#include <cstdint>
#include <span>
#include <vector>

namespace mbench::runner {

// Round to nearest even; overflow gives infinity, NaN stays NaN (quiet).
uint16_t FloatToHalf(float f);
float HalfToFloat(uint16_t h);

std::vector<uint16_t> ToHalf(std::span<const float> values);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_HALF_H_
