// The runner's op registry: one row per OpKind the runner executes, saying which builder lowers
// it (runner/ops/<family>.cc), how many leading inputs it needs, how it treats the layout of
// 4-D activations and which narrow precisions XNNPACK may run it in. Kinds without a row are
// not run (Plan::Compile lists them all as unsupported before it allocates anything).
//
// Adding an op to the runner: a builder in runner/ops/, one row here (docs/adding-an-op.md).
// The table is constant; lookups are thread-safe.
#ifndef MBENCH_RUNNER_OPS_REGISTRY_H_
#define MBENCH_RUNNER_OPS_REGISTRY_H_

#include <cstdint>
#include <span>

#include "runner/plan_impl.h"

namespace mbench::runner {

enum class OpFamily : uint8_t {
  kCompute,        // convolution, fully connected, matmul
  kUnaryXnn,       // element-wise on XNNPACK's unary operators
  kUnaryPlain,     // element-wise on plain kernels (XNNPACK has none in Debian's version)
  kBinary,         // element-wise with broadcasting on XNNPACK's binary operators
  kView,           // analyzer::IsView: reshapes that move no element in the model's order
                   // (copied when the internal order differs)
  kMovement,       // transpose, concat, split, slice, gather, pad, resize, shuffles
  kNormalization,  // batch norm, layer norm, softmax
  kPool,
  kReduce,
  kQuantize,
};

// How an op treats 4-D activations when the layout pass (passes/layout.cc) decides which are
// stored NHWC: kSpatial ops need images (NHWC); kAgnostic ops join their operands into one
// layout; kSequence ops read the last axis as features (attention); kNone forces nothing.
enum class LayoutRole : uint8_t { kNone, kSpatial, kAgnostic, kSequence };

// OpRow::precisions bits: XNNPACK may run the op in fp16 / int8 (passes/precision.cc adds the
// conditions on shapes, activations and quantization).
inline constexpr uint8_t kFp16 = 1;
inline constexpr uint8_t kInt8 = 2;

using OpBuilder = Status (Plan::Impl::*)(const Node&, Plan::Impl::Step&);

struct OpRow {
  OpKind kind;
  OpFamily family;
  int8_t arity;  // leading inputs that must be present
  LayoutRole layout;
  uint8_t precisions;
  OpBuilder build;
};

// Every row, in table order.
std::span<const OpRow> OpRows();

// The row of `kind`, or nullptr when the runner does not run it.
const OpRow* FindOpRow(OpKind kind);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_OPS_REGISTRY_H_
