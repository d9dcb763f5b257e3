// The grade's shipping rules, checked on hand-made devices and models without the binary.
#include "report/grade.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "analyzer/analysis.h"
#include "analyzer/graph_builder.h"
#include "report/format.h"

namespace mbench::report {
namespace {

using analyzer::GraphBuilder;
using analyzer::OpKind;

// A device whose one CPU target runs dense convolutions at `gmacs`.
profiles::DeviceProfile Device(const std::string& id, int year, double gmacs) {
  profiles::DeviceProfile d;
  d.id = id;
  d.name = "Phone " + id;
  d.release_year = year;
  d.cpu_clusters = {{"big", 4, "A76", 2.4}};
  d.memory_bandwidth_gbps = 30;
  d.compute_units = {{"cpu", "A76", 0.0, 0.0, ""}};
  profiles::Target t;
  t.compute_unit = "cpu";
  t.runtime = "tflite";
  t.precision = "fp32";
  t.threads = 1;
  t.cluster = "big";
  t.params.conv_gmacs = t.params.conv3x3_gmacs = t.params.pointwise_gmacs = gmacs;
  t.params.depthwise_gmacs = t.params.gemm_gmacs = gmacs;
  t.params.memory_op_gbps = t.params.bandwidth_gbps = 10;
  t.params.overhead_us = 5;
  t.calibration.interval_log_halfwidth = 0.2;
  t.calibration.points = t.calibration.cv_points = 5;
  t.calibration.cv_mape_pct = 8;
  d.targets = {t};
  return d;
}

struct Model {
  analyzer::LoadedModel model;
  analyzer::ModelAnalysis analysis;
};

// Two 3x3 convolutions at 224x224: about 1 GMAC.
Model ConvNet() {
  GraphBuilder b;
  auto x = b.Input("x", {1, 16, 224, 224});
  auto y =
      b.Act(b.Conv(b.Act(b.Conv(x, 64, 3, 1, -1, 1, true), OpKind::kRelu), 64, 3, 1, -1, 1, true),
            OpKind::kRelu);
  Model m;
  m.model.graph = *b.Finish({y}, "onnx");
  m.model.format = analyzer::ModelFormat::kOnnx;
  m.model.size_bytes = 50'000;
  m.analysis = *analyzer::Analyze(m.model.graph);
  return m;
}

bool HasWarning(const GradeReport& r, const std::string& part) {
  return std::any_of(r.warnings.begin(), r.warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

GradeRequest Request() {
  GradeRequest req;
  req.current_year = 2026;
  return req;
}

TEST(GradeBuildTest, PredictsEveryDeviceNewestFirst) {
  const Model m = ConvNet();
  auto r = BuildGradeReport(m.model, m.analysis, {Device("old", 2018, 5), Device("new", 2025, 50)},
                            Request());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->predictions.size(), 2u);
  EXPECT_EQ(r->predictions[0].p.device_id, "new");
  EXPECT_LT(r->predictions[0].p.latency_ms, r->predictions[1].p.latency_ms);
  EXPECT_FALSE(r->compatibility.empty());
}

TEST(GradeBuildTest, ARecentPhoneBelow30FpsIsAShippingWarning) {
  const Model m = ConvNet();
  auto slow = BuildGradeReport(m.model, m.analysis, {Device("slow", 2024, 2)}, Request());
  ASSERT_TRUE(slow.ok());
  EXPECT_LT(slow->predictions[0].p.fps, 30);
  EXPECT_TRUE(HasWarning(*slow, "covering 95% of users"));
  // The same phone released before the last four years is not the audience the rule guards.
  auto old = BuildGradeReport(m.model, m.analysis, {Device("old", 2015, 2)}, Request());
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(HasWarning(*old, "covering 95% of users"));
}

TEST(GradeBuildTest, AModelOverTheCellularLimitIsAShippingWarning) {
  Model m = ConvNet();
  m.model.size_bytes = kCellularLimitBytes + 1;
  auto r = BuildGradeReport(m.model, m.analysis, {Device("a", 2025, 50)}, Request());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(HasWarning(*r, "cellular"));
  m.model.size_bytes = kCellularLimitBytes;
  r = BuildGradeReport(m.model, m.analysis, {Device("a", 2025, 50)}, Request());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(HasWarning(*r, "cellular"));
}

TEST(GradeBuildTest, Int8ForAFloatModelAndMissingPowerFiguresAreSaid) {
  const Model m = ConvNet();
  GradeRequest req = Request();
  req.precision = "int8";
  profiles::DeviceProfile d = Device("a", 2025, 50);
  d.targets[0].precision = "int8";
  auto r = BuildGradeReport(m.model, m.analysis, {d}, req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(HasWarning(*r, "int8 predicted for a float model"));
  EXPECT_TRUE(HasWarning(*r, "no sourced power figure"));
}

TEST(GradeBuildTest, APoorlyCrossValidatedTargetIsReadAsAnOrderOfMagnitude) {
  const Model m = ConvNet();
  profiles::DeviceProfile d = Device("a", 2025, 50);
  d.targets[0].calibration.cv_mape_pct = 60;
  auto r = BuildGradeReport(m.model, m.analysis, {d}, Request());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(HasWarning(*r, "order of magnitude"));
}

TEST(GradeBuildTest, TheFrameRateGateListsTheDevicesBelowIt) {
  const Model m = ConvNet();
  GradeRequest req = Request();
  auto probe = BuildGradeReport(m.model, m.analysis, {Device("fast", 2025, 50)}, req);
  ASSERT_TRUE(probe.ok());
  req.target_fps = probe->predictions[0].p.fps * 0.5;  // the fast phone meets it, the slow not
  auto r = BuildGradeReport(m.model, m.analysis,
                            {Device("fast", 2025, 50), Device("slow", 2020, 5)}, req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->missed_target, std::vector<std::string>{"slow"});
  EXPECT_NE(r->coverage.find("1 of 2 devices"), std::string::npos) << r->coverage;
  EXPECT_NE(r->coverage.find("every device from 2025 on"), std::string::npos) << r->coverage;
}

TEST(GradeBuildTest, NoDeviceThatCanPredictIsUnsupportedWithEachReason) {
  const Model m = ConvNet();
  GradeRequest req = Request();
  req.compute = "npu";
  auto r = BuildGradeReport(m.model, m.analysis, {Device("a", 2025, 50)}, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("no selected device can predict npu"), std::string::npos);
}

// `grade --runtime qnn` without --compute: the runtime runs on the NPU only, so the NPU is what
// is graded (it answered "no cpu calibration"). A runtime on several units keeps the CPU.
TEST(GradeBuildTest, ARuntimeOnOneUnitSelectsThatUnit) {
  const Model m = ConvNet();
  profiles::DeviceProfile d = Device("a", 2025, 50);
  profiles::Target npu = d.targets.front();
  npu.compute_unit = "npu";
  npu.runtime = "qnn";
  npu.precision = "fp16";
  npu.threads = 0;
  npu.cluster.clear();
  d.targets.push_back(npu);
  GradeRequest req = Request();
  req.runtime = "qnn";
  auto r = BuildGradeReport(m.model, m.analysis, {d}, req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->compute_unit, "npu");
  ASSERT_EQ(r->predictions.size(), 1u);
  EXPECT_EQ(r->predictions[0].p.target_key, "npu/qnn/fp16");
  req.runtime = "tflite";
  r = BuildGradeReport(m.model, m.analysis, {d}, req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->compute_unit, "cpu");
}

// Layers whose shapes could not be resolved (a Resize sized by a Shape chain) were reported as
// "[incomplete: 0 layers of unknown work]"; the report says what is actually missing.
TEST(GradeBuildTest, AnIncompleteCountSaysWhatIsMissing) {
  Model m = ConvNet();
  m.analysis.totals.complete = false;
  m.analysis.totals.unknown_ops = 0;
  m.analysis.totals.unresolved_layers = 150;
  auto r = BuildGradeReport(m.model, m.analysis, {Device("a", 2024, 50)}, Request());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(HasWarning(*r, "150 layers whose shapes could not be resolved"));
  EXPECT_FALSE(HasWarning(*r, "0 layers of unknown work"));
  const std::string text = RenderGrade(*r, GradeFormat::kTable);
  EXPECT_NE(text.find("[incomplete: 150 layers whose shapes"), std::string::npos) << text;
  m.analysis.totals.unknown_ops = 2;
  m.analysis.totals.unknown_op_types = {"If", "LSTM"};
  EXPECT_EQ(IncompleteReason(m.analysis.totals),
            "2 layers of unknown work (If, LSTM); 150 layers whose shapes could not be resolved "
            "(their work is not counted)");
}

TEST(GradeBuildTest, BadFrameRatesAreRefusedBeforeAnyPrediction) {
  GradeRequest req = Request();
  req.fps = {0};
  EXPECT_EQ(req.Validate().code(), StatusCode::kInvalidArgument);
  req.fps = {30};
  req.target_fps = -1;
  EXPECT_EQ(req.Validate().code(), StatusCode::kInvalidArgument);
  req.target_fps = 30;
  EXPECT_TRUE(req.Validate().ok());
}

TEST(GradeBuildTest, AModelMostlyUncountedGetsNoPrediction) {
  // A loop mbench could not unroll: its work is unknown, and its body's weights (most of the
  // file) are read by no counted layer. No ms or fps may be printed for it.
  GraphBuilder b;
  auto y = b.Act(b.Input("x", {1, 16, 56, 56}), OpKind::kRelu);
  Model m;
  m.model.graph = *b.Finish({y}, "onnx");
  m.model.graph.nodes[0].kind = OpKind::kLoop;
  m.model.graph.nodes[0].op_type = "Loop";
  m.model.path = "loop.onnx";
  m.model.format = analyzer::ModelFormat::kOnnx;
  m.model.size_bytes = 2'000'000;
  m.analysis = *analyzer::Analyze(m.model.graph);
  ASSERT_FALSE(m.analysis.totals.complete);
  auto r = BuildGradeReport(m.model, m.analysis, {Device("new", 2025, 50)}, Request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("loop.onnx: no latency prediction: the layers mbench can "
                                      "count read 0 B of the 1.91 MiB the file holds"),
            std::string::npos)
      << r.status().message();
  // Incomplete but mostly counted: predicted, every number flagged as a lower bound.
  Model conv = ConvNet();
  conv.analysis.totals.complete = false;
  conv.analysis.totals.unknown_ops = 1;
  auto lower = BuildGradeReport(conv.model, conv.analysis, {Device("new", 2025, 50)}, Request());
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  EXPECT_TRUE(HasWarning(*lower, "every prediction is a lower bound"));
}

}  // namespace
}  // namespace mbench::report
