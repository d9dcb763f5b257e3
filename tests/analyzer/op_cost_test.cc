// Expected counts in this file are derived by hand from the op definitions and the rules in
// docs/counting.md, next to each model.
#include "analyzer/op_cost.h"

#include <gtest/gtest.h>

#include "tests/analyzer/analyzer_test_util.h"

namespace mbench::analyzer {
namespace {

using testing::AnalyzeOnnx;
using testing::OnnxAttr;
using testing::OnnxBuilder;

TEST(OpCostTest, TableHasOneEntryPerOpKindInEnumOrder) {
  for (OpKind kind : AllOpKinds()) {
    EXPECT_EQ(GetOpCostEntry(kind).kind, kind) << OpKindName(kind);
  }
}

TEST(OpCostTest, Conv2DCountsMacsFlopsParamsAndBytes) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 3, 224, 224});
  auto w = b.Weight("w", {32, 3, 3, 3});
  auto bias = b.Weight("b", {32});
  auto y = b.Node("Conv", {x, w, bias},
                  {OnnxAttr::Ints("strides", {2, 2}), OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  const auto& l = r.Layer(0);
  EXPECT_EQ(l.kind, OpKind::kConv);
  EXPECT_EQ(l.output_shapes[0], (Shape{1, 32, 112, 112}));
  // MACs = Cout*Hout*Wout * Cin*Kh*Kw = 32*112*112 * 27.
  EXPECT_EQ(l.macs, 32LL * 112 * 112 * 27);
  EXPECT_EQ(l.flops, 2 * l.macs + 32LL * 112 * 112);  // + one bias add per output
  EXPECT_EQ(l.params, 32 * 27 + 32);
  EXPECT_EQ(l.weight_bytes, (32 * 27 + 32) * 4);
  EXPECT_EQ(l.input_bytes, 3LL * 224 * 224 * 4);
  EXPECT_EQ(l.output_bytes, 32LL * 112 * 112 * 4);
  EXPECT_DOUBLE_EQ(l.arithmetic_intensity, static_cast<double>(l.flops) /
                                               (l.weight_bytes + l.input_bytes + l.output_bytes));
}

TEST(OpCostTest, DepthwiseConvCountsOneInputChannelPerGroup) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 32, 56, 56});
  auto w = b.Weight("w", {32, 1, 3, 3});
  auto y =
      b.Node("Conv", {x, w}, {OnnxAttr::Int("group", 32), OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).kind, OpKind::kDepthwiseConv);
  EXPECT_EQ(r.Layer(0).macs, 32LL * 56 * 56 * 9);
  EXPECT_EQ(r.Layer(0).flops, 2 * 32LL * 56 * 56 * 9);  // no bias
  EXPECT_EQ(r.Layer(0).params, 32 * 9);
}

TEST(OpCostTest, GroupedDilatedConv2DUsesCinPerGroupAndDilatedOutputSize) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 8, 20, 20});
  auto w = b.Weight("w", {16, 4, 3, 3});
  auto y = b.Node("Conv", {x, w}, {OnnxAttr::Int("group", 2), OnnxAttr::Ints("dilations", {2, 2})});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  // Effective kernel 5: out 16x16. MACs = 16*16*16 * (8/2)*9.
  EXPECT_EQ(r.Layer(0).kind, OpKind::kConv);
  EXPECT_EQ(r.Layer(0).output_shapes[0], (Shape{1, 16, 16, 16}));
  EXPECT_EQ(r.Layer(0).macs, 16LL * 16 * 16 * 4 * 9);
}

TEST(OpCostTest, Conv1DAndConv3DUseEveryKernelAxis) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 4, 100});
  auto w = b.Weight("w", {8, 4, 5});
  auto y = b.Node("Conv", {x, w});
  auto x3 = b.Input("v", {1, 2, 8, 8, 8});
  auto w3 = b.Weight("w3", {4, 2, 3, 3, 3});
  auto y3 = b.Node("Conv", {x3, w3});
  b.Output(y);
  b.Output(y3);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).macs, 8LL * 96 * 4 * 5);
  EXPECT_EQ(r.Layer(1).macs, 4LL * 6 * 6 * 6 * 2 * 27);
}

