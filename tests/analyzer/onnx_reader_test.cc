#include "analyzer/onnx_reader.h"
#include "analyzer/ncnn_reader.h"

#include <gtest/gtest.h>

#include <random>

#include "analyzer/model_reader.h"
#include "analyzer/ncnn_reader.h"
#include "onnx/onnx_pb.h"
#include "tests/analyzer/analyzer_test_util.h"
#include "tests/testutil/testutil.h"

namespace mbench::analyzer {
namespace {

using testing::AnalyzeOnnx;
using testing::OnnxAttr;
using testing::OnnxBuilder;
using testing::TempDir;

std::string TinyConvModel(std::vector<int64_t> input_dims = {1, 3, 8, 8}, int64_t opset = 13) {
  OnnxBuilder b(opset);
  auto x = b.Input("x", input_dims);
  auto w = b.Weight("w", {4, 3, 3, 3});
  auto y = b.Node("Conv", {x, w}, {OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  b.Output(b.Node("Relu", {y}));
  return b.Serialize();
}

TEST(OnnxReaderTest, DetectsFormatByContentNotName) {
  TempDir dir;
  testing::WriteFile(dir.File("model.bin"), TinyConvModel());
  auto m = ReadModel(dir.File("model.bin"), {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->format, ModelFormat::kOnnx);
  EXPECT_EQ(m->graph.nodes.size(), 2u);
  EXPECT_EQ(m->sha256.size(), 64u);
  EXPECT_EQ(SniffFormat(std::string("\x1c\0\0\0TFL3", 8)), ModelFormat::kTflite);
  EXPECT_EQ(SniffFormat("7767517\n3 3\n"), ModelFormat::kNcnnParam);
  EXPECT_EQ(SniffFormat("hello"), ModelFormat::kUnknown);
}

TEST(OnnxReaderTest, MissingFileIsNotFoundAndDirectoryIsInvalid) {
  TempDir dir;
  auto missing = ReadModel(dir.File("nope.onnx"), {});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.onnx"), std::string::npos);
  auto d = ReadModel(dir.path(), {});
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("directory"), std::string::npos);
}

TEST(OnnxReaderTest, RandomBytesAndEmptyFilesAreCorruption) {
  TempDir dir;
  std::mt19937 rng(301);
  for (int i = 0; i < 50; ++i) {
    std::string bytes(64 + i * 13, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    testing::WriteFile(dir.File("r.bin"), bytes);
    auto m = ReadModel(dir.File("r.bin"), {});
    EXPECT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find(dir.File("r.bin")), std::string::npos);
  }
  testing::WriteFile(dir.File("empty.onnx"), "");
  EXPECT_EQ(ReadModel(dir.File("empty.onnx"), {}).status().code(), StatusCode::kCorruption);
}

TEST(OnnxReaderTest, EveryTruncationFailsCleanlyOrReadsAConsistentGraph) {
  std::string full = TinyConvModel();
  for (size_t len = 1; len < full.size(); ++len) {
    auto g = ReadOnnxModel("t.onnx", std::string_view(full).substr(0, len), {});
    if (g.ok()) {
      // A prefix can still be a valid protobuf; then it must be a consistent graph.
      EXPECT_TRUE(ValidateGraph(*g).ok());
      auto a = Analyze(*g);
      if (!a.ok()) {
        EXPECT_FALSE(a.status().message().empty());
      }
    } else {
      EXPECT_NE(g.status().message().find("t.onnx"), std::string::npos);
    }
  }
  auto half = ReadOnnxModel("t.onnx", std::string_view(full).substr(0, full.size() / 2), {});
  EXPECT_EQ(half.status().code(), StatusCode::kCorruption);
}

TEST(OnnxReaderTest, SymbolicBatchBecomesOneAndIsReported) {
  OnnxBuilder b;
  auto x = b.Input("x", {-1, 3, 8, 8});
  b.Output(b.Node("Relu", {x}));
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.graph.tensors[r.graph.inputs[0]].shape, (Shape{1, 3, 8, 8}));
  ASSERT_EQ(r.graph.notes.size(), 1u);
  EXPECT_NE(r.graph.notes[0].find("batch"), std::string::npos);
  EXPECT_EQ(r.analysis.layers[0].flops, 192);
}

TEST(OnnxReaderTest, DynamicSpatialDimIsAnErrorNamingInputAndFlag) {
  auto g = ReadOnnxModel("m.onnx", TinyConvModel({1, 3, -1, -1}), {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(g.status().message().find("input 'x' dim 2"), std::string::npos);
  EXPECT_NE(g.status().message().find("--input-shape x="), std::string::npos);
}

// A model with three symbolic dims took three tries, one error each: one message now names
// every dynamic dim of every input, with the flags that fix them all.
TEST(OnnxReaderTest, EveryDynamicDimIsNamedInOneError) {
  OnnxBuilder b;
  const std::string x = b.Input("x", {1, 3, -1, -1});
  const std::string t = b.Input("t", {1, -1});
  b.Output(b.Node("Relu", {x}));
  b.Output(b.Node("Relu", {t}));
  auto g = ReadOnnxModel("m.onnx", b.Serialize(), {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  const std::string& m = g.status().message();
  EXPECT_NE(m.find("inputs 'x' dim 2 ('d2'), dim 3 ('d3') and 't' dim 1 ('d1') are dynamic"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("--input-shape x=1,3,D2,D3 --input-shape t=1,D1"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos);
}

// PyTorch's F.interpolate(size=...) exports Resize with `sizes` computed from the input's own
// shape (Shape -> Slice -> Concat): every input fixed, yet the output shape stayed unknown and
// every layer after it uncounted. The chain is folded as a Reshape's target is.
TEST(OnnxReaderTest, ResizeSizesComputedInTheGraphAreFolded) {
  OnnxBuilder b(13);
  const std::string x = b.Input("x", {1, 8, 16, 16});
  const std::string shape = b.Node("Shape", {x});
  const std::string nc = b.Node("Slice", {shape, b.Int64s("s0", {0}), b.Int64s("s1", {2})});
  const std::string sizes =
      b.Node("Concat", {nc, b.Int64s("hw", {32, 24})}, {OnnxAttr::Int("axis", 0)});
  const std::string up =
      b.Node("Resize", {x, "", "", sizes}, {OnnxAttr::Str("mode", "nearest")}, 1, "resize");
  const std::string w = b.Weight("w", {4, 8, 3, 3});
  b.Output(b.Node("Conv", {up, w}, {OnnxAttr::Ints("pads", {1, 1, 1, 1})}, 1, "conv"));
  auto g = ReadOnnxModel("interp.onnx", b.Serialize(), {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->tensors[g->outputs[0]].shape, (Shape{1, 4, 32, 24}));
  auto a = Analyze(*g);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->totals.complete);
  EXPECT_EQ(a->totals.macs, 4 * 32 * 24 * 8 * 9);
}

TEST(OnnxReaderTest, InputShapeFlagFixesDynamicDims) {
  ReadOptions opts;
  ASSERT_TRUE(ParseInputShapeFlag("x=1,3,32,16", &opts).ok());
  OnnxBuilder b;
  auto x = b.Input("x", {1, 3, -1, -1});
  auto w = b.Weight("w", {4, 3, 3, 3});
  b.Output(b.Node("Conv", {x, w}));
  auto r = AnalyzeOnnx(b, opts);
  EXPECT_EQ(r.analysis.layers[0].output_shapes[0], (Shape{1, 4, 30, 14}));
  EXPECT_EQ(r.analysis.layers[0].macs, 4LL * 30 * 14 * 27);
}

TEST(OnnxReaderTest, InputShapeFlagErrors) {
  ReadOptions opts;
  EXPECT_EQ(ParseInputShapeFlag("x", &opts).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseInputShapeFlag("x=1,a", &opts).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseInputShapeFlag("x=1,-3", &opts).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseInputShapeFlag("x=1,,3", &opts).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(ParseInputShapeFlag("x=1x3x8x8", &opts).ok());
  EXPECT_EQ(ParseInputShapeFlag("x=1,3,8,8", &opts).code(), StatusCode::kInvalidArgument);

  ReadOptions wrong_name;
  ASSERT_TRUE(ParseInputShapeFlag("images=1,3,8,8", &wrong_name).ok());
  auto g = ReadOnnxModel("m.onnx", TinyConvModel(), wrong_name);
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(g.status().message().find("inputs: x"), std::string::npos);

  ReadOptions wrong_rank;
  ASSERT_TRUE(ParseInputShapeFlag("x=1,3,8", &wrong_rank).ok());
  EXPECT_EQ(ReadOnnxModel("m.onnx", TinyConvModel(), wrong_rank).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(OnnxReaderTest, NegativeDimIsCorruption) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 4});
  b.Output(b.Node("Relu", {x}));
  b.SetInputDim("x", 1, -4);
  auto g = ReadOnnxModel("neg.onnx", b.Serialize(), {});
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  EXPECT_NE(g.status().message().find("dim 1=-4"), std::string::npos);
}

TEST(OnnxReaderTest, OverflowingShapesAreRejectedNotWrapped) {
  ReadOptions opts;
  ASSERT_TRUE(ParseInputShapeFlag("x=1,3,4000000000,4000000000", &opts).ok());
  OnnxBuilder b;
  auto x = b.Input("x", {1, 3, -1, -1});
  auto w = b.Weight("w", {64, 3, 3, 3});
  b.Output(b.Node("Conv", {x, w}, {OnnxAttr::Ints("pads", {1, 1, 1, 1})}));
  auto g = ReadOnnxModel("big.onnx", b.Serialize(), opts);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto a = Analyze(*g);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("overflows int64"), std::string::npos);
}

TEST(OnnxReaderTest, UnsupportedOpsetIsRejected) {
  auto g = ReadOnnxModel("o.onnx", TinyConvModel({1, 3, 8, 8}, 99), {});
  EXPECT_EQ(g.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(g.status().message().find("opset=99"), std::string::npos);
}

TEST(OnnxReaderTest, NewerOpsetThanSchemasIsReadWithANote) {
  auto g = ReadOnnxModel("o.onnx", TinyConvModel({1, 3, 8, 8}, 21), {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_FALSE(g->notes.empty());
  EXPECT_NE(g->notes[0].find("newer"), std::string::npos);
  auto a = Analyze(*g);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->layers[0].macs, 4LL * 64 * 27);
}

TEST(OnnxReaderTest, ExternalDataLoadsShapesAndMissingSideFileIsNotFound) {
  TempDir dir;
  OnnxBuilder b;
  auto x = b.Input("x", {1, 256});
  auto w = b.Weight("w", {256, 128});
  b.Output(b.Node("MatMul", {x, w}));
  b.MakeExternal("w", "weights.bin");
  std::string path = b.WriteTo(dir.path(), "ext.onnx");
  auto m = ReadModel(path, {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto a = Analyze(m->graph);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->totals.params, 256 * 128);
  EXPECT_EQ(a->totals.weight_bytes, 256 * 128 * 4);

  std::remove(dir.File("weights.bin").c_str());
  auto missing = ReadModel(path, {});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("weights.bin"), std::string::npos);
}

TEST(OnnxReaderTest, NodeReadingUndefinedTensorIsCorruption) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 4});
  b.Output(b.Node("Add", {x, "ghost"}));
  auto g = ReadOnnxModel("u.onnx", b.Serialize(), {});
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  EXPECT_NE(g.status().message().find("ghost"), std::string::npos);
}

TEST(OnnxReaderTest, ShapeArithmeticChainsResolveReshapeTargets) {
  // Shape -> Slice -> Cast -> Concat -> Reshape: beyond ONNX 1.12's data propagation.
  OnnxBuilder b;
  auto x = b.Input("x", {1, 8, 6, 10});
  auto s = b.Node("Shape", {x});
  auto head = b.Node("Slice", {s, b.Int64s("st", {0}), b.Int64s("en", {2}), b.Int64s("ax", {0})});
  auto cast = b.Node("Cast", {head}, {OnnxAttr::Int("to", 7)});
  auto target = b.Node("Concat", {cast, b.Int64s("rest", {-1})}, {OnnxAttr::Int("axis", 0)});
  auto r = b.Node("Reshape", {x, target});
  auto t = b.Node("Transpose", {r}, {OnnxAttr::Ints("perm", {0, 2, 1})});
  auto w = b.Weight("w", {8, 16});
  b.Output(b.Node("MatMul", {t, w}));
  auto res = AnalyzeOnnx(b);
  EXPECT_TRUE(res.analysis.totals.complete);
  EXPECT_EQ(res.analysis.layers.back().output_shapes[0], (Shape{1, 60, 16}));
  EXPECT_EQ(res.analysis.layers.back().macs, 60LL * 16 * 8);
}

TEST(OnnxReaderTest, ConstantNodesBecomeWeightsNotLayers) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 4});
  // A Constant node holding the weight, then MatMul reading it.
  auto c = b.Node("Constant", {}, {OnnxAttr::Floats("value_floats", {1, 2, 3, 4})});
  auto y = b.Node("Mul", {x, c});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  ASSERT_EQ(r.analysis.layers.size(), 1u);
  EXPECT_EQ(r.analysis.layers[0].params, 4);
}

TEST(OnnxReaderTest, ComMicrosoftGeluIsKnownAndShaped) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 10, 32});
  b.Output(b.Node("Gelu", {x}, {}, 1, "gelu", "com.microsoft"));
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.analysis.layers[0].kind, OpKind::kGelu);
  EXPECT_TRUE(r.analysis.layers[0].shapes_resolved);
  EXPECT_EQ(r.analysis.layers[0].flops, 5 * 320);
}

