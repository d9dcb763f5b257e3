#include "analyzer/onnx_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "analyzer/zoo.h"
#include "core/env.h"
#include "onnx/onnx_pb.h"
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

// Large weights stay in the file during the parse and are read from it (the parsed model would
// otherwise hold a second copy): every weight the reader returns equals what protobuf's own parse
// of the whole file holds, large tensors and small.
TEST(OnnxWriterTest, WeightsLeftInTheFileDuringTheParseAreReadExactly) {
  testing::TempDir dir;
  auto g = BuildZooModel("mobilenet_v2", {});
  ASSERT_TRUE(g.ok());
  const std::string path = dir.File("m.onnx");
  ASSERT_TRUE(WriteOnnxModel(*g, path).ok());
  ReadOptions ro;
  ro.keep_weights = true;
  auto m = ReadModel(path, ro);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto bytes = ReadFileToString(path);
  ASSERT_TRUE(bytes.ok());
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(*bytes));
  int large = 0, compared = 0;
  for (const auto& init : proto.graph().initializer()) {
    if (init.data_type() != onnx::TensorProto::FLOAT || !init.has_raw_data()) continue;
    const TensorInfo* t = nullptr;
    for (const auto& ti : m->graph.tensors) t = ti.name == init.name() ? &ti : t;
    ASSERT_NE(t, nullptr) << init.name();
    ASSERT_TRUE(t->weights) << init.name();
    ASSERT_EQ(t->weights->size() * sizeof(float), init.raw_data().size()) << init.name();
    EXPECT_EQ(std::memcmp(t->weights->data(), init.raw_data().data(), init.raw_data().size()), 0)
        << init.name();
    large += init.raw_data().size() >= (64 << 10);
    ++compared;
  }
  EXPECT_GE(large, 10) << "the model must exercise the weights kept in the file";
  EXPECT_GT(compared, large) << "and small ones parsed as usual";
}

std::string Varint(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7f) | 0x80));
  out.push_back(static_cast<char>(v));
  return out;
}

// A tensor whose raw_data appears twice: protobuf keeps the last. When the last is small (parsed)
// and an earlier one large (kept in the file), the small one wins; the other way round the
// reader cannot tell which protobuf would take, and refuses the file.
TEST(OnnxWriterTest, RawDataStoredTwiceFollowsProtobufOrIsRefused) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, bool large_first) {
    onnx::ModelProto model;
    model.set_ir_version(8);
    model.add_opset_import()->set_version(17);
    onnx::GraphProto* g = model.mutable_graph();
    g->set_name("g");
    onnx::TensorProto* w = g->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    w->add_dims(4);
    const std::string small(16, '\0');
    std::string big(1 << 17, '\x01');
    w->set_raw_data(large_first ? big : small);
    std::string tensor = w->SerializeAsString();
    onnx::TensorProto second;
    second.set_raw_data(large_first ? small : big);
    tensor += second.SerializeAsString();  // a second raw_data field in the same message
    w->Clear();
    EXPECT_TRUE(w->ParseFromString(tensor));  // protobuf keeps the last raw_data
    onnx::NodeProto* n = g->add_node();
    n->set_op_type("Relu");
    n->add_input("x");
    n->add_output("y");
    onnx::ValueInfoProto* x = g->add_input();
    x->set_name("x");
    x->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(4);
    g->add_output()->set_name("y");
    // The model, with the tensor's two raw_data fields written out as they were.
    std::string file;
    model.mutable_graph()->mutable_initializer()->Clear();
    std::string graph = model.graph().SerializeAsString();
    std::string init_field;
    init_field.push_back(static_cast<char>(5 << 3 | 2));
    graph += init_field + Varint(tensor.size()) + tensor;
    onnx::ModelProto head = model;
    head.clear_graph();
    file = head.SerializeAsString();
    file.push_back(static_cast<char>(7 << 3 | 2));
    file += Varint(graph.size()) + graph;
    const std::string path = dir.File(name);
    testing::WriteFile(path, file);
    return path;
  };
  ReadOptions ro;
  ro.keep_weights = true;
  auto small_last = ReadModel(write("small_last.onnx", true), ro);
  ASSERT_TRUE(small_last.ok()) << small_last.status().ToString();
  for (const auto& t : small_last->graph.tensors) {
    if (t.name == "w") {
      EXPECT_TRUE(t.weights && t.weights->size() == 4 && (*t.weights)[0] == 0.0f);
    }
  }
  auto big_last = ReadModel(write("big_last.onnx", false), ro);
  ASSERT_FALSE(big_last.ok());
  EXPECT_NE(big_last.status().message().find("raw_data more than once"), std::string::npos)
      << big_last.status().ToString();
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
