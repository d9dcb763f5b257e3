// The estimator: kernel grouping, the roofline per kernel, target selection, thread
// extrapolation, fallback, energy and battery; and the calibration fit, which must recover
// known parameters from synthetic measurements and cross-validate on the published data.
#include "estimator/estimator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "analyzer/analysis.h"
#include "analyzer/graph_builder.h"
#include "analyzer/model_reader.h"
#include "analyzer/zoo.h"
#include "core/env.h"
#include "core/sha256.h"
#include "estimator/calibration.h"
#include "estimator/op_support.h"
#include "tests/testutil/testutil.h"

namespace mbench::estimator {
namespace {

using analyzer::GraphBuilder;
using analyzer::OpKind;

ModelFeatures Features(const analyzer::Graph& g) {
  auto a = analyzer::Analyze(g);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return PrepareModel(g, *a);
}

ModelFeatures Zoo(const std::string& name, double width = 1.0, int64_t res = 0) {
  analyzer::ReadOptions o;
  o.zoo.width = width;
  o.zoo.resolution = res;
  o.zoo.fold_bn = true;
  auto m = analyzer::ReadModel("zoo:" + name, o);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return Features(m->graph);
}

// Winograd-eligible 3x3 convolutions at the rate of other dense convolutions unless stated.
profiles::KernelParams Params(double conv, double pw, double dw, double gemm, double mem, double bw,
                              double ovh_us, double conv3x3 = 0) {
  profiles::KernelParams p;
  p.conv_gmacs = conv;
  p.pointwise_gmacs = pw;
  p.depthwise_gmacs = dw;
  p.gemm_gmacs = gemm;
  p.conv3x3_gmacs = conv3x3 > 0 ? conv3x3 : conv;
  p.memory_op_gbps = mem;
  p.bandwidth_gbps = bw;
  p.overhead_us = ovh_us;
  return p;
}

profiles::DeviceProfile TestDevice() {
  profiles::DeviceProfile d;
  d.id = "t";
  d.name = "Test";
  d.release_year = 2020;
  d.cpu_clusters = {{"big", 4, "A76", 2.4}, {"little", 4, "A55", 1.8}};
  d.memory_bandwidth_gbps = 30;
  d.battery_mah = 3000;
  d.battery_voltage_v = 4.0;
  d.compute_units = {{"cpu", "A76", 2.0, 0.4, "test"}, {"npu", "NPU", 0.0, 0.0, ""}};
  auto target = [](std::string unit, std::string runtime, std::string prec, int threads,
                   profiles::KernelParams p) {
    profiles::Target t;
    t.compute_unit = unit;
    t.runtime = runtime;
    t.precision = prec;
    t.threads = threads;
    t.cluster = unit == "cpu" ? "big" : "";
    t.params = p;
    t.calibration.interval_log_halfwidth = 0.2;
    t.calibration.points = 5;
    t.calibration.cv_points = 5;
    return t;
  };
  d.targets = {target("cpu", "tflite", "fp32", 1, Params(10, 12, 2, 8, 5, 8, 10)),
               target("cpu", "tflite", "fp32", 4, Params(30, 36, 6, 24, 12, 10, 10)),
               target("npu", "hiai", "fp16", 0, Params(200, 200, 50, 100, 30, 30, 50))};
  return d;
}

TEST(KernelsTest, ConvBatchNormActivationFuseAndShapeOpsAreFree) {
  GraphBuilder b(/*fold_bn=*/false);
  auto x = b.Input("x", {1, 8, 16, 16});
  auto c = b.ConvBnAct(x, 16, 3, 1, OpKind::kRelu);       // conv + bn + relu: one kernel
  auto dw = b.ConvBnAct(c, 16, 3, 1, OpKind::kClip, 16);  // depthwise
  auto pw = b.ConvBnAct(dw, 16, 1, 1, OpKind::kUnknown);  // pointwise
  auto sum = b.Add(pw, c);                                // two activations: its own kernel
  auto flat = b.Flatten(b.GlobalAvgPool(sum));            // pool kernel, flatten free
  auto fc = b.Act(b.Linear(flat, 10), OpKind::kSigmoid);  // gemm + sigmoid
  auto g = b.Finish({fc});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ModelFeatures m = Features(*g);
  std::vector<KernelClass> classes;
  for (const auto& k : m.plan.kernels) classes.push_back(k.cls);
  EXPECT_EQ(classes, (std::vector<KernelClass>{KernelClass::kConv3x3s1, KernelClass::kDepthwise,
                                               KernelClass::kPointwise, KernelClass::kMemory,
                                               KernelClass::kMemory, KernelClass::kGemm}));
  EXPECT_EQ(m.plan.kernels[0].layers.size(), 3u);  // conv, bn, relu
  EXPECT_EQ(m.plan.kernels[5].layers.size(), 2u);  // fc, sigmoid
  EXPECT_EQ(m.plan.free_layers, 1);                // flatten
  // Fusion keeps the intermediates out of memory: the first kernel reads x and writes c once.
  EXPECT_DOUBLE_EQ(m.plan.kernels[0].activation_elements, 8 * 16 * 16 + 16 * 16 * 16);
  // MACs are conserved by grouping.
  auto a = analyzer::Analyze(*g);
  double macs = 0;
  for (const auto& k : m.plan.kernels) macs += k.macs;
  EXPECT_DOUBLE_EQ(macs, static_cast<double>(a->totals.macs));
}

TEST(KernelsTest, MobileNetV2HasTheExpectedKernelMix) {
  ModelFeatures m = Zoo("mobilenet_v2");
  int counts[kNumKernelClasses] = {};
  for (const auto& k : m.plan.kernels) ++counts[static_cast<int>(k.cls)];
  EXPECT_EQ(counts[static_cast<int>(KernelClass::kConv)], 1);        // the 3x3 stride-2 stem
  EXPECT_EQ(counts[static_cast<int>(KernelClass::kDepthwise)], 17);  // one per block
  EXPECT_EQ(counts[static_cast<int>(KernelClass::kPointwise)],
            34);                                               // 16 expand + 17 project + head
  EXPECT_EQ(counts[static_cast<int>(KernelClass::kGemm)], 1);  // classifier
}

TEST(EstimatorTest, KernelTimeIsTheRooflineMaximumPlusOverhead) {
  RateParams r = ToRates(Params(10, 10, 10, 10, 4, 8, 5));
  int bound = -1;
  // 1e9 MACs at 10 GMAC/s = 100 ms; 8e6 bytes at 8 GB/s = 1 ms: compute-bound.
  double s = KernelSeconds({KernelClass::kConv, 1e9, 8e6}, r, &bound);
  EXPECT_NEAR(s, 0.100005, 1e-12);
  EXPECT_EQ(bound, 0);
  // 1e6 MACs = 0.1 ms; 8e7 bytes = 10 ms: memory-bound.
  s = KernelSeconds({KernelClass::kDepthwise, 1e6, 8e7}, r, &bound);
  EXPECT_NEAR(s, 0.010005, 1e-12);
  EXPECT_EQ(bound, 1);
  // A memory kernel moves its bytes at the memory-op rate.
  s = KernelSeconds({KernelClass::kMemory, 0, 4e6}, r, &bound);
  EXPECT_NEAR(s, 0.001005, 1e-12);
  std::vector<KernelFeatures> ks = {{KernelClass::kConv, 1e9, 8e6},
                                    {KernelClass::kDepthwise, 1e6, 8e7},
                                    {KernelClass::kMemory, 0, 4e6}};
  EXPECT_NEAR(PredictSeconds(ks, r), 0.100005 + 0.010005 + 0.001005, 1e-12);
}

TEST(EstimatorTest, PredictPicksTheRequestedTargetAndStatesItsSource) {
  auto d = TestDevice();
  ModelFeatures m = Zoo("mobilenet_v2");
  auto p = Predict(m, d, {});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->target_key, "cpu/tflite/fp32/4t");  // the fastest calibrated thread count
  EXPECT_EQ(p->threads, 4);
  EXPECT_GT(p->latency_ms, 0);
  EXPECT_NEAR(p->latency_low_ms, p->latency_ms * std::exp(-0.2), 1e-9);
  EXPECT_NEAR(p->latency_high_ms, p->latency_ms * std::exp(0.2), 1e-9);
  EXPECT_NEAR(p->fps, 1000.0 / p->latency_ms, 1e-9);
  EXPECT_FALSE(p->calibration.empty());
  ASSERT_EQ(p->top_kernels.size(), 3u);
  EXPECT_GE(p->top_kernels[0].ms, p->top_kernels[1].ms);
  // Energy: 2 W per active core x 4 threads x latency.
  EXPECT_NEAR(p->energy_mj, 8.0 * p->latency_ms, 1e-9);
  // Battery: 12 Wh at 30 inferences per second of that energy.
  double hours = BatteryHours(*p, d, 30.0);
  EXPECT_NEAR(hours, 12.0 / (p->energy_mj * 1e-3 * std::min(30.0, p->fps)), 1e-9);
}

TEST(EstimatorTest, MoreWorkPredictsMoreTimeOnEveryShippedTarget) {
  auto all = profiles::LoadProfileDir(testing::SourceDir() + "/device_profiles");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ModelFeatures small = Zoo("mobilenet_v2", 0.5, 160);
  ModelFeatures large = Zoo("mobilenet_v2", 1.4, 224);
  int compared = 0;
  for (const auto& d : *all) {
    for (const auto& t : d.targets) {
      // By key: every target, little-core ones included, exactly as named.
      PredictRequest req;
      req.target_key = t.Key();
      auto a = Predict(small, d, req);
      auto b = Predict(large, d, req);
      ASSERT_TRUE(a.ok() && b.ok()) << d.id << " " << t.Key();
      EXPECT_EQ(a->target_key, t.Key());
      EXPECT_EQ(a->cluster, t.cluster);
      EXPECT_LT(a->latency_ms, b->latency_ms) << d.id << " " << t.Key();
      EXPECT_TRUE(std::isfinite(b->latency_ms));
      ++compared;
    }
  }
  EXPECT_GT(compared, 80);
}

// grade predicts with exactly the kernel model the fit and the cross-validation used: the same
// features (FeaturesAt, with the target's shape correction), the same rates. Predict once built
// its own features and missed a term the fit had added, which put every calibrated host ~20%
// fast on models it had not measured.
TEST(EstimatorTest, PredictUsesTheFeaturesTheFitUsed) {
  auto all = profiles::LoadProfileDir(testing::SourceDir() + "/device_profiles");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ModelFeatures m = Zoo("resnet18");
  auto expected = [&](const profiles::Target& t) {
    auto f = FeaturesAt(m, BytesPerElement(t.precision));
    ApplyKernelSamples(m, t.kernel_samples, &f);
    return PredictSeconds(f, ToRates(t.params, SeparateActivations(t.compute_unit, t.runtime))) *
           1e3;
  };
  int compared = 0;
  for (auto d : *all) {
    // A copy of a CPU target with kernel samples (a cluster of its own gives it its own key),
    // so the shape correction is checked too.
    if (d.targets.front().compute_unit == "cpu") {
      profiles::Target sampled = d.targets.front();
      sampled.cluster = "sampled";
      sampled.kernel_samples = {{"conv3x3s1", {15.0, 12.0, 12.0, 10.0}, 0.3},
                                {"pointwise", {14.0, 12.0, 12.0, 9.0}, -0.2}};
      d.targets.push_back(sampled);
    }
    for (const auto& t : d.targets) {
      PredictRequest req;
      req.target_key = t.Key();
      auto p = Predict(m, d, req);
      ASSERT_TRUE(p.ok()) << d.id << " " << t.Key() << ": " << p.status().ToString();
      if (!p->fallback_ops.empty()) continue;  // priced partly on the CPU target
      EXPECT_NEAR(p->latency_ms, expected(t), 1e-9 * expected(t)) << d.id << " " << t.Key();
      ++compared;
    }
  }
  EXPECT_GT(compared, 100);
}

TEST(EstimatorTest, ATargetKeyThatDoesNotExistIsNotFoundListingWhatDoes) {
  auto d = TestDevice();
  PredictRequest req;
  req.target_key = "cpu/tflite/fp32/3t-little";
  auto p = Predict(Zoo("mobilenet_v2"), d, req);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kNotFound);
  EXPECT_NE(p.status().message().find("no target cpu/tflite/fp32/3t-little (calibrated: "),
            std::string::npos)
      << p.status().ToString();
}