TEST(OpCostTest, ConvTransposeCountsPerInputPixel) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 16, 10, 10});
  auto w = b.Weight("w", {16, 8, 2, 2});  // [Cin, Cout/group, kh, kw]
  auto bias = b.Weight("b", {8});
  auto y = b.Node("ConvTranspose", {x, w, bias}, {OnnxAttr::Ints("strides", {2, 2})});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).output_shapes[0], (Shape{1, 8, 20, 20}));
  // MACs = N*Cin*Hin*Win * Cout*Kh*Kw = 16*100 * 8*4.
  EXPECT_EQ(r.Layer(0).macs, 1600LL * 32);
  EXPECT_EQ(r.Layer(0).flops, 2 * 1600LL * 32 + 8 * 400);
  EXPECT_EQ(r.Layer(0).params, 16 * 8 * 4 + 8);
}

TEST(OpCostTest, GemmIsFullyConnectedWithBias) {
  OnnxBuilder b;
  auto x = b.Input("x", {4, 1280});
  auto w = b.Weight("w", {1000, 1280});
  auto bias = b.Weight("b", {1000});
  auto y = b.Node("Gemm", {x, w, bias}, {OnnxAttr::Int("transB", 1)});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).kind, OpKind::kFullyConnected);
  EXPECT_EQ(r.Layer(0).macs, 4LL * 1000 * 1280);
  EXPECT_EQ(r.Layer(0).flops, 2 * 4LL * 1000 * 1280 + 4000);
  EXPECT_EQ(r.Layer(0).params, 1000 * 1280 + 1000);
}

TEST(OpCostTest, BatchedMatMulBroadcastsBatchDims) {
  OnnxBuilder b;
  auto a = b.Input("a", {2, 4, 64, 32});
  auto c = b.Input("c", {1, 4, 32, 48});
  auto y = b.Node("MatMul", {a, c});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).output_shapes[0], (Shape{2, 4, 64, 48}));
  EXPECT_EQ(r.Layer(0).macs, 2LL * 4 * 64 * 48 * 32);
  EXPECT_EQ(r.Layer(0).params, 0);
}

TEST(OpCostTest, MatMulWithConstantWeightCountsItAsParameters) {
  OnnxBuilder b;
  auto a = b.Input("a", {1, 197, 192});
  auto w = b.Weight("w", {192, 576});
  auto y = b.Node("MatMul", {a, w});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).macs, 197LL * 576 * 192);
  EXPECT_EQ(r.Layer(0).params, 192 * 576);
}

TEST(OpCostTest, BatchNormSeparatesParamsFromBuffers) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 16, 8, 8});
  auto s = b.Weight("scale", {16});
  auto bi = b.Weight("bias", {16});
  auto m = b.Weight("mean", {16});
  auto v = b.Weight("var", {16});
  auto y = b.Node("BatchNormalization", {x, s, bi, m, v});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).params, 32);
  EXPECT_EQ(r.Layer(0).buffers, 32);
  EXPECT_EQ(r.Layer(0).flops, 2 * 16 * 64);
  EXPECT_EQ(r.analysis.totals.params, 32);
  EXPECT_EQ(r.analysis.totals.buffers, 32);
  EXPECT_EQ(r.analysis.totals.weight_bytes, 64 * 4);
}

TEST(OpCostTest, LayerAndInstanceNormCountSevenFlopsPerElement) {
  OnnxBuilder b(17);
  auto x = b.Input("x", {1, 10, 64});
  auto g = b.Weight("g", {64});
  auto be = b.Weight("be", {64});
  auto y = b.Node("LayerNormalization", {x, g, be}, {OnnxAttr::Int("axis", -1)});
  auto xi = b.Input("xi", {1, 8, 4, 4});
  auto gi = b.Weight("gi", {8});
  auto bi = b.Weight("bi", {8});
  auto yi = b.Node("InstanceNormalization", {xi, gi, bi});
  b.Output(y);
  b.Output(yi);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).kind, OpKind::kLayerNorm);
  EXPECT_EQ(r.Layer(0).flops, 7 * 640);
  EXPECT_EQ(r.Layer(0).params, 128);
  EXPECT_EQ(r.Layer(1).kind, OpKind::kInstanceNorm);
  EXPECT_EQ(r.Layer(1).flops, 7 * 128);
  EXPECT_EQ(r.Layer(1).params, 16);
}

struct UnaryCase {
  const char* op_type;
  OpKind kind;
  int64_t flops_per_element;
  int64_t opset;
};

