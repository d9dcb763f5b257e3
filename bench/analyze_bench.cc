// Throughput of `analyze` (read + parse + shape inference + convert + count) on generated
// models: one with ~100 MB of weights and one with 1,000 layers. Each benchmark also reports
// `ratio_to_read`: its time over the time to merely read the same file into memory (the floor),
// measured in the same process just before.
#include <benchmark/benchmark.h>

#include <chrono>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "core/env.h"
#include "tests/testutil/onnx_builder.h"
#include "tests/testutil/testutil.h"

namespace {

using mbench::testing::OnnxAttr;
using mbench::testing::OnnxBuilder;

// 24 fully connected layers of 1024x1024 float32 weights plus biases: 100.7 MB of weights.
std::string BigWeightsModel(const std::string& dir) {
  OnnxBuilder b;
  std::string x = b.Input("x", {1, 1024});
  for (int i = 0; i < 24; ++i) {
    auto w = b.Weight("w" + std::to_string(i), {1024, 1024});
    auto bias = b.Weight("b" + std::to_string(i), {1024});
    x = b.Node("Gemm", {x, w, bias}, {OnnxAttr::Int("transB", 1)});
    x = b.Node("Relu", {x});
  }
  b.Output(x);
  return b.WriteTo(dir, "big_weights.onnx");
}

// 500 conv + 500 relu layers on a 1x32x56x56 activation.
std::string ThousandLayerModel(const std::string& dir) {
  OnnxBuilder b;
  std::string x = b.Input("x", {1, 32, 56, 56});
  for (int i = 0; i < 500; ++i) {
    auto w = b.Weight("w" + std::to_string(i), {32, 32, 1, 1});
    x = b.Node("Conv", {x, w});
    x = b.Node("Relu", {x});
  }
  b.Output(x);
  return b.WriteTo(dir, "thousand_layers.onnx");
}

double ReadFloorSecs(const std::string& path, int reps) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) {
    auto bytes = mbench::ReadFileToString(path);
    benchmark::DoNotOptimize(bytes);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / reps;
}

void RunAnalyze(benchmark::State& state, const std::string& path) {
  double floor_secs = ReadFloorSecs(path, 5);
  double total_secs = 0;
  int64_t iterations = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto model = mbench::analyzer::ReadModel(path, {});
    if (!model.ok()) {
      state.SkipWithError(model.status().ToString().c_str());
      return;
    }
    auto analysis = mbench::analyzer::Analyze(model->graph);
    benchmark::DoNotOptimize(analysis);
    total_secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++iterations;
  }
  auto size = mbench::FileSizeBytes(path);
  state.counters["file_MB"] = static_cast<double>(size.ok() ? *size : 0) / 1e6;
  state.counters["read_floor_ms"] = floor_secs * 1e3;
  state.counters["ratio_to_read"] = (total_secs / iterations) / floor_secs;
}

void BM_AnalyzeBigWeights(benchmark::State& state) {
  static mbench::testing::TempDir dir;
  static std::string path = BigWeightsModel(dir.path());
  RunAnalyze(state, path);
}
BENCHMARK(BM_AnalyzeBigWeights)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_AnalyzeThousandLayers(benchmark::State& state) {
  static mbench::testing::TempDir dir;
  static std::string path = ThousandLayerModel(dir.path());
  RunAnalyze(state, path);
}
BENCHMARK(BM_AnalyzeThousandLayers)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
