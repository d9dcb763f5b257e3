// `mbench devices`: the device profiles and every compute unit / runtime / precision / threads
// combination each can predict, with how well it was calibrated.
#include <cstdio>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "device_profiles/profile.h"
#include "report/format.h"
#include "report/table.h"
#include "report/text_table.h"

namespace mbench::cli {
namespace {

struct DevicesOptions {
  std::string profile_dir;
  std::string format = "table";
  bool wide = false;
};

// Thread counts a CPU target set can predict: the calibrated ones, and every count between the
// smallest and the largest when two or more are calibrated (Amdahl extrapolation).
std::string ThreadRange(const profiles::DeviceProfile& d, const profiles::Target& t) {
  int lo = t.threads, hi = t.threads, n = 0;
  for (const auto& o : d.targets) {
    if (o.compute_unit == t.compute_unit && o.runtime == t.runtime && o.precision == t.precision) {
      lo = std::min(lo, o.threads);
      hi = std::max(hi, o.threads);
      ++n;
    }
  }
  return n >= 2 ? std::to_string(lo) + "-" + std::to_string(hi) : std::to_string(t.threads);
}

Status RunDevices(const DevicesOptions& o) {
  MBENCH_ASSIGN_OR_RETURN(auto devices, profiles::LoadProfileDir(o.profile_dir));
  if (o.format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& d : devices) {
      nlohmann::ordered_json j;
      j["id"] = d.id;
      j["name"] = d.name;
      j["soc"] = d.soc;
      j["release_year"] = d.release_year;
      j["kind"] = d.kind;
      j["profile"] = d.path;
      nlohmann::ordered_json units = nlohmann::ordered_json::array();
      for (const auto& u : d.compute_units) {
        units.push_back({{"kind", u.kind},
                         {"name", u.name},
                         {"power_w", u.power_w > 0 ? nlohmann::ordered_json(u.power_w)
                                                   : nlohmann::ordered_json()}});
      }
      j["compute_units"] = units;
      nlohmann::ordered_json combos = nlohmann::ordered_json::array();
      for (const auto& t : d.targets) {
        combos.push_back({{"compute_unit", t.compute_unit},
                          {"runtime", t.runtime},
                          {"precision", t.precision},
                          {"threads", t.threads},
                          {"cluster", t.cluster},
                          {"threads_predictable", t.compute_unit == "cpu" ? ThreadRange(d, t) : ""},
                          {"op_set", t.op_set},
                          {"dtypes", t.dtypes},
                          {"calibration_points", t.calibration.points},
                          {"cv_points", t.calibration.cv_points},
                          {"cv_mape_pct", t.calibration.cv_mape_pct}});
      }
      j["predicts"] = combos;
      out.push_back(j);
    }
    std::cout << report::JsonText(out) << "\n";
    return Status::Ok();
  }
  if (o.format == "csv" || o.format == "md") {
    // One row per target: what each device can predict and how well it was calibrated.
    db::Table t;
    t.columns = {"id",     "name",      "year",        "target",       "threads_predictable",
                 "points", "cv_points", "cv_mape_pct", "calibrated_on"};
    const auto text = [](std::string s) { return db::Cell{db::Cell::Type::kText, 0, 0, s}; };
    const auto integer = [](int64_t v) { return db::Cell{db::Cell::Type::kInt, v, 0, ""}; };
    for (const auto& d : devices) {
      for (const auto& tg : d.targets) {
        t.rows.push_back({text(d.id),
                          text(d.name),
                          integer(d.release_year),
                          text(tg.Key()),
                          text(tg.compute_unit == "cpu" ? ThreadRange(d, tg) : ""),
                          integer(tg.calibration.points),
                          integer(tg.calibration.cv_points),
                          {db::Cell::Type::kReal, 0, tg.calibration.cv_mape_pct, ""},
                          text(tg.calibration.date)});
      }
    }
    std::cout << report::FormatTable(t, o.format);
    return Status::Ok();
  }
  report::TextTable table({{"id"},
                           {"name", false, 1, 16},
                           {"year", true, 2},
                           {"can predict: target(points,CV MAPE)", false, 0, 30, true}});
  char buf[256];
  for (const auto& d : devices) {
    std::string combos;
    for (const auto& t : d.targets) {
      std::snprintf(buf, sizeof(buf), "%s%s(%d,%.0f%%%s)", combos.empty() ? "" : " ",
                    t.Key().c_str(), t.calibration.points, t.calibration.cv_mape_pct,
                    t.calibration.cv_points > 0 ? "" : "*");
      combos += buf;
    }
    table.AddRow({d.id, d.name, std::to_string(d.release_year),
                  combos.empty() ? "nothing calibrated" : combos});
  }
  const size_t width = TextWidth(o.wide);
  std::cout << table.Render(width) << "\n"
            << report::Wrapped(std::to_string(devices.size()) + " profiles in " + o.profile_dir +
                                   ". *: fitted on one model; the error is its family's. "
                                   "Every field: mbench devices --format json",
                               width, "  ");
  return Status::Ok();
}

}  // namespace

void RegisterDevices(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<DevicesOptions>();
  o->profile_dir = profiles::DefaultProfileDir();
  CLI::App* cmd = app.add_subcommand("devices",
                                     "List the device profiles and what each can predict.\n"
                                     "Example: mbench devices --format json");
  cmd->add_option("--profiles", o->profile_dir, "Directory of device profiles");
  cmd->add_option("--format", o->format,
                  "table (default; fits the terminal), json, csv or md (csv and md: a row per "
                  "target)")
      ->check(CLI::IsMember({"table", "json", "csv", "md"}));
  AddWideOption(cmd, &o->wide);
  cmd->callback([o, exit_code] {
    Status s = RunDevices(*o);
    *exit_code = s.ok() ? kExitOk : ReportError("devices", s);
  });
}

}  // namespace mbench::cli
