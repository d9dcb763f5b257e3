// `mbench grade MODEL`: the one-screen report — what the model is, where it runs, and how fast,
// how power-hungry and how sure, on every device profile (report/grade.h decides what it says).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "analyzer/model_ref.h"
#include "calibration/records.h"
#include "calibration/refine.h"
#include "calibration/speed_check.h"
#include "cli/commands.h"
#include "core/env.h"
#include "device_profiles/profile.h"
#include "report/grade.h"

namespace mbench::cli {
namespace {

struct GradeOptions {
  std::string model_path;
  std::vector<std::string> input_shapes;
  analyzer::ZooOptions zoo;
  std::vector<std::string> devices;
  report::GradeRequest request;
  std::string format = "table";
  std::string output;
  std::string profile_dir;
  std::vector<std::string> profile_files;
  std::string db_path;                // results database: refined profiles in, predictions out
  bool kernels = false;               // JSON: every kernel's predicted time
  std::vector<std::string> measured;  // "DEVICE[:TARGET]=MS"
  bool speed_check = false;           // time the host again and rescale its predictions
  bool wide = false, verbose = false;
};

// "pixel4:cpu/tflite/fp32/4t=23.5" or "pixel4=23.5".
StatusOr<report::GradeRequest::Measured> ParseMeasured(const std::string& spec) {
  const size_t eq = spec.rfind('=');
  const auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("--measured '" + spec + "': " + why +
                                   " (expected DEVICE[:TARGET]=MS, e.g. pixel4:cpu/tflite/fp32/"
                                   "4t=23.5)");
  };
  if (eq == std::string::npos || eq == 0) return bad("no '='");
  report::GradeRequest::Measured m;
  const std::string where = spec.substr(0, eq);
  const size_t colon = where.find(':');
  m.device_id = where.substr(0, colon);
  if (colon != std::string::npos) m.target_key = where.substr(colon + 1);
  if (m.device_id.empty()) return bad("no device");
  char* end = nullptr;
  const std::string number = spec.substr(eq + 1);
  m.ms = std::strtod(number.c_str(), &end);
  if (number.empty() || end == nullptr || *end != '\0' || !(m.ms > 0.0) || !std::isfinite(m.ms)) {
    return bad("'" + number + "' is not a positive number of milliseconds");
  }
  m.source = "--measured";
  return m;
}

// Runs of this model (by content hash) stored in the results database, as anchors.
Status AddStoredRuns(db::Database& results, const std::string& sha256,
                     std::vector<report::GradeRequest::Measured>* out) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::StoredRun> runs, results.RunsOfModel(sha256));
  for (const auto& r : runs) {
    profiles::Target t;
    t.compute_unit = r.run.compute_unit;
    t.runtime = r.run.runtime;
    t.precision = r.run.precision;
    t.threads = static_cast<int>(r.run.threads);
    t.cluster = r.run.cluster;
    out->push_back(
        {r.device_id, t.Key(), r.run.p50_ms, results.location() + " run " + std::to_string(r.id)});
  }
  return Status::Ok();
}

