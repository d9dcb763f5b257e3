// `mbench device list | run | calibrate`: phones attached over adb. The flows are in device/
// (flows.h); this file binds their flags and prints.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "calibration/calibrate.h"
#include "calibration/probes.h"
#include "calibration/refine.h"
#include "cli/commands.h"
#include "core/env.h"
#include "core/progress.h"
#include "device/flows.h"
#include "report/calibration_report.h"
#include "report/table.h"
#include "server/server.h"

namespace mbench::cli {
namespace {

void Log(const std::string& line) { std::fprintf(stderr, "mbench device: %s\n", line.c_str()); }

struct DeviceCommand {
  device::Connection conn;
  std::string format = "table";
  std::string db_path, out;
  std::string calibrate_db;  // calibrate needs a database (a default); run stores only if asked
  std::string upload_url, upload_token;  // device run --upload
  device::PhoneRunRequest run;
  device::PhoneCalibrateRequest calibrate;
  bool force = false;  // store a calibration CalibrationProblems objects to
  bool wide = false;
};

Status RunList(const DeviceCommand& o) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<device::Listed> phones, device::ListPhones(o.conn));
  if (o.format == "json") {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const auto& p : phones) {
      nlohmann::ordered_json j = device::IdentityJson(p.id);
      j["state"] = p.state;
      if (!p.problem.empty()) j["problem"] = p.problem;
      all.push_back(j);
    }
    std::cout << all.dump(2) << "\n";
    return Status::Ok();
  }
  if (phones.empty()) {
    std::printf("no devices attached (plug a phone in with USB debugging on; `adb devices`)\n");
    return Status::Ok();
  }
  db::Table t;
  t.columns = {"serial", "phone", "SoC", "ABI", "Android", "CPU clusters", "profile"};
  for (const auto& p : phones) {
    const auto& id = p.id;
    std::vector<std::string> row = {id.serial, id.model, "", "", "", "", p.problem};
    if (p.problem.empty()) {
      row = {id.serial,
             id.manufacturer + " " + id.model,
             id.Soc(),
             id.abi,
             "Android " + id.android_release + " (SDK " + std::to_string(id.sdk) + ")",
             id.ClusterSummary(),
             id.profile_id.empty() ? "no profile" : id.profile_id};
    }
    std::vector<db::Cell> cells;
    for (auto& text : row) cells.push_back({db::Cell::Type::kText, 0, 0.0, std::move(text)});
    t.rows.push_back(std::move(cells));
  }
  std::cout << report::FormatTable(t, o.format, TextWidth(o.wide));
  return Status::Ok();
}

Status RunOnDevice(DeviceCommand o) {
  if (!o.upload_url.empty() && o.upload_token.empty()) {
    return Status::InvalidArgument("--upload needs --token (or MBENCH_UPLOAD_TOKEN)");
  }
  std::unique_ptr<db::Database> results;
  if (!o.db_path.empty()) {  // opened first: a locked database fails before the phone works
    MBENCH_ASSIGN_OR_RETURN(results, db::Database::Open(o.db_path));
    o.run.results = results.get();
  }
  // An upload sends this run alone: the phone's runs land in a database of their own first.
  std::unique_ptr<db::Database> to_upload;
  std::filesystem::path upload_dir;
  if (!o.upload_url.empty()) {
    std::error_code ec;
    upload_dir =
        std::filesystem::temp_directory_path(ec) / ("mbench_upload_" + std::to_string(::getpid()));
    std::filesystem::create_directories(upload_dir, ec);
    if (ec) return Status::IOError("cannot create " + upload_dir.string() + ": " + ec.message());
    MBENCH_ASSIGN_OR_RETURN(to_upload, db::Database::Open((upload_dir / "run.db").string()));
    o.run.results = to_upload.get();
  }
  struct RemoveDir {
    std::filesystem::path dir;
    ~RemoveDir() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } remove_upload_dir{upload_dir};
  MBENCH_ASSIGN_OR_RETURN(device::Phone phone, device::Connect(o.conn));
  MBENCH_ASSIGN_OR_RETURN(nlohmann::ordered_json run,
                          device::RunOnPhone(phone, o.conn, o.run, Log));
  if (to_upload && results) {
    MBENCH_RETURN_IF_ERROR(device::CopyAllRuns(*to_upload, *results).status());
  }
  std::cout << run.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  if (to_upload) {
    std::cout.flush();
    auto sent = server::UploadRuns(*to_upload, o.upload_url, o.upload_token);
    if (!sent.ok()) {
      return Status(sent.status()).Annotate("the run above was printed, not uploaded");
    }
    Log("uploaded " + std::to_string(*sent) + " run" + (*sent == 1 ? "" : "s") + " to " +
        o.upload_url);
  }
  return Status::Ok();
}

