// Fusion passes: BatchNorm into the convolution before it, a residual Add into a dense
// convolution's epilogue, attention's scalar multiply into its matmul, and ReLU/Clip into the
// output range of the operator before them.
#include <algorithm>
#include <string>
#include <vector>

#include "runner/passes/passes.h"

namespace mbench::runner {

bool ScalarConstant(Plan::Impl* impl, int32_t t, float* v) {
  if (t < 0 || !impl->bufs[t].constant) return false;
  auto e = analyzer::NumElements(impl->bufs[t].gshape);
  if (!e || *e != 1) return false;
  *v = impl->Const(t)[0];
  return true;
}

bool ClipBounds(const Graph& graph, const Node& n, float* lo, float* hi) {
  *lo = static_cast<float>(n.GetFloat("min", -kInf));
  *hi = static_cast<float>(n.GetFloat("max", kInf));
  for (size_t k = 1; k <= 2 && k < n.inputs.size(); ++k) {
    const int32_t b = n.inputs[k];
    if (b < 0) continue;
    const auto& info = graph.tensors[b];
    if (info.weights && info.weights->size() == 1) {
      *(k == 1 ? lo : hi) = (*info.weights)[0];
    } else if (info.has_values && info.float_values.size() == 1) {
      *(k == 1 ? lo : hi) = static_cast<float>(info.float_values[0]);
    } else {
      return false;
    }
  }
  return true;
}

bool ConvLike(const Graph& graph, int32_t p) {
  if (p < 0) return false;
  const OpKind k = graph.nodes[p].kind;
  return k == OpKind::kConv || k == OpKind::kDepthwiseConv || k == OpKind::kFullyConnected ||
         k == OpKind::kConvTranspose;
}

FusionState CountReaders(const Plan::Impl& impl) {
  const Graph& graph = *impl.graph;
  const std::vector<char>& folded = impl.folded;
  FusionState fs;
  std::vector<int32_t>& readers = fs.readers;
  readers.assign(graph.tensors.size(), 0);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (folded[i]) continue;
    for (int32_t t : graph.nodes[i].inputs) {
      if (t >= 0) ++readers[t];
    }
  }
  for (int32_t t : graph.outputs) ++readers[t];
  fs.owner.assign(graph.tensors.size(), -1);
  for (size_t t = 0; t < graph.tensors.size(); ++t) fs.owner[t] = graph.tensors[t].producer;
  return fs;
}

void FoldBatchNorms(Plan::Impl* impl, FusionState* fs) {
  const Graph& graph = *impl->graph;
  const std::vector<char>& folded = impl->folded;
  std::vector<int32_t>& fused_into = impl->fused_into;
  std::vector<int32_t>& readers = fs->readers;
  std::vector<int32_t>& owner = fs->owner;
  auto constant_values = [&](int32_t t) { return t >= 0 && impl->bufs[t].constant; };
  // BatchNorm after a convolution folds into its weights and bias (exact in inference).
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if (folded[i] || n.kind != OpKind::kBatchNorm || n.inputs.size() < 5 || n.outputs.empty() ||
        n.outputs[0] < 0 || n.inputs[0] < 0 || n.GetInt("training_mode", 0) != 0) {
      continue;
    }
    bool params = true;
    for (int s = 1; s <= 4; ++s) params &= constant_values(n.inputs[s]);
    const int32_t t = n.inputs[0];
    const int32_t p = graph.tensors[t].producer;
    if (!params || p < 0 || folded[p] || readers[t] != 1 || impl->redirect.count(p)) continue;
    const Node& pn = graph.nodes[p];
    if ((pn.kind != OpKind::kConv && pn.kind != OpKind::kDepthwiseConv) || pn.outputs.size() != 1 ||
        pn.outputs[0] != t || pn.HasAttr("fused_activation") ||
        graph.layout != analyzer::Layout::kNCHW) {
      continue;
    }
    fused_into[i] = p;
    impl->redirect[p] = n.outputs[0];
    impl->bn_folded[p] = static_cast<int32_t>(i);
    owner[n.outputs[0]] = p;
  }
}