TEST(EstimatorTest, ThreadsBetweenCalibratedCountsAreExtrapolatedAndSaySo) {
  auto d = TestDevice();
  ModelFeatures m = Zoo("resnet18");
  auto one = Predict(m, d, {"cpu", "", "", 1, false, ""});
  auto two = Predict(m, d, {"cpu", "", "", 2, false, ""});
  auto four = Predict(m, d, {"cpu", "", "", 4, false, ""});
  ASSERT_TRUE(one.ok() && two.ok() && four.ok());
  EXPECT_TRUE(one->extrapolation.empty());
  EXPECT_FALSE(two->extrapolation.empty());
  EXPECT_NE(two->extrapolation.find("Amdahl"), std::string::npos);
  EXPECT_LT(two->latency_ms, one->latency_ms);
  EXPECT_GT(two->latency_ms, four->latency_ms);
  auto too_many = Predict(m, d, {"cpu", "", "", 64, false, ""});
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument);
  // A device calibrated at one thread count only cannot extrapolate.
  auto single = d;
  single.targets.erase(single.targets.begin());
  auto three = Predict(m, single, {"cpu", "", "", 3, false, ""});
  EXPECT_EQ(three.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(three.status().message().find("calibrated: 4"), std::string::npos);
}

TEST(EstimatorTest, ARuntimeOnOneUnitOnlyNamesThatUnit) {
  auto d = TestDevice();
  ModelFeatures m = Zoo("mobilenet_v2");
  // hiai runs only on the NPU: asking for it without --compute means the NPU, not "no CPU
  // target for hiai".
  auto npu = Predict(m, d, {"", "hiai", "", 0, false, ""});
  ASSERT_TRUE(npu.ok()) << npu.status().ToString();
  EXPECT_EQ(npu->target_key, "npu/hiai/fp16");
  auto cpu = Predict(m, d, {"", "tflite", "", 0, false, ""});
  ASSERT_TRUE(cpu.ok()) << cpu.status().ToString();
  EXPECT_EQ(cpu->compute_unit, "cpu");
}

