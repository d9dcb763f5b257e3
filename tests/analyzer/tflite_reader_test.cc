// TFLite models no one on this project wrote (MediaPipe, from npm). Parameter counts are derived
// here straight from the flatbuffer's tensors and buffers, independently of the analyzer's rules.
#include "analyzer/tflite_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "analyzer/tflite_schema_generated.h"
#include "tests/testutil/testutil.h"

namespace mbench::analyzer {
namespace {

namespace fb = ::mbench::tflite_fb;

struct RawCounts {
  int64_t dense = 0;   // elements of float constants with more than one element
  int64_t stored = 0;  // the same, counting only stored values of sparse tensors
  int64_t bytes = 0;
};

// Builtin codes whose inputs after the first are weights (CONV_2D, DEPTHWISE_CONV_2D,
// FULLY_CONNECTED, PRELU, TRANSPOSE_CONV) and CUSTOM (MediaPipe's transpose conv).
bool ReadsWeights(int32_t code) {
  return code == 3 || code == 4 || code == 9 || code == 54 || code == 67 || code == 32;
}

// Every floating-point constant tensor (a tensor with a non-empty buffer) is a weight in these
// float models, except one-element constants that only element-wise ops read (a scale of a
// formula); a one-element conv bias is a weight. Sparse tensors store fewer values than their
// shape. DEQUANTIZE/DENSIFY chains are followed to the layer that reads the weight.
RawCounts CountFromBuffers(const std::string& bytes) {
  RawCounts out;
  const fb::Model* m = fb::GetModel(bytes.data());
  const fb::SubGraph* sg = m->subgraphs()->Get(0);
  std::map<int32_t, std::vector<const fb::Operator*>> readers;
  for (const fb::Operator* op : *sg->operators()) {
    for (int32_t i : *op->inputs()) readers[i].push_back(op);
  }
  auto code_of = [&](const fb::Operator* op) {
    const fb::OperatorCode* c = m->operator_codes()->Get(op->opcode_index());
    return std::max<int32_t>(c->deprecated_builtin_code(), c->builtin_code());
  };
  std::function<bool(int32_t)> read_as_weight = [&](int32_t tensor) {
    for (const fb::Operator* op : readers[tensor]) {
      int32_t code = code_of(op);
      if (code == 6 || code == 124) {  // DEQUANTIZE, DENSIFY
        if (read_as_weight(op->outputs()->Get(0))) return true;
      } else if (ReadsWeights(code)) {
        return true;
      }
    }
    return false;
  };
  for (int32_t ti = 0; ti < static_cast<int32_t>(sg->tensors()->size()); ++ti) {
    const fb::Tensor* t = sg->tensors()->Get(ti);
    const fb::Buffer* b = m->buffers()->Get(t->buffer());
    if (t->buffer() == 0 || b->data() == nullptr || b->data()->size() == 0) continue;
    int elem = t->type() == 0 ? 4 : t->type() == 1 ? 2 : 0;  // float32, float16
    if (elem == 0) continue;
    int64_t dense = 1;
    for (int32_t d : *t->shape()) dense *= d;
    if (dense <= 1 && !read_as_weight(ti)) continue;
    out.dense += dense;
    out.stored += b->data()->size() / elem;
    out.bytes += b->data()->size();
  }
  return out;
}

class MediaPipeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MediaPipeTest, AnalyzesWithNoUnknownOpsAndParamsMatchRawBuffers) {
  auto manifest = testing::ReadManifest();
  ASSERT_TRUE(manifest.count(GetParam()));
  std::string path = testing::ManifestModelPath(manifest[GetParam()]);
  ASSERT_TRUE(std::ifstream(path).good()) << path << " missing: run scripts/fetch-models.sh";
  auto model = ReadModel(path, {});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->format, ModelFormat::kTflite);
  EXPECT_EQ(model->sha256, manifest[GetParam()].sha256);
  auto a = Analyze(model->graph);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->totals.unknown_ops, 0) << ::testing::PrintToString(a->totals.unknown_op_types);
  EXPECT_EQ(a->totals.unresolved_layers, 0);
  EXPECT_GT(a->totals.macs, 0);

  // PAD's [rank, 2] paddings become ONNX-order pads that give the file's own output shape.
  for (const auto& n : model->graph.nodes) {
    if (n.kind != OpKind::kPad) continue;
    const auto& in = model->graph.tensors[n.inputs[0]].shape;
    const auto& out = model->graph.tensors[n.outputs[0]].shape;
    auto pads = n.GetInts("pads");
    ASSERT_EQ(pads.size(), 2 * in.size()) << n.name;
    for (size_t i = 0; i < in.size(); ++i) {
      EXPECT_EQ(in[i] + pads[i] + pads[i + in.size()], out[i]) << n.name << " dim " << i;
    }
  }

  RawCounts raw = CountFromBuffers(testing::ReadFile(path));
  EXPECT_EQ(a->totals.params, raw.dense);
  EXPECT_EQ(a->totals.params_stored, raw.stored);
  EXPECT_EQ(a->totals.weight_bytes, raw.bytes);
  std::printf("%s: layers=%zu macs=%lld params=%lld params_stored=%lld weight_bytes=%lld\n",
              GetParam().c_str(), a->layers.size(), static_cast<long long>(a->totals.macs),
              static_cast<long long>(a->totals.params),
              static_cast<long long>(a->totals.params_stored),
              static_cast<long long>(a->totals.weight_bytes));
}

