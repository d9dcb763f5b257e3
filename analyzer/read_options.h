// Options every model reader takes, and the parsers for the `--input-shape NAME=d0,d1,...` and
// `--input-value NAME=v,...` flags.
// Value types; thread-compatible.
#ifndef MBENCH_ANALYZER_READ_OPTIONS_H_
#define MBENCH_ANALYZER_READ_OPTIONS_H_

#include <map>
#include <string>
#include <vector>

#include "analyzer/graph.h"
#include "analyzer/zoo.h"
#include "core/status_or.h"

namespace mbench::analyzer {

struct ReadOptions {
  // Concrete shapes for graph inputs, by input name. Overrides what the file says; required for
  // dimensions the file leaves dynamic (other than a symbolic batch dimension, which becomes 1).
  std::map<std::string, Shape> input_shapes;
  // Knobs of `zoo:NAME` models (width, resolution, BatchNorm folding); ignored for files.
  ZooOptions zoo;
  // Keep every constant's values (TensorInfo::weights) for the runner; the analyzer alone does
  // not need them. Supported for ONNX (data inside the file) and TFLite (dense buffers).
  bool keep_weights = false;
  // Values fixed for graph inputs, by input name (`--input-value sr=16000`): the input becomes
  // a constant, so that what depends on it (an If's condition, a size) is known when the model
  // is read. ONNX only. Values in the input's order; one value for a scalar.
  std::map<std::string, std::vector<double>> input_values;
};

// Parses "NAME=1,3,224,224" (also "NAME:1x3x224x224") into `options->input_shapes`, or, for
// the spelling of an --input-value flag, "NAME:=v0,v1,..." (see InputValueFlag), into
// `options->input_values`.
// Returns kInvalidArgument naming the flag value when it is malformed, a dim is not a positive
// integer, or NAME was given twice.
Status ParseInputShapeFlag(const std::string& flag, ReadOptions* options);

// `--input-value NAME=v0,...` as it travels with the --input-shape flags (in a command's flag
// list and a stored model reference): "NAME:=v0,...". kInvalidArgument when `flag` has no NAME=
// or a value is not a number.
StatusOr<std::string> InputValueFlag(const std::string& flag);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_READ_OPTIONS_H_
