#include "runner/kernels/dwconv.h"

#include <algorithm>
#include <vector>

namespace mbench::runner {
namespace {

// The interior path: kPixels adjacent output pixels times kLanes channels in registers, so each
// weight vector loaded serves kPixels FMAs.
constexpr int64_t kLanes = 16;
constexpr int64_t kPixels = 6;

// Sixteen floats: one AVX-512 register, two AVX2 ones; loads and stores need no alignment.
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float)), aligned(alignof(float))));

// Output pixels [ox_begin, ox_end) of row (b, oy), any position, borders included: blocks of
// kLanes channels in one vector register each, the last few channels one by one.
inline void General(const DepthwiseShape& s, const float* input, const float* weights,
                    const float* bias, float* output, int64_t b, int64_t oy, int64_t ox_begin,
                    int64_t ox_end) {
  const Vec lo = Vec{} + s.out_min, hi = Vec{} + s.out_max;
  // Valid window rows and columns depend only on the position: computed once per pixel.
  int64_t ky0 = 0, ky1 = s.kernel_h;
  while (ky0 < ky1 && oy * s.stride_h - s.pad_top + ky0 * s.dilation_h < 0) ++ky0;
  while (ky1 > ky0 && oy * s.stride_h - s.pad_top + (ky1 - 1) * s.dilation_h >= s.in_h) --ky1;
  for (int64_t ox = ox_begin; ox < ox_end; ++ox) {
    int64_t kx0 = 0, kx1 = s.kernel_w;
    while (kx0 < kx1 && ox * s.stride_w - s.pad_left + kx0 * s.dilation_w < 0) ++kx0;
    while (kx1 > kx0 && ox * s.stride_w - s.pad_left + (kx1 - 1) * s.dilation_w >= s.in_w) --kx1;
    const float* origin = input + ((b * s.in_h + oy * s.stride_h - s.pad_top) * s.in_w +
                                   ox * s.stride_w - s.pad_left) *
                                      s.channels;
    if (s.sum_channels) {
      float acc = bias != nullptr ? bias[0] : 0.0f;
      for (int64_t c = 0; c < s.channels; ++c)
        for (int64_t ky = ky0; ky < ky1; ++ky)
          for (int64_t kx = kx0; kx < kx1; ++kx)
            acc += origin[(ky * s.dilation_h * s.in_w + kx * s.dilation_w) * s.channels + c] *
                   weights[(ky * s.kernel_w + kx) * s.channels + c];
      output[(b * s.out_h + oy) * s.out_w + ox] = std::clamp(acc, s.out_min, s.out_max);
      continue;
    }
    float* out = output + ((b * s.out_h + oy) * s.out_w + ox) * s.channels;
    int64_t c0 = 0;
    for (; c0 + kLanes <= s.channels; c0 += kLanes) {
      Vec acc = bias != nullptr ? *reinterpret_cast<const Vec*>(bias + c0) : Vec{};
      for (int64_t ky = ky0; ky < ky1; ++ky) {
        const float* row = origin + ky * s.dilation_h * s.in_w * s.channels + c0;
        const float* wrow = weights + ky * s.kernel_w * s.channels + c0;
        for (int64_t kx = kx0; kx < kx1; ++kx) {
          acc += *reinterpret_cast<const Vec*>(row + kx * s.dilation_w * s.channels) *
                 *reinterpret_cast<const Vec*>(wrow + kx * s.channels);
        }
      }
      acc = acc < lo ? lo : acc;
      *reinterpret_cast<Vec*>(out + c0) = acc > hi ? hi : acc;
    }
    for (; c0 < s.channels; ++c0) {
      float acc = bias != nullptr ? bias[c0] : 0.0f;
      for (int64_t ky = ky0; ky < ky1; ++ky)
        for (int64_t kx = kx0; kx < kx1; ++kx)
          acc += origin[(ky * s.dilation_h * s.in_w + kx * s.dilation_w) * s.channels + c0] *
                 weights[(ky * s.kernel_w + kx) * s.channels + c0];
      out[c0] = std::clamp(acc, s.out_min, s.out_max);
    }
  }
}

