// Dense (one group) fp32 convolution as a packed GEMM, for x86-64 CPUs with AVX-512.
//
// Debian's XNNPACK (2022) runs fp32 convolutions on AVX-512 through a 7x16 micro-kernel:
// seven 16-float accumulators, fewer than the eight independent FMA chains a Zen 4/5 or
// Skylake-X core needs in flight to keep both FMA pipes busy, so its dense convolutions stay
// near 75-80% of the FMA peak. This kernel computes 8x32 tiles (16 accumulators) the same
// indirect way (no im2col copy): each of the 8 output pixels of a tile reads its input through
// one pointer per window tap, set once when the plan is built (padding points at zeros); a 1x1
// stride-1 convolution reads its rows directly. Weights are packed once, per block of 32 output
// channels: 32 bias values, then for each (tap, input channel) the 32 weights, zero past the
// last channel.
// Other CPUs, and every precision other than fp32, keep XNNPACK's kernels; PlanOptions
// `xnnpack_only` keeps them here too.
#ifndef MBENCH_RUNNER_KERNELS_GEMM_H_
#define MBENCH_RUNNER_KERNELS_GEMM_H_

#include <cstdint>
#include <vector>

// Builds with the AVX-512 kernels (gemm.cc, winograd.cc); whether the CPU has AVX-512 is asked
// at run time (DenseConvAvailable).
#if defined(__x86_64__) && defined(__GNUC__)
#define MBENCH_DENSE_CONV_X86 1
#endif

namespace mbench::runner {

// True when this build and this CPU can run DenseConv (x86-64 with AVX-512F).
bool DenseConvAvailable();

// The packed GEMM's micro-kernel, for other kernels built on it (runner/kernels/winograd.h): `rows`
// (1..8) output rows x `cols` (1..32) output channels into `out` (row i at out + i *
// out_stride), each clamped to [lo, hi]. `rows_of` holds, for each of `taps` taps, 8 pointers
// of which the first `rows` are read, each to `channels` floats; `w` is one packed block: 32
// bias values, then 32 weights per (tap, channel), 64-byte aligned. `add` (or null) is read like
// `out` and added before the range.
// REQUIRES: DenseConvAvailable().
void GemmTile(int64_t rows, const float* const* rows_of, int64_t taps, int64_t channels,
              const float* w, float* out, const float* add, int64_t out_stride, int64_t cols,
              float lo, float hi);

struct DenseConvShape {
  int64_t batch = 1, in_h = 0, in_w = 0, in_c = 0;
  int64_t out_h = 0, out_w = 0, out_c = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // bottom and right follow from the output size
  float out_min = -3.402823466e38f, out_max = 3.402823466e38f;
};

class DenseConv {
 public:
  static constexpr int64_t kRows = 8;   // output pixels per tile
  static constexpr int64_t kCols = 32;  // output channels per block

  // `weights` [out_c][kernel_h][kernel_w][in_c], `bias` [out_c] or null; both copied. `input`
  // is the NHWC tensor every run reads, `residual` (or null) one shaped as the output that is
  // added to it before the output range (a fused residual Add); their addresses are fixed for
  // the plan's life.
  DenseConv(const DenseConvShape& s, const float* weights, const float* bias, const float* input,
            const float* residual = nullptr);
  ~DenseConv();
  DenseConv(const DenseConv&) = delete;
  DenseConv& operator=(const DenseConv&) = delete;

  int64_t tiles() const { return tiles_; }    // tiles of kRows output pixels
  int64_t blocks() const { return blocks_; }  // blocks of kCols output channels
  int64_t packed_weight_bytes() const { return blocks_ * (1 + depth_) * kCols * 4; }

  // Computes the output pixels of `tile` x the output channels of blocks [block_begin,
  // block_end) into the NHWC `output`. `prefetch_next`: also fetch the next block's weights
  // into L2 on the way (for a caller that walks blocks outer over weights too large for L2,
  // from its second tile of a block on).
  void Compute(float* output, int64_t block_begin, int64_t block_end, int64_t tile,
               bool prefetch_next = false) const;

 private:
  DenseConvShape s_;
  const float* input_ = nullptr;
  const float* residual_ = nullptr;
  int64_t taps_ = 0, depth_ = 0;  // kernel_h * kernel_w, taps_ * in_c
  int64_t pixels_ = 0, tiles_ = 0, blocks_ = 0;
  bool direct_ = false;             // 1x1, stride 1, no padding: rows read in place
  float* weights_ = nullptr;        // 64-byte aligned, blocks_ * (1 + depth_) * kCols floats
  std::vector<const float*> rows_;  // [tile][tap][kRows] input pointers (not direct_)
  std::vector<float> zeros_;        // in_c zeros, where a window tap falls on padding
};

// C[z] = A[z] x B[z] for every z < batch: A [m, k], B [k, n] and C [m, n] row-major and
// contiguous, B known only when the layer runs (attention's Q x K^T and weights x V, MatMul of
// two activations). Each task takes one block of 32 columns of one product: it packs that block
// of B into a slot of its own (zero bias, then 32 values per row of B), then runs the 8x32
// micro-kernel down the rows of A. Packing costs k x 32 copies against m x k x 32 MACs.
// Thread-safety: different tasks may run at once; one Compute call per task at a time.
class BatchedMatMul {
 public:
  // `scale` multiplies every product (attention's 1 / sqrt(head size), folded into the packing
  // of B). Throws std::bad_alloc when memory runs out. REQUIRES: DenseConvAvailable(); all
  // sizes >= 1.
  BatchedMatMul(int64_t batch, int64_t m, int64_t k, int64_t n, float scale = 1.0f);
  ~BatchedMatMul();
  BatchedMatMul(const BatchedMatMul&) = delete;
  BatchedMatMul& operator=(const BatchedMatMul&) = delete;

  int64_t tasks() const { return batch_ * blocks_; }
  int64_t scratch_bytes() const { return tasks() * slot_floats_ * 4; }
  // Computes task `task` (product task / blocks, column block task % blocks) of C = A x B.
  void Compute(int64_t task, const float* a, const float* b, float* c) const;

 private:
  int64_t batch_, m_, k_, n_, blocks_, slot_floats_;
  float scale_;
  float* slots_ = nullptr;  // 64-byte aligned, one packed block per task
};

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_KERNELS_GEMM_H_
