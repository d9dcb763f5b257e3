// Max, average and global pooling on XNNPACK's operators (fp32, fp16, int8).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/plan_impl.h"

namespace mbench::runner {

Status Plan::Impl::Pool(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  if (x.ishape.size() != 4)
    return Status::Unsupported("layer '" + n.name + "': pooling of rank != 4");
  const Shape xi = x.ishape, yi = y.ishape;
  const int64_t c = xi[3];
  if (n.kind == OpKind::kGlobalAveragePool && st.int8()) {
    auto [qlo, qhi] = QuantRange(y, -kInf, kInf);
    if (y.unsigned8) {
      MBENCH_RETURN_IF_ERROR(Check(
          xnn_create_global_average_pooling_nwc_qu8(c, c, c, static_cast<uint8_t>(x.zero_point),
                                                    x.scale, static_cast<uint8_t>(y.zero_point),
                                                    y.scale, static_cast<uint8_t>(qlo),
                                                    static_cast<uint8_t>(qhi), 0, &st.op),
          n, "uint8 global average pooling create"));
      return Check(xnn_setup_global_average_pooling_nwc_qu8(st.op, xi[0], xi[1] * xi[2],
                                                            reinterpret_cast<const uint8_t*>(x.q8),
                                                            reinterpret_cast<uint8_t*>(y.q8), pool),
                   n, "uint8 global average pooling setup");
    }
    MBENCH_RETURN_IF_ERROR(Check(
        xnn_create_global_average_pooling_nwc_qs8(
            c, c, c, static_cast<int8_t>(x.zero_point), x.scale, static_cast<int8_t>(y.zero_point),
            y.scale, static_cast<int8_t>(qlo), static_cast<int8_t>(qhi), 0, &st.op),
        n, "int8 global average pooling create"));
    return Check(
        xnn_setup_global_average_pooling_nwc_qs8(st.op, xi[0], xi[1] * xi[2], x.q8, y.q8, pool), n,
        "int8 global average pooling setup");
  }
  if (n.kind == OpKind::kGlobalAveragePool) {
    const bool h = st.half();
    MBENCH_RETURN_IF_ERROR(
        Check(h ? xnn_create_global_average_pooling_nwc_f16(c, c, c, -kInf, kInf, 0, &st.op)
                : xnn_create_global_average_pooling_nwc_f32(c, c, c, -kInf, kInf, 0, &st.op),
              n, "global average pooling create"));
    const size_t width = static_cast<size_t>(xi[1] * xi[2]);
    return Check(
        h ? xnn_setup_global_average_pooling_nwc_f16(st.op, xi[0], width, x.half, y.half, pool)
          : xnn_setup_global_average_pooling_nwc_f32(st.op, xi[0], width, x.data, y.data, pool),
        n, "global average pooling setup");
  }
  if (n.kind == OpKind::kGlobalMaxPool) {
    float* in = x.data;
    float* out = y.data;
    int64_t batch = xi[0], hw = xi[1] * xi[2];
    st.plain = [in, out, batch, hw, c] {
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t ch = 0; ch < c; ++ch) out[b * c + ch] = -kInf;
        for (int64_t p = 0; p < hw; ++p)
          for (int64_t ch = 0; ch < c; ++ch)
            out[b * c + ch] = std::max(out[b * c + ch], in[(b * hw + p) * c + ch]);
      }
    };
    return Status::Ok();
  }
  auto ks = n.GetInts("kernel_shape");
  if (ks.size() != 2)
    return Status::Unsupported("layer '" + n.name + "': pooling without a 2-D kernel");
  auto strides = n.GetInts("strides");
  int64_t kh = ks[0], kw = ks[1];
  int64_t sh = strides.size() == 2 ? strides[0] : 1, sw = strides.size() == 2 ? strides[1] : 1;
  if (n.GetInt("adaptive", 0) != 0) {
    if (xi[1] % yi[1] != 0 || xi[2] % yi[2] != 0) {
      return Status::Unsupported("layer '" + n.name + "': adaptive pooling with uneven windows");
    }
    sh = xi[1] / yi[1];
    sw = xi[2] / yi[2];
    kh = sh;
    kw = sw;
  }
  auto dil = n.GetInts("dilations");
  int64_t dh = dil.size() == 2 ? dil[0] : 1, dw = dil.size() == 2 ? dil[1] : 1;
  if (n.kind == OpKind::kAveragePool && (dh != 1 || dw != 1)) {
    return Status::Unsupported("layer '" + n.name + "': dilated average pooling");
  }
  auto [pt, pb] = Pads(n, 0, xi[1], yi[1], kh, sh, dh);
  auto [pl, pr] = Pads(n, 1, xi[2], yi[2], kw, sw, dw);
  if (!WindowMatches(xi[1], yi[1], kh, sh, dh, pt, pb) ||
      !WindowMatches(xi[2], yi[2], kw, sw, dw, pl, pr) || xi[0] != yi[0] || xi[3] != yi[3]) {
    return Status::Unsupported("layer '" + n.name +
                               "': pooling geometry (ceil mode?) does not "
                               "give the model's output shape");
  }
  if (n.kind == OpKind::kAveragePool && n.GetInt("count_include_pad", 0) != 0 &&
      (pt || pb || pl || pr)) {
    return Status::Unsupported("layer '" + n.name + "': average pooling counting the padding");
  }
  auto [lo, hi] = FusedRange(n);
  if (kh == 1 && kw == 1 && !(pt || pb || pl || pr)) {
    // A 1x1 window (torchvision's adaptive pooling to the size it already has, exported as
    // AveragePool 1x1) is a strided copy; XNNPACK refuses pooling windows of one element.
    if (st.int8() || (st.half() && n.kind == OpKind::kMaxPool)) {
      return Status::Unsupported("layer '" + n.name + "': 1x1 pooling window in an " +
                                 (st.int8() ? "int8" : "fp16") + " plan");
    }
    const float* in = x.data;
    float* out = y.data;
    const int64_t batch = yi[0], oh = yi[1], ow = yi[2], ih = xi[1], iw = xi[2];
    // Plain copies of the bindings: clang 14 (the fuzz build) cannot capture structured ones.
    const float low = lo, high = hi;
    st.plain = [in, out, batch, oh, ow, ih, iw, c, sh, sw, low, high] {
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t oy = 0; oy < oh; ++oy) {
          for (int64_t ox = 0; ox < ow; ++ox) {
            const float* src = in + ((b * ih + oy * sh) * iw + ox * sw) * c;
            float* dst = out + ((b * oh + oy) * ow + ox) * c;
            for (int64_t ch = 0; ch < c; ++ch) dst[ch] = std::min(std::max(src[ch], low), high);
          }
        }
      }
    };
    return Status::Ok();
  }
  if (n.kind == OpKind::kMaxPool && st.int8()) {
    auto [qlo, qhi] = QuantRange(y, lo, hi);
    if (y.unsigned8) {
      MBENCH_RETURN_IF_ERROR(
          Check(xnn_create_max_pooling2d_nhwc_u8(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, c, c, c,
                                                 static_cast<uint8_t>(qlo),
                                                 static_cast<uint8_t>(qhi), 0, &st.op),
                n, "uint8 max pooling create"));
      return Check(xnn_setup_max_pooling2d_nhwc_u8(st.op, xi[0], xi[1], xi[2],
                                                   reinterpret_cast<const uint8_t*>(x.q8),
                                                   reinterpret_cast<uint8_t*>(y.q8), pool),
                   n, "uint8 max pooling setup");
    }
    MBENCH_RETURN_IF_ERROR(Check(xnn_create_max_pooling2d_nhwc_s8(
                                     pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, c, c, c,
                                     static_cast<int8_t>(qlo), static_cast<int8_t>(qhi), 0, &st.op),
                                 n, "int8 max pooling create"));
    return Check(xnn_setup_max_pooling2d_nhwc_s8(st.op, xi[0], xi[1], xi[2], x.q8, y.q8, pool), n,
                 "int8 max pooling setup");
  }
  if (n.kind == OpKind::kMaxPool) {
    const bool h = st.half();
    MBENCH_RETURN_IF_ERROR(
        Check(h ? xnn_create_max_pooling2d_nhwc_f16(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, c, c, c,
                                                    lo, hi, 0, &st.op)
                : xnn_create_max_pooling2d_nhwc_f32(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, c, c, c,
                                                    lo, hi, 0, &st.op),
              n, "max pooling create"));
    return Check(
        h ? xnn_setup_max_pooling2d_nhwc_f16(st.op, xi[0], xi[1], xi[2], x.half, y.half, pool)
          : xnn_setup_max_pooling2d_nhwc_f32(st.op, xi[0], xi[1], xi[2], x.data, y.data, pool),
        n, "max pooling setup");
  }
  MBENCH_RETURN_IF_ERROR(Check(xnn_create_average_pooling2d_nhwc_f32(pt, pr, pb, pl, kh, kw, sh, sw,
                                                                     c, c, c, lo, hi, 0, &st.op),
                               n, "average pooling create"));
  return Check(
      xnn_setup_average_pooling2d_nhwc_f32(st.op, xi[0], xi[1], xi[2], x.data, y.data, pool), n,
      "average pooling setup");
}

}  // namespace mbench::runner
