// Data movement without arithmetic: reshapes and other views, transposes, concatenation,
// channel shuffle and depth-to-space, in the internal layout (NHWC images) or the model's.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/kernels/permute.h"
#include "runner/ops/registry.h"
#include "runner/plan_impl.h"

namespace mbench::runner {
namespace {

// A transpose in the model's order, a tile of output runs per task.
struct PermuteJob {
  PermutePlan plan;
  const float* input = nullptr;
  float* output = nullptr;
};
void PermuteTask(void* context, size_t begin, size_t count) {
  auto* job = static_cast<PermuteJob*>(context);
  RunPermute(job->plan, job->input, job->output, static_cast<int64_t>(begin),
             static_cast<int64_t>(begin + count));
}

}  // namespace

Status Plan::Impl::Move(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const float* in = x.data;
  float* out = y.data;
  const int64_t total = Product(y.ishape);
  if (Product(x.ishape) != total) {  // the analyzer refuses such files; a plan never trusts it
    return Status::Unsupported("layer '" + n.name + "': " + analyzer::ShapeToString(x.gshape) +
                               " into " + analyzer::ShapeToString(y.gshape) +
                               " changes the element count");
  }
  std::vector<int64_t> perm;
  if (n.kind == OpKind::kTranspose) {
    perm = n.GetInts("perm");
    if (perm.empty()) {
      for (size_t i = x.gshape.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
    }
    if (perm.size() != x.gshape.size()) {
      return Status::Unsupported("layer '" + n.name + "': transpose perm of the wrong rank");
    }
  }
  if (perm.empty() && PlainCopy(x, y)) {
    const size_t bytes = static_cast<size_t>(total) * (st.half()   ? sizeof(uint16_t)
                                                       : st.int8() ? sizeof(int8_t)
                                                                   : sizeof(float));
    const void* from = st.half()   ? static_cast<const void*>(x.half)
                       : st.int8() ? static_cast<const void*>(x.q8)
                                   : in;
    void* to = st.half() ? static_cast<void*>(y.half) : st.int8() ? static_cast<void*>(y.q8) : out;
    st.plain = [from, to, bytes] { std::memmove(to, from, bytes); };
    return Status::Ok();
  }
  // General case through the model's own order: internal -> graph order -> (transpose) ->
  // internal order of the output.
  Shape xs = x.ishape, ys = y.gshape;
  bool xn = x.nhwc, yn = y.nhwc;
  if (!xn && !yn && !perm.empty()) {  // both in the model's order: one pass, in tiles
    auto job = std::make_shared<PermuteJob>();
    job->plan = MakePermutePlan(xs, perm);
    job->input = in;
    job->output = out;
    const auto runs = static_cast<size_t>(job->plan.outer);
    const auto tile = static_cast<size_t>(std::max<int64_t>(1, 16384 / job->plan.inner));
    pthreadpool_t p = pool;
    st.plain = [job, p, runs, tile] {
      pthreadpool_parallelize_1d_tile_1d(p, &PermuteTask, job.get(), runs, tile, 0);
    };
    return Status::Ok();
  }
  std::vector<float>* scratch = &packed.emplace_back(static_cast<size_t>(total) * 2);
  st.plain = [in, out, xs, ys, xn, yn, perm, scratch, total] {
    float* a = scratch->data();
    float* b = a + total;
    const float* cur = in;
    Shape shape = xs;
    if (xn) {
      Permute(cur, shape, kNhwcToNchw, a);
      shape = {shape[0], shape[3], shape[1], shape[2]};
      cur = a;
    }
    if (!perm.empty()) {
      Permute(cur, shape, perm, cur == a ? b : a);
      cur = cur == a ? b : a;
    }
    if (yn) {
      Permute(cur, ys, kNchwToNhwc, out);
    } else {
      std::memmove(out, cur, static_cast<size_t>(total) * sizeof(float));
    }
  };
  return Status::Ok();
}

Status Plan::Impl::Concat(const Node& n, Step& st) {
  const Buf& y = bufs[n.outputs[0]];
  float* out = y.data;
  int64_t axis = NormAxis(n.GetInt("axis", 1), y.gshape.size());
  if (y.nhwc) axis = kNhwcToNchw[axis];                 // graph C, H, W sit at internal 3, 1, 2
  std::vector<std::pair<const float*, int64_t>> parts;  // data, size along axis
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= y.ishape[i];
  for (size_t i = axis + 1; i < y.ishape.size(); ++i) inner *= y.ishape[i];
  for (int32_t t : n.inputs) {
    if (t < 0) continue;
    const Buf& b = bufs[t];
    if (b.constant && b.nhwc != y.nhwc)
      return Status::Unsupported("layer '" + n.name + "': constant operand");
    if (b.constant) {
      auto [s, p] = ConstOperand(t, y.ishape.size(), y.nhwc);  // one packed copy, not two
      parts.emplace_back(p, s[axis]);
    } else {
      parts.emplace_back(b.data, b.ishape[axis]);
    }
  }
  const int64_t out_axis = y.ishape[axis];
  st.plain = [parts, out, outer, inner, out_axis] {
    for (int64_t o = 0; o < outer; ++o) {
      int64_t at = 0;
      for (const auto& [p, len] : parts) {
        std::memcpy(out + (o * out_axis + at) * inner, p + o * len * inner,
                    static_cast<size_t>(len * inner) * sizeof(float));
        at += len;
      }
    }
  };
  return Status::Ok();
}

Status Plan::Impl::ShuffleChannel(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const float* in = x.data;
  float* out = y.data;
  const int64_t total = Product(y.ishape);
  const int64_t c = x.ishape.back();
  const int64_t groups = n.GetInt("group", 1);
  if (!x.nhwc && graph->layout != analyzer::Layout::kNHWC) {
    return Status::Unsupported("layer '" + n.name + "': channel shuffle of a non-4-D tensor");
  }
  if (groups < 2 || c % groups != 0) {
    const size_t bytes = static_cast<size_t>(total) * sizeof(float);
    st.plain = [in, out, bytes] { std::memmove(out, in, bytes); };
    return Status::Ok();
  }
  MBENCH_RETURN_IF_ERROR(
      Check(xnn_create_channel_shuffle_nc_x32(groups, c / groups, c, c, 0, &st.op), n,
            "channel shuffle create"));
  return Check(xnn_setup_channel_shuffle_nc_x32(st.op, total / c, in, out, pool), n,
               "channel shuffle setup");
}

Status Plan::Impl::DepthToSpace(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const float* in = x.data;
  float* out = y.data;
  // Image tensors are NHWC inside: output pixel (h * b + i, w * b + j) takes, from input
  // pixel (h, w), channels (i * b + j) * C + c in DCR order (TensorFlow, ONNX's default) or
  // c * b * b + i * b + j in CRD order (PyTorch's pixel shuffle).
  const int64_t bs = n.GetInt("blocksize", 0);
  const bool dcr = n.GetString("mode", "DCR") != "CRD";
  const Shape xi = x.ishape, yi = y.ishape;
  if (xi.size() != 4 || !(x.nhwc || graph->layout == analyzer::Layout::kNHWC) || bs < 1 ||
      xi[3] % (bs * bs) != 0 || yi != Shape{xi[0], xi[1] * bs, xi[2] * bs, xi[3] / (bs * bs)}) {
    return Status::Unsupported("layer '" + n.name +
                               "': depth-to-space geometry does not give "
                               "the model's output shape");
  }
  st.plain = [in, out, xi, bs, dcr] {
    const int64_t c = xi[3] / (bs * bs), w_out = xi[2] * bs;
    for (int64_t b = 0; b < xi[0]; ++b)
      for (int64_t h = 0; h < xi[1]; ++h)
        for (int64_t w = 0; w < xi[2]; ++w) {
          const float* src = in + ((b * xi[1] + h) * xi[2] + w) * xi[3];
          for (int64_t i = 0; i < bs; ++i) {
            float* dst = out + ((b * xi[1] * bs + h * bs + i) * w_out + w * bs) * c;
            if (dcr) {  // bs * c contiguous values
              std::memcpy(dst, src + i * bs * c, static_cast<size_t>(bs * c) * sizeof(float));
              continue;
            }
            for (int64_t j = 0; j < bs; ++j)
              for (int64_t k = 0; k < c; ++k) dst[j * c + k] = src[k * bs * bs + i * bs + j];
          }
        }
  };
  return Status::Ok();
}

}  // namespace mbench::runner
