#include "runner/eltwise.h"

#include <algorithm>
#include <cstring>

namespace mbench::runner {
namespace {

constexpr int64_t kBlock = 256;  // 1 KiB per slot; 17 slots stay in L1

}  // namespace

// Compiled once per instruction set; the loader picks the widest the CPU has.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void RunElementwise(const EltProgram& program, const float* input, float* output, int64_t begin,
                    int64_t end) {
  alignas(64) float slots[kMaxEltInstrs + 1][kBlock];
  const size_t count = std::min<size_t>(program.code.size(), kMaxEltInstrs);
  for (int64_t at = begin; at < end; at += kBlock) {
    const int64_t n = std::min(kBlock, end - at);
    std::memcpy(slots[0], input + at, static_cast<size_t>(n) * sizeof(float));
    for (size_t i = 0; i < count; ++i) {
      const EltInstr& in = program.code[i];
      const float* __restrict a = slots[in.a];
      float* __restrict y = slots[i + 1];
      if (in.op <= EltInstr::kDiv) {
        if (in.b >= 0) {
          const float* __restrict b = slots[in.b];
          switch (in.op) {
            case EltInstr::kAdd: for (int64_t j = 0; j < n; ++j) y[j] = a[j] + b[j]; break;
            case EltInstr::kSub: for (int64_t j = 0; j < n; ++j) y[j] = a[j] - b[j]; break;
            case EltInstr::kMul: for (int64_t j = 0; j < n; ++j) y[j] = a[j] * b[j]; break;
            default: for (int64_t j = 0; j < n; ++j) y[j] = a[j] / b[j]; break;
          }
          continue;
        }
        const float s = in.scalar;
        switch (in.op) {
          case EltInstr::kAdd: for (int64_t j = 0; j < n; ++j) y[j] = a[j] + s; break;
          case EltInstr::kMul: for (int64_t j = 0; j < n; ++j) y[j] = a[j] * s; break;
          case EltInstr::kSub:
            if (in.scalar_first) {
              for (int64_t j = 0; j < n; ++j) y[j] = s - a[j];
            } else {
              for (int64_t j = 0; j < n; ++j) y[j] = a[j] - s;
            }
            break;
          default:
            if (in.scalar_first) {
              for (int64_t j = 0; j < n; ++j) y[j] = s / a[j];
            } else {
              for (int64_t j = 0; j < n; ++j) y[j] = a[j] / s;
            }
            break;
        }
        continue;
      }
      switch (in.op) {
        case EltInstr::kRelu:
          for (int64_t j = 0; j < n; ++j) y[j] = a[j] < 0.0f ? 0.0f : a[j];
          break;
        case EltInstr::kClamp: {
          const float lo = in.p0, hi = in.p1;
          for (int64_t j = 0; j < n; ++j) {
            const float v = a[j] < lo ? lo : a[j];
            y[j] = v > hi ? hi : v;
          }
          break;
        }
        case EltInstr::kHardSigmoid:
          for (int64_t j = 0; j < n; ++j) y[j] = std::clamp(in.p0 * a[j] + in.p1, 0.0f, 1.0f);
          break;
        default:  // hard-swish
          for (int64_t j = 0; j < n; ++j) y[j] = a[j] * std::clamp(a[j] + 3.0f, 0.0f, 6.0f) / 6.0f;
          break;
      }
    }
    std::memcpy(output + at, slots[count], static_cast<size_t>(n) * sizeof(float));
  }
}

}  // namespace mbench::runner