Status RunGrade(const GradeOptions& o, int* exit_code) {
  MBENCH_ASSIGN_OR_RETURN(report::GradeFormat format, report::ParseGradeFormat(o.format));
  MBENCH_RETURN_IF_ERROR(o.request.Validate());
  std::unique_ptr<db::Database> results;
  if (!o.db_path.empty()) {
    MBENCH_ASSIGN_OR_RETURN(results, db::Database::Open(o.db_path));
  }
  std::vector<std::string> refined;
  MBENCH_ASSIGN_OR_RETURN(std::vector<profiles::DeviceProfile> devices,
                          calibration::SelectProfiles(o.profile_files, o.profile_dir, o.devices,
                                                      results.get(), &refined));
  MBENCH_ASSIGN_OR_RETURN(analyzer::AnalyzedModel loaded,
                          analyzer::LoadAndAnalyze(o.model_path, o.input_shapes, o.zoo));
  report::GradeRequest req = o.request;
  for (const auto& spec : o.measured) {
    MBENCH_ASSIGN_OR_RETURN(report::GradeRequest::Measured m, ParseMeasured(spec));
    req.measured.push_back(m);
  }
  if (results) MBENCH_RETURN_IF_ERROR(AddStoredRuns(*results, loaded.model.sha256, &req.measured));
  if (o.speed_check) {
    if (!results)
      return Status::InvalidArgument("--speed-check needs --db (where calibrate stored its runs)");
    const std::string host = calibration::HostDevice().id;
    if (std::none_of(devices.begin(), devices.end(),
                     [&](const profiles::DeviceProfile& d) { return d.id == host; })) {
      return Status::InvalidArgument("--speed-check: this host (" + host +
                                     ") is not among the graded devices; calibrate it with "
                                     "`mbench calibrate --db` and grade with --device " +
                                     host);
    }
    MBENCH_ASSIGN_OR_RETURN(
        calibration::SpeedCheck check,
        calibration::CheckHostSpeed(*results, host, 4, [](const std::string& line) {
          std::fprintf(stderr, "mbench grade: %s\n", line.c_str());
        }));
    req.speed_checks.push_back(std::move(check));
  }
  std::vector<profiles::DeviceProfile> all_profiles;
  if (!req.measured.empty() && o.profile_files.empty()) {
    std::vector<std::string> unused;
    MBENCH_ASSIGN_OR_RETURN(
        all_profiles, calibration::SelectProfiles({}, o.profile_dir, {}, results.get(), &unused));
    req.all_profiles = &all_profiles;
  }
  req.keep_kernel_times = format == report::GradeFormat::kHtml || o.kernels;
  req.profile_dir = o.profile_files.empty() ? o.profile_dir : "--profile files";
  MBENCH_ASSIGN_OR_RETURN(report::GradeReport r,
                          report::BuildGradeReport(loaded.model, loaded.analysis, devices, req));
  for (const auto& line : refined) r.warnings.push_back(line);
  if (results) {
    std::vector<std::pair<db::DeviceRecord, db::PredictionRecord>> rows;
    for (const auto& g : r.predictions) {
      for (const auto& d : devices) {
        if (d.id == g.p.device_id) {
          rows.emplace_back(calibration::DeviceRecordOf(d), calibration::PredictionRecordOf(g.p));
        }
      }
    }
    const analyzer::ModelRef ref{o.model_path, o.zoo, o.input_shapes};
    MBENCH_ASSIGN_OR_RETURN(int stored,
                            results->AddPredictions(calibration::ModelRecordOf(loaded, ref), rows));
    std::fprintf(stderr, "mbench grade: stored %d predictions in %s\n", stored,
                 results->location().c_str());
  }
  const std::string text =
      report::RenderGrade(r, format, {o.output.empty() ? TextWidth(o.wide) : size_t{0}, o.verbose});
  MBENCH_RETURN_IF_ERROR(WriteOutput("grade", o.output, text));
  if (!r.missed_target.empty()) {
    std::string ids;
    for (const auto& id : r.missed_target) ids += (ids.empty() ? "" : ", ") + id;
    std::fprintf(stderr, "mbench grade: below %g FPS on: %s\n", req.target_fps, ids.c_str());
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
  cmd->add_option("--compute", o->request.compute, "Compute unit: cpu (default), gpu or npu")
      ->check(CLI::IsMember({"cpu", "gpu", "npu"}));
  cmd->add_option("--threads", o->request.threads,
                  "CPU threads (default: the calibrated count that runs the model fastest)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--precision", o->request.precision,
                  "fp32, fp16 or int8 (default: fp32 on CPU, fp16 on GPU/NPU); int8 predicts\n"
                  "the quantized model before you convert it")
      ->check(CLI::IsMember({"fp32", "fp16", "int8"}));
  cmd->add_option("--runtime", o->request.runtime,
                  "Runtime to predict for where a device has several (ncnn, tflite, nnapi,\n"
                  "qnn, coreml, mbench); default: each device's preferred one. Without\n"
                  "--compute, a runtime that runs on one unit only (qnn, nnapi) selects it");
  cmd->add_option("--target", o->request.target,
                  "One calibrated target by key, e.g. cpu/ncnn/fp32/4t-little (little cores);\n"
                  "`mbench devices` lists them. Overrides --compute, --runtime, --precision\n"
                  "and --threads");
  cmd->add_option("--measured", o->measured,
                  "A latency of this model you measured: DEVICE[:TARGET]=MS (repeatable).\n"
                  "Every prediction is then anchored on it: the measurement times the ratio\n"
                  "the profiles predict between the two targets, with an interval from how\n"
                  "well that ratio held for the published models. Runs of the same model in\n"
                  "--db anchor the same way")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_flag("--speed-check", o->speed_check,
                "With --db: first time again, for about a second, the whole models `calibrate`\n"
                "timed on this host, and rescale the host's predictions by how much slower or\n"
                "faster it runs now (a stored profile goes stale as the machine's speed drifts)");
  cmd->add_option("--target-fps", o->request.target_fps,
                  "Frame-rate gate: exit code 4 when a selected device is predicted below it,\n"
                  "and a coverage line by release year");
  cmd->add_option("--fps", o->request.fps,
                  "Frame rates for battery hours (repeatable; default 30 1)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_flag("--kernels", o->kernels,
                "JSON: every kernel's predicted time, named by its main layer, to set against\n"
                "`mbench run --per-layer`");
  cmd->add_option("--format", o->format,
                  "table (default; fits the terminal), json, csv (a row per device), md or html")
      ->check(CLI::IsMember({"table", "json", "csv", "md", "markdown", "html"}));
  cmd->add_flag("--verbose,-v", o->verbose,
                "Table: also each runtime's op-list source, why each device was not predicted,\n"
                "the time each device sends back to the CPU and each target's calibration");
  AddWideOption(cmd, &o->wide);
  cmd->add_option("-o,--output", o->output, "Write the report to this file instead of stdout");
  cmd->add_option(
      "--profiles", o->profile_dir,
      "Directory of device profiles (default: $MBENCH_PROFILE_DIR or device_profiles/)");
  cmd->add_option("--profile", o->profile_files,
                  "Grade against this profile file only (repeatable), e.g. one written by\n"
                  "`mbench calibrate`")
      ->take_all()
      ->allow_extra_args(false);
  AddDbOption(cmd, &o->db_path, DbUse::kOptional,
              "Results database: devices refined there (`mbench refine`) are graded with\n"
              "their refined profile, and every prediction is stored");
  cmd->callback([o, exit_code] {
    int code = kExitOk;
    Status s = RunGrade(*o, &code);
    *exit_code = s.ok() ? code : ReportError("grade", s);
  });
}

}  // namespace mbench::cli