TEST(EstimatorTest, MissingUnitOrPrecisionIsNotFoundListingWhatExists) {
  auto d = TestDevice();
  ModelFeatures m = Zoo("mobilenet_v2");
  auto gpu = Predict(m, d, {"gpu", "", "", 0, false, ""});
  EXPECT_EQ(gpu.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gpu.status().message().find("calibrated units: cpu, npu"), std::string::npos);
  auto int8 = Predict(m, d, {"cpu", "", "int8", 0, false, ""});
  EXPECT_EQ(int8.status().code(), StatusCode::kNotFound);
  EXPECT_NE(int8.status().message().find("cpu/tflite/fp32/4t"), std::string::npos);
}

TEST(EstimatorTest, OpsTheNpuCannotRunFallBackToTheCpuWithTransferCost) {
  auto d = TestDevice();
  ModelFeatures vit = Zoo("vit_tiny_16");
  auto p = Predict(vit, d, {"npu", "", "", 0, true, ""});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_FALSE(p->fallback_ops.empty());
  EXPECT_NE(std::find(p->fallback_ops.begin(), p->fallback_ops.end(), "gelu"),
            p->fallback_ops.end());
  EXPECT_GT(p->fallback_ms, 0);
  EXPECT_LT(p->fallback_ms, p->latency_ms);
  // The NPU has no sourced power: energy is unknown, not zero.
  EXPECT_LT(p->energy_mj, 0);
  EXPECT_LT(BatteryHours(*p, d, 30), 0);
  // A pure CNN does not fall back.
  auto cnn = Predict(Zoo("mobilenet_v1"), d, {"npu", "", "", 0, false, ""});
  ASSERT_TRUE(cnn.ok());
  EXPECT_TRUE(cnn->fallback_ops.empty());
  EXPECT_EQ(cnn->fallback_ms, 0);
}

