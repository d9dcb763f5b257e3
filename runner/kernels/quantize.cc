#include "runner/kernels/quantize.h"

#include <algorithm>

namespace mbench::runner {

namespace {
constexpr int kLanes = 16;  // independent accumulators: one AVX-512 vector, two AVX2 ones
}  // namespace

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void MinMax(const float* x, int64_t n, float* lo, float* hi) {
  float l[kLanes], h[kLanes];
  for (int k = 0; k < kLanes; ++k) l[k] = *lo, h[k] = *hi;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) {
      const float v = x[i + k];
      l[k] = v < l[k] ? v : l[k];
      h[k] = v > h[k] ? v : h[k];
    }
  }
  for (; i < n; ++i) {
    l[0] = x[i] < l[0] ? x[i] : l[0];
    h[0] = x[i] > h[0] ? x[i] : h[0];
  }
  for (int k = 0; k < kLanes; ++k) *lo = std::min(*lo, l[k]), *hi = std::max(*hi, h[k]);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void QuantizeCentred(const float* x, float* y, int64_t n, float scale, float zero) {
  // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer, ties to even, in the
  // default rounding mode, for |v| < 2^22 (what std::nearbyint does, without a call).
  constexpr float kRound = 12582912.0f;
  const float top = 255.0f - zero, bottom = -zero;
  for (int64_t i = 0; i < n; ++i) {
    float q = (x[i] / scale + kRound) - kRound;
    q = q < bottom ? bottom : q;  // clamp(q + zero, 0, 255) - zero, exact for integers
    y[i] = q > top ? top : q;
  }
}

void MinMaxTask(void* context, std::size_t tile) {
  auto* job = static_cast<QuantizeJob*>(context);
  const auto begin = static_cast<int64_t>(tile * kQuantizeTile);
  const int64_t n = std::min<int64_t>(kQuantizeTile, job->count - begin);
  float lo = 0.0f, hi = 0.0f;  // ONNX's range always includes zero
  MinMax(job->input + begin, n, &lo, &hi);
  job->lo[tile] = lo;
  job->hi[tile] = hi;
}

void QuantizeTask(void* context, std::size_t tile) {
  auto* job = static_cast<QuantizeJob*>(context);
  const auto begin = static_cast<int64_t>(tile * kQuantizeTile);
  const int64_t n = std::min<int64_t>(kQuantizeTile, job->count - begin);
  QuantizeCentred(job->input + begin, job->output + begin, n, job->scale, job->zero);
}

}  // namespace mbench::runner
