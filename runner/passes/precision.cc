// Precision pass: which layers of an fp16 or int8 plan run in that precision (the rest run in
// fp32 with conversions where the forms meet).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "analyzer/op_traits.h"
#include "runner/kernels/dwconv.h"
#include "runner/ops/registry.h"
#include "runner/plan_impl.h"

namespace mbench::runner {

// Whether `n` runs as an fp16 XNNPACK operator in an fp16 plan: the operators Debian's
// XNNPACK has in fp16 (convolution, transposed convolution, fully connected, add, multiply,
// clamp, hard-swish, leaky ReLU, max and global average pooling). Everything else, and
// depthwise windows over XNNPACK's largest (runner/kernels/dwconv.h), runs in fp32 between
// conversions.
bool Plan::Impl::RunsHalf(const Node& n) const {
  const OpRow* row = FindOpRow(n.kind);
  if (row == nullptr || (row->precisions & kFp16) == 0) return false;
  const std::string act = n.GetString("fused_activation", "");
  if (!act.empty() && act != "relu" && act != "relu6" && act != "relu_n1_to_1") return false;
  switch (n.kind) {
    case OpKind::kConv:
    case OpKind::kDepthwiseConv: {
      // ConvInteger's sums of integer products need fp32's 24 bits.
      if (n.op_type == "ConvInteger") return false;
      if (n.inputs.size() < 2 || n.inputs[1] < 0 || n.inputs[0] < 0) return false;
      const Shape& w = G(n.inputs[1]);
      const Shape& x = G(n.inputs[0]);
      if (w.size() != 4 || x.size() != 4) return false;
      const bool nhwc_graph = graph->layout == analyzer::Layout::kNHWC;
      const int64_t taps = nhwc_graph ? w[1] * w[2] : w[2] * w[3];
      bool depthwise;
      if (nhwc_graph) {
        depthwise = n.kind == OpKind::kDepthwiseConv ? w[3] == x[3] : w[3] == 1 && w[0] == x[3];
      } else {
        depthwise = w[1] == 1 && w[0] == x[1] &&
                    (n.kind == OpKind::kDepthwiseConv || n.GetInt("group", 1) == x[1]);
      }
      return !(depthwise && taps > kXnnpackDepthwiseMaxTaps);
    }
    case OpKind::kFullyConnected:
    case OpKind::kConvTranspose:
    case OpKind::kAdd:
    case OpKind::kMul:
    case OpKind::kRelu:
    case OpKind::kClip:
    case OpKind::kHardSwish:
    case OpKind::kLeakyRelu:
    case OpKind::kMaxPool: return true;
    case OpKind::kGlobalAveragePool: {
      // XNNPACK's fp16 global pooling keeps its running sums in fp16: over ~2k pixels they
      // stop growing (PP-OCR's 160x160 squeeze-excite pools came out 48x off). Larger
      // windows pool in fp32.
      const Shape& x = G(n.inputs[0]);
      return x.size() == 4 &&
             Product(x) / (x[0] * (graph->layout == analyzer::Layout::kNHWC ? x[3] : x[1])) <= 1024;
    }
    default:
      // A reshape that moves no element copies fp16 as well as fp32: it follows its input.
      return analyzer::IsView(n.kind) && !n.inputs.empty() && n.inputs[0] >= 0 &&
             !n.outputs.empty() && n.outputs[0] >= 0 && !bufs[n.inputs[0]].constant &&
             bufs[n.inputs[0]].home == kF16 && PlainCopy(bufs[n.inputs[0]], bufs[n.outputs[0]]);
  }
}

// Whether `n` runs as an int8 XNNPACK operator in an int8 plan: every activation it reads
// and writes is int8 with one scale (a quantized TFLite model's), and the op is one Debian's
// XNNPACK has in int8 (convolution with per-tensor or per-channel weight scales, fully
// connected with a per-tensor scale, add, subtract, multiply, max and global average
// pooling, ReLU/ReLU6 as a clamp, sigmoid, tanh, plain reshapes). QUANTIZE writes int8 from
// fp32; everything else runs in fp32 between conversions.
bool Plan::Impl::RunsInt8(const Node& n) const {
  const OpRow* row = FindOpRow(n.kind);
  if (row == nullptr || (row->precisions & kInt8) == 0) return false;
  if (n.kind == OpKind::kQuantize) {
    return n.outputs.size() == 1 && n.outputs[0] >= 0 && bufs[n.outputs[0]].quantized;
  }
  const std::string act = n.GetString("fused_activation", "");
  if (!act.empty() && act != "relu" && act != "relu6" && act != "relu_n1_to_1") return false;
  if (n.outputs.empty() || n.outputs[0] < 0) return false;
  const bool u8 = bufs[n.outputs[0]].unsigned8;
  int activations = 0;
  for (int32_t t : n.inputs) {
    if (t < 0 || bufs[t].constant) continue;
    if (!bufs[t].quantized || bufs[t].unsigned8 != u8) return false;
    ++activations;
  }
  if (activations == 0) return false;
  for (int32_t t : n.outputs) {
    if (t < 0 || !bufs[t].quantized) return false;
  }
  // Weights: int8 with zero point 0 (per-channel allowed where XNNPACK has qc8), or uint8 with
  // one scale and zero point next to uint8 activations.
  // `channel_axis`: the weight axis of output channels (per-channel scales must follow it);
  // -1 where XNNPACK takes one scale only.
  auto const_q8 = [&](int32_t t, int64_t channel_axis) {
    if (t < 0 || !bufs[t].constant) return false;
    const auto& info = graph->tensors[t];
    if (info.quant_scales.empty()) return false;
    if (u8) return info.dtype == analyzer::DType::kUInt8 && info.quant_scales.size() == 1;
    if (info.dtype != analyzer::DType::kInt8) return false;
    if (info.quant_scales.size() > 1 &&
        (channel_axis < 0 || info.quant_axis != channel_axis ||
         static_cast<size_t>(channel_axis) >= info.shape.size() ||
         static_cast<int64_t>(info.quant_scales.size()) != info.shape[channel_axis])) {
      return false;
    }
    for (int64_t z : info.quant_zero_points) {
      if (z != 0) return false;
    }
    return true;
  };
  auto same_params = [&](int32_t a, int32_t b) {
    return bufs[a].scale == bufs[b].scale && bufs[a].zero_point == bufs[b].zero_point;
  };
  switch (n.kind) {
    case OpKind::kConv:
    case OpKind::kDepthwiseConv:
      // TFLite weights: [O, kh, kw, I] for a convolution, [1, kh, kw, O] for a depthwise one.
      return graph->layout == analyzer::Layout::kNHWC && n.inputs.size() >= 2 &&
             const_q8(n.inputs[1], n.kind == OpKind::kConv ? 0 : 3) &&
             (n.inputs.size() < 3 || n.inputs[2] < 0 ||
              graph->tensors[n.inputs[2]].dtype == analyzer::DType::kInt32);
    case OpKind::kFullyConnected:
      return graph->layout == analyzer::Layout::kNHWC && n.inputs.size() >= 2 &&
             const_q8(n.inputs[1], -1) &&
             (n.inputs.size() < 3 || n.inputs[2] < 0 ||
              graph->tensors[n.inputs[2]].dtype == analyzer::DType::kInt32);
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul: return activations == 2 && n.inputs.size() == 2;
    case OpKind::kMaxPool:
    case OpKind::kRelu:
    case OpKind::kClip: return same_params(n.inputs[0], n.outputs[0]);
    case OpKind::kGlobalAveragePool: return true;
    case OpKind::kSigmoid:
    case OpKind::kTanh: {
      // XNNPACK's (and TFLite's) fixed output grids: sigmoid 1/256 from the bottom of the
      // range, tanh 1/128 around the middle.
      const Buf& y = bufs[n.outputs[0]];
      const bool sigmoid = n.kind == OpKind::kSigmoid;
      const float scale = sigmoid ? 1.0f / 256 : 1.0f / 128;
      const int32_t zero = sigmoid ? (u8 ? 0 : -128) : (u8 ? 128 : 0);
      return y.scale == scale && y.zero_point == zero;
    }
    default:
      return analyzer::IsView(n.kind) && !n.inputs.empty() && n.inputs[0] >= 0 &&
             same_params(n.inputs[0], n.outputs[0]) &&
             PlainCopy(bufs[n.inputs[0]], bufs[n.outputs[0]]);
  }
}

}  // namespace mbench::runner
