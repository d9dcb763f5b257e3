// Test helper: analyze an OnnxBuilder model in memory and find layers by op.
#ifndef MBENCH_TESTS_ANALYZER_ANALYZER_TEST_UTIL_H_
#define MBENCH_TESTS_ANALYZER_ANALYZER_TEST_UTIL_H_

#include <gtest/gtest.h>

#include "analyzer/analysis.h"
#include "analyzer/onnx_reader.h"
#include "tests/testutil/onnx_builder.h"

namespace mbench::testing {

struct Analyzed {
  analyzer::Graph graph;
  analyzer::ModelAnalysis analysis;
  const analyzer::LayerAnalysis& Layer(size_t i) const { return analysis.layers.at(i); }
};

inline Analyzed AnalyzeOnnx(const OnnxBuilder& b, const analyzer::ReadOptions& options = {}) {
  Analyzed out;
  auto graph = analyzer::ReadOnnxModel("test.onnx", b.Serialize(), options);
  EXPECT_TRUE(graph.ok()) << graph.status().ToString();
  if (!graph.ok()) return out;
  out.graph = std::move(graph).value();
  auto analysis = analyzer::Analyze(out.graph);
  EXPECT_TRUE(analysis.ok()) << analysis.status().ToString();
  if (analysis.ok()) out.analysis = std::move(analysis).value();
  return out;
}

}  // namespace mbench::testing

#endif  // MBENCH_TESTS_ANALYZER_ANALYZER_TEST_UTIL_H_
