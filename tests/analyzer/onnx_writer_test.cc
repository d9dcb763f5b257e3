#include "analyzer/onnx_writer.h"

#include <gtest/gtest.h>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "analyzer/zoo.h"
#include "tests/testutil/testutil.h"

namespace mbench::analyzer {
namespace {

// Export, then read back through the ONNX reader: the checker accepted it (WriteOnnxModel runs
// it) and the counts survive the round trip. VGG-16 and AlexNet are skipped for their 0.5 GB and
// 0.25 GB of weights; the writer has no size-dependent path.
TEST(OnnxWriterTest, EveryZooModelRoundTripsThroughOnnxWithTheSameCounts) {
  testing::TempDir dir;
  int checked = 0;
  for (const ZooEntry& e : ZooEntries()) {
    std::string name = e.name;
    if (name == "vgg16" || name == "alexnet") continue;
    for (bool fold : {false, true}) {
      ZooOptions o;
      o.fold_bn = fold;
      auto g = BuildZooModel(name, o);
      ASSERT_TRUE(g.ok());
      auto built = Analyze(*g);
      ASSERT_TRUE(built.ok());
      std::string path = dir.File(name + ".onnx");
      Status s = WriteOnnxModel(*g, path);
      ASSERT_TRUE(s.ok()) << name << ": " << s.ToString();
      auto m = ReadModel(path, {});
      ASSERT_TRUE(m.ok()) << name << ": " << m.status().ToString();
      auto read = Analyze(m->graph);
      ASSERT_TRUE(read.ok());
      EXPECT_EQ(read->totals.macs, built->totals.macs) << name;
      EXPECT_EQ(read->totals.params, built->totals.params) << name;
      EXPECT_EQ(read->totals.buffers, built->totals.buffers) << name;
      EXPECT_EQ(read->totals.flops, built->totals.flops) << name;
      EXPECT_TRUE(read->totals.complete) << name;
      ++checked;
    }
  }
  EXPECT_GE(checked, 40);
}

TEST(OnnxWriterTest, UnwritableKindIsUnsupported) {
  Graph g;
  TensorInfo x;
  x.name = "x";
  x.has_shape = true;
  x.shape = {1, 4};
  x.dtype = DType::kFloat32;
  g.inputs.push_back(g.AddTensor(x));
  TensorInfo y = x;
  y.name = "y";
  int32_t yi = g.AddTensor(y);
  Node n;
  n.name = "lstm";
  n.kind = OpKind::kLstm;
  n.inputs = {0};
  n.outputs = {yi};
  g.nodes.push_back(n);
  g.outputs = {yi};
  testing::TempDir dir;
  Status s = WriteOnnxModel(g, dir.File("x.onnx"));
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("lstm"), std::string::npos);
}

}  // namespace
}  // namespace mbench::analyzer
