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
#include <sstream>

#include "analyzer/model_reader.h"
#include "analyzer/op_cost.h"
#include "runner/plan.h"

namespace mbench::runner {
namespace {

constexpr const char* kRoot = "/usr/share/libonnx-testdata/data";

bool ReadTensor(const std::string& path, std::vector<float>* values, std::vector<int64_t>* dims,
                std::string* name, std::string* why) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  onnx::TensorProto p;
  if (!p.ParseFromString(ss.str())) {
    *why = "unreadable tensor file";
    return false;
  }
  *name = p.name();
  dims->assign(p.dims().begin(), p.dims().end());
  int64_t n = 1;
  for (int64_t d : *dims) {
    if (d < 0 || (d > 0 && n > (int64_t{1} << 32) / d)) {
      *why = "tensor too large or negative dims";
      return false;
    }
    n *= d;
  }
  values->clear();
  if (p.data_type() != onnx::TensorProto::FLOAT) {
    *why = "non-float32 tensor";
    return false;
  }
  if (p.has_raw_data()) {
    if (p.raw_data().size() != static_cast<size_t>(n) * 4) {
      *why = "raw data size";
      return false;
    }
    values->resize(static_cast<size_t>(n));
    if (n > 0) std::memcpy(values->data(), p.raw_data().data(), p.raw_data().size());
  } else {
    values->assign(p.float_data().begin(), p.float_data().end());
  }
  if (static_cast<int64_t>(values->size()) != n) {
    *why = "tensor data does not fill its dims";
    return false;
  }
  return true;
}

struct Tally {
  int passed = 0, failed = 0;
  std::map<std::string, int> skipped;  // reason -> count
  std::vector<std::string> failures;
};

void RunCase(const std::filesystem::path& dir, Tally* tally) {
  const std::string name = dir.filename().string();
  if (std::getenv("MBENCH_TRACE_CASES")) std::fprintf(stderr, "case %s\n", name.c_str());
  auto skip = [&](const std::string& why) { ++tally->skipped[why]; };
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
    if (!ReadTensor(path.string(), &v, &dims, &tname, &why)) return skip(why);
    inputs.push_back(std::move(v));
    input_names.push_back(tname);
    if (!tname.empty()) options.input_shapes[tname] = dims;
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
    if (!ReadTensor(path.string(), &want, &dims, &tname, &why)) return skip(why);
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
  EXPECT_GT(tally.passed, 100);
}

}  // namespace
}  // namespace mbench::runner
