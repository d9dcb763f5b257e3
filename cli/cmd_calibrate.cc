// `mbench calibrate`: measures this machine with the runner and fits its profile.
// `mbench refine`: refits a device's profile from the runs stored for it.
//
// Both store what they measure and fit in the results database; the work is in calibration/
// (calibrate.h, refine.h), the summary in report/calibration_report.h.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "calibration/calibrate.h"
#include "calibration/probes.h"
#include "calibration/records.h"
#include "calibration/refine.h"
#include "cli/commands.h"
#include "core/env.h"
#include "core/progress.h"
#include "report/calibration_report.h"
#include "runner/measure.h"

namespace mbench::cli {
namespace {

struct CalibrateCommand {
  std::string db_path;
  std::string out;
  std::string cpus;
  bool force = false;
  bool wide = false;
  calibration::CalibrateOptions calibrate;
};

// Stores the refit as the device's active calibration, and writes it to `out_path` if given.
Status StoreCalibration(db::Database& results, const db::DeviceRecord& device,
                        const calibration::RefineOutcome& r, const std::string& out_path) {
  const db::CalibrationRow row = calibration::CalibrationRowOf(device.id, r);
  MBENCH_ASSIGN_OR_RETURN(int64_t id, results.AddCalibration(device, row));
  std::printf("stored calibration %lld of %s in %s (grade --db %s uses it)\n",
              static_cast<long long>(id), device.id.c_str(), results.location().c_str(),
              results.location().c_str());
  if (!out_path.empty()) {
    MBENCH_RETURN_IF_ERROR(WriteStringToFile(out_path, row.profile_json));
    std::printf("wrote %s (mbench grade MODEL --profile %s)\n", out_path.c_str(), out_path.c_str());
  }
  return Status::Ok();
}

Status RunCalibrate(CalibrateCommand o) {
  if (!o.cpus.empty()) {
    MBENCH_ASSIGN_OR_RETURN(o.calibrate.cpus, runner::ParseCpuList(o.cpus));
  }
  MBENCH_ASSIGN_OR_RETURN(auto results, db::Database::Open(o.db_path));
  calibration::CalibrateResult c;
  {
    Progress progress("mbench calibrate");  // the last step, the fit, is silent otherwise
    o.calibrate.fit_progress = [&](int done, int total) {
      progress.Update("fitting: held-out fits", done, total);
    };
    MBENCH_ASSIGN_OR_RETURN(
        c, calibration::CalibrateHost(*results, o.calibrate, [](const std::string& line) {
          std::fprintf(stderr, "mbench calibrate: %s\n", line.c_str());
        }));
  }
  if (o.calibrate.measure_only) {  // one JSON line for `mbench device calibrate`
    const nlohmann::ordered_json summary = {{"device_id", c.host.id},
                                            {"bandwidth_gbps", c.bandwidth_gbps},
                                            {"runs", c.runs},
                                            {"elapsed_secs", c.elapsed_secs}};
    std::printf("%s\n", summary.dump().c_str());
    return Status::Ok();
  }
  std::printf("mbench calibrate: %s in %s\n", c.host.id.c_str(),
              calibration::Duration(c.elapsed_secs).c_str());
  std::fputs(report::RenderRefineSummary(c.outcome, TextWidth(o.wide)).c_str(), stdout);
  const std::vector<std::string> problems =
      calibration::CalibrationProblems(c.outcome, c.noisy, c.runs);
  if (!problems.empty() && !o.force) {
    std::string why;
    for (const auto& p : problems) why += (why.empty() ? "" : "; ") + p;
    return Status::FailedPrecondition(
        "calibration of " + c.host.id + " not stored as active: " + why + ". The " +
        std::to_string(c.runs) + " runs are kept in " + results->location() +
        "; close other programs (or pin with --cpus) and run again, or store it with --force");
  }
  for (const auto& p : problems) std::fprintf(stderr, "mbench calibrate: warning: %s\n", p.c_str());
  return StoreCalibration(*results, c.host, c.outcome, o.out);
}

struct RefineOptions {
  std::string db_path;
  std::string device;
  std::string out;
  std::string profile_dir;
  bool no_per_layer = false;
  bool force = false;
  bool wide = false;
};

Status RunRefine(const RefineOptions& o) {
  MBENCH_ASSIGN_OR_RETURN(auto results, db::Database::Open(o.db_path, {.must_exist = true}));
  MBENCH_ASSIGN_OR_RETURN(profiles::DeviceProfile base,
                          calibration::BaseProfile(*results, o.device, o.profile_dir));
  calibration::RefineRequest req;
  req.date = db::NowUtc().substr(0, 10);
  req.data.per_layer = !o.no_per_layer;
  calibration::RefineOutcome r;
  {
    Progress progress("mbench refine");
    req.progress = [&](int done, int total) { progress.Update("held-out fits", done, total); };
    MBENCH_ASSIGN_OR_RETURN(r, calibration::RefineDevice(*results, base, req));
  }
  std::printf("mbench refine: %s from %s (base: %s)\n", o.device.c_str(),
              results->location().c_str(), base.path.c_str());
  std::fputs(report::RenderRefineSummary(r, TextWidth(o.wide)).c_str(), stdout);
  if (r.base_new.n > 0) {
    // Both sides out of sample: the base never saw these models, the refit holds each out.
    std::printf(
        "  on %d runs of %d models the base profile was not fitted to: base MAPE %.1f%% "
        "(%.0f%% within 10%%), refit leave-one-model-out MAPE %.1f%% (%.0f%% within 10%%)\n",
        r.base_new.n, r.new_models, r.base_new.mape_pct, r.base_new.within10_pct,
        r.refit_new.mape_pct, r.refit_new.within10_pct);
  } else {
    std::printf(
        "  no runs of models the base profile was not fitted to: nothing out of sample "
        "to compare it with\n");
  }
  if (!calibration::RefitImproves(r) && !o.force) {
    std::printf(
        "  kept the base profile: the refit predicts the new models worse than the "
        "profile it would replace (--force stores it anyway)\n");
    return Status::Ok();
  }
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::DeviceRecord> devices, results->Devices());
  db::DeviceRecord device = calibration::DeviceRecordOf(r.profile);
  for (const auto& d : devices) {
    if (d.id == o.device) device = d;
  }
  return StoreCalibration(*results, device, r, o.out);
}

}  // namespace

