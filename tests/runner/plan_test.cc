// The runner against naive references computed here: convolutions (padding, strides, dilation,
// groups, depthwise, pointwise, bias), pooling, fully connected, broadcasting element-wise ops,
// activations, layout-sensitive ops (flatten after NHWC, concat, channel shuffle, transpose),
// transformer pieces; plus the plan's refusals and its memory reuse, every zoo model running
// end to end with finite outputs, and fp16 plans against fp32 ones.
#include "runner/plan.h"

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
#include "core/half.h"
#include "analyzer/zoo.h"
#include "runner/kernels/dwconv.h"
#include "runner/kernels/gemm.h"
#include "runner/measure.h"
#include "tests/testutil/onnx_builder.h"
#include "tests/testutil/testutil.h"

namespace mbench::runner {
namespace {

using analyzer::Graph;
using analyzer::GraphBuilder;
using analyzer::OpKind;
using analyzer::Shape;

std::vector<float> Random(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(rng);
  return v;
}

int64_t Count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, float tol,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0f + std::abs(want[i]))) << what << " at " << i;
  }
}

// Runs a one-input graph on `input` and returns output 0 (model layout).
std::vector<float> RunGraph(const Graph& g, const std::vector<float>& input, int threads = 1,
                            std::unique_ptr<Plan>* keep = nullptr) {
  PlanOptions o;
  o.threads = threads;
  o.serial_below_us = 0;  // the test graphs are small: share every layer out all the same
  auto plan = Plan::Compile(g, o);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return {};
  EXPECT_TRUE((*plan)->SetInput(0, input).ok());
  EXPECT_TRUE((*plan)->Run().ok());
  auto out = (*plan)->Output(0);
  if (keep != nullptr) *keep = std::move(*plan);
  return out;
}

// Fully connected with weights [N, K] (row per output) and one bias per output.
std::vector<float> NaiveFc(const std::vector<float>& w, const std::vector<float>& bias,
                           const std::vector<float>& x) {
  const size_t k = x.size(), n = bias.size();
  std::vector<float> y(n);
  for (size_t o = 0; o < n; ++o) {
    double acc = bias[o];
    for (size_t i = 0; i < k; ++i) acc += w[o * k + i] * x[i];
    y[o] = static_cast<float>(acc);
  }
  return y;
}

struct ConvCase {
  int64_t cin, cout, h, w, k, stride, pad, groups, dilation;
  bool bias;
};

// Naive NCHW convolution with ONNX semantics.
std::vector<float> NaiveConv(const std::vector<float>& x, const std::vector<float>& wt,
                             const std::vector<float>* b, const ConvCase& c, int64_t oh,
                             int64_t ow) {
  std::vector<float> y(static_cast<size_t>(c.cout * oh * ow), 0.0f);
  const int64_t gi = c.cin / c.groups, go = c.cout / c.groups;
  for (int64_t oc = 0; oc < c.cout; ++oc) {
    int64_t g = oc / go;
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        double acc = b ? (*b)[oc] : 0.0;
        for (int64_t i = 0; i < gi; ++i)
          for (int64_t ky = 0; ky < c.k; ++ky)
            for (int64_t kx = 0; kx < c.k; ++kx) {
              int64_t iy = oy * c.stride - c.pad + ky * c.dilation;
              int64_t ix = ox * c.stride - c.pad + kx * c.dilation;
              if (iy < 0 || ix < 0 || iy >= c.h || ix >= c.w) continue;
              acc += x[((g * gi + i) * c.h + iy) * c.w + ix] *
                     wt[((oc * gi + i) * c.k + ky) * c.k + kx];
            }
        y[(oc * oh + oy) * ow + ox] = static_cast<float>(acc);
      }
  }
  return y;
}

TEST(PlanTest, ConvolutionsMatchANaiveReference) {
  const std::vector<ConvCase> cases = {
      {3, 8, 9, 11, 3, 1, 1, 1, 1, false},   // same padding
      {4, 6, 10, 10, 3, 2, 1, 1, 1, true},   // stride 2, bias
      {4, 4, 12, 9, 3, 1, 2, 1, 2, false},   // dilation 2
      {6, 6, 8, 8, 3, 1, 1, 6, 1, false},    // depthwise
      {6, 6, 8, 8, 3, 1, 1, 6, 1, true},     // depthwise with bias
      {8, 4, 7, 7, 3, 2, 1, 2, 1, false},    // grouped
      {5, 7, 6, 6, 1, 1, 0, 1, 1, true},     // pointwise
      {3, 4, 13, 13, 5, 3, 0, 1, 1, false},  // 5x5 valid, stride 3
      // Windows over 25 taps run mbench's own depthwise kernel (runner/kernels/dwconv.h): its interior
      // path (16-channel blocks, 6 pixels at a time), borders, a channel tail, stride,
      // dilation, a 9x9 window.
      {16, 16, 12, 20, 7, 1, 3, 16, 1, true},
      {48, 48, 11, 30, 7, 1, 3, 48, 1, false},
      {21, 21, 9, 9, 7, 2, 3, 21, 1, false},
      {32, 32, 15, 17, 9, 1, 4, 32, 1, true},
      {16, 16, 14, 26, 7, 1, 6, 16, 2, false},
      {16, 16, 20, 31, 7, 2, 3, 16, 1, true},
      // So do depthwise convolutions at stride 1 with 1, 2, 4 or 8 channels, several pixels to
      // a vector: tails of every length, padding, dilation, 5x5; stride 2 stays on XNNPACK.
      {8, 8, 13, 37, 3, 1, 1, 8, 1, true},
      {1, 1, 9, 40, 3, 1, 1, 1, 1, false},
      {4, 4, 10, 29, 5, 1, 2, 4, 1, true},
      {2, 2, 12, 35, 3, 1, 2, 2, 2, false},
      {8, 8, 4, 3, 3, 1, 0, 8, 1, true},
      {8, 8, 9, 9, 3, 2, 1, 8, 1, false},
      // One output channel over 2-8 input channels at stride 1: the same kernel, summing the
      // channels (a segmentation or heatmap head).
      {8, 1, 13, 37, 3, 1, 1, 1, 1, true},
      {4, 1, 9, 20, 5, 1, 4, 1, 2, false},
      {2, 1, 6, 19, 1, 1, 0, 1, 1, true},
      {8, 1, 9, 9, 3, 2, 1, 1, 1, true},  // stride 2: XNNPACK
      // 16 or 32 channels over 56x56 outputs or more (DepthwiseWideMap), stride 1 and 2.
      {16, 16, 60, 57, 3, 1, 1, 16, 1, true},
      {32, 32, 120, 120, 3, 2, 1, 32, 1, false},
  };
  for (const auto& c : cases) {
    GraphBuilder b;
    auto x = b.Input("x", {1, c.cin, c.h, c.w});
    auto y = b.Conv(x, c.cout, c.k, c.stride, c.pad, c.groups, c.bias, c.dilation);
    auto g = b.Finish({y});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const Shape& os = g->tensors[g->outputs[0]].shape;
    auto input = Random(Count(g->tensors[g->inputs[0]].shape), 3);
    std::unique_ptr<Plan> plan;
    auto got = RunGraph(*g, input, 1, &plan);
    const bool own_depthwise = (c.groups == c.cin && c.groups == c.cout &&
                                (c.k * c.k > kXnnpackDepthwiseMaxTaps ||
                                 DepthwisePacksPixels(c.stride, c.stride, c.cin) ||
                                 DepthwiseWideMap(os[2] * os[3], c.cin))) ||
                               (c.groups == 1 && c.cout == 1 &&
                                DepthwisePacksPixels(c.stride, c.stride, c.cin));
    EXPECT_EQ(plan->step(0).kernel == "mbench-dwconv", own_depthwise) << "k" << c.k << " c" << c.cin;
    const auto& node = g->nodes[0];
    auto wt = plan->ConstantValues(node.inputs[1]);
    std::vector<float> bias;
    if (c.bias) bias = plan->ConstantValues(node.inputs[2]);
    auto want = NaiveConv(input, wt, c.bias ? &bias : nullptr, c, os[2], os[3]);
    ExpectNear(got, want, 1e-4f, "conv k" + std::to_string(c.k) + " g" + std::to_string(c.groups));
    // A second run on the same input gives the same output: no step may reuse the memory of a
    // graph input (it is written once, read by every run).
    ASSERT_TRUE(plan->Run().ok());
    ExpectNear(plan->Output(0), want, 1e-4f, "second run");
    // Threads change nothing but the speed.
    ExpectNear(RunGraph(*g, input, 2), want, 1e-4f, "conv with 2 threads");
  }
}

