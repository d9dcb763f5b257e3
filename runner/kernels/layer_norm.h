// Layer normalization over the last axis (transformers: every block normalizes its tokens
// twice), a row of `d` values at a time: y = (x - mean) / sqrt(var + eps) * gamma + beta.
#ifndef MBENCH_RUNNER_KERNELS_LAYER_NORM_H_
#define MBENCH_RUNNER_KERNELS_LAYER_NORM_H_

#include <cstdint>

namespace mbench::runner {

// Normalizes rows [row_begin, row_end) of `input` into `output` (row r at r * d in both).
// `beta` may be null (no shift). Mean and variance are summed in float across 16 lanes, two
// passes (the variance around the mean, not E[x^2] - mean^2), so the rows vectorize; within
// 2e-6 of a double-precision reference (rows far from zero included).
void LayerNormRows(const float* input, const float* gamma, const float* beta, float epsilon,
                   int64_t d, float* output, int64_t row_begin, int64_t row_end);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_KERNELS_LAYER_NORM_H_
