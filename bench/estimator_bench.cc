// Throughput of latency prediction once a model is analyzed: what architecture search pays per
// candidate. The model is a 100-layer network (MobileNetV2 at width 1.0 with BatchNorm folded:
// conv, activation, add, pool and classifier layers), predicted on every target of every
// shipped profile. Reported as items_per_second = model predictions per second on one core.
#include <benchmark/benchmark.h>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "device_profiles/profile.h"
#include "estimator/estimator.h"
#include "tests/testutil/testutil.h"

namespace {

using namespace mbench;

struct Fixture {
  analyzer::LoadedModel model;
  analyzer::ModelAnalysis analysis;
  estimator::ModelFeatures features;
  std::vector<profiles::DeviceProfile> devices;
  int layers = 0;
  int targets = 0;

  Fixture() {
    analyzer::ReadOptions o;
    o.zoo.fold_bn = true;
    model = *analyzer::ReadModel("zoo:mobilenet_v2", o);
    analysis = *analyzer::Analyze(model.graph);
    features = estimator::PrepareModel(model.graph, analysis);
    devices = *profiles::LoadProfileDir(testing::SourceDir() + "/device_profiles");
    layers = static_cast<int>(model.graph.nodes.size());
    for (const auto& d : devices) targets += static_cast<int>(d.targets.size());
  }
};

const Fixture& Get() {
  static Fixture f;
  return f;
}

// The inner loop of a search: kernel features at each precision and every target's rates are
// prepared once; one prediction is one pass over the kernels.
void BM_PredictAllTargets(benchmark::State& state) {
  const Fixture& f = Get();
  std::vector<std::vector<estimator::KernelFeatures>> at(5);
  for (int bpe : {1, 2, 4}) at[bpe] = estimator::FeaturesAt(f.features, bpe);
  std::vector<std::pair<const std::vector<estimator::KernelFeatures>*, estimator::RateParams>> jobs;
  for (const auto& d : f.devices) {
    for (const auto& t : d.targets) {
      jobs.emplace_back(
          &at[estimator::BytesPerElement(t.precision)],
          estimator::ToRates(t.params, estimator::SeparateActivations(t.compute_unit, t.runtime)));
    }
  }
  double sink = 0;
  for (auto _ : state) {
    for (const auto& [k, r] : jobs) sink += estimator::PredictSeconds(*k, r);
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(jobs.size()));
  state.counters["layers"] = f.layers;
  state.counters["kernels"] = static_cast<double>(f.features.plan.kernels.size());
  state.counters["targets"] = static_cast<double>(jobs.size());
}
BENCHMARK(BM_PredictAllTargets);

// The full report path: Predict() with target selection, fallback checks, intervals, energy
// and the heaviest kernels, on every device's default CPU target.
void BM_PredictReport(benchmark::State& state) {
  const Fixture& f = Get();
  int64_t n = 0;
  for (auto _ : state) {
    for (const auto& d : f.devices) {
      auto p = estimator::Predict(f.features, d, {});
      benchmark::DoNotOptimize(p);
      ++n;
    }
  }
  state.SetItemsProcessed(n);
}
BENCHMARK(BM_PredictReport);

// Grouping layers into kernels: paid once per candidate model, after the analysis.
void BM_PrepareModel(benchmark::State& state) {
  const Fixture& f = Get();
  for (auto _ : state) {
    auto m = estimator::PrepareModel(f.model.graph, f.analysis);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrepareModel);

}  // namespace

BENCHMARK_MAIN();