// Found by tests/fuzz/onnx_fuzz.cc: a backend test model one bit away from valid, whose graph
// then holds a node without an op type and reads an input it no longer declares. libonnx's shape
// inference dereferenced a null type on it (SIGSEGV); the reader now refuses it first.
TEST(OnnxReaderTest, FuzzFindingANodeWithoutAnOpIsRefusedBeforeShapeInference) {
  const std::string bytes(
      "\x08\x04\x12\x0c\x62\x61\x63\x6b\x65\x6e\x64\x2d\x74\x65\x73\x74\x3a\x7c\x0a\x27\x0a\x01\x78"
      "\x12"
      "\x01\x79\x22\x07\x45\x79\x65\x4c\x69\x6b\x65\x2a\x0c\x0a\x05\x64\x74\x79\x70\x65\x18\x01\xa0"
      "\x01"
      "\x02\x2a\x08\x0a\x01\x6b\x18\x01\xa0\x01\x02\x12\x25\x74\x65\x73\x74\x5f\x65\x79\x65\x6c\x69"
      "\x6b"
      "\x65\x5f\x70\x6f\x70\x75\x6c\x61\x74\x65\x5f\x6f\x66\x66\x5f\x6d\x61\x69\x6e\x5f\x64\x69\x61"
      "\x67"
      "\x6f\x6e\x61\x6c\x5a\x13\x0a\x01\x78\x12\x0e\x0a\x0c\x08\x06\x12\x08\x0a\x02\x08\x04\x0a\x02"
      "\x08"
      "\x05\x62\x13\x0a\x01\x79\x12\x0e\x0a\x0c\x08\x01\x12\x08\x0a\x02\x08\x04\x0a\x02\x08\x05\x42"
      "\x04"
      "\x0a\x00\x10\x09",
      148);
  auto g = ReadOnnxModel("fuzz.onnx", bytes, {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption) << g.status().ToString();
}

// Found by tests/fuzz/onnx_fuzz.cc: a Scan whose attributes its schema does not allow (here no
// body graph and more scan inputs than inputs) crashed libonnx's Scan inference (SIGSEGV).
// Every node is checked against its op's schema before inference.
TEST(OnnxReaderTest, FuzzFindingAScanItsSchemaRefusesIsRefusedBeforeShapeInference) {
  testing::OnnxBuilder b(/*opset=*/8);
  auto x = b.Input("x", {1, 2, 3});
  b.Output(b.Node("Scan", {"", x}, {testing::OnnxAttr::Int("num_scan_inputs", 5)}, 1, "scan"));
  auto g = ReadOnnxModel("scan.onnx", b.Serialize(), {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption) << g.status().ToString();
  EXPECT_NE(g.status().message().find("node 'scan' (Scan)"), std::string::npos)
      << g.status().ToString();
}

// Found by tests/fuzz/ncnn_fuzz.cc: a parameter id of -2^63 was negated (undefined behaviour).
// ncnn has 32 parameter ids; others are refused.
TEST(NcnnReaderTest, FuzzFindingAParameterIdOutOfRangeIsRefused) {
  auto g = ReadNcnnParam("id.param",
                         "7767517\n2 2\nInput in 0 1 data 0=8 1=8 2=4\n"
                         "ReLU r 1 1 data out -9223372036854775808=1\n",
                         {});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("outside ncnn's 0..31"), std::string::npos)
      << g.status().ToString();
}

// Found by tests/fuzz/onnx_fuzz.cc: a ConvInteger whose data had rank 3 and weights rank 4
// made libonnx's convPoolShapeInference read past the dimensions (SIGSEGV). Ranks of data,
// weights and window attributes are checked against each other before inference.
TEST(OnnxReaderTest, FuzzFindingAConvolutionWithMismatchedRanksIsRefused) {
  {
    testing::OnnxBuilder b;
    auto x = b.Input("x", {1, 3, 3});
    b.Output(b.Node("Conv", {x, b.Weight("w", {1, 1, 2, 2})}, {}, 1, "conv"));
    auto g = ReadOnnxModel("ranks.onnx", b.Serialize(), {});
    ASSERT_FALSE(g.ok());
    EXPECT_NE(g.status().message().find("data of rank 3 and weights of rank 4"), std::string::npos)
        << g.status().ToString();
  }
  {
    testing::OnnxBuilder b;
    auto x = b.Input("x", {1, 1, 4, 4});
    b.Output(
        b.Node("MaxPool", {x}, {testing::OnnxAttr::Ints("kernel_shape", {2, 2, 2})}, 1, "pool"));
    auto g = ReadOnnxModel("window.onnx", b.Serialize(), {});
    ASSERT_FALSE(g.ok());
    EXPECT_NE(g.status().message().find("kernel_shape of 3 values for 2 spatial dimensions"),
              std::string::npos)
        << g.status().ToString();
  }
}

// Found by tests/fuzz/onnx_fuzz.cc after 781,346 executions: a Reshape target whose product
// overflows int64 (signed overflow in mbench's own shape inference). It is left unresolved.
TEST(OnnxReaderTest, FuzzFindingAReshapeTargetThatOverflowsIsLeftUnresolved) {
  testing::OnnxBuilder b;
  auto x = b.Input("x", {1, 4});
  b.Output(b.Node("Reshape", {x, b.Int64s("shape", {635, int64_t{1} << 57, -1})}, {}, 1, "r"));
  auto g = ReadOnnxModel("overflow.onnx", b.Serialize(), {});
  if (g.ok()) {
    const auto& out = g->tensors[g->nodes.back().outputs[0]];
    EXPECT_FALSE(out.has_shape && NumElements(out.shape).has_value()) << ShapeToString(out.shape);
  }
}

// Exporters sometimes store a node after the nodes that read its output (an fp16 export's input
// Cast); ONNX Runtime sorts the graph, and so does the reader, saying so. A real cycle is
// refused, naming its nodes.
TEST(OnnxReaderTest, NodesStoredOutOfOrderAreSortedAndCyclesRefused) {
  OnnxBuilder b;
  const std::string x = b.Input("x", {1, 3, 8, 8});
  const std::string cast = b.Node("Cast", {x}, {OnnxAttr::Int("to", 1)}, 1, "cast");
  const std::string relu = b.Node("Relu", {cast}, {}, 1, "relu");
  b.Output(b.Node("Sigmoid", {relu}, {}, 1, "sigmoid"));
  onnx::ModelProto m;
  ASSERT_TRUE(m.ParseFromString(b.Serialize()));
  auto* nodes = m.mutable_graph()->mutable_node();
  nodes->SwapElements(0, 2);  // sigmoid, relu, cast: every reader before its producer
  auto g = ReadOnnxModel("unsorted.onnx", m.SerializeAsString(), {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->nodes.size(), 3u);
  EXPECT_EQ(g->nodes[0].name, "cast");
  EXPECT_EQ(g->nodes[2].name, "sigmoid");
  bool noted = false;
  for (const auto& n : g->notes) noted |= n.find("out of dependency order") != std::string::npos;
  EXPECT_TRUE(noted);
  // In order already: untouched, no note.
  auto in_order = ReadOnnxModel("sorted.onnx", b.Serialize(), {});
  ASSERT_TRUE(in_order.ok());
  for (const auto& n : in_order->notes) EXPECT_EQ(n.find("dependency order"), std::string::npos);

  // relu reads sigmoid's output and sigmoid reads relu's: a cycle.
  onnx::ModelProto cyc;
  ASSERT_TRUE(cyc.ParseFromString(b.Serialize()));
  cyc.mutable_graph()->mutable_node(1)->set_input(0, cyc.graph().node(2).output(0));
  auto bad = ReadOnnxModel("cycle.onnx", cyc.SerializeAsString(), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find("cycle"), std::string::npos) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("'relu' (Relu)"), std::string::npos)
      << bad.status().ToString();
}

}  // namespace
}  // namespace mbench::analyzer