// Dense convolutions with over 16 output channels run through mbench's AVX-512 GEMM
// (runner/kernels/gemm.h) on CPUs that have it (XNNPACK below that): output channels past a 32-wide
// block and below one, pixel counts that leave every size of
// partial 8-pixel tile, padding on every side, stride, dilation, two batch items, bias. Each
// agrees with the naive reference and with XNNPACK's kernel on the same layer.
TEST(PlanTest, DenseConvolutionsMatchNaiveAndXnnpack) {
  struct Dense {
    int64_t n, cin, cout, h, w, k, stride, pad, dilation;
  };
  const std::vector<Dense> cases = {
      {1, 3, 1, 7, 5, 3, 1, 1, 1},     // one output channel (XNNPACK's)
      {1, 3, 20, 7, 5, 3, 1, 1, 1},    // 20 of a 32-channel block, 35 pixels
      {1, 16, 17, 9, 9, 3, 2, 1, 1},   // stride 2, 25 pixels
      {2, 8, 32, 6, 7, 3, 1, 1, 1},    // batch 2, one full block
      {1, 33, 33, 5, 5, 1, 1, 0, 1},   // pointwise, a block and one channel
      {1, 12, 70, 11, 13, 5, 1, 4, 2}, // dilated 5x5, three blocks, wide padding
      {1, 3, 64, 20, 20, 7, 2, 3, 1},  // a 7x7 stride-2 stem
      // Last tiles of 2, 5 and 6 pixels (the cases above end in 3, 1, 4, 7 and 4).
      {1, 4, 64, 5, 2, 1, 1, 0, 1},
      {1, 20, 40, 3, 7, 1, 1, 0, 1},
      {1, 8, 18, 2, 7, 3, 1, 1, 1},
  };
  for (const auto& c : cases) {
    GraphBuilder b;
    auto x = b.Input("x", {c.n, c.cin, c.h, c.w});
    auto y = b.Conv(x, c.cout, c.k, c.stride, c.pad, 1, true, c.dilation);
    auto g = b.Finish({y});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const Shape& os = g->tensors[g->outputs[0]].shape;
    const std::string what = "dense conv cin " + std::to_string(c.cin) + " cout " +
                             std::to_string(c.cout) + " k" + std::to_string(c.k);
    auto input = Random(Count(g->tensors[g->inputs[0]].shape), 11);
    std::vector<float> outputs[2];
    for (bool xnnpack_only : {false, true}) {
      PlanOptions o;
      o.xnnpack_only = xnnpack_only;
      o.winograd = false;  // the direct GEMM's tiles are what this test covers
      o.threads = xnnpack_only ? 1 : 2;
      o.serial_below_us = 0;
      auto plan = Plan::Compile(*g, o);
      ASSERT_TRUE(plan.ok()) << plan.status().ToString();
      const std::string want_kernel =
          !xnnpack_only && c.cout > 16 && DenseConvAvailable() ? "mbench-gemm" : "xnnpack";
      EXPECT_EQ((*plan)->step(0).kernel, want_kernel) << what;
      ASSERT_TRUE((*plan)->SetInput(0, input).ok());
      ASSERT_TRUE((*plan)->Run().ok());
      outputs[xnnpack_only] = (*plan)->Output(0);
      if (xnnpack_only) continue;
      const auto& node = g->nodes[0];
      auto wt = (*plan)->ConstantValues(node.inputs[1]);
      auto bias = (*plan)->ConstantValues(node.inputs[2]);
      const int64_t item = c.cin * c.h * c.w, out_item = c.cout * os[2] * os[3];
      std::vector<float> want;
      for (int64_t i = 0; i < c.n; ++i) {
        std::vector<float> one(input.begin() + i * item, input.begin() + (i + 1) * item);
        auto y1 = NaiveConv(one, wt, &bias,
                            {c.cin, c.cout, c.h, c.w, c.k, c.stride, c.pad, 1, c.dilation, true},
                            os[2], os[3]);
        ASSERT_EQ(static_cast<int64_t>(y1.size()), out_item);
        want.insert(want.end(), y1.begin(), y1.end());
      }
      ExpectNear(outputs[0], want, 1e-4f, what);
    }
    ExpectNear(outputs[0], outputs[1], 1e-4f, what + " vs XNNPACK");
  }
}

// ResNet's block ends: conv -> Add(shortcut) -> ReLU. On the dense kernel the Add and the ReLU
// join the epilogue of the convolution that runs last (their steps report fused_into it), and
// the result matches XNNPACK's unfused plan: an identity shortcut, a shortcut convolution
// emitted before the main branch and one emitted after it; no fusion when the convolution's
// output has a second reader. The 3x3 convolutions run on Winograd, then on the direct GEMM.
TEST(PlanTest, ResidualAddsFuseIntoTheDenseConvolution) {
  enum Variant { kIdentity, kShortcutFirst, kShortcutLast, kSecondReader };
  for (Variant v : {kIdentity, kShortcutFirst, kShortcutLast, kSecondReader}) {
    GraphBuilder b;
    auto x = b.Input("x", {1, 24, 9, 10});
    analyzer::TensorId shortcut = x;
    if (v == kShortcutFirst) shortcut = b.Conv(x, 24, 1, 1, 0, 1, true);
    auto h = b.Act(b.Conv(x, 24, 3, 1, -1, 1, true), OpKind::kRelu);
    auto main = b.Conv(h, 24, 3, 1, -1, 1, true);
    if (v == kShortcutLast) shortcut = b.Conv(x, 24, 1);
    auto sum = b.Act(b.Add(main, shortcut), OpKind::kRelu);
    std::vector<analyzer::TensorId> outs = {sum};
    if (v == kSecondReader) outs.push_back(b.Act(main, OpKind::kSigmoid));
    auto g = b.Finish(outs);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const int32_t want_conv = g->tensors[v == kShortcutLast ? shortcut : main].producer;
    const std::string what = "residual variant " + std::to_string(v);
    auto input = Random(24 * 9 * 10, 21);
    std::vector<float> results[3];  // Winograd, direct GEMM, XNNPACK
    for (int kernel : {0, 1, 2}) {
      const bool xnnpack_only = kernel == 2;
      PlanOptions o;
      o.xnnpack_only = xnnpack_only;
      o.winograd = kernel == 0;
      auto plan = Plan::Compile(*g, o);
      ASSERT_TRUE(plan.ok()) << plan.status().ToString();
      int fused_adds = 0;
      for (size_t i = 0; i < (*plan)->num_steps(); ++i) {
        const StepInfo& st = (*plan)->step(i);
        if (st.kind == OpKind::kAdd && st.fused_into >= 0) {
          ++fused_adds;
          EXPECT_EQ(st.fused_into, want_conv) << what;
          EXPECT_EQ(st.kernel, "none") << what;
        }
        if (st.kind == OpKind::kRelu && st.layer == g->tensors[sum].producer) {
          EXPECT_EQ(st.fused_into, fused_adds > 0 ? want_conv : st.fused_into) << what;
        }
      }
      const bool fuses = !xnnpack_only && v != kSecondReader && DenseConvAvailable();
      EXPECT_EQ(fused_adds, fuses ? 1 : 0) << what;
      if (DenseConvAvailable() && !xnnpack_only) {
        EXPECT_EQ((*plan)->step(static_cast<size_t>(g->tensors[main].producer)).kernel,
                  kernel == 0 ? "mbench-winograd" : "mbench-gemm") << what;
      }
      ASSERT_TRUE((*plan)->SetInput(0, input).ok());
      ASSERT_TRUE((*plan)->Run().ok());
      results[kernel] = (*plan)->Output(0);
      // A second run reads the same input and gives the same output (the shortcut's memory
      // was not reused before the convolution read it).
      ASSERT_TRUE((*plan)->Run().ok());
      ExpectNear((*plan)->Output(0), results[kernel], 0.0f, what + " second run");
    }
    ExpectNear(results[0], results[2], 1e-4f, what + " Winograd vs XNNPACK");
    ExpectNear(results[1], results[2], 1e-4f, what + " direct vs XNNPACK");
  }
}

