// Folding pass: nodes whose outputs the analyzer already computed (integer shape arithmetic)
// fold away; then every op the runner cannot run is listed at once.
#include <set>
#include <string>
#include <vector>

#include "runner/ops/registry.h"
#include "runner/passes/passes.h"

namespace mbench::runner {

namespace {

// Whether the runner can run this node: its kind has a registry row, and for kinds that several
// ops share, the op can run (TFLite's BATCH_TO_SPACE_ND is counted as depth-to-space data
// movement but has no block size).
bool Runnable(const Node& n) {
  if (n.kind == OpKind::kDepthToSpace) return n.GetInt("blocksize", 0) >= 1;
  return FindOpRow(n.kind) != nullptr;
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
    if (!Runnable(n)) {
      unsupported.insert(n.kind == OpKind::kUnknown || n.kind == OpKind::kCustom ||
                                 n.kind == OpKind::kDepthToSpace
                             ? n.op_type
                             : std::string(analyzer::OpKindName(n.kind)));
    }
  }
  if (!unsupported.empty()) {
    std::string list;
    for (const auto& u : unsupported) list += (list.empty() ? "" : ", ") + u;
    return Status::Unsupported("unsupported ops: " + list);
  }
  return Status::Ok();
}

}  // namespace mbench::runner
