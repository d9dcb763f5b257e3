// Writes a Graph as an ONNX model (opset 17) with seeded random weights, so that zoo
// architectures can be run by other tools (and by mbench's runner) and checked by ONNX's own
// checker. Only the op kinds the zoo builds are written. Stateless; thread-safe.
#ifndef MBENCH_ANALYZER_ONNX_WRITER_H_
#define MBENCH_ANALYZER_ONNX_WRITER_H_

#include <cstdint>
#include <string>

#include "analyzer/graph.h"
#include "core/status.h"

namespace mbench::analyzer {

// Serializes `graph` to `path`. Weights are drawn from a fixed-seed generator (`seed`), scaled
// like He initialization; BatchNorm variances are positive. The model passes onnx::checker
// before it is written. Returns kUnsupported naming an op kind the writer cannot express,
// kInternal if the checker rejects the result, kIOError if the file cannot be written.
Status WriteOnnxModel(const Graph& graph, const std::string& path, uint32_t seed = 7767517);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_ONNX_WRITER_H_
