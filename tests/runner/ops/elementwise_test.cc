// Element-wise ops, pooling, reductions and broadcasts (runner/ops/unary.cc, binary.cc, pool.cc,
// reduce.cc) against their definitions, in both layouts and on several threads.
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
#include "runner/kernels/eltwise.h"
#include "runner/kernels/gemm.h"
#include "runner/kernels/quantize.h"
#include "runner/measure.h"
#include "tests/runner/plan_test_util.h"
#include "tests/testutil/onnx_builder.h"
#include "tests/testutil/testutil.h"

namespace mbench::runner {
namespace {

using analyzer::GraphBuilder;
using analyzer::OpKind;

TEST(PlanTest, PoolingFullyConnectedAndFlattenFollowTheModelsLayout) {
  GraphBuilder b;
  auto x = b.Input("x", {1, 3, 8, 8});
  auto mp = b.MaxPool(x, 3, 2, 1);  // 1x3x4x4
  auto ap = b.AvgPool(mp, 2, 2);    // 1x3x2x2
  auto flat = b.Flatten(ap);        // NCHW order: c, h, w
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
            if (iy >= 0 && ix >= 0 && iy < 8 && ix < 8)
              best = std::max(best, input[(c * 8 + iy) * 8 + ix]);
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

// The exported GELU's five instructions become one kGelu in either spelling of the scaling and
// either operand order of the multiply by x, with the same values; a program that differs in
// any constant or operand stays as it is.
TEST(EltwiseTest, SimplifyGeluTakesExactlyTheExportedPattern) {
  const auto instr = [](EltInstr::Op op, int a, int b, float scalar) {
    EltInstr in;
    in.op = op;
    in.a = a;
    in.b = b;
    in.scalar = scalar;
    return in;
  };
  const auto exported = [&](bool multiply, bool x_second) {
    EltProgram p;
    p.code = {multiply ? instr(EltInstr::kMul, 0, -1, 0.70710678f)
                       : instr(EltInstr::kDiv, 0, -1, 1.41421356f),
              instr(EltInstr::kErf, 1, -1, 0), instr(EltInstr::kAdd, 2, -1, 1.0f),
              x_second ? instr(EltInstr::kMul, 3, 0, 0) : instr(EltInstr::kMul, 0, 3, 0),
              instr(EltInstr::kMul, 4, -1, 0.5f)};
    return p;
  };
  std::vector<float> input;
  for (int i = -400; i <= 400; ++i) input.push_back(0.025f * static_cast<float>(i));
  const auto n = static_cast<int64_t>(input.size());
  for (bool multiply : {false, true}) {
    for (bool x_second : {false, true}) {
      EltProgram five = exported(multiply, x_second), one = five;
      ASSERT_TRUE(SimplifyGelu(&one));
      ASSERT_EQ(one.code.size(), 1u);
      EXPECT_EQ(one.code[0].op, EltInstr::kGelu);
      std::vector<float> a(input.size()), b(input.size());
      RunElementwise(five, input.data(), a.data(), 0, n);
      RunElementwise(one, input.data(), b.data(), 0, n);
      ExpectNear(b, a, 3e-7f, "one instruction against five");
    }
  }
  for (int change = 0; change < 4; ++change) {
    EltProgram p = exported(false, false);
    if (change == 0) p.code[2].scalar = 2.0f;  // + 2
    if (change == 1) p.code[3].b = 2;          // times erf, not x
    if (change == 2) p.code[4].scalar = 0.25f;
    if (change == 3) p.code.pop_back();
    const size_t size = p.code.size();
    EXPECT_FALSE(SimplifyGelu(&p)) << change;
    EXPECT_EQ(p.code.size(), size);
  }
}

// DynamicQuantizeLinear's vectorized kernels over several tiles and a ragged tail equal ONNX's
// definition element for element, ties rounded to even: the range [-51, 76.5] gives scale 0.5
// and zero point 102, and every value -51 + 0.25 i lands on an integer or a tie.
TEST(QuantizeKernelTest, DynamicQuantizationEqualsTheDefinitionAcrossTiles) {
  QuantizeJob job;
  std::vector<float> input(3 * kQuantizeTile + 123);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-51.0f, 76.5f);
  for (size_t i = 0; i < input.size(); ++i) {
    input[i] = i < 2000 ? -51.0f + 0.25f * static_cast<float>(i % 511) : u(rng);
  }
  input[kQuantizeTile + 5] = -51.0f;  // the bounds, in different tiles
  input[input.size() - 1] = 76.5f;
  std::vector<float> out(input.size());
  job.input = input.data();
  job.output = out.data();
  job.count = static_cast<int64_t>(input.size());
  const size_t tiles = (input.size() + kQuantizeTile - 1) / kQuantizeTile;
  job.lo.resize(tiles);
  job.hi.resize(tiles);
  for (size_t t = 0; t < tiles; ++t) MinMaxTask(&job, t);
  float lo = 0.0f, hi = 0.0f;
  for (size_t t = 0; t < tiles; ++t) lo = std::min(lo, job.lo[t]), hi = std::max(hi, job.hi[t]);
  ASSERT_EQ(lo, -51.0f);
  ASSERT_EQ(hi, 76.5f);
  job.scale = (hi - lo) / 255.0f;
  job.zero = std::clamp(std::nearbyint(-lo / job.scale), 0.0f, 255.0f);
  ASSERT_EQ(job.scale, 0.5f);
  ASSERT_EQ(job.zero, 102.0f);
  for (size_t t = 0; t < tiles; ++t) QuantizeTask(&job, t);
  for (size_t i = 0; i < input.size(); ++i) {
    const float want =
        std::clamp(std::nearbyint(input[i] / job.scale) + job.zero, 0.0f, 255.0f) - job.zero;
    ASSERT_EQ(out[i], want) << "element " << i << " = " << input[i];
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
  auto pooled = b.GlobalAvgPool(x);  // 1x4x1x1
  auto gate = b.Act(pooled, OpKind::kSigmoid);
  auto scaled = b.Mul(x, gate);            // broadcast over H, W
  auto r6 = b.Act(scaled, OpKind::kClip);  // relu6
  auto hs = b.Act(x, OpKind::kHardSwish);
  auto sum = b.Add(r6, hs);
  auto cat = b.Concat({sum, x}, 1);  // 1x8x5x5
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
    EXPECT_EQ(rows, kOwnKernelsOverXnnpack ? 2 : 0);  // elsewhere XNNPACK's broadcasts run
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
    std::vector<mbench::testing::OnnxAttr> attrs = {
        mbench::testing::OnnxAttr::Int("keepdims", c.keepdims)};
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
        r = op == "ReduceMax"   ? std::max(r, v[k])
            : op == "ReduceMin" ? std::min(r, v[k])
                                : r + v[k];
      }
      if (std::string(c.op) == "ReduceMean") r /= static_cast<float>(v.size());
      want.push_back(r);
    }
    const std::string what = std::string(c.op) + " keepdims " + std::to_string(c.keepdims) +
                             " axes " + std::to_string(c.axes.size());
    ExpectNear(RunGraph(*g, input), want, 1e-5f, what);
  }
}

}  // namespace
}  // namespace mbench::runner