// 3x3 stride-1 convolutions on Winograd F(4x4, 3x3) (runner/kernels/winograd.h) agree with the naive
// reference and with the direct GEMM: maps 4 does not divide (partial edge tiles), channel
// counts off the 16- and 32-wide vectors, batch 2, no padding and same padding, a map large
// enough to run in several L2-sized chunks and a deep layer that runs one chunk per thread, a
// fused ReLU6, each on one and two threads. The tolerance is relative to the output's largest
// magnitude, since the transforms' rounding error grows with the layer's values, not with
// each output's.
TEST(PlanTest, WinogradConvolutionsMatchNaiveAndDirect) {
  struct Wino {
    int64_t n, cin, cout, h, w, pad;
    bool relu6;
  };
  const std::vector<Wino> cases = {
      {1, 8, 32, 9, 9, 1, false},     // the fewest input channels it takes; 3x3 tiles
      {2, 17, 40, 6, 11, 1, false},   // batch 2, channel tails on both sides
      {1, 33, 70, 13, 7, 0, true},    // no padding: an 11x5 output; clamped
      {1, 64, 64, 40, 40, 1, false},  // 100 tiles of 18 KiB: several chunks
      {1, 256, 96, 8, 8, 1, true},    // deep, 4 tiles: one chunk per thread
  };
  for (const auto& c : cases) {
    GraphBuilder b;
    auto x = b.Input("x", {c.n, c.cin, c.h, c.w});
    auto y = b.Conv(x, c.cout, 3, 1, c.pad, 1, true);
    if (c.relu6) y = b.Act(y, OpKind::kClip);
    auto g = b.Finish({y});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const Shape& os = g->tensors[g->outputs[0]].shape;
    auto input = Random(Count(g->tensors[g->inputs[0]].shape), 17);
    for (int threads : {1, 2}) {
      const std::string what = "winograd cin " + std::to_string(c.cin) + " cout " +
                               std::to_string(c.cout) + " " + std::to_string(c.h) + "x" +
                               std::to_string(c.w) + " threads " + std::to_string(threads);
      std::vector<float> got[2];
      std::unique_ptr<Plan> kept;
      for (bool winograd : {true, false}) {
        PlanOptions o;
        o.threads = threads;
        o.winograd = winograd;
        o.serial_below_us = 0;
        auto plan = Plan::Compile(*g, o);
        ASSERT_TRUE(plan.ok()) << plan.status().ToString();
        if (DenseConvAvailable()) {
          EXPECT_EQ((*plan)->step(0).kernel, winograd ? "mbench-winograd" : "mbench-gemm") << what;
        }
        ASSERT_TRUE((*plan)->SetInput(0, input).ok());
        ASSERT_TRUE((*plan)->Run().ok());
        got[winograd ? 0 : 1] = (*plan)->Output(0);
        if (winograd) kept = std::move(*plan);
      }
      const auto& node = g->nodes[0];
      auto wt = kept->ConstantValues(node.inputs[1]);
      auto bias = kept->ConstantValues(node.inputs[2]);
      const int64_t item = c.cin * c.h * c.w;
      std::vector<float> want;
      for (int64_t i = 0; i < c.n; ++i) {
        std::vector<float> one(input.begin() + i * item, input.begin() + (i + 1) * item);
        auto y1 = NaiveConv(one, wt, &bias, {c.cin, c.cout, c.h, c.w, 3, 1, c.pad, 1, 1, true},
                            os[2], os[3]);
        if (c.relu6) {
          for (float& v : y1) v = std::clamp(v, 0.0f, 6.0f);
        }
        want.insert(want.end(), y1.begin(), y1.end());
      }
      ASSERT_EQ(got[0].size(), want.size()) << what;
      float scale = 0.0f, worst = 0.0f, worst_direct = 0.0f;
      for (size_t i = 0; i < want.size(); ++i) {
        scale = std::max(scale, std::abs(want[i]));
        worst = std::max(worst, std::abs(got[0][i] - want[i]));
        worst_direct = std::max(worst_direct, std::abs(got[1][i] - want[i]));
      }
      EXPECT_GT(scale, 1.0f) << what;  // not an all-zero output
      // Measured: 1.9e-6 of the scale at 8 input channels to 1.4e-5 at 256, 5-9x the direct
      // GEMM's rounding, which stays under 2e-6.
      EXPECT_LE(worst, 3e-5f * scale) << what << ": direct GEMM's error " << worst_direct;
      EXPECT_LE(worst_direct, 3e-6f * scale) << what;
    }
  }
}

// Fully connected layers of 8 or more rows run on the same GEMM: weights [N, K] (Linear, Gemm
// transB) and [K, N] (as MatMul with a constant stores them), 13 rows, 70 outputs.
TEST(PlanTest, FullyConnectedRowsOnTheDenseKernelMatchTheReference) {
  for (bool k_by_n : {false, true}) {
    GraphBuilder b;
    auto x = b.Input("x", {1, 13, 40});
    auto y = b.Linear(x, 70);
    auto g = b.Finish({y});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    if (k_by_n) g->tensors[g->nodes[0].inputs[1]].shape = {40, 70};
    auto input = Random(13 * 40, 5);
    std::unique_ptr<Plan> plan;
    auto got = RunGraph(*g, input, 2, &plan);
    EXPECT_EQ(plan->step(0).kernel, DenseConvAvailable() ? "mbench-gemm" : "xnnpack");
    const auto& node = g->nodes[0];
    auto w = plan->ConstantValues(node.inputs[1]);
    auto bias = plan->ConstantValues(node.inputs[2]);
    std::vector<float> want(13 * 70);
    for (int r = 0; r < 13; ++r) {
      for (int o = 0; o < 70; ++o) {
        double acc = bias[o];
        for (int i = 0; i < 40; ++i) {
          acc += input[r * 40 + i] * (k_by_n ? w[i * 70 + o] : w[o * 40 + i]);
        }
        want[r * 70 + o] = static_cast<float>(acc);
      }
    }
    ExpectNear(got, want, 1e-4f, k_by_n ? "matmul [K, N]" : "linear [N, K]");
  }
}

// Transposed convolutions (XNNPACK's deconvolution) from the builder, as calibrate's probes
// make them: ONNX weights [in, out, k, k], no padding, output (in - 1) * stride + k.
TEST(PlanTest, TransposedConvolutionsMatchANaiveReference) {
  for (auto [cin, cout, h, k, s] : std::vector<std::array<int64_t, 5>>{
           {3, 4, 5, 2, 2}, {2, 1, 6, 2, 2}, {4, 3, 4, 3, 2}, {2, 2, 3, 3, 1}}) {
    GraphBuilder b;
    auto x = b.Input("x", {1, cin, h, h + 1});
    auto y = b.ConvTranspose(x, cout, k, s, true);
    auto g = b.Finish({y});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const int64_t oh = (h - 1) * s + k, ow = h * s + k;
    ASSERT_EQ(g->tensors[g->outputs[0]].shape, (Shape{1, cout, oh, ow}));
    auto input = Random(cin * h * (h + 1), 21);
    for (int threads : {1, 2}) {
      std::unique_ptr<Plan> plan;
      auto got = RunGraph(*g, input, threads, &plan);
      auto w = plan->ConstantValues(g->nodes[0].inputs[1]);
      auto bias = plan->ConstantValues(g->nodes[0].inputs[2]);
      std::vector<double> want(static_cast<size_t>(cout * oh * ow));
      for (int64_t oc = 0; oc < cout; ++oc)
        for (int64_t i = 0; i < oh * ow; ++i) want[oc * oh * ow + i] = bias[oc];
      for (int64_t ic = 0; ic < cin; ++ic)
        for (int64_t iy = 0; iy < h; ++iy)
          for (int64_t ix = 0; ix < h + 1; ++ix)
            for (int64_t oc = 0; oc < cout; ++oc)
              for (int64_t ky = 0; ky < k; ++ky)
                for (int64_t kx = 0; kx < k; ++kx) {
                  want[(oc * oh + iy * s + ky) * ow + ix * s + kx] +=
                      input[(ic * h + iy) * (h + 1) + ix] * w[((ic * cout + oc) * k + ky) * k + kx];
                }
      ExpectNear(got, std::vector<float>(want.begin(), want.end()), 1e-4f,
                 "deconv k" + std::to_string(k) + " s" + std::to_string(s));
    }
  }
}

TEST(PlanTest, FusedActivationsClampTheProducerAndKeepOneStepPerLayer) {
  const ConvCase c{4, 6, 7, 7, 3, 1, 1, 1, 1, true};
  for (OpKind act : {OpKind::kRelu, OpKind::kClip}) {
    for (bool fuse : {true, false}) {
      GraphBuilder b;
      auto x = b.Input("x", {1, c.cin, c.h, c.w});
      auto y = b.Act(b.Conv(x, c.cout, c.k, c.stride, c.pad, c.groups, c.bias, c.dilation), act);
      auto g = b.Finish({y});
      ASSERT_TRUE(g.ok());
      PlanOptions o;
      o.fuse_activations = fuse;
      auto plan = Plan::Compile(*g, o);
      ASSERT_TRUE(plan.ok()) << plan.status().ToString();
      ASSERT_EQ((*plan)->num_steps(), 2u);
      EXPECT_EQ((*plan)->step(1).noop, fuse);
      EXPECT_EQ((*plan)->step(1).fused_into, fuse ? 0 : -1);
      auto input = Random(c.cin * c.h * c.w, 4);
      ASSERT_TRUE((*plan)->SetInput(0, input).ok());
      ASSERT_TRUE((*plan)->Run().ok());
      auto wt = (*plan)->ConstantValues(g->nodes[0].inputs[1]);
      auto bias = (*plan)->ConstantValues(g->nodes[0].inputs[2]);
      auto want = NaiveConv(input, wt, &bias, c, 7, 7);
      for (auto& v : want) v = std::clamp(v, 0.0f, act == OpKind::kClip ? 6.0f : INFINITY);
      ExpectNear((*plan)->Output(0), want, 1e-4f, fuse ? "fused" : "separate");
    }
  }
}

