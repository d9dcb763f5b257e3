// What a grade says: the predictions on every device and the shipping rules that turn them into
// warnings. The rules are plain functions of the model, its analysis and the predictions, so
// tests/report/grade_build_test.cc checks each one without running the binary.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>

#include "estimator/anchor.h"
#include "estimator/op_support.h"
#include "report/format.h"
#include "report/grade.h"

namespace mbench::report {
namespace {

int CurrentYear() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

// Warnings that matter to shipping, in the order a reader should meet them.
void AddShippingWarnings(const analyzer::LoadedModel& model,
                         const analyzer::ModelAnalysis& analysis,
                         const estimator::ModelFeatures& features, const GradeRequest& req,
                         int no_energy, GradeReport* r) {
  const auto& t = analysis.totals;
  const int64_t ship_bytes =
      model.format == analyzer::ModelFormat::kZoo
          ? static_cast<int64_t>(features.weight_elements *
                                 std::max(1, estimator::BytesPerElement(
                                                 req.precision.empty() ? "fp32" : req.precision)))
          : model.size_bytes;
  if (ship_bytes > kCellularLimitBytes) {
    r->warnings.push_back("the model is " + HumanBytes(ship_bytes) +
                          ": iOS does not download apps over 200 MB on a cellular connection; "
                          "download the model on demand or quantize it (fp16 halves, int8 "
                          "quarters the fp32 size)");
  }
  if (!t.complete) {
    r->warnings.push_back(IncompleteReason(t) + ": every prediction is a lower bound");
  }
  if (req.precision == "int8") {
    const bool quantized =
        t.weight_bytes_by_dtype.count("int8") || t.weight_bytes_by_dtype.count("uint8");
    if (!quantized) {
      r->warnings.push_back(
          "int8 predicted for a float model: assumes full-integer conversion "
          "(weights and activations); the accuracy cost is not predicted");
    }
  }
  const int recent_from = (req.current_year > 0 ? req.current_year : CurrentYear()) - 4;
  const GradePrediction* slowest_recent = nullptr;
  for (const auto& g : r->predictions) {
    if (g.p.release_year >= recent_from &&
        (slowest_recent == nullptr || g.p.latency_ms > slowest_recent->p.latency_ms)) {
      slowest_recent = &g;
    }
  }
  if (slowest_recent != nullptr && slowest_recent->p.fps < 30.0) {
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "%s (%d) runs this at %.1f FPS: covering 95%% of users means phones from the "
                  "last 4 years (%d on); plan a lower frame rate or a smaller model for them",
                  slowest_recent->p.device_name.c_str(), slowest_recent->p.release_year,
                  slowest_recent->p.fps, recent_from);
    r->warnings.push_back(buf);
  }
  if (no_energy > 0) {
    r->warnings.push_back(std::to_string(no_energy) +
                          " devices have no sourced power figure for this compute unit: their "
                          "energy and battery life are n/a, not zero");
  }
  for (const auto& g : r->predictions) {
    if (g.p.cv_mape_pct > 50.0) {
      char buf[256];
      std::snprintf(buf, sizeof(buf),
                    "%s %s: its calibration cross-validates at %.0f%% MAPE; read the number as "
                    "an order of magnitude",
                    g.p.device_id.c_str(), g.p.target_key.c_str(), g.p.cv_mape_pct);
      r->warnings.push_back(buf);
    }
    if (!g.p.extrapolation.empty()) {
      r->warnings.push_back(g.p.device_id + ": " + g.p.extrapolation);
    }
  }
}

}  // namespace

std::string CoverageLine(const std::vector<GradePrediction>& preds, double fps) {
  std::map<int, std::pair<int, int>> by_year;  // year -> (meets, total)
  int meets = 0;
  for (const auto& g : preds) {
    auto& slot = by_year[g.p.release_year];
    ++slot.second;
    if (g.p.fps >= fps) {
      ++slot.first;
      ++meets;
    }
  }
  char buf[96];
  std::snprintf(buf, sizeof(buf), "At %g FPS: %d of %zu devices; by release year:", fps, meets,
                preds.size());
  std::string line = buf;
  for (const auto& [year, mt] : by_year) {
    std::snprintf(buf, sizeof(buf), " %d %d/%d", year, mt.first, mt.second);
    line += buf;
  }
  // The oldest year from which every device meets the rate.
  int from = 0;
  for (auto it = by_year.rbegin(); it != by_year.rend(); ++it) {
    if (it->second.first != it->second.second) break;
    from = it->first;
  }
  if (from > 0) {
    line += "; every device from " + std::to_string(from) + " on";
  } else {
    line += "; not even the newest devices";
  }
  return line;
}

Status GradeRequest::Validate() const {
  for (double f : fps) {
    if (!(f > 0) || f > 10000) return Status::InvalidArgument("--fps must be in (0, 10000]");
  }
  if (target_fps < 0) return Status::InvalidArgument("--target-fps must be positive");
  return Status::Ok();
}

