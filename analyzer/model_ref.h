// How a model is named and loaded again: a file path or a zoo reference with its options
// ("zoo:mobilenet_v2 --width 0.5 --resolution 160"), the --input-shape flags it was read with,
// and the step every model-taking command starts with (read, then analyze). Pure apart from
// reading the model file; thread-safe.
#ifndef MBENCH_ANALYZER_MODEL_REF_H_
#define MBENCH_ANALYZER_MODEL_REF_H_

#include <string>
#include <vector>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "analyzer/zoo.h"
#include "core/status_or.h"

namespace mbench::analyzer {

// How to load a model again: the path (or zoo:NAME) with its zoo options and input shapes.
struct ModelRef {
  std::string path;
  ZooOptions zoo;
  std::vector<std::string> input_shapes;
};

// "zoo:mobilenet_v2 --width 0.5 --resolution 160" (the architecture's default resolution left
// out, so one model has one name); a file path as it is.
std::string EncodeRef(const ModelRef& ref);

// The inverse of EncodeRef, with `input_shapes` the stored ';'-joined --input-shape flags.
// kCorruption for an unknown option or a value that is not a number.
StatusOr<ModelRef> DecodeRef(const std::string& ref, const std::string& input_shapes);

// Model group of a stored model: the architecture name, so that cross-validation holds out
// every size of it at once ("zoo:mobilenet_v2 ..." -> "mobilenet_v2", "a/b/net.onnx" -> "net").
std::string ModelGroup(const std::string& ref_or_name);

// A model read and counted, as every model-taking subcommand starts.
struct AnalyzedModel {
  LoadedModel model;
  ModelAnalysis analysis;
};

// Reads `path` (a file or zoo:NAME) with the --input-shape flags and zoo knobs, and analyzes it.
// Errors are ReadModel's and Analyze's, annotated with the path.
StatusOr<AnalyzedModel> LoadAndAnalyze(const std::string& path,
                                       const std::vector<std::string>& input_shape_flags,
                                       const ZooOptions& zoo, bool keep_weights = false);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_MODEL_REF_H_
