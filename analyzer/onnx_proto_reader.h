// Work on an ONNX model's protobuf before it becomes a Graph: the model parsed without copying
// its large weights, and its nodes put in dependency order. Pure functions of their inputs;
// part of the ONNX reader (libonnx's protobuf types stay inside analyzer/'s readers).
#ifndef MBENCH_ANALYZER_ONNX_PROTO_READER_H_
#define MBENCH_ANALYZER_ONNX_PROTO_READER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status_or.h"

namespace onnx {
class GraphProto;  // onnx/onnx_pb.h, included only by the readers and writers
}  // namespace onnx

namespace mbench::analyzer {

// raw_data from this size on stays in the file: every weight of a real network, never a shape.
inline constexpr size_t kMinKeptRawBytes = 64 << 10;

// An ONNX model with the large raw_data of its main graph's initializers left out, and those
// bytes as views into the file, by initializer index. Parsing the whole file would copy every
// weight into the parsed model; a 550 MB model would cost 550 MB more than its file.
struct StrippedModel {
  std::string proto;
  std::vector<std::optional<std::string_view>> raw;  // per initializer, in file order
};

// Fills `out` with the model in `file` minus the raw_data of `min_bytes` or more of its main
// graph's initializers (ModelProto.graph = 7, GraphProto.initializer = 5, TensorProto.raw_data
// = 9), which stay views into `file`. Returns false on anything it cannot walk; the caller then
// parses the file as it is (protobuf judges it).
bool StripLargeRawData(std::string_view file, size_t min_bytes, StrippedModel* out);

// Reorders `g`'s nodes so each comes after the nodes whose outputs it reads (names its
// subgraphs read included), as ONNX Runtime does: exporters sometimes store a Cast after its
// readers. Kahn's algorithm taking the earliest ready node, so a graph in order is left as it
// is. Returns whether anything moved; kCorruption naming a cycle or a node reading its output.
StatusOr<bool> SortNodesInDependencyOrder(onnx::GraphProto* g);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_ONNX_PROTO_READER_H_