// Element-wise ops with an activation: a ReLU after a residual add becomes the add's output
// range, and a TFLite-style fused activation on ADD/MUL is honoured (XNNPACK's output range),
// also on MAXIMUM, which takes none (applied after).
TEST(PlanTest, ElementWiseOpsCarryTheirActivation) {
  auto a = Random(2 * 5 * 6 * 6, 11), bv = Random(2 * 5 * 6 * 6, 12);
  for (bool fuse : {true, false}) {
    GraphBuilder b;
    auto x = b.Input("x", {2, 5, 6, 6});
    auto x2 = b.Conv(x, 5, 1, 1, 0, 5, false);  // a second activation: x scaled per channel
    auto y = b.Act(b.Add(x, x2), OpKind::kRelu);
    auto g = b.Finish({y});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    PlanOptions o;
    o.fuse_activations = fuse;
    auto plan = Plan::Compile(*g, o);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    const size_t relu = (*plan)->num_steps() - 1;
    EXPECT_EQ((*plan)->step(relu).noop, fuse);
    ASSERT_TRUE((*plan)->SetInput(0, a).ok());
    ASSERT_TRUE((*plan)->Run().ok());
    auto w = (*plan)->ConstantValues(g->nodes[0].inputs[1]);  // per-channel scale (depthwise 1x1)
    std::vector<float> want(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      const size_t ch = (i / 36) % 5;
      want[i] = std::max(0.0f, a[i] + a[i] * w[ch]);
    }
    ExpectNear((*plan)->Output(0), want, 1e-5f, fuse ? "relu fused into add" : "separate relu");
  }
  for (OpKind kind : {OpKind::kAdd, OpKind::kMul, OpKind::kMax}) {
    GraphBuilder b;
    auto x = b.Input("x", {1, 4, 5, 5});
    auto x2 = b.Input("x2", {1, 4, 5, 5});
    auto y = kind == OpKind::kAdd ? b.Add(x, x2) : b.Mul(x, x2);
    auto g = b.Finish({y});
    ASSERT_TRUE(g.ok());
    g->nodes.back().kind = kind;
    g->nodes.back().attrs["fused_activation"] = std::string("relu_n1_to_1");
    auto plan = Plan::Compile(*g, {});
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    std::vector<float> p(100), q(100), want(100);
    for (size_t i = 0; i < 100; ++i) {
      p[i] = 0.05f * static_cast<float>(i) - 2.5f;
      q[i] = 1.5f - 0.03f * static_cast<float>(i);
      const float v = kind == OpKind::kAdd ? p[i] + q[i] : kind == OpKind::kMul ? p[i] * q[i]
                                                                               : std::max(p[i], q[i]);
      want[i] = std::clamp(v, -1.0f, 1.0f);
    }
    ASSERT_TRUE((*plan)->SetInput(0, p).ok());
    ASSERT_TRUE((*plan)->SetInput(1, q).ok());
    ASSERT_TRUE((*plan)->Run().ok());
    ExpectNear((*plan)->Output(0), want, 1e-6f, std::string("fused range on ") +
                                                    analyzer::OpKindName(kind));
  }
}

// Padding of an NHWC model's H and W (MediaPipe's zero_padding2d), with the befores-then-afters
// pads the TFLite reader makes of PAD's [rank, 2] paddings: the values land in the right
// dimensions and unpadded channels merge into rows. Pads that do not give the model's shape
// would make XNNPACK write past the output buffer: they are refused.
TEST(PlanTest, NhwcPaddingPadsTheRightDimensions) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 4, 5, 3});
  auto y = b.PadChannels(x, 1);
  auto g = b.Finish({y});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  g->layout = analyzer::Layout::kNHWC;
  analyzer::Node& pad = g->nodes.back();
  pad.op_type = "PAD";
  pad.attrs["pads"] = std::vector<int64_t>{0, 1, 2, 0, 0, 1, 0, 0};  // H: 1 and 1; W: 2 before
  g->tensors[g->outputs[0]].shape = {1, 6, 7, 3};
  auto input = Random(4 * 5 * 3, 9);
  auto got = RunGraph(*g, input);
  ASSERT_EQ(got.size(), 6u * 7u * 3u);
  for (int64_t h = 0; h < 6; ++h)
    for (int64_t w = 0; w < 7; ++w)
      for (int64_t c = 0; c < 3; ++c) {
        const bool inside = h >= 1 && h < 5 && w >= 2;
        const float want = inside ? input[((h - 1) * 5 + (w - 2)) * 3 + c] : 0.0f;
        ASSERT_EQ(got[(h * 7 + w) * 3 + c], want) << h << "," << w << "," << c;
      }
  // Paddings that do not give the model's output shape are refused before anything runs.
  g->tensors[g->outputs[0]].shape = {1, 6, 8, 3};
  auto wrong = Plan::Compile(*g, {});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("output shape"), std::string::npos)
      << wrong.status().ToString();
}

// Hard-swish spelled out, as PaddlePaddle exports it, between scalar affine steps: one region,
// one pass (runner/kernels/eltwise.h), the other layers fused into its first; the same values as the
// unfused plan and the formula. A value read outside the region ends it there.
TEST(PlanTest, ElementWiseRegionsRunAsOnePass) {
  for (bool also_output : {false, true}) {
    GraphBuilder b;
    auto x = b.Input("x", {1, 3, 17, 19});
    auto s1 = b.Scale(x, 1.5);                      // region input x
    auto gate = b.Act(s1, OpKind::kClip);           // relu6(1.5 x)
    auto m = b.Mul(s1, gate);                       // reads two region values
    auto y = b.Act(b.Scale(m, 1.0 / 6.0), OpKind::kHardSigmoid);
    std::vector<analyzer::TensorId> outs = {y};
    if (also_output) outs.push_back(s1);
    auto g = b.Finish(outs);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    auto input = Random(3 * 17 * 19, 31);
    for (auto& v : input) v *= 8.0f;  // reach both clip bounds
    std::vector<float> outputs[2];
    for (bool fuse : {true, false}) {
      PlanOptions o;
      o.fuse_activations = fuse;
      o.threads = 2;
      o.serial_below_us = 0;
      auto plan = Plan::Compile(*g, o);
      ASSERT_TRUE(plan.ok()) << plan.status().ToString();
      int noops = 0;
      for (size_t i = 0; i < (*plan)->num_steps(); ++i) noops += (*plan)->step(i).noop;
      // Five layers: one region of five, or (s1 being read outside) s1 alone and four.
      EXPECT_EQ(noops, fuse ? (also_output ? 3 : 4) : 0) << "also_output " << also_output;
      ASSERT_TRUE((*plan)->SetInput(0, input).ok());
      ASSERT_TRUE((*plan)->Run().ok());
      outputs[fuse] = (*plan)->Output(0);
      if (also_output) {
        std::vector<float> scaled(input.size());
        for (size_t i = 0; i < input.size(); ++i) scaled[i] = 1.5f * input[i];
        ExpectNear((*plan)->Output(1), scaled, 1e-6f, "the value read outside the region");
      }
    }
    std::vector<float> want(input.size());
    for (size_t i = 0; i < input.size(); ++i) {
      const float a = 1.5f * input[i];
      want[i] = std::clamp(0.2f * (a * std::clamp(a, 0.0f, 6.0f) / 6.0f) + 0.5f, 0.0f, 1.0f);
    }
    ExpectNear(outputs[1], want, 1e-5f, "region");
    ExpectNear(outputs[0], want, 1e-5f, "separate ops");
  }
}

TEST(PlanTest, FoldingBatchNormIntoTheConvolutionChangesNothingButTheSteps) {
  GraphBuilder b(/*fold_bn=*/false);
  auto x = b.Input("x", {1, 5, 9, 9});
  auto y = b.ConvBnAct(x, 7, 3, 2, OpKind::kClip);          // conv, batch norm, relu6
  auto z = b.ConvBnAct(y, 7, 3, 1, OpKind::kRelu, 7);       // depthwise
  auto v = b.ConvBnAct(z, 7, 7, 1, OpKind::kClip, 7);       // 7x7 depthwise: mbench's kernel
  auto g = b.Finish({v});
  ASSERT_TRUE(g.ok());
  auto input = Random(5 * 81, 6);
  std::vector<float> outs[2];
  for (bool fuse : {false, true}) {
    PlanOptions o;
    o.fuse_activations = fuse;
    auto plan = Plan::Compile(*g, o);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    int noops = 0;
    for (size_t i = 0; i < (*plan)->num_steps(); ++i) noops += (*plan)->step(i).noop;
    EXPECT_EQ(noops, fuse ? 6 : 0);  // three batch norms and three activations
    ASSERT_TRUE((*plan)->SetInput(0, input).ok());
    ASSERT_TRUE((*plan)->Run().ok());
    outs[fuse] = (*plan)->Output(0);
  }
  ExpectNear(outs[1], outs[0], 1e-4f, "folded vs separate");
}

