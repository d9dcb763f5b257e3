#include "runner/kernels/winograd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#ifdef MBENCH_DENSE_CONV_X86
#include <immintrin.h>
#endif

namespace mbench::runner {
namespace {

constexpr int64_t kPoints = WinogradConv::kPoints;
constexpr int64_t kIn = WinogradConv::kIn;
constexpr int64_t kOut = WinogradConv::kOut;
constexpr int64_t kRows = DenseConv::kRows;
// One chunk's transformed input and products: half of a Zen 4/5 or Skylake-X core's 1 MiB L2,
// leaving the rest to the transformed weights of the point being multiplied.
constexpr int64_t kChunkBudgetBytes = 512 << 10;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t RoundUp(int64_t a, int64_t m) { return CeilDiv(a, m) * m; }

// 64-byte aligned, zeroed; std::bad_alloc like a vector when memory runs out (the CLI reports it).
float* AlignedZeros(int64_t floats) {
  const auto bytes = static_cast<size_t>(RoundUp(std::max<int64_t>(floats, 1) * 4, 64));
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  return static_cast<float*>(p);
}

// G of F(4x4, 3x3) with interpolation points 0, 1, -1, 2, -2 and infinity; B^T and A^T are
// spelled out in InputColumn and OutputColumn below.
constexpr double kG[kIn][3] = {{1.0 / 4, 0, 0},
                               {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                               {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                               {1.0 / 24, 1.0 / 12, 1.0 / 6},
                               {1.0 / 24, -1.0 / 12, 1.0 / 6},
                               {0, 0, 1}};

#ifdef MBENCH_DENSE_CONV_X86
// GCC 12's _mm512_max_ps/_mm512_min_ps pass an undefined pass-through vector it then reports.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#define MBENCH_AVX512_INLINE __attribute__((target("avx512f"), always_inline)) inline

// r = B^T d over six vectors of 16 channels (one column of a 6x6 block, or one row of B^T d).
MBENCH_AVX512_INLINE void InputColumn(const __m512* d, __m512* r) {
  const __m512 two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f);
  const __m512 five = _mm512_set1_ps(5.0f);
  r[0] = _mm512_fmadd_ps(four, d[0], _mm512_fnmadd_ps(five, d[2], d[4]));
  r[1] = _mm512_fnmadd_ps(four, _mm512_add_ps(d[1], d[2]), _mm512_add_ps(d[3], d[4]));
  r[2] = _mm512_fmadd_ps(four, _mm512_sub_ps(d[1], d[2]), _mm512_sub_ps(d[4], d[3]));
  r[3] = _mm512_fmadd_ps(two, _mm512_sub_ps(d[3], d[1]), _mm512_sub_ps(d[4], d[2]));
  r[4] = _mm512_fmadd_ps(two, _mm512_sub_ps(d[1], d[3]), _mm512_sub_ps(d[4], d[2]));
  r[5] = _mm512_fmadd_ps(four, d[1], _mm512_fnmadd_ps(five, d[3], d[5]));
}

// o = A^T m: six products to four outputs.
MBENCH_AVX512_INLINE void OutputColumn(const __m512* m, __m512* o) {
  const __m512 s12 = _mm512_add_ps(m[1], m[2]), d12 = _mm512_sub_ps(m[1], m[2]);
  const __m512 s34 = _mm512_add_ps(m[3], m[4]), d34 = _mm512_sub_ps(m[3], m[4]);
  o[0] = _mm512_add_ps(_mm512_add_ps(m[0], s12), s34);
  o[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.0f), d34, d12);
  o[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), s34, s12);
  o[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.0f), d34, d12), m[5]);
}

MBENCH_AVX512_INLINE __mmask16 TailMask(int64_t left) {
  return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
}

