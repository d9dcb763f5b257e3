#include "calibration/calibrate.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "analyzer/model_ref.h"
#include "calibration/host.h"
#include "calibration/probes.h"
#include "calibration/records.h"
#include "runner/measure.h"
#include "runner/plan.h"

namespace mbench::calibration {
namespace {

std::string Today() { return db::NowUtc().substr(0, 10); }  // YYYY-MM-DD

// How far a measurement's repeats spread: (p90 - min) / min. Below 50 us of absolute spread a
// kernel of a few microseconds is at the timer's and the scheduler's grain, not disturbed.
double Spread(const runner::Measurement& m) {
  const double spread = m.latency.p90 - m.latency.min;
  return m.latency.min > 0 && spread > 0.05 ? spread / m.latency.min : 0.0;
}

}  // namespace

std::string Duration(double s) {
  char buf[32];
  if (s < 90)
    std::snprintf(buf, sizeof(buf), "%.0f s", s);
  else
    std::snprintf(buf, sizeof(buf), "%.1f min", s / 60);
  return buf;
}

std::vector<std::string> CalibrationProblems(const RefineOutcome& outcome, int noisy, int runs) {
  std::vector<std::string> problems;
  char buf[256];
  for (const auto& t : outcome.profile.targets) {
    const auto& c = t.calibration;
    if (c.cv_points >= 3 && c.cv_mape_pct > kMaxCalibrationCvMape) {
      std::snprintf(buf, sizeof(buf),
                    "%s cross-validates at %.0f%% MAPE on %d held-out models (limit %.0f%%)",
                    t.Key().c_str(), c.cv_mape_pct, c.cv_points, kMaxCalibrationCvMape);
      problems.push_back(buf);
    }
  }
  if (runs > 0 && 4 * noisy > runs) {
    std::snprintf(buf, sizeof(buf),
                  "%d of %d measurements stayed noisy (repeats more than %.0f%% apart): another "
                  "process is using the CPU, or its clock is changing",
                  noisy, runs, 100 * kNoisySpread);
    problems.push_back(buf);
  }
  return problems;
}

StatusOr<CalibrateResult> CalibrateHost(db::Database& results, const CalibrateOptions& o,
                                        const std::function<void(const std::string&)>& log) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const db::DeviceRecord host = HostDevice();
  const std::string date = Today();
  if (!o.cpus.empty()) MBENCH_RETURN_IF_ERROR(runner::PinToCpus(o.cpus));
  std::vector<int> threads = o.threads;
  if (threads.empty()) {
    threads = {1};
    const int logical = o.cpus.empty() ? std::max(1, runner::DescribeCpu().logical_processors)
                                       : static_cast<int>(o.cpus.size());
    if (logical > 1) threads.push_back(logical);
  }
  std::string line = host.id + " (" + host.cpu + "), threads";
  for (int t : threads) line += " " + std::to_string(t);
  log(line);
  const double bandwidth = MeasureCopyBandwidthGbps();
  char buf[256];
  std::snprintf(buf, sizeof(buf), "copy bandwidth %.1f GB/s", bandwidth);
  log(buf);

  std::vector<std::string> models;
  if (!o.no_probes) {
    MBENCH_ASSIGN_OR_RETURN(models, WriteProbes(o.probe_dir));
    if (!o.probe_filter.empty()) {
      std::vector<std::string> some;
      for (const auto& path : models) {
        const std::string name = path.substr(path.find_last_of('/') + 1);
        for (const auto& f : o.probe_filter) {
          if (name.find(f) != std::string::npos) {
            some.push_back(path);
            break;
          }
        }
      }
      if (some.empty()) {
        return Status::InvalidArgument("no probe name contains any of the --probes patterns (" +
                                       std::to_string(models.size()) + " probes, e.g. " +
                                       models[0].substr(models[0].find_last_of('/') + 1) + ")");
      }
      models = std::move(some);
    }
    if (o.quick) {
      std::vector<std::string> some;
      for (size_t i = 0; i < models.size(); i += 6) some.push_back(models[i]);
      models = std::move(some);
    }
  }
  const size_t num_probes = models.size();
  models.insert(models.end(), o.models.begin(), o.models.end());
  if (models.empty())
    return Status::InvalidArgument("nothing to measure: no probes and no --model");

