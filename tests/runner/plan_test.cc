// The runner against naive references computed here: convolutions (padding, strides, dilation,
// groups, depthwise, pointwise, bias), pooling, fully connected, broadcasting element-wise ops,
// activations, layout-sensitive ops (flatten after NHWC, concat, channel shuffle, transpose),
// transformer pieces; plus the plan's refusals and its memory reuse, every zoo model running
// end to end with finite outputs, and fp16 plans against fp32 ones.
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
#include "analyzer/op_cost.h"
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

// The runner's registry (runner/ops/registry.cc) runs only ops whose work the analyzer counts:
// a kind it runs but counts as unknown work would be timed and never predicted.
TEST(PlanTest, EveryOpKindTheRunnerRunsIsCounted) {
  int runs = 0;
  for (OpKind kind : analyzer::AllOpKinds()) {
    if (!RunnerSupports(kind)) continue;
    ++runs;
    EXPECT_NE(analyzer::GetOpCostEntry(kind).cost_class, analyzer::CostClass::kNotCosted)
        << analyzer::OpKindName(kind);
  }
  EXPECT_GE(runs, 60);
  EXPECT_FALSE(RunnerSupports(OpKind::kUnknown));
  EXPECT_FALSE(RunnerSupports(OpKind::kIf));
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
  // Drift: the last third's median over the first third's. Steady runs do not drift; a
  // machine that slows by a fifth halfway through does; too few runs say nothing.
  EXPECT_DOUBLE_EQ(Drift({5, 4, 6, 5, 4, 6, 5, 4, 6}), 0.0);
  EXPECT_NEAR(Drift({10, 10, 10, 10, 11, 12, 12, 12, 12}), 0.2, 1e-12);
  EXPECT_NEAR(Drift({12, 12, 12, 11, 10, 10, 10, 10, 10}), -1.0 / 6, 1e-12);
  EXPECT_DOUBLE_EQ(Drift({1, 100, 1, 100, 1, 100, 1, 100}), 0.0);

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
  for (size_t i = 0; i < r->layers.size(); ++i)
    EXPECT_EQ(r->layers[i].index, static_cast<int32_t>(i));
  MeasureOptions bad;
  bad.runs = 0;
  EXPECT_EQ(Measure(**plan, bad, 0).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mbench::runner
