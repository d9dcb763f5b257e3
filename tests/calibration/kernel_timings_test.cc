// Per-layer timings become per-kernel samples for `refine` only where the runner's fusions
// stay inside one kernel of the estimator's plan.
#include <gtest/gtest.h>

#include "analyzer/analysis.h"
#include "analyzer/graph_builder.h"
#include "calibration/refine.h"
#include "estimator/estimator.h"

namespace mbench::calibration {
namespace {

using analyzer::GraphBuilder;
using analyzer::OpKind;

TEST(KernelTimingsTest, FusionsAcrossAKernelsEdgeMakeNoSample) {
  // conv -> relu (one kernel), conv -> Add(shortcut) -> relu: the Add is a kernel of its own.
  GraphBuilder b;
  auto x = b.Input("x", {1, 8, 12, 12});
  auto h = b.Act(b.Conv(x, 8, 3), OpKind::kRelu);
  auto y = b.Act(b.Add(b.Conv(h, 8, 3), x), OpKind::kRelu);
  auto g = b.Finish({y});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto a = analyzer::Analyze(*g);
  ASSERT_TRUE(a.ok());
  const estimator::ModelFeatures m = estimator::PrepareModel(*g, *a);
  ASSERT_EQ(m.plan.kernels.size(), 3u);  // conv+relu, conv, add+relu
  std::vector<db::LayerRecord> layers;
  for (size_t i = 0; i < g->nodes.size(); ++i) {
    layers.push_back({static_cast<int64_t>(i), g->nodes[i].name,
                      analyzer::OpKindName(g->nodes[i].kind), "", 0.1 * (i + 1), 0.0, "", ""});
  }
  // Unfused: every kernel is the sum of its layers.
  std::vector<double> t = KernelTimings(m.plan, layers);
  EXPECT_NEAR(t[0], 0.1 + 0.2, 1e-12);
  EXPECT_NEAR(t[1], 0.3, 1e-12);
  EXPECT_NEAR(t[2], 0.4 + 0.5, 1e-12);
  // The first ReLU fused into its convolution: inside one kernel, still a sample.
  layers[1].fused_into = layers[0].name;
  layers[1].p50_ms = 0.0;
  EXPECT_NEAR(KernelTimings(m.plan, layers)[0], 0.1, 1e-12);
  // The Add and the last ReLU fused into the second convolution (the runner's residual
  // epilogue): neither the convolution nor the Add is a sample of one kernel any more.
  layers[3].fused_into = layers[2].name;
  layers[4].fused_into = layers[2].name;
  t = KernelTimings(m.plan, layers);
  EXPECT_NEAR(t[0], 0.1, 1e-12);
  EXPECT_LT(t[1], 0.0);
  EXPECT_LT(t[2], 0.0);
  // A layer without a timing: no sample for its kernel.
  layers.erase(layers.begin());
  EXPECT_LT(KernelTimings(m.plan, layers)[0], 0.0);
}

}  // namespace
}  // namespace mbench::calibration
