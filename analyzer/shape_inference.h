// Graph-level shape propagation for the tensors a reader could not resolve: element-wise ops
// (same shape, or numpy broadcasting), activations, normalizations and reductions. Readers call
// it after their own inference (ONNX's, for instance, knows nothing of com.microsoft ops or of
// opsets newer than its schemas). Only fills unresolved tensors; never overrides a known shape.
// Pure function of the graph; thread-compatible.
#ifndef MBENCH_ANALYZER_SHAPE_INFERENCE_H_
#define MBENCH_ANALYZER_SHAPE_INFERENCE_H_

#include "analyzer/graph.h"

namespace mbench::analyzer {

// Returns the number of tensors whose shape it resolved.
int InferMissingShapes(Graph& graph);

// Numpy-style broadcast of two shapes; nullopt when they are incompatible or unresolved.
std::optional<Shape> BroadcastShapes(const Shape& a, const Shape& b);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_SHAPE_INFERENCE_H_