class UnaryOpCostTest : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(UnaryOpCostTest, CountsDocumentedFlopsPerElementAndMovesBytes) {
  const UnaryCase& c = GetParam();
  OnnxBuilder b(c.opset);
  auto x = b.Input("x", {2, 3, 5, 7});
  auto y = b.Node(c.op_type, {x});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  ASSERT_EQ(r.analysis.layers.size(), 1u);
  const auto& l = r.Layer(0);
  EXPECT_EQ(l.kind, c.kind);
  EXPECT_EQ(l.macs, 0);
  EXPECT_EQ(l.flops, c.flops_per_element * 210);
  EXPECT_EQ(l.params, 0);
  EXPECT_EQ(l.input_bytes, 210 * 4);
  EXPECT_EQ(l.output_bytes, 210 * 4);
  EXPECT_TRUE(l.costed);
  EXPECT_TRUE(l.shapes_resolved) << l.note;
}

INSTANTIATE_TEST_SUITE_P(
    Activations, UnaryOpCostTest,
    ::testing::Values(
        UnaryCase{"Relu", OpKind::kRelu, 1, 13}, UnaryCase{"Clip", OpKind::kClip, 2, 13},
        UnaryCase{"Sigmoid", OpKind::kSigmoid, 4, 13},
        UnaryCase{"HardSigmoid", OpKind::kHardSigmoid, 4, 13},
        UnaryCase{"HardSwish", OpKind::kHardSwish, 5, 14},
        UnaryCase{"LeakyRelu", OpKind::kLeakyRelu, 2, 13}, UnaryCase{"Elu", OpKind::kElu, 3, 13},
        UnaryCase{"Selu", OpKind::kSelu, 4, 13}, UnaryCase{"Tanh", OpKind::kTanh, 1, 13},
        UnaryCase{"Erf", OpKind::kErf, 1, 13}, UnaryCase{"Softplus", OpKind::kSoftplus, 3, 13},
        UnaryCase{"Mish", OpKind::kMish, 5, 18}, UnaryCase{"Softmax", OpKind::kSoftmax, 5, 13},
        UnaryCase{"LogSoftmax", OpKind::kLogSoftmax, 5, 13}, UnaryCase{"Exp", OpKind::kExp, 1, 13},
        UnaryCase{"Sqrt", OpKind::kSqrt, 1, 13},
        UnaryCase{"Reciprocal", OpKind::kReciprocal, 1, 13}, UnaryCase{"Abs", OpKind::kAbs, 1, 13},
        UnaryCase{"Neg", OpKind::kNeg, 1, 13}, UnaryCase{"Floor", OpKind::kFloor, 1, 13},
        UnaryCase{"Identity", OpKind::kIdentity, 0, 13}),
    [](const ::testing::TestParamInfo<UnaryCase>& p) { return p.param.op_type; });

TEST(OpCostTest, PReluSlopeIsAParameterEvenWhenScalar) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 8, 4, 4});
  auto slope = b.Weight("slope", {1});
  auto y = b.Node("PRelu", {x, slope});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).flops, 2 * 128);
  EXPECT_EQ(r.Layer(0).params, 1);
}

TEST(OpCostTest, BinaryOpsCountOneFlopPerBroadcastOutputElement) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 16, 8, 8});
  auto bias = b.Weight("bias", {16, 1, 1});
  auto half = b.Weight("half", {}, testing::kOnnxFloat, 0.5f);
  auto y = b.Node("Add", {x, bias});
  auto z = b.Node("Mul", {y, half});
  auto d = b.Node("Div", {z, x});
  b.Output(d);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).flops, 1024);
  EXPECT_EQ(r.Layer(0).params, 16);  // a learned per-channel bias
  EXPECT_EQ(r.Layer(1).flops, 1024);
  EXPECT_EQ(r.Layer(1).params, 0);  // a scalar constant of the formula
  EXPECT_EQ(r.Layer(2).input_bytes, 2 * 1024 * 4);
  EXPECT_EQ(r.analysis.totals.params, 16);
}

TEST(OpCostTest, PoolsCountWindowWork) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 8, 32, 32});
  auto mp = b.Node("MaxPool", {x},
                   {OnnxAttr::Ints("kernel_shape", {3, 3}), OnnxAttr::Ints("strides", {2, 2}),
                    OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  auto ap = b.Node("AveragePool", {mp},
                   {OnnxAttr::Ints("kernel_shape", {2, 2}), OnnxAttr::Ints("strides", {2, 2})});
  auto gp = b.Node("GlobalAveragePool", {ap});
  auto gm = b.Node("GlobalMaxPool", {ap});
  b.Output(gp);
  b.Output(gm);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).output_shapes[0], (Shape{1, 8, 16, 16}));
  EXPECT_EQ(r.Layer(0).flops, 8LL * 256 * 9);
  EXPECT_EQ(r.Layer(1).flops, 8LL * 64 * (4 + 1));
  EXPECT_EQ(r.Layer(2).flops, 8LL * 64 + 8);
  EXPECT_EQ(r.Layer(3).flops, 8LL * 64);
}

