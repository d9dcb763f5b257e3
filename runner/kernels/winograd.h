// Dense 3x3 stride-1 fp32 convolution by Winograd's minimal filtering, F(4x4, 3x3), for x86-64
// CPUs with AVX-512 (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
//
// Each 4x4 block of output pixels (a tile) comes from a 6x6 block of input pixels: the input
// block is transformed (V = B^T d B), multiplied point by point with the transformed filter
// (U = G g G^T, once per plan) and summed over input channels, then transformed back (Y = A^T M
// A). The sum over channels at each of the 36 points is a GEMM of tiles x input channels by
// input channels x output channels, which runs on runner/kernels/gemm.h's micro-kernel: 36 MACs per
// tile and channel pair where a direct convolution does 144, a quarter. ncnn runs 3x3
// convolutions this way on phones; XNNPACK and ONNX Runtime's MLAS (fp32) compute them directly.
// The transforms cost a few adds per element and round more than a direct sum: outputs are
// within 2e-6 (8 input channels) to 1.4e-5 (256) of the output's largest magnitude, 5-9x the
// direct sum's error (tests/runner/plan_test.cc), far inside what inference tolerates.
//
// Shallow layers (large maps, few channels) are processed in chunks of tiles sized so a
// chunk's transformed input and products stay in a core's L2, each thread taking its own
// chunks; a chunk re-reads the transformed weights, which are small there. Where that re-reading
// would move more bytes than sending the whole layer's transformed input and products through
// L3 (deep layers on small maps: 9.4 MB of transformed weights at 256 channels), the layer runs
// in three phases over shared buffers instead: input transform by tile, then one GEMM per
// (point, block of output channels), which reads each transformed weight once in all, then the
// output transform by tile. Thread-safety: the tasks of one phase may run at once; phases must
// run in order, and one Compute call at a time per phase task.
#ifndef MBENCH_RUNNER_KERNELS_WINOGRAD_H_
#define MBENCH_RUNNER_KERNELS_WINOGRAD_H_

#include <cstdint>

#include "runner/kernels/gemm.h"

namespace mbench::runner {

// Bytes of the transformed weights WinogradConv keeps for a layer of shape `s`.
int64_t WinogradWeightBytes(const DenseConvShape& s);

// Whether a dense convolution of shape `s` runs faster here on WinogradConv than on
// DenseConv: 3x3, stride 1, dilation 1, with enough tiles and channels that the transforms and
// the larger transformed weights cost less than the MACs saved (thresholds measured with
// build/bench/runner_bench --benchmark_filter=Winograd). REQUIRES: DenseConvAvailable().
bool WinogradSuits(const DenseConvShape& s);

class WinogradConv {
 public:
  static constexpr int64_t kOut = 4;      // output pixels per tile side
  static constexpr int64_t kIn = 6;       // input pixels per tile side
  static constexpr int64_t kPoints = 36;  // kIn * kIn

  // `weights` [out_c][3][3][in_c] and `bias` [out_c] (or null) are transformed and copied;
  // `input` (NHWC) and `residual` (or null: shaped as the output, added before the output
  // range) are read at these addresses on every run. `slots`: the threads that will run this
  // layer's tasks (the plan's threads for this step). Throws std::bad_alloc when memory runs out.
  // REQUIRES: s is 3x3, stride 1, dilation 1, with a non-empty output (all of which
  // WinogradSuits checks); slots >= 1.
  // `own_scratch` false: the caller hands scratch_bytes() of 64-byte aligned memory to
  // UseScratch before the first Compute (layers that never run at once can share one).
  WinogradConv(const DenseConvShape& s, const float* weights, const float* bias, const float* input,
               const float* residual, int64_t slots, bool own_scratch = true);
  ~WinogradConv();
  WinogradConv(const WinogradConv&) = delete;
  WinogradConv& operator=(const WinogradConv&) = delete;

  int64_t tiles() const { return tiles_; }
  int64_t chunk_tiles() const { return chunk_; }
  bool phased() const { return phased_; }
  int64_t packed_weight_bytes() const { return kPoints * blocks_ * (1 + s_.in_c) * kCols * 4; }
  int64_t scratch_bytes() const { return scratch_floats_ * 4; }
  // REQUIRES: constructed with own_scratch false; `scratch` holds scratch_bytes(), 64-byte
  // aligned, and outlives this object.
  void UseScratch(float* scratch) { scratch_ = scratch; }

  // The phases to run in order (1 for chunks, 3 when phased), and how many tasks each has.
  int64_t phases() const { return phased_ ? 3 : 1; }
  int64_t tasks(int64_t phase) const;
  // Runs task `task` of phase `phase`, writing into the NHWC `output`.
  void Compute(int64_t phase, int64_t task, float* output) const;

 private:
  static constexpr int64_t kCols = DenseConv::kCols;
  void TransformInput(int64_t first, int64_t count, float* v) const;
  void MultiplyPoint(int64_t point, int64_t block, int64_t count, const float* v, float* m) const;
  void TransformOutput(int64_t first, int64_t count, const float* m, float* output) const;

  DenseConvShape s_;
  const float* input_ = nullptr;
  const float* residual_ = nullptr;
  int64_t tiles_h_ = 0, tiles_w_ = 0, tiles_ = 0;
  int64_t in_pad_ = 0, out_pad_ = 0;  // channels rounded up to 16 (row strides of V and M)
  int64_t blocks_ = 0;                // blocks of kCols output channels
  int64_t chunk_ = 0, chunks_ = 0;    // tiles per chunk (all tiles when phased), chunks
  int64_t slots_ = 1;                 // chunked: tasks, each with its own V and M
  bool phased_ = false;
  int64_t slot_floats_ = 0;  // one V and M: kPoints * chunk_ * (in_pad_ + out_pad_)
  int64_t scratch_floats_ = 0;
  float* weights_ = nullptr;  // [point][block][32 zeros, then 32 per input channel]
  float* bias_ = nullptr;     // out_pad_ values, zero past out_c
  float* scratch_ = nullptr;  // slots_ V and M pairs (one when phased); Compute writes it
  bool own_scratch_ = true;
};

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_KERNELS_WINOGRAD_H_
