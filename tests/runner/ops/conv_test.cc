// Convolutions of every kind (runner/ops/conv.cc, deconv.cc, matmul.cc's fully connected) against
// naive references, on XNNPACK and on the runner's own kernels (dense GEMM, Winograd, depthwise).
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
      // Windows over 25 taps run mbench's own depthwise kernel (runner/kernels/dwconv.h): its
      // interior path (16-channel blocks, 6 pixels at a time), borders, a channel tail, stride,
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
    // XNNPACK has no kernel for the window, or (on x86) mbench's is faster for the shape.
    const bool own_depthwise =
        (c.groups == c.cin && c.groups == c.cout &&
         (c.k * c.k > kXnnpackDepthwiseMaxTaps ||
          (kOwnKernelsOverXnnpack && (DepthwisePacksPixels(c.stride, c.stride, c.cin) ||
                                      DepthwiseWideMap(os[2] * os[3], c.cin))))) ||
        (kOwnKernelsOverXnnpack && c.groups == 1 && c.cout == 1 &&
         DepthwisePacksPixels(c.stride, c.stride, c.cin));
    EXPECT_EQ(plan->step(0).kernel == "mbench-dwconv", own_depthwise)
        << "k" << c.k << " c" << c.cin;
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
      {1, 3, 1, 7, 5, 3, 1, 1, 1},      // one output channel (XNNPACK's)
      {1, 3, 20, 7, 5, 3, 1, 1, 1},     // 20 of a 32-channel block, 35 pixels
      {1, 16, 17, 9, 9, 3, 2, 1, 1},    // stride 2, 25 pixels
      {2, 8, 32, 6, 7, 3, 1, 1, 1},     // batch 2, one full block
      {1, 33, 33, 5, 5, 1, 1, 0, 1},    // pointwise, a block and one channel
      {1, 12, 70, 11, 13, 5, 1, 4, 2},  // dilated 5x5, three blocks, wide padding
      {1, 3, 64, 20, 20, 7, 2, 3, 1},   // a 7x7 stride-2 stem
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
                  kernel == 0 ? "mbench-winograd" : "mbench-gemm")
            << what;
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

// 3x3 stride-1 convolutions on Winograd F(4x4, 3x3) (runner/kernels/winograd.h) agree with the
// naive reference and with the direct GEMM: maps 4 does not divide (partial edge tiles), channel
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

}  // namespace
}  // namespace mbench::runner
