// The fusion and layout passes (runner/passes/): activations into their producer, element-wise
// regions, BatchNorm folding, NHWC padding; outputs unchanged, steps as documented.
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
      const float v = kind == OpKind::kAdd   ? p[i] + q[i]
                      : kind == OpKind::kMul ? p[i] * q[i]
                                             : std::max(p[i], q[i]);
      want[i] = std::clamp(v, -1.0f, 1.0f);
    }
    ASSERT_TRUE((*plan)->SetInput(0, p).ok());
    ASSERT_TRUE((*plan)->SetInput(1, q).ok());
    ASSERT_TRUE((*plan)->Run().ok());
    ExpectNear((*plan)->Output(0), want, 1e-6f,
               std::string("fused range on ") + analyzer::OpKindName(kind));
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
// one pass (runner/kernels/eltwise.h), the other layers fused into its first; the same values as
// the unfused plan and the formula. A value read outside the region ends it there.
TEST(PlanTest, ElementWiseRegionsRunAsOnePass) {
  for (bool also_output : {false, true}) {
    GraphBuilder b;
    auto x = b.Input("x", {1, 3, 17, 19});
    auto s1 = b.Scale(x, 1.5);             // region input x
    auto gate = b.Act(s1, OpKind::kClip);  // relu6(1.5 x)
    auto m = b.Mul(s1, gate);              // reads two region values
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

// Compiles `g` with or without the fusion passes and runs it on `input` into `*out`; null (with
// the failure reported) when it does not compile or run.
std::unique_ptr<Plan> RunFusedOrNot(const analyzer::Graph& g, bool fuse,
                                    const std::vector<float>& input, std::vector<float>* out) {
  PlanOptions o;
  o.fuse_activations = fuse;
  auto plan = Plan::Compile(g, o);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok() || !(*plan)->SetInput(0, input).ok() || !(*plan)->Run().ok()) return nullptr;
  *out = (*plan)->Output(0);
  return std::move(*plan);
}

TEST(PlanTest, FoldingBatchNormIntoTheConvolutionChangesNothingButTheSteps) {
  GraphBuilder b(/*fold_bn=*/false);
  auto x = b.Input("x", {1, 5, 9, 9});
  auto y = b.ConvBnAct(x, 7, 3, 2, OpKind::kClip);     // conv, batch norm, relu6
  auto z = b.ConvBnAct(y, 7, 3, 1, OpKind::kRelu, 7);  // depthwise
  auto v = b.ConvBnAct(z, 7, 7, 1, OpKind::kClip, 7);  // 7x7 depthwise: mbench's kernel
  auto g = b.Finish({v});
  ASSERT_TRUE(g.ok());
  auto input = Random(5 * 81, 6);
  std::vector<float> outs[2];
  for (bool fuse : {false, true}) {
    auto plan = RunFusedOrNot(*g, fuse, input, &outs[fuse]);
    ASSERT_NE(plan, nullptr);
    int noops = 0;
    for (size_t i = 0; i < plan->num_steps(); ++i) noops += plan->step(i).noop;
    EXPECT_EQ(noops, fuse ? 6 : 0);  // three batch norms and three activations
  }
  ExpectNear(outs[1], outs[0], 1e-4f, "folded vs separate");
}

// An exported Linear on a sequence (MatMul with constant weights, then Add of the bias vector,
// either operand order) runs as one fully connected layer with that bias; the Add's step does
// nothing and names the matmul. A bias another layer also reads, or one of the wrong length,
// stays a separate Add.
TEST(PlanTest, BiasAddAfterAMatMulBecomesItsBias) {
  for (int variant = 0; variant < 3; ++variant) {
    GraphBuilder b;
    auto x = b.Input("x", {13, 24});
    auto w = b.Parameter("w", {24, 40});
    auto bias = b.Parameter("bias", {variant == 2 ? 1 : 40});
    auto y = b.MatMul(x, w);
    auto z = variant == 1 ? b.Add(bias, y) : b.Add(y, bias);
    auto g = b.Finish({z});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    auto input = Random(13 * 24, 5);
    std::vector<float> outs[2];
    for (bool fuse : {false, true}) {
      auto plan = RunFusedOrNot(*g, fuse, input, &outs[fuse]);
      ASSERT_NE(plan, nullptr);
      ASSERT_EQ(plan->num_steps(), 2u);
      const bool folded = fuse && variant != 2;
      EXPECT_EQ(plan->step(1).noop, folded) << variant;
      EXPECT_EQ(plan->step(1).fused_into, folded ? 0 : -1) << variant;
      if (!fuse) continue;
      const auto wv = plan->ConstantValues(w);
      const auto bv = plan->ConstantValues(bias);
      std::vector<float> want(13 * 40);
      for (int r = 0; r < 13; ++r)
        for (int c = 0; c < 40; ++c) {
          double acc = bv[variant == 2 ? 0 : c];
          for (int k = 0; k < 24; ++k) acc += double(input[r * 24 + k]) * wv[k * 40 + c];
          want[r * 40 + c] = static_cast<float>(acc);
        }
      ExpectNear(outs[1], want, 1e-4f, "against the naive product");
    }
    ExpectNear(outs[1], outs[0], 1e-5f, "folded vs separate");
  }
}

// An element-wise operator whose declared output holds fewer elements than its operands
// broadcast to (a file can state any shape) is refused, never written past its end.
TEST(PlanTest, AnOutputSmallerThanTheBroadcastIsRefused) {
  GraphBuilder b;
  auto x = b.Input("x", {13, 40});
  auto bias = b.Parameter("bias", {40});
  auto y = b.Add(bias, x);
  auto g = b.Finish({y});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  g->tensors[y].shape = {40};
  for (bool fuse : {false, true}) {
    PlanOptions o;
    o.fuse_activations = fuse;
    auto plan = Plan::Compile(*g, o);
    ASSERT_FALSE(plan.ok());
    EXPECT_NE(plan.status().ToString().find("broadcast to 520"), std::string::npos)
        << plan.status().ToString();
  }
}

}  // namespace
}  // namespace mbench::runner