TEST(PlanTest, PoolingFullyConnectedAndFlattenFollowTheModelsLayout) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 3, 8, 8});
  auto mp = b.MaxPool(x, 3, 2, 1);          // 1x3x4x4
  auto ap = b.AvgPool(mp, 2, 2);            // 1x3x2x2
  auto flat = b.Flatten(ap);                // NCHW order: c, h, w
  auto fc = b.Linear(flat, 5);
  auto g = b.Finish({fc});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto input = Random(3 * 64, 5);
  std::unique_ptr<Plan> plan;
  auto got = RunGraph(*g, input, 1, &plan);
  // Reference.
  std::vector<float> m(3 * 16), a(3 * 4);
  for (int c = 0; c < 3; ++c)
    for (int oy = 0; oy < 4; ++oy)
      for (int ox = 0; ox < 4; ++ox) {
        float best = -INFINITY;
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx) {
            int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
            if (iy >= 0 && ix >= 0 && iy < 8 && ix < 8) best = std::max(best, input[(c * 8 + iy) * 8 + ix]);
          }
        m[(c * 4 + oy) * 4 + ox] = best;
      }
  for (int c = 0; c < 3; ++c)
    for (int oy = 0; oy < 2; ++oy)
      for (int ox = 0; ox < 2; ++ox) {
        float s = 0;
        for (int ky = 0; ky < 2; ++ky)
          for (int kx = 0; kx < 2; ++kx) s += m[(c * 4 + oy * 2 + ky) * 4 + ox * 2 + kx];
        a[(c * 2 + oy) * 2 + ox] = s / 4;
      }
  const auto& fc_node = g->nodes.back();
  auto w = plan->ConstantValues(fc_node.inputs[1]);  // [5, 12] (transB)
  auto bias = plan->ConstantValues(fc_node.inputs[2]);
  ExpectNear(got, NaiveFc(w, bias, a), 1e-4f, "pool-flatten-fc");
}

TEST(PlanTest, SwishMatchesItsDefinitionOverAWideRange) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 3, 7, 11});  // 231 values: not a multiple of any vector width
  auto g = b.Finish({b.Act(x, OpKind::kSwish)});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  std::vector<float> input(231);
  for (size_t i = 0; i < input.size(); ++i) input[i] = -20.0f + 40.0f * i / (input.size() - 1);
  auto got = RunGraph(*g, input);
  std::vector<float> want(input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    want[i] = static_cast<float>(input[i] / (1.0 + std::exp(-static_cast<double>(input[i]))));
  }
  ExpectNear(got, want, 1e-5f, "swish");
}

// GELU and erf run as vectorized polynomials (runner/kernels/eltwise.h): alone (the zoo's and ONNX
// opset 20's Gelu, a lone Erf) and as the five-op region an ONNX export before opset 20 spells
// GELU with (Div, Erf, Add, Mul, Mul), over [-12, 12] and beyond, on one and two threads.
TEST(PlanTest, GeluAndErfMatchTheirDefinitionsAloneAndAsTheOnnxPattern) {
  std::vector<float> input;
  for (int i = 0; i <= 48000; ++i) input.push_back(-12.0f + 24.0f * static_cast<float>(i) / 48000);
  for (float v : {-1e30f, -100.0f, -7.5f, -0.49999f, -1e-20f, 0.0f, 1e-20f, 0.5f, 9.0f, 1e30f}) {
    input.push_back(v);
  }
  const auto n = static_cast<int64_t>(input.size());
  std::vector<float> gelu(input.size()), erf(input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    const double v = input[i];
    gelu[i] = static_cast<float>(0.5 * v * std::erfc(-v / std::sqrt(2.0)));
    erf[i] = static_cast<float>(std::erf(v));
  }
  GraphBuilder b;
  auto x = b.Input("x", {1, n});
  auto g = b.Finish({b.Act(x, OpKind::kGelu), b.Act(x, OpKind::kErf)});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  GraphBuilder b2;
  auto g2 = b2.Finish({b2.Act(b2.Input("x", {1, n}), OpKind::kGelu)});
  ASSERT_TRUE(g2.ok()) << g2.status().ToString();
  testing::TempDir dir;
  ASSERT_TRUE(analyzer::WriteOnnxModel(*g2, dir.File("gelu.onnx")).ok());
  auto onnx = analyzer::ReadModel(dir.File("gelu.onnx"), {});
  ASSERT_TRUE(onnx.ok()) << onnx.status().ToString();
  for (int threads : {1, 2}) {
    PlanOptions o;
    o.threads = threads;
    o.serial_below_us = 0;
    auto plan = Plan::Compile(*g, o);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    ASSERT_TRUE((*plan)->SetInput(0, input).ok());
    ASSERT_TRUE((*plan)->Run().ok());
    const std::string on = " on " + std::to_string(threads) + " threads";
    ExpectNear((*plan)->Output(0), gelu, 3e-7f, "gelu" + on);
    ExpectNear((*plan)->Output(1), erf, 3e-7f, "erf" + on);

    auto pattern = Plan::Compile(onnx->graph, o);
    ASSERT_TRUE(pattern.ok()) << pattern.status().ToString();
    int noops = 0;
    for (size_t i = 0; i < (*pattern)->num_steps(); ++i) noops += (*pattern)->step(i).noop;
    EXPECT_EQ(noops, 4) << "the five ops of the exported GELU run as one pass";
    ASSERT_TRUE((*pattern)->SetInput(0, input).ok());
    ASSERT_TRUE((*pattern)->Run().ok());
    ExpectNear((*pattern)->Output(0), gelu, 3e-7f, "exported gelu" + on);
  }
}

// The swish kernel works in 2048-element chunks, one contiguous range per thread: a tensor of
// several chunks and a ragged tail, on 1, 2 and 3 threads, must equal the definition everywhere.
TEST(PlanTest, SwishAcrossChunksAndThreads) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 5, 31, 67});  // 10385 values: five chunks and a tail
  auto g = b.Finish({b.Act(x, OpKind::kSwish)});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto input = Random(5 * 31 * 67, 17);
  std::vector<float> want(input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    const double v = 8.0 * input[i];
    input[i] = static_cast<float>(v);
    want[i] = static_cast<float>(v / (1.0 + std::exp(-v)));
  }
  for (int threads : {1, 2, 3}) {
    ExpectNear(RunGraph(*g, input, threads), want, 1e-5f,
               "swish on " + std::to_string(threads) + " threads");
  }
}

TEST(PlanTest, BroadcastingActivationsConcatAndShuffle) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 4, 5, 5});
  auto pooled = b.GlobalAvgPool(x);                      // 1x4x1x1
  auto gate = b.Act(pooled, OpKind::kSigmoid);
  auto scaled = b.Mul(x, gate);                           // broadcast over H, W
  auto r6 = b.Act(scaled, OpKind::kClip);                 // relu6
  auto hs = b.Act(x, OpKind::kHardSwish);
  auto sum = b.Add(r6, hs);
  auto cat = b.Concat({sum, x}, 1);                       // 1x8x5x5
  auto shuf = b.ChannelShuffle(cat, 2);
  auto g = b.Finish({shuf});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto input = Random(100, 9);
  auto got = RunGraph(*g, input);
  std::vector<float> want(200);
  std::vector<float> catv(200);
  for (int c = 0; c < 4; ++c) {
    double mean = 0;
    for (int i = 0; i < 25; ++i) mean += input[c * 25 + i];
    float gt = 1.0f / (1.0f + std::exp(-static_cast<float>(mean / 25)));
    for (int i = 0; i < 25; ++i) {
      float v = input[c * 25 + i];
      float a = std::clamp(v * gt, 0.0f, 6.0f);
      float h = v * std::clamp(v + 3.0f, 0.0f, 6.0f) / 6.0f;
      catv[c * 25 + i] = a + h;
      catv[(c + 4) * 25 + i] = v;
    }
  }
  // Shuffle with 2 groups of 4: output channel j = input channel (j % 2) * 4 + j / 2.
  for (int j = 0; j < 8; ++j)
    for (int i = 0; i < 25; ++i) want[j * 25 + i] = catv[((j % 2) * 4 + j / 2) * 25 + i];
  ExpectNear(got, want, 1e-4f, "se-gate, relu6, hardswish, concat, shuffle");
}

