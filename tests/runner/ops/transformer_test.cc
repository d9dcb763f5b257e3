// Transformer pieces (runner/ops/matmul.cc, normalization.cc): attention's matmuls, scalar
// folding, softmax and layer norm against double-precision references.
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

TEST(PlanTest, TransformerPiecesMatchTheReference) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 6, 8});  // tokens x dim
  auto ln = b.LayerNorm(x);
  auto t = b.Transpose(ln, {0, 2, 1});  // 1x8x6
  auto scores = b.MatMul(ln, t);        // 1x6x6
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
      l[r * 8 + i] =
          static_cast<float>((input[r * 8 + i] - mean) / std::sqrt(var + 1e-5)) * gamma[i] +
          beta[i];
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
        for (int64_t i = 0; i < d; ++i)
          var += (input[r * d + i] - mean) * (input[r * d + i] - mean);
        var /= static_cast<double>(d);
        for (int64_t i = 0; i < d; ++i) {
          want[r * d + i] = static_cast<float>(
              (input[r * d + i] - mean) / std::sqrt(var + 1e-5) * gamma[i] + beta[i]);
        }
      }
      ExpectNear(
          got, want, 2e-6f,
          "layer norm over " + std::to_string(d) + " on " + std::to_string(threads) + " threads");
    }
  }
}

}  // namespace
}  // namespace mbench::runner
