// Walks every model of ONNX's backend test suite (Debian libonnx-testdata): each must either be
// analyzed or rejected with an error naming the file. A crash fails the whole binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"

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

}  // namespace
}  // namespace mbench::analyzer
