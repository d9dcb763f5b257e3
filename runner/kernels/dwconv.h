// Depthwise convolution for windows XNNPACK has no depthwise kernel for, and for maps with
// fewer channels than a vector holds.
//
// Debian's XNNPACK (2022) runs depthwise convolutions with up to 25 taps (3x3, 5x5) through
// dedicated kernels; a larger window (ProxylessNAS's and ConvNeXt's 7x7) falls back to a
// grouped GEMM with one channel per group, at a tenth of the 5x5 rate per MAC. Newer XNNPACK
// builds, the ones on phones, run any window through multi-pass depthwise kernels. This kernel
// stands in for those: NHWC, direct, vectorized across channels, or across pixels and channels
// together when there are fewer channels than lanes (DepthwisePacksPixels).
#ifndef MBENCH_RUNNER_KERNELS_DWCONV_H_
#define MBENCH_RUNNER_KERNELS_DWCONV_H_

#include <cstdint>

namespace mbench::runner {

// Taps above which the runner uses DepthwiseRows instead of XNNPACK.
inline constexpr int64_t kXnnpackDepthwiseMaxTaps = 25;

// Whether DepthwiseRows beats XNNPACK on a map of `pixels` output pixels with `channels`
// channels: one or two full vectors of channels over at least 56x56 pixels. XNNPACK reads such
// a layer through an indirection buffer of one pointer per pixel and tap (7 MB for 3x3 at
// 320x320) that is cold on every run; this kernel walks the rows. runner_bench: 3x3 over 16
// channels at 320x320 0.77 ms against 1.42, 32 at 112x112 0.18 against 0.24; with more
// channels or smaller maps XNNPACK is as fast or faster (96 at 112x112: 0.65 against 0.57).
inline bool DepthwiseWideMap(int64_t pixels, int64_t channels) {
  return (channels == 16 || channels == 32) && pixels >= 56 * 56;
}

// Whether DepthwiseRows packs several pixels into one vector: stride 1 and a channel count that
// divides 16. XNNPACK's avx512f depthwise kernels work on 16 channels at a time, so 8 channels
// leave half of each vector empty and 1 channel fifteen sixteenths; the runner takes those too.
inline bool DepthwisePacksPixels(int64_t stride_h, int64_t stride_w, int64_t channels) {
  return stride_h == 1 && stride_w == 1 && channels >= 1 && channels < 16 && 16 % channels == 0;
}

struct DepthwiseShape {
  int64_t batch = 1, in_h = 0, in_w = 0, channels = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t kernel_h = 0, kernel_w = 0;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // bottom and right follow from the output size
  float out_min = -3.402823466e38f, out_max = 3.402823466e38f;
  // A dense convolution with one output channel: the per-channel products are summed into a
  // single output value per pixel (output [batch][out_h][out_w], bias one value). Segmentation
  // masks and heatmaps end this way (MediaPipe pose: 3x3 over 8 channels at 256x256), where
  // XNNPACK's GEMM fills one lane of sixteen.
  bool sum_channels = false;
};

// Computes output rows [row_begin, row_end) of batch * out_h rows. `input` is
// [batch][in_h][in_w][channels], `weights` [kernel_h][kernel_w][channels], `bias` [channels] or
// null, `output` [batch][out_h][out_w][channels].
void DepthwiseRows(const DepthwiseShape& s, const float* input, const float* weights,
                   const float* bias, float* output, int64_t row_begin, int64_t row_end);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_KERNELS_DWCONV_H_