// One depth-to-space node over a graph input of `in_shape` (graph layout).
Graph DepthToSpaceGraph(analyzer::Layout layout, Shape in_shape, Shape out_shape,
                        int64_t block, const std::string& mode, const std::string& op_type) {
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

// Little-endian words of an ncnn .bin.
void AppendU32(std::string* bin, uint32_t v) {
  for (int i = 0; i < 4; ++i) bin->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void AppendF32(std::string* bin, float f) {
  uint32_t v;
  std::memcpy(&v, &f, 4);
  AppendU32(bin, v);
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
  for (size_t i = 0; i < cw.size(); ++i) cw[i] = static_cast<float>(static_cast<int>(i % 7) - 3) / 8;
  for (size_t i = 0; i < cb.size(); ++i) cb[i] = 0.25f * static_cast<float>(i);
  for (size_t i = 0; i < fw.size(); ++i) fw[i] = static_cast<float>(static_cast<int>(i % 11) - 5) / 16;
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
      want[o * 9 + p] = bias[o] + q[o * 2] / scales[o] * input[p] + q[o * 2 + 1] / scales[o] * input[9 + p];
    }
  ExpectNear(got, want, 1e-5f, "ncnn int8 weights");
}

TEST(PlanTest, TransformerPiecesMatchTheReference) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 6, 8});                       // tokens x dim
  auto ln = b.LayerNorm(x);
  auto t = b.Transpose(ln, {0, 2, 1});                    // 1x8x6
  auto scores = b.MatMul(ln, t);                          // 1x6x6
  auto sm = b.Softmax(scores);
  auto g = b.Finish({sm});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto input = Random(48, 11);
  std::unique_ptr<Plan> plan;
  auto got = RunGraph(*g, input, 1, &plan);
  auto gamma = plan->ConstantValues(g->nodes[0].inputs[1]);
  auto beta = plan->ConstantValues(g->nodes[0].inputs[2]);
  std::vector<float> l(48);
  for (int r = 0; r < 6; ++r) {
    double mean = 0, var = 0;
    for (int i = 0; i < 8; ++i) mean += input[r * 8 + i];
    mean /= 8;
    for (int i = 0; i < 8; ++i) var += (input[r * 8 + i] - mean) * (input[r * 8 + i] - mean);
    var /= 8;
    for (int i = 0; i < 8; ++i) {
      l[r * 8 + i] = static_cast<float>((input[r * 8 + i] - mean) / std::sqrt(var + 1e-5)) * gamma[i] + beta[i];
    }
  }
  std::vector<float> want(36);
  for (int i = 0; i < 6; ++i) {
    double s[6], mx = -1e30, z = 0;
    for (int j = 0; j < 6; ++j) {
      s[j] = 0;
      for (int k = 0; k < 8; ++k) s[j] += l[i * 8 + k] * l[j * 8 + k];
      mx = std::max(mx, s[j]);
    }
    for (int j = 0; j < 6; ++j) z += std::exp(s[j] - mx);
    for (int j = 0; j < 6; ++j) want[i * 6 + j] = static_cast<float>(std::exp(s[j] - mx) / z);
  }
  ExpectNear(got, want, 1e-4f, "layernorm, transpose, matmul, softmax");
}

// MatMul of two activations (attention's Q x K^T and weights x V): row counts on both sides of
// the 8-row tile, column counts on both sides of the 32-column block, a depth of one, batches,
// and one and two threads, on the AVX-512 kernel and on the plain loop --xnnpack-only keeps.
TEST(PlanTest, BatchedMatMulsOfTwoActivationsMatchTheReference) {
  struct Case {
    int64_t batch, m, k, n;
  };
  for (const Case c : {Case{1, 1, 1, 1}, Case{3, 7, 64, 33}, Case{2, 8, 5, 32}, Case{3, 19, 70, 31},
                       Case{4, 17, 36, 70}, Case{1, 9, 197, 64}}) {
    for (bool xnnpack_only : {false, true}) {
      for (int threads : {1, 2}) {
        GraphBuilder b;
        auto a = b.Input("a", {c.batch, c.m, c.k});
        auto bt = b.Input("b", {c.batch, c.k, c.n});
        auto g = b.Finish({b.MatMul(a, bt)});
        ASSERT_TRUE(g.ok()) << g.status().ToString();
        PlanOptions o;
        o.threads = threads;
        o.serial_below_us = 0;
        o.xnnpack_only = xnnpack_only;
        auto plan = Plan::Compile(*g, o);
        ASSERT_TRUE(plan.ok()) << plan.status().ToString();
        EXPECT_EQ((*plan)->step(0).kernel,
                  !xnnpack_only && DenseConvAvailable() ? "mbench-gemm" : "plain");
        auto av = Random(c.batch * c.m * c.k, 61);
        auto bv = Random(c.batch * c.k * c.n, 62);
        ASSERT_TRUE((*plan)->SetInput(0, av).ok());
        ASSERT_TRUE((*plan)->SetInput(1, bv).ok());
        for (int run = 0; run < 2; ++run) {  // a second run repacks B from scratch
          ASSERT_TRUE((*plan)->Run().ok());
          std::vector<float> want(c.batch * c.m * c.n);
          for (int64_t z = 0; z < c.batch; ++z)
            for (int64_t i = 0; i < c.m; ++i)
              for (int64_t j = 0; j < c.n; ++j) {
                double acc = 0;
                for (int64_t p = 0; p < c.k; ++p) {
                  acc += av[(z * c.m + i) * c.k + p] * bv[(z * c.k + p) * c.n + j];
                }
                want[(z * c.m + i) * c.n + j] = static_cast<float>(acc);
              }
          ExpectNear((*plan)->Output(0), want, 1e-4f,
                     "matmul " + std::to_string(c.batch) + "x" + std::to_string(c.m) + "x" +
                         std::to_string(c.k) + "x" + std::to_string(c.n) +
                         (xnnpack_only ? " plain" : "") + " threads " + std::to_string(threads));
          for (float& v : bv) v = -v;  // new values, same buffer
          ASSERT_TRUE((*plan)->SetInput(1, bv).ok());
        }
      }
    }
  }
}

// Attention's scale (scores times 1 / sqrt(head size)) folds into the matmul of two
// activations: one step fewer, the same values, on both matmul kernels and 1-2 threads.
TEST(PlanTest, AScalarMultiplyAfterAMatMulFoldsIntoIt) {
  GraphBuilder b;
  auto q = b.Input("q", {2, 3, 11, 36});  // 4-D inputs read as sequences, not images
  auto k = b.Input("k", {2, 3, 36, 40});
  auto scores = b.Scale(b.MatMul(q, k), 1.0 / 6.0);
  auto g = b.Finish({scores});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto qv = Random(2 * 3 * 11 * 36, 81), kv = Random(2 * 3 * 36 * 40, 82);
  std::vector<float> want(2 * 3 * 11 * 40);
  for (int z = 0; z < 6; ++z)
    for (int i = 0; i < 11; ++i)
      for (int j = 0; j < 40; ++j) {
        double acc = 0;
        for (int p = 0; p < 36; ++p) acc += qv[(z * 11 + i) * 36 + p] * kv[(z * 36 + p) * 40 + j];
        want[(z * 11 + i) * 40 + j] = static_cast<float>(acc / 6.0);
      }
  for (bool fuse : {true, false}) {
    for (bool xnnpack_only : {false, true}) {
      for (int threads : {1, 2}) {
        PlanOptions o;
        o.threads = threads;
        o.serial_below_us = 0;
        o.fuse_activations = fuse;
        o.xnnpack_only = xnnpack_only;
        auto plan = Plan::Compile(*g, o);
        ASSERT_TRUE(plan.ok()) << plan.status().ToString();
        ASSERT_EQ((*plan)->num_steps(), 2u);
        EXPECT_EQ((*plan)->step(1).noop, fuse);
        ASSERT_TRUE((*plan)->SetInput(0, qv).ok());
        ASSERT_TRUE((*plan)->SetInput(1, kv).ok());
        ASSERT_TRUE((*plan)->Run().ok());
        ExpectNear((*plan)->Output(0), want, 1e-4f,
                   std::string(fuse ? "folded" : "separate") + (xnnpack_only ? " plain" : "") +
                       " on " + std::to_string(threads) + " threads");
      }
    }
  }
}

// Transposes in the model's order against an index-by-index reference: merged neighbours,
// copied runs and strided gathers, dimensions of one, several tiles of runs, 1-2 threads.
TEST(PlanTest, TransposesMatchANaiveReference) {
  struct Case {
    Shape shape;
    std::vector<int64_t> perm;
  };
  for (const Case& c : {Case{{1, 197, 3, 64}, {0, 2, 1, 3}}, Case{{2, 5, 7, 3}, {3, 1, 0, 2}},
                        Case{{1, 300, 200}, {0, 2, 1}}, Case{{4, 1, 6, 5, 2}, {2, 0, 4, 3, 1}},
                        Case{{3, 8, 9}, {0, 1, 2}}, Case{{1, 1, 1}, {2, 0, 1}},
                        Case{{1, 1, 4}, {2, 1, 0}}}) {
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
      ExpectNear(RunGraph(*g, input, threads), want, 1e-6f, "transpose on " + std::to_string(threads));
    }
  }
}

