// Transposed convolutions (decoders' upsampling) on XNNPACK's deconvolution operator.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/plan_impl.h"

namespace mbench::runner {

Status Plan::Impl::Deconv(const Node& n, Step& st) {
  // The activation is the non-constant input; the weight the 4-D constant; the bias a 1-D one.
  int32_t xt = -1, wt = -1, bt = -1;
  for (int32_t t : n.inputs) {
    if (t < 0) continue;
    if (!bufs[t].constant && xt < 0)
      xt = t;
    else if (bufs[t].constant && bufs[t].gshape.size() == 4 && wt < 0)
      wt = t;
    else if (bufs[t].constant && bufs[t].gshape.size() == 1 &&
             analyzer::IsFloatingPoint(graph->tensors[t].dtype))
      bt = t;  // not TFLite's output_shape
  }
  if (xt < 0 || wt < 0)
    return Status::Unsupported("layer '" + n.name + "': transposed conv inputs");
  const Buf& x = bufs[xt];
  const Buf& y = bufs[OutOf(n)];
  if (x.ishape.size() != 4)
    return Status::Unsupported("layer '" + n.name + "': transposed conv of rank != 4");
  const Shape xi = x.ishape, yi = y.ishape, w = G(wt);
  const bool nhwc_graph = graph->layout == analyzer::Layout::kNHWC;
  const int64_t cin = xi[3], cout = yi[3];
  int64_t kh, kw, groups;
  if (nhwc_graph) {  // TFLite: [O, kh, kw, I]
    kh = w[1];
    kw = w[2];
    groups = 1;
  } else {  // ONNX: [I, O/g, kh, kw]
    kh = w[2];
    kw = w[3];
    groups = n.GetInt("group", 1);
  }
  if (groups < 1 || cin % groups != 0 || cout % groups != 0) {
    return Status::Unsupported("layer '" + n.name + "': channel groups do not divide the channels");
  }
  const int64_t gi = cin / groups, go = cout / groups;
  auto strides = n.GetInts("strides");
  auto dil = n.GetInts("dilations");
  int64_t sh = strides.size() == 2 ? strides[0] : 1, sw = strides.size() == 2 ? strides[1] : 1;
  int64_t dh = dil.size() == 2 ? dil[0] : 1, dw = dil.size() == 2 ? dil[1] : 1;
  auto pads_for = [&](int dim, int64_t in, int64_t out, int64_t k, int64_t s, int64_t d,
                      int64_t* adjust) -> std::pair<int64_t, int64_t> {
    int64_t full = (in - 1) * s + d * (k - 1) + 1;
    *adjust = 0;
    auto pads = n.GetInts("pads");
    auto extra = n.GetInts("output_padding");
    int64_t op = extra.size() == 2 ? extra[dim] : 0;
    if (pads.size() == 4 && full + op - pads[dim] - pads[dim + 2] == out) {
      *adjust = op;
      return {pads[dim], pads[dim + 2]};
    }
    if (full < out) {
      *adjust = out - full;
      return {0, 0};
    }
    int64_t total = full - out;
    return {total / 2, total - total / 2};
  };
  int64_t ah = 0, aw = 0;
  auto [pt, pb] = pads_for(0, xi[1], yi[1], kh, sh, dh, &ah);
  auto [pl, pr] = pads_for(1, xi[2], yi[2], kw, sw, dw, &aw);
  if (ah >= sh || aw >= sw || xi[0] != yi[0] || Product(w) != cout * gi * kh * kw) {
    return Status::Unsupported("layer '" + n.name + "': transposed conv to " +
                               std::to_string(yi[1]) + "x" + std::to_string(yi[2]) +
                               " is not reachable with its stride and kernel");
  }
  const auto& src = Const(wt);
  std::vector<float> k(static_cast<size_t>(groups * go * kh * kw * gi));
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t o = 0; o < go; ++o)
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b)
          for (int64_t i = 0; i < gi; ++i) {
            size_t from = nhwc_graph
                              ? static_cast<size_t>((((g * go + o) * kh + a) * kw + b) * gi + i)
                              : static_cast<size_t>((((g * gi + i) * go + o) * kh + a) * kw + b);
            k[static_cast<size_t>((((g * go + o) * kh + a) * kw + b) * gi + i)] = src[from];
          }
  const float* bias = bt >= 0 && Product(G(bt)) == cout ? Const(bt).data() : nullptr;
  auto [lo, hi] = FusedRange(n);
  if (st.half()) {
    MBENCH_RETURN_IF_ERROR(Check(xnn_create_deconvolution2d_nhwc_f16(
                                     pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, groups, gi, go, cin,
                                     cout, PackedHalf(k.data(), static_cast<int64_t>(k.size())),
                                     PackedHalf(bias, cout), lo, hi, 0, &st.op),
                                 n, "fp16 deconvolution create"));
    return Check(xnn_setup_deconvolution2d_nhwc_f16(st.op, xi[0], xi[1], xi[2], ah, aw, x.half,
                                                    y.half, pool),
                 n, "fp16 deconvolution setup");
  }
  float* kp = Packed(std::move(k));
  MBENCH_RETURN_IF_ERROR(
      Check(xnn_create_deconvolution2d_nhwc_f32(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, groups, gi,
                                                go, cin, cout, kp, bias, lo, hi, 0, &st.op),
            n, "deconvolution create"));
  return Check(
      xnn_setup_deconvolution2d_nhwc_f32(st.op, xi[0], xi[1], xi[2], ah, aw, x.data, y.data, pool),
      n, "deconvolution setup");
}

}  // namespace mbench::runner