TEST(OpSupportTest, RuntimeListsAgreeWithTheirDocumentedGaps) {
  EXPECT_TRUE(Supports(RuntimeApi::kTfliteGpu, OpKind::kConv));
  EXPECT_FALSE(Supports(RuntimeApi::kTfliteGpu, OpKind::kGelu));
  EXPECT_FALSE(Supports(RuntimeApi::kHiai, OpKind::kLayerNorm));
  EXPECT_TRUE(Supports(RuntimeApi::kQnn, OpKind::kLayerNorm));
  for (const auto& rt : AllRuntimes()) {
    EXPECT_FALSE(Supports(rt.api, OpKind::kUnknown)) << rt.id;
    EXPECT_FALSE(Supports(rt.api, OpKind::kCustom)) << rt.id;
  }
  EXPECT_EQ(ApiForTarget("gpu", "tflite"), RuntimeApi::kTfliteGpu);
  EXPECT_EQ(ApiForTarget("npu", "tflite"), RuntimeApi::kQnn);
  EXPECT_EQ(ApiForTarget("cpu", "mbench"), RuntimeApi::kTfliteCpu);
  // Control flow and dynamic quantization: TFLite runs IF and WHILE but quantizes inside its
  // hybrid kernels; ncnn has neither.
  EXPECT_TRUE(Supports(RuntimeApi::kTfliteCpu, OpKind::kIf));
  EXPECT_FALSE(Supports(RuntimeApi::kTfliteCpu, OpKind::kDynamicQuantize));
  for (OpKind k : {OpKind::kIf, OpKind::kLoop, OpKind::kScan, OpKind::kDynamicQuantize}) {
    EXPECT_FALSE(Supports(RuntimeApi::kNcnnCpu, k)) << analyzer::OpKindName(k);
  }
  EXPECT_TRUE(Supports(RuntimeApi::kNcnnCpu, OpKind::kCast));
}

TEST(OpSupportTest, OnnxIntegerConvolutionsAreNamedUnsupportedEverywhere) {
  analyzer::GraphBuilder b;
  auto y = b.Conv(b.Input("x", {1, 8, 16, 16}), 8, 3, 1, -1, 1, false);
  auto g = b.Finish({y}, "onnx");
  ASSERT_TRUE(g.ok());
  g->nodes[0].op_type = "ConvInteger";
  for (const auto& rt : AllRuntimes()) {
    const auto ops = UnsupportedOps(rt.api, *g);
    EXPECT_NE(std::find(ops.begin(), ops.end(), "conv:ConvInteger"), ops.end()) << rt.id;
  }
  g->nodes[0].op_type = "Conv";
  EXPECT_TRUE(UnsupportedOps(RuntimeApi::kTfliteCpu, *g).empty());
}