void FuseResidualAdds(Plan::Impl* impl, FusionState* fs) {
  const Graph& graph = *impl->graph;
  const PlanOptions& options = impl->options;
  const std::vector<char>& folded = impl->folded;
  std::vector<int32_t>& fused_into = impl->fused_into;
  std::vector<int32_t>& readers = fs->readers;
  std::vector<int32_t>& owner = fs->owner;
  const bool half_plan = options.precision == "fp16";
  const bool int8_plan = options.precision == "int8";
  // A residual Add of two same-shaped activations, one written by a dense convolution that
  // only the Add reads and that runs after the other operand exists, joins that
  // convolution's epilogue (ResNet's bottleneck ends): one pass over the output instead of
  // two. A ReLU after it then fuses as the range below. fp32 plans only (the kernel's).
  for (size_t i = 0; i < graph.nodes.size() && !half_plan && !int8_plan; ++i) {
    const Node& n = graph.nodes[i];
    if (folded[i] || n.kind != OpKind::kAdd || n.inputs.size() != 2 || n.outputs.size() != 1 ||
        n.outputs[0] < 0 || n.HasAttr("fused_activation")) {
      continue;
    }
    const int32_t a = n.inputs[0], b = n.inputs[1];
    if (a < 0 || b < 0 || a == b || impl->bufs[a].constant || impl->bufs[b].constant) continue;
    const Shape& shape = graph.tensors[n.outputs[0]].shape;
    if (graph.tensors[a].shape != shape || graph.tensors[b].shape != shape ||
        impl->bufs[a].nhwc != impl->bufs[b].nhwc) {
      continue;  // the epilogue reads the operand element for element, as the output is stored
    }
    // The convolution that runs last; the other operand is ready by then.
    const bool a_last = owner[a] > owner[b];
    const int32_t conv_out = a_last ? a : b, other = a_last ? b : a;
    const int32_t p = owner[conv_out];
    if (p < 0 || folded[p] || readers[conv_out] != 1 || impl->clamp.count(p) ||
        impl->residual.count(p) || graph.nodes[p].HasAttr("fused_activation") ||
        !impl->DenseCandidate(graph.nodes[p])) {
      continue;
    }
    const int32_t writes =
        impl->redirect.count(p) ? impl->redirect.at(p) : graph.nodes[p].outputs[0];
    if (writes != conv_out) continue;
    fused_into[i] = p;
    impl->redirect[p] = n.outputs[0];
    impl->residual[p] = other;
    owner[n.outputs[0]] = p;
  }
}

void FoldMatMulScales(Plan::Impl* impl, FusionState* fs) {
  const Graph& graph = *impl->graph;
  const PlanOptions& options = impl->options;
  const std::vector<char>& folded = impl->folded;
  std::vector<int32_t>& fused_into = impl->fused_into;
  std::vector<int32_t>& readers = fs->readers;
  std::vector<int32_t>& owner = fs->owner;
  const bool half_plan = options.precision == "fp16";
  const bool int8_plan = options.precision == "int8";
  auto scalar_of = [&](int32_t t, float* v) { return ScalarConstant(impl, t, v); };
  // A multiply by a scalar constant that is the only reader of a matmul of two activations
  // (attention scores times 1 / sqrt(head size)) folds into the matmul, which scales B as it
  // packs it: one pass over the scores fewer (in ViT-Tiny that multiply took 0.1 ms on one
  // thread and 0.65 ms on two, reading what the other core had written).
  for (size_t i = 0; i < graph.nodes.size() && !half_plan && !int8_plan; ++i) {
    const Node& n = graph.nodes[i];
    if (folded[i] || fused_into[i] >= 0 || n.kind != OpKind::kMul || n.inputs.size() != 2 ||
        n.outputs.size() != 1 || n.outputs[0] < 0 || n.HasAttr("fused_activation")) {
      continue;
    }
    float factor = 1.0f;
    int32_t t = -1;
    if (scalar_of(n.inputs[1], &factor)) {
      t = n.inputs[0];
    } else if (scalar_of(n.inputs[0], &factor)) {
      t = n.inputs[1];
    }
    if (t < 0 || impl->bufs[t].constant || readers[t] != 1) continue;
    const int32_t p = owner[t];
    if (p < 0 || folded[p] || graph.nodes[p].kind != OpKind::kMatMul ||
        graph.nodes[p].inputs.size() < 2 || graph.nodes[p].outputs[0] != t ||
        impl->redirect.count(p) || impl->bufs[graph.nodes[p].inputs[1]].constant ||
        impl->bufs[t].nhwc != impl->bufs[n.outputs[0]].nhwc ||
        graph.tensors[t].shape != graph.tensors[n.outputs[0]].shape) {
      continue;
    }
    fused_into[i] = p;
    impl->redirect[p] = n.outputs[0];
    impl->matmul_scale[p] = factor;
    owner[n.outputs[0]] = p;
  }
}

