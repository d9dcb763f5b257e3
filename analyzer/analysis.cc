#include "analyzer/analysis.h"

#include <algorithm>
#include <set>

#include "analyzer/op_cost.h"
#include "core/units.h"

namespace mbench::analyzer {
namespace {

enum class WeightRole { kNone, kParam, kBuffer };

// Decides whether constant input `slot` of a node of kind `e` is a parameter, a buffer, or neither
// (configuration such as shapes, axes, scalars). Rules: docs/counting.md, "Parameters".
WeightRole RoleOfInput(const OpCostEntry& e, size_t slot, const TensorInfo& t) {
  if (!t.is_constant) return WeightRole::kNone;
  if (e.num_data_inputs >= 0 && slot >= static_cast<size_t>(e.num_data_inputs)) {
    return WeightRole::kNone;
  }
  if (slot < 8 && (e.buffer_slots & (1u << slot))) return WeightRole::kBuffer;
  if (slot < 8 && (e.weight_slots & (1u << slot))) return WeightRole::kParam;
  // Any other constant data input is a parameter when it is a floating-point tensor with more
  // than one element (a learned position embedding, a LayerNorm gamma written as Mul); a scalar
  // such as the 0.5 in a decomposed GELU is a constant of the formula, not a weight.
  if (!IsFloatingPoint(t.dtype)) return WeightRole::kNone;
  auto n = NumElements(t.shape);
  return (t.has_shape && n && *n > 1) ? WeightRole::kParam : WeightRole::kNone;
}

Status Overflow(const std::string& what) {
  return Status::InvalidArgument(what + ": count overflows int64: dimensions are too large");
}

// Adds the bytes of activation `t` to `*total`; an unresolved shape flags the layer instead.
Status AddActivationBytes(const TensorInfo& t, const char* what, int64_t* total,
                          LayerAnalysis* layer) {
  auto bytes = TensorBytes(t);
  if (bytes) {
    auto sum = CheckedAdd(*total, *bytes);
    if (!sum) return Overflow("layer '" + layer->name + "' " + what);
    *total = *sum;
  } else if (layer->shapes_resolved && t.dtype != DType::kString) {
    layer->shapes_resolved = false;
    layer->note = "shape of '" + t.name + "' is unresolved";
  }
  return Status::Ok();
}

}  // namespace

std::optional<int64_t> TensorBytes(const TensorInfo& t) {
  if (!t.has_shape) return std::nullopt;
  auto n =
      t.stored_elements >= 0 ? std::optional<int64_t>(t.stored_elements) : NumElements(t.shape);
  if (!n) return std::nullopt;
  auto bits = CheckedMul(*n, DTypeBits(t.dtype));
  if (!bits) return std::nullopt;
  return (*bits + 7) / 8;
}

StatusOr<ModelAnalysis> Analyze(const Graph& graph) {
  MBENCH_RETURN_IF_ERROR(ValidateGraph(graph));
  ModelAnalysis out;
  ModelTotals& totals = out.totals;
  out.layers.reserve(graph.nodes.size());

  // Each weight tensor is counted once in the totals; the role of its first reader decides.
  std::vector<WeightRole> tensor_role(graph.tensors.size(), WeightRole::kNone);
  std::set<std::string> unknown_types;

  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    const OpCostEntry& entry = GetOpCostEntry(node.kind);
    LayerAnalysis layer;
    layer.index = static_cast<int32_t>(i);
    layer.name = node.name;
    layer.kind = node.kind;
    layer.op_type = node.op_type;

    MBENCH_ASSIGN_OR_RETURN(NodeWork work, ComputeNodeWork(graph, node));
    layer.macs = work.macs;
    layer.flops = work.flops;
    layer.costed = work.costed;
    layer.shapes_resolved = work.shapes_resolved;
    layer.note = work.note;

    for (size_t slot = 0; slot < node.inputs.size(); ++slot) {
      int32_t ti = node.inputs[slot];
      if (ti < 0) continue;
      const TensorInfo& t = graph.tensors[ti];
      layer.input_shapes.push_back(t.shape);
      if (!t.is_constant) {
        MBENCH_RETURN_IF_ERROR(AddActivationBytes(t, "input bytes", &layer.input_bytes, &layer));
        continue;
      }
      WeightRole role = RoleOfInput(entry, slot, t);
      if (role == WeightRole::kNone) continue;
      auto bytes = TensorBytes(t);
      auto elems = NumElements(t.shape);
      if (!elems || !bytes) return Overflow("weight '" + t.name + "'");
      if (role == WeightRole::kParam) layer.params += *elems;
      if (role == WeightRole::kBuffer) layer.buffers += *elems;
      layer.weight_bytes += *bytes;
      layer.weight_bytes_by_dtype[DTypeName(t.dtype)] += *bytes;
      if (tensor_role[ti] == WeightRole::kNone) {
        tensor_role[ti] = role;
        (role == WeightRole::kParam ? totals.params : totals.buffers) += *elems;
        if (role == WeightRole::kParam) {
          totals.params_stored += t.stored_elements >= 0 ? t.stored_elements : *elems;
        }
        totals.weight_bytes += *bytes;
        totals.weight_bytes_by_dtype[DTypeName(t.dtype)] += *bytes;
      }
    }
    for (int32_t ti : node.outputs) {
      if (ti < 0) continue;
      const TensorInfo& t = graph.tensors[ti];
      layer.output_shapes.push_back(t.shape);
      // How many rows a detection layer emits depends on the image: its output is sized at run
      // time, which the layer's note already says; that is not an unresolved shape.
      if (entry.cost_class == CostClass::kDataDependent && !TensorBytes(t)) continue;
      MBENCH_RETURN_IF_ERROR(AddActivationBytes(t, "output bytes", &layer.output_bytes, &layer));
    }
    int64_t moved = layer.weight_bytes + layer.input_bytes + layer.output_bytes;
    layer.arithmetic_intensity =
        moved > 0 ? static_cast<double>(layer.flops) / static_cast<double>(moved) : 0.0;

    auto macs = CheckedAdd(totals.macs, layer.macs);
    auto flops = CheckedAdd(totals.flops, layer.flops);
    if (!macs || !flops) return Overflow("model totals at layer '" + node.name + "'");
    totals.macs = *macs;
    totals.flops = *flops;
    if (!layer.costed) {
      ++totals.unknown_ops;
      unknown_types.insert(node.op_type);
    }
    if (!layer.shapes_resolved) ++totals.unresolved_layers;
    out.layers.push_back(std::move(layer));
  }
  totals.unknown_op_types.assign(unknown_types.begin(), unknown_types.end());
  totals.complete = totals.unknown_ops == 0 && totals.unresolved_layers == 0;