// V = B^T d B of the 6x6 block whose top-left input pixel is (y0, x0) (outside the image:
// zeros), for every channel: point p of channel c goes to dst[p * plane + c].
__attribute__((target("avx512f"))) void InputTile(const float* image, int64_t h, int64_t w,
                                                  int64_t channels, int64_t y0, int64_t x0,
                                                  float* dst, int64_t plane) {
  bool inside[kIn][kIn];
  for (int64_t i = 0; i < kIn; ++i)
    for (int64_t j = 0; j < kIn; ++j)
      inside[i][j] = y0 + i >= 0 && y0 + i < h && x0 + j >= 0 && x0 + j < w;
  for (int64_t c = 0; c < channels; c += 16) {
    const __mmask16 mask = TailMask(channels - c);
    __m512 t[kIn][kIn];  // B^T d: t[i][j], row i of the transform, column j of the block
    for (int64_t j = 0; j < kIn; ++j) {
      __m512 d[kIn], r[kIn];
      for (int64_t i = 0; i < kIn; ++i) {
        d[i] = inside[i][j]
                   ? _mm512_maskz_loadu_ps(mask, image + ((y0 + i) * w + x0 + j) * channels + c)
                   : _mm512_setzero_ps();
      }
      InputColumn(d, r);
      for (int64_t i = 0; i < kIn; ++i) t[i][j] = r[i];
    }
    for (int64_t i = 0; i < kIn; ++i) {
      __m512 r[kIn];
      InputColumn(t[i], r);
      for (int64_t j = 0; j < kIn; ++j) _mm512_store_ps(dst + (i * kIn + j) * plane + c, r[j]);
    }
  }
}

// Y = A^T M A of one tile plus bias (and `add`, when not null), in [lo, hi], into its first
// `rows` x `cols` output pixels; M's point p of channel c is at m[p * plane + c]; `out` and
// `add` point at the tile's first pixel, rows `row_stride` floats apart.
__attribute__((target("avx512f"))) void OutputTile(const float* m, int64_t plane, const float* bias,
                                                   int64_t channels, const float* add, float* out,
                                                   int64_t row_stride, int64_t rows, int64_t cols,
                                                   float lo, float hi) {
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  for (int64_t c = 0; c < channels; c += 16) {
    const __mmask16 mask = TailMask(channels - c);
    __m512 t[kOut][kIn];  // A^T M
    for (int64_t j = 0; j < kIn; ++j) {
      __m512 col[kIn], o[kOut];
      for (int64_t i = 0; i < kIn; ++i) col[i] = _mm512_load_ps(m + (i * kIn + j) * plane + c);
      OutputColumn(col, o);
      for (int64_t i = 0; i < kOut; ++i) t[i][j] = o[i];
    }
    const __m512 b = _mm512_load_ps(bias + c);
    for (int64_t i = 0; i < rows; ++i) {
      __m512 y[kOut];
      OutputColumn(t[i], y);
      for (int64_t j = 0; j < cols; ++j) {
        const int64_t at = i * row_stride + j * channels + c;
        __m512 v = _mm512_add_ps(y[j], b);
        if (add != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, add + at));
        _mm512_mask_storeu_ps(out + at, mask, _mm512_min_ps(_mm512_max_ps(v, vlo), vhi));
      }
    }
  }
}
#pragma GCC diagnostic pop
#endif

}  // namespace

int64_t WinogradWeightBytes(const DenseConvShape& s) {
  return WinogradConv::kPoints * CeilDiv(s.out_c, DenseConv::kCols) * (1 + s.in_c) *
         DenseConv::kCols * 4;
}

bool WinogradSuits(const DenseConvShape& s) {
  if (s.kernel_h != 3 || s.kernel_w != 3 || s.stride_h != 1 || s.stride_w != 1 ||
      s.dilation_h != 1 || s.dilation_w != 1 || s.batch < 1 || s.out_h < 1 || s.out_w < 1) {
    return false;
  }
  // runner_bench, one thread, against the direct GEMM: 8 input channels 1.25x faster, 12
  // 1.7x, 64 at 56x56 2.7x, 256 at 14x14 2-2.4x; 3 or 4 input channels 0.6-0.8x (the GEMM's
  // depth is the input channels). 512 -> 512 at 7x7 gains only 1.2x for 37.7 MB of transformed
  // weights against 9.4 MB: on maps of few tiles, weights that large stay direct.
  constexpr int64_t kMaxSmallMapWeightBytes = int64_t{16} << 20;
  const int64_t tiles = s.batch * CeilDiv(s.out_h, kOut) * CeilDiv(s.out_w, kOut);
  const int64_t weight_bytes = WinogradWeightBytes(s);
  return s.in_c >= 8 && (tiles >= 16 || weight_bytes <= kMaxSmallMapWeightBytes);
}

