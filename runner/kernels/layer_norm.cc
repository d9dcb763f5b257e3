#include "runner/kernels/layer_norm.h"

#include <cmath>

namespace mbench::runner {
namespace {

constexpr int64_t kLanes = 16;

// Sum of f(x[i]) over a row, in kLanes independent partial sums (a vector register's worth),
// so the compiler vectorizes without reassociating one running sum.
template <typename F>
inline float LaneSum(const float* x, int64_t d, F f) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= d; i += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) acc[l] += f(x[i + l]);
  }
  for (int64_t l = 0; i < d; ++i, ++l) acc[l] += f(x[i]);
  float sum = 0.0f;
  for (int64_t l = 0; l < kLanes; ++l) sum += acc[l];
  return sum;
}

}  // namespace

// Compiled once per instruction set; the loader picks the widest the CPU has.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void LayerNormRows(const float* input, const float* gamma, const float* beta, float epsilon,
                   int64_t d, float* output, int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const float* __restrict x = input + r * d;
    float* __restrict y = output + r * d;
    const float mean = LaneSum(x, d, [](float v) { return v; }) / static_cast<float>(d);
    const float var =
        LaneSum(x, d, [mean](float v) { return (v - mean) * (v - mean); }) / static_cast<float>(d);
    const float inv = 1.0f / std::sqrt(var + epsilon);
    if (beta != nullptr) {
      for (int64_t i = 0; i < d; ++i) y[i] = (x[i] - mean) * inv * gamma[i] + beta[i];
    } else {
      for (int64_t i = 0; i < d; ++i) y[i] = (x[i] - mean) * inv * gamma[i];
    }
  }
}

}  // namespace mbench::runner