StatusOr<GradeFormat> ParseGradeFormat(const std::string& name) {
  if (name == "table") return GradeFormat::kTable;
  if (name == "json") return GradeFormat::kJson;
  if (name == "md" || name == "markdown") return GradeFormat::kMarkdown;
  if (name == "html") return GradeFormat::kHtml;
  if (name == "csv") return GradeFormat::kCsv;
  return Status::InvalidArgument("--format " + name + ": expected table, json, csv, md or html");
}

namespace {

const profiles::Target* FindTarget(const profiles::DeviceProfile& d, const std::string& key) {
  for (const auto& t : d.targets) {
    if (t.Key() == key) return &t;
  }
  return nullptr;
}

// The measured latencies of this model, each with what the fit predicts on its target. One that
// cannot be used (no profile, no such target) is a warning, never silently dropped.
std::vector<estimator::AnchorPoint> AnchorPoints(
    const estimator::ModelFeatures& features, const std::vector<profiles::DeviceProfile>& devices,
    const estimator::PredictRequest& pr, const GradeRequest& req,
    std::vector<std::string>* warnings) {
  std::vector<estimator::AnchorPoint> out;
  for (const auto& m : req.measured) {
    const profiles::DeviceProfile* d = nullptr;
    for (const auto& x : devices) d = x.id == m.device_id ? &x : d;
    if (d == nullptr && req.all_profiles != nullptr) {
      for (const auto& x : *req.all_profiles) d = x.id == m.device_id ? &x : d;
    }
    const std::string what =
        m.device_id + (m.target_key.empty() ? "" : " " + m.target_key) + " (" + m.source + ")";
    if (d == nullptr) {
      warnings->push_back("measured on " + what + ": no profile for that device; not used");
      continue;
    }
    estimator::PredictRequest at = pr;
    at.keep_kernel_times = false;
    if (!m.target_key.empty()) at.target_key = m.target_key;
    auto p = estimator::Predict(features, *d, at);
    if (!p.ok()) {
      warnings->push_back("measured on " + what + ": " + p.status().message() + "; not used");
      continue;
    }
    const profiles::Target* t = FindTarget(*d, p->target_key);
    estimator::AnchorPoint a;
    a.label = d->id + " " + p->target_key + " (" + m.source + ")";
    a.measured_ms = m.ms;
    a.predicted_ms = p->latency_ms;
    a.residuals = t != nullptr ? &t->calibration.cv_residuals : nullptr;
    a.device_id = d->id;
    a.target_key = p->target_key;
    out.push_back(a);
  }
  return out;
}

// Multiplies a prediction (interval and energy with it) by `scale`.
void Rescale(double scale, estimator::Prediction* p) {
  p->latency_ms *= scale;
  p->latency_low_ms *= scale;
  p->latency_high_ms *= scale;
  p->fps = 1000.0 / p->latency_ms;
  if (p->energy_mj >= 0) {
    p->energy_mj *= scale;
    p->energy_low_mj *= scale;
    p->energy_high_mj *= scale;
  }
}

// Rescales a host prediction by how much slower or faster the host runs now than when it was
// calibrated, at the checked thread count nearest the prediction's.
void ApplySpeedCheck(const calibration::SpeedCheck& check, estimator::Prediction* p) {
  if (check.ratio.empty()) return;
  int threads = check.ratio.begin()->first;
  for (const auto& [t, r] : check.ratio) {
    if (std::abs(t - p->threads) < std::abs(threads - p->threads)) threads = t;
  }
  Rescale(check.ratio.at(threads), p);
  p->speed_check = check.Note(threads);
}

// Replaces the roofline's prediction by the anchored one, energy scaled with it.
void ApplyAnchors(const profiles::DeviceProfile& d,
                  const std::vector<estimator::AnchorPoint>& anchors, estimator::Prediction* p) {
  const profiles::Target* t = FindTarget(d, p->target_key);
  static const estimator::ModelResiduals kNone;
  // A measurement of this very target is not used to predict it: the prediction would only
  // echo it, and predicted-vs-measured would check nothing.
  std::vector<estimator::AnchorPoint> others;
  for (const auto& a : anchors) {
    if (a.device_id != d.id || a.target_key != p->target_key) others.push_back(a);
  }
  const estimator::AnchoredPrediction a =
      estimator::Anchor(p->latency_ms, t != nullptr ? t->calibration.cv_residuals : kNone, others);
  if (a.anchors == 0) return;
  p->model_only_ms = p->latency_ms;
  p->anchors = a.anchors;
  Rescale(a.ms / p->latency_ms, p);
  p->latency_low_ms = a.low_ms;
  p->latency_high_ms = a.high_ms;
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "anchored on %d measurement%s of this model (most reliable: %s, %d models "
                "measured on both, ratio spread %.0f%%); the model alone predicts %.3g ms",
                a.anchors, a.anchors == 1 ? "" : "s", a.best.c_str(), a.shared_models,
                100.0 * (std::exp(a.log_sigma) - 1.0), p->model_only_ms);
  p->anchor = buf;
}