WinogradConv::WinogradConv(const DenseConvShape& s, const float* weights, const float* bias,
                           const float* input, const float* residual, int64_t slots,
                           bool own_scratch)
    : s_(s), input_(input), residual_(residual), own_scratch_(own_scratch) {
  tiles_h_ = CeilDiv(s.out_h, kOut);
  tiles_w_ = CeilDiv(s.out_w, kOut);
  tiles_ = s.batch * tiles_h_ * tiles_w_;
  in_pad_ = RoundUp(s.in_c, 16);
  out_pad_ = RoundUp(s.out_c, 16);
  blocks_ = CeilDiv(s.out_c, kCols);
  slots_ = std::clamp<int64_t>(slots, 1, std::max<int64_t>(tiles_, 1));

  // Chunks that keep V and M in L2 re-read all transformed weights each (and every slot takes
  // at least one); phases read them once but send V and M through L3 and back, and with two
  // or more threads each phase reads what another thread wrote in the one before, which cost
  // about four times a round trip through L3 on this project's 2-vCPU host (runner_bench, 2
  // threads, phases against chunks: 64 -> 64 at 56x56 400 against 285 us, 128 at 28x28 281
  // against 221; 256 at 7x7 146 against 167, whose 9.4 MB of weights two chunks would read
  // twice). Whichever moves fewer bytes.
  constexpr int64_t kSharedPhaseFactor = 4;
  const int64_t per_tile = kPoints * (in_pad_ + out_pad_) * 4;
  const int64_t fitting = std::max<int64_t>(1, CeilDiv(tiles_ * per_tile, kChunkBudgetBytes));
  const int64_t chunks_if_chunked = std::min(RoundUp(std::max(fitting, slots_), slots_), tiles_);
  const int64_t by_chunks = chunks_if_chunked * packed_weight_bytes();
  const int64_t by_phases =
      packed_weight_bytes() + 2 * tiles_ * per_tile * (slots_ > 1 ? kSharedPhaseFactor : 1);
  // Phases hold the whole layer's V and M: on large maps (a 512x512 map with 128 -> 64
  // channels: 453 MB) chunks, whose scratch stays in L2, go on instead.
  constexpr int64_t kMaxPhasedScratchBytes = int64_t{64} << 20;
  phased_ = by_phases < by_chunks && tiles_ * per_tile <= kMaxPhasedScratchBytes;
  const int64_t chunks = phased_ ? 1 : chunks_if_chunked;
  chunk_ = CeilDiv(tiles_, chunks);
  chunks_ = CeilDiv(tiles_, chunk_);
  slot_floats_ = kPoints * chunk_ * (in_pad_ + out_pad_);
  scratch_floats_ = (phased_ ? 1 : slots_) * slot_floats_;

  // U = G g G^T per (output, input channel), in double, packed for GemmTile: per point and
  // block of 32 output channels, 32 zero biases (the bias is added after the inverse
  // transform) then 32 values per input channel.
  const int64_t panel = (1 + s.in_c) * kCols;
  weights_ = AlignedZeros(kPoints * blocks_ * panel);
  for (int64_t oc = 0; oc < s.out_c; ++oc) {
    for (int64_t ic = 0; ic < s.in_c; ++ic) {
      double g[3][3];
      for (int64_t ky = 0; ky < 3; ++ky)
        for (int64_t kx = 0; kx < 3; ++kx)
          g[ky][kx] = weights[((oc * 3 + ky) * 3 + kx) * s.in_c + ic];
      double gg[kIn][3];  // G g
      for (int64_t i = 0; i < kIn; ++i)
        for (int64_t kx = 0; kx < 3; ++kx)
          gg[i][kx] = kG[i][0] * g[0][kx] + kG[i][1] * g[1][kx] + kG[i][2] * g[2][kx];
      for (int64_t i = 0; i < kIn; ++i) {
        for (int64_t j = 0; j < kIn; ++j) {
          const double u = gg[i][0] * kG[j][0] + gg[i][1] * kG[j][1] + gg[i][2] * kG[j][2];
          weights_[((i * kIn + j) * blocks_ + oc / kCols) * panel + (1 + ic) * kCols + oc % kCols] =
              static_cast<float>(u);
        }
      }
    }
  }
  bias_ = AlignedZeros(out_pad_);
  if (bias != nullptr) std::copy(bias, bias + s.out_c, bias_);
  if (own_scratch_) scratch_ = AlignedZeros(scratch_floats_);
}