// The fitter recovers a device it did not see: measurements generated from known parameters
// over a spread of architectures are fitted back to predictions within 2%.
TEST(CalibrationTest, RecoversKnownParametersFromSyntheticMeasurements) {
  profiles::DeviceProfile dev;
  dev.id = "synthetic";
  dev.memory_bandwidth_gbps = 20;
  const profiles::KernelParams truth = Params(25, 40, 4, 18, 6, 9, 15, 55);
  CalibrationData data;
  data.description = "synthetic";
  std::vector<std::tuple<std::string, double, int64_t>> specs = {
      {"mobilenet_v1", 1.0, 224},  {"mobilenet_v1", 0.5, 160},    {"mobilenet_v2", 1.0, 224},
      {"mobilenet_v2", 0.75, 192}, {"resnet18", 1.0, 224},        {"resnet50", 1.0, 160},
      {"squeezenet1_1", 1.0, 224}, {"shufflenet_v2", 1.0, 224},   {"vgg16", 1.0, 112},
      {"mnasnet_a1", 1.0, 224},    {"efficientnet_b0", 1.0, 224}, {"alexnet", 1.0, 224},
      {"googlenet", 1.0, 224},     {"densenet121", 1.0, 160}};
  for (const auto& [name, width, res] : specs) {
    CalibrationModel cm;
    cm.key = name + std::to_string(res);
    cm.group = name;
    cm.features = Zoo(name, width, res);
    data.models.push_back(std::move(cm));
    Measurement m;
    m.device_id = "synthetic";
    m.compute_unit = "cpu";
    m.runtime = "tflite";
    m.precision = "fp32";
    m.threads = 1;
    m.cluster = "big";
    m.model = static_cast<int>(data.models.size()) - 1;
    m.latency_ms = PredictSeconds(FeaturesAt(data.models.back().features, 4),
                                  ToRates(truth, SeparateActivations("cpu", "tflite"))) *
                   1e3;
    m.source = "synthetic";
    data.points.push_back(m);
  }
  // Noise-free data and weak priors: what is left is the optimizer, which must find the truth.
  FitOptions options;
  options.date = "2026-01-01";
  options.noise_sigma = 0.01;
  options.family_prior_sigma = 10;
  options.target_prior_sigma = 10;
  auto fit = FitTargets(data, {dev}, options);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  ASSERT_EQ(fit->targets.size(), 1u);
  const auto& got = fit->targets[0].target;
  EXPECT_LT(got.calibration.rms_log_residual, 0.02);
  // The parameters the data pins down come back close to the truth.
  EXPECT_NEAR(got.params.conv_gmacs / truth.conv_gmacs, 1.0, 0.1);
  EXPECT_NEAR(got.params.depthwise_gmacs / truth.depthwise_gmacs, 1.0, 0.25);
  // An architecture held out of the fit is still predicted well.
  auto cv = CrossValidate(data, {dev}, options);
  ASSERT_TRUE(cv.ok());
  Accuracy a = Summarize(cv->rows);
  EXPECT_EQ(a.n, static_cast<int>(specs.size()));
  EXPECT_LT(a.mape_pct, 5.0);
}

TEST(ShapeCorrectionTest, NearestSamplesOfTheSameKindCorrectAKernel) {
  const std::array<double, 4> at = {12.0, 10.0, 10.0, 6.0};
  std::vector<profiles::KernelSample> samples = {{"depthwise", at, 0.8}};
  // One coinciding sample, shrunk by the prior.
  const double prior = kKernelSamplePrior;
  EXPECT_NEAR(KernelShapeCorrection("depthwise", at, samples), 0.8 / (1 + prior), 1e-12);
  // Another kind, or a shape far away (20x the size in every coordinate): no correction.
  EXPECT_EQ(KernelShapeCorrection("pointwise", at, samples), 0.0);
  EXPECT_NEAR(KernelShapeCorrection("depthwise", {15.0, 13.0, 13.0, 9.0}, samples), 0.0, 1e-6);
  // Half a width away in the MACs and the output (the same work per output element): a weight
  // of exp(-1/8) from each.
  const double w = std::exp(-0.25);
  EXPECT_NEAR(KernelShapeCorrection("depthwise", {12.25, 10.25, 10.0, 6.0}, samples),
              0.8 * w / (w + prior), 1e-12);
  // The same step in the MACs alone changes the work per output element by 28%, which has a
  // narrower width of its own (0.2): a weight of exp(-1/8 - 0.25^2 / (2 * 0.2^2)).
  const double wr = std::exp(-0.125 - 0.0625 / 0.08);
  EXPECT_NEAR(KernelShapeCorrection("depthwise", {12.25, 10.0, 10.0, 6.0}, samples),
              0.8 * wr / (wr + prior), 1e-12);
  // Two samples at one shape average, and count twice against the prior.
  samples.push_back({"depthwise", at, 0.4});
  EXPECT_NEAR(KernelShapeCorrection("depthwise", at, samples), 1.2 / (2 + prior), 1e-12);
}

// A 7x7 depthwise kernel with 96 channels and a 5x5 one with 144 are close in MACs, outputs,
// inputs and weights; their work per output element (49 against 25 taps) tells them apart.
TEST(ShapeCorrectionTest, KernelSizeSeparatesNeighboursOfSimilarSize) {
  auto dw = [](double c, double hw_in, double hw_out, double k) {
    return std::array<double, 4>{std::log1p(c * hw_out * hw_out * k * k),
                                 std::log1p(c * hw_out * hw_out), std::log1p(c * hw_in * hw_in),
                                 std::log1p(c * k * k)};
  };
  const std::vector<profiles::KernelSample> samples = {{"depthwise", dw(96, 56, 28, 7), 2.0},
                                                       {"depthwise", dw(144, 56, 28, 5), -0.5}};
  EXPECT_GT(KernelShapeCorrection("depthwise", dw(112, 56, 28, 7), samples), 1.4);
  EXPECT_LT(KernelShapeCorrection("depthwise", dw(120, 56, 28, 5), samples), -0.3);
}

