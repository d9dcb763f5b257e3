#include "estimator/kernels.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "analyzer/op_cost.h"
#include "analyzer/op_traits.h"

namespace mbench::estimator {
namespace {

using analyzer::CostClass;
using analyzer::Graph;
using analyzer::IsBinaryElementwise;
using analyzer::IsEpilogue;
using analyzer::IsShapeOnly;
using analyzer::Node;
using analyzer::OpKind;

std::optional<double> Elements(const Graph& g, int32_t t) {
  if (t < 0 || t >= static_cast<int32_t>(g.tensors.size())) return std::nullopt;
  const auto& info = g.tensors[t];
  if (!info.has_shape) return std::nullopt;
  auto n = analyzer::NumElements(info.shape);
  if (!n) return std::nullopt;
  return static_cast<double>(*n);
}

// Activation inputs of a node: non-constant tensors among its data inputs.
std::vector<int32_t> ActivationInputs(const Graph& g, const Node& n) {
  const auto& entry = analyzer::GetOpCostEntry(n.kind);
  std::vector<int32_t> out;
  int limit = entry.num_data_inputs < 0 ? static_cast<int>(n.inputs.size())
                                        : std::min<int>(entry.num_data_inputs, n.inputs.size());
  for (int i = 0; i < limit; ++i) {
    int32_t t = n.inputs[i];
    if (t >= 0 && !g.tensors[t].is_constant) out.push_back(t);
  }
  return out;
}

// Input channels per group up to which a grouped convolution counts as depthwise.
constexpr int64_t kDepthwiseLikeChannels = 8;

KernelClass ComputeClass(const Graph& g, const Node& n, const analyzer::LayerAnalysis& layer) {
  switch (n.kind) {
    case OpKind::kDepthwiseConv: return KernelClass::kDepthwise;
    case OpKind::kConvTranspose: return KernelClass::kConv;
    case OpKind::kConv: {
      const int64_t groups = n.GetInt("group", 1);
      if (n.inputs.size() > 1 && n.inputs[1] >= 0) {
        const auto& w = g.tensors[n.inputs[1]];
        if (w.has_shape && w.shape.size() == 4) {
          // ONNX/ncnn weights are [O, I/groups, kh, kw]; TFLite's are [O, kh, kw, I/groups].
          const bool nhwc = g.layout == analyzer::Layout::kNHWC;
          int64_t per_group = nhwc ? w.shape[3] : w.shape[1];
          int64_t kh = nhwc ? w.shape[1] : w.shape[2];
          int64_t kw = nhwc ? w.shape[2] : w.shape[3];
          // A few input channels per group run about as fast per MAC as a depthwise convolution
          // (XNNPACK: RegNet's 8-channel groups at 23 GMAC/s, depthwise 16-20, dense 66); wider
          // groups (ShuffleNetV1's grouped 1x1, ResNeXt) run as small dense convolutions.
          if (groups > 1 && per_group <= kDepthwiseLikeChannels) return KernelClass::kDepthwise;
          if (kh == 1 && kw == 1) return KernelClass::kPointwise;
          auto ones = [](const std::vector<int64_t>& v) {
            return std::all_of(v.begin(), v.end(), [](int64_t x) { return x == 1; });
          };
          if (groups == 1 && kh == 3 && kw == 3 && ones(n.GetInts("strides")) &&
              ones(n.GetInts("dilations"))) {
            return KernelClass::kConv3x3s1;
          }
          return KernelClass::kConv;
        }
      }
      (void)layer;
      return groups > 1 ? KernelClass::kDepthwise : KernelClass::kConv;
    }
    default: return KernelClass::kGemm;
  }
}

// A convolution whose groups hold more than one input channel each (not depthwise).
bool IsGroupedConv(const Graph& g, const Node& n) {
  if (n.kind != OpKind::kConv || n.GetInt("group", 1) <= 1) return false;
  if (n.inputs.size() < 2 || n.inputs[1] < 0) return false;
  const auto& w = g.tensors[n.inputs[1]];
  if (!w.has_shape || w.shape.size() != 4) return false;
  return (g.layout == analyzer::Layout::kNHWC ? w.shape[3] : w.shape[1]) > 1;
}

bool IsComputeKind(OpKind k) {
  switch (analyzer::GetOpCostEntry(k).cost_class) {
    case CostClass::kConv:
    case CostClass::kConvTranspose:
    case CostClass::kFullyConnected:
    case CostClass::kMatMul:
    case CostClass::kEinsum:
    case CostClass::kRecurrent:
    case CostClass::kAttention: return true;
    default: return false;
  }
}

}  // namespace

const char* KernelClassName(KernelClass c) {
  switch (c) {
    case KernelClass::kConv: return "conv";
    case KernelClass::kPointwise: return "pointwise";
    case KernelClass::kDepthwise: return "depthwise";
    case KernelClass::kGemm: return "gemm";
    case KernelClass::kConv3x3s1: return "conv3x3s1";
    case KernelClass::kMemory: return "memory";
  }
  return "?";
}

KernelPlan BuildKernels(const Graph& graph, const analyzer::ModelAnalysis& analysis) {
  KernelPlan plan;
  const size_t num_tensors = graph.tensors.size();
  // Readers per tensor, to know whether an intermediate can stay inside a fused kernel.
  std::vector<int32_t> readers(num_tensors, 0);
  for (const auto& n : graph.nodes) {
    for (int32_t t : n.inputs) {
      if (t >= 0 && static_cast<size_t>(t) < num_tensors) ++readers[t];
    }
  }
  for (int32_t t : graph.outputs) {
    if (t >= 0 && static_cast<size_t>(t) < num_tensors) ++readers[t];
  }
  // For a shape-only op, its output aliases its input: follow the alias to the kernel.
  std::vector<int32_t> kernel_of(num_tensors, -1);  // open kernel whose output is this tensor

  for (size_t i = 0; i < graph.nodes.size() && i < analysis.layers.size(); ++i) {
    const Node& n = graph.nodes[i];
    const auto& layer = analysis.layers[i];
    std::vector<int32_t> act_in = ActivationInputs(graph, n);
    if (IsShapeOnly(n.kind)) {
      ++plan.free_layers;
      // The output aliases the input: an epilogue after a reshape still fuses.
      if (act_in.size() == 1 && n.outputs.size() == 1 && n.outputs[0] >= 0 &&
          kernel_of[act_in[0]] >= 0 && readers[act_in[0]] == 1) {
        kernel_of[n.outputs[0]] = kernel_of[act_in[0]];
        kernel_of[act_in[0]] = -1;
      }
      continue;
    }
    double out_elems = 0.0;
    for (int32_t t : n.outputs) out_elems += Elements(graph, t).value_or(0.0);
    double in_elems = 0.0;
    for (int32_t t : act_in) in_elems += Elements(graph, t).value_or(0.0);
    double weights = static_cast<double>(layer.params + layer.buffers);

    // Fuse into the producer's kernel when this op is an epilogue (or an element-wise op with
    // one activation operand) and it is the only reader of the producer's output.
    bool fusable = IsEpilogue(n.kind) || (IsBinaryElementwise(n.kind) && act_in.size() == 1);
    if (fusable && act_in.size() == 1 && n.outputs.size() == 1) {
      int32_t src = act_in[0];
      int32_t k = kernel_of[src];
      if (k >= 0 && readers[src] == 1) {
        Kernel& kernel = plan.kernels[k];
        kernel.layers.push_back(static_cast<int32_t>(i));
        kernel.macs += static_cast<double>(layer.macs);
        kernel.flops += static_cast<double>(layer.flops);
        kernel.weight_elements += weights;
        // The intermediate never reaches memory: replace its write by this op's output.
        kernel.activation_elements += out_elems - in_elems;
        // XNNPACK-style runtimes run a non-clamp activation, or an element-wise op with a
        // constant (a scalar affine step, a per-channel scale), after a convolution or matmul
        // as a pass of its own; chains of element-wise ops fuse into one pass.
        if ((IsEpilogue(n.kind) && !analyzer::FoldsFree(n.kind)) ||
            (IsBinaryElementwise(n.kind) && kernel.cls != KernelClass::kMemory)) {
          kernel.unfused_elements += out_elems;
          if (kernel.unfused_op == OpKind::kUnknown && n.kind != OpKind::kBatchNorm) {
            kernel.unfused_op = n.kind;
          }
        }
        kernel_of[src] = -1;
        if (n.outputs[0] >= 0) kernel_of[n.outputs[0]] = k;
        continue;
      }
    }
    // x * sigmoid(x) (swish as ONNX writes it): the mul joins the sigmoid's kernel, one pass
    // that reads x and writes the product, as the runner runs it.
    if (n.kind == OpKind::kMul && act_in.size() == 2 && n.outputs.size() == 1) {
      int32_t gate = -1;
      for (int s = 0; s < 2; ++s) {
        const int32_t p = graph.tensors[act_in[s]].producer;
        if (p >= 0 && graph.nodes[p].kind == OpKind::kSigmoid && !graph.nodes[p].inputs.empty() &&
            graph.nodes[p].inputs[0] == act_in[1 - s]) {
          gate = act_in[s];
        }
      }
      if (gate >= 0 && kernel_of[gate] >= 0 && readers[gate] == 1 &&
          plan.kernels[kernel_of[gate]].cls == KernelClass::kMemory) {
        const int32_t k = kernel_of[gate];
        Kernel& kernel = plan.kernels[k];
        kernel.layers.push_back(static_cast<int32_t>(i));
        kernel.flops += static_cast<double>(layer.flops);
        // The gate stays in registers: its write becomes the product's.
        kernel.activation_elements += out_elems - Elements(graph, gate).value_or(0.0);
        kernel_of[gate] = -1;
        if (n.outputs[0] >= 0) kernel_of[n.outputs[0]] = k;
        continue;
      }
    }
    Kernel kernel;
    kernel.main_layer = static_cast<int32_t>(i);
    kernel.layers.push_back(static_cast<int32_t>(i));
    kernel.macs = static_cast<double>(layer.macs);
    kernel.flops = static_cast<double>(layer.flops);
    kernel.weight_elements = weights;
    kernel.activation_elements = in_elems + out_elems;
    kernel.shape = {std::log1p(static_cast<double>(layer.macs)), std::log1p(out_elems),
                    std::log1p(in_elems), std::log1p(weights)};
    // A layer whose reader stated its MACs (ncnn's DFTs) runs them as a matrix product would.
    const bool stated = n.kind == OpKind::kCustom && n.HasAttr("stated_macs");
    kernel.cls = (IsComputeKind(n.kind) || stated) && layer.macs > 0 ? ComputeClass(graph, n, layer)
                                                                     : KernelClass::kMemory;
    kernel.grouped = kernel.cls != KernelClass::kMemory && IsGroupedConv(graph, n);
    plan.kernels.push_back(std::move(kernel));
    int32_t k = static_cast<int32_t>(plan.kernels.size()) - 1;
    for (int32_t t : n.outputs) {
      if (t >= 0) kernel_of[t] = k;
    }
  }
  for (Kernel& k : plan.kernels) k.work = k.macs * GemmEdgeFactor(k);
  return plan;
}

double GemmEdgeFactor(const Kernel& k) {
  if (k.macs <= 0 || (k.cls != KernelClass::kConv && k.cls != KernelClass::kConv3x3s1 &&
                      k.cls != KernelClass::kPointwise)) {
    return 1.0;
  }
  // The main layer's output and weight elements (shape holds log1p of each).
  const double outputs = std::expm1(k.shape[1]);
  const double weights = std::expm1(k.shape[3]);
  if (!(outputs > 0) || !(weights > 0)) return 1.0;
  const double depth = k.macs / outputs;  // window taps x input channels per group
  const double out_channels = weights / depth;
  return 1.0 + kGemmEdgeElements / std::max(1.0, out_channels) +
         kGemmEdgeElements / std::max(1.0, depth);
}

}  // namespace mbench::estimator
