// ReadModel(path): reads a model file of any supported format into a Graph. The format is
// decided by the file's content, never by its name, so `model.bin` works. Stateless;
// safe to call from several threads.
#ifndef MBENCH_ANALYZER_MODEL_READER_H_
#define MBENCH_ANALYZER_MODEL_READER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "analyzer/graph.h"
#include "analyzer/read_options.h"
#include "core/status_or.h"

namespace mbench::analyzer {

enum class ModelFormat { kUnknown, kOnnx, kTflite, kNcnnParam, kZoo };

const char* ModelFormatName(ModelFormat format);  // "onnx", "tflite", "ncnn", "zoo", "unknown"

// Guesses the format from the first bytes: TFLite's "TFL3" identifier at offset 4, ncnn's
// "7767517" magic line, or the leading field tag of an ONNX ModelProto.
ModelFormat SniffFormat(std::string_view bytes);

struct LoadedModel {
  std::string path;
  ModelFormat format = ModelFormat::kUnknown;
  std::string sha256;      // of the file's bytes
  int64_t size_bytes = 0;  // of the file
  Graph graph;
};

// Reads and converts the model at `path`, or builds the zoo model `zoo:NAME` (its sha256 is
// that of the canonical reference "zoo:NAME?width=..&resolution=..&fold_bn=..").
// Returns kNotFound for a missing file, kInvalidArgument for a directory or a bad option,
// kCorruption for content that is no supported model format or a malformed model, and
// kUnsupported for a recognised format this build cannot read. Messages start with the path.
StatusOr<LoadedModel> ReadModel(const std::string& path, const ReadOptions& options);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_MODEL_READER_H_