// Layer norm rows shorter than a vector, of whole vectors and with a tail, offset far from zero
// (the variance is taken around the mean), on one and two threads.
TEST(PlanTest, LayerNormMatchesADoublePrecisionReference) {
  for (int64_t d : {8, 192, 250, 768}) {
    for (int threads : {1, 2}) {
      GraphBuilder b;
      auto g = b.Finish({b.LayerNorm(b.Input("x", {2, 37, d}))});
      ASSERT_TRUE(g.ok()) << g.status().ToString();
      auto input = Random(2 * 37 * d, 71);
      for (auto& v : input) v = 40.0f + 5.0f * v;
      std::unique_ptr<Plan> plan;
      auto got = RunGraph(*g, input, threads, &plan);
      auto gamma = plan->ConstantValues(g->nodes[0].inputs[1]);
      auto beta = plan->ConstantValues(g->nodes[0].inputs[2]);
      std::vector<float> want(input.size());
      for (int64_t r = 0; r < 2 * 37; ++r) {
        double mean = 0, var = 0;
        for (int64_t i = 0; i < d; ++i) mean += input[r * d + i];
        mean /= static_cast<double>(d);
        for (int64_t i = 0; i < d; ++i) var += (input[r * d + i] - mean) * (input[r * d + i] - mean);
        var /= static_cast<double>(d);
        for (int64_t i = 0; i < d; ++i) {
          want[r * d + i] = static_cast<float>((input[r * d + i] - mean) / std::sqrt(var + 1e-5) *
                                                   gamma[i] + beta[i]);
        }
      }
      ExpectNear(got, want, 2e-6f, "layer norm over " + std::to_string(d) + " on " +
                                       std::to_string(threads) + " threads");
    }
  }
}

TEST(PlanTest, RefusesUnsupportedOpsAndPlansOverTheLimitBeforeRunning) {
  Graph g;
  g.format = "test";
  analyzer::TensorInfo in;
  in.name = "x";
  in.dtype = analyzer::DType::kFloat32;
  in.has_shape = true;
  in.shape = {1, 4};
  int32_t x = g.AddTensor(in);
  g.inputs = {x};
  analyzer::TensorInfo out = in;
  out.name = "y";
  int32_t y = g.AddTensor(out);
  g.tensors[y].producer = 0;
  analyzer::Node n;
  n.name = "mystery";
  n.kind = OpKind::kUnknown;
  n.op_type = "Frobnicate";
  n.inputs = {x};
  n.outputs = {y};
  g.nodes.push_back(n);
  g.outputs = {y};
  auto plan = Plan::Compile(g, {});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(plan.status().message().find("unsupported ops: Frobnicate"), std::string::npos);

  analyzer::ReadOptions o;
  auto m = analyzer::ReadModel("zoo:resnet18", o);
  ASSERT_TRUE(m.ok());
  PlanOptions tiny;
  tiny.max_bytes = 1 << 20;
  auto big = Plan::Compile(m->graph, tiny);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(big.status().message().find("the plan needs"), std::string::npos);
  PlanOptions int8;
  int8.precision = "int8";
  auto q = Plan::Compile(m->graph, int8);
  EXPECT_EQ(q.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(q.status().message().find("precision int8"), std::string::npos);
}

// Relative to the largest magnitude of `want`: fp16 keeps 11 significant bits, and a deep
// network accumulates that rounding, so outputs are compared as a whole, not element by element.
float MaxRelativeError(const std::vector<float>& got, const std::vector<float>& want) {
  float worst = 0.0f, scale = 1e-6f;
  for (size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::abs(got[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return worst / scale;
}

// An fp16 plan, or a skip when this CPU has no fp16 kernels (the refusal is the tested path).
std::unique_ptr<Plan> Fp16Plan(const Graph& g) {
  PlanOptions o;
  o.precision = "fp16";
  auto plan = Plan::Compile(g, o);
  if (!plan.ok()) {
    EXPECT_EQ(plan.status().code(), StatusCode::kUnsupported) << plan.status().ToString();
    EXPECT_NE(plan.status().message().find("fp16 kernels"), std::string::npos);
    return nullptr;
  }
  return std::move(*plan);
}

TEST(PlanTest, Fp16RunsHalfOperatorsAndConvertsWhereFp32OpsMeetThem) {
  // conv -> sigmoid (fp32 only) -> add with a constant-free residual -> max pool -> global pool
  // -> fully connected: two conversions into fp32 and back, a graph input converted once for
  // two readers.
  GraphBuilder b;
  auto x = b.Input("x", {1, 8, 12, 12});
  auto c1 = b.Conv(x, 16, 3, 1, -1, 1, true);
  auto c2 = b.Conv(x, 16, 1, 1, 0, 1, true);
  auto s = b.Act(c1, OpKind::kSigmoid);
  auto a = b.Add(s, c2);
  auto r = b.Act(a, OpKind::kRelu);
  auto mp = b.MaxPool(r, 2, 2);
  auto gp = b.GlobalAvgPool(mp);
  auto fc = b.Linear(b.Flatten(gp), 10);
  auto g = b.Finish({fc, c2});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto input = Random(8 * 144, 21);
  std::unique_ptr<Plan> ref;
  auto want = RunGraph(*g, input, 1, &ref);
  auto plan = Fp16Plan(*g);
  if (!plan) GTEST_SKIP() << "no fp16 kernels on this CPU";
  ASSERT_TRUE(plan->SetInput(0, input).ok());
  ASSERT_TRUE(plan->Run().ok());
  EXPECT_LT(MaxRelativeError(plan->Output(0), want), 5e-3f);
  EXPECT_LT(MaxRelativeError(plan->Output(1), ref->Output(1)), 5e-3f);
  int half = 0, conversions = 0;
  for (size_t i = 0; i < plan->num_steps(); ++i) {
    const StepInfo& st = plan->step(i);
    half += st.fp16;
    conversions += st.conversions;
    if (st.kind == OpKind::kSigmoid) {
      EXPECT_FALSE(st.fp16);
      EXPECT_EQ(st.conversions, 1);  // the conv's fp16 output, widened
    }
    if (st.kind == OpKind::kAdd) {
      EXPECT_TRUE(st.fp16);
      EXPECT_EQ(st.conversions, 1);  // the sigmoid's fp32 output, narrowed
    }
  }
  // conv, conv, add (+relu fused), max pool, global pool, flatten (a plain copy), fully
  // connected.
  EXPECT_EQ(half, 7);
  EXPECT_EQ(conversions, 3);  // input narrowed once, sigmoid in and out
}

TEST(PlanTest, Fp16ZooModelsAgreeWithFp32) {
  for (const char* name : {"mobilenet_v2", "mobilenet_v3_small", "resnet18", "efficientnet_b0",
                           "shufflenet_v2", "proxylessnas_mobile", "blazeface", "mobilevit_s"}) {
    auto m = analyzer::ReadModel(std::string("zoo:") + name, {});
    ASSERT_TRUE(m.ok()) << name;
    auto ref = Plan::Compile(m->graph, {});
    ASSERT_TRUE(ref.ok()) << name << ": " << ref.status().ToString();
    (*ref)->FillInputs(3);
    ASSERT_TRUE((*ref)->Run().ok());
    auto plan = Fp16Plan(m->graph);
    if (!plan) GTEST_SKIP() << "no fp16 kernels on this CPU";
    plan->FillInputs(3);
    ASSERT_TRUE(plan->Run().ok()) << name;
    const auto got = plan->Output(0), want = (*ref)->Output(0);
    for (float v : got) ASSERT_TRUE(std::isfinite(v)) << name;
    EXPECT_LT(MaxRelativeError(got, want), 3e-2f) << name;
    int half = 0;
    for (size_t i = 0; i < plan->num_steps(); ++i) half += plan->step(i).fp16;
    EXPECT_GT(half, 10) << name;
    // Activations are stored at two bytes where fp16 operators write them.
    if (std::string(name) == "mobilenet_v2") {
      EXPECT_LT(plan->arena_bytes(), (*ref)->arena_bytes() * 2 / 3);
    }
  }
}

// With several threads a layer too small to share out runs on the calling thread; the result is
// the same either way.
TEST(PlanTest, SmallLayersRunOnOneThread) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 64, 56, 56});
  auto big = b.Conv(x, 64, 3, 1, 1, 1, true);  // 116 MMAC: shared out
  auto pooled = b.GlobalAvgPool(big);
  auto small = b.Conv(pooled, 16, 1, 1, 0, 1, true);  // 1 KMAC on a 64-value input
  auto g = b.Finish({small});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto input = Random(64 * 56 * 56, 5);
  std::vector<float> outputs[2];
  for (double below : {0.0, 5.0}) {
    PlanOptions o;
    o.threads = 2;
    o.serial_below_us = below;
    auto plan = Plan::Compile(*g, o);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    ASSERT_EQ((*plan)->num_steps(), 3u);
    EXPECT_EQ((*plan)->step(0).threads, 2);
    EXPECT_EQ((*plan)->step(2).threads, below > 0 ? 1 : 2);
    ASSERT_TRUE((*plan)->SetInput(0, input).ok());
    ASSERT_TRUE((*plan)->Run().ok());
    outputs[below > 0] = (*plan)->Output(0);
  }
  ExpectNear(outputs[1], outputs[0], 1e-5f, "serial small layer");
}

// A per-channel operand broadcast over H and W (squeeze-and-excitation's scale, then an add of
// the same kind with a ReLU after it) runs on the runner's row kernel; batch 2, the broadcast
// operand first or second, one and two threads, against the definition.
TEST(PlanTest, ChannelBroadcastsMatchTheDefinition) {
  GraphBuilder b;
  auto x = b.Input("x", {2, 24, 9, 11});
  auto h = b.Act(x, OpKind::kRelu);
  auto s = b.Act(b.GlobalAvgPool(h), OpKind::kSigmoid);
  auto m = b.Mul(s, h);
  auto out = b.Act(b.Add(m, s), OpKind::kClip);
  auto g = b.Finish({out});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto input = Random(2 * 24 * 9 * 11, 43);
  for (auto& v : input) v *= 8.0f;  // reach the clip's upper bound
  std::vector<float> want(input.size());
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t c = 0; c < 24; ++c) {
      const float* xc = input.data() + (n * 24 + c) * 99;
      double sum = 0.0;
      for (int64_t i = 0; i < 99; ++i) sum += std::max(0.0f, xc[i]);
      const float sc = 1.0f / (1.0f + std::exp(-static_cast<float>(sum / 99.0)));
      for (int64_t i = 0; i < 99; ++i) {
        want[static_cast<size_t>((n * 24 + c) * 99 + i)] =
            std::clamp(sc * std::max(0.0f, xc[i]) + sc, 0.0f, 6.0f);
      }
    }
  }
  for (int threads : {1, 2}) {
    std::unique_ptr<Plan> plan;
    ExpectNear(RunGraph(*g, input, threads, &plan), want, 1e-5f,
               "channel broadcast on " + std::to_string(threads) + " threads");
    int rows = 0;
    for (size_t i = 0; i < plan->num_steps(); ++i) {
      const StepInfo& st = plan->step(i);
      if ((st.kind == OpKind::kMul || st.kind == OpKind::kAdd) && st.kernel == "plain") ++rows;
    }
    EXPECT_EQ(rows, 2);
  }
}