Status RunCalibrateDevice(const DeviceCommand& o) {
  MBENCH_ASSIGN_OR_RETURN(auto results, db::Database::Open(o.calibrate_db));
  MBENCH_ASSIGN_OR_RETURN(device::Phone phone, device::Connect(o.conn));
  device::PhoneCalibration c;
  {
    Progress progress("mbench device calibrate");
    device::PhoneCalibrateRequest request = o.calibrate;
    request.fit_progress = [&](int done, int total) {
      progress.Update("fitting: held-out fits", done, total);
    };
    MBENCH_ASSIGN_OR_RETURN(c, device::CalibratePhone(phone, o.conn, request, *results, Log));
  }
  std::printf("mbench device calibrate: %s (%s), %d runs, copy bandwidth %.1f GB/s\n",
              c.device.id.c_str(), c.device.name.c_str(), c.runs, c.bandwidth_gbps);
  std::fputs(report::RenderRefineSummary(c.outcome, TextWidth(o.wide)).c_str(), stdout);
  const std::vector<std::string> problems = calibration::CalibrationProblems(c.outcome, 0, c.runs);
  if (!problems.empty() && !o.force) {
    std::string why;
    for (const auto& p : problems) why += (why.empty() ? "" : "; ") + p;
    return Status::FailedPrecondition(
        "calibration of " + c.device.id + " not stored as active: " + why +
        ". The runs are kept in " + results->location() +
        "; let the phone cool and run again, or store it with --force");
  }
  const db::CalibrationRow row = calibration::CalibrationRowOf(c.device.id, c.outcome);
  MBENCH_ASSIGN_OR_RETURN(int64_t id, results->AddCalibration(c.device, row));
  std::printf("stored calibration %lld of %s in %s (grade --db %s uses it)\n",
              static_cast<long long>(id), c.device.id.c_str(), results->location().c_str(),
              results->location().c_str());
  MBENCH_RETURN_IF_ERROR(WriteStringToFile(o.out, row.profile_json));
  std::printf("wrote %s (mbench grade MODEL --profile %s)\n", o.out.c_str(), o.out.c_str());
  return Status::Ok();
}

void AddConnection(CLI::App* cmd, DeviceCommand* o, bool serial) {
  cmd->add_option("--adb", o->conn.adb, "The adb program (default: $ADB, else adb from PATH)");
  if (serial) {
    cmd->add_option("--serial,-s", o->conn.serial,
                    "The phone, as `adb devices` names it (default: the only one attached)");
    cmd->add_option("--bundle", o->conn.bundle,
                    "The aarch64 bundle to install (default: $MBENCH_BUNDLE, else the one\n"
                    "scripts/build-aarch64.sh made beside this mbench)");
    cmd->add_option("--cores", o->run.cores, "CPUs to run on: big (default), little or all")
        ->check(CLI::IsMember({"big", "little", "all"}));
  }
}

}  // namespace

