// Constant padding and resizing (nearest and bilinear) of activations.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/kernels/permute.h"
#include "runner/plan_impl.h"

namespace mbench::runner {

Status Plan::Impl::Pad(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const float* in = x.data;
  float* out = y.data;
  std::string mode = n.GetString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge") {
    return Status::Unsupported("layer '" + n.name + "': pad mode " + mode);
  }
  const size_t r = x.gshape.size();
  std::vector<int64_t> pads = n.GetInts("pads");
  if (pads.size() != 2 * r && n.inputs.size() > 1 && n.inputs[1] >= 0) {
    pads = graph->tensors[n.inputs[1]].int_values;  // ONNX's pads input
  }
  if (pads.size() != 2 * r) return Status::Unsupported("layer '" + n.name + "': pads unknown");
  std::vector<size_t> pre(r), post(r), shape(r);
  for (size_t i = 0; i < r; ++i) {
    size_t gi = x.nhwc ? static_cast<size_t>(kNchwToNhwc[i]) : i;  // internal i is graph gi
    if (pads[gi] < 0 || pads[gi + r] < 0)
      return Status::Unsupported("layer '" + n.name + "': negative pads");
    pre[i] = static_cast<size_t>(pads[gi]);
    post[i] = static_cast<size_t>(pads[gi + r]);
    shape[i] = static_cast<size_t>(x.ishape[i]);
  }
  // The padded shape must be the model's: XNNPACK writes what the pads say.
  for (size_t i = 0; i < r; ++i) {
    if (static_cast<int64_t>(shape[i] + pre[i] + post[i]) != y.ishape[i]) {
      return Status::Unsupported("layer '" + n.name + "': pads " +
                                 analyzer::ShapeToString(x.gshape) + " -> " +
                                 analyzer::ShapeToString(y.gshape) +
                                 " do not give the model's "
                                 "output shape");
    }
  }
  if (mode != "constant") {
    // Reflect (mirror without repeating the edge) and edge (repeat it): every output element
    // reads one input element, found axis by axis.
    for (size_t i = 0; i < r; ++i) {
      if (shape[i] == 0 || (mode == "reflect" && (pre[i] >= shape[i] || post[i] >= shape[i]))) {
        return Status::Unsupported("layer '" + n.name + "': reflect pads as wide as the input");
      }
    }
    const bool reflect = mode == "reflect";
    const std::vector<size_t> xs = shape, before = pre;
    std::vector<size_t> ys(r);
    for (size_t i = 0; i < r; ++i) ys[i] = static_cast<size_t>(y.ishape[i]);
    st.plain = [in, out, xs, ys, before, reflect] {
      const size_t rank = xs.size();
      size_t total = 1;
      for (size_t d : ys) total *= d;
      std::vector<size_t> idx(rank, 0);
      for (size_t o = 0; o < total; ++o) {
        size_t from = 0;
        for (size_t a = 0; a < rank; ++a) {
          auto p = static_cast<int64_t>(idx[a]) - static_cast<int64_t>(before[a]);
          const auto len = static_cast<int64_t>(xs[a]);
          if (reflect) {
            if (p < 0) p = -p;
            if (p >= len) p = 2 * (len - 1) - p;
          } else {
            p = std::clamp<int64_t>(p, 0, len - 1);
          }
          from = from * xs[a] + static_cast<size_t>(p);
        }
        out[o] = in[from];
        for (size_t a = rank; a-- > 0;) {
          if (++idx[a] < ys[a]) break;
          idx[a] = 0;
        }
      }
    };
    return Status::Ok();
  }
  float value = static_cast<float>(n.GetFloat("value", 0.0));
  if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
    if (!bufs[n.inputs[2]].constant)
      return Status::Unsupported("layer '" + n.name + "': pad value given at run time");
    value = Const(n.inputs[2])[0];
  }
  // Inner dimensions without padding join the one outside them, so the copy runs over whole
  // rows: padding H and W of an NHWC image with 3 channels otherwise copies 12 bytes per call
  // (1 ms for MediaPipe Pose's 256x256 input).
  size_t rank = r;
  while (rank > 1 && pre[rank - 1] == 0 && post[rank - 1] == 0) {
    shape[rank - 2] *= shape[rank - 1];
    pre[rank - 2] *= shape[rank - 1];
    post[rank - 2] *= shape[rank - 1];
    --rank;
  }
  float* vp = Packed({value});
  MBENCH_RETURN_IF_ERROR(Check(xnn_create_constant_pad_nd_x32(vp, 0, &st.op), n, "pad create"));
  return Check(xnn_setup_constant_pad_nd_x32(st.op, rank, shape.data(), pre.data(), post.data(), in,
                                             out, pool),
               n, "pad setup");
}