// PyTorch exports a Linear layer on a sequence ([tokens, features], attention's projections and
// MLPs) as MatMul with constant weights, then Add of the bias vector. The Add, when it is the
// matmul's only reader, becomes the fully connected layer's bias: one pass over the output
// fewer (ViT-Tiny: 48 of them, 0.5 ms on one thread and 1.6 ms on two, where each read what
// the other core had written). fp32 plans.
void FoldMatMulBiases(Plan::Impl* impl, FusionState* fs) {
  const Graph& graph = *impl->graph;
  const std::vector<char>& folded = impl->folded;
  if (impl->options.precision != "fp32") return;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if (folded[i] || impl->fused_into[i] >= 0 || n.kind != OpKind::kAdd || n.inputs.size() != 2 ||
        n.outputs.size() != 1 || n.outputs[0] < 0 || n.HasAttr("fused_activation") ||
        n.inputs[0] < 0 || n.inputs[1] < 0) {
      continue;
    }
    const bool first_constant = impl->bufs[n.inputs[0]].constant;
    const int32_t t = n.inputs[first_constant ? 1 : 0], bias = n.inputs[first_constant ? 0 : 1];
    if (impl->bufs[t].constant || !impl->bufs[bias].constant) continue;
    const Shape& shape = graph.tensors[t].shape;
    const Shape& bshape = graph.tensors[bias].shape;
    if (shape.empty() || bshape.empty() || bshape.back() != shape.back() ||
        analyzer::NumElements(bshape).value_or(-1) != shape.back() ||
        shape != graph.tensors[n.outputs[0]].shape || fs->readers[t] != 1 || impl->bufs[t].nhwc ||
        impl->bufs[n.outputs[0]].nhwc) {
      continue;
    }
    const int32_t p = fs->owner[t];
    if (p < 0 || folded[p] || graph.nodes[p].kind != OpKind::kMatMul ||
        graph.nodes[p].outputs.size() != 1 || graph.nodes[p].outputs[0] != t ||
        impl->redirect.count(p) || graph.nodes[p].inputs.size() < 2 ||
        graph.nodes[p].inputs[1] < 0 || !impl->bufs[graph.nodes[p].inputs[1]].constant ||
        impl->bufs[graph.nodes[p].inputs[1]].gshape.size() != 2) {
      continue;
    }
    impl->fused_into[i] = p;
    impl->redirect[p] = n.outputs[0];
    impl->matmul_bias[p] = bias;
    fs->owner[n.outputs[0]] = p;
  }
}

