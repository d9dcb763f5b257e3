// Precision plumbing real ONNX exports carry, each in a model built here and run against a
// reference computed in the test: an fp16 model with fp32 inputs and outputs (Casts around fp16
// weights), and dynamic quantization (DynamicQuantizeLinear -> ConvInteger -> Cast -> scale).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "analyzer/analysis.h"
#include "analyzer/onnx_reader.h"
#include "core/half.h"
#include "runner/plan.h"
#include "tests/testutil/onnx_builder.h"

namespace mbench::runner {
namespace {

using testing::OnnxAttr;
using testing::OnnxBuilder;

// Adds an initializer of `type` holding `values` to the model `b` builds; returns the bytes.
std::string WithInitializer(const std::string& bytes, const std::string& name, int32_t type,
                            const std::vector<int64_t>& dims, const std::vector<float>& values) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(bytes));
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) {
    if (type == onnx::TensorProto::FLOAT16) {
      t->add_int32_data(FloatToHalf(v));
    } else if (type == onnx::TensorProto::FLOAT) {
      t->add_float_data(v);
    } else {
      t->add_int32_data(static_cast<int32_t>(v));
    }
  }
  return m.SerializeAsString();
}

StatusOr<std::unique_ptr<Plan>> Compile(const std::string& bytes, analyzer::Graph* g) {
  analyzer::ReadOptions options;
  options.keep_weights = true;
  auto read = analyzer::ReadOnnxModel("pattern.onnx", bytes, options);
  if (!read.ok()) return read.status();
  *g = std::move(*read);
  auto a = analyzer::Analyze(*g);
  EXPECT_TRUE(a.ok() && a->totals.complete);
  return Plan::Compile(*g, {});
}

TEST(OnnxPatternsTest, AnFp16ModelWithFp32InputsRunsInFp32) {
  // x (fp32) -> Cast fp16 -> Mul by fp16 weights -> Cast fp32, with the input's Cast stored after
  // its reader, as the exporter of a real fp16 segmenter left it.
  OnnxBuilder b;
  const std::string x = b.Input("x", {1, 4});
  const std::string half = b.Node("Cast", {x}, {OnnxAttr::Int("to", 10)}, 1, "to_half");
  const std::string scaled = b.Node("Mul", {half, "w16"}, {}, 1, "scale");
  b.Output(b.Node("Cast", {scaled}, {OnnxAttr::Int("to", 1)}, 1, "to_float"));
  std::string bytes = WithInitializer(b.Serialize(), "w16", onnx::TensorProto::FLOAT16, {1, 4},
                                      {0.5f, -2.0f, 0.25f, 3.0f});
  onnx::ModelProto m;
  ASSERT_TRUE(m.ParseFromString(bytes));
  m.mutable_graph()->mutable_node()->SwapElements(0, 2);  // Cast to fp16 last in the file
  analyzer::Graph g;
  auto plan = Compile(m.SerializeAsString(), &g);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE((*plan)->SetInput(0, std::vector<float>{1.0f, 1.5f, -4.0f, 2.0f}).ok());
  ASSERT_TRUE((*plan)->Run().ok());
  EXPECT_EQ((*plan)->Output(0), (std::vector<float>{0.5f, -3.0f, -1.0f, 6.0f}));
}

TEST(OnnxPatternsTest, DynamicQuantizationRunsOnTheIntegersOnnxDefines) {
  // y = Cast(ConvInteger(q, W, zq, zw)) * (s * ws): what onnxruntime.quantization's
  // quantize_dynamic exports for a 1x1 convolution of 2 -> 3 channels over a 2x3 map.
  OnnxBuilder b;
  const std::string x = b.Input("x", {1, 2, 2, 3});
  b.Node("DynamicQuantizeLinear", {x}, {}, 3, "dql");
  const std::string acc = b.Node("ConvInteger", {"dql_out0", "w", "dql_out2", "zw"}, {}, 1, "conv");
  const std::string real = b.Node("Cast", {acc}, {OnnxAttr::Int("to", 1)}, 1, "cast");
  const std::string scale = b.Node("Mul", {"dql_out1", "ws"}, {}, 1, "scales");
  b.Output(b.Node("Mul", {real, scale}, {}, 1, "out"));
  const std::vector<float> w = {10, 200, 128, 130, 255, 0};  // uint8 [3, 2, 1, 1]
  std::string bytes =
      WithInitializer(b.Serialize(), "w", onnx::TensorProto::UINT8, {3, 2, 1, 1}, w);
  bytes = WithInitializer(bytes, "zw", onnx::TensorProto::UINT8, {}, {128});
  bytes = WithInitializer(bytes, "ws", onnx::TensorProto::FLOAT, {}, {0.02f});
  analyzer::Graph g;
  auto plan = Compile(bytes, &g);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const std::vector<float> in = {-1.0f, 0.3f,  0.7f, 2.0f, -0.2f, 0.05f,
                                 0.9f,  -0.6f, 1.1f, 0.0f, 0.4f,  -1.5f};
  ASSERT_TRUE((*plan)->SetInput(0, in).ok());
  ASSERT_TRUE((*plan)->Run().ok());
  const std::vector<float> got = (*plan)->Output(0);
  // The Cast of the int32 sums to float is no pass of its own: the convolution writes its output.
  bool cast_seen = false;
  for (size_t i = 0; i < (*plan)->num_steps(); ++i) {
    if ((*plan)->step(i).name != "cast") continue;
    cast_seen = true;
    EXPECT_TRUE((*plan)->step(i).noop);
    EXPECT_GE((*plan)->step(i).fused_into, 0);
  }
  EXPECT_TRUE(cast_seen);

  // Reference, as the ONNX operators define it.
  float lo = 0, hi = 0;
  for (float v : in) lo = std::min(lo, v), hi = std::max(hi, v);
  const float s = (hi - lo) / 255.0f;
  const float zq = std::clamp(std::nearbyint(-lo / s), 0.0f, 255.0f);
  std::vector<int32_t> q;
  for (float v : in)
    q.push_back(static_cast<int32_t>(std::clamp(std::nearbyint(v / s) + zq, 0.0f, 255.0f)));
  ASSERT_EQ(got.size(), 3u * 6u);
  for (int oc = 0; oc < 3; ++oc) {
    for (int p = 0; p < 6; ++p) {
      int32_t sum = 0;
      for (int ic = 0; ic < 2; ++ic) {
        sum += (q[static_cast<size_t>(ic * 6 + p)] - static_cast<int32_t>(zq)) *
               (static_cast<int32_t>(w[static_cast<size_t>(oc * 2 + ic)]) - 128);
      }
      const float want = static_cast<float>(sum) * (s * 0.02f);
      EXPECT_NEAR(got[static_cast<size_t>(oc * 6 + p)], want, 1e-6f + 1e-6f * std::abs(want))
          << "channel " << oc << " pixel " << p;
    }
  }
  // Its integers feed only integer operators: read by anything else, the runner refuses by name.
  OnnxBuilder other;
  const std::string x2 = other.Input("x", {1, 4});
  other.Node("DynamicQuantizeLinear", {x2}, {}, 3, "dql");
  other.Output(other.Node("Relu", {"dql_out0"}, {}, 1, "relu"));
  analyzer::Graph g2;
  auto refused = Compile(other.Serialize(), &g2);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("the runner runs them only into ConvInteger"),
            std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace mbench::runner