WinogradConv::~WinogradConv() {
  std::free(weights_);
  std::free(bias_);
  if (own_scratch_) std::free(scratch_);
}

void WinogradConv::TransformInput(int64_t first, int64_t count, float* v) const {
#ifdef MBENCH_DENSE_CONV_X86
  const int64_t per_image = tiles_h_ * tiles_w_;
  for (int64_t k = 0; k < count; ++k) {
    const int64_t t = first + k;
    const int64_t y0 = t % per_image / tiles_w_ * kOut - s_.pad_top;
    const int64_t x0 = t % tiles_w_ * kOut - s_.pad_left;
    const float* image = input_ + t / per_image * s_.in_h * s_.in_w * s_.in_c;
    InputTile(image, s_.in_h, s_.in_w, s_.in_c, y0, x0, v + k * in_pad_, chunk_ * in_pad_);
  }
#else
  (void)first, (void)count, (void)v;
#endif
}

void WinogradConv::MultiplyPoint(int64_t point, int64_t block, int64_t count, const float* v,
                                 float* m) const {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const int64_t panel = (1 + s_.in_c) * kCols;
  const float* vp = v + point * chunk_ * in_pad_;
  float* mp = m + point * chunk_ * out_pad_ + block * kCols;
  const float* w = weights_ + (point * blocks_ + block) * panel;
  const int64_t cols = std::min(kCols, s_.out_c - block * kCols);
  for (int64_t r0 = 0; r0 < count; r0 += kRows) {
    const int64_t rows = std::min(kRows, count - r0);
    const float* at[kRows];
    for (int64_t i = 0; i < kRows; ++i) at[i] = vp + (r0 + std::min(i, rows - 1)) * in_pad_;
    GemmTile(rows, at, 1, s_.in_c, w, mp + r0 * out_pad_, nullptr, out_pad_, cols, -kInf, kInf);
  }
}

void WinogradConv::TransformOutput(int64_t first, int64_t count, const float* m,
                                   float* output) const {
#ifdef MBENCH_DENSE_CONV_X86
  const int64_t per_image = tiles_h_ * tiles_w_;
  const int64_t row_stride = s_.out_w * s_.out_c;
  for (int64_t k = 0; k < count; ++k) {
    const int64_t t = first + k;
    const int64_t y0 = t % per_image / tiles_w_ * kOut, x0 = t % tiles_w_ * kOut;
    const int64_t at = ((t / per_image * s_.out_h + y0) * s_.out_w + x0) * s_.out_c;
    OutputTile(m + k * out_pad_, chunk_ * out_pad_, bias_, s_.out_c,
               residual_ != nullptr ? residual_ + at : nullptr, output + at, row_stride,
               std::min(kOut, s_.out_h - y0), std::min(kOut, s_.out_w - x0), s_.out_min,
               s_.out_max);
  }
#else
  (void)first, (void)count, (void)m, (void)output;
#endif
}

int64_t WinogradConv::tasks(int64_t phase) const {
  if (!phased_) return slots_;
  return phase == 1 ? kPoints * blocks_ : tiles_;
}

void WinogradConv::Compute(int64_t phase, int64_t task, float* output) const {
  float* v = scratch_ + (phased_ ? 0 : task * slot_floats_);
  float* m = v + kPoints * chunk_ * in_pad_;
  if (phased_) {
    // V and M hold every tile (chunk_ == tiles_): tile `task` is row `task` of each point.
    if (phase == 0) TransformInput(task, 1, v + task * in_pad_);
    if (phase == 1) MultiplyPoint(task / blocks_, task % blocks_, tiles_, v, m);
    if (phase == 2) TransformOutput(task, 1, m + task * out_pad_, output);
    return;
  }
  // A chunk at a time: its V and M stay in this slot's L2 from one step to the next. Points
  // outer, so each point's transformed weights serve every row tile of the chunk from L1.
  const int64_t begin = chunks_ * task / slots_, end = chunks_ * (task + 1) / slots_;
  for (int64_t c = begin; c < end; ++c) {
    const int64_t first = c * chunk_;
    const int64_t count = std::min(chunk_, tiles_ - first);
    TransformInput(first, count, v);
    for (int64_t point = 0; point < kPoints; ++point)
      for (int64_t block = 0; block < blocks_; ++block) MultiplyPoint(point, block, count, v, m);
    TransformOutput(first, count, m, output);
  }
}

}  // namespace mbench::runner
