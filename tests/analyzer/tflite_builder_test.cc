// Hand-built TFLite flatbuffers (with the schema's generated builder) for the cases real models
// do not cover: several subgraphs, fused activation options, float16 weights behind DEQUANTIZE,
// references out of range, depth-to-space, MediaPipe's custom transposed convolution options and
// block-sparse weights.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "analyzer/analysis.h"
#include "analyzer/tflite_reader.h"
#include "analyzer/tflite_schema_generated.h"

namespace mbench::analyzer {
namespace {

namespace fb = ::mbench::tflite_fb;

struct Spec {
  uint32_t fc_opcode_index = 1;  // 0 = DEQUANTIZE, 1 = FULLY_CONNECTED
  int32_t fc_input = 0;
  size_t weight_bytes = 8 * 16 * 2;  // float16 [8, 16]
  bool second_subgraph = true;
  bool no_operators = false;  // the main subgraph lists tensors but no operator
};

// x [1, 16] -> FULLY_CONNECTED(W = DEQUANTIZE(float16 [8, 16]), bias [8], relu) -> y [1, 8]
std::string BuildModel(const Spec& spec) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<uint8_t> w(spec.weight_bytes, 0), bias(8 * 4, 0);
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {
      fb::CreateBufferDirect(b), fb::CreateBufferDirect(b, &w), fb::CreateBufferDirect(b, &bias)};
  std::vector<int32_t> x_shape = {1, 16}, w_shape = {8, 16}, b_shape = {8}, y_shape = {1, 8};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensorDirect(b, &x_shape, 0, 0, "x"),
      fb::CreateTensorDirect(b, &w_shape, 1, 1, "w_fp16"),
      fb::CreateTensorDirect(b, &w_shape, 0, 0, "w"),
      fb::CreateTensorDirect(b, &b_shape, 0, 2, "bias"),
      fb::CreateTensorDirect(b, &y_shape, 0, 0, "y")};
  // FullyConnectedOptions: field 0 fused_activation_function = RELU (1).
  auto start = b.StartTable();
  b.AddElement<int8_t>(4, 1, 0);
  flatbuffers::Offset<fb::AnyOptions> fc_options(b.EndTable(start));
  std::vector<int32_t> dq_in = {1}, dq_out = {2}, fc_in = {spec.fc_input, 2, 3}, fc_out = {4};
  std::vector<flatbuffers::Offset<fb::Operator>> ops = {
      fb::CreateOperatorDirect(b, 0, &dq_in, &dq_out),
      fb::CreateOperatorDirect(b, spec.fc_opcode_index, &fc_in, &fc_out, 8, fc_options)};
  std::vector<int32_t> inputs = {0}, outputs = {4};
  if (spec.no_operators) ops.clear();
  std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs = {
      fb::CreateSubGraphDirect(b, &tensors, &inputs, &outputs, &ops, "main")};
  if (spec.second_subgraph) {
    std::vector<flatbuffers::Offset<fb::Tensor>> none;
    subgraphs.push_back(fb::CreateSubGraphDirect(b, &none, nullptr, nullptr, nullptr, "cond"));
  }
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes = {
      fb::CreateOperatorCodeDirect(b, 6, nullptr, 1, 6),
      fb::CreateOperatorCodeDirect(b, 9, nullptr, 1, 9)};
  b.Finish(fb::CreateModelDirect(b, 3, &codes, &subgraphs, "test", &buffers), "TFL3");
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

TEST(TfliteBuilderTest, FoldsFloat16WeightsCountsFusedReluAndNamesOtherSubgraphs) {
  auto g = ReadTfliteModel("m.tflite", BuildModel({}), {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto a = Analyze(*g);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->layers.size(), 1u);  // DEQUANTIZE of a constant is folded away
  const LayerAnalysis& fc = a->layers[0];
  EXPECT_EQ(fc.kind, OpKind::kFullyConnected);
  EXPECT_EQ(fc.macs, 8 * 16);
  EXPECT_EQ(fc.flops, 2 * 8 * 16 + 8 /*bias*/ + 8 /*fused relu*/);
  EXPECT_EQ(a->totals.params, 8 * 16 + 8);
  EXPECT_EQ(a->totals.weight_bytes_by_dtype.at("float16"), 8 * 16 * 2);
  bool named = false;
  for (const auto& n : g->notes) named |= n.find("not analyzed: 1 'cond'") != std::string::npos;
  EXPECT_TRUE(named) << ::testing::PrintToString(g->notes);
}

TEST(TfliteBuilderTest, ASubgraphWithoutOperatorsIsRefused) {
  Spec empty;
  empty.no_operators = true;
  const std::string bytes = BuildModel(empty);
  if (const char* dump = std::getenv("MBENCH_DUMP_EMPTY_TFLITE")) {
    FILE* f = std::fopen(dump, "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
  auto g = ReadTfliteModel("m.tflite", bytes, {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  EXPECT_NE(g.status().message().find("m.tflite"), std::string::npos);
  EXPECT_NE(g.status().message().find("no operators"), std::string::npos) << g.status().message();
}

TEST(TfliteBuilderTest, OutOfRangeReferencesAreCorruption) {
  Spec bad_opcode;
  bad_opcode.fc_opcode_index = 7;
  auto a = ReadTfliteModel("m.tflite", BuildModel(bad_opcode), {});
  EXPECT_EQ(a.status().code(), StatusCode::kCorruption);
  EXPECT_NE(a.status().message().find("opcode_index=7"), std::string::npos);

  Spec bad_tensor;
  bad_tensor.fc_input = 42;
  auto b = ReadTfliteModel("m.tflite", BuildModel(bad_tensor), {});
  EXPECT_EQ(b.status().code(), StatusCode::kCorruption);
  EXPECT_NE(b.status().message().find("tensor index 42"), std::string::npos);

  Spec short_buffer;
  short_buffer.weight_bytes = 10;
  auto c = ReadTfliteModel("m.tflite", BuildModel(short_buffer), {});
  EXPECT_EQ(c.status().code(), StatusCode::kCorruption);
  EXPECT_NE(c.status().message().find("needs more bytes"), std::string::npos);
}

// x [1, 4, 4, 8] -> DEPTH_TO_SPACE(block 2) -> [1, 8, 8, 2] -> MediaPipe's custom
// Convolution2DTransposeBias (weights [3, 4, 4, 2], bias [3], `custom` options) -> [1, 16, 16, 3]
std::string BuildUpsampler(const std::vector<uint8_t>& custom) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<uint8_t> w(3 * 4 * 4 * 2 * 4, 0), bias(3 * 4, 0);
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {
      fb::CreateBufferDirect(b), fb::CreateBufferDirect(b, &w), fb::CreateBufferDirect(b, &bias)};
  std::vector<int32_t> x_shape = {1, 4, 4, 8}, d_shape = {1, 8, 8, 2}, w_shape = {3, 4, 4, 2},
                       b_shape = {3}, y_shape = {1, 16, 16, 3};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensorDirect(b, &x_shape, 0, 0, "x"),
      fb::CreateTensorDirect(b, &d_shape, 0, 0, "d"),
      fb::CreateTensorDirect(b, &w_shape, 0, 1, "w"),
      fb::CreateTensorDirect(b, &b_shape, 0, 2, "bias"),
      fb::CreateTensorDirect(b, &y_shape, 0, 0, "y")};
  // DepthToSpaceOptions (union type 94): field 0 block_size.
  auto start = b.StartTable();
  b.AddElement<int32_t>(4, 2, 0);
  flatbuffers::Offset<fb::AnyOptions> d2s_options(b.EndTable(start));
  std::vector<int32_t> d_in = {0}, d_out = {1}, t_in = {1, 2, 3}, t_out = {4};
  std::vector<flatbuffers::Offset<fb::Operator>> ops = {
      fb::CreateOperatorDirect(b, 0, &d_in, &d_out, 94, d2s_options),
      fb::CreateOperatorDirect(b, 1, &t_in, &t_out, 0, 0, &custom)};
  std::vector<int32_t> inputs = {0}, outputs = {4};
  std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs = {
      fb::CreateSubGraphDirect(b, &tensors, &inputs, &outputs, &ops, "main")};
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes = {
      fb::CreateOperatorCodeDirect(b, 5, nullptr, 1, 5),
      fb::CreateOperatorCodeDirect(b, 32, "Convolution2DTransposeBias", 1, 32)};
  b.Finish(fb::CreateModelDirect(b, 3, &codes, &subgraphs, "test", &buffers), "TFL3");
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

TEST(TfliteBuilderTest, DepthToSpaceBlockAndMediaPipeTransposedConvStridesComeFromTheirOptions) {
  // padding SAME (1), stride width 2, stride height 2: three little-endian int32s.
  const std::vector<uint8_t> options = {1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0};
  auto g = ReadTfliteModel("m.tflite", BuildUpsampler(options), {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->nodes.size(), 2u);
  EXPECT_EQ(g->nodes[0].kind, OpKind::kDepthToSpace);
  EXPECT_EQ(g->nodes[0].GetInt("blocksize", 0), 2);
  EXPECT_EQ(g->nodes[0].GetString("mode", ""), "DCR");
  const Node& t = g->nodes[1];
  EXPECT_EQ(t.kind, OpKind::kConvTranspose);
  EXPECT_EQ(t.GetInts("strides"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(t.GetInts("kernel_shape"), (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(t.GetString("padding", ""), "SAME");

  // Options cut short, or a stride of zero: corruption naming the op, not a guess.
  for (const auto& bad : {std::vector<uint8_t>{1, 0, 0, 0, 2, 0},
                          std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0}}) {
    auto r = ReadTfliteModel("m.tflite", BuildUpsampler(bad), {});
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(r.status().message().find("Convolution2DTransposeBias"), std::string::npos)
        << r.status().ToString();
  }
}

// x [1, 8] -> FULLY_CONNECTED with block-sparse weights [4, 8] (1x4 blocks along the input
// dimension, rows dense, blocks CSR-compressed) -> y [1, 4]. `segments` lets a test break it.
std::string BuildSparseFc(const std::vector<int32_t>& segments) {
  flatbuffers::FlatBufferBuilder b;
  // Row 0: block 1; row 1: none; row 2: blocks 0 and 1; row 3: block 0. Values 1..16 in order.
  std::vector<uint8_t> w(16 * 4);
  for (int i = 0; i < 16; ++i) {
    const float v = static_cast<float>(i + 1);
    std::memcpy(&w[static_cast<size_t>(i) * 4], &v, 4);
  }
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBufferDirect(b),
                                                          fb::CreateBufferDirect(b, &w)};
  std::vector<int32_t> indices = {1, 0, 1, 0};
  auto seg = fb::CreateInt32VectorDirect(b, &segments);
  auto idx = fb::CreateInt32VectorDirect(b, &indices);
  std::vector<flatbuffers::Offset<fb::DimensionMetadata>> dims = {
      fb::CreateDimensionMetadata(b, fb::DimensionType_DENSE, 4),
      fb::CreateDimensionMetadata(b, fb::DimensionType_SPARSE_CSR, 0,
                                  fb::SparseIndexVector_Int32Vector, seg.Union(),
                                  fb::SparseIndexVector_Int32Vector, idx.Union()),
      fb::CreateDimensionMetadata(b, fb::DimensionType_DENSE, 4)};
  std::vector<int32_t> order = {0, 1, 2}, block_map = {1};
  auto sparsity = fb::CreateSparsityParametersDirect(b, &order, &block_map, &dims);
  std::vector<int32_t> x_shape = {1, 8}, w_shape = {4, 8}, y_shape = {1, 4};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensorDirect(b, &x_shape, 0, 0, "x"),
      fb::CreateTensorDirect(b, &w_shape, 0, 1, "w", 0, false, sparsity),
      fb::CreateTensorDirect(b, &y_shape, 0, 0, "y")};
  std::vector<int32_t> in = {0, 1, -1}, out = {2};
  std::vector<flatbuffers::Offset<fb::Operator>> ops = {fb::CreateOperatorDirect(b, 0, &in, &out)};
  std::vector<int32_t> inputs = {0}, outputs = {2};
  std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs = {
      fb::CreateSubGraphDirect(b, &tensors, &inputs, &outputs, &ops, "main")};
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes = {
      fb::CreateOperatorCodeDirect(b, 9, nullptr, 1, 9)};
  b.Finish(fb::CreateModelDirect(b, 3, &codes, &subgraphs, "test", &buffers), "TFL3");
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

TEST(TfliteBuilderTest, SparseWeightsDensifyInTraversalAndBlockOrder) {
  ReadOptions ro;
  ro.keep_weights = true;
  auto g = ReadTfliteModel("m.tflite", BuildSparseFc({0, 1, 1, 3, 4}), ro);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const TensorInfo& w = g->tensors[1];
  EXPECT_EQ(w.stored_elements, 16);
  ASSERT_NE(w.weights, nullptr);
  const std::vector<float> want = {0,  0,  0,  0,  1, 2,  3,  4,   // row 0: block 1
                                   0,  0,  0,  0,  0, 0,  0,  0,   // row 1: empty
                                   5,  6,  7,  8,  9, 10, 11, 12,  // row 2: blocks 0, 1
                                   13, 14, 15, 16, 0, 0,  0,  0};  // row 3: block 0
  EXPECT_EQ(*w.weights, want);
  // Segments past the stored indices, or decreasing: corruption naming the tensor.
  for (const auto& bad :
       {std::vector<int32_t>{0, 1, 1, 3, 9}, std::vector<int32_t>{0, 2, 1, 3, 4}}) {
    auto r = ReadTfliteModel("m.tflite", BuildSparseFc(bad), ro);
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(r.status().message().find("'w' sparsity"), std::string::npos)
        << r.status().ToString();
  }
}

}  // namespace
}  // namespace mbench::analyzer
