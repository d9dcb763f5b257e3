// Standard architectures built layer by layer in ONNX (training form: BatchNorm not folded),
// checked against published facts in data/published_complexity.csv: parameters exactly equal to
// torchvision's count, multiply-adds within 2% of the published figure.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/analyzer/analyzer_test_util.h"
#include "tests/testutil/testutil.h"

namespace mbench::analyzer {
namespace {

using testing::AnalyzeOnnx;
using testing::OnnxAttr;
using testing::OnnxBuilder;

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

class NetBuilder {
 public:
  explicit NetBuilder(OnnxBuilder& b) : b_(b) {}

  std::string ConvBn(const std::string& x, int64_t cin, int64_t cout, int64_t k, int64_t stride,
                     int64_t groups = 1) {
    std::string id = std::to_string(n_++);
    auto w = b_.Weight("w" + id, {cout, cin / groups, k, k});
    int64_t p = (k - 1) / 2;
    auto y = b_.Node("Conv", {x, w},
                     {OnnxAttr::Ints("strides", {stride, stride}), OnnxAttr::Ints("pads", {p, p, p, p}),
                      OnnxAttr::Int("group", groups)});
    return b_.Node("BatchNormalization", {y, b_.Weight("g" + id, {cout}), b_.Weight("b" + id, {cout}),
                                          b_.Weight("m" + id, {cout}), b_.Weight("v" + id, {cout})});
  }
  std::string Relu(const std::string& x) { return b_.Node("Relu", {x}); }
  std::string Relu6(const std::string& x) {
    return b_.Node("Clip", {x, b_.Weight("lo" + std::to_string(n_++), {}, testing::kOnnxFloat, 0.f),
                            b_.Weight("hi" + std::to_string(n_++), {}, testing::kOnnxFloat, 6.f)});
  }
  std::string Add(const std::string& a, const std::string& c) { return b_.Node("Add", {a, c}); }
  std::string Head(const std::string& x, int64_t c) {
    auto p = b_.Node("GlobalAveragePool", {x});
    auto f = b_.Node("Flatten", {p});
    return b_.Node("Gemm", {f, b_.Weight("fc_w", {1000, c}), b_.Weight("fc_b", {1000})},
                   {OnnxAttr::Int("transB", 1)});
  }

 private:
  OnnxBuilder& b_;
  int n_ = 0;
};

TEST(PublishedCountsTest, ResNet18MatchesTorchvisionParamsAndPublishedMacs) {
  OnnxBuilder b;
  NetBuilder n(b);
  auto x = n.Relu(n.ConvBn(b.Input("image", {1, 3, 224, 224}), 3, 64, 7, 2));
  x = b.Node("MaxPool", {x}, {OnnxAttr::Ints("kernel_shape", {3, 3}), OnnxAttr::Ints("strides", {2, 2}),
                              OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  int64_t cin = 64;
  for (int64_t cout : {64, 128, 256, 512}) {
    for (int block = 0; block < 2; ++block) {
      int64_t stride = (block == 0 && cout != 64) ? 2 : 1;
      auto y = n.Relu(n.ConvBn(x, cin, cout, 3, stride));
      y = n.ConvBn(y, cout, cout, 3, 1);
      auto shortcut = (stride != 1 || cin != cout) ? n.ConvBn(x, cin, cout, 1, stride) : x;
      x = n.Relu(n.Add(y, shortcut));
      cin = cout;
    }
  }
  b.Output(n.Head(x, 512));
  auto r = AnalyzeOnnx(b);
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
  OnnxBuilder b;
  NetBuilder n(b);
  auto x = n.Relu6(n.ConvBn(b.Input("image", {1, 3, 224, 224}), 3, 32, 3, 2));
  int64_t cin = 32;
  struct Stage {
    int64_t t, c, n, s;
  };
  for (Stage st : {Stage{1, 16, 1, 1}, Stage{6, 24, 2, 2}, Stage{6, 32, 3, 2}, Stage{6, 64, 4, 2},
                   Stage{6, 96, 3, 1}, Stage{6, 160, 3, 2}, Stage{6, 320, 1, 1}}) {
    for (int64_t i = 0; i < st.n; ++i) {
      int64_t stride = i == 0 ? st.s : 1;
      int64_t hidden = cin * st.t;
      auto y = x;
      if (st.t != 1) y = n.Relu6(n.ConvBn(y, cin, hidden, 1, 1));
      y = n.Relu6(n.ConvBn(y, hidden, hidden, 3, stride, hidden));
      y = n.ConvBn(y, hidden, st.c, 1, 1);
      x = (stride == 1 && cin == st.c) ? n.Add(x, y) : y;
      cin = st.c;
    }
  }
  x = n.Relu6(n.ConvBn(x, cin, 1280, 1, 1));
  b.Output(n.Head(x, 1280));
  auto r = AnalyzeOnnx(b);
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
