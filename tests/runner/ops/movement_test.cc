// Data movement (runner/ops/movement.cc, select.cc) and weights read from ncnn .bin files.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "analyzer/analysis.h"
#include "analyzer/graph_builder.h"
#include "analyzer/model_reader.h"
#include "analyzer/ncnn_reader.h"
#include "analyzer/onnx_reader.h"
#include "analyzer/onnx_writer.h"
#include "analyzer/zoo.h"
#include "core/half.h"
#include "runner/kernels/dwconv.h"
#include "runner/kernels/gemm.h"
#include "runner/measure.h"
#include "tests/runner/plan_test_util.h"
#include "tests/testutil/onnx_builder.h"
#include "tests/testutil/testutil.h"

namespace mbench::runner {
namespace {

using analyzer::GraphBuilder;
using analyzer::OpKind;

// One depth-to-space node over a graph input of `in_shape` (graph layout).
Graph DepthToSpaceGraph(analyzer::Layout layout, Shape in_shape, Shape out_shape, int64_t block,
                        const std::string& mode, const std::string& op_type) {
  Graph g;
  g.format = "test";
  g.layout = layout;
  analyzer::TensorInfo t;
  t.dtype = analyzer::DType::kFloat32;
  t.has_shape = true;
  t.name = "x";
  t.shape = std::move(in_shape);
  const int32_t x = g.AddTensor(t);
  t.name = "y";
  t.shape = std::move(out_shape);
  const int32_t y = g.AddTensor(t);
  g.tensors[y].producer = 0;
  analyzer::Node n;
  n.name = "d2s";
  n.kind = OpKind::kDepthToSpace;
  n.op_type = op_type;
  if (block > 0) n.attrs["blocksize"] = block;
  n.attrs["mode"] = mode;
  n.inputs = {x};
  n.outputs = {y};
  g.nodes.push_back(n);
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

TEST(PlanTest, DepthToSpaceInBothChannelOrdersAndBothLayouts) {
  const int64_t b = 2, c = 3, h = 2, w = 3, cin = c * b * b;
  auto input = Random(cin * h * w, 31);
  for (const std::string mode : {"DCR", "CRD"}) {
    // ONNX (NCHW): y[c, h*b+i, w*b+j] = x[(i*b+j)*C + c, h, w] (DCR) or x[c*b*b + i*b + j] (CRD).
    Graph g = DepthToSpaceGraph(analyzer::Layout::kNCHW, {1, cin, h, w}, {1, c, h * b, w * b}, b,
                                mode, "DepthToSpace");
    std::vector<float> want(input.size());
    for (int64_t k = 0; k < c; ++k)
      for (int64_t y = 0; y < h * b; ++y)
        for (int64_t x = 0; x < w * b; ++x) {
          const int64_t i = y % b, j = x % b;
          const int64_t ch = mode == "DCR" ? (i * b + j) * c + k : k * b * b + i * b + j;
          want[(k * h * b + y) * w * b + x] = input[(ch * h + y / b) * w + x / b];
        }
    ExpectNear(RunGraph(g, input), want, 0.0f, "NCHW " + mode);
  }
  // TFLite (NHWC, DCR): y[h*b+i, w*b+j, c] = x[h, w, (i*b+j)*C + c].
  Graph g = DepthToSpaceGraph(analyzer::Layout::kNHWC, {1, h, w, cin}, {1, h * b, w * b, c}, b,
                              "DCR", "DEPTH_TO_SPACE");
  std::vector<float> want(input.size());
  for (int64_t y = 0; y < h * b; ++y)
    for (int64_t x = 0; x < w * b; ++x)
      for (int64_t k = 0; k < c; ++k) {
        const int64_t ch = ((y % b) * b + x % b) * c + k;
        want[(y * w * b + x) * c + k] = input[((y / b) * w + x / b) * cin + ch];
      }
  ExpectNear(RunGraph(g, input), want, 0.0f, "NHWC DCR");
  // BATCH_TO_SPACE_ND shares the kind but has no block size: listed, not run.
  Graph bts = DepthToSpaceGraph(analyzer::Layout::kNHWC, {4, h, w, c}, {1, h * b, w * b, c}, 0,
                                "DCR", "BATCH_TO_SPACE_ND");
  auto plan = Plan::Compile(bts, {});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("unsupported ops: BATCH_TO_SPACE_ND"), std::string::npos)
      << plan.status().ToString();
}

TEST(PlanTest, NcnnWeightsComeFromTheBinInFloat16AndFloat32) {
  // data (c=2, h=4, w=5) -> 3x3 conv, pad 1, bias (float16 weights) -> ReLU -> InnerProduct
  // (float32 weights, bias) -> 4 outputs.
  const std::string param =
      "7767517\n4 4\n"
      "Input data 0 1 data 0=5 1=4 2=2\n"
      "Convolution conv 1 1 data c 0=3 1=3 4=1 5=1 6=54\n"
      "ReLU relu 1 1 c r\n"
      "InnerProduct fc 1 1 r y 0=4 1=1 2=240\n";
  std::string bin;
  auto u32 = [&](uint32_t v) { AppendU32(&bin, v); };
  auto f32 = [&](float f) { AppendF32(&bin, f); };
  std::vector<float> cw(54), cb(3), fw(240), fb(4);
  for (size_t i = 0; i < cw.size(); ++i)
    cw[i] = static_cast<float>(static_cast<int>(i % 7) - 3) / 8;
  for (size_t i = 0; i < cb.size(); ++i) cb[i] = 0.25f * static_cast<float>(i);
  for (size_t i = 0; i < fw.size(); ++i)
    fw[i] = static_cast<float>(static_cast<int>(i % 11) - 5) / 16;
  for (size_t i = 0; i < fb.size(); ++i) fb[i] = -0.5f + static_cast<float>(i);
  u32(0x01306B47);  // float16 tag: 54 halves, padded to 4 bytes
  for (float w : cw) {
    const uint16_t h = FloatToHalf(w);
    bin.push_back(static_cast<char>(h & 0xff));
    bin.push_back(static_cast<char>(h >> 8));
  }
  for (float b : cb) f32(b);
  u32(0);  // float32 tag
  for (float w : fw) f32(w);
  for (float b : fb) f32(b);
  std::string_view view(bin);
  analyzer::ReadOptions ro;
  ro.keep_weights = true;
  auto g = analyzer::ReadNcnnParam("net.param", param, ro, &view);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto input = Random(2 * 4 * 5, 41);
  std::unique_ptr<Plan> plan;
  auto got = RunGraph(*g, input, 1, &plan);
  EXPECT_FALSE(plan->synthetic_weights());
  ConvCase c{2, 3, 4, 5, 3, 1, 1, 1, 1, true};
  auto conv = NaiveConv(input, cw, &cb, c, 4, 5);
  for (auto& v : conv) v = std::max(v, 0.0f);
  ExpectNear(got, NaiveFc(fw, fb, conv), 1e-4f, "ncnn conv-relu-fc with .bin weights");
}

TEST(PlanTest, NcnnInt8WeightsAreScaledBackToFloats) {
  // data (c=2, h=3, w=3) -> 1x1 conv with int8 weights (int8_scale_term=1): .bin holds the int8
  // weights behind their tag, the float32 bias, then one weight scale per output channel and
  // the input scale. ncnn stores int8 = weight * scale.
  const std::string param =
      "7767517\n2 2\n"
      "Input data 0 1 data 0=3 1=3 2=2\n"
      "Convolution conv 1 1 data y 0=3 1=1 5=1 6=6 8=1\n";
  std::string bin;
  auto u32 = [&](uint32_t v) { AppendU32(&bin, v); };
  auto f32 = [&](float f) { AppendF32(&bin, f); };
  const int8_t q[6] = {10, -20, 30, -40, 50, 127};
  const float scales[3] = {10.0f, 40.0f, 127.0f}, bias[3] = {0.5f, -1.0f, 0.0f};
  u32(0x000D4B38);  // int8 tag: 6 values, padded to 8 bytes
  for (int8_t v : q) bin.push_back(static_cast<char>(v));
  bin.append(2, '\0');
  for (float b : bias) f32(b);
  for (float sc : scales) f32(sc);
  f32(1.0f);  // input scale
  std::string_view view(bin);
  analyzer::ReadOptions ro;
  ro.keep_weights = true;
  auto g = analyzer::ReadNcnnParam("net.param", param, ro, &view);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto input = Random(18, 43);
  std::unique_ptr<Plan> plan;
  auto got = RunGraph(*g, input, 1, &plan);
  EXPECT_FALSE(plan->synthetic_weights());
  std::vector<float> want(27);
  for (int o = 0; o < 3; ++o)
    for (int p = 0; p < 9; ++p) {
      want[o * 9 + p] =
          bias[o] + q[o * 2] / scales[o] * input[p] + q[o * 2 + 1] / scales[o] * input[9 + p];
    }
  ExpectNear(got, want, 1e-5f, "ncnn int8 weights");
}

// torchvision's AlexNet pools adaptively to the 6x6 it already has, which exports as an
// AveragePool with a 1x1 window; XNNPACK refuses windows of one element ("average pooling
// create failed (status 2)"). A 1x1 window is a (strided) copy.
TEST(PlanTest, PoolingWithAOneByOneWindowIsAStridedCopy) {
  testing::TempDir dir;
  for (const std::string op : {"AveragePool", "MaxPool"}) {
    for (int64_t stride : {1, 2}) {
      testing::OnnxBuilder b;
      const std::string x = b.Input("x", {1, 8, 6, 6});
      b.Output(b.Node(op, {x},
                      {testing::OnnxAttr::Ints("kernel_shape", {1, 1}),
                       testing::OnnxAttr::Ints("strides", {stride, stride})}));
      const std::string path = b.WriteTo(dir.path(), op + std::to_string(stride) + ".onnx");
      auto m = analyzer::ReadModel(path, {});
      ASSERT_TRUE(m.ok()) << m.status().ToString();
      const std::vector<float> in = Random(8 * 6 * 6, 3);
      const std::vector<float> out = RunGraph(m->graph, in);
      const int64_t o = 6 / stride;
      ASSERT_EQ(out.size(), static_cast<size_t>(8 * o * o)) << op << " stride " << stride;
      std::vector<float> want;
      for (int64_t ch = 0; ch < 8; ++ch)
        for (int64_t y = 0; y < o; ++y)
          for (int64_t xx = 0; xx < o; ++xx)
            want.push_back(in[(ch * 6 + y * stride) * 6 + xx * stride]);
      ExpectNear(out, want, 0.0f, op + " stride " + std::to_string(stride));
    }
  }
}

TEST(PlanTest, TransposesMatchANaiveReference) {
  struct Case {
    Shape shape;
    std::vector<int64_t> perm;
  };
  for (const Case& c :
       {Case{{1, 197, 3, 64}, {0, 2, 1, 3}}, Case{{2, 5, 7, 3}, {3, 1, 0, 2}},
        Case{{1, 300, 200}, {0, 2, 1}}, Case{{4, 1, 6, 5, 2}, {2, 0, 4, 3, 1}},
        Case{{3, 8, 9}, {0, 1, 2}}, Case{{1, 1, 1}, {2, 0, 1}}, Case{{1, 1, 4}, {2, 1, 0}}}) {
    for (int threads : {1, 2}) {
      GraphBuilder b;
      auto x = b.Input("x", c.shape);
      auto g = b.Finish({b.Transpose(b.Scale(x, 2.0), c.perm)});  // the input is a layer's output
      ASSERT_TRUE(g.ok()) << g.status().ToString();
      const int64_t total = Count(c.shape);
      auto input = Random(total, 91);
      const size_t r = c.shape.size();
      std::vector<int64_t> in_stride(r, 1), out_shape(r);
      for (size_t i = r - 1; i > 0; --i) in_stride[i - 1] = in_stride[i] * c.shape[i];
      for (size_t i = 0; i < r; ++i) out_shape[i] = c.shape[c.perm[i]];
      std::vector<float> want(total);
      for (int64_t o = 0; o < total; ++o) {
        int64_t rest = o, off = 0;
        for (size_t i = r; i-- > 0;) {
          off += (rest % out_shape[i]) * in_stride[c.perm[i]];
          rest /= out_shape[i];
        }
        want[o] = 2.0f * input[off];
      }
      ExpectNear(RunGraph(*g, input, threads), want, 1e-6f,
                 "transpose on " + std::to_string(threads));
    }
  }
}

// Layer norm rows shorter than a vector, of whole vectors and with a tail, offset far from zero
// (the variance is taken around the mean), on one and two threads.

}  // namespace
}  // namespace mbench::runner
