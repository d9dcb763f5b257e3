// int8 plans on hand-built int8- and uint8-quantized TFLite models (the npm models are all float):
// QUANTIZE, CONV_2D with per-channel weight scales and fused ReLU, DEPTHWISE_CONV_2D with ReLU6 and
// stride 2, a 1x1 CONV_2D with one weight scale, ADD, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED,
// DEQUANTIZE. The int8 plan runs every layer between QUANTIZE and DEQUANTIZE on int8 values
// and must agree with the fp32 plan of the same model (dequantized weights) to within the
// rounding an int8 network accumulates.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analyzer/tflite_reader.h"
#include "analyzer/tflite_schema_generated.h"
#include "runner/plan.h"

namespace mbench::runner {
namespace {

namespace fb = ::mbench::tflite_fb;

class QuantModel {
 public:
  // A tensor; `scales` empty for float, one for per-tensor, several for per-channel (axis).
  int32_t Tensor(std::vector<int32_t> shape, int8_t type, const std::string& name,
                 std::vector<float> scales = {}, std::vector<int64_t> zeros = {}, int axis = 0,
                 std::vector<uint8_t> data = {}) {
    uint32_t buffer = 0;
    if (!data.empty()) {
      buffers_.push_back(fb::CreateBufferDirect(b_, &data));
      buffer = static_cast<uint32_t>(buffers_.size() - 1);
    }
    flatbuffers::Offset<fb::QuantizationParameters> q = 0;
    if (!scales.empty()) {
      if (zeros.empty()) zeros.assign(scales.size(), 0);
      q = fb::CreateQuantizationParametersDirect(b_, nullptr, nullptr, &scales, &zeros, axis);
    }
    tensors_.push_back(fb::CreateTensorDirect(b_, &shape, type, buffer, name.c_str(), q));
    return static_cast<int32_t>(tensors_.size() - 1);
  }
  // Random int8 weights [dims], per-channel scales along `axis` (or one scale).
  // `unsigned8`: uint8 stored with zero point 128 (same real values).
  int32_t Weights(std::vector<int32_t> shape, std::vector<float> scales, int axis, uint64_t seed,
                  bool unsigned8 = false) {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> u(-100, 100);
    std::vector<uint8_t> data(static_cast<size_t>(n));
    for (auto& v : data) {
      v = unsigned8 ? static_cast<uint8_t>(u(rng) + 128)
                    : static_cast<uint8_t>(static_cast<int8_t>(u(rng)));
    }
    std::vector<int64_t> zeros(scales.size(), unsigned8 ? 128 : 0);
    return Tensor(std::move(shape), unsigned8 ? 3 : 9, "w" + std::to_string(seed),
                  std::move(scales), std::move(zeros), axis, data);
  }
  int32_t Bias(int32_t count, std::vector<float> scales, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int32_t> u(-2000, 2000);
    std::vector<uint8_t> data(static_cast<size_t>(count) * 4);
    for (int32_t i = 0; i < count; ++i) {
      int32_t v = u(rng);
      std::memcpy(&data[static_cast<size_t>(i) * 4], &v, 4);
    }
    return Tensor({count}, 2, "b" + std::to_string(seed), std::move(scales), {}, 0, data);
  }
  // An options table of int fields (field id -> value; int8 fields marked by `bytes`).
  flatbuffers::Offset<fb::AnyOptions> Options(std::vector<std::pair<int, int32_t>> ints,
                                              std::vector<std::pair<int, int8_t>> bytes) {
    auto start = b_.StartTable();
    for (auto [id, v] : ints)
      b_.AddElement<int32_t>(static_cast<flatbuffers::voffset_t>(4 + 2 * id), v, 0);
    for (auto [id, v] : bytes)
      b_.AddElement<int8_t>(static_cast<flatbuffers::voffset_t>(4 + 2 * id), v, 0);
    return flatbuffers::Offset<fb::AnyOptions>(b_.EndTable(start));
  }
  void Op(int32_t builtin, std::vector<int32_t> in, std::vector<int32_t> out,
          uint8_t options_type = 0, flatbuffers::Offset<fb::AnyOptions> options = 0) {
    uint32_t index = 0;
    for (; index < codes_used_.size() && codes_used_[index] != builtin; ++index) {
    }
    if (index == codes_used_.size()) {
      codes_used_.push_back(builtin);
      codes_.push_back(fb::CreateOperatorCodeDirect(b_, static_cast<int8_t>(std::min(builtin, 127)),
                                                    nullptr, 1, builtin));
    }
    ops_.push_back(fb::CreateOperatorDirect(b_, index, &in, &out, options_type, options));
  }
  std::string Finish(std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
    std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs = {
        fb::CreateSubGraphDirect(b_, &tensors_, &inputs, &outputs, &ops_, "main")};
    b_.Finish(fb::CreateModelDirect(b_, 3, &codes_, &subgraphs, "int8 test", &buffers_), "TFL3");
    return std::string(reinterpret_cast<const char*>(b_.GetBufferPointer()), b_.GetSize());
  }
  QuantModel() { buffers_.push_back(fb::CreateBufferDirect(b_)); }