// Reductions against a naive NCHW reference: over H and W (global pooling; TFLite's MEAN),
// over channels, over the batch too, over everything, with and without kept dims; those whose
// reduced axes are one run of the stored (NHWC) layout read in place, the rest go through the
// general path (W alone with dims dropped: the kept axes change order).
TEST(PlanTest, ReductionsMatchTheReferenceInEveryLayout) {
  struct Case {
    const char* op;
    std::vector<int64_t> axes;  // empty: all
    int64_t keepdims;
  };
  const std::vector<Case> cases = {
      {"ReduceMean", {2, 3}, 1}, {"ReduceMean", {2, 3}, 0}, {"ReduceMax", {1}, 1},
      {"ReduceSum", {1}, 0},     {"ReduceMin", {3}, 0},     {"ReduceMean", {0, 2, 3}, 1},
      {"ReduceSum", {}, 0},      {"ReduceMax", {-1}, 1},
  };
  const int64_t dims[4] = {2, 5, 6, 7};
  for (const auto& c : cases) {
    mbench::testing::OnnxBuilder ob;
    auto x = ob.Input("x", {dims[0], dims[1], dims[2], dims[3]});
    auto h = ob.Node("Relu", {x});
    std::vector<std::string> inputs = {h};
    std::vector<mbench::testing::OnnxAttr> attrs = {mbench::testing::OnnxAttr::Int("keepdims", c.keepdims)};
    if (std::string(c.op) == "ReduceSum") {  // opset 13: axes is an input
      if (!c.axes.empty()) inputs.push_back(ob.Int64s("axes", c.axes));
    } else if (!c.axes.empty()) {
      attrs.push_back(mbench::testing::OnnxAttr::Ints("axes", c.axes));
    }
    ob.Output(ob.Node(c.op, inputs, attrs));
    auto g = analyzer::ReadOnnxModel("reduce.onnx", ob.Serialize(), {});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    auto input = Random(2 * 5 * 6 * 7, 41);
    // The reference, over the Relu's output in NCHW order.
    bool reduced[4] = {c.axes.empty(), c.axes.empty(), c.axes.empty(), c.axes.empty()};
    for (int64_t a : c.axes) reduced[a < 0 ? a + 4 : a] = true;
    std::map<std::vector<int64_t>, std::vector<float>> groups;
    for (int64_t i = 0; i < 2 * 5 * 6 * 7; ++i) {
      const int64_t idx[4] = {i / 210, i / 42 % 5, i / 7 % 6, i % 7};
      std::vector<int64_t> key;
      for (int d = 0; d < 4; ++d) key.push_back(reduced[d] ? 0 : idx[d]);
      groups[key].push_back(std::max(0.0f, input[static_cast<size_t>(i)]));
    }
    std::vector<float> want;  // std::map orders keys as NCHW row-major order does
    for (const auto& [key, v] : groups) {
      float r = v[0];
      for (size_t k = 1; k < v.size(); ++k) {
        const std::string op = c.op;
        r = op == "ReduceMax" ? std::max(r, v[k]) : op == "ReduceMin" ? std::min(r, v[k]) : r + v[k];
      }
      if (std::string(c.op) == "ReduceMean") r /= static_cast<float>(v.size());
      want.push_back(r);
    }
    const std::string what = std::string(c.op) + " keepdims " + std::to_string(c.keepdims) +
                             " axes " + std::to_string(c.axes.size());
    ExpectNear(RunGraph(*g, input), want, 1e-5f, what);
  }
}

TEST(PlanTest, ActivationMemoryIsReusedByLifetime) {
  auto m = analyzer::ReadModel("zoo:mobilenet_v2", {});
  ASSERT_TRUE(m.ok());
  auto a = analyzer::Analyze(m->graph);
  ASSERT_TRUE(a.ok());
  auto plan = Plan::Compile(m->graph, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE((*plan)->synthetic_weights());
  // Far below the naive sum of every activation, and at least the analyzer's live peak.
  EXPECT_LT((*plan)->arena_bytes(), a->totals.activation_bytes_sum / 3);
  EXPECT_GE((*plan)->arena_bytes(), a->totals.activation_bytes_peak / 2);
  EXPECT_EQ((*plan)->num_steps(), m->graph.nodes.size());
}

TEST(PlanTest, EveryZooModelRunsWithFiniteOutputs) {
  int ran = 0;
  for (const auto& e : analyzer::ZooEntries()) {
    std::string name = e.name;
    // The largest ones cost seconds per run under the sanitizers; the same ops run in others.
    if (name == "vgg16" || name == "inception_v3" || name == "resnet101" ||
        name.rfind("deeplabv3", 0) == 0 || name == "efficientnet_b4") {
      continue;
    }
    auto m = analyzer::ReadModel("zoo:" + name, {});
    ASSERT_TRUE(m.ok()) << name;
    auto plan = Plan::Compile(m->graph, {});
    ASSERT_TRUE(plan.ok()) << name << ": " << plan.status().ToString();
    (*plan)->FillInputs(1);
    ASSERT_TRUE((*plan)->Run().ok()) << name;
    for (size_t i = 0; i < (*plan)->num_outputs(); ++i) {
      for (float v : (*plan)->Output(i)) ASSERT_TRUE(std::isfinite(v)) << name;
    }
    ++ran;
  }
  EXPECT_GE(ran, 30);
}

TEST(MeasureTest, StatisticsAndRunCounts) {
  LatencyStats s = ComputeStats({5, 1, 3, 2, 4});
  EXPECT_EQ(s.n, 5);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.p50, 3);
  EXPECT_DOUBLE_EQ(s.p90, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_NEAR(s.std, std::sqrt(2.5), 1e-12);
  EXPECT_EQ(ComputeStats({}).n, 0);

  auto m = analyzer::ReadModel("zoo:blazeface", {});
  ASSERT_TRUE(m.ok());
  auto plan = Plan::Compile(m->graph, {});
  ASSERT_TRUE(plan.ok());
  (*plan)->FillInputs(3);
  MeasureOptions o;
  o.warmup = 1;
  o.runs = 7;
  o.min_secs = 0;
  o.per_layer = true;
  auto r = Measure(**plan, o, CurrentRssBytes());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GE(r->latency.n, 7);
  EXPECT_LE(r->latency.min, r->latency.p50);
  EXPECT_LE(r->latency.p50, r->latency.p90);
  EXPECT_LE(r->latency.p99, r->latency.max);
  EXPECT_GT(r->first_run_ms, 0);
  EXPECT_GT(r->peak_rss_bytes, 0);
  ASSERT_EQ(r->layers.size(), (*plan)->num_steps());
  double share = 0;
  for (const auto& l : r->layers) share += l.share;
  EXPECT_NEAR(share, 1.0, 1e-9);
  // Layers map one-to-one onto the analyzer's layers.
  for (size_t i = 0; i < r->layers.size(); ++i) EXPECT_EQ(r->layers[i].index, static_cast<int32_t>(i));
  MeasureOptions bad;
  bad.runs = 0;
  EXPECT_EQ(Measure(**plan, bad, 0).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mbench::runner
