// Reductions (mean, sum, max, min over any axes) and pow with a scalar exponent.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/kernels/permute.h"
#include "runner/plan_impl.h"

namespace mbench::runner {

Status Plan::Impl::Reduce(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  if (n.kind == OpKind::kPow) {
    int32_t e = n.inputs.size() > 1 ? n.inputs[1] : -1;
    if (e < 0 || !bufs[e].constant || Product(G(e)) != 1 || y.ishape != x.ishape) {
      return Status::Unsupported("layer '" + n.name + "': pow with a non-scalar exponent");
    }
    const float ex = Const(e)[0];
    const float* in = x.data;
    float* out = y.data;
    const int64_t total = Product(x.ishape);
    st.plain = [in, out, total, ex] {
      for (int64_t i = 0; i < total; ++i) out[i] = ex == 2.0f ? in[i] * in[i] : std::pow(in[i], ex);
    };
    return Status::Ok();
  }
  const size_t r = x.gshape.size();
  std::vector<int64_t> axes = n.GetInts("axes");
  if (axes.empty() && n.inputs.size() > 1 && n.inputs[1] >= 0 &&
      graph->tensors[n.inputs[1]].has_values) {
    axes = graph->tensors[n.inputs[1]].int_values;
  }
  std::vector<char> reduce(r, axes.empty() ? 1 : 0);
  for (int64_t a : axes) reduce[NormAxis(a, r)] = 1;
  if (r > kMaxRank) return Status::Unsupported("layer '" + n.name + "': rank above 8");
  // Output strides in the model's order, with reduced dims contributing nothing.
  std::vector<int64_t> out_stride(r, 0);
  int64_t stride = 1;
  for (size_t i = r; i-- > 0;) {
    if (!reduce[i]) {
      out_stride[i] = stride;
      stride *= x.gshape[i];
    }
  }
  int64_t count = 1;
  for (size_t i = 0; i < r; ++i) {
    if (reduce[i]) count *= x.gshape[i];
  }
  const int64_t in_total = Product(x.gshape), out_total = Product(y.gshape);
  if (out_total != stride) return Status::Unsupported("layer '" + n.name + "': reduction shape");
  if (ReduceInPlace(n, reduce, count, st)) return Status::Ok();
  std::vector<float>* scratch = &packed.emplace_back(static_cast<size_t>(in_total + out_total));
  const float* in = x.data;
  float* out = y.data;
  const Shape gs = x.gshape, xs = x.ishape, ys = y.gshape;
  const bool xn = x.nhwc, yn = y.nhwc;
  const OpKind kind = n.kind;
  st.plain = [=] {
    float* a = scratch->data();
    float* o = a + in_total;
    const float* src = in;
    if (xn) {
      Permute(in, xs, kNhwcToNchw, a);
      src = a;
    }
    const float init = kind == OpKind::kReduceMax   ? -kInf
                       : kind == OpKind::kReduceMin ? kInf
                                                    : 0.0f;
    for (int64_t i = 0; i < out_total; ++i) o[i] = init;
    int64_t idx[kMaxRank] = {};
    for (int64_t i = 0; i < in_total; ++i) {
      int64_t oi = 0;
      for (size_t d = 0; d < r; ++d) oi += idx[d] * out_stride[d];
      float v = src[i];
      if (kind == OpKind::kReduceMax)
        o[oi] = std::max(o[oi], v);
      else if (kind == OpKind::kReduceMin)
        o[oi] = std::min(o[oi], v);
      else
        o[oi] += v;
      for (size_t d = r; d > 0; --d) {
        if (++idx[d - 1] < gs[d - 1]) break;
        idx[d - 1] = 0;
      }
    }
    if (kind == OpKind::kReduceMean) {
      for (int64_t i = 0; i < out_total; ++i) o[i] /= static_cast<float>(count);
    }
    if (yn) {
      Permute(o, ys, kNchwToNhwc, out);
    } else {
      std::memcpy(out, o, static_cast<size_t>(out_total) * sizeof(float));
    }
  };
  return Status::Ok();
}

// A reduction whose reduced axes are one run in the stored layout, with the kept axes in the
// same order in the output: [outer][mid][inner] -> [outer][inner], read once in place, with
// no permutation and no per-element index arithmetic. TFLite's MEAN over H and W (its global
// average pooling) is one: it took 0.29 ms on a 144x256x16 map through the general path and
// takes a fortieth of that here. Returns false when the layout does not fit.
bool Plan::Impl::ReduceInPlace(const Node& n, const std::vector<char>& reduce, int64_t count,
                               Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const size_t r = x.gshape.size(), ry = y.gshape.size();
  // Model axes of x in stored order, and y's axes as axes of x.
  auto stored = [](bool nhwc, size_t rank) {
    std::vector<size_t> order(rank);
    for (size_t i = 0; i < rank; ++i) order[i] = i;
    if (nhwc && rank == 4) order = {0, 2, 3, 1};
    return order;
  };
  std::vector<size_t> kept_axes;
  for (size_t a = 0; a < r; ++a) {
    if (!reduce[a]) kept_axes.push_back(a);
  }
  if (ry != r && ry != kept_axes.size()) return false;
  auto matters = [&](size_t a) { return x.gshape[a] > 1; };
  std::vector<size_t> x_kept, y_kept;
  for (size_t a : stored(x.nhwc, r)) {
    if (!reduce[a] && matters(a)) x_kept.push_back(a);
  }
  for (size_t j : stored(y.nhwc, ry)) {
    const size_t a = ry == r ? j : kept_axes[j];
    if (!reduce[a] && matters(a)) y_kept.push_back(a);
  }
  if (x_kept != y_kept) return false;
  // The reduced axes (of extent above 1) must be one run of the stored order.
  const std::vector<size_t> xo = stored(x.nhwc, r);
  int first = -1, last = -1;
  for (size_t p = 0; p < r; ++p) {
    if (reduce[xo[p]] && matters(xo[p])) {
      if (first < 0) first = static_cast<int>(p);
      last = static_cast<int>(p);
    }
  }
  if (first < 0) return false;
  int64_t outer = 1, mid = 1, inner = 1;
  for (size_t p = 0; p < r; ++p) {
    const int64_t e = x.gshape[xo[p]];
    const int ip = static_cast<int>(p);
    if (ip < first)
      outer *= e;
    else if (ip > last)
      inner *= e;
    else if (!reduce[xo[p]] && e > 1)
      return false;  // a kept axis inside the run
    else
      mid *= e;
  }
  const float* in = x.data;
  float* out = y.data;
  const OpKind kind = n.kind;
  const float scale = kind == OpKind::kReduceMean ? 1.0f / static_cast<float>(count) : 1.0f;
  st.plain = [in, out, outer, mid, inner, kind, scale] {
    for (int64_t o = 0; o < outer; ++o) {
      const float* src = in + o * mid * inner;
      float* dst = out + o * inner;
      std::copy(src, src + inner, dst);
      for (int64_t m = 1; m < mid; ++m) {
        const float* row = src + m * inner;
        if (kind == OpKind::kReduceMax) {
          for (int64_t i = 0; i < inner; ++i) dst[i] = std::max(dst[i], row[i]);
        } else if (kind == OpKind::kReduceMin) {
          for (int64_t i = 0; i < inner; ++i) dst[i] = std::min(dst[i], row[i]);
        } else {
          for (int64_t i = 0; i < inner; ++i) dst[i] += row[i];
        }
      }
      if (scale != 1.0f) {
        for (int64_t i = 0; i < inner; ++i) dst[i] *= scale;
      }
    }
  };
  return true;
}

}  // namespace mbench::runner