  int out_remeasured = 0, out_noisy = 0;
  const size_t total = models.size() * threads.size();
  size_t done = 0;
  double measured_secs = 0.0;
  for (size_t mi = 0; mi < models.size(); ++mi) {
    const bool probe = mi < num_probes;
    const std::string& path = models[mi];
    MBENCH_ASSIGN_OR_RETURN(analyzer::ModelRef ref, analyzer::DecodeRef(path, ""));
    MBENCH_ASSIGN_OR_RETURN(
        analyzer::AnalyzedModel m,
        analyzer::LoadAndAnalyze(ref.path, ref.input_shapes, ref.zoo, /*keep_weights=*/true));
    const db::ModelRecord record = ModelRecordOf(m, ref);
    for (int t : threads) {
      const auto item_start = std::chrono::steady_clock::now();
      runner::PlanOptions po;
      po.threads = t;
      auto t_init = std::chrono::steady_clock::now();
      auto plan = runner::Plan::Compile(m.model.graph, po);
      if (!plan.ok()) return Status(plan.status()).Annotate(path);
      const double init_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_init)
              .count();
      (*plan)->FillInputs(7);
      runner::MeasureOptions mo;
      mo.warmup = 2;
      mo.runs = 5;
      mo.min_secs = probe ? o.probe_secs : o.model_secs;
      mo.max_secs = 20;
      mo.per_layer = true;
      MBENCH_ASSIGN_OR_RETURN(runner::Measurement r,
                              runner::Measure(**plan, mo, runner::CurrentRssBytes()));
      if (Spread(r) > kNoisySpread) {
        // Repeats that disagree: measure again for longer and keep the steadier of the two.
        ++out_remeasured;
        runner::MeasureOptions again = mo;
        again.min_secs = std::max(3.0 * mo.min_secs, 0.1);
        MBENCH_ASSIGN_OR_RETURN(runner::Measurement r2,
                                runner::Measure(**plan, again, runner::CurrentRssBytes()));
        std::snprintf(buf, sizeof(buf), "%s %dt: repeats differed by %.0f%%; again: %.0f%%",
                      record.name.substr(0, 34).c_str(), t, 100 * Spread(r), 100 * Spread(r2));
        log(buf);
        if (Spread(r2) < Spread(r)) r = std::move(r2);
        if (Spread(r) > kNoisySpread) ++out_noisy;
      }
      nlohmann::ordered_json opts = {
          {"threads", t},        {"precision", "fp32"},     {"warmup", mo.warmup},
          {"runs", mo.runs},     {"min_secs", mo.min_secs}, {"per_layer", true},
          {"runtime", "mbench"}, {"by", "mbench calibrate"}};
      if (!o.cpus.empty()) opts["cpus"] = o.cpus;
      db::RunRecord rec = RunRecordOf(
          r, t, "fp32", init_ms, (*plan)->synthetic_weights(),
          opts.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), db::NowUtc());
      rec.source = "mbench calibrate";
      MBENCH_ASSIGN_OR_RETURN(int64_t id, results.AddRun(host, record, rec));
      (void)id;
      ++done;
      measured_secs +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - item_start).count();
      // Time left: the mean so far over what remains, whole models weighted 4x a probe.
      const double per_item = measured_secs / static_cast<double>(done);
      const size_t left_models = (models.size() - std::max(mi + 1, num_probes)) * threads.size();
      const size_t left_probes = total - done - left_models;
      const double left = per_item * (static_cast<double>(left_probes) + 4.0 * left_models);
      std::snprintf(buf, sizeof(buf), "[%zu/%zu] %-34s %dt p50 %9.3f ms; %s elapsed, about %s left",
                    done, total, record.name.substr(0, 34).c_str(), t, r.latency.p50,
                    Duration(elapsed()).c_str(), Duration(left).c_str());
      log(buf);
    }
  }

  CalibrateResult out;
  out.host = host;
  out.bandwidth_gbps = bandwidth;
  out.runs = static_cast<int>(done);
  out.remeasured = out_remeasured;
  out.noisy = out_noisy;
  if (out_remeasured > 0) {
    std::snprintf(buf, sizeof(buf),
                  "%d of %zu measurements were noisy and measured again; %d stayed noisy",
                  out_remeasured, done, out_noisy);
    log(buf);
  }
  if (o.measure_only) {
    out.elapsed_secs = elapsed();
    return out;
  }
  log("fitting (with one leave-one-model-out fit per model)");
  profiles::DeviceProfile base = HostProfileFacts(host, bandwidth, date);
  RefineRequest req;
  req.date = date;
  req.data.runtime = "mbench";
  req.progress = o.fit_progress;
  MBENCH_ASSIGN_OR_RETURN(out.outcome, RefineDevice(results, base, req));
  out.elapsed_secs = elapsed();
  return out;
}

}  // namespace mbench::calibration
