// `mbench fit-profiles`: fits every device profile from the published measurements in data/.
// `mbench validate`: leave-one-model-out cross-validation of those fits.
// `mbench devices`: lists the profiles and what each can predict.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/db_support.h"
#include "cli/report_writer.h"
#include "core/env.h"
#include "device_profiles/profile.h"
#include "estimator/calibration.h"

namespace mbench::cli {
namespace {

struct FitOptions {
  std::string data_dir;     // holds devices.json, latency/measurements.csv, ncnn_params/
  std::string out_dir;
  std::string format = "table";
  std::string by = "target";  // validate: rows per target, per model, or per family
  std::string db_path;        // validate: stored runs instead of the published data
  std::string device;         // validate --db: only this device
  std::string profile_dir;
};

std::string DefaultDataDir() { return profiles::DefaultProfileDir() + "/../data"; }

struct Inputs {
  std::vector<profiles::DeviceProfile> devices;
  estimator::CalibrationData data;
  std::string date;
};

StatusOr<Inputs> LoadInputs(const std::string& data_dir) {
  Inputs in;
  MBENCH_ASSIGN_OR_RETURN(in.devices,
                          profiles::LoadDeviceFacts(JoinPath(data_dir, "devices.json"), &in.date));
  MBENCH_ASSIGN_OR_RETURN(
      in.data, estimator::LoadCalibrationData(JoinPath(data_dir, "latency/measurements.csv"),
                                              data_dir));
  return in;
}

std::string Pct(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", x);
  return buf;
}

Status RunFit(const FitOptions& o) {
  MBENCH_ASSIGN_OR_RETURN(Inputs in, LoadInputs(o.data_dir));
  std::fprintf(stderr, "fit-profiles: %zu measurements of %zu models on %zu devices\n",
               in.data.points.size(), in.data.models.size(), in.devices.size());
  estimator::FitOptions fo;
  fo.date = in.date;
  MBENCH_ASSIGN_OR_RETURN(estimator::FitResult fit, estimator::FitTargets(in.data, in.devices, fo));
  std::fprintf(stderr, "fit-profiles: cross-validating (one fit per held-out model)\n");
  MBENCH_ASSIGN_OR_RETURN(estimator::CvResult cv,
                          estimator::CrossValidate(in.data, in.devices, fo));
  estimator::ApplyFit(fit, cv, in.data, &in.devices);
  for (const auto& d : in.devices) {
    std::string path = JoinPath(o.out_dir, d.id + ".json");
    MBENCH_RETURN_IF_ERROR(WriteStringToFile(path, profiles::ProfileToJson(d)));
    std::printf("%-14s %2zu targets -> %s\n", d.id.c_str(), d.targets.size(), path.c_str());
  }
  return Status::Ok();
}

// One row of the validation table.
struct ValidationRow {
  std::string device, target;
  estimator::Accuracy acc;
};

// Adds cross-validation rows to the table's groups.
void GroupRows(const FitOptions& o, const estimator::CalibrationData& data,
               const std::vector<estimator::CvPoint>& rows,
               std::map<std::pair<std::string, std::string>, std::vector<estimator::CvPoint>>* out) {
  for (const auto& r : rows) {
    const auto& m = data.points[r.point];
    if (data.models[m.model].part) continue;  // judged on whole models
    if (o.by == "model") {
      (*out)[{data.models[m.model].group, o.db_path.empty() ? "all targets" : r.device_id}].push_back(r);
    } else if (o.by == "family") {
      (*out)[{"all devices", m.compute_unit + "/" + m.runtime + "/" + m.precision}].push_back(r);
    } else {
      (*out)[{r.device_id, r.target_key}].push_back(r);
    }
  }
}

// Cross-validation on the runs stored in a results database: per device, its active
// calibration (or its profile file) supplies the facts, and each model is left out of the fit
// that predicts it, exactly as `refine` fits.
Status ValidateDb(const FitOptions& o, std::string* description, int* unpredictable,
                  std::vector<estimator::CvPoint>* all_rows,
                  std::map<std::pair<std::string, std::string>, std::vector<estimator::CvPoint>>* groups) {
  MBENCH_ASSIGN_OR_RETURN(auto results, db::Database::Open(o.db_path, {.must_exist = true}));
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::DeviceRecord> devices, results->Devices());
  int validated = 0;
  for (const auto& d : devices) {
    if (!o.device.empty() && d.id != o.device) continue;
    auto base = BaseProfile(*results, d.id, o.profile_dir);
    if (!base.ok()) {
      if (!o.device.empty()) return base.status();
      continue;
    }
    std::vector<std::string> skipped;
    MBENCH_ASSIGN_OR_RETURN(estimator::CalibrationData data,
                            CalibrationDataFromDb(*results, d.id, {}, &skipped));
    std::set<std::string> groups_seen;
    for (const auto& m : data.models) groups_seen.insert(m.group);
    if (groups_seen.size() < 2) continue;  // nothing to hold out
    estimator::FitOptions fo;
    fo.date = "";  // only recorded in fitted profiles, which validation discards
    MBENCH_ASSIGN_OR_RETURN(estimator::CvResult cv,
                            estimator::CrossValidate(data, {*base}, fo));
    GroupRows(o, data, cv.rows, groups);
    for (const auto& r : cv.rows) {
      if (!data.models[data.points[r.point].model].part) all_rows->push_back(r);
    }
    *unpredictable += cv.unpredictable;
    ++validated;
  }
  if (validated == 0) {
    return Status::NotFound(results->location() + ": no device " + (o.device.empty() ? "" : "'" + o.device + "' ") +
                            "has a profile and stored runs of two or more models mbench can rebuild");
  }
  *description = results->location() + " (" + std::to_string(validated) + " devices' stored runs)";
  return Status::Ok();
}

Status RunValidate(const FitOptions& o) {
  MBENCH_ASSIGN_OR_RETURN(ReportFormat format, ParseReportFormat(o.format));
  std::map<std::pair<std::string, std::string>, std::vector<estimator::CvPoint>> by_target;
  estimator::CvResult cv;
  struct {
    estimator::CalibrationData data;
  } in;
  if (!o.db_path.empty()) {
    MBENCH_RETURN_IF_ERROR(ValidateDb(o, &in.data.description, &cv.unpredictable, &cv.rows, &by_target));
  } else {
    MBENCH_ASSIGN_OR_RETURN(Inputs published, LoadInputs(o.data_dir));
    estimator::FitOptions fo;
    fo.date = published.date;
    MBENCH_ASSIGN_OR_RETURN(cv, estimator::CrossValidate(published.data, published.devices, fo));
    GroupRows(o, published.data, cv.rows, &by_target);
    in.data.description = published.data.description;
  }
  std::vector<ValidationRow> rows;
  for (const auto& [key, pts] : by_target) {
    rows.push_back({key.first, key.second, estimator::Summarize(pts)});
  }
  ValidationRow all{"all", "all", estimator::Summarize(cv.rows)};
  if (format == ReportFormat::kJson) {
    nlohmann::ordered_json j;
    j["method"] = "leave-one-model-out: each architecture (all its widths, resolutions and "
                  "precisions) is removed from every fit, then predicted";
    j["data"] = in.data.description;
    j["unpredictable"] = cv.unpredictable;
    j["rows"] = nlohmann::ordered_json::array();
    for (const auto& r : rows) {
      j["rows"].push_back({{"device_id", r.device},
                           {"target", r.target},
                           {"n", r.acc.n},
                           {"mape_pct", r.acc.mape_pct},
                           {"within10_pct", r.acc.within10_pct},
                           {"within25_pct", r.acc.within25_pct},
                           {"interval_coverage_pct", r.acc.coverage_pct}});
    }
    j["overall"] = {{"n", all.acc.n},
                    {"mape_pct", all.acc.mape_pct},
                    {"within10_pct", all.acc.within10_pct},
                    {"within25_pct", all.acc.within25_pct},
                    {"interval_coverage_pct", all.acc.coverage_pct}};
    std::cout << j.dump(2) << "\n";
    return Status::Ok();
  }
  const bool md = format == ReportFormat::kMarkdown;
  const bool csv = format == ReportFormat::kCsv;
  std::ostringstream out;
  if (csv) {
    out << "device_id,target,n,mape_pct,within10_pct,within25_pct,interval_coverage_pct\n";
  } else if (md) {
    out << "| device | target | n | MAPE | within ±10% | within ±25% | in 90% interval |\n"
           "|---|---|---:|---:|---:|---:|---:|\n";
  } else {
    out << "Leave-one-model-out cross-validation on " << in.data.description << "\n"
        << "(each architecture is left out of every fit, then predicted)\n\n";
    char buf[256];
    std::snprintf(buf, sizeof(buf), "%-14s %-22s %5s %8s %8s %8s %10s\n", "device", "target", "n",
                  "MAPE", "<=10%", "<=25%", "in 90% PI");
    out << buf;
  }
  rows.push_back(all);
  for (const auto& r : rows) {
    char buf[320];
    if (csv) {
      std::snprintf(buf, sizeof(buf), "%s,%s,%d,%.2f,%.1f,%.1f,%.1f\n", r.device.c_str(),
                    r.target.c_str(), r.acc.n, r.acc.mape_pct, r.acc.within10_pct,
                    r.acc.within25_pct, r.acc.coverage_pct);
    } else if (md) {
      std::snprintf(buf, sizeof(buf), "| %s | %s | %d | %s | %s | %s | %s |\n", r.device.c_str(),
                    r.target.c_str(), r.acc.n, Pct(r.acc.mape_pct).c_str(),
                    Pct(r.acc.within10_pct).c_str(), Pct(r.acc.within25_pct).c_str(),
                    Pct(r.acc.coverage_pct).c_str());
    } else {
      std::snprintf(buf, sizeof(buf), "%-14s %-22s %5d %8s %8s %8s %10s\n", r.device.c_str(),
                    r.target.c_str(), r.acc.n, Pct(r.acc.mape_pct).c_str(),
                    Pct(r.acc.within10_pct).c_str(), Pct(r.acc.within25_pct).c_str(),
                    Pct(r.acc.coverage_pct).c_str());
    }
    out << buf;
  }
  if (!csv && !md && cv.unpredictable > 0) {
    out << "\n" << cv.unpredictable
        << " measurements could not be predicted: their target had no other model.\n";
  }
  std::cout << out.str();
  return Status::Ok();
}

}  // namespace