// A separate activation pass is priced by the samples of memory kernels of its op: swish by
// the sigmoid-and-mul kernel that ONNX's swish becomes (one kernel, so a calibrate probe of it
// is a sample), at any size (a per-element cost), and none of it leaks into the convolution's
// own correction.
TEST(ShapeCorrectionTest, ActivationPassesArePricedByTheirOpsSamples) {
  GraphBuilder onnx_style;
  auto x = onnx_style.Input("x", {1, 32, 112, 112});
  auto gate = onnx_style.Act(x, OpKind::kSigmoid);
  auto g1 = onnx_style.Finish({onnx_style.Mul(x, gate)});
  ASSERT_TRUE(g1.ok()) << g1.status().ToString();
  ModelFeatures probe = Features(*g1);
  ASSERT_EQ(probe.plan.kernels.size(), 1u);  // sigmoid and mul: one pass
  EXPECT_EQ(SampleKind(probe, 0), "memory:sigmoid");
  EXPECT_DOUBLE_EQ(probe.plan.kernels[0].activation_elements, 2.0 * 32 * 112 * 112);

  GraphBuilder b(/*fold_bn=*/false);
  auto y = b.ConvBnAct(b.Input("x", {1, 16, 28, 28}), 96, 1, 1, OpKind::kSwish);
  auto g2 = b.Finish({y});
  ASSERT_TRUE(g2.ok()) << g2.status().ToString();
  ModelFeatures conv = Features(*g2);
  ASSERT_EQ(conv.plan.kernels.size(), 1u);
  EXPECT_EQ(conv.plan.kernels[0].unfused_op, OpKind::kSwish);
  // A sigmoid sample at another size than the pass (e^12.9 elements against 96 * 28 * 28).
  const std::vector<profiles::KernelSample> samples = {
      {"memory:sigmoid", {0.0, 12.9, 12.9, 0.0}, 1.5}};
  std::vector<KernelFeatures> f = FeaturesAt(conv, 4);
  ApplyKernelSamples(conv, samples, &f);
  EXPECT_NEAR(f[0].unfused_scale, std::exp(1.5 / (1 + kKernelSamplePrior)), 1e-12);
  EXPECT_DOUBLE_EQ(f[0].scale, 1.0);  // no pointwise sample
  RateParams r = ToRates(Params(10, 12, 2, 8, 5, 8, 10), /*separate_activations=*/true);
  std::vector<KernelFeatures> plain = FeaturesAt(conv, 4);
  const double pass = plain[0].unfused_bytes / r.memory_op_bytes_per_s;
  EXPECT_NEAR(PredictSeconds(f, r) - PredictSeconds(plain, r),
              pass * (std::exp(1.5 / (1 + kKernelSamplePrior)) - 1.0), 1e-12);
}

TEST(KernelsTest, GroupedConvolutionsLearnFromTheirOwnSamples) {
  GraphBuilder b(/*fold_bn=*/true);
  auto x = b.Input("x", {1, 64, 28, 28});
  auto dw = b.Conv(x, 64, 3, 1, -1, 64, true);  // depthwise
  auto g8 = b.Conv(dw, 64, 3, 1, -1, 8, true);  // 8 channels per group: depthwise class
  auto g3 = b.Conv(g8, 64, 1, 1, -1, 4, true);  // grouped 1x1 (ShuffleNetV1): pointwise class
  auto pw = b.Conv(g3, 64, 1, 1, -1, 1, true);
  auto g = b.Finish({pw});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ModelFeatures m = Features(*g);
  ASSERT_EQ(m.plan.kernels.size(), 4u);
  EXPECT_EQ(SampleKind(m, 0), "depthwise");
  EXPECT_EQ(SampleKind(m, 1), "depthwise:grouped");
  EXPECT_EQ(SampleKind(m, 2), "pointwise:grouped");
  EXPECT_EQ(SampleKind(m, 3), "pointwise");
  // A depthwise sample does not correct a grouped kernel.
  const std::vector<profiles::KernelSample> samples = {{"depthwise", m.plan.kernels[1].shape, 1.0}};
  EXPECT_EQ(KernelShapeCorrection(SampleKind(m, 1), m.plan.kernels[1].shape, samples), 0.0);
}

// Kernels of a model, each timed alone, as one-kernel calibration models of `group`.
void AddParts(const ModelFeatures& f, const std::string& group, CalibrationData* data) {
  for (size_t k = 0; k < f.plan.kernels.size(); ++k) {
    CalibrationModel cm;
    cm.key = group + " #" + std::to_string(k);
    cm.group = group;
    cm.part = true;
    cm.features.plan.kernels = {f.plan.kernels[k]};
    cm.features.kernel_ops = {f.kernel_ops[k]};
    cm.features.kernel_names = {f.kernel_names[k]};
    data->models.push_back(std::move(cm));
  }
}