void RegisterDevice(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<DeviceCommand>();
  o->conn.profile_dir = profiles::DefaultProfileDir();
  o->calibrate.probe_dir = calibration::DefaultProbeDir();
  CLI::App* dev = app.add_subcommand(
      "device",
      "Phones attached over adb: list them, run a model on one, calibrate one. The first use\n"
      "installs mbench's aarch64 bundle in /data/local/tmp/mbench (scripts/build-aarch64.sh).");
  dev->require_subcommand(1);

  CLI::App* list = dev->add_subcommand(
      "list",
      "Attached devices: serial, phone, SoC, ABI, Android version, CPU clusters with\n"
      "their clocks, and the device profile each matches.\nExample: mbench device list");
  AddConnection(list, o.get(), false);
  list->add_option("--format", o->format, "table (default; fits the terminal), json, csv or md")
      ->check(CLI::IsMember({"table", "json", "csv", "md"}));
  AddWideOption(list, &o->wide);
  list->callback([o, exit_code] {
    Status s = RunList(*o);
    *exit_code = s.ok() ? kExitOk : ReportError("device list", s);
  });

  CLI::App* run = dev->add_subcommand(
      "run",
      "Run a model on a phone, pinned to one cluster, and print `mbench run`'s JSON with a\n"
      "\"device\" object: identity, governor, clocks and temperatures before and after, and\n"
      "whether the phone throttled. --db stores the run under the phone's identity.\n"
      "Example: mbench device run model.tflite --serial R58M12345 --threads 4 --db results.db");
  AddModelOptions(run, &o->run.model, &o->run.input_shapes, &o->run.zoo);
  AddConnection(run, o.get(), true);
  run->add_option("--threads", o->run.threads, "Threads (default 1)")->check(CLI::Range(1, 64));
  run->add_option("--precision", o->run.precision, "fp32 (default), fp16 or int8")
      ->check(CLI::IsMember({"fp32", "fp16", "int8"}));
  run->add_option("--warmup", o->run.warmup, "Warm-up runs (default 3)")
      ->check(CLI::Range(0, 1000));
  run->add_option("--runs", o->run.runs, "Minimum timed runs (default 10)")
      ->check(CLI::Range(1, 100000));
  run->add_option("--min-secs", o->run.min_secs, "Minimum measuring time (default 1)")
      ->check(CLI::Range(0.0, 3600.0));
  run->add_option("--max-secs", o->run.max_secs, "Maximum measuring time (default 60)")
      ->check(CLI::Range(0.001, 3600.0));
  run->add_flag("--per-layer", o->run.per_layer, "Also time each layer alone");
  AddDbOption(run, &o->db_path, DbUse::kOptional, "Store the run in this results database");
  run->add_option("--upload", o->upload_url,
                  "Post the run to an mbench serve at this URL (with --token), after printing it");
  run->add_option("--token", o->upload_token,
                  "Upload token from 'mbench serve token add NAME' (or MBENCH_UPLOAD_TOKEN)")
      ->envname("MBENCH_UPLOAD_TOKEN");
  run->callback([o, exit_code] {
    Status s = RunOnDevice(*o);
    *exit_code = s.ok() ? kExitOk : ReportError("device run", s);
  });

  CLI::App* cal = dev->add_subcommand(
      "calibrate",
      "Measure calibrate's probe set on a phone (one cluster) and fit that phone's profile here:\n"
      "stored in --db (grade --db and refine use it) and written to --out (grade --profile).\n"
      "Example: mbench device calibrate --serial R58M12345 --db results.db --out phone.json");
  AddConnection(cal, o.get(), true);
  AddDbOption(cal, &o->calibrate_db, DbUse::kNeeded,
              "Results database: the phone's runs are stored there, then fitted");
  cal->add_option("-o,--output,--out", o->out, "Write the phone's profile to this JSON file")
      ->required();
  cal->add_option("--threads", o->calibrate.threads,
                  "Thread counts (repeatable; default 1 and every CPU of the cluster)")
      ->take_all()
      ->allow_extra_args(false)
      ->check(CLI::Range(1, 64));
  cal->add_flag("--quick", o->calibrate.quick, "Every sixth probe only (a rougher profile)");
  AddWideOption(cal, &o->wide);
  cal->add_flag("--force", o->force,
                "Make the calibration active even when a target cross-validates above 50% MAPE");
  cal->add_option("--probes", o->calibrate.probes,
                  "Only the probes whose name contains one of these (repeatable), e.g. dw3x3")
      ->take_all()
      ->allow_extra_args(false);
  cal->add_option("--model", o->calibrate.models,
                  "Whole models to measure too (repeatable; zoo:NAME; default calibrate's four)")
      ->take_all()
      ->allow_extra_args(false);
  cal->add_option("--probe-secs", o->calibrate.probe_secs,
                  "Minimum measuring time per probe (default 0.1)")
      ->check(CLI::Range(0.0, 60.0));
  cal->add_option("--model-secs", o->calibrate.model_secs,
                  "Minimum measuring time per model (default 0.3)")
      ->check(CLI::Range(0.0, 600.0));
  cal->callback([o, exit_code] {
    DeviceCommand c = *o;
    c.calibrate.cores = c.run.cores;
    Status s = RunCalibrateDevice(c);
    *exit_code = s.ok() ? kExitOk : ReportError("device calibrate", s);
  });
}

}  // namespace mbench::cli
