// Reads an ONNX model (protobuf) into a Graph: parses it with libonnx, fixes input shapes from
// ReadOptions, runs ONNX shape inference (with data propagation) and then mbench's own
// fallback inference, and converts everything into the Graph IR. No protobuf type escapes.
// Stateless; safe to call from several threads.
#ifndef MBENCH_ANALYZER_ONNX_READER_H_
#define MBENCH_ANALYZER_ONNX_READER_H_

#include <string>
#include <string_view>

#include "analyzer/graph.h"
#include "analyzer/read_options.h"
#include "core/status_or.h"

namespace mbench::analyzer {

// Converts the ONNX model in `bytes`; `path` names the file in messages and locates external
// data (side files are resolved against its directory).
// Returns kCorruption for bytes that are not a well-formed ONNX model (not protobuf, no graph,
// a node reading a tensor nothing defines, a negative dimension), kUnsupported for an opset
// outside [1, kMaxOnnxOpset], kNotFound for a missing external-data file, and kInvalidArgument
// for an --input-shape that names no input or has the wrong rank, or an input dimension that
// stays dynamic (the message names the input and the flag to set it).
StatusOr<Graph> ReadOnnxModel(const std::string& path, std::string_view bytes,
                              const ReadOptions& options);

// Highest default-domain opset accepted. Opsets above what the linked libonnx knows are read
// with the newest schemas it has, and the Graph carries a note saying so.
inline constexpr int64_t kMaxOnnxOpset = 23;

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_ONNX_READER_H_
