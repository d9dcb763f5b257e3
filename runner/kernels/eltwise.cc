#include "runner/kernels/eltwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace mbench::runner {
namespace {

constexpr int64_t kBlock = 256;  // 1 KiB per slot; 17 slots stay in L1

// The helpers below are inlined into RunElementwise and vectorized with it: no calls, no
// branches, only selects.

// e^x for x in [-87, 88] (clamped): x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor
// series to r^7 / 7! (relative error under 2e-7), 2^n put into the exponent bits.
inline float Exp(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding and subtracting rounds to integer
  const float n = (x * 1.44269504f + kRound) - kRound;
  const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

// erf(a) for a <= 0.5: 2 / sqrt(pi) * sum (-1)^k a^(2k+1) / (k! (2k + 1)), to a^15 (error
// under 1e-9 there).
inline float ErfSmall(float a) {
  const float z = a * a;
  float p = -1.0f / (5040.0f * 15.0f);
  p = p * z + 1.0f / (720.0f * 13.0f);
  p = p * z - 1.0f / (120.0f * 11.0f);
  p = p * z + 1.0f / (24.0f * 9.0f);
  p = p * z - 1.0f / (6.0f * 7.0f);
  p = p * z + 1.0f / (2.0f * 5.0f);
  p = p * z - 1.0f / 3.0f;
  p = p * z + 1.0f;
  return 1.1283791671f * a * p;
}

// erfc(a) = 1 - erf(a) for a >= 0 by Abramowitz and Stegun 7.1.26 (absolute error of erf under
// 1.5e-7): a polynomial in t = 1 / (1 + 0.3275911 a), times e^(-a^2).
inline float ErfcLarge(float a) {
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  return p * t * Exp(-a * a);
}

inline float Erf(float x) {
  const float a = std::fabs(x);
  const float large = 1.0f - ErfcLarge(a);
  const float e = a < 0.5f ? ErfSmall(a) : large;
  return x < 0.0f ? -e : e;
}

// x * (1 + erf(x / sqrt 2)) / 2, with 1 + erf of a negative argument taken as erfc of its size
// (no cancellation where GELU is small).
inline float Gelu(float x) {
  const float u = x * 0.70710678118654752f;
  const float a = std::fabs(u);
  const float small = 1.0f + (u < 0.0f ? -ErfSmall(a) : ErfSmall(a));
  const float tail = ErfcLarge(a);
  const float large = u < 0.0f ? tail : 2.0f - tail;
  return 0.5f * x * (a < 0.5f ? small : large);
}

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
            case EltInstr::kAdd:
              for (int64_t j = 0; j < n; ++j) y[j] = a[j] + b[j];
              break;
            case EltInstr::kSub:
              for (int64_t j = 0; j < n; ++j) y[j] = a[j] - b[j];
              break;
            case EltInstr::kMul:
              for (int64_t j = 0; j < n; ++j) y[j] = a[j] * b[j];
              break;
            default:
              for (int64_t j = 0; j < n; ++j) y[j] = a[j] / b[j];
              break;
          }
          continue;
        }
        const float s = in.scalar;
        switch (in.op) {
          case EltInstr::kAdd:
            for (int64_t j = 0; j < n; ++j) y[j] = a[j] + s;
            break;
          case EltInstr::kMul:
            for (int64_t j = 0; j < n; ++j) y[j] = a[j] * s;
            break;
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
        case EltInstr::kErf:
          for (int64_t j = 0; j < n; ++j) y[j] = Erf(a[j]);
          break;
        case EltInstr::kGelu:
          for (int64_t j = 0; j < n; ++j) y[j] = Gelu(a[j]);
          break;
        default:  // hard-swish
          for (int64_t j = 0; j < n; ++j) y[j] = a[j] * std::clamp(a[j] + 3.0f, 0.0f, 6.0f) / 6.0f;
          break;
      }
    }
    std::memcpy(output + at, slots[count], static_cast<size_t>(n) * sizeof(float));
  }
}

bool SimplifyGelu(EltProgram* program) {
  const std::vector<EltInstr>& c = program->code;
  const auto near = [](float v, double want) { return std::fabs(v - want) <= 1e-6 * want; };
  const auto scalar = [&](const EltInstr& in, EltInstr::Op op, int a, double want) {
    return in.op == op && in.a == a && in.b < 0 && !in.scalar_first && near(in.scalar, want);
  };
  if (c.size() != 5) return false;
  const bool scaled = scalar(c[0], EltInstr::kDiv, 0, 1.4142135623730951) ||
                      scalar(c[0], EltInstr::kMul, 0, 0.7071067811865476);
  const bool erf = c[1].op == EltInstr::kErf && c[1].a == 1;
  const bool plus_one =
      c[2].op == EltInstr::kAdd && c[2].a == 2 && c[2].b < 0 && near(c[2].scalar, 1.0);
  const bool times_x =
      c[3].op == EltInstr::kMul && ((c[3].a == 0 && c[3].b == 3) || (c[3].a == 3 && c[3].b == 0));
  const bool half = scalar(c[4], EltInstr::kMul, 4, 0.5);
  if (!(scaled && erf && plus_one && times_x && half)) return false;
  EltInstr gelu;
  gelu.op = EltInstr::kGelu;
  gelu.a = 0;
  program->code = {gelu};
  return true;
}

void EltwiseTask(void* context, size_t begin, size_t count) {
  auto* job = static_cast<EltwiseJob*>(context);
  RunElementwise(*job->program, job->input, job->output, static_cast<int64_t>(begin),
                 static_cast<int64_t>(begin + count));
}

}  // namespace mbench::runner
