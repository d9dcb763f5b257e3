#include "runner/kernels/gemm.h"

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

constexpr int64_t kRows = DenseConv::kRows;
constexpr int64_t kCols = DenseConv::kCols;

#ifdef MBENCH_DENSE_CONV_X86
// GCC 12's _mm512_max_ps/_mm512_min_ps pass an undefined pass-through vector it then reports.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
// One tile: R output pixels x `cols` output channels. `rows_of` holds, for each of `taps`
// window taps, kRows input pointers of `channels` floats (the first R used); `w` the block's 32
// bias values, then 32 weights per (tap, channel). The 2R accumulators stay in zmm registers
// throughout. `add`, when not null, is read like `out` and added before the range. R < kRows
// serves the last tile of a layer whose pixel count kRows does not divide (7x7 maps: 49 =
// 6 * 8 + 1), at the cost of its rows rather than of a full tile.
template <int64_t R>
__attribute__((target("avx512f"))) void Tile(const float* const* rows_of, int64_t taps,
                                             int64_t channels, const float* w, float* out,
                                             const float* add, int64_t out_stride, int64_t cols,
                                             float lo, float hi, int64_t prefetch) {
  __m512 acc0[R], acc1[R];
  const __m512 bias0 = _mm512_load_ps(w), bias1 = _mm512_load_ps(w + 16);
#pragma GCC unroll 8
  for (int64_t i = 0; i < R; ++i) {
    acc0[i] = bias0;
    acc1[i] = bias1;
  }
  w += kCols;
  for (int64_t t = 0; t < taps; ++t, rows_of += kRows) {
    const float* a[R];
#pragma GCC unroll 8
    for (int64_t i = 0; i < R; ++i) a[i] = rows_of[i];
    for (int64_t c = 0; c < channels; ++c, w += kCols) {
      const __m512 w0 = _mm512_load_ps(w), w1 = _mm512_load_ps(w + 16);
      if (prefetch != 0) {
        _mm_prefetch(reinterpret_cast<const char*>(w + prefetch), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(w + prefetch + 16), _MM_HINT_T1);
      }
#pragma GCC unroll 8
      for (int64_t i = 0; i < R; ++i) {
        const __m512 x = _mm512_set1_ps(a[i][c]);
        acc0[i] = _mm512_fmadd_ps(x, w0, acc0[i]);
        acc1[i] = _mm512_fmadd_ps(x, w1, acc1[i]);
      }
    }
  }
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  const __mmask16 m0 = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32  ? __mmask16(0xFFFF)
                       : cols > 16 ? __mmask16((1u << (cols - 16)) - 1)
                                   : __mmask16(0);
#pragma GCC unroll 8
  for (int64_t i = 0; i < R; ++i) {
    float* o = out + i * out_stride;
    if (add != nullptr) {
      const float* r = add + i * out_stride;
      acc0[i] = _mm512_add_ps(acc0[i], _mm512_maskz_loadu_ps(m0, r));
      acc1[i] = _mm512_add_ps(acc1[i], _mm512_maskz_loadu_ps(m1, r + 16));
    }
    _mm512_mask_storeu_ps(o, m0, _mm512_min_ps(_mm512_max_ps(acc0[i], vlo), vhi));
    _mm512_mask_storeu_ps(o + 16, m1, _mm512_min_ps(_mm512_max_ps(acc1[i], vlo), vhi));
  }
}
#pragma GCC diagnostic pop

using TileFn = void (*)(const float* const*, int64_t, int64_t, const float*, float*, const float*,
                        int64_t, int64_t, float, float, int64_t);
TileFn TileFor(int64_t rows) {
  switch (rows) {
    case 1: return &Tile<1>;
    case 2: return &Tile<2>;
    case 3: return &Tile<3>;
    case 4: return &Tile<4>;
    case 5: return &Tile<5>;
    case 6: return &Tile<6>;
    case 7: return &Tile<7>;
    default: return &Tile<kRows>;
  }
}
#endif

}  // namespace

