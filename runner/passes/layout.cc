// Layout pass: which 4-D activations of an NCHW model are stored NHWC inside the plan.
#include <functional>
#include <vector>

#include "runner/ops/registry.h"
#include "runner/passes/passes.h"

namespace mbench::runner {

void AssignLayouts(Plan::Impl* impl) {
  const Graph& graph = *impl->graph;
  const std::vector<char>& folded = impl->folded;
  // Which 4-D activations of an NCHW model are stored NHWC: those of image ops (convolution,
  // pooling, resize, channel shuffle, graph inputs) and everything joined to them through
  // layout-agnostic ops (element-wise, batch norm, concat, split, pad). Tensors that only meet
  // reshapes, transposes and matmuls (attention) keep the model's order.
  if (graph.layout == analyzer::Layout::kNCHW) {
    std::vector<int32_t> parent(graph.tensors.size());
    for (size_t t = 0; t < parent.size(); ++t) parent[t] = static_cast<int32_t>(t);
    std::function<int32_t(int32_t)> find = [&](int32_t t) {
      while (parent[t] != t) t = parent[t] = parent[parent[t]];
      return t;
    };
    auto is4d = [&](int32_t t) {
      return t >= 0 && !impl->bufs[t].constant && graph.tensors[t].shape.size() == 4;
    };
    // A 4-D graph input counts as an image unless what it joins is read as a sequence (a
    // matmul, layer norm or softmax over the last axis: attention written with 4-D inputs);
    // spatial ops make an image whatever else reads it.
    std::vector<char> image(graph.tensors.size(), 0), input(graph.tensors.size(), 0),
        sequence(graph.tensors.size(), 0);
    for (int32_t t : graph.inputs) {
      if (is4d(t)) input[t] = 1;
    }
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      if (folded[i]) continue;
      const Node& n = graph.nodes[i];
      const OpKind k = n.kind;
      const OpRow* row = FindOpRow(k);
      const LayoutRole role = row != nullptr ? row->layout : LayoutRole::kNone;
      const bool spatial = role == LayoutRole::kSpatial;
      const bool agnostic = role == LayoutRole::kAgnostic;
      std::vector<int32_t> acts;
      for (int32_t t : n.inputs) {
        if (is4d(t)) acts.push_back(t);
      }
      for (int32_t t : n.outputs) {
        if (is4d(t)) acts.push_back(t);
      }
      if (spatial) {
        for (int32_t t : acts) image[t] = 1;
      }
      if (role == LayoutRole::kSequence ||
          (k == OpKind::kSoftmax && NormAxis(n.GetInt("axis", -1), 4) == 3)) {
        for (int32_t t : acts) sequence[t] = 1;
      }
      if (agnostic) {
        for (size_t a = 1; a < acts.size(); ++a) parent[find(acts[a])] = find(acts[0]);
      }
    }
    std::vector<char> root_image(graph.tensors.size(), 0), root_input(graph.tensors.size(), 0),
        root_sequence(graph.tensors.size(), 0);
    for (size_t t = 0; t < parent.size(); ++t) {
      const int32_t root = find(static_cast<int32_t>(t));
      root_image[root] |= image[t];
      root_input[root] |= input[t];
      root_sequence[root] |= sequence[t];
    }
    for (size_t t = 0; t < parent.size(); ++t) {
      if (root_input[t] && !root_sequence[t]) root_image[t] = 1;
    }
    for (size_t t = 0; t < parent.size(); ++t) {
      impl->bufs[t].nhwc =
          is4d(static_cast<int32_t>(t)) && root_image[find(static_cast<int32_t>(t))];
    }
  }
  for (auto& b : impl->bufs) b.ishape = b.nhwc ? ToNhwc(b.gshape) : b.gshape;
}

}  // namespace mbench::runner
