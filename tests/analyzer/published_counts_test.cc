// Standard architectures built layer by layer in ONNX (training form: BatchNorm not folded),
// checked against published facts in data/published_complexity.csv: parameters exactly equal to
// torchvision's count, multiply-adds within 2% of the published figure.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "analyzer/analysis.h"
#include "analyzer/onnx_reader.h"
#include "tests/testutil/reference_nets.h"
#include "tests/testutil/testutil.h"

namespace mbench::analyzer {
namespace {

struct Result {
  ModelAnalysis analysis;
};

Result AnalyzeBytes(const std::string& bytes) {
  Result r;
  auto g = ReadOnnxModel("reference.onnx", bytes, {});
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  if (!g.ok()) return r;
  auto a = Analyze(*g);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  if (a.ok()) r.analysis = std::move(a).value();
  return r;
}

// Returns (params, macs_millions) of the row whose model column starts with `model`.
std::pair<int64_t, double> Published(const std::string& model) {
  std::ifstream in(testing::SourceDir() + "/data/published_complexity.csv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(model, 0) != 0) continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (cols.size() < 5 && std::getline(ss, col, ',')) cols.push_back(col);
    return {std::stoll(cols[2]), cols[4].empty() ? 0.0 : std::stod(cols[4])};
  }
  ADD_FAILURE() << model << " not in data/published_complexity.csv";
  return {0, 0};
}

TEST(PublishedCountsTest, ResNet18MatchesTorchvisionParamsAndPublishedMacs) {
  auto r = AnalyzeBytes(testing::ResNet18Onnx());
  auto [params, macs_millions] = Published("torchvision resnet18 (IMAGENET1K_V1)");
  EXPECT_EQ(r.analysis.totals.params, params);  // 11,689,512
  EXPECT_EQ(r.analysis.totals.params, 11689512);
  // torchvision lists 1.81 GFLOPS (= MACs) for resnet18: 1,814 M counted by convs and fc.
  EXPECT_NEAR(r.analysis.totals.macs / 1e6, 1814.0, 1814.0 * 0.02);
  EXPECT_TRUE(r.analysis.totals.complete);
  std::printf("resnet18: params=%lld macs=%lld\n", static_cast<long long>(r.analysis.totals.params),
              static_cast<long long>(r.analysis.totals.macs));
  (void)macs_millions;
}

TEST(PublishedCountsTest, MobileNetV2MatchesTorchvisionParamsAndPaperMacs) {
  auto r = AnalyzeBytes(testing::MobileNetV2Onnx());
  auto [params, macs_millions] = Published("torchvision mobilenet_v2 (IMAGENET1K_V1)");
  EXPECT_EQ(r.analysis.totals.params, params);  // 3,504,872
  EXPECT_EQ(r.analysis.totals.params, 3504872);
  EXPECT_NEAR(r.analysis.totals.macs / 1e6, macs_millions, macs_millions * 0.02);  // 300 M
  EXPECT_EQ(r.analysis.totals.buffers, 2 * 17056);  // running mean and variance of every BN
  EXPECT_TRUE(r.analysis.totals.complete);
  std::printf("mobilenet_v2: params=%lld macs=%lld\n",
              static_cast<long long>(r.analysis.totals.params),
              static_cast<long long>(r.analysis.totals.macs));
}

}  // namespace
}  // namespace mbench::analyzer