// XNNPACK runs 7x7 depthwise convolutions at a fraction of the 3x3 rate (2 against 16-20
// GMAC/s on the host). One rate per class cannot express that; the shape correction learns it
// from kernels timed alone and carries it to a model it never saw.
TEST(CalibrationTest, ShapeCorrectionLearnsWhatOneRatePerClassCannot) {
  profiles::DeviceProfile dev;
  dev.id = "synthetic";
  dev.memory_bandwidth_gbps = 20;
  const profiles::KernelParams truth = Params(25, 40, 8, 18, 6, 9, 5, 55);
  auto truth_ms = [&](const ModelFeatures& f) {
    auto k = FeaturesAt(f, 4);
    for (size_t i = 0; i < k.size(); ++i) {
      const Kernel& kk = f.plan.kernels[i];
      const double area = std::expm1(kk.shape[0]) / std::expm1(kk.shape[1]);
      if (kk.cls == KernelClass::kDepthwise && area > 40) k[i].scale = 4.0;
    }
    return PredictSeconds(k, ToRates(truth, true)) * 1e3;
  };
  auto measure = [&](CalibrationData* data, size_t first_model) {
    for (size_t i = first_model; i < data->models.size(); ++i) {
      Measurement m;
      m.device_id = "synthetic";
      m.compute_unit = "cpu";
      m.runtime = "mbench";
      m.precision = "fp32";
      m.threads = 1;
      m.model = static_cast<int>(i);
      m.latency_ms = truth_ms(data->models[i].features);
      m.source = "synthetic";
      data->points.push_back(m);
    }
  };
  CalibrationData wholes;
  for (const char* name : {"mobilenet_v1", "mobilenet_v2", "mnasnet_a1", "resnet18",
                           "shufflenet_v2", "efficientnet_b0", "squeezenet1_1"}) {
    wholes.models.push_back({name, name, Zoo(name), false});
  }
  measure(&wholes, 0);
  // The same wholes, plus every kernel of two of them and a 7x7 depthwise sweep timed alone.
  CalibrationData with_parts = wholes;
  const size_t first_part = with_parts.models.size();
  AddParts(Zoo("mobilenet_v2"), "mobilenet_v2", &with_parts);
  AddParts(Zoo("mnasnet_a1"), "mnasnet_a1", &with_parts);
  for (int64_t c : {32, 64, 96, 144, 192, 288, 384, 576, 960}) {
    for (int64_t hw : {112, 56, 28, 14, 7}) {
      for (int64_t stride : {1, 2}) {
        GraphBuilder b;
        auto x = b.Input("x", {1, c, hw, hw});
        auto g = b.Finish({b.Act(b.Conv(x, c, 7, stride, -1, c, true), OpKind::kRelu)}, "onnx");
        ASSERT_TRUE(g.ok()) << g.status().ToString();
        const std::string key =
            "dw7_" + std::to_string(c) + "_" + std::to_string(hw) + "_" + std::to_string(stride);
        with_parts.models.push_back({key, key, Features(*g), true});
      }
    }
  }
  measure(&with_parts, first_part);

  FitOptions options;
  options.date = "2026-01-01";
  const ModelFeatures unseen = Zoo("proxylessnas_mobile");
  const double actual = truth_ms(unseen);
  auto error_of = [&](const CalibrationData& data, size_t* samples) {
    auto fit = FitTargets(data, {dev}, options);
    EXPECT_TRUE(fit.ok()) << fit.status().ToString();
    const profiles::Target& t = fit->targets.at(0).target;
    *samples = t.kernel_samples.size();
    auto f = FeaturesAt(unseen, 4);
    ApplyKernelSamples(unseen, t.kernel_samples, &f);
    return PredictSeconds(f, ToRates(t.params, true)) * 1e3 / actual - 1.0;
  };
  size_t n_without = 0, n_with = 0;
  const double without = error_of(wholes, &n_without);
  const double with = error_of(with_parts, &n_with);
  EXPECT_EQ(n_without, 0u);
  EXPECT_EQ(n_with, with_parts.models.size() - first_part);
  EXPECT_LT(without, -0.2) << "the class rate should miss the slow 7x7 kernels";
  EXPECT_LT(std::abs(with), 0.1) << "with=" << with << " without=" << without;
  // The whole models the fit knows are still predicted well with their architecture held out.
  auto cv = CrossValidate(with_parts, {dev}, options);
  ASSERT_TRUE(cv.ok()) << cv.status().ToString();
  std::vector<CvPoint> whole_rows;
  for (const auto& r : cv->rows) {
    if (!with_parts.models[with_parts.points[r.point].model].part) whole_rows.push_back(r);
  }
  EXPECT_EQ(whole_rows.size(), wholes.points.size());
  EXPECT_LT(Summarize(whole_rows).mape_pct, 10.0);
}