TEST(OpCostTest, ReductionsCountInputElements) {
  OnnxBuilder b;
  auto x = b.Input("x", {2, 10, 6});
  auto m = b.Node("ReduceMean", {x}, {OnnxAttr::Ints("axes", {-1})});
  auto s = b.Node("ReduceSum", {x}, {OnnxAttr::Int("keepdims", 0)});
  b.Output(m);
  b.Output(s);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).output_shapes[0], (Shape{2, 10, 1}));
  EXPECT_EQ(r.Layer(0).flops, 120 + 20);
  EXPECT_EQ(r.Layer(1).flops, 120);
}

TEST(OpCostTest, DataMovementOpsMoveBytesWithoutArithmetic) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 4, 6, 6});
  auto shape = b.Int64s("shape", {1, -1});
  auto t = b.Node("Transpose", {x}, {OnnxAttr::Ints("perm", {0, 2, 3, 1})});
  auto r1 = b.Node("Reshape", {t, shape});
  auto c = b.Node("Concat", {r1, r1}, {OnnxAttr::Int("axis", 1)});
  auto f = b.Node("Flatten", {x});
  auto u = b.Node("Unsqueeze", {f, b.Int64s("axes", {0})});
  auto s = b.Node("Squeeze", {u, b.Int64s("axes0", {0})});
  b.Output(c);
  b.Output(s);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(1).output_shapes[0], (Shape{1, 144}));
  EXPECT_EQ(r.Layer(2).output_shapes[0], (Shape{1, 288}));
  EXPECT_EQ(r.Layer(5).output_shapes[0], (Shape{1, 144}));
  for (const auto& l : r.analysis.layers) {
    EXPECT_EQ(l.flops, 0) << l.name;
    EXPECT_EQ(l.params, 0) << l.name;  // int64 shape and axes constants are not parameters
  }
  EXPECT_EQ(r.Layer(2).input_bytes, 2 * 144 * 4);
  EXPECT_EQ(r.Layer(2).output_bytes, 288 * 4);
}

TEST(OpCostTest, ResizeCountsLerpsPerOutputForLinearAndNothingForNearest) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 2, 8, 8});
  auto roi = b.Weight("roi", {0});
  auto scales = b.Weight("scales", {4}, testing::kOnnxFloat, 1.0f);
  auto lin = b.Node("Resize", {x, roi, scales}, {OnnxAttr::Str("mode", "linear")});
  auto near = b.Node("Resize", {x, roi, scales}, {OnnxAttr::Str("mode", "nearest")});
  b.Output(lin);
  b.Output(near);
  auto r = AnalyzeOnnx(b);
  // Scales 1.0 resize nothing: zero resized axes, zero lerps.
  EXPECT_EQ(r.Layer(0).flops, 0);
  EXPECT_EQ(r.Layer(0).params, 0);  // scales are configuration, not weights
}

TEST(OpCostTest, BilinearUpsampleByTwoCountsThreeLerps) {
  OnnxBuilder b(11);
  auto x = b.Input("x", {1, 2, 8, 8});
  auto roi = b.Weight("roi", {0});
  auto scales = b.Weight("scales", {4}, testing::kOnnxFloat, 2.0f);
  auto y = b.Node("Resize", {x, roi, scales}, {OnnxAttr::Str("mode", "linear")});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  // Scales all 2.0 (batch and channel too): every axis grows, 4 resized axes.
  EXPECT_EQ(r.Layer(0).output_shapes[0], (Shape{2, 4, 16, 16}));
  EXPECT_EQ(r.Layer(0).flops, 2LL * 4 * 256 * 3 * 15);
}

TEST(OpCostTest, LstmCountsGateGemmsPerStep) {
  OnnxBuilder b;
  const int64_t seq = 5, batch = 2, in = 16, hidden = 8;
  auto x = b.Input("x", {seq, batch, in});
  auto w = b.Weight("w", {1, 4 * hidden, in});
  auto r = b.Weight("r", {1, 4 * hidden, hidden});
  auto bias = b.Weight("bias", {1, 8 * hidden});
  auto y = b.Node("LSTM", {x, w, r, bias}, {OnnxAttr::Int("hidden_size", hidden)}, 1);
  b.Output(y);
  auto res = AnalyzeOnnx(b);
  int64_t macs = seq * batch * 4 * hidden * (in + hidden);
  EXPECT_EQ(res.Layer(0).macs, macs);
  EXPECT_EQ(res.Layer(0).flops, 2 * macs + seq * batch * hidden * 26);
  EXPECT_EQ(res.Layer(0).params, 4 * hidden * in + 4 * hidden * hidden + 8 * hidden);
}

