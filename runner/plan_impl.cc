// Plan::Impl helpers shared by the passes and op builders: constants, packing, padding and
// window checks, fused activations.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/half.h"
#include "runner/plan_impl.h"

namespace mbench::runner {

// Constant values in graph layout: the Graph's own values when it has them, else seeded.
const std::vector<float>& Plan::Impl::Const(int32_t t) {
  Buf& b = bufs[t];
  if (b.shared) return *b.shared;
  if (b.values.empty()) {
    const auto& info = graph->tensors[t];
    int64_t n = Product(b.gshape);
    if (info.weights && n > 0 && static_cast<int64_t>(info.weights->size()) == n) {
      b.shared = info.weights;
      weight_bytes += static_cast<int64_t>(b.shared->size() * sizeof(float));
      // Constants are read, never written: kernels take them as const inputs.
      b.data = const_cast<float*>(b.shared->data());
      return *b.shared;
    }
    b.values.resize(static_cast<size_t>(std::max<int64_t>(n, 1)));
    if (info.has_values && static_cast<int64_t>(info.float_values.size()) == n) {
      for (int64_t i = 0; i < n; ++i) b.values[i] = static_cast<float>(info.float_values[i]);
    } else if (info.has_values && static_cast<int64_t>(info.int_values.size()) == n) {
      for (int64_t i = 0; i < n; ++i) b.values[i] = static_cast<float>(info.int_values[i]);
    } else {
      synthetic = true;
      // He-style scale keeps activations finite through deep stacks.
      int64_t fan_in = b.gshape.size() >= 2 ? n / std::max<int64_t>(b.gshape[0], 1) : n;
      float scale = std::sqrt(3.0f / static_cast<float>(std::max<int64_t>(fan_in, 1)));
      // Seeded per tensor, so values do not depend on the order constants are first used.
      std::mt19937_64 gen(options.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(t));
      std::uniform_real_distribution<float> u(-scale, scale);
      for (auto& v : b.values) v = u(gen);
    }
    weight_bytes += static_cast<int64_t>(b.values.size() * sizeof(float));
    b.data = b.values.data();
  }
  return b.values;
}

// fp32 weights rounded to fp16 for an fp16 operator (nullptr stays nullptr: no bias).
const uint16_t* Plan::Impl::PackedHalf(const float* v, int64_t count) {
  if (v == nullptr) return nullptr;
  packed16.push_back(ToHalf({v, static_cast<size_t>(count)}));
  weight_bytes += static_cast<int64_t>(packed16.back().size() * sizeof(uint16_t));
  return packed16.back().data();
}

// A constant's stored integers, recovered from the dequantized values the Graph carries.
std::vector<int32_t> Plan::Impl::StoredInts(int32_t t) {
  const auto& v = Const(t);
  const auto& info = graph->tensors[t];
  std::vector<int32_t> q(v.size());
  const size_t channels = std::max<size_t>(1, info.quant_scales.size());
  int64_t stride_after = 1;  // elements per step of the quantized axis
  if (info.quant_axis >= 0 && static_cast<size_t>(info.quant_axis) < info.shape.size()) {
    for (size_t d = static_cast<size_t>(info.quant_axis) + 1; d < info.shape.size(); ++d) {
      stride_after *= info.shape[d];
    }
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t c = channels == 1 ? 0
                                   : static_cast<size_t>((static_cast<int64_t>(i) / stride_after) %
                                                         static_cast<int64_t>(channels));
    const double s = info.quant_scales.empty() ? 1.0 : info.quant_scales[c];
    const double z =
        info.quant_zero_points.size() > c ? static_cast<double>(info.quant_zero_points[c]) : 0.0;
    q[i] = static_cast<int32_t>(std::llround(v[i] / s + z));
  }
  return q;
}

// Whether a copy-like op between these two is one contiguous copy: same internal order, or
// an NHWC side whose spatial size is 1x1 (NHWC and NCHW orders coincide; a classifier's
// flatten after global pooling).
bool Plan::Impl::PlainCopy(const Buf& x, const Buf& y) {
  auto point = [](const Buf& b) { return b.nhwc && b.ishape[1] * b.ishape[2] == 1; };
  if (x.nhwc != y.nhwc) return point(x.nhwc ? x : y);
  return !x.nhwc || x.ishape == y.ishape;
}

// A constant operand broadcast against internal-layout activations: its model shape, padded
// to `rank` from the left, and permuted like the activations.
std::pair<Shape, const float*> Plan::Impl::ConstOperand(int32_t t, size_t rank, bool nhwc) {
  const auto& v = Const(t);
  Shape s = bufs[t].gshape;
  while (s.size() < rank) s.insert(s.begin(), 1);
  if (!nhwc || rank != 4) return {s, v.data()};
  Shape is = ToNhwc(s);
  std::vector<float> out(v.size());
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w)
          out[((n * s[2] + h) * s[3] + w) * s[1] + c] = v[((n * s[1] + c) * s[2] + h) * s[3] + w];
  return {is, Packed(std::move(out))};
}