// A Cast to a float type copies (activations are fp32 whatever the model's type). Right after
// a ConvInteger or MatMulInteger (dynamic quantization's int32 sums, stored as fp32) or any
// convolution or matmul it is their only reader, the producer writes the Cast's output
// itself: one copy fewer per quantized layer (in the dynamically quantized IS-Net, 119 copies,
// 39 ms of 1.9 s). fp32 plans.
void FoldFloatCasts(Plan::Impl* impl, FusionState* fs) {
  const Graph& graph = *impl->graph;
  const std::vector<char>& folded = impl->folded;
  if (impl->options.precision != "fp32") return;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if (folded[i] || impl->fused_into[i] >= 0 || n.kind != OpKind::kCast || n.inputs.empty() ||
        n.inputs[0] < 0 || n.outputs.size() != 1 || n.outputs[0] < 0 ||
        !Plan::Impl::CastsToFloat(n)) {
      continue;
    }
    const int32_t t = n.inputs[0], out = n.outputs[0];
    const int32_t p = fs->owner[t];
    if (p < 0 || folded[p] || impl->bufs[t].constant || fs->readers[t] != 1 ||
        (!ConvLike(graph, p) && graph.nodes[p].kind != OpKind::kMatMul) ||
        graph.nodes[p].outputs.size() != 1 || impl->redirect.count(p) ||
        graph.nodes[p].outputs[0] != t || impl->bufs[t].nhwc != impl->bufs[out].nhwc ||
        impl->bufs[t].ishape != impl->bufs[out].ishape) {
      continue;
    }
    impl->fused_into[i] = p;
    impl->redirect[p] = out;
    fs->owner[out] = p;
  }
}

// Activation fusion: a ReLU or Clip (constant bounds) that is the only reader of a
// convolution's, fully connected layer's or element-wise add/sub/mul/div's output becomes
// that operator's output range (ResNet's and ShuffleNet's ReLU after the residual add).
void FuseActivations(Plan::Impl* impl, FusionState* fs) {
  const Graph& graph = *impl->graph;
  const std::vector<char>& folded = impl->folded;
  std::vector<int32_t>& fused_into = impl->fused_into;
  std::vector<int32_t>& readers = fs->readers;
  std::vector<int32_t>& owner = fs->owner;
  auto clip_bounds = [&](const Node& n, float* lo, float* hi) {
    return ClipBounds(graph, n, lo, hi);
  };
  // Layers a region runs (its head, or fused into one): the activation fusion leaves them.
  auto in_region = [&](int32_t l) {
    return impl->regions.count(l) > 0 ||
           (fused_into[l] >= 0 && impl->regions.count(fused_into[l]) > 0);
  };
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if (folded[i] || (n.kind != OpKind::kRelu && n.kind != OpKind::kClip) || n.inputs.empty() ||
        n.outputs.size() != 1 || n.inputs[0] < 0 || n.outputs[0] < 0) {
      continue;
    }
    const int32_t t = n.inputs[0];
    const int32_t p = owner[t];
    if (in_region(static_cast<int32_t>(i)) || p < 0 || folded[p] || in_region(p) ||
        readers[t] != 1 || impl->clamp.count(p)) {
      continue;
    }
    const Node& pn = graph.nodes[p];
    if (pn.kind != OpKind::kConv && pn.kind != OpKind::kDepthwiseConv &&
        pn.kind != OpKind::kFullyConnected && pn.kind != OpKind::kConvTranspose &&
        pn.kind != OpKind::kAdd && pn.kind != OpKind::kSub && pn.kind != OpKind::kMul &&
        pn.kind != OpKind::kDiv) {
      continue;
    }
    const int32_t writes = impl->redirect.count(p) ? impl->redirect.at(p) : pn.outputs[0];
    if (pn.outputs.size() != 1 || writes != t || pn.HasAttr("fused_activation")) continue;
    if (graph.tensors[t].shape != graph.tensors[n.outputs[0]].shape) continue;
    float lo = 0.0f, hi = kInf;
    if (n.kind == OpKind::kClip && !clip_bounds(n, &lo, &hi)) continue;
    fused_into[i] = p;
    impl->redirect[p] = n.outputs[0];
    impl->clamp[p] = {lo, hi};
    owner[n.outputs[0]] = p;
  }
}

}  // namespace mbench::runner