// Qualcomm AI Hub's shufflenet_v2 has 1.37 M parameters: torchvision's x0.5 network (1,366,792,
// data/published_complexity.csv), not x1.0. Its rows were once graded at width 1.
TEST(CalibrationTest, AiHubShuffleNetRowsAreTheHalfWidthNetwork) {
  auto data = LoadCalibrationData(testing::SourceDir() + "/data/latency/measurements.csv",
                                  testing::SourceDir() + "/data");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  int rows = 0;
  for (const auto& m : data->points) {
    const CalibrationModel& model = data->models[m.model];
    if (m.source.find("AI Hub") == std::string::npos || model.group != "shufflenet_v2") continue;
    EXPECT_NE(model.key.find("w=0.5"), std::string::npos) << model.key;
    ++rows;
  }
  EXPECT_GE(rows, 10);
  auto g = analyzer::BuildZooModel("shufflenet_v2", {.width = 0.5});
  ASSERT_TRUE(g.ok());
  auto a = analyzer::Analyze(*g);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->totals.params, 1366792);
}

// The accuracy tables in README.md, docs/estimator.md and docs/accuracy.md are generated from
// `mbench validate` by scripts/accuracy-report.sh and name the data's hash: after the data
// changes, they must be regenerated, not left stale or edited by hand.
TEST(CalibrationTest, AccuracyTablesInTheDocsWereGeneratedFromTheCurrentData) {
  auto data = ReadFileToString(testing::SourceDir() + "/data/latency/measurements.csv");
  ASSERT_TRUE(data.ok());
  const std::string stamp = "sha256 " + Sha256Hex(*data).substr(0, 16);
  for (const char* doc : {"/README.md", "/docs/estimator.md", "/docs/accuracy.md"}) {
    auto text = ReadFileToString(testing::SourceDir() + doc);
    ASSERT_TRUE(text.ok()) << doc;
    EXPECT_NE(text->find(stamp), std::string::npos)
        << doc << " does not name " << stamp << ": run scripts/accuracy-report.sh";
    EXPECT_NE(text->find("Generated by `scripts/accuracy-report.sh`"), std::string::npos) << doc;
  }
}

TEST(CalibrationTest, BadMeasurementFilesGiveTheFileAndLine) {
  testing::TempDir dir;
  const std::string header =
      "device_id,compute_unit,runtime,precision,threads,cluster,model_ref,width,resolution,"
      "input_shape,latency_ms,measured_on,source\n";
  struct Case {
    std::string body, expect;
  };
  std::vector<Case> cases = {
      {"p,cpu,tflite,fp32,1,big,zoo:mobilenet_v2,1,224,,-3,x,y\n", ":2: latency_ms '-3'"},
      {"p,cpu,tflite,fp32,1,big,zoo:mobilenet_v2,1,224,,abc,x,y\n", ":2: latency_ms 'abc'"},
      {"p,cpu,tflite,fp64,1,big,zoo:mobilenet_v2,1,224,,3,x,y\n", ":2: precision 'fp64'"},
      {"p,cpu,tflite,fp32,0,big,zoo:mobilenet_v2,1,224,,3,x,y\n", ":2: threads '0'"},
      {"p,cpu,tflite,fp32,1,big,zoo:nosuchnet,1,224,,3,x,y\n", ":2"},
      {"p,cpu,tflite,fp32,1,big,missing.param,,,,3,x,y\n", ":2"},
      {"p,cpu,tflite,fp32,1,big\n", ":2: expected 13 fields"},
      {"p,cpu,tflite,fp32,1,big,zoo:mobilenet_v2,1,224,,3,x,\"unterminated\n", "unterminated"},
  };
  for (const auto& c : cases) {
    std::string path = dir.File("m.csv");
    testing::WriteFile(path, header + c.body);
    auto d = LoadCalibrationData(path, dir.path());
    ASSERT_FALSE(d.ok()) << c.body;
    EXPECT_NE(d.status().message().find(c.expect), std::string::npos)
        << c.body << " -> " << d.status().message();
  }
  testing::WriteFile(dir.File("h.csv"), "a,b\n1,2\n");
  auto h = LoadCalibrationData(dir.File("h.csv"), dir.path());
  EXPECT_NE(h.status().message().find("missing column 'device_id'"), std::string::npos);
  // A measurement of a device without hardware facts is refused by the fit.
  testing::WriteFile(dir.File("ok.csv"),
                     header + "ghost,cpu,tflite,fp32,1,big,zoo:mobilenet_v2,1,224,,3,x,y\n");
  auto ok = LoadCalibrationData(dir.File("ok.csv"), dir.path());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  auto fit = FitTargets(*ok, {}, {});
  EXPECT_EQ(fit.status().code(), StatusCode::kNotFound);
  EXPECT_NE(fit.status().message().find("ghost"), std::string::npos);
}

}  // namespace
}  // namespace mbench::estimator