INSTANTIATE_TEST_SUITE_P(
    Npm, MediaPipeTest,
    ::testing::Values("face_detection_short_range", "face_detection_full_range",
                      "face_detection_full_range_sparse", "selfie_segmentation",
                      "selfie_segmentation_landscape", "hand_landmark_lite", "hand_landmark_full",
                      "pose_landmark_lite", "pose_landmark_full", "pose_landmark_heavy"));

TEST(TfliteReaderTest, SparseModelStoresFewerValuesThanItsDenseParams) {
  auto manifest = testing::ReadManifest();
  auto model =
      ReadModel(testing::ManifestModelPath(manifest["face_detection_full_range_sparse"]), {});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto a = Analyze(model->graph);
  ASSERT_TRUE(a.ok());
  EXPECT_LT(a->totals.params_stored, a->totals.params / 2);
  EXPECT_EQ(a->totals.weight_bytes_by_dtype.count("float16"), 1u);
  // Folded DEQUANTIZE/DENSIFY leave no dequantize layer behind.
  for (const auto& l : a->layers) EXPECT_NE(l.kind, OpKind::kDequantize) << l.name;
}

TEST(TfliteReaderTest, ConvCountsFollowNhwcWeightsAndFusedActivations) {
  auto manifest = testing::ReadManifest();
  auto model = ReadModel(testing::ManifestModelPath(manifest["face_detection_short_range"]), {});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto a = Analyze(model->graph);
  ASSERT_TRUE(a.ok());
  int checked = 0;
  for (const auto& l : a->layers) {
    if (l.kind != OpKind::kConv && l.kind != OpKind::kDepthwiseConv) continue;
    const Shape& y = l.output_shapes[0];  // [1, H, W, Cout]
    const Shape& w = l.input_shapes[1];   // conv [Cout, kh, kw, Cin]; depthwise [1, kh, kw, C]
    int64_t per_output = l.kind == OpKind::kConv ? w[1] * w[2] * w[3] : w[1] * w[2];
    EXPECT_EQ(l.macs, y[1] * y[2] * y[3] * per_output) << l.name;
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

// One architecture, one count: the zoo's BlazeFace, written from the paper and MediaPipe's
// layout, counts exactly what the real MediaPipe short-range model counts.
TEST(TfliteReaderTest, ZooBlazeFaceCountsExactlyLikeMediaPipesModel) {
  auto manifest = testing::ReadManifest();
  auto model = ReadModel(testing::ManifestModelPath(manifest["face_detection_short_range"]), {});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto real = Analyze(model->graph);
  auto zoo = ReadModel("zoo:blazeface", {});
  ASSERT_TRUE(zoo.ok()) << zoo.status().ToString();
  auto built = Analyze(zoo->graph);
  ASSERT_TRUE(real.ok() && built.ok());
  EXPECT_EQ(built->totals.macs, real->totals.macs);
  EXPECT_EQ(built->totals.params, real->totals.params);
}

TEST(TfliteReaderTest, InputShapeMayOnlyRestateTheStoredShape) {
  auto manifest = testing::ReadManifest();
  std::string path = testing::ManifestModelPath(manifest["face_detection_short_range"]);
  auto model = ReadModel(path, {});
  ASSERT_TRUE(model.ok());
  const TensorInfo& in = model->graph.tensors[model->graph.inputs[0]];
  ReadOptions same;
  same.input_shapes[in.name] = in.shape;
  EXPECT_TRUE(ReadModel(path, same).ok());
  ReadOptions other;
  other.input_shapes[in.name] = {1, 256, 256, 3};
  auto r = ReadModel(path, other);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("re-export"), std::string::npos);
}

TEST(TfliteReaderTest, TruncatedHeaderIsCorruption) {
  std::string bytes("\x10\x00\x00\x00TFL3\x00\x00", 10);
  auto g = ReadTfliteModel("t.tflite", bytes, {});
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  EXPECT_NE(g.status().message().find("t.tflite"), std::string::npos);
}

}  // namespace
}  // namespace mbench::analyzer
