// Shape inference over an ONNX main graph one node at a time, through the ops' own inference
// functions in libonnx: the pass the reader uses on graphs whose control flow it inlined. It
// calls a node's function only when every input the node names has a type, where libonnx 1.12's
// whole-graph pass hands some functions (Identity, Shape) a null type and crashes. Part of the
// ONNX reader (libonnx's protobuf types stay inside analyzer/'s readers).
#ifndef MBENCH_ANALYZER_ONNX_NODE_INFERENCE_READER_H_
#define MBENCH_ANALYZER_ONNX_NODE_INFERENCE_READER_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace onnx {
class ModelProto;  // onnx/onnx_pb.h, included only by the readers and writers
}  // namespace onnx

namespace mbench::analyzer {

// Infers the type and shape of every node output of `model`'s main graph, in node order (sort
// first), and stores them as value_info (and as the types of outputs the file left without a
// shape). `known_values`: integer tensors whose values mbench's own inference computed (shape
// arithmetic), offered to functions that read an input's data (Reshape's shape, Pad's pads).
// Nodes whose inference fails, or whose inputs have no type, leave their outputs untyped.
// `computed` (may be null) receives the integer values the pass evaluated, by tensor name.
void InferShapesNodeByNode(
    onnx::ModelProto* model,
    const std::unordered_map<std::string, std::vector<int64_t>>& known_values,
    std::unordered_map<std::string, std::vector<int64_t>>* computed = nullptr);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_ONNX_NODE_INFERENCE_READER_H_