// ConstantOfShape whose values the analyzer did not fold (a float fill): the output filled on
// every run (the arena is shared, so once at build time would not last).
Status Plan::Impl::Fill(const Node& n, Step& st) {
  const Buf& y = bufs[n.outputs[0]];
  float* out = y.data;
  const auto count = static_cast<size_t>(Product(y.ishape));
  const auto value = static_cast<float>(n.GetFloat("value", 0.0));
  st.plain = [out, count, value] { std::fill(out, out + count, value); };
  return Status::Ok();
}

Status Plan::Impl::Resize(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const float* in = x.data;
  float* out = y.data;
  if (!(x.nhwc || (graph->layout == analyzer::Layout::kNHWC && x.ishape.size() == 4))) {
    return Status::Unsupported("layer '" + n.name + "': resize of a non-image tensor");
  }
  const Shape xi = x.ishape, yi = y.ishape;
  if (xi[0] != yi[0] || xi[3] != yi[3])
    return Status::Unsupported("layer '" + n.name + "': resize of N or C");
  const std::string mode = n.GetString("mode", "nearest");
  const bool nearest = mode == "nearest";
  // TFLite's resize ops default to asymmetric coordinates and floor (no half-pixel centers).
  const bool tflite = graph->layout == analyzer::Layout::kNHWC;
  const std::string ctm =
      n.GetString("coordinate_transformation_mode", tflite ? "asymmetric" : "half_pixel");
  if (mode != "nearest" && mode != "linear") {
    return Status::Unsupported("layer '" + n.name + "': resize mode " + mode);
  }
  if (ctm != "half_pixel" && ctm != "pytorch_half_pixel" && ctm != "asymmetric" &&
      ctm != "align_corners" && (!nearest || ctm != "tf_half_pixel_for_nn")) {
    return Status::Unsupported("layer '" + n.name + "': resize coordinates " + ctm);
  }
  if (!nearest && ctm == "align_corners" && (yi[1] < xi[1] || yi[2] < xi[2])) {
    return Status::Unsupported("layer '" + n.name + "': align-corners downsampling");
  }
  const std::string nmode = n.GetString("nearest_mode", tflite ? "floor" : "round_prefer_floor");
  // Scale per axis: 1/scales when the model gives scales, else the size ratio.
  // Coordinates in double, as ONNX's reference computes them: in float, and with the fused
  // multiply-adds an aarch64 compiler makes of them, ties of nearest rounding went either way.
  double sy = static_cast<double>(xi[1]) / yi[1], sx = static_cast<double>(xi[2]) / yi[2];
  if (n.inputs.size() > 2 && n.inputs[2] >= 0 && bufs[n.inputs[2]].constant &&
      Product(G(n.inputs[2])) == 4) {
    const auto& sc = Const(n.inputs[2]);
    if (sc[2] > 0 && sc[3] > 0) {
      sy = 1.0 / sc[2];
      sx = 1.0 / sc[3];
    }
  }
  // 0 half_pixel, 1 asymmetric, 2 align_corners, 3 tf_half_pixel_for_nn, 4 pytorch_half_pixel
  // (half_pixel but 0 for an axis resized to one pixel).
  const int coords = ctm == "asymmetric"             ? 1
                     : ctm == "align_corners"        ? 2
                     : ctm == "tf_half_pixel_for_nn" ? 3
                     : ctm == "pytorch_half_pixel"   ? 4
                                                     : 0;
  // Bilinear at the size ratio in a convention XNNPACK has: its kernel (a few times faster than
  // the loop below).
  const bool ratio =
      std::abs(sy * yi[1] - xi[1]) <= 1e-5 * xi[1] && std::abs(sx * yi[2] - xi[2]) <= 1e-5 * xi[2];
  if (!nearest && ratio && (ctm != "pytorch_half_pixel" || (yi[1] > 1 && yi[2] > 1))) {
    const uint32_t flags = coords == 1   ? XNN_FLAG_TENSORFLOW_LEGACY_MODE
                           : coords == 2 ? XNN_FLAG_ALIGN_CORNERS
                                         : 0;
    const size_t c = static_cast<size_t>(xi[3]);
    MBENCH_RETURN_IF_ERROR(
        Check(xnn_create_resize_bilinear2d_nhwc_f32(c, c, c, flags, &st.op), n, "resize create"));
    return Check(xnn_setup_resize_bilinear2d_nhwc_f32(st.op, xi[0], xi[1], xi[2], yi[1], yi[2], in,
                                                      out, pool),
                 n, "resize setup");
  }
  const int rounding = nmode == "floor"               ? 0
                       : nmode == "ceil"              ? 1
                       : nmode == "round_prefer_ceil" ? 3
                                                      : 2;
  st.plain = [in, out, xi, yi, nearest, sy, sx, coords, rounding] {
    const int64_t c = xi[3];
    auto coord = [&](int64_t at, double s, int64_t in_len, int64_t out_len) {
      const auto a = static_cast<double>(at);
      if (coords == 1) return a * s;
      if (coords == 2)
        return out_len > 1 ? a * static_cast<double>(in_len - 1) / (out_len - 1) : 0.0;
      if (coords == 3) return (a + 0.5) * s;
      if (coords == 4 && out_len <= 1) return 0.0;
      return (a + 0.5) * s - 0.5;
    };
    auto pick = [&](double f, int64_t in_len) {
      double r;
      switch (rounding) {
        case 0: r = std::floor(f); break;
        case 1: r = std::ceil(f); break;
        case 3: r = f - std::floor(f) >= 0.5 ? std::ceil(f) : std::floor(f); break;
        default: r = f - std::floor(f) > 0.5 ? std::ceil(f) : std::floor(f); break;
      }
      return std::clamp<int64_t>(static_cast<int64_t>(r), 0, in_len - 1);
    };
    for (int64_t b = 0; b < yi[0]; ++b)
      for (int64_t oy = 0; oy < yi[1]; ++oy)
        for (int64_t ox = 0; ox < yi[2]; ++ox) {
          float* o = out + ((b * yi[1] + oy) * yi[2] + ox) * c;
          if (nearest) {
            int64_t iy = pick(coord(oy, sy, xi[1], yi[1]), xi[1]);
            int64_t ix = pick(coord(ox, sx, xi[2], yi[2]), xi[2]);
            std::memcpy(o, in + ((b * xi[1] + iy) * xi[2] + ix) * c, c * sizeof(float));
            continue;
          }
          // Bilinear in the model's coordinate convention.
          auto src = [&](int64_t at, double s, int64_t in_len, int64_t out_len) {
            return static_cast<float>(
                std::clamp(coord(at, s, in_len, out_len), 0.0, static_cast<double>(in_len - 1)));
          };
          float fy = src(oy, sy, xi[1], yi[1]);
          float fx = src(ox, sx, xi[2], yi[2]);
          int64_t y0 = static_cast<int64_t>(fy), x0 = static_cast<int64_t>(fx);
          int64_t y1 = std::min(y0 + 1, xi[1] - 1), x1 = std::min(x0 + 1, xi[2] - 1);
          float wy = fy - y0, wx = fx - x0;
          const float* p00 = in + ((b * xi[1] + y0) * xi[2] + x0) * c;
          const float* p01 = in + ((b * xi[1] + y0) * xi[2] + x1) * c;
          const float* p10 = in + ((b * xi[1] + y1) * xi[2] + x0) * c;
          const float* p11 = in + ((b * xi[1] + y1) * xi[2] + x1) * c;
          for (int64_t ch = 0; ch < c; ++ch) {
            o[ch] = (1 - wy) * ((1 - wx) * p00[ch] + wx * p01[ch]) +
                    wy * ((1 - wx) * p10[ch] + wx * p11[ch]);
          }
        }
  };
  return Status::Ok();
}

}  // namespace mbench::runner