 private:
  flatbuffers::FlatBufferBuilder b_;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers_;
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors_;
  std::vector<flatbuffers::Offset<fb::Operator>> ops_;
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes_;
  std::vector<int32_t> codes_used_;
};

// int8 (per-channel weight scales where TFLite uses them) or uint8 (older models: one weight
// scale, zero points shifted by 128).
std::string BuildInt8Model(bool unsigned8 = false) {
  QuantModel m;
  const int8_t q = unsigned8 ? 3 : 9;
  const int64_t shift = unsigned8 ? 128 : 0;
  auto per_channel = [&](std::vector<float> s) { return unsigned8 ? std::vector<float>{s[0]} : s; };
  const float sx = 1.0f / 64;
  auto x = m.Tensor({1, 8, 8, 3}, 0, "x");
  auto xq = m.Tensor({1, 8, 8, 3}, q, "xq", {sx}, {-3 + shift});
  m.Op(114, {x}, {xq});
  // 3x3 conv, 8 outputs, per-channel weight scales, fused ReLU.
  std::vector<float> ws1(8);
  for (int i = 0; i < 8; ++i) ws1[i] = 0.002f * (1 + i);
  ws1 = per_channel(ws1);
  std::vector<float> bs1(ws1.size());
  for (size_t i = 0; i < ws1.size(); ++i) bs1[i] = sx * ws1[i];
  auto w1 = m.Weights({8, 3, 3, 3}, ws1, 0, 1, unsigned8);
  auto b1 = m.Bias(8, bs1, 2);
  auto c1 = m.Tensor({1, 8, 8, 8}, q, "c1", {0.1f}, {-128 + shift});
  m.Op(3, {xq, w1, b1}, {c1}, 1, m.Options({{1, 1}, {2, 1}}, {{0, 0}, {3, 1}}));
  // 3x3 depthwise, stride 2, ReLU6.
  std::vector<float> ws2(8);
  for (int i = 0; i < 8; ++i) ws2[i] = 0.004f * (8 - i);
  ws2 = per_channel(ws2);
  std::vector<float> bs2(ws2.size());
  for (size_t i = 0; i < ws2.size(); ++i) bs2[i] = 0.1f * ws2[i];
  auto w2 = m.Weights({1, 3, 3, 8}, ws2, 3, 3, unsigned8);
  auto b2 = m.Bias(8, bs2, 4);
  auto d1 = m.Tensor({1, 4, 4, 8}, q, "d1", {6.0f / 255}, {-128 + shift});
  m.Op(4, {c1, w2, b2}, {d1}, 2, m.Options({{1, 2}, {2, 2}, {3, 1}}, {{0, 0}, {4, 3}}));
  // 1x1 conv, one weight scale, no activation.
  auto w3 = m.Weights({8, 1, 1, 8}, {0.01f}, 0, 5, unsigned8);
  auto b3 = m.Bias(8, {6.0f / 255 * 0.01f}, 6);
  auto c2 = m.Tensor({1, 4, 4, 8}, q, "c2", {0.2f}, {4 + shift});
  m.Op(3, {d1, w3, b3}, {c2}, 1, m.Options({{1, 1}, {2, 1}}, {{0, 0}}));
  auto a = m.Tensor({1, 4, 4, 8}, q, "a", {0.25f}, {-10 + shift});
  m.Op(0, {d1, c2}, {a}, 11, m.Options({}, {}));
  auto p = m.Tensor({1, 2, 2, 8}, q, "p", {0.25f}, {-10 + shift});
  m.Op(17, {a}, {p}, 5, m.Options({{1, 2}, {2, 2}, {3, 2}, {4, 2}}, {{0, 1}}));
  auto r = m.Tensor({1, 32}, q, "r", {0.25f}, {-10 + shift});
  m.Op(22, {p}, {r});
  auto w4 = m.Weights({5, 32}, {0.005f}, 0, 7, unsigned8);
  auto b4 = m.Bias(5, {0.25f * 0.005f}, 8);
  auto f = m.Tensor({1, 5}, q, "f", {0.5f}, {3 + shift});
  m.Op(9, {r, w4, b4}, {f}, 8, m.Options({}, {}));
  auto y = m.Tensor({1, 5}, 0, "y");
  m.Op(6, {f}, {y});
  // A second output: LOGISTIC on the int8 logits (TFLite's fixed output grid 1/256).
  auto sg = m.Tensor({1, 5}, q, "sg", {1.0f / 256}, {-128 + shift});
  m.Op(14, {f}, {sg});
  auto y2 = m.Tensor({1, 5}, 0, "y2");
  m.Op(6, {sg}, {y2});
  return m.Finish({x}, {y, y2});
}

class Int8Test : public ::testing::TestWithParam<bool> {};

TEST_P(Int8Test, QuantizedTfliteRunsOnInt8ValuesAndAgreesWithFp32) {
  analyzer::ReadOptions ro;
  ro.keep_weights = true;
  auto g = analyzer::ReadTfliteModel("int8.tflite", BuildInt8Model(GetParam()), ro);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  std::vector<float> input(8 * 8 * 3);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<float> u(-1.5f, 1.5f);
  for (auto& v : input) v = u(rng);

  auto run = [&](const std::string& precision, std::unique_ptr<Plan>* keep) {
    PlanOptions o;
    o.precision = precision;
    auto plan = Plan::Compile(*g, o);
    EXPECT_TRUE(plan.ok()) << precision << ": " << plan.status().ToString();
    if (!plan.ok()) return std::vector<float>{};
    EXPECT_TRUE((*plan)->SetInput(0, input).ok());
    EXPECT_TRUE((*plan)->Run().ok());
    auto out = (*plan)->Output(0);
    *keep = std::move(*plan);
    return out;
  };
  std::unique_ptr<Plan> fp32, int8;
  const auto want = run("fp32", &fp32);
  const auto got = run("int8", &int8);
  ASSERT_EQ(got.size(), 5u);
  ASSERT_EQ(want.size(), 5u);
  float range = 0.0f;
  for (size_t i = 0; i < 5; ++i) {
    range = std::max(range, std::abs(want[i]));
    // Each int8 layer rounds to its own grid (scales chosen so nothing saturates): within
    // two steps of the output's grid (0.5) after five layers; a wrong zero point, scale or
    // weight order is off by tens.
    EXPECT_NEAR(got[i], want[i], 1.0f) << i;
    std::printf("output %zu: int8 %.3f fp32 %.3f\n", i, got[i], want[i]);
  }
  EXPECT_GT(range, 10.0f);  // the comparison means something
  // The int8 sigmoid of the int8 logits, to within two steps of its 1/256 grid.
  const auto gate = int8->Output(1);
  ASSERT_EQ(gate.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(gate[i], 1.0f / (1.0f + std::exp(-got[i])), 2.0f / 256) << i;
  }
  int int8_steps = 0;
  for (size_t i = 0; i < int8->num_steps(); ++i) {
    const StepInfo& st = int8->step(i);
    int8_steps += st.int8;
    if (st.kind != analyzer::OpKind::kQuantize && st.kind != analyzer::OpKind::kDequantize) {
      EXPECT_TRUE(st.int8) << st.name;
      EXPECT_EQ(st.conversions, 0) << st.name;
    }
  }
  // quantize, three convolutions, add, pool, reshape, fully connected, sigmoid
  EXPECT_EQ(int8_steps, 9);
  // Activations take one byte each between QUANTIZE and DEQUANTIZE.
  EXPECT_LT(int8->arena_bytes(), fp32->arena_bytes());
}

TEST_P(Int8Test, QuantizedTfliteAlsoRunsInFp16) {
  // fp16 layers write fp16 where the file says int8; DEQUANTIZE then reads an fp32 copy.
  analyzer::ReadOptions ro;
  ro.keep_weights = true;
  auto g = analyzer::ReadTfliteModel("int8.tflite", BuildInt8Model(GetParam()), ro);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  PlanOptions o;
  o.precision = "fp16";
  auto plan = Plan::Compile(*g, o);
  if (!plan.ok() && plan.status().message().find("fp16 kernels") != std::string::npos) {
    GTEST_SKIP() << plan.status().ToString();
  }
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto fp32 = Plan::Compile(*g, {});
  ASSERT_TRUE(fp32.ok());
  (*plan)->FillInputs(5);
  (*fp32)->FillInputs(5);
  ASSERT_TRUE((*plan)->Run().ok());
  ASSERT_TRUE((*fp32)->Run().ok());
  for (size_t i = 0; i < (*plan)->num_outputs(); ++i) {
    const auto got = (*plan)->Output(i), want = (*fp32)->Output(i);
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_NEAR(got[k], want[k], 0.02f * (1.0f + std::abs(want[k])))
          << "output " << i << " at " << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Int8AndUint8, Int8Test, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "uint8" : "int8";
                         });

TEST(Int8PlanTest, Int8NeedsAQuantizedModel) {
  analyzer::ReadOptions ro;
  auto m = analyzer::ReadTfliteModel("int8.tflite", BuildInt8Model(), ro);
  ASSERT_TRUE(m.ok());
  PlanOptions o;
  o.precision = "int8";
  // The same graph with its tensors made float.
  analyzer::Graph g = *m;
  for (auto& t : g.tensors) {
    if (t.dtype == analyzer::DType::kInt8 && !t.is_constant) t.dtype = analyzer::DType::kFloat32;
  }
  auto plan = Plan::Compile(g, o);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(plan.status().message().find("has none"), std::string::npos)
      << plan.status().ToString();
}

}  // namespace
}  // namespace mbench::runner
