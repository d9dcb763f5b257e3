// `mbench fit-profiles`: fits every device profile from the published measurements in data/.
// `mbench validate`: leave-one-model-out cross-validation of those fits (calibration/validate.h).
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "calibration/validate.h"
#include "cli/commands.h"
#include "core/env.h"
#include "core/progress.h"
#include "device_profiles/profile.h"
#include "report/calibration_report.h"

namespace mbench::cli {
namespace {

std::string DefaultDataDir() { return profiles::DefaultProfileDir() + "/../data"; }

struct FitCommand {
  std::string data_dir;  // holds devices.json, latency/measurements.csv, ncnn_params/
  std::string out_dir;
};

Status RunFit(const FitCommand& o) {
  // The folder is made (or found unwritable) before a minute of fitting, not after.
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec || !std::filesystem::is_directory(o.out_dir)) {
    return Status::IOError(o.out_dir + ": cannot write profiles there (" +
                           (ec ? ec.message() : std::string("not a folder")) + ")");
  }
  const std::string probe = JoinPath(o.out_dir, ".mbench-write-check");
  MBENCH_RETURN_IF_ERROR(WriteStringToFile(probe, ""));
  std::filesystem::remove(probe, ec);
  std::vector<profiles::DeviceProfile> devices;
  {
    Progress progress("mbench fit-profiles");
    MBENCH_ASSIGN_OR_RETURN(
        devices, calibration::FitPublishedProfiles(
                     o.data_dir,
                     [](const std::string& line) {
                       std::fprintf(stderr, "fit-profiles: %s\n", line.c_str());
                     },
                     [&](int done, int total) { progress.Update("held-out fits", done, total); }));
  }
  for (const auto& d : devices) {
    std::string path = JoinPath(o.out_dir, d.id + ".json");
    MBENCH_RETURN_IF_ERROR(WriteStringToFile(path, profiles::ProfileToJson(d)));
    std::printf("%-14s %2zu targets -> %s\n", d.id.c_str(), d.targets.size(), path.c_str());
  }
  return Status::Ok();
}

struct ValidateCommand {
  calibration::ValidateOptions validate;
  std::string format = "table", output;
  bool wide = false;
};

Status RunValidate(const ValidateCommand& o) {
  MBENCH_ASSIGN_OR_RETURN(report::ReportFormat format, report::ParseReportFormat(o.format));
  calibration::Validation v;
  {
    Progress progress("mbench validate");  // erased before the report is printed
    calibration::ValidateOptions options = o.validate;
    options.progress = [&](const std::string& phase, int done, int total) {
      progress.Update(phase, done, total);
    };
    MBENCH_ASSIGN_OR_RETURN(v, calibration::Validate(options));
  }
  return WriteOutput(
      "validate", o.output,
      report::RenderValidation(v, format, o.output.empty() ? TextWidth(o.wide) : size_t{0}));
}

}  // namespace

void RegisterProfiles(CLI::App& app, int* exit_code) {
  auto fit = std::make_shared<FitCommand>();
  fit->data_dir = DefaultDataDir();
  CLI::App* cmd = app.add_subcommand(
      "fit-profiles",
      "Fit every device profile to the published measurements in data/ (hardware facts from\n"
      "data/devices.json, latencies from data/latency/measurements.csv) and write one JSON per\n"
      "device. Deterministic: the same data gives byte-identical files.\n"
      "Example: mbench fit-profiles -o refit/   (then compare with device_profiles/)");
  cmd->add_option("--data", fit->data_dir, "Data directory (default: the source tree's data/)");
  // Required: the shipped profiles are never overwritten by default.
  cmd->add_option("-o,--output,--out", fit->out_dir,
                  "Folder to write the profiles to (made when absent); to replace the shipped\n"
                  "ones, name device_profiles/ explicitly")
      ->required();
  cmd->callback([fit, exit_code] {
    Status s = RunFit(*fit);
    *exit_code = s.ok() ? kExitOk : ReportError("fit-profiles", s);
  });

  auto val = std::make_shared<ValidateCommand>();
  val->validate.data_dir = DefaultDataDir();
  val->validate.profile_dir = profiles::DefaultProfileDir();
  CLI::App* vcmd = app.add_subcommand(
      "validate",
      "Leave-one-model-out cross-validation of the profile fits on the published data: per\n"
      "device and target, the number of measurements, MAPE, the share within 10% and 25%, and\n"
      "how often the measured value fell inside the 90% prediction interval.\n"
      "Example: mbench validate --format md");
  vcmd->add_option("--data", val->validate.data_dir,
                   "Data directory (default: the source tree's data/)");
  vcmd->add_option("--by", val->validate.by,
                   "Rows per target (default: device and target), model (each held-out\n"
                   "architecture over every target), family (compute unit/runtime/precision)\n"
                   "or point (every held-out prediction: measured, predicted, interval, error)")
      ->check(CLI::IsMember({"target", "model", "family", "point"}));
  vcmd->add_flag("--anchored", val->validate.anchored,
                 "Predict each measurement from the other measurements of the same model\n"
                 "(its architecture still held out of every fit): the accuracy once a model\n"
                 "was measured on other devices, as grade gives it with --measured or --db");
  AddDbOption(vcmd, &val->validate.db_path, DbUse::kOptional,
              "Validate on the runs stored in this results database instead: per device,\n"
              "each model left out of the fit that predicts it, as `refine` fits");
  vcmd->add_option("--device", val->validate.device, "With --db: only this device");
  vcmd->add_option("--profiles", val->validate.profile_dir,
                   "With --db: profiles of devices not refined");
  vcmd->add_option("--format", val->format, "table (default; fits the terminal), json, csv or md")
      ->check(CLI::IsMember({"table", "json", "csv", "md", "markdown"}));
  vcmd->add_option("-o,--output", val->output, "Write the report to this file instead of stdout");
  AddWideOption(vcmd, &val->wide);
  vcmd->callback([val, exit_code] {
    Status s = RunValidate(*val);
    *exit_code = s.ok() ? kExitOk : ReportError("validate", s);
  });
}

}  // namespace mbench::cli