// kPixels output pixels from ox, all with their window inside the row; channels in blocks of
// kLanes up to `c_end`. The accumulators are vector values so they live in registers.
__attribute__((always_inline)) inline void Interior(const DepthwiseShape& s, const float* input,
                                                    const float* weights, const float* bias,
                                                    float* output, int64_t b, int64_t oy,
                                                    int64_t ox, int64_t c_end) {
  const int64_t step = s.stride_w * s.channels;
  const Vec lo = Vec{} + s.out_min, hi = Vec{} + s.out_max;
  for (int64_t c0 = 0; c0 < c_end; c0 += kLanes) {
    const Vec init = bias != nullptr ? *reinterpret_cast<const Vec*>(bias + c0) : Vec{};
    Vec acc[kPixels];
    for (int64_t p = 0; p < kPixels; ++p) acc[p] = init;
    for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
      const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
      if (iy < 0 || iy >= s.in_h) continue;
      const float* row =
          input + ((b * s.in_h + iy) * s.in_w + ox * s.stride_w - s.pad_left) * s.channels + c0;
      const float* wrow = weights + ky * s.kernel_w * s.channels + c0;
      for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
        const float* in = row + kx * s.dilation_w * s.channels;
        const Vec w = *reinterpret_cast<const Vec*>(wrow + kx * s.channels);
        for (int64_t p = 0; p < kPixels; ++p) {
          acc[p] += *reinterpret_cast<const Vec*>(in + p * step) * w;
        }
      }
    }
    for (int64_t p = 0; p < kPixels; ++p) {
      Vec v = acc[p] < lo ? lo : acc[p];
      v = v > hi ? hi : v;
      *reinterpret_cast<Vec*>(output + ((b * s.out_h + oy) * s.out_w + ox + p) * s.channels + c0) =
          v;
    }
  }
}

// Fewer channels than lanes (a divisor of kLanes), stride 1: one vector holds kLanes / channels
// adjacent pixels, so an 8-channel map at 256x256 (MediaPipe's pose heatmap head) fills the
// lanes instead of running one channel at a time. `wrep` and `brep` hold each tap's weights
// and the bias repeated across a vector. Computes kVecs vectors from output pixel ox.
template <int kVecs>
__attribute__((always_inline)) inline void PackedPixels(const DepthwiseShape& s, const float* input,
                                                        const Vec* wrep, const Vec& brep,
                                                        float* output, int64_t b, int64_t oy,
                                                        int64_t ox) {
  const Vec lo = Vec{} + s.out_min, hi = Vec{} + s.out_max;
  Vec acc[kVecs];
  for (int v = 0; v < kVecs; ++v) acc[v] = s.sum_channels ? Vec{} : brep;
  for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
    const int64_t iy = oy - s.pad_top + ky * s.dilation_h;
    if (iy < 0 || iy >= s.in_h) continue;
    const float* row = input + ((b * s.in_h + iy) * s.in_w + ox - s.pad_left) * s.channels;
    for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
      const float* in = row + kx * s.dilation_w * s.channels;
      const Vec w = wrep[ky * s.kernel_w + kx];
      for (int v = 0; v < kVecs; ++v) acc[v] += *reinterpret_cast<const Vec*>(in + v * kLanes) * w;
    }
  }
  if (s.sum_channels) {  // each group of `channels` lanes is one pixel's output
    const int64_t per_vec = kLanes / s.channels;
    float* out = output + (b * s.out_h + oy) * s.out_w + ox;
    for (int v = 0; v < kVecs; ++v) {
      for (int64_t p = 0; p < per_vec; ++p) {
        float sum = brep[0];
        for (int64_t c = 0; c < s.channels; ++c) sum += acc[v][p * s.channels + c];
        out[v * per_vec + p] = std::clamp(sum, s.out_min, s.out_max);
      }
    }
    return;
  }
  float* out = output + ((b * s.out_h + oy) * s.out_w + ox) * s.channels;
  for (int v = 0; v < kVecs; ++v) {
    Vec x = acc[v] < lo ? lo : acc[v];
    *reinterpret_cast<Vec*>(out + v * kLanes) = x > hi ? hi : x;
  }
}

}  // namespace

