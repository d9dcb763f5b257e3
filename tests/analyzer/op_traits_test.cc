// The op-traits table (analyzer/op_traits.h): one row per OpKind in enum order, and traits that
// agree with how the analyzer counts each kind. Adding an OpKind without its rows fails to build
// (static_asserts in op_cost.cc and op_traits.cc); a row in the wrong place fails here.
#include "analyzer/op_traits.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "analyzer/op_cost.h"

namespace mbench::analyzer {
namespace {

TEST(OpTraitsTest, EveryOpKindHasItsOwnRowInEveryTable) {
  std::set<std::string> names;
  for (OpKind kind : AllOpKinds()) {
    EXPECT_EQ(GetOpTraits(kind).kind, kind) << OpKindName(kind);
    EXPECT_EQ(GetOpCostEntry(kind).kind, kind) << OpKindName(kind);
    const std::string name = OpKindName(kind);
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(names.insert(name).second) << "two kinds named " << name;
  }
}

TEST(OpTraitsTest, ShapeOnlyOpsDoNoArithmetic) {
  for (OpKind kind : AllOpKinds()) {
    if (!IsShapeOnly(kind)) continue;
    EXPECT_EQ(GetOpCostEntry(kind).cost_class, CostClass::kDataMovement) << OpKindName(kind);
  }
  EXPECT_TRUE(IsView(OpKind::kReshape));
  EXPECT_TRUE(IsView(OpKind::kDropout));
  EXPECT_FALSE(IsView(OpKind::kTranspose));  // moves elements
  EXPECT_TRUE(IsShapeOnly(OpKind::kShape));
  EXPECT_FALSE(IsView(OpKind::kShape));
}

TEST(OpTraitsTest, EpiloguesAreElementWiseAndFreeOnesAreEpilogues) {
  for (OpKind kind : AllOpKinds()) {
    const OpTraits& t = GetOpTraits(kind);
    if (FoldsFree(kind)) {
      EXPECT_TRUE(IsEpilogue(kind)) << OpKindName(kind);
    }
    if (IsEpilogue(kind)) {
      EXPECT_TRUE(t.role == OpRole::kActivation || t.role == OpRole::kNormalization ||
                  t.role == OpRole::kQuantization || t.role == OpRole::kElementwise)
          << OpKindName(kind);
      EXPECT_NE(GetOpCostEntry(kind).cost_class, CostClass::kNotCosted) << OpKindName(kind);
    }
    if (IsBinaryElementwise(kind)) {
      EXPECT_EQ(GetOpCostEntry(kind).cost_class, CostClass::kPerOutputElement) << OpKindName(kind);
    }
  }
  EXPECT_TRUE(FoldsFree(OpKind::kBatchNorm));
  EXPECT_TRUE(IsEpilogue(OpKind::kHardSwish));
  EXPECT_FALSE(FoldsFree(OpKind::kHardSwish));
}

TEST(OpTraitsTest, UncostedKindsAreControlFlowOrUnknown) {
  for (OpKind kind : AllOpKinds()) {
    if (GetOpCostEntry(kind).cost_class != CostClass::kNotCosted) continue;
    const OpRole role = GetOpTraits(kind).role;
    EXPECT_TRUE(role == OpRole::kControlFlow || role == OpRole::kUnknown) << OpKindName(kind);
  }
  EXPECT_STREQ(OpRoleName(GetOpTraits(OpKind::kConv).role), "compute");
}

}  // namespace
}  // namespace mbench::analyzer