// Refuses a prediction that would rest on a small part of the model: its counted layers read
// less than half of the weights its file holds (the rest sit in layers mbench cannot count, such
// as a loop it could not unroll), or it counts no multiply-accumulate at all.
Status CheckMostlyCounted(const analyzer::LoadedModel& model,
                          const analyzer::ModelAnalysis& analysis) {
  const auto& t = analysis.totals;
  if (t.complete) return Status::Ok();
  constexpr int64_t kMinFileBytes = 64 << 10;  // below this a file is mostly structure
  const bool has_file = model.format != analyzer::ModelFormat::kZoo &&
                        model.format != analyzer::ModelFormat::kNcnnParam &&
                        model.size_bytes >= kMinFileBytes;
  const bool few_weights = has_file && 2 * t.weight_bytes < model.size_bytes;
  if (!few_weights && t.macs > 0) return Status::Ok();
  std::string counted = few_weights
                            ? "the layers mbench can count read " + HumanBytes(t.weight_bytes) +
                                  " of the " + HumanBytes(model.size_bytes) + " the file holds"
                            : "it counts no multiply-accumulate";
  return Status::Unsupported(model.path + ": no latency prediction: " + counted + "; " +
                             IncompleteReason(t) + " (see mbench analyze)");
}

}  // namespace

StatusOr<GradeReport> BuildGradeReport(const analyzer::LoadedModel& model,
                                       const analyzer::ModelAnalysis& analysis,
                                       const std::vector<profiles::DeviceProfile>& devices,
                                       const GradeRequest& req) {
  MBENCH_RETURN_IF_ERROR(req.Validate());
  MBENCH_RETURN_IF_ERROR(CheckMostlyCounted(model, analysis));
  const estimator::ModelFeatures features = estimator::PrepareModel(model.graph, analysis);
  const std::string compute = estimator::RequestedUnit(req.compute, req.runtime, devices);
  GradeReport r;
  r.model = &model;
  r.analysis = &analysis;
  r.compute_unit = compute;
  r.precision = !req.precision.empty() ? req.precision
                : compute == "cpu"     ? "fp32"
                                       : "fp16 (fp32 where only that is calibrated)";
  r.threads = req.threads;
  r.battery_fps = req.fps;
  r.target_fps = req.target_fps;
  r.profile_dir = req.profile_dir;
  for (const auto& rt : estimator::AllRuntimes()) {
    r.compatibility.push_back(
        {rt.id, rt.name, estimator::UnsupportedOps(rt.api, model.graph), rt.source});
  }
  estimator::PredictRequest pr;
  pr.compute_unit = compute;
  pr.precision = req.precision;
  pr.threads = req.threads;
  pr.runtime = req.runtime;
  pr.target_key = req.target;
  pr.keep_kernel_times = req.keep_kernel_times;
  const std::vector<estimator::AnchorPoint> anchors =
      AnchorPoints(features, devices, pr, req, &r.warnings);
  int no_energy = 0;
  for (const auto& d : devices) {
    auto p = estimator::Predict(features, d, pr);
    if (!p.ok()) {
      r.not_predicted.emplace_back(d.id, p.status().message());
      continue;
    }
    GradePrediction g;
    g.p = std::move(*p);
    for (const auto& check : req.speed_checks) {
      if (check.device_id == d.id) ApplySpeedCheck(check, &g.p);
    }
    if (!anchors.empty()) ApplyAnchors(d, anchors, &g.p);
    for (double f : req.fps) g.battery_hours.push_back(estimator::BatteryHours(g.p, d, f));
    if (g.p.energy_mj < 0) ++no_energy;
    r.predictions.push_back(std::move(g));
  }
  std::stable_sort(r.predictions.begin(), r.predictions.end(), [](const auto& a, const auto& b) {
    if (a.p.release_year != b.p.release_year) return a.p.release_year > b.p.release_year;
    return a.p.latency_ms < b.p.latency_ms;
  });
  if (r.predictions.empty()) {
    std::string why;
    for (const auto& [id, reason] : r.not_predicted) why += "\n  " + reason;
    return Status::Unsupported("no selected device can predict " + compute + " " + r.precision +
                               ":" + why);
  }
  AddShippingWarnings(model, analysis, features, req, no_energy, &r);
  if (req.target_fps > 0) {
    r.coverage = CoverageLine(r.predictions, req.target_fps);
    for (const auto& g : r.predictions) {
      if (g.p.fps < req.target_fps) r.missed_target.push_back(g.p.device_id);
    }
  }
  return r;
}

}  // namespace mbench::report
