#include "analyzer/graph.h"

#include <gtest/gtest.h>

#include <set>

namespace mbench::analyzer {
namespace {

TEST(GraphTest, EveryOpKindHasAUniqueName) {
  std::set<std::string> names;
  for (OpKind kind : AllOpKinds()) {
    std::string name = OpKindName(kind);
    EXPECT_NE(name, "invalid");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_STREQ(OpKindName(OpKind::kDepthwiseConv), "depthwise_conv");
  EXPECT_EQ(AllOpKinds().back(), OpKind::kUnknown);
}

TEST(GraphTest, ShapeHelpersReportUnknownAndOverflow) {
  EXPECT_EQ(ShapeToString({1, 3, -1}), "1x3x?");
  EXPECT_EQ(ShapeToString({}), "scalar");
  EXPECT_EQ(NumElements({2, 3}), 6);
  EXPECT_FALSE(NumElements({2, -1}).has_value());
  EXPECT_FALSE(NumElements({int64_t{1} << 40, int64_t{1} << 40}).has_value());
}

TEST(GraphTest, ValidateRejectsUseBeforeDefinition) {
  Graph g;
  TensorInfo a;
  a.name = "a";
  TensorInfo b;
  b.name = "b";
  g.AddTensor(a);
  g.AddTensor(b);
  Node n;
  n.name = "relu";
  n.kind = OpKind::kRelu;
  n.inputs = {0};
  n.outputs = {1};
  g.nodes.push_back(n);
  Status s = ValidateGraph(g);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  g.inputs = {0};
  EXPECT_TRUE(ValidateGraph(g).ok());
}

TEST(GraphTest, DTypeBitsCoverSubByteTypes) {
  EXPECT_EQ(DTypeBits(DType::kInt4), 4);
  EXPECT_EQ(DTypeBits(DType::kFloat16), 16);
  EXPECT_TRUE(IsFloatingPoint(DType::kBFloat16));
  EXPECT_TRUE(IsInteger(DType::kBool));
}

}  // namespace
}  // namespace mbench::analyzer
