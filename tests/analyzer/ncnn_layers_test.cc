// Every layer type ncnn ships is known to the reader, and the rarer ones (3-D convolution and
// pooling, 1-D pooling, im2col/col2im, sampling, detection heads, DFTs, einsum) get ncnn's
// shapes and their work.
#include <gtest/gtest.h>

#include "analyzer/analysis.h"
#include "analyzer/ncnn_reader.h"

namespace mbench::analyzer {
namespace {

// ncnn's src/layer/ (the layers its layer registry creates by name).
constexpr const char* kNcnnLayers[] = {"AbsVal",
                                       "ArgMax",
                                       "BatchNorm",
                                       "Bias",
                                       "BinaryOp",
                                       "BNLL",
                                       "Cast",
                                       "CELU",
                                       "Clip",
                                       "Concat",
                                       "Convolution",
                                       "Convolution1D",
                                       "Convolution3D",
                                       "ConvolutionDepthWise",
                                       "ConvolutionDepthWise1D",
                                       "ConvolutionDepthWise3D",
                                       "CopyTo",
                                       "Crop",
                                       "CumulativeSum",
                                       "Deconvolution",
                                       "Deconvolution1D",
                                       "Deconvolution3D",
                                       "DeconvolutionDepthWise",
                                       "DeconvolutionDepthWise1D",
                                       "DeconvolutionDepthWise3D",
                                       "DeepCopy",
                                       "DeformableConv2D",
                                       "Dequantize",
                                       "DetectionOutput",
                                       "Diag",
                                       "Dropout",
                                       "Einsum",
                                       "Eltwise",
                                       "ELU",
                                       "Embed",
                                       "Erf",
                                       "Exp",
                                       "ExpandDims",
                                       "Flatten",
                                       "Flip",
                                       "Fold",
                                       "GELU",
                                       "Gemm",
                                       "GLU",
                                       "GridSample",
                                       "GroupNorm",
                                       "GRU",
                                       "HardSigmoid",
                                       "HardSwish",
                                       "InnerProduct",
                                       "Input",
                                       "InstanceNorm",
                                       "Interp",
                                       "InverseSpectrogram",
                                       "LayerNorm",
                                       "Log",
                                       "LRN",
                                       "LSTM",
                                       "MatMul",
                                       "MemoryData",
                                       "Mish",
                                       "MultiHeadAttention",
                                       "MVN",
                                       "Noop",
                                       "Normalize",
                                       "Packing",
                                       "Padding",
                                       "Permute",
                                       "PixelShuffle",
                                       "Pooling",
                                       "Pooling1D",
                                       "Pooling3D",
                                       "Power",
                                       "PReLU",
                                       "PriorBox",
                                       "Proposal",
                                       "PSROIPooling",
                                       "Quantize",
                                       "Reduction",
                                       "ReLU",
                                       "Reorg",
                                       "Requantize",
                                       "Reshape",
                                       "RMSNorm",
                                       "RNN",
                                       "ROIAlign",
                                       "ROIPooling",
                                       "RotaryEmbed",
                                       "Scale",
                                       "SDPA",
                                       "SELU",
                                       "Shrink",
                                       "ShuffleChannel",
                                       "Sigmoid",
                                       "Slice",
                                       "Softmax",
                                       "Softplus",
                                       "Spectrogram",
                                       "Split",
                                       "SPP",
                                       "Squeeze",
                                       "StatisticsPooling",
                                       "Swish",
                                       "TanH",
                                       "Threshold",
                                       "Tile",
                                       "UnaryOp",
                                       "Unfold",
                                       "YoloDetectionOutput",
                                       "Yolov3DetectionOutput"};

TEST(NcnnLayersTest, EveryLayerTypeNcnnShipsIsKnown) {
  for (const char* type : kNcnnLayers) EXPECT_TRUE(IsKnownNcnnLayer(type)) << type;
}

struct Read {
  Graph graph;
  ModelAnalysis analysis;
};

// `layers` after "7767517\nN M\n", read and analyzed; fails the test when either fails.
Read ReadLayers(int layers, int blobs, const std::string& body) {
  const std::string text =
      "7767517\n" + std::to_string(layers) + " " + std::to_string(blobs) + "\n" + body;
  auto g = ReadNcnnParam("t.param", text, {});
  EXPECT_TRUE(g.ok()) << g.status().ToString() << "\n" << text;
  if (!g.ok()) return {};
  auto a = Analyze(*g);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return {*g, a.ok() ? *a : ModelAnalysis{}};
}

Shape OutShape(const Read& r) { return r.graph.tensors[r.graph.outputs.back()].shape; }

Status ReadError(const std::string& body, int layers = 2) {
  return ReadNcnnParam(
             "bad.param",
             "7767517\n" + std::to_string(layers) + " " + std::to_string(layers + 2) + "\n" + body,
             {})
      .status();
}

TEST(NcnnLayersTest, ThreeDConvolutionAndPoolingFollowNcnnsRules) {
  // [c=4, d=8, h=16, w=16] through a 3x3x3 convolution to 8 channels, stride 1, pad 1.
  Read r = ReadLayers(3, 3,
                      "Input in 0 1 x 0=16 1=16 11=8 2=4\n"
                      "Convolution3D conv 1 1 x y 0=8 1=3 4=1 5=1 6=864\n"
                      "Pooling3D pool 1 1 y z 0=0 1=2 2=2 5=1\n");
  ASSERT_EQ(r.analysis.layers.size(), 2u);  // the Input is the graph's input, not a layer
  EXPECT_EQ(r.graph.tensors[r.graph.nodes[0].outputs[0]].shape, (Shape{1, 8, 8, 16, 16}));
  EXPECT_EQ(r.analysis.layers[0].macs, 8LL * 8 * 16 * 16 * 4 * 27);
  EXPECT_EQ(r.analysis.layers[0].params, 864 + 8);
  EXPECT_EQ(OutShape(r), (Shape{1, 8, 4, 8, 8}));
  EXPECT_TRUE(r.analysis.totals.complete);
  // Depthwise 3-D and a 3-D deconvolution doubling every axis.
  Read d = ReadLayers(3, 3,
                      "Input in 0 1 x 0=8 1=8 11=4 2=6\n"
                      "ConvolutionDepthWise3D dw 1 1 x y 0=6 1=3 4=1 6=162 7=6\n"
                      "Deconvolution3D up 1 1 y z 0=2 1=2 3=2 6=96\n");
  ASSERT_EQ(d.analysis.layers.size(), 2u);
  EXPECT_EQ(d.graph.nodes[0].kind, OpKind::kDepthwiseConv);
  EXPECT_EQ(d.analysis.layers[0].macs, 6LL * 4 * 8 * 8 * 27);
  EXPECT_EQ(OutShape(d), (Shape{1, 2, 8, 16, 16}));
  EXPECT_EQ(ReadError("Input in 0 1 x 0=8 1=8 2=6\nConvolution3D c 1 1 x y 0=4 1=3 6=648\n").code(),
            StatusCode::kInvalidArgument);  // a 3-D blob into a 3-D convolution
}

TEST(NcnnLayersTest, OneDPoolingGluSpectrogramAndStatistics) {
  Read r = ReadLayers(4, 4,
                      "Input in 0 1 x 0=100 1=16\n"
                      "Pooling1D pool 1 1 x y 0=1 1=4 2=4\n"
                      "GLU glu 1 1 y z 0=0\n"
                      "Shrink s 1 1 z out 0=0.5 1=0.5\n");
  ASSERT_EQ(r.graph.nodes.size(), 3u);
  EXPECT_EQ(r.graph.tensors[r.graph.nodes[0].outputs[0]].shape, (Shape{16, 25}));
  EXPECT_EQ(r.graph.nodes[0].kind, OpKind::kAveragePool);
  EXPECT_EQ(OutShape(r), (Shape{8, 25}));  // GLU halves axis 0, the channels
  // 16000 samples, n_fft 400, hop 160, centred: 101 frames of 201 frequencies.
  Read s = ReadLayers(2, 2,
                      "Input in 0 1 x 0=16000\n"
                      "Spectrogram stft 1 1 x y 0=400 1=2 2=160\n");
  EXPECT_EQ(OutShape(s), (Shape{201, 101}));
  ASSERT_EQ(s.analysis.layers.size(), 1u);
  EXPECT_EQ(s.analysis.layers[0].macs, 2LL * 101 * 201 * 400);
  EXPECT_TRUE(s.analysis.totals.complete);
  Read stats = ReadLayers(2, 2,
                          "Input in 0 1 x 0=10 1=20 2=64\n"
                          "StatisticsPooling sp 1 1 x y 0=1\n");
  EXPECT_EQ(OutShape(stats), (Shape{128}));
  EXPECT_EQ(ReadError("Input in 0 1 x 0=7 1=3\nGLU g 1 1 x y 0=1\n").code(),
            StatusCode::kInvalidArgument);  // 7 is odd
}

TEST(NcnnLayersTest, UnfoldFoldGridSampleDiagAndEinsum) {
  Read r = ReadLayers(3, 3,
                      "Input in 0 1 x 0=8 1=8 2=3\n"
                      "Unfold u 1 1 x y 1=2 3=2\n"
                      "Fold f 1 1 y z 1=2 3=2 20=8 21=8\n");
  ASSERT_EQ(r.graph.nodes.size(), 2u);
  EXPECT_EQ(r.graph.tensors[r.graph.nodes[0].outputs[0]].shape, (Shape{12, 16}));
  EXPECT_EQ(OutShape(r), (Shape{1, 3, 8, 8}));
  // GridSample's output takes the grid's size and the input's channels.
  ReadOptions o;
  o.input_shapes["x"] = {1, 16, 32, 32};
  o.input_shapes["grid"] = {1, 24, 20, 2};  // [out_h, out_w, 2]
  auto gs = ReadNcnnParam("gs.param",
                          "7767517\n2 3\nInput in 0 2 x grid\nGridSample gs 2 1 x grid y 0=1\n", o);
  ASSERT_TRUE(gs.ok()) << gs.status().ToString();
  EXPECT_EQ(gs->tensors[gs->outputs.back()].shape, (Shape{1, 16, 24, 20}));
  Read diag = ReadLayers(2, 2, "Input in 0 1 x 0=5\nDiag d 1 1 x y 0=1\n");
  EXPECT_EQ(OutShape(diag), (Shape{6, 6}));
  // "ij,jk->ik" as character codes: 105 106 44 106 107 45 62 105 107.
  o.input_shapes.clear();
  o.input_shapes["a"] = {12, 32};
  o.input_shapes["b"] = {32, 7};
  auto e = ReadNcnnParam(
      "e.param",
      "7767517\n2 3\nInput in 0 2 a b\nEinsum mm 2 1 a b y -23300=9,105,106,44,106,107,45,62,105,"
      "107\n",
      o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->tensors[e->outputs.back()].shape, (Shape{12, 7}));
  auto ea = Analyze(*e);
  ASSERT_TRUE(ea.ok());
  EXPECT_EQ(ea->layers.back().macs, 12 * 32 * 7);
}

TEST(NcnnLayersTest, DetectionHeadsAndDeformableConvolution) {
  ReadOptions o;
  o.input_shapes["feat"] = {1, 49 * 10, 14, 14};
  o.input_shapes["rois"] = {4};
  auto ps = ReadNcnnParam(
      "ps.param",
      "7767517\n2 3\nInput in 0 2 feat rois\nPSROIPooling p 2 1 feat rois y 0=7 1=7 3=10\n", o);
  ASSERT_TRUE(ps.ok()) << ps.status().ToString();
  EXPECT_EQ(ps->tensors[ps->outputs.back()].shape, (Shape{1, 10, 7, 7}));
  auto bad = ReadNcnnParam(
      "ps.param",
      "7767517\n2 3\nInput in 0 2 feat rois\nPSROIPooling p 2 1 feat rois y 0=7 1=7 3=9\n", o);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("ps.param:4"), std::string::npos);
  // A deformable 3x3 convolution counts as the convolution, its offsets kept as inputs.
  o.input_shapes.clear();
  o.input_shapes["x"] = {1, 16, 20, 20};
  o.input_shapes["off"] = {1, 18, 20, 20};
  auto dc = ReadNcnnParam(
      "dc.param",
      "7767517\n2 3\nInput in 0 2 x off\nDeformableConv2D d 2 1 x off y 0=32 1=3 4=1 5=1 6=4608\n",
      o);
  ASSERT_TRUE(dc.ok()) << dc.status().ToString();
  auto a = Analyze(*dc);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->layers.back().macs, 32LL * 20 * 20 * 16 * 9);
  EXPECT_EQ(a->layers.back().params, 4608 + 32);
  EXPECT_EQ(dc->nodes.back().inputs.size(), 4u);  // x, weight, bias, offsets
}

}  // namespace
}  // namespace mbench::analyzer
