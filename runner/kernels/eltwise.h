// Fused element-wise regions.
//
// Models exported from PaddlePaddle and older PyTorch opsets spell hard-swish as
// x * clip(x + 3, 0, 6) / 6 and wrap convolutions in scalar affine steps (PP-LCNet's learnable
// affine blocks): seven element-wise ops, seven passes over a 13 MB map in PP-OCRv4's detector.
// ONNX Runtime fuses such chains, and a TFLite converter turns them into one HARD_SWISH. The
// runner runs a contiguous region of element-wise ops on one tensor as one pass: a small
// program over blocks of the tensor that stay in L1.
#ifndef MBENCH_RUNNER_KERNELS_ELTWISE_H_
#define MBENCH_RUNNER_KERNELS_ELTWISE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mbench::runner {

struct EltInstr {
  enum Op : uint8_t {
    kAdd,
    kSub,
    kMul,
    kDiv,
    kRelu,
    kClamp,
    kHardSigmoid,
    kHardSwish,
    kErf,
    kGelu
  };
  Op op = kAdd;
  int a = 0;   // slot of the first operand
  int b = -1;  // slot of the second operand; -1: `scalar`
  float scalar = 0.0f;
  bool scalar_first = false;   // scalar op a (for sub and div)
  float p0 = 0.0f, p1 = 0.0f;  // clamp bounds; hard sigmoid alpha and beta
};

// Slot 0 is the region's input; instruction i writes slot i + 1; the last slot is the output.
struct EltProgram {
  std::vector<EltInstr> code;
};

inline constexpr int kMaxEltInstrs = 16;

// Rewrites the five instructions an ONNX export before opset 20 spells GELU with (x / sqrt 2 or
// x * (1 / sqrt 2), erf, + 1, times x, times 0.5; either operand order) as one kGelu, which
// costs what the erf alone did (ViT-Tiny's twelve regions: 1.24 -> 0.5 ms on one thread).
// Returns whether it did; any other program stays as it is.
bool SimplifyGelu(EltProgram* program);

// Runs `program` on elements [begin, end) of `input`, writing `output` (which may be `input`).
// Erf and GELU (x * (1 + erf(x / sqrt 2)) / 2) are computed by polynomials the compiler
// vectorizes: within 2e-7 of erf everywhere (Taylor series below |x| = 0.5, Abramowitz and
// Stegun 7.1.26 above), where std::erf costs ~4 ns an element.
void RunElementwise(const EltProgram& program, const float* input, float* output, int64_t begin,
                    int64_t end);

// A region over a whole tensor, one tile of kEltwiseTile elements per task of a thread pool
// (pthreadpool_parallelize_1d_tile_1d with EltwiseTask and the job as its context).
inline constexpr std::size_t kEltwiseTile = 16384;
struct EltwiseJob {
  EltProgram own;  // a one-instruction program of a lone erf or GELU (program points at it)
  const EltProgram* program = nullptr;
  const float* input = nullptr;
  float* output = nullptr;
};
void EltwiseTask(void* context, std::size_t begin, std::size_t count);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_KERNELS_ELTWISE_H_
