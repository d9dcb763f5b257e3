// Units and counting conventions shared by every part, written once.
//
// - Every physical quantity carries its unit in its name: `_us`, `_ns`, `_bytes` are int64_t;
//   `_ms` appears only in user-facing reports (double).
// - `macs` counts multiply-accumulates. `flops` counts floating-point (or integer) operations:
//   FLOPs = 2 x MACs for multiply-accumulate ops, plus the element-wise work of other ops
//   (one op per element per arithmetic step). Bias adds and activations are counted separately
//   from the MACs of the layer that feeds them. Rules per op: docs/counting.md.
//
// Checked arithmetic: model files carry dimensions that are user input, so every product that
// feeds a count goes through these helpers, which report overflow instead of wrapping.
#ifndef MBENCH_CORE_UNITS_H_
#define MBENCH_CORE_UNITS_H_

#include <cstdint>
#include <optional>
#include <span>

namespace mbench {

constexpr int64_t kFlopsPerMac = 2;

// Returns a*b, or nullopt when the product overflows int64_t. REQUIRES: a >= 0, b >= 0.
inline std::optional<int64_t> CheckedMul(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// Returns a+b, or nullopt on overflow.
inline std::optional<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// Returns the product of `dims`, 1 for an empty span (a scalar), or nullopt when a dim is
// negative (unknown) or the product overflows.
inline std::optional<int64_t> CheckedProduct(std::span<const int64_t> dims) {
  int64_t out = 1;
  for (int64_t d : dims) {
    if (d < 0) return std::nullopt;
    if (__builtin_mul_overflow(out, d, &out)) return std::nullopt;
  }
  return out;
}

constexpr double kBytesPerMiB = 1024.0 * 1024.0;

}  // namespace mbench

#endif  // MBENCH_CORE_UNITS_H_