bool DenseConvAvailable() {
#ifdef MBENCH_DENSE_CONV_X86
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

void GemmTile(int64_t rows, const float* const* rows_of, int64_t taps, int64_t channels,
              const float* w, float* out, const float* add, int64_t out_stride, int64_t cols,
              float lo, float hi) {
#ifdef MBENCH_DENSE_CONV_X86
  TileFor(rows)(rows_of, taps, channels, w, out, add, out_stride, cols, lo, hi, 0);
#else
  (void)rows, (void)rows_of, (void)taps, (void)channels, (void)w, (void)out, (void)add;
  (void)out_stride, (void)cols, (void)lo, (void)hi;
#endif
}

BatchedMatMul::BatchedMatMul(int64_t batch, int64_t m, int64_t k, int64_t n, float scale)
    : batch_(batch),
      m_(m),
      k_(k),
      n_(n),
      blocks_((n + kCols - 1) / kCols),
      slot_floats_((1 + k) * kCols),
      scale_(scale) {
  const auto bytes = static_cast<size_t>(scratch_bytes() + 63) / 64 * 64;
  slots_ = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (slots_ == nullptr) throw std::bad_alloc();
  std::fill(slots_, slots_ + tasks() * slot_floats_, 0.0f);  // the zero bias rows stay zero
}

BatchedMatMul::~BatchedMatMul() { std::free(slots_); }

void BatchedMatMul::Compute(int64_t task, const float* a, const float* b, float* c) const {
  const int64_t z = task / blocks_, block = task % blocks_;
  const int64_t col0 = block * kCols, cols = std::min(kCols, n_ - col0);
  float* packed = slots_ + task * slot_floats_;
  const float* bz = b + z * k_ * n_ + col0;
  for (int64_t p = 0; p < k_; ++p) {
    float* dst = packed + (1 + p) * kCols;
    const float* src = bz + p * n_;
    if (scale_ == 1.0f) {
      std::copy(src, src + cols, dst);  // columns past `cols` stay zero
    } else {
      for (int64_t j = 0; j < cols; ++j) dst[j] = src[j] * scale_;
    }
  }
  const float* az = a + z * m_ * k_;
  float* cz = c + z * m_ * n_ + col0;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (int64_t r0 = 0; r0 < m_; r0 += kRows) {
    const int64_t rows = std::min(kRows, m_ - r0);
    const float* rows_of[kRows];
    for (int64_t i = 0; i < kRows; ++i) rows_of[i] = az + (r0 + std::min(i, rows - 1)) * k_;
    GemmTile(rows, rows_of, 1, k_, packed, cz + r0 * n_, nullptr, n_, cols, -kInf, kInf);
  }
}

DenseConv::DenseConv(const DenseConvShape& s, const float* weights, const float* bias,
                     const float* input, const float* residual)
    : s_(s), input_(input), residual_(residual) {
  taps_ = s.kernel_h * s.kernel_w;
  depth_ = taps_ * s.in_c;
  pixels_ = s.batch * s.out_h * s.out_w;
  tiles_ = (pixels_ + kRows - 1) / kRows;
  blocks_ = (s.out_c + kCols - 1) / kCols;
  const size_t floats = static_cast<size_t>(blocks_ * (1 + depth_) * kCols);
  weights_ = static_cast<float*>(std::aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64));
  if (weights_ == nullptr) throw std::bad_alloc();  // as a vector would; the CLI reports it
  std::fill(weights_, weights_ + floats, 0.0f);
  for (int64_t blk = 0; blk < blocks_; ++blk) {
    float* dst = weights_ + blk * (1 + depth_) * kCols;
    const int64_t n = std::min(kCols, s.out_c - blk * kCols);
    for (int64_t j = 0; j < n; ++j) {
      const int64_t oc = blk * kCols + j;
      if (bias != nullptr) dst[j] = bias[oc];
      const float* src = weights + oc * depth_;
      for (int64_t p = 0; p < depth_; ++p) dst[(1 + p) * kCols + j] = src[p];
    }
  }
  direct_ = taps_ == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 && s.pad_left == 0 &&
            s.out_h == s.in_h && s.out_w == s.in_w;
  if (direct_) return;
  // The indirection table: each output pixel's input pixel per tap; pixels past the last in
  // the final tile repeat the last one (computed, never stored).
  zeros_.assign(static_cast<size_t>(s.in_c), 0.0f);
  rows_.resize(static_cast<size_t>(tiles_ * taps_ * kRows));
  for (int64_t tile = 0; tile < tiles_; ++tile) {
    for (int64_t i = 0; i < kRows; ++i) {
      const int64_t m = std::min(tile * kRows + i, pixels_ - 1);
      const int64_t b = m / (s.out_h * s.out_w);
      const int64_t oy = m / s.out_w % s.out_h, ox = m % s.out_w;
      for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
        const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
        for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
          const int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
          const bool inside = iy >= 0 && iy < s.in_h && ix >= 0 && ix < s.in_w;
          rows_[static_cast<size_t>((tile * taps_ + ky * s.kernel_w + kx) * kRows + i)] =
              inside ? input + ((b * s.in_h + iy) * s.in_w + ix) * s.in_c : zeros_.data();
        }
      }
    }
  }
}

DenseConv::~DenseConv() { std::free(weights_); }

void DenseConv::Compute(float* output, int64_t block_begin, int64_t block_end, int64_t tile,
                        bool prefetch_next) const {
#ifdef MBENCH_DENSE_CONV_X86
  // The tile's input rows and its kernel, once for every block.
  const int64_t m0 = tile * kRows;
  const float* direct[kRows];
  const float* const* rows_of = rows_.data() + tile * taps_ * kRows;
  if (direct_) {
    for (int64_t i = 0; i < kRows; ++i)
      direct[i] = input_ + std::min(m0 + i, pixels_ - 1) * s_.in_c;
    rows_of = direct;
  }
  const TileFn kernel = TileFor(std::min(kRows, pixels_ - m0));
  const int64_t panel = (1 + depth_) * kCols;
  // The residual rows of the next tile, fetched while this one computes: read only in the
  // epilogue, they would otherwise stall each block's stores on memory (ResNet-50's 64->256
  // layers with the shortcut added ran at 55-60 GMAC/s, the same layer without it at 80).
  const bool fetch_next = residual_ != nullptr && m0 + kRows < pixels_;
  for (int64_t block = block_begin; block < block_end; ++block) {
    const int64_t at = m0 * s_.out_c + block * kCols;
    if (fetch_next) {
      const float* next = residual_ + at + kRows * s_.out_c;
      for (int64_t i = 0; i < std::min(kRows, pixels_ - m0 - kRows); ++i) {
        _mm_prefetch(reinterpret_cast<const char*>(next + i * s_.out_c), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(next + i * s_.out_c + 16), _MM_HINT_T0);
      }
    }
    const float* add = residual_ != nullptr ? residual_ + at : nullptr;
    const int64_t cols = std::min(kCols, s_.out_c - block * kCols);
    kernel(rows_of, taps_, s_.in_c, weights_ + block * panel, output + at, add, s_.out_c, cols,
           s_.out_min, s_.out_max, prefetch_next && block + 1 < blocks_ ? panel : 0);
  }
#else
  (void)output, (void)block_begin, (void)block_end, (void)tile, (void)prefetch_next;
#endif
}

}  // namespace mbench::runner
