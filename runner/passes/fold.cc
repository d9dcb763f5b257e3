// Folding pass: nodes whose outputs the analyzer already computed (integer shape arithmetic)
// fold away; then every op the runner cannot run is listed at once.
#include <set>
#include <string>
#include <vector>

#include "runner/ops/registry.h"
#include "runner/passes/passes.h"

namespace mbench::runner {

namespace {

// What keeps the runner from running this node, as listed to the user ("" when it runs): a
// kind without a registry row, or a form of an op the kind's builder does not compute.
std::string Unrunnable(const Node& n, const Graph& g) {
  auto is_output = [&](size_t i) { return i < n.outputs.size() && n.outputs[i] >= 0; };
  auto integer_out = [&] {
    return is_output(0) && analyzer::IsInteger(g.tensors[n.outputs[0]].dtype);
  };
  // TFLite's BATCH_TO_SPACE_ND is counted as depth-to-space data movement but has no block size.
  if (n.kind == OpKind::kDepthToSpace && n.GetInt("blocksize", 0) < 1) return n.op_type;
  if (FindOpRow(n.kind) == nullptr) {
    return n.kind == OpKind::kUnknown || n.kind == OpKind::kCustom
               ? n.op_type
               : std::string(analyzer::OpKindName(n.kind));
  }
  // ONNX's QLinear ops compute on raw 8-bit integers with their scales as inputs; the runner's
  // 8-bit path is TFLite's (scales on the tensors).
  if (n.op_type == "QLinearConv" || n.op_type == "QLinearMatMul") return n.op_type;
  if ((n.kind == OpKind::kMaxPool) && is_output(1)) return "max_pool with indices";
  if (n.kind == OpKind::kDropout) {
    if (is_output(1)) return "dropout with its mask";
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
      const auto& mode = g.tensors[n.inputs[2]];
      if (!mode.has_values || (!mode.int_values.empty() && mode.int_values[0] != 0) ||
          (!mode.float_values.empty() && mode.float_values[0] != 0)) {
        return "dropout in training mode";
      }
    }
  }
  if (n.kind == OpKind::kDiv && integer_out()) return "div of integers";
  return "";
}

}  // namespace

Status FoldShapeArithmetic(Plan::Impl* impl) {
  const Graph& graph = *impl->graph;
  impl->folded.assign(graph.nodes.size(), 0);
  std::vector<char>& folded = impl->folded;
  std::set<std::string> unsupported;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    bool all_values = !n.outputs.empty();
    for (int32_t t : n.outputs) {
      all_values &=
          t >= 0 && graph.tensors[t].has_values && analyzer::IsInteger(graph.tensors[t].dtype);
    }
    if (all_values) {
      folded[i] = 1;
      continue;
    }
    if (n.HasAttr("if_condition_fix")) {
      // Both branches of an If whose condition only a run would know (onnx_control_flow_reader).
      unsupported.insert("both branches of an If ('" + n.name + "'): its condition is known only " +
                         "at run time; give " + n.GetString("if_condition_fix", "") +
                         " to run the branch it takes");
      continue;
    }
    if (std::string why = Unrunnable(n, graph); !why.empty()) unsupported.insert(why);
  }
  if (!unsupported.empty()) {
    std::string list;
    for (const auto& u : unsupported) list += (list.empty() ? "" : ", ") + u;
    return Status::Unsupported("unsupported ops: " + list);
  }
  return Status::Ok();
}

}  // namespace mbench::runner