void RegisterProfiles(CLI::App& app, int* exit_code) {
  auto fit = std::make_shared<FitOptions>();
  fit->data_dir = DefaultDataDir();
  fit->out_dir = profiles::DefaultProfileDir();
  CLI::App* cmd = app.add_subcommand(
      "fit-profiles",
      "Fit every device profile to the published measurements in data/ (hardware facts from\n"
      "data/devices.json, latencies from data/latency/measurements.csv) and write one JSON per\n"
      "device. Deterministic: the same data gives byte-identical files.\n"
      "Example: mbench fit-profiles --out device_profiles");
  cmd->add_option("--data", fit->data_dir, "Data directory (default: the source tree's data/)");
  cmd->add_option("--out", fit->out_dir, "Where to write the profiles (default: device_profiles/)");
  cmd->callback([fit, exit_code] {
    Status s = RunFit(*fit);
    *exit_code = s.ok() ? kExitOk : ReportError("fit-profiles", s);
  });

  auto val = std::make_shared<FitOptions>();
  val->data_dir = DefaultDataDir();
  val->profile_dir = profiles::DefaultProfileDir();
  CLI::App* vcmd = app.add_subcommand(
      "validate",
      "Leave-one-model-out cross-validation of the profile fits on the published data: per\n"
      "device and target, the number of measurements, MAPE, the share within 10% and 25%, and\n"
      "how often the measured value fell inside the 90% prediction interval.\n"
      "Example: mbench validate --format md");
  vcmd->add_option("--data", val->data_dir, "Data directory (default: the source tree's data/)");
  vcmd->add_option("--by", val->by,
                   "Rows per target (default: device and target), model (each held-out\n"
                   "architecture over every target) or family (compute unit/runtime/precision)")
      ->check(CLI::IsMember({"target", "model", "family"}));
  vcmd->add_option("--db", val->db_path,
                   "Validate on the runs stored in this results database instead: per device,\n"
                   "each model left out of the fit that predicts it, as `refine` fits");
  vcmd->add_option("--device", val->device, "With --db: only this device");
  vcmd->add_option("--profiles", val->profile_dir, "With --db: profiles of devices not refined");
  vcmd->add_option("--format", val->format, "table (default), json, csv or md")
      ->check(CLI::IsMember({"table", "json", "csv", "md", "markdown"}));
  vcmd->callback([val, exit_code] {
    Status s = RunValidate(*val);
    *exit_code = s.ok() ? kExitOk : ReportError("validate", s);
  });
}

}  // namespace mbench::cli