  // Activation lifetimes: a tensor is born when its producer runs (graph inputs: before the
  // first layer) and dies after its last reader (graph outputs: live until the end).
  const auto num_layers = static_cast<int64_t>(graph.nodes.size());
  std::vector<int64_t> birth(graph.tensors.size(), -2), death(graph.tensors.size(), -2);
  for (int32_t in : graph.inputs) birth[in] = -1;
  for (int64_t i = 0; i < num_layers; ++i) {
    for (int32_t ti : graph.nodes[i].outputs) {
      if (ti >= 0 && birth[ti] == -2) birth[ti] = i;
    }
    for (int32_t ti : graph.nodes[i].inputs) {
      if (ti >= 0) death[ti] = i;
    }
  }
  for (int32_t ti : graph.outputs) death[ti] = num_layers;
  // Sweep: bytes_delta[i] added at step i (birth), removed after step i (death).
  std::vector<int64_t> delta(num_layers + 3, 0);
  for (size_t ti = 0; ti < graph.tensors.size(); ++ti) {
    const TensorInfo& t = graph.tensors[ti];
    if (t.is_constant || birth[ti] == -2) continue;
    auto bytes = TensorBytes(t);
    if (!bytes) continue;
    auto sum = CheckedAdd(totals.activation_bytes_sum, *bytes);
    if (!sum) return Overflow("activation bytes");
    totals.activation_bytes_sum = *sum;
    int64_t start = birth[ti] + 1;  // shift by one so graph inputs (-1) land at 0
    int64_t end = std::max(death[ti], birth[ti]) + 1;
    delta[start] += *bytes;
    delta[end + 1] -= *bytes;
  }
  int64_t live = 0;
  for (int64_t& d : delta) {
    live += d;
    totals.activation_bytes_peak = std::max(totals.activation_bytes_peak, live);
  }
  return out;
}

}  // namespace mbench::analyzer