void RegisterCalibrate(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<CalibrateCommand>();
  o->calibrate.probe_dir = calibration::DefaultProbeDir();
  CLI::App* cmd = app.add_subcommand(
      "calibrate",
      "Measure this machine with the runner and fit its device profile (runtime mbench): a sweep\n"
      "of one-kernel probes (dense, depthwise and pointwise convolutions, fully connected,\n"
      "pooling, element-wise, concat) at the shapes mobile networks use, plus whole zoo models,\n"
      "each timed end to end and per layer at every thread count. Every run is stored in the\n"
      "results database; the fitted profile becomes the one `grade --db` uses for this host.\n"
      "Example: mbench calibrate --db results.db --out host.json");
  AddDbOption(cmd, &o->db_path, DbUse::kNeeded,
              "Results database: every probe and model run is stored, with the fitted profile");
  cmd->add_option("-o,--output,--out", o->out, "Also write the profile to this JSON file");
  cmd->add_option("--threads", o->calibrate.threads,
                  "Thread counts (repeatable; default 1 and all)")
      ->take_all()
      ->allow_extra_args(false)
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--model", o->calibrate.models,
                  "Whole models to measure (repeatable; default zoo:mobilenet_v1 zoo:resnet18\n"
                  "zoo:squeezenet1_1 zoo:shufflenet_v2)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_flag("--no-probes", o->calibrate.no_probes, "Skip the kernel sweep (whole models only)");
  cmd->add_flag("--quick", o->calibrate.quick,
                "Every sixth probe only: a rougher profile in a sixth of the time");
  cmd->add_option("--probes", o->calibrate.probe_filter,
                  "Only the probes whose name contains one of these (repeatable), e.g. dw3x3 fc_")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_option("--cpus", o->cpus,
                  "Measure on these CPUs only, e.g. 4-7 (one cluster of a big.LITTLE CPU); the\n"
                  "default thread counts become 1 and the number of CPUs given");
  AddWideOption(cmd, &o->wide);
  cmd->add_flag("--force", o->force,
                "Make the calibration active even when a target cross-validates above 50% MAPE\n"
                "or over a quarter of the measurements stayed noisy");
  cmd->add_flag("--measure-only", o->calibrate.measure_only,
                "Store the runs and print a one-line JSON summary; fit nothing (what\n"
                "`mbench device calibrate` runs on a phone, fitting on the host afterwards)");
  cmd->add_option("--probe-dir", o->calibrate.probe_dir,
                  "Where the probe models are written (default ~/.cache/mbench/probes); refine\n"
                  "reads them again");
  cmd->add_option("--probe-secs", o->calibrate.probe_secs,
                  "Minimum measuring time per probe (default 0.1)")
      ->check(CLI::Range(0.0, 60.0));
  cmd->add_option("--model-secs", o->calibrate.model_secs,
                  "Minimum measuring time per model (default 0.3)")
      ->check(CLI::Range(0.0, 600.0));
  cmd->callback([o, exit_code] {
    Status s = RunCalibrate(*o);
    *exit_code = s.ok() ? kExitOk : ReportError("calibrate", s);
  });

  auto r = std::make_shared<RefineOptions>();
  r->profile_dir = profiles::DefaultProfileDir();
  CLI::App* rc = app.add_subcommand(
      "refine",
      "Refit a device's profile from the runs stored for it (end-to-end and per-layer), record\n"
      "the calibration with its leave-one-model-out residuals, and make it the profile\n"
      "`grade --db` uses for that device. A refit that predicts the stored runs worse than the\n"
      "profile it replaces is reported and not stored.\n"
      "Example: mbench refine --db results.db --device host-...");
  AddDbOption(rc, &r->db_path, DbUse::kNeeded, "Results database holding the device's runs");
  rc->add_option("--device", r->device, "Device id (see `mbench db query devices`)")->required();
  rc->add_option("-o,--output,--out", r->out, "Also write the refined profile to this JSON file");
  rc->add_option("--profiles", r->profile_dir, "Profile directory for devices not yet refined");
  rc->add_flag("--no-per-layer", r->no_per_layer, "Fit to end-to-end latencies only");
  rc->add_flag("--force", r->force, "Store the refit even when it predicts worse");
  AddWideOption(rc, &r->wide);
  rc->callback([r, exit_code] {
    Status s = RunRefine(*r);
    *exit_code = s.ok() ? kExitOk : ReportError("refine", s);
  });
}

}  // namespace mbench::cli
