// Walks every model of ONNX's backend test suite (Debian libonnx-testdata): each must either be
// analyzed or rejected with an error naming the file. A crash fails the whole binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "tests/testutil/onnx_testdata.h"

namespace mbench::analyzer {
namespace {

constexpr const char* kRoot = "/usr/share/libonnx-testdata/data";

TEST(OnnxTestdataTest, EveryBackendModelIsAnalyzedOrRejectedClearly) {
  if (!std::filesystem::exists(kRoot)) {
    GTEST_SKIP() << kRoot << " missing: install Debian's libonnx-testdata";
  }
  std::map<std::string, int> analyzed, complete, rejected;
  std::map<std::string, int> reasons;
  for (const char* suite : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    std::filesystem::path dir = std::filesystem::path(kRoot) / suite;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.path().extension() != ".onnx") continue;
      std::string path = entry.path().string();
      auto model = ReadModel(path, {});
      if (!model.ok()) {
        ++rejected[suite];
        EXPECT_EQ(model.status().message().rfind(path, 0), 0u) << model.status().message();
        EXPECT_EQ(model.status().message().find('\n'), std::string::npos);
        ++reasons[StatusCodeName(model.status().code())];
        continue;
      }
      auto a = Analyze(model->graph);
      if (!a.ok()) {
        ++rejected[suite];
        ++reasons[StatusCodeName(a.status().code())];
        continue;
      }
      ++analyzed[suite];
      if (a->totals.complete) ++complete[suite];
    }
  }
  int total = 0;
  for (const auto& [suite, n] : analyzed) {
    std::printf("%-18s analyzed=%d (complete=%d) rejected=%d\n", suite.c_str(), n, complete[suite],
                rejected[suite]);
    total += n;
  }
  for (const auto& [reason, n] : reasons) std::printf("  rejected as %s: %d\n", reason.c_str(), n);
  EXPECT_GT(total, 900);
  // Incomplete node models are training ops, losses, sequences, strings and signal processing
  // (Adam, SoftmaxCrossEntropyLoss, SequenceMap, DFT, ...): reported as unknown, never zero.
  // Everything a mobile network uses analyzes completely; keep that share from regressing.
  EXPECT_GT(complete["node"], analyzed["node"] * 8 / 10);
  EXPECT_EQ(complete["pytorch-converted"], analyzed["pytorch-converted"]);
  EXPECT_EQ(complete["pytorch-operator"], analyzed["pytorch-operator"]);
}

// Read as the suite's own inputs fix them (their shapes; integer and bool inputs as values, as
// `--input-value` does), every node and converted-PyTorch case an inference engine runs is
// counted completely, or listed with the reason. The reasons are ops mobile networks do not use
// (training, losses, sequences, strings, signal processing, random numbers); each group is
// checked against that list, so a new gap in an ordinary op fails the test.
TEST(OnnxTestdataTest, EveryCaseReadWithItsInputsIsCountedCompletely) {
  if (!std::filesystem::exists(kRoot)) GTEST_SKIP() << kRoot << " missing";
  std::map<std::string, std::vector<std::string>> incomplete;  // unknown op types -> cases
  int complete = 0, total = 0;
  for (const char* suite : {"node", "pytorch-converted"}) {
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::path(kRoot) / suite)) {
      const auto model = entry.path() / "model.onnx";
      if (!std::filesystem::exists(model)) continue;
      ReadOptions options;
      bool readable = true;
      for (int i = 0;; ++i) {
        const auto in = entry.path() / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb");
        if (!std::filesystem::exists(in)) break;
        std::vector<float> v;
        std::vector<int64_t> dims;
        std::string name, why;
        bool integral = false;
        if (!testing::ReadTestTensor(in.string(), &v, &dims, &name, &why, &integral)) {
          readable = false;  // string or bfloat16 data: not a case a mobile runtime sees
          break;
        }
        if (name.empty()) continue;
        options.input_shapes[name] = dims;
        if (integral) options.input_values[name].assign(v.begin(), v.end());
      }
      if (!readable) continue;
      auto g = ReadModel(model.string(), options);
      if (!g.ok()) continue;  // rejected with a one-line error: the test above checks that
      auto a = Analyze(g->graph);
      if (!a.ok()) continue;
      ++total;
      if (a->totals.complete) {
        ++complete;
        continue;
      }
      std::string why;
      for (const auto& t : a->totals.unknown_op_types) why += (why.empty() ? "" : ",") + t;
      if (why.empty()) why = "unresolved shapes";
      incomplete[why].push_back(entry.path().filename().string());
    }
  }
  std::printf("read with their inputs: %d of %d counted completely\n", complete, total);
  // Op types whose work mbench does not count (docs/counting.md): training, losses, sequences
  // and optionals, text, signal processing, and a few ops no mobile network here uses.
  const std::vector<std::string> kNotCounted = {"ai.onnx.preview.training",
                                                "SoftmaxCrossEntropyLoss",
                                                "NegativeLogLikelihoodLoss",
                                                "Sequence",
                                                "Optional",
                                                "TfIdfVectorizer",
                                                "DFT",
                                                "STFT",
                                                "MelWeightMatrix",
                                                "Window",
                                                "Unique",
                                                "Det",
                                                "GridSample",
                                                "Shrink"};
  // Cases incomplete for another reason, each with it.
  const std::map<std::string, std::string> kKnownCases = {
      {"test_scan_sum", "opset 8's Scan (with a batch axis) is not unrolled"},
      {"test_range_float_type_positive_delta_expanded",
       "its Loop's trip count comes from float inputs, fed at run time"},
      {"test_einsum_batch_diagonal", "einsum with a repeated index (a diagonal)"},
      {"test_hannwindow_expanded", "signal processing"},
      {"test_hannwindow_symmetric_expanded", "signal processing"},
      {"test_hammingwindow_expanded", "signal processing"},
      {"test_hammingwindow_symmetric_expanded", "signal processing"},
      {"test_blackmanwindow_expanded", "signal processing"},
      {"test_blackmanwindow_symmetric_expanded", "signal processing"}};
  for (const auto& [why, cases] : incomplete) {
    std::string list;
    const size_t shown = std::getenv("MBENCH_LIST_CASES") ? cases.size() : 4;
    for (size_t i = 0; i < cases.size() && i < shown; ++i) list += (i ? ", " : "") + cases[i];
    std::printf("  %3zu incomplete (%s): %s%s\n", cases.size(), why.c_str(), list.c_str(),
                cases.size() > shown ? ", ..." : "");
    const bool not_counted =
        std::any_of(kNotCounted.begin(), kNotCounted.end(),
                    [&](const auto& k) { return why.find(k) != std::string::npos; });
    if (not_counted) continue;
    for (const auto& c : cases) EXPECT_TRUE(kKnownCases.count(c)) << c << ": " << why;
  }
  EXPECT_GT(complete, total * 85 / 100);
}

}  // namespace
}  // namespace mbench::analyzer
