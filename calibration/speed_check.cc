#include "calibration/speed_check.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>

#include "analyzer/model_ref.h"
#include "runner/measure.h"
#include "runner/plan.h"

namespace mbench::calibration {
namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

std::string SpeedCheck::Note(int threads) const {
  auto it = ratio.find(threads);
  if (it == ratio.end()) return "";
  const double r = it->second;
  const auto [lo, hi] = range.at(threads);
  char buf[320];
  std::snprintf(buf, sizeof(buf),
                "speed check: this host runs %.2fx %s at %d thread%s than when calibrated (%s; "
                "%d models, %.2f-%.2fx; %.1f s); prediction rescaled",
                r >= 1 ? r : 1 / r, r >= 1 ? "slower" : "faster", threads, threads == 1 ? "" : "s",
                calibrated_at.c_str(), models, lo, hi, secs);
  return buf;
}

StatusOr<SpeedCheck> CheckHostSpeed(db::Database& results, const std::string& device_id,
                                    int max_models,
                                    const std::function<void(const std::string&)>& log) {
  const auto t0 = std::chrono::steady_clock::now();
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::StoredRun> runs, results.RunsOfDevice(device_id));
  // The newest calibrate run of each whole model (not a probe) at each thread count.
  std::map<std::pair<std::string, int>, const db::StoredRun*> newest;
  std::vector<std::string> order;  // models, first measured first
  for (const auto& r : runs) {
    // Probes are files named probe_*; whole models are what the check times.
    const bool probe =
        std::filesystem::path(r.model.ref).filename().string().rfind("probe_", 0) == 0;
    if (r.run.source != "mbench calibrate" || probe || r.run.p50_ms <= 0) continue;
    const std::string& key = r.model.key;
    if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
    newest[{key, static_cast<int>(r.run.threads)}] = &r;  // runs come oldest first
  }
  if (newest.empty()) {
    return Status::NotFound(results.location() + ": no `mbench calibrate` runs of whole models " +
                            "for " + device_id + " to check the host's speed against (run " +
                            "mbench calibrate --db " + results.location() + ")");
  }
  if (static_cast<int>(order.size()) > max_models) order.resize(static_cast<size_t>(max_models));
  SpeedCheck out;
  out.device_id = device_id;
  std::map<int, std::vector<double>> ratios;
  for (const std::string& key : order) {
    const db::StoredRun* any = nullptr;
    for (const auto& [k, r] : newest) any = k.first == key ? r : any;
    MBENCH_ASSIGN_OR_RETURN(analyzer::ModelRef ref, analyzer::DecodeRef(any->model.ref, ""));
    MBENCH_ASSIGN_OR_RETURN(
        analyzer::AnalyzedModel m,
        analyzer::LoadAndAnalyze(ref.path, ref.input_shapes, ref.zoo, /*keep_weights=*/true));
    for (const auto& [k, r] : newest) {
      if (k.first != key) continue;
      runner::PlanOptions po;
      po.threads = k.second;
      auto plan = runner::Plan::Compile(m.model.graph, po);
      if (!plan.ok()) return Status(plan.status()).Annotate(any->model.ref);
      (*plan)->FillInputs(7);
      runner::MeasureOptions mo;
      mo.warmup = 1;
      mo.runs = 3;
      mo.min_secs = 0.1;
      mo.max_secs = 2;
      MBENCH_ASSIGN_OR_RETURN(runner::Measurement now,
                              runner::Measure(**plan, mo, runner::CurrentRssBytes()));
      const double ratio = now.latency.p50 / r->run.p50_ms;
      ratios[k.second].push_back(ratio);
      out.calibrated_at = std::max(out.calibrated_at, r->run.measured_at);
      if (log) {
        char buf[256];
        std::snprintf(buf, sizeof(buf), "speed check %s %dt: %.3f ms now, %.3f ms calibrated",
                      r->model.name.c_str(), k.second, now.latency.p50, r->run.p50_ms);
        log(buf);
      }
    }
    ++out.models;
  }
  for (const auto& [threads, v] : ratios) {
    out.ratio[threads] = Median(v);
    out.range[threads] = {*std::min_element(v.begin(), v.end()),
                          *std::max_element(v.begin(), v.end())};
  }
  out.secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace mbench::calibration
