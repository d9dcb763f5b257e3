// DynamicQuantizeLinear's two passes over a tensor, vectorized (the plain loops called
// std::nearbyint per element and left the min/max reduction scalar: 1.24 s of the 4.2 s the
// dynamically quantized IS-Net took at 1024x1024), in pieces a thread pool can share.
#ifndef MBENCH_RUNNER_KERNELS_QUANTIZE_H_
#define MBENCH_RUNNER_KERNELS_QUANTIZE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mbench::runner {

// Smallest and largest of x[0, n) folded into *lo and *hi (which start as the caller's
// bounds; NaNs are skipped).
void MinMax(const float* x, int64_t n, float* lo, float* hi);

// y[i] = clamp(round_half_even(x[i] / scale) + zero, 0, 255) - zero for i in [0, n): the
// quantized value stored minus its zero point, exactly as ONNX's DynamicQuantizeLinear
// computes it (the division kept; |x / scale| <= 255 once scale spans the tensor).
void QuantizeCentred(const float* x, float* y, int64_t n, float scale, float zero);

// A whole tensor in tiles of kQuantizeTile elements: phase 0 (MinMaxTask) writes each tile's
// bounds, phase 1 (QuantizeTask) writes its values once scale and zero are set.
inline constexpr std::size_t kQuantizeTile = 32768;
struct QuantizeJob {
  const float* input = nullptr;
  float* output = nullptr;
  int64_t count = 0;
  std::vector<float> lo, hi;  // per tile
  float scale = 0.0f, zero = 0.0f;
};
void MinMaxTask(void* context, std::size_t tile);
void QuantizeTask(void* context, std::size_t tile);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_KERNELS_QUANTIZE_H_
