// What each op kind is, written once for every part (STYLE: one op-traits table): its role (the
// analyzer's reports and the estimator's kernel grouping read it), whether it is a view that moves
// no element (reshape and kin: free in every runtime), a shape computation (folded once shapes
// are fixed), an epilogue a runtime fuses into the kernel before it, an epilogue that folds in at
// no cost (batch norm into the weights, a clamp into the output range, (de)quantization and casts
// into the store), or a binary element-wise op. kOpTraitsTable in op_traits.cc has one row per
// OpKind (a static_assert checks the count; op_traits_test checks the order). How to add an op:
// docs/adding-an-op.md. Constant data; thread-safe.
#ifndef MBENCH_ANALYZER_OP_TRAITS_H_
#define MBENCH_ANALYZER_OP_TRAITS_H_

#include <cstdint>

#include "analyzer/graph.h"

namespace mbench::analyzer {

enum class OpRole : uint8_t {
  kCompute,        // multiply-accumulate: convolutions, matmuls, recurrent layers, attention
  kNormalization,  // batch/layer/group norms, softmax
  kActivation,
  kPooling,
  kElementwise,  // unary math, binary and n-ary element-wise, casts
  kReduction,
  kView,              // reshape, flatten, squeeze, unsqueeze, identity, dropout
  kShapeComputation,  // shape, size, constant-of-shape, range
  kMovement,          // transpose, concat, split, gather, pad, resize, ...
  kQuantization,
  kDataDependent,  // work depends on values (NMS)
  kControlFlow,    // if, loop, scan
  kUnknown,        // custom and unknown ops
};

// OpTraits::flags bits.
inline constexpr uint8_t kEpilogue = 1;           // fuses into its producer's kernel
inline constexpr uint8_t kFoldsFree = 2;          // and costs nothing there
inline constexpr uint8_t kBinaryElementwise = 4;  // two operands, element by element

struct OpTraits {
  OpKind kind;
  OpRole role;
  uint8_t flags;
};

// The row of `kind`. Every OpKind has one.
const OpTraits& GetOpTraits(OpKind kind);

// A view: moves no element in the model's order, so every runtime runs it for free.
inline bool IsView(OpKind kind) { return GetOpTraits(kind).role == OpRole::kView; }
// A view or a shape computation: no work at run time once shapes are fixed.
inline bool IsShapeOnly(OpKind kind) {
  const OpRole r = GetOpTraits(kind).role;
  return r == OpRole::kView || r == OpRole::kShapeComputation;
}
inline bool IsEpilogue(OpKind kind) { return (GetOpTraits(kind).flags & kEpilogue) != 0; }
inline bool FoldsFree(OpKind kind) { return (GetOpTraits(kind).flags & kFoldsFree) != 0; }
inline bool IsBinaryElementwise(OpKind kind) {
  return (GetOpTraits(kind).flags & kBinaryElementwise) != 0;
}

// Stable lower-case name of a role ("compute", "view"), as in reports.
const char* OpRoleName(OpRole role);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_OP_TRAITS_H_
