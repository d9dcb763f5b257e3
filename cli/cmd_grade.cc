// `mbench grade MODEL`: the one-screen report — what the model is, where it runs, and how fast,
// how power-hungry and how sure, on every device profile.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "cli/commands.h"
#include "cli/db_support.h"
#include "cli/grade_report.h"
#include "cli/report_writer.h"
#include "core/env.h"
#include "device_profiles/profile.h"
#include "estimator/estimator.h"
#include "estimator/op_support.h"

namespace mbench::cli {
namespace {

struct GradeOptions {
  std::string model_path;
  std::vector<std::string> input_shapes;
  analyzer::ZooOptions zoo;
  std::vector<std::string> devices;
  std::string compute = "cpu";
  std::string precision;
  int threads = 0;
  double target_fps = 0.0;
  std::vector<double> fps = {30.0, 1.0};
  std::string format = "table";
  std::string output;
  std::string profile_dir;
  std::vector<std::string> profile_files;
  std::string db_path;  // results database: refined profiles in, predictions out
  bool kernels = false;  // JSON: every kernel's predicted time
};

// Apple: apps over 200 MB are not downloaded over a cellular connection.
constexpr int64_t kCellularLimitBytes = 200LL * 1000 * 1000;

int CurrentYear() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

StatusOr<std::vector<profiles::DeviceProfile>> SelectProfiles(const GradeOptions& o,
                                                              db::Database* results,
                                                              std::vector<std::string>* notes) {
  std::vector<profiles::DeviceProfile> all;
  if (!o.profile_files.empty()) {
    for (const auto& f : o.profile_files) {
      MBENCH_ASSIGN_OR_RETURN(profiles::DeviceProfile p, profiles::LoadProfile(f));
      all.push_back(std::move(p));
    }
  } else {
    MBENCH_ASSIGN_OR_RETURN(all, profiles::LoadProfileDir(o.profile_dir));
    // A device refined from stored measurements (`mbench refine`) is graded with that fit.
    if (results != nullptr) MBENCH_RETURN_IF_ERROR(OverlayCalibrations(*results, &all, notes));
  }
  if (o.devices.empty()) return all;
  std::vector<profiles::DeviceProfile> out;
  for (const auto& id : o.devices) {
    auto it = std::find_if(all.begin(), all.end(), [&](const auto& p) { return p.id == id; });
    if (it == all.end()) {
      std::string known;
      for (const auto& p : all) known += (known.empty() ? "" : ", ") + p.id;
      return Status::InvalidArgument("--device " + id + ": no such device profile (known: " +
                                     known + "; see `mbench devices`)");
    }
    out.push_back(*it);
  }
  return out;
}

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

Status RunGrade(const GradeOptions& o, int* exit_code) {
  GradeFormat format = GradeFormat::kTable;
  if (o.format == "json") format = GradeFormat::kJson;
  else if (o.format == "md" || o.format == "markdown") format = GradeFormat::kMarkdown;
  else if (o.format == "html") format = GradeFormat::kHtml;
  for (double f : o.fps) {
    if (!(f > 0) || f > 10000) return Status::InvalidArgument("--fps must be in (0, 10000]");
  }
  if (o.target_fps < 0) return Status::InvalidArgument("--target-fps must be positive");
  std::unique_ptr<db::Database> results;
  if (!o.db_path.empty()) {
    MBENCH_ASSIGN_OR_RETURN(results, db::Database::Open(o.db_path));
  }
  std::vector<std::string> refined;
  MBENCH_ASSIGN_OR_RETURN(std::vector<profiles::DeviceProfile> devices,
                          SelectProfiles(o, results.get(), &refined));

  MBENCH_ASSIGN_OR_RETURN(AnalyzedModel loaded,
                          LoadAndAnalyze(o.model_path, o.input_shapes, o.zoo));
  const analyzer::LoadedModel& model = loaded.model;
  const analyzer::ModelAnalysis* analysis = &loaded.analysis;
  const estimator::ModelFeatures features = estimator::PrepareModel(model.graph, *analysis);

  GradeReport r;
  r.model = &model;
  r.analysis = analysis;
  r.compute_unit = o.compute;
  r.precision = !o.precision.empty() ? o.precision
                                      : (o.compute == "cpu" ? "fp32" : "fp16 (fp32 where only that is calibrated)");
  r.threads = o.threads;
  r.battery_fps = o.fps;
  r.target_fps = o.target_fps;
  r.profile_dir = o.profile_files.empty() ? o.profile_dir : "--profile files";
  for (const auto& rt : estimator::AllRuntimes()) {
    r.compatibility.push_back(
        {rt.id, rt.name, estimator::UnsupportedOps(rt.api, model.graph), rt.source});
  }
  estimator::PredictRequest req;
  req.compute_unit = o.compute;
  req.precision = o.precision;
  req.threads = o.threads;
  req.keep_kernel_times = format == GradeFormat::kHtml || o.kernels;
  int no_energy = 0;
  for (const auto& d : devices) {
    auto p = estimator::Predict(features, d, req);
    if (!p.ok()) {
      r.not_predicted.emplace_back(d.id, p.status().message());
      continue;
    }
    GradePrediction g;
    g.p = std::move(*p);
    for (double f : o.fps) g.battery_hours.push_back(estimator::BatteryHours(g.p, d, f));
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
    return Status::Unsupported("no selected device can predict " + o.compute + " " +
                               r.precision + ":" + why);
  }

  // Warnings that matter to shipping.
  const auto& t = analysis->totals;
  int64_t ship_bytes = model.format == analyzer::ModelFormat::kZoo
                           ? static_cast<int64_t>(features.weight_elements *
                                                  std::max(1, estimator::BytesPerElement(
                                                                  o.precision.empty() ? "fp32" : o.precision)))
                           : model.size_bytes;
  if (ship_bytes > kCellularLimitBytes) {
    r.warnings.push_back("the model is " + HumanBytes(ship_bytes) +
                         ": iOS does not download apps over 200 MB on a cellular connection; "
                         "download the model on demand or quantize it (fp16 halves, int8 "
                         "quarters the fp32 size)");
  }
  if (!t.complete) {
    std::string types;
    for (const auto& s : t.unknown_op_types) types += (types.empty() ? "" : ", ") + s;
    r.warnings.push_back(std::to_string(t.unknown_ops) + " layers of unknown work (" + types +
                         "): every prediction is a lower bound");
  }
  if (o.precision == "int8") {
    bool quantized = t.weight_bytes_by_dtype.count("int8") || t.weight_bytes_by_dtype.count("uint8");
    if (!quantized) {
      r.warnings.push_back("int8 predicted for a float model: assumes full-integer conversion "
                           "(weights and activations); the accuracy cost is not predicted");
    }
  }
  const int recent_from = CurrentYear() - 4;
  const GradePrediction* slowest_recent = nullptr;
  for (const auto& g : r.predictions) {
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
    r.warnings.push_back(buf);
  }
  if (no_energy > 0) {
    r.warnings.push_back(std::to_string(no_energy) +
                         " devices have no sourced power figure for this compute unit: their "
                         "energy and battery life are n/a, not zero");
  }
  for (const auto& g : r.predictions) {
    if (g.p.cv_mape_pct > 50.0) {
      char buf[256];
      std::snprintf(buf, sizeof(buf),
                    "%s %s: its calibration cross-validates at %.0f%% MAPE; read the number as "
                    "an order of magnitude",
                    g.p.device_id.c_str(), g.p.target_key.c_str(), g.p.cv_mape_pct);
      r.warnings.push_back(buf);
    }
    if (!g.p.extrapolation.empty()) {
      r.warnings.push_back(g.p.device_id + ": " + g.p.extrapolation);
    }
  }
  if (o.target_fps > 0) {
    r.coverage = CoverageLine(r.predictions, o.target_fps);
    for (const auto& g : r.predictions) {
      if (g.p.fps < o.target_fps) r.missed_target.push_back(g.p.device_id);
    }
  }

  for (const auto& line : refined) r.warnings.push_back(line);
  if (results) {
    std::vector<std::pair<db::DeviceRecord, db::PredictionRecord>> rows;
    for (const auto& g : r.predictions) {
      auto d = std::find_if(devices.begin(), devices.end(),
                            [&](const auto& p) { return p.id == g.p.device_id; });
      db::PredictionRecord pr;
      pr.profile = g.p.profile_path;
      pr.calibration = g.p.calibration;
      pr.estimator_version = estimator::kEstimatorVersion;
      pr.target_key = g.p.target_key;
      pr.runtime = g.p.runtime;
      pr.compute_unit = g.p.compute_unit;
      pr.precision = g.p.precision;
      pr.threads = g.p.threads;
      pr.latency_ms = g.p.latency_ms;
      pr.low_ms = g.p.latency_low_ms;
      pr.high_ms = g.p.latency_high_ms;
      pr.energy_mj = g.p.energy_mj;
      rows.emplace_back(DeviceRecordOf(*d), pr);
    }
    MBENCH_ASSIGN_OR_RETURN(
        int stored, results->AddPredictions(ModelRecordOf(loaded, {o.model_path, o.zoo, o.input_shapes}),
                                            rows));
    std::fprintf(stderr, "mbench grade: stored %d predictions in %s\n", stored, results->location().c_str());
  }

  std::string text = RenderGrade(r, format);
  if (!o.output.empty()) {
    MBENCH_RETURN_IF_ERROR(WriteStringToFile(o.output, text));
    std::fprintf(stderr, "mbench grade: wrote %s\n", o.output.c_str());
  } else {
    std::cout << text;
  }
  if (!r.missed_target.empty()) {
    std::string ids;
    for (const auto& id : r.missed_target) ids += (ids.empty() ? "" : ", ") + id;
    std::fprintf(stderr, "mbench grade: below %g FPS on: %s\n", o.target_fps, ids.c_str());
    *exit_code = kExitGateFailed;
  }
  return Status::Ok();
}

}  // namespace

void RegisterGrade(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<GradeOptions>();
  o->profile_dir = profiles::DefaultProfileDir();
  CLI::App* cmd = app.add_subcommand(
      "grade",
      "Grade a model for mobile: size and work, which runtimes can run it, and on every device\n"
      "profile the predicted latency with its 90% interval, fps, energy per inference, battery\n"
      "hours, what bounds it and the heaviest kernels, plus shipping warnings.\n"
      "Example: mbench grade model.tflite --device pixel4 --device iphonexs --target-fps 30");
  AddModelOptions(cmd, &o->model_path, &o->input_shapes, &o->zoo);
  cmd->add_option("--device", o->devices, "Device id (repeatable; default: every profile)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_option("--compute", o->compute, "Compute unit: cpu (default), gpu or npu")
      ->check(CLI::IsMember({"cpu", "gpu", "npu"}));
  cmd->add_option("--threads", o->threads,
                  "CPU threads (default: the calibrated count that runs the model fastest)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--precision", o->precision,
                  "fp32, fp16 or int8 (default: fp32 on CPU, fp16 on GPU/NPU); int8 predicts\n"
                  "the quantized model before you convert it")
      ->check(CLI::IsMember({"fp32", "fp16", "int8"}));
  cmd->add_option("--target-fps", o->target_fps,
                  "Frame-rate gate: exit code 4 when a selected device is predicted below it,\n"
                  "and a coverage line by release year");
  cmd->add_option("--fps", o->fps, "Frame rates for battery hours (repeatable; default 30 1)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_flag("--kernels", o->kernels,
                "JSON: every kernel's predicted time, named by its main layer, to set against\n"
                "`mbench run --per-layer`");
  cmd->add_option("--format", o->format, "table (default), json, md or html")
      ->check(CLI::IsMember({"table", "json", "md", "markdown", "html"}));
  cmd->add_option("-o,--output", o->output, "Write the report to this file instead of stdout");
  cmd->add_option("--profiles", o->profile_dir,
                  "Directory of device profiles (default: $MBENCH_PROFILE_DIR or device_profiles/)");
  cmd->add_option("--profile", o->profile_files,
                  "Grade against this profile file only (repeatable), e.g. one written by\n"
                  "`mbench calibrate`")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_option("--db", o->db_path,
                  "Results database: devices refined there (`mbench refine`) are graded with\n"
                  "their refined profile, and every prediction is stored")
;
  cmd->callback([o, exit_code] {
    int code = kExitOk;
    Status s = RunGrade(*o, &code);
    *exit_code = s.ok() ? code : ReportError("grade", s);
  });
}

}  // namespace mbench::cli