// Compiled once per instruction set; the loader picks the widest the CPU has.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void DepthwiseRows(const DepthwiseShape& s, const float* input, const float* weights,
                   const float* bias, float* output, int64_t row_begin, int64_t row_end) {
  // Output columns whose window lies inside the input row: [lo, hi).
  const int64_t span = (s.kernel_w - 1) * s.dilation_w;
  int64_t lo = (s.pad_left + s.stride_w - 1) / s.stride_w;
  int64_t hi =
      s.in_w - 1 - span + s.pad_left >= 0 ? (s.in_w - 1 - span + s.pad_left) / s.stride_w + 1 : 0;
  hi = std::min(hi, s.out_w);
  lo = std::min(lo, hi);
  const int64_t c_full = s.channels / kLanes * kLanes;
  if (DepthwisePacksPixels(s.stride_h, s.stride_w, s.channels)) {
    const int64_t per_vec = kLanes / s.channels;
    const int64_t taps = s.kernel_h * s.kernel_w;
    float on_stack[49 * kLanes];
    std::vector<float> on_heap;
    float* rep = on_stack;
    if (taps > 49) {
      on_heap.resize(static_cast<size_t>(taps * kLanes));
      rep = on_heap.data();
    }
    for (int64_t t = 0; t < taps; ++t) {
      for (int64_t l = 0; l < kLanes; ++l)
        rep[t * kLanes + l] = weights[t * s.channels + l % s.channels];
    }
    Vec brep{};  // in sum_channels mode lane 0 holds the one bias
    for (int64_t l = 0; l < kLanes; ++l) {
      brep[l] = bias == nullptr ? 0.0f : bias[s.sum_channels ? 0 : l % s.channels];
    }
    const Vec* wrep = reinterpret_cast<const Vec*>(rep);
    for (int64_t r = row_begin; r < row_end; ++r) {
      const int64_t b = r / s.out_h, oy = r % s.out_h;
      int64_t ox = lo;
      for (; ox + kPixels * per_vec <= hi; ox += kPixels * per_vec) {
        PackedPixels<kPixels>(s, input, wrep, brep, output, b, oy, ox);
      }
      for (; ox + per_vec <= hi; ox += per_vec) {
        PackedPixels<1>(s, input, wrep, brep, output, b, oy, ox);
      }
      General(s, input, weights, bias, output, b, oy, 0, lo);
      General(s, input, weights, bias, output, b, oy, ox, s.out_w);
    }
    return;
  }
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int64_t b = r / s.out_h, oy = r % s.out_h;
    const bool rows_inside = oy * s.stride_h - s.pad_top >= 0 &&
                             oy * s.stride_h - s.pad_top + (s.kernel_h - 1) * s.dilation_h < s.in_h;
    int64_t ox = lo;
    if (rows_inside && c_full == s.channels && !s.sum_channels) {
      for (; ox + kPixels <= hi; ox += kPixels) {
        Interior(s, input, weights, bias, output, b, oy, ox, c_full);
      }
    } else {
      ox = 0;
    }
    // Borders, the interior's last few pixels, and rows that touch the top or bottom padding.
    if (ox > 0) General(s, input, weights, bias, output, b, oy, 0, lo);
    General(s, input, weights, bias, output, b, oy, ox, s.out_w);
  }
}

}  // namespace mbench::runner
