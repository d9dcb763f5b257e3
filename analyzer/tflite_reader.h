// Reads a TensorFlow Lite flatbuffer into a Graph (NHWC layout). The buffer is checked with the
// flatbuffers Verifier before any field is touched. Builtin ops map to OpKinds by code; custom
// ops are kept by name (MediaPipe's are mapped where their semantics are known). Constant
// DEQUANTIZE and DENSIFY of weights are folded so that a float16 or sparse weight counts as a
// weight in its stored form, not as compute. Stateless; safe to call from several threads.
#ifndef MBENCH_ANALYZER_TFLITE_READER_H_
#define MBENCH_ANALYZER_TFLITE_READER_H_

#include <string>
#include <string_view>

#include "analyzer/graph.h"
#include "analyzer/read_options.h"
#include "core/status_or.h"

namespace mbench::analyzer {

// Converts the TFLite model in `bytes`; `path` names the file in messages.
// Returns kCorruption when the flatbuffer fails verification or references tensors, buffers or
// opcodes out of range, kInvalidArgument for an --input-shape that names no input or changes a
// fixed dimension, and kUnsupported for a model without subgraphs. A model with several
// subgraphs is analyzed through its main one (subgraph 0); the others are named in the notes.
StatusOr<Graph> ReadTfliteModel(const std::string& path, std::string_view bytes,
                                const ReadOptions& options);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_TFLITE_READER_H_
