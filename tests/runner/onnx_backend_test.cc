// Runs ONNX's backend test suite (Debian libonnx-testdata: node/ and pytorch-converted/) through
// the runner and compares with the expected outputs. Cases whose ops or types the runner does not
// support are skipped with the reason; every case it runs must match. Tolerance: |got - want| <=
// 1e-4 + 1e-3 * |want| (float32 kernels, XNNPACK's approximations of sigmoid and friends).
// Weights the test feeds as graph inputs (a Conv's W) become constants first: the runner, like
// TFLite, takes weights from the model.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "analyzer/model_reader.h"
#include "analyzer/op_cost.h"
#include "runner/plan.h"
#include "tests/testutil/onnx_testdata.h"

namespace mbench::runner {
namespace {

constexpr const char* kRoot = testing::kOnnxTestdataRoot;

struct Tally {
  int passed = 0, failed = 0;
  std::set<std::string> passed_cases;
  std::map<std::string, std::string> skipped_cases;  // case -> reason
  std::map<std::string, int> skipped;                // reason -> count
  std::vector<std::string> failures;
};

void RunCase(const std::filesystem::path& dir, Tally* tally) {
  const std::string name = dir.filename().string();
  if (std::getenv("MBENCH_TRACE_CASES")) std::fprintf(stderr, "case %s\n", name.c_str());
  auto skip = [&](const std::string& why) {
    ++tally->skipped[why];
    tally->skipped_cases[name] = why;
  };
  const auto data = dir / "test_data_set_0";
  if (!std::filesystem::exists(dir / "model.onnx") || !std::filesystem::exists(data)) {
    return skip("no model or test data");
  }
  analyzer::ReadOptions options;
  options.keep_weights = true;
  // Shapes come from the test's own inputs.
  std::vector<std::vector<float>> inputs;
  std::vector<std::string> input_names;
  for (int i = 0;; ++i) {
    auto path = data / ("input_" + std::to_string(i) + ".pb");
    if (!std::filesystem::exists(path)) break;
    std::vector<float> v;
    std::vector<int64_t> dims;
    std::string tname, why;
    bool integral = false;
    if (!testing::ReadTestTensor(path.string(), &v, &dims, &tname, &why, &integral))
      return skip(why);
    if (!tname.empty()) options.input_shapes[tname] = dims;
    if (integral && !tname.empty()) {
      // Integer and bool inputs (an If's condition, a Loop's trip count, indices) are fixed as
      // values when the model is read, as `mbench run --input-value` does.
      options.input_values[tname].assign(v.begin(), v.end());
      continue;
    }
    inputs.push_back(std::move(v));
    input_names.push_back(tname);
  }
  auto model = analyzer::ReadModel((dir / "model.onnx").string(), options);
  if (!model.ok()) return skip("model not readable by the analyzer");
  analyzer::Graph& g = model->graph;
  if (g.inputs.size() != inputs.size()) return skip("input count differs from test data");
  // Inputs in weight slots become constants.
  std::vector<int32_t> remaining;
  std::vector<std::vector<float>> feed;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    int32_t t = g.inputs[i];
    bool weight = false;
    for (const auto& n : g.nodes) {
      const auto& e = analyzer::GetOpCostEntry(n.kind);
      for (size_t s = 1; s < n.inputs.size() && s < 8; ++s) {
        // Weights, buffers (BatchNorm statistics) and configuration inputs (Clip bounds, pads,
        // scales) are constants in deployed models.
        bool config = e.num_data_inputs >= 0 && static_cast<int>(s) >= e.num_data_inputs;
        if (n.inputs[s] == t && (((e.weight_slots | e.buffer_slots) >> s) & 1 || config))
          weight = true;
      }
    }
    if (weight) {
      g.tensors[t].is_constant = true;
      g.tensors[t].weights = std::make_shared<std::vector<float>>(inputs[i]);
      if (inputs[i].size() <= analyzer::TensorInfo::kMaxInlineValues) {
        g.tensors[t].float_values.assign(inputs[i].begin(), inputs[i].end());
        g.tensors[t].has_values = true;
      }
    } else {
      remaining.push_back(t);
      feed.push_back(inputs[i]);
    }
  }
  g.inputs = remaining;
  for (int32_t t : g.outputs) {
    // Older test data stores bfloat16 results as their bit patterns.
    if (g.tensors[t].dtype == analyzer::DType::kBFloat16) return skip("bfloat16 outputs");
  }
  auto plan = Plan::Compile(g, {});
  if (!plan.ok()) {
    std::string msg = plan.status().message();
    if (msg.rfind("layer '", 0) == 0) msg = msg.substr(msg.find("': ") + 3);
    if (plan.status().code() != StatusCode::kUnsupported) msg = "not compiled: " + msg;
    return skip(msg.substr(0, 70));
  }
  for (size_t i = 0; i < feed.size(); ++i) {
    if (!(*plan)->SetInput(i, feed[i]).ok()) return skip("input size mismatch");
  }
  if (!(*plan)->Run().ok()) return skip("run failed");
  for (size_t o = 0; o < (*plan)->num_outputs(); ++o) {
    std::vector<float> want;
    std::vector<int64_t> dims;
    std::string tname, why;
    auto path = data / ("output_" + std::to_string(o) + ".pb");
    if (!testing::ReadTestTensor(path.string(), &want, &dims, &tname, &why)) return skip(why);
    auto got = (*plan)->Output(o);
    if (got.size() != want.size()) {
      ++tally->failed;
      tally->failures.push_back(name + ": output size " + std::to_string(got.size()) + " vs " +
                                std::to_string(want.size()));
      return;
    }
    for (size_t i = 0; i < got.size(); ++i) {
      float tol = 1e-4f + 1e-3f * std::abs(want[i]);
      if (!(std::abs(got[i] - want[i]) <= tol) && !(std::isnan(got[i]) && std::isnan(want[i]))) {
        ++tally->failed;
        tally->failures.push_back(name + ": output " + std::to_string(o) + "[" + std::to_string(i) +
                                  "] " + std::to_string(got[i]) + " vs " + std::to_string(want[i]));
        return;
      }
    }
  }
  ++tally->passed;
  tally->passed_cases.insert(name);
}

TEST(OnnxBackendTest, RunnerMatchesExpectedOutputsOnEverySupportedCase) {
  if (!std::filesystem::exists(kRoot)) GTEST_SKIP() << kRoot << " missing";
  Tally tally;
  for (const char* suite : {"node", "pytorch-converted"}) {
    std::vector<std::filesystem::path> cases;
    for (const auto& e : std::filesystem::directory_iterator(std::string(kRoot) + "/" + suite)) {
      cases.push_back(e.path());
    }
    std::sort(cases.begin(), cases.end());
    for (const auto& c : cases) RunCase(c, &tally);
  }
  int skipped = 0;
  for (const auto& [why, n] : tally.skipped) skipped += n;
  std::printf("ONNX backend suite: %d passed, %d failed, %d skipped\n", tally.passed, tally.failed,
              skipped);
  std::vector<std::pair<int, std::string>> reasons;
  for (const auto& [why, n] : tally.skipped) reasons.emplace_back(n, why);
  std::sort(reasons.rbegin(), reasons.rend());
  for (size_t i = 0; i < reasons.size() && i < 25; ++i) {
    std::printf("  skipped %4d: %s\n", reasons[i].first, reasons[i].second.c_str());
  }
  for (const auto& f : tally.failures) std::printf("  FAILED %s\n", f.c_str());
  EXPECT_EQ(tally.failed, 0);
  EXPECT_GT(tally.passed, 300);
  if (const char* list = std::getenv("MBENCH_LIST_CASES")) {
    // MBENCH_LIST_CASES=1: every case with its outcome, for docs/runner.md's table.
    for (const auto& c : tally.passed_cases) std::printf("passed\t%s\n", c.c_str());
    for (const auto& [c, why] : tally.skipped_cases)
      std::printf("skipped\t%s\t%s\n", c.c_str(), why.c_str());
    (void)list;
  }
  // What the runner claims for control flow, recurrent layers, casts, quantization and padding
  // modes: these cases must run and match.
  for (const char* must : {"test_if",
                           "test_loop11",
                           "test_scan9_sum",
                           "test_lstm_defaults",
                           "test_lstm_with_initial_bias",
                           "test_lstm_with_peepholes",
                           "test_lstm_batchwise",
                           "test_gru_defaults",
                           "test_gru_with_initial_bias",
                           "test_gru_seq_length",
                           "test_gru_batchwise",
                           "test_rnn_seq_length",
                           "test_simple_rnn_defaults",
                           "test_simple_rnn_with_initial_bias",
                           "test_simple_rnn_batchwise",
                           "test_cast_FLOAT_to_FLOAT16",
                           "test_cast_FLOAT16_to_FLOAT",
                           "test_cast_DOUBLE_to_FLOAT",
                           "test_reflect_pad",
                           "test_edge_pad",
                           "test_quantizelinear",
                           "test_dequantizelinear"}) {
    EXPECT_TRUE(tally.passed_cases.count(must))
        << must << ": " << (tally.skipped_cases.count(must) ? tally.skipped_cases[must] : "failed");
  }
}

}  // namespace
}  // namespace mbench::runner
