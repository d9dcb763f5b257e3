// ONNX control flow made plain: If, Loop and Scan nodes of a model's main graph replaced by the
// nodes of their subgraphs, where what they execute can be known when the model is read. Part
// of the ONNX reader (libonnx's protobuf types stay inside analyzer/'s readers); pure function
// of its inputs.
//
// - If: a condition computable from constants (an --input-value included) keeps the taken
//   branch. Otherwise both branches are kept and each output chosen by a Where on the
//   condition: the count covers both, the runner refuses it (it would run both).
// - Loop: a trip count computable from constants, and a loop that never ends early (its body
//   passes the condition through or sets it true), is unrolled; scan outputs are stacked.
// - Scan: unrolled over the scan axis when the scanned inputs' shapes are known.
// What cannot be made plain stays a node of unknown work, with the reason among the notes.
#ifndef MBENCH_ANALYZER_ONNX_CONTROL_FLOW_READER_H_
#define MBENCH_ANALYZER_ONNX_CONTROL_FLOW_READER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/onnx_eval_reader.h"
#include "core/status_or.h"

namespace onnx {
class ModelProto;  // onnx/onnx_pb.h, included only by the readers and writers
}  // namespace onnx

namespace mbench::analyzer {

struct ControlFlowResult {
  int inlined = 0;                 // If, Loop and Scan nodes replaced
  std::vector<std::string> notes;  // one per node: what was done, or why it stayed
  // Where nodes standing for an If whose condition is known only at run time, by node name:
  // what would fix the condition (e.g. "--input-value sr=V").
  std::map<std::string, std::string> runtime_selects;
};

// Inlines what it can (above) in `model`'s main graph, in place, keeping at most `max_nodes`
// nodes; `shape_of` gives the static shapes of its tensors (Scan's trip count, Shape nodes in
// a condition). The nodes may end up out of dependency order; sort them afterwards. With
// `defer_unknown`, an If whose condition is unknown, and whatever stays, is left as it is
// without a note: the caller infers shapes inside what was inlined (conditions often test a
// shape) and calls again, and without it once nothing more is decided. Without it, the
// control flow inside both branches of an undecided If is left for the next call.
StatusOr<ControlFlowResult> InlineControlFlow(onnx::ModelProto* model, int64_t max_nodes,
                                              const ShapeLookup& shape_of, bool defer_unknown);

// Whether the main graph holds an If, Loop or Scan node.
bool HasControlFlow(const onnx::ModelProto& model);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_ONNX_CONTROL_FLOW_READER_H_