TEST(OpCostTest, EinsumCountsProductOfIndexSizes) {
  OnnxBuilder b(12);
  auto q = b.Input("q", {2, 5, 8});
  auto k = b.Input("k", {2, 7, 8});
  auto y = b.Node("Einsum", {q, k}, {OnnxAttr::Str("equation", "bik,bjk->bij")});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).macs, 2 * 5 * 7 * 8);
}

TEST(OpCostTest, UnknownOpIsKeptAndReportedNotCountedAsZero) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 4});
  auto y = b.Node("MyFancyOp", {x}, {}, 1, "fancy", "com.example");
  auto z = b.Node("Relu", {x});
  b.Output(y);
  b.Output(z);
  auto r = AnalyzeOnnx(b);
  ASSERT_EQ(r.analysis.layers.size(), 2u);
  EXPECT_FALSE(r.Layer(0).costed);
  EXPECT_EQ(r.Layer(0).op_type, "com.example:MyFancyOp");
  EXPECT_EQ(r.analysis.totals.unknown_ops, 1);
  EXPECT_EQ(r.analysis.totals.unknown_op_types, std::vector<std::string>{"com.example:MyFancyOp"});
  EXPECT_FALSE(r.analysis.totals.complete);
}

TEST(OpCostTest, SharedWeightCountsOnceInTotals) {
  OnnxBuilder b;
  auto x = b.Input("x", {2, 64});
  auto w = b.Weight("w", {64, 64});
  auto y1 = b.Node("MatMul", {x, w});
  auto y2 = b.Node("MatMul", {y1, w});
  b.Output(y2);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).params, 4096);
  EXPECT_EQ(r.Layer(1).params, 4096);
  EXPECT_EQ(r.analysis.totals.params, 4096);
  EXPECT_EQ(r.analysis.totals.weight_bytes, 4096 * 4);
}

TEST(OpCostTest, QLinearConvReadsInt8WeightsAsParameters) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 4, 8, 8}, testing::kOnnxUInt8);
  auto xs = b.Weight("xs", {}, testing::kOnnxFloat, 0.1f);
  auto xz = b.Weight("xz", {}, testing::kOnnxUInt8);
  auto w = b.Weight("w", {8, 4, 3, 3}, testing::kOnnxInt8);
  auto ws = b.Weight("ws", {}, testing::kOnnxFloat, 0.1f);
  auto wz = b.Weight("wz", {}, testing::kOnnxInt8);
  auto ys = b.Weight("ys", {}, testing::kOnnxFloat, 0.1f);
  auto yz = b.Weight("yz", {}, testing::kOnnxUInt8);
  auto y = b.Node("QLinearConv", {x, xs, xz, w, ws, wz, ys, yz});
  b.Output(y);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.Layer(0).kind, OpKind::kConv);
  EXPECT_EQ(r.Layer(0).macs, 8LL * 36 * 36);
  EXPECT_EQ(r.Layer(0).params, 8 * 36);
  EXPECT_EQ(r.analysis.totals.weight_bytes_by_dtype.at("int8"), 8 * 36);
  EXPECT_EQ(r.Layer(0).weight_bytes_by_dtype.at("int8"), 8 * 36);
  EXPECT_EQ(r.Layer(0).weight_bytes, 8 * 36);
}

TEST(OpCostTest, PeakActivationMemoryFollowsTensorLifetimes) {
  OnnxBuilder b;
  auto x = b.Input("x", {1, 1000});  // 4000 B, dies after layer 0
  auto a = b.Node("Relu", {x});      // 4000 B, dies after layer 1
  auto c = b.Node("Relu", {a});      // 4000 B, output
  b.Output(c);
  auto r = AnalyzeOnnx(b);
  EXPECT_EQ(r.analysis.totals.activation_bytes_sum, 12000);
  EXPECT_EQ(r.analysis.totals.activation_bytes_peak, 8000);  // two tensors alive at each step
}

}  // namespace
}  // namespace mbench::analyzer
