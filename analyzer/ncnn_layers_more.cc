// ncnn's rarer layer types, so that every layer ncnn ships is counted (kLayers in
// ncnn_layers.cc lists them): 3-D convolution and pooling, 1-D pooling, deformable convolution,
// im2col (Unfold) and col2im (Fold), detection heads, sampling, signal processing, einsum.
// Parameter ids are the ones each layer's load_param reads.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>

#include "analyzer/ncnn_internal.h"

namespace mbench::analyzer::ncnn {

// ncnn's pooled size along one axis: pad_mode 0 full padding (ceil), 1 valid, 2/3 SAME.
int64_t PoolOut(int64_t in, int64_t k, int64_t s, int64_t lo, int64_t hi, int64_t mode) {
  if (s <= 0 || k <= 0) return -1;
  if (mode == 2 || mode == 3) return (in + s - 1) / s;
  int64_t span = in + lo + hi - k;
  if (span < 0) return -1;
  if (mode == 0 && span % s != 0) span += s - span % s;
  return span / s + 1;
}

// Convolution3D, ConvolutionDepthWise3D, Deconvolution3D, DeconvolutionDepthWise3D over a
// [c, d, h, w] blob: 0 num_output, 1/11/21 kernel w/h/d, 2/12/22 dilation, 3/13/23 stride,
// 4/15 pad left/right, 14/16 top/bottom, 24/17 front/behind, 5 bias, 6 weight_data_size,
// 7 group, 9 activation; deconvolution: 18/19/20 output pad right/bottom/behind, 25/26/27
// output w/h/d.
Status Converter::Conv3D(const NcnnLayer& l, const std::vector<NShape>& in,
                         std::vector<NShape>* out, Node* node) {
  const bool deconv = l.type.rfind("Deconvolution", 0) == 0;
  const NShape& x = in[0];
  if (x.dims != 4) return Fail(l, "expects a 4-D [c, d, h, w] input, got " + x.ToString());
  const int64_t num_output = l.I(0, 0);
  const int64_t kw = l.I(1, 0), kh = l.I(11, kw), kd = l.I(21, kw);
  const int64_t dw = l.I(2, 1), dh = l.I(12, dw), dd = l.I(22, dw);
  const int64_t sw = l.I(3, 1), sh = l.I(13, sw), sd = l.I(23, sw);
  const int64_t pl = l.I(4, 0), pr = l.I(15, pl), pt = l.I(14, pl), pb = l.I(16, pt);
  const int64_t pf = l.I(24, pl), pbh = l.I(17, pf);
  const int64_t group = std::max<int64_t>(1, l.I(7, 1));
  if (num_output <= 0 || kw <= 0 || kh <= 0 || kd <= 0) {
    return Fail(l, "num_output and kernel must be >= 1");
  }
  if (x.c % group != 0 || num_output % group != 0) {
    return Fail(l, "group " + std::to_string(group) + " does not divide the " +
                       std::to_string(x.c) + " input and " + std::to_string(num_output) +
                       " output channels");
  }
  int64_t ow, oh, od;
  if (deconv) {
    const int64_t opr = l.I(18, 0), opb = l.I(19, opr), opbh = l.I(20, opr);
    const int64_t out_w = l.I(25, 0), out_h = l.I(26, out_w), out_d = l.I(27, out_w);
    auto size = [](int64_t given, int64_t in_size, int64_t s, int64_t dil, int64_t k, int64_t lo,
                   int64_t hi, int64_t extra) {
      return given > 0 ? given : (in_size - 1) * s + dil * (k - 1) + 1 - lo - hi + extra;
    };
    ow = size(out_w, x.w, sw, dw, kw, pl, pr, opr);
    oh = size(out_h, x.h, sh, dh, kh, pt, pb, opb);
    od = size(out_d, x.d, sd, dd, kd, pf, pbh, opbh);
  } else {
    ow = ConvOut(x.w, kw, dw, sw, pl, pr);
    oh = ConvOut(x.h, kh, dh, sh, pt, pb);
    od = ConvOut(x.d, kd, dd, sd, pf, pbh);
  }
  if (ow <= 0 || oh <= 0 || od <= 0) {
    return Fail(l, "kernel larger than the padded input " + x.ToString());
  }
  out->push_back(NShape{4, ow, oh, od, num_output});
  node->attrs["kernel_shape"] = std::vector<int64_t>{kd, kh, kw};
  node->attrs["strides"] = std::vector<int64_t>{sd, sh, sw};
  node->attrs["dilations"] = std::vector<int64_t>{dd, dh, dw};
  node->attrs["group"] = group;
  if (!deconv && group > 1 && group == x.c && group == num_output) {
    node->kind = OpKind::kDepthwiseConv;
  }
  Shape wshape = deconv ? Shape{x.c, num_output / group, kd, kh, kw}
                        : Shape{num_output, x.c / group, kd, kh, kw};
  const int64_t stored = l.I(6, 0);
  if (stored > 0 && stored != num_output * (x.c / group) * kd * kh * kw) wshape = Shape{stored};
  node->inputs.push_back(AddWeight(l, "weight", wshape, DType::kFloat32, /*tagged=*/true));
  node->inputs.push_back(l.I(5, 0) ? AddWeight(l, "bias", {num_output}, DType::kFloat32) : -1);
  if (const char* act = FusedActivation(l.I(9, 0)))
    node->attrs["fused_activation"] = std::string(act);
  return Status::Ok();
}

// DeformableConv2D (x, offset[, mask]): a convolution whose taps are sampled at learned
// offsets. Parameters and weights as Convolution's; the MACs are the convolution's (the
// bilinear sampling, about 2 * 9 / num_output of them, is not counted). The offset and mask
// stay inputs after the weights, so the blobs that make them are live until it runs.
Status Converter::DeformableConv(const NcnnLayer& l, const std::vector<NShape>& in,
                                 std::vector<NShape>* out, Node* node) {
  MBENCH_RETURN_IF_ERROR(NeedInputs(l, in, 2));
  const std::vector<int32_t> bottoms = node->inputs;
  node->inputs = {bottoms[0]};
  MBENCH_RETURN_IF_ERROR(ConvertConv(l, in[0], out, node));
  node->inputs.insert(node->inputs.end(), bottoms.begin() + 1, bottoms.end());
  return Status::Ok();
}

// Pooling1D over [h channels of w]: 0 type, 1 kernel, 2 stride, 3/14 pad left/right,
// 4 global, 5 pad_mode, 7 adaptive, 8 out_w.
Status Converter::Pooling1D(const NcnnLayer& l, const std::vector<NShape>& in,
                            std::vector<NShape>* out, Node* node) {
  const NShape& x = in[0];
  const bool avg = l.I(0, 0) == 1;
  if (x.dims != 2) return Fail(l, "expects a 2-D [channels, width] input, got " + x.ToString());
  if (l.I(4, 0)) {
    node->kind = avg ? OpKind::kGlobalAveragePool : OpKind::kGlobalMaxPool;
    out->push_back(NShape::D1(x.h));
    return Status::Ok();
  }
  node->kind = avg ? OpKind::kAveragePool : OpKind::kMaxPool;
  int64_t kw = l.I(1, 0), ow;
  if (l.I(7, 0)) {
    ow = l.I(8, 0);
    kw = ow > 0 ? (x.w + ow - 1) / ow : 0;
  } else {
    const int64_t pl = l.I(3, 0);
    ow = PoolOut(x.w, kw, l.I(2, 1), pl, l.I(14, pl), l.I(5, 0));
  }
  if (ow <= 0 || kw <= 0) return Fail(l, "window larger than the padded input " + x.ToString());
  node->attrs["kernel_shape"] = std::vector<int64_t>{kw};
  out->push_back(NShape::D2(ow, x.h));
  return Status::Ok();
}

// Pooling3D over [c, d, h, w]: 0 type, 1/11/21 kernel w/h/d, 2/12/22 stride, 3/14 pad
// left/right, 13/15 top/bottom, 23/16 front/behind, 4 global, 5 pad_mode, 7 adaptive,
// 8/18/28 out w/h/d.
Status Converter::Pooling3D(const NcnnLayer& l, const std::vector<NShape>& in,
                            std::vector<NShape>* out, Node* node) {
  const NShape& x = in[0];
  const bool avg = l.I(0, 0) == 1;
  if (x.dims != 4) return Fail(l, "expects a 4-D [c, d, h, w] input, got " + x.ToString());
  if (l.I(4, 0)) {
    node->kind = avg ? OpKind::kGlobalAveragePool : OpKind::kGlobalMaxPool;
    out->push_back(NShape::D1(x.c));
    return Status::Ok();
  }
  node->kind = avg ? OpKind::kAveragePool : OpKind::kMaxPool;
  int64_t kw = l.I(1, 0), kh = l.I(11, kw), kd = l.I(21, kw), ow, oh, od;
  if (l.I(7, 0)) {
    ow = l.I(8, 0);
    oh = l.I(18, ow);
    od = l.I(28, ow);
    kw = ow > 0 ? (x.w + ow - 1) / ow : 0;
    kh = oh > 0 ? (x.h + oh - 1) / oh : 0;
    kd = od > 0 ? (x.d + od - 1) / od : 0;
  } else {
    const int64_t sw = l.I(2, 1), sh = l.I(12, sw), sd = l.I(22, sw), mode = l.I(5, 0);
    const int64_t pl = l.I(3, 0), pr = l.I(14, pl), pt = l.I(13, pl), pb = l.I(15, pt);
    const int64_t pf = l.I(23, pl), pbh = l.I(16, pf);
    ow = PoolOut(x.w, kw, sw, pl, pr, mode);
    oh = PoolOut(x.h, kh, sh, pt, pb, mode);
    od = PoolOut(x.d, kd, sd, pf, pbh, mode);
  }
  if (ow <= 0 || oh <= 0 || od <= 0 || kw <= 0 || kh <= 0 || kd <= 0) {
    return Fail(l, "window larger than the padded input " + x.ToString());
  }
  node->attrs["kernel_shape"] = std::vector<int64_t>{kd, kh, kw};
  out->push_back(NShape{4, ow, oh, od, x.c});
  return Status::Ok();
}

// GLU: 0 axis; halves that axis (the first half times the sigmoid of the second).
Status Converter::Glu(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                      Node* /*node*/) {
  NShape y = in[0];
  int64_t* size = y.Axis(static_cast<int>(l.I(0, 0)));
  if (size == nullptr || *size % 2 != 0) {
    return Fail(l, "axis " + std::to_string(l.I(0, 0)) + " of " + in[0].ToString() +
                       " is not there or not of even size");
  }
  *size /= 2;
  out->push_back(y);
  return Status::Ok();
}

// CopyTo (self, src): src copied into a region of self; the output is self's shape.
Status Converter::CopyTo(const NcnnLayer& l, const std::vector<NShape>& in,
                         std::vector<NShape>* out, Node* /*node*/) {
  MBENCH_RETURN_IF_ERROR(NeedInputs(l, in, 2));
  out->push_back(in[0]);
  return Status::Ok();
}

// Diag: 0 diagonal. A vector becomes the square matrix with it on that diagonal; a matrix
// gives its diagonal.
Status Converter::Diag(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* /*node*/) {
  const NShape& x = in[0];
  const int64_t d = l.I(0, 0);
  if (x.dims == 1) {
    const int64_t n = x.w + std::abs(d);
    out->push_back(NShape::D2(n, n));
    return Status::Ok();
  }
  if (x.dims == 2) {
    const int64_t len = d >= 0 ? std::min(x.w - d, x.h) : std::min(x.w, x.h + d);
    if (len <= 0) return Fail(l, "diagonal " + std::to_string(d) + " is outside " + x.ToString());
    out->push_back(NShape::D1(len));
    return Status::Ok();
  }
  return Fail(l, "expects a 1-D or 2-D input, got " + x.ToString());
}

namespace {

// Unfold's and Fold's window: 1/11 kernel w/h, 2/12 dilation, 3/13 stride, 4/15 pad
// left/right, 14/16 top/bottom. The number of positions along w and h for an input of w x h.
struct Window {
  int64_t kw, kh, dw, dh, sw, sh, pl, pr, pt, pb;
  explicit Window(const NcnnLayer& l)
      : kw(l.I(1, 0)),
        kh(l.I(11, kw)),
        dw(l.I(2, 1)),
        dh(l.I(12, dw)),
        sw(l.I(3, 1)),
        sh(l.I(13, sw)),
        pl(l.I(4, 0)),
        pr(l.I(15, pl)),
        pt(l.I(14, pl)),
        pb(l.I(16, pt)) {}
  int64_t Across(int64_t w) const { return ConvOut(w, kw, dw, sw, pl, pr); }
  int64_t Down(int64_t h) const { return ConvOut(h, kh, dh, sh, pt, pb); }
};

}  // namespace

// Unfold (im2col): [c, h, w] to [c * kh * kw, positions].
Status Converter::Unfold(const NcnnLayer& l, const std::vector<NShape>& in,
                         std::vector<NShape>* out, Node* /*node*/) {
  const NShape& x = in[0];
  const Window win(l);
  if (x.dims != 3) return Fail(l, "expects a 3-D input, got " + x.ToString());
  if (win.kw <= 0 || win.kh <= 0) return Fail(l, "kernel must be >= 1");
  const int64_t ow = win.Across(x.w), oh = win.Down(x.h);
  if (ow <= 0 || oh <= 0) return Fail(l, "kernel larger than the padded input " + x.ToString());
  out->push_back(NShape::D2(ow * oh, x.c * win.kw * win.kh));
  return Status::Ok();
}

// Fold (col2im): [c * kh * kw, positions] to [c, output_h, output_w] (20/21 output w/h).
Status Converter::Fold(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* /*node*/) {
  const NShape& x = in[0];
  const Window win(l);
  const int64_t out_w = l.I(20, 0), out_h = l.I(21, out_w);
  if (x.dims != 2) return Fail(l, "expects a 2-D input, got " + x.ToString());
  if (win.kw <= 0 || win.kh <= 0 || out_w <= 0 || out_h <= 0) {
    return Fail(l, "kernel and output size must be >= 1");
  }
  const int64_t taps = win.kw * win.kh;
  if (x.h % taps != 0 || win.Across(out_w) * win.Down(out_h) != x.w) {
    return Fail(l, x.ToString() + " is not the columns of a " + std::to_string(out_h) + "x" +
                       std::to_string(out_w) + " map with a " + std::to_string(win.kh) + "x" +
                       std::to_string(win.kw) + " window");
  }
  out->push_back(NShape::D3(out_w, out_h, x.h / taps));
  return Status::Ok();
}

// GridSample (x, grid): 0 sample type (1 bilinear, 2 nearest, 3 bicubic), 3 permute_fusion.
// The grid is [out_h, out_w, 2] (or [out_d, out_h, out_w, 3]) with the coordinate innermost,
// or with permute_fusion its coordinate axis outermost.
Status Converter::GridSample(const NcnnLayer& l, const std::vector<NShape>& in,
                             std::vector<NShape>* out, Node* node) {
  MBENCH_RETURN_IF_ERROR(NeedInputs(l, in, 2));
  const NShape& x = in[0];
  const NShape& g = in[1];
  const bool fused = l.I(3, 0) != 0;
  const int64_t type = l.I(0, 1);
  node->attrs["mode"] = std::string(type == 2 ? "nearest" : type == 3 ? "cubic" : "linear");
  if (x.dims == 3 && g.dims == 3 && (fused ? g.c == 2 : g.w == 2)) {
    out->push_back(fused ? NShape::D3(g.w, g.h, x.c) : NShape::D3(g.h, g.c, x.c));
    return Status::Ok();
  }
  if (x.dims == 4 && g.dims == 4 && (fused ? g.c == 3 : g.w == 3)) {
    out->push_back(fused ? NShape{4, g.w, g.h, g.d, x.c} : NShape{4, g.h, g.d, g.c, x.c});
    return Status::Ok();
  }
  return Fail(l, "grid " + g.ToString() + " does not fit input " + x.ToString());
}

// SPP: 0 pooling type, 1 pyramid height. Level i pools the map into 2^i x 2^i bins; the
// output is every bin of every level, per channel. Counted as one global pooling (each level
// reads the map once, so the reads are the height times that).
Status Converter::Spp(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                      Node* node) {
  const NShape& x = in[0];
  const int64_t height = l.I(1, 0);
  if (x.dims != 3) return Fail(l, "expects a 3-D input, got " + x.ToString());
  if (height < 1 || height > 12) return Fail(l, "pyramid height must be 1 to 12");
  if (l.I(0, 0) == 1) node->kind = OpKind::kGlobalAveragePool;
  const int64_t bins = ((int64_t{1} << (2 * height)) - 1) / 3;  // 1 + 4 + 16 + ...
  out->push_back(NShape::D1(x.c * bins));
  return Status::Ok();
}

// StatisticsPooling: 0 include_stddev. Each channel's mean (and standard deviation).
Status Converter::StatisticsPooling(const NcnnLayer& l, const std::vector<NShape>& in,
                                    std::vector<NShape>* out, Node* /*node*/) {
  const NShape& x = in[0];
  if (x.dims != 3) return Fail(l, "expects a 3-D input, got " + x.ToString());
  out->push_back(NShape::D1(x.c * (l.I(0, 0) ? 2 : 1)));
  return Status::Ok();
}

// ROIAlign, ROIPooling, PSROIPooling (features, roi): 0/1 pooled w/h; PSROIPooling's 3
// output_dim takes output_dim * pooled_h * pooled_w position-sensitive channels.
Status Converter::RoiPool(const NcnnLayer& l, const std::vector<NShape>& in,
                          std::vector<NShape>* out, Node* /*node*/) {
  MBENCH_RETURN_IF_ERROR(NeedInputs(l, in, 2));
  const NShape& x = in[0];
  const int64_t pw = l.I(0, 0), ph = l.I(1, 0);
  if (x.dims != 3) return Fail(l, "expects 3-D features, got " + x.ToString());
  if (pw <= 0 || ph <= 0) return Fail(l, "pooled width and height must be >= 1");
  int64_t channels = x.c;
  if (l.type == "PSROIPooling") {
    channels = l.I(3, 0);
    if (channels <= 0 || channels * pw * ph != x.c) {
      return Fail(l, "output_dim " + std::to_string(channels) + " x " + std::to_string(ph) + "x" +
                         std::to_string(pw) + " bins is not the " + std::to_string(x.c) +
                         " feature channels");
    }
  }
  out->push_back(NShape::D3(pw, ph, channels));
  return Status::Ok();
}

// Proposal (scores, deltas, im_info): 3 post_nms_topN boxes at most, [boxes, 1, 4].
Status Converter::Proposal(const NcnnLayer& l, const std::vector<NShape>& in,
                           std::vector<NShape>* out, Node* /*node*/) {
  MBENCH_RETURN_IF_ERROR(NeedInputs(l, in, 3));
  const int64_t boxes = l.I(3, 300);
  if (boxes <= 0) return Fail(l, "post_nms_topN must be >= 1");
  out->push_back(NShape::D3(4, 1, boxes));
  return Status::Ok();
}

// Spectrogram: a 1-D signal to [freqs, frames, 2] (complex) or [freqs, frames] (power > 0);
// 0 n_fft, 1 power, 2 hop length, 5 center, 8 onesided. InverseSpectrogram: [freqs, frames, 2]
// back to a signal, [outsize, 2] (1 returns = 0, complex) or [outsize]; 0 n_fft, 2 hop length,
// 5 center. mbench has no op for a DFT: the node states its work, a multiply-accumulate per
// sample, frequency and frame for the real and the imaginary part, as ncnn computes it.
Status Converter::Spectrogram(const NcnnLayer& l, const std::vector<NShape>& in,
                              std::vector<NShape>* out, Node* node) {
  const NShape& x = in[0];
  const int64_t n_fft = l.I(0, 0), hop = l.I(2, n_fft / 4);
  const bool center = l.I(5, 1) != 0;
  if (n_fft <= 0 || hop <= 0) return Fail(l, "n_fft and hop length must be >= 1");
  int64_t frames, freqs;
  if (l.type == "Spectrogram") {
    if (x.dims != 1) return Fail(l, "expects a 1-D signal, got " + x.ToString());
    const int64_t padded = x.w + (center ? n_fft / 2 * 2 : 0);
    if (padded < n_fft) return Fail(l, "signal " + x.ToString() + " is shorter than n_fft");
    frames = (padded - n_fft) / hop + 1;
    freqs = l.I(8, 1) ? n_fft / 2 + 1 : n_fft;
    out->push_back(l.I(1, 0) ? NShape::D2(frames, freqs) : NShape::D3(2, frames, freqs));
  } else {
    if (x.dims != 3 || x.w != 2) {
      return Fail(l, "expects a [freqs, frames, 2] spectrum, got " + x.ToString());
    }
    frames = x.h;
    freqs = x.c;
    const int64_t outsize =
        center ? (frames - 1) * hop + (n_fft - n_fft / 2 * 2) : (frames - 1) * hop + n_fft;
    if (outsize <= 0) return Fail(l, "no output samples from " + x.ToString());
    out->push_back(l.I(1, 0) == 0 ? NShape::D2(2, outsize) : NShape::D1(outsize));
  }
  node->attrs["stated_macs"] = 2 * frames * freqs * n_fft;
  node->attrs["stated_by"] = std::string("a direct DFT: n_fft per frequency and frame, twice");
  node->attrs["ncnn_layer"] = int64_t{1};
  return Status::Ok();
}

// Einsum: 0 the equation, as character codes ("ij,jk->ik"). Letters name ncnn's axes outermost
// first. The equation the analyzer counts gets a batch letter for the blobs the graph shows
// with a leading 1 (3-D and 4-D ones).
Status Converter::Einsum(const NcnnLayer& l, const std::vector<NShape>& in,
                         std::vector<NShape>* out, Node* node) {
  std::string eq;
  for (int64_t c : l.Ints(0)) {
    if (c <= 0 || c > 127) return Fail(l, "equation holds a character code " + std::to_string(c));
    eq += static_cast<char>(c);
  }
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  const size_t arrow = eq.find("->");
  if (arrow == std::string::npos || eq.find("...") != std::string::npos) {
    return Fail(l, "equation '" + eq + "' needs an explicit output (->) and no ellipsis");
  }
  std::vector<std::string> terms;
  for (size_t pos = 0; pos <= arrow;) {
    const size_t comma = std::min(eq.find(',', pos), arrow);
    terms.push_back(eq.substr(pos, comma - pos));
    pos = comma + 1;
  }
  const std::string result = eq.substr(arrow + 2);
  if (terms.size() != in.size()) {
    return Fail(l, "equation '" + eq + "' has " + std::to_string(terms.size()) + " operands for " +
                       std::to_string(in.size()) + " inputs");
  }
  std::map<char, int64_t> size;
  std::string counted;
  for (size_t i = 0; i < terms.size(); ++i) {
    const std::vector<int64_t> dims = in[i].ToList();
    if (dims.size() != terms[i].size()) {
      return Fail(l, "operand '" + terms[i] + "' does not match input " + in[i].ToString());
    }
    for (size_t k = 0; k < dims.size(); ++k) {
      auto [it, fresh] = size.emplace(terms[i][k], dims[k]);
      if (!fresh && it->second != dims[k] && it->second != 1 && dims[k] != 1) {
        return Fail(l, std::string("letter '") + terms[i][k] + "' is " +
                           std::to_string(it->second) + " and " + std::to_string(dims[k]));
      }
      it->second = std::max(it->second, dims[k]);
    }
    counted += (i ? "," : "") + std::string(in[i].dims >= 3 ? "#" : "") + terms[i];
  }
  std::vector<int64_t> dims;
  for (char c : result) {
    if (!size.count(c)) return Fail(l, std::string("output letter '") + c + "' is in no operand");
    dims.push_back(size[c]);
  }
  std::optional<NShape> y = NShape::FromList(dims);
  if (!y) return Fail(l, "output '" + result + "' must have 1 to 4 axes");
  out->push_back(*y);
  node->attrs["equation"] = counted + "->" + (y->dims >= 3 ? "#" : "") + result;
  return Status::Ok();
}

}  // namespace mbench::analyzer::ncnn