Status Plan::Impl::Check(xnn_status s, const Node& n, const char* what) {
  if (s == xnn_status_success) return Status::Ok();
  return Status::Internal("layer '" + n.name + "': XNNPACK " + what + " failed (status " +
                          std::to_string(static_cast<int>(s)) + ")");
}

// Padding of one spatial dim: explicit pads if the node has them and they reproduce the
// model's output size, else the SAME-style split that does.
std::pair<int64_t, int64_t> Plan::Impl::Pads(const Node& n, int dim, int64_t in, int64_t out,
                                             int64_t k, int64_t s, int64_t d) {
  auto pads = n.GetInts("pads");
  if (pads.size() == 4) {
    int64_t b = pads[dim], e = pads[dim + 2];
    if ((in + b + e - d * (k - 1) - 1) / s + 1 == out) return {b, e};
  }
  int64_t total = std::max<int64_t>(0, (out - 1) * s + d * (k - 1) + 1 - in);
  if (n.GetString("auto_pad", "") == "SAME_LOWER") return {total - total / 2, total / 2};
  return {total / 2, total - total / 2};
}

// XNNPACK computes output sizes itself; a plan must never let it write past a buffer, so the
// window arithmetic is checked against the model's shapes first.
bool Plan::Impl::WindowMatches(int64_t in, int64_t out, int64_t k, int64_t s, int64_t d, int64_t pb,
                               int64_t pe) {
  int64_t span = in + pb + pe - d * (k - 1) - 1;
  return span >= 0 && s > 0 && span / s + 1 == out;
}

std::pair<float, float> Plan::Impl::FusedRange(const Node& n) {
  std::string act = n.GetString("fused_activation", "");
  std::pair<float, float> r = {-kInf, kInf};
  if (act == "relu") r = {0.0f, kInf};
  if (act == "relu6") r = {0.0f, 6.0f};
  if (act == "relu_n1_to_1") r = {-1.0f, 1.0f};
  auto it = clamp.find(LayerOf(n));
  if (it != clamp.end())
    r = {std::max(r.first, it->second.first), std::min(r.second, it->second.second)};
  return r;
}

// A fused activation XNNPACK's output range cannot express, applied after the operator.
std::function<void(float*, int64_t)> Plan::Impl::FusedTail(const Node& n) {
  std::string act = n.GetString("fused_activation", "");
  if (act == "tanh")
    return [](float* p, int64_t m) {
      for (int64_t i = 0; i < m; ++i) p[i] = std::tanh(p[i]);
    };
  if (act == "sigmoid")
    return [](float* p, int64_t m) {
      for (int64_t i = 0; i < m; ++i) p[i] = 1.0f / (1.0f + std::exp(-p[i]));
    };
  if (act == "hard_swish")
    return [](float* p, int64_t m) {
      for (int64_t i = 0; i < m; ++i) p[i] = p[i] * std::clamp(p[i] + 3.0f, 0.0f, 6.0f) / 6.0f;
    };
  if (act == "leaky_relu")
    return [](float* p, int64_t m) {
      for (int64_t i = 0; i < m; ++i) p[i] = p[i] < 0 ? 0.1f * p[i] : p[i];
    };
  if (act == "mish")
    return [](float* p, int64_t m) {
      for (int64_t i = 0; i < m; ++i) p[i] = p[i] * std::tanh(std::log1p(std::exp(p[i])));
    };
  if (act == "clip")
    return [](float* p, int64_t m) {
      for (int64_t i = 0; i < m; ++i) p[i] = std::clamp(p[i], 0.0f, 6.0f);
    };
  return nullptr;
}

// Turns the step's operator into a plain step that runs it, then `tail` over its `m` outputs
// (an activation the operator's output range cannot express).
void Plan::Impl::ThenApply(Step& st, std::function<void(float*, int64_t)> tail, float* out,
                           int64_t m) {
  xnn_operator_t op = st.op;
  pthreadpool_t p = pool;
  st.op = nullptr;
  st.info.kernel = "xnnpack";
  extra_ops.push_back(op);
  st.plain = [op, out, m, p, tail = std::move(tail)] {
    xnn_run_operator(op, p);
    tail(out, m);
  };
}

}  // namespace mbench::runner
