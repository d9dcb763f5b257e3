// Analyze(): per-layer and whole-model counts for a Graph — MACs, FLOPs, parameters, buffers,
// weight bytes by dtype, activation bytes, arithmetic intensity, and peak live activation
// memory from tensor lifetimes. Conventions: docs/counting.md. Pure and deterministic;
// thread-safe.
#ifndef MBENCH_ANALYZER_ANALYSIS_H_
#define MBENCH_ANALYZER_ANALYSIS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analyzer/graph.h"
#include "core/status_or.h"

namespace mbench::analyzer {

struct LayerAnalysis {
  int32_t index = 0;  // position in execution order (== node index in the Graph)
  std::string name;
  OpKind kind = OpKind::kUnknown;
  std::string op_type;
  std::vector<Shape> input_shapes;  // every present input, weights included, in slot order
  std::vector<Shape> output_shapes;
  int64_t macs = 0;
  int64_t flops = 0;
  int64_t params = 0;        // trainable weight elements read by this layer
  int64_t buffers = 0;       // non-trainable state (BatchNorm running mean/var)
  int64_t weight_bytes = 0;  // bytes of this layer's weights (params + buffers), stored dtype
  std::map<std::string, int64_t> weight_bytes_by_dtype;  // the same bytes split by dtype name
  int64_t input_bytes = 0;   // activation bytes read (non-constant inputs)
  int64_t output_bytes = 0;  // activation bytes written
  // FLOPs per byte moved (weights + activations in and out); 0 when nothing moves.
  double arithmetic_intensity = 0.0;
  bool costed = true;           // false: unknown, custom or control-flow op
  bool shapes_resolved = true;  // false: counts could not be computed (see note)
  std::string note;

  int64_t activation_bytes() const { return input_bytes + output_bytes; }
};

struct ModelTotals {
  int64_t macs = 0;
  int64_t flops = 0;
  int64_t params = 0;  // each weight tensor once, however many layers read it
  // Parameters actually stored: differs from `params` only for sparse weights (TFLite sparsity),
  // where it counts the stored non-zero values.
  int64_t params_stored = 0;
  int64_t buffers = 0;
  int64_t weight_bytes = 0;
  std::map<std::string, int64_t> weight_bytes_by_dtype;
  // Peak bytes of activations alive at once when layers run in order and every tensor is freed
  // after its last reader (no in-place reuse assumed).
  int64_t activation_bytes_peak = 0;
  // Naive sum of every activation tensor's bytes (what a runtime without reuse would allocate).
  int64_t activation_bytes_sum = 0;
  int64_t unknown_ops = 0;  // layers whose work is not counted (unknown/custom/control)
  std::vector<std::string> unknown_op_types;  // distinct op_types among them, sorted
  int64_t unresolved_layers = 0;              // layers whose shapes could not be resolved
  // True when every layer was costed with resolved shapes: the totals are exact under the
  // documented rules. False: the totals are lower bounds, and reports say so.
  bool complete = true;
};

struct ModelAnalysis {
  std::vector<LayerAnalysis> layers;
  ModelTotals totals;
};

// Counts every layer of `graph` and the model totals.
// Returns kInvalidArgument when a count overflows int64 (absurd dimensions), naming the layer,
// and kCorruption when the graph breaks the invariants of ValidateGraph.
StatusOr<ModelAnalysis> Analyze(const Graph& graph);

// Bytes held by `t` in its stored dtype, or nullopt when its shape is unresolved or overflows.
std::optional<int64_t> TensorBytes(const TensorInfo& t);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_ANALYSIS_H_
