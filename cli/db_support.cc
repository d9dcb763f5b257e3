#include "cli/db_support.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/env.h"
#include "estimator/estimator.h"
#include "runner/measure.h"

namespace mbench::cli {
namespace {

std::string Slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string JoinShapes(const std::vector<std::string>& shapes) {
  std::string out;
  for (const auto& s : shapes) out += (out.empty() ? "" : ";") + s;
  return out;
}

std::string FormatNumber(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string CellText(const db::Cell& c) {
  switch (c.type) {
    case db::Cell::Type::kNull: return "";
    case db::Cell::Type::kInt: return std::to_string(c.i);
    case db::Cell::Type::kReal: return FormatNumber(c.r);
    case db::Cell::Type::kText: return c.s;
  }
  return "";
}

}  // namespace

std::string EncodeRef(const ModelRef& ref) {
  if (ref.path.rfind("zoo:", 0) != 0) return ref.path;
  std::string out = ref.path;
  // The architecture's default resolution is left out, so one model has one name.
  int64_t default_resolution = 0;
  for (const auto& e : analyzer::ZooEntries()) {
    if (ref.path.substr(4) == e.name) default_resolution = e.default_resolution;
  }
  if (ref.zoo.width != 1.0) out += " --width " + FormatNumber(ref.zoo.width);
  if (ref.zoo.resolution != 0 && ref.zoo.resolution != default_resolution) {
    out += " --resolution " + std::to_string(ref.zoo.resolution);
  }
  if (ref.zoo.fold_bn) out += " --fold-bn";
  return out;
}

StatusOr<ModelRef> DecodeRef(const std::string& ref, const std::string& input_shapes) {
  ModelRef out;
  if (!input_shapes.empty()) {
    std::stringstream ss(input_shapes);
    std::string s;
    while (std::getline(ss, s, ';')) {
      if (!s.empty()) out.input_shapes.push_back(s);
    }
  }
  if (ref.rfind("zoo:", 0) != 0) {
    out.path = ref;
    return out;
  }
  std::stringstream ss(ref);
  ss >> out.path;
  std::string flag;
  while (ss >> flag) {
    if (flag == "--fold-bn") {
      out.zoo.fold_bn = true;
      continue;
    }
    std::string value;
    if (!(ss >> value)) return Status::Corruption("model reference '" + ref + "': " + flag + " has no value");
    char* end = nullptr;
    if (flag == "--width") {
      out.zoo.width = std::strtod(value.c_str(), &end);
    } else if (flag == "--resolution") {
      out.zoo.resolution = std::strtoll(value.c_str(), &end, 10);
    } else {
      return Status::Corruption("model reference '" + ref + "': unknown option " + flag);
    }
    if (end == nullptr || *end != '\0') {
      return Status::Corruption("model reference '" + ref + "': bad value '" + value + "'");
    }
  }
  return out;
}

std::string ModelGroup(const std::string& ref_or_name) {
  std::string s = ref_or_name;
  if (s.rfind("zoo:", 0) == 0) {
    s = s.substr(4);
    return s.substr(0, s.find(' '));
  }
  std::filesystem::path p(s);
  return p.stem().empty() ? s : p.stem().string();
}

db::ModelRecord ModelRecordOf(const AnalyzedModel& m, const ModelRef& ref) {
  db::ModelRecord r;
  ModelRef abs = ref;
  if (abs.path.rfind("zoo:", 0) != 0) {
    std::error_code ec;
    auto p = std::filesystem::absolute(abs.path, ec);
    if (!ec) abs.path = p.lexically_normal().string();
  }
  r.sha256 = m.model.sha256;
  r.input_shapes = JoinShapes(ref.input_shapes);
  r.key = r.sha256 + (r.input_shapes.empty() ? "" : " " + r.input_shapes);
  r.ref = EncodeRef(abs);
  r.name = abs.path.rfind("zoo:", 0) == 0 ? r.ref : std::filesystem::path(abs.path).filename().string();
  r.format = analyzer::ModelFormatName(m.model.format);
  const auto& t = m.analysis.totals;
  r.macs = t.macs;
  r.flops = t.flops;
  r.params = t.params;
  r.weight_bytes = t.weight_bytes;
  r.peak_activation_bytes = t.activation_bytes_peak;
  r.layers = static_cast<int64_t>(m.analysis.layers.size());
  return r;
}

db::DeviceRecord DeviceRecordOf(const profiles::DeviceProfile& p) {
  db::DeviceRecord d;
  d.id = p.id;
  d.name = p.name;
  d.soc = p.soc;
  d.kind = p.kind;
  std::string cpu;
  for (const auto& c : p.cpu_clusters) {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "%s%dx %s %.2f GHz", cpu.empty() ? "" : " + ", c.cores,
                  c.uarch.c_str(), c.max_ghz);
    cpu += buf;
  }
  d.cpu = cpu;
  nlohmann::ordered_json f = {{"release_year", p.release_year},
                              {"memory_type", p.memory_type},
                              {"memory_bandwidth_gbps", p.memory_bandwidth_gbps},
                              {"battery_mah", p.battery_mah},
                              {"fact_sources", p.fact_sources}};
  d.facts_json = f.dump();
  return d;
}

db::DeviceRecord HostDevice() {
  const runner::CpuDescription cpu = runner::DescribeCpu();
  db::DeviceRecord d;
  std::string slug = Slug(cpu.package.empty() ? cpu.uarch : cpu.package);
  if (slug.empty()) slug = "unknown-cpu";
  d.id = "host-" + slug + "-" + std::to_string(cpu.cores) + "c";
  d.name = "host: " + (cpu.package.empty() ? cpu.vendor + " " + cpu.uarch : cpu.package);
  d.soc = cpu.package;
  d.kind = "host";
  d.cpu = cpu.vendor + " " + cpu.uarch + ", " + std::to_string(cpu.cores) + " cores, " +
          std::to_string(cpu.logical_processors) + " logical processors";
  nlohmann::ordered_json f = {{"cpu_vendor", cpu.vendor}, {"cpu_uarch", cpu.uarch},
                              {"cpu_package", cpu.package}, {"cores", cpu.cores},
                              {"logical_processors", cpu.logical_processors},
                              {"l1d_bytes", cpu.l1d_bytes}, {"l2_bytes", cpu.l2_bytes},
                              {"l3_bytes", cpu.l3_bytes}, {"source", "cpuinfo"}};
  d.facts_json = f.dump();
  return d;
}

std::string FormatTable(const db::Table& t, const std::string& format) {
  std::ostringstream out;
  if (format == "json") {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& row : t.rows) {
      nlohmann::ordered_json o = nlohmann::ordered_json::object();
      for (size_t i = 0; i < t.columns.size(); ++i) {
        const db::Cell& c = row[i];
        switch (c.type) {
          case db::Cell::Type::kNull: o[t.columns[i]] = nullptr; break;
          case db::Cell::Type::kInt: o[t.columns[i]] = c.i; break;
          case db::Cell::Type::kReal: o[t.columns[i]] = c.r; break;
          case db::Cell::Type::kText: o[t.columns[i]] = c.s; break;
        }
      }
      rows.push_back(std::move(o));
    }
    out << rows.dump(2) << "\n";
    return out.str();
  }
  if (format == "csv") {
    for (size_t i = 0; i < t.columns.size(); ++i) out << (i ? "," : "") << CsvField(t.columns[i]);
    out << "\n";
    for (const auto& row : t.rows) {
      for (size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << CsvField(CellText(row[i]));
      out << "\n";
    }
    return out.str();
  }
  // Aligned text: numbers right-aligned, long text cut at 48 characters.
  constexpr size_t kMaxWidth = 48;
  std::vector<size_t> width(t.columns.size());
  std::vector<std::vector<std::string>> cells;
  for (size_t i = 0; i < t.columns.size(); ++i) width[i] = t.columns[i].size();
  for (const auto& row : t.rows) {
    std::vector<std::string> r;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string s = CellText(row[i]);
      if (s.size() > kMaxWidth) s = s.substr(0, kMaxWidth - 3) + "...";
      width[i] = std::max(width[i], s.size());
      r.push_back(std::move(s));
    }
    cells.push_back(std::move(r));
  }
  auto pad = [](const std::string& s, size_t w, bool right) {
    std::string fill(w > s.size() ? w - s.size() : 0, ' ');
    return right ? fill + s : s + fill;
  };
  for (size_t i = 0; i < t.columns.size(); ++i) {
    out << (i ? "  " : "") << pad(t.columns[i], width[i], false);
  }
  out << "\n";
  for (size_t r = 0; r < cells.size(); ++r) {
    for (size_t i = 0; i < cells[r].size(); ++i) {
      const auto type = t.rows[r][i].type;
      const bool num = type == db::Cell::Type::kInt || type == db::Cell::Type::kReal;
      out << (i ? "  " : "") << pad(cells[r][i], width[i], num);
    }
    out << "\n";
  }
  out << "(" << t.rows.size() << " rows)\n";
  return out.str();
}

Status OverlayCalibrations(db::Database& db, std::vector<profiles::DeviceProfile>* profiles,
                           std::vector<std::string>* notes) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::CalibrationRow> rows, db.ActiveCalibrations());
  for (const auto& row : rows) {
    const std::string origin = db.location() + " (calibration " + std::to_string(row.id) + ")";
    MBENCH_ASSIGN_OR_RETURN(profiles::DeviceProfile p, profiles::ParseProfile(row.profile_json, origin));
    p.path = origin;
    auto it = std::find_if(profiles->begin(), profiles->end(),
                           [&](const auto& q) { return q.id == p.id; });
    if (it != profiles->end()) {
      *it = std::move(p);
    } else {
      profiles->push_back(std::move(p));
    }
    if (notes) notes->push_back(row.device_id + ": refined profile from " + origin + ", " + row.created_at);
  }
  return Status::Ok();
}

std::vector<double> KernelTimings(const estimator::KernelPlan& plan,
                                  const std::vector<db::LayerRecord>& layers) {
  std::map<int64_t, double> layer_ms;
  std::map<std::string, int64_t> index_of;
  for (const auto& l : layers) {
    layer_ms[l.index] = l.p50_ms;
    index_of[l.name] = l.index;
  }
  std::map<int64_t, int64_t> host_of;  // layer -> the layer whose time holds it
  for (const auto& l : layers) {
    auto host = l.fused_into.empty() ? index_of.end() : index_of.find(l.fused_into);
    host_of[l.index] = host == index_of.end() ? l.index : host->second;
  }
  std::vector<double> out;
  for (const auto& kernel : plan.kernels) {
    const std::set<int64_t> own(kernel.layers.begin(), kernel.layers.end());
    double ms = 0.0;
    for (int32_t layer : kernel.layers) {
      auto lt = layer_ms.find(layer);
      if (lt == layer_ms.end() || !own.count(host_of[layer])) {
        ms = -1.0;
        break;
      }
      ms += lt->second;
    }
    for (const auto& [layer, host] : host_of) {
      if (own.count(host) && !own.count(layer)) ms = -1.0;
    }
    out.push_back(ms);
  }
  return out;
}

StatusOr<estimator::CalibrationData> CalibrationDataFromDb(
    db::Database& db, const std::string& device_id, const DbCalibrationOptions& options,
    std::vector<std::string>* skipped) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::StoredRun> runs, db.RunsOfDevice(device_id));
  estimator::CalibrationData data;
  data.description = db.location() + " (runs of " + device_id + ")";
  struct Loaded {
    bool ok = false;
    int whole = -1;                 // index of the whole-model entry
    std::vector<int> kernel_model;  // index per kernel, -1 until used
    estimator::ModelFeatures features;
  };
  std::map<std::string, Loaded> models;  // by model key
  for (const db::StoredRun& r : runs) {
    if (!options.runtime.empty() && r.run.runtime != options.runtime) continue;
    auto [it, fresh] = models.try_emplace(r.model.key);
    Loaded& m = it->second;
    const std::string group = ModelGroup(r.model.ref.empty() ? r.model.name : r.model.ref);
    if (fresh) {
      if (r.model.ref.empty()) {
        if (skipped) skipped->push_back(r.model.name + ": no model file is known for it");
        continue;
      }
      auto ref = DecodeRef(r.model.ref, r.model.input_shapes);
      if (!ref.ok()) {
        if (skipped) skipped->push_back(ref.status().message());
        continue;
      }
      auto a = LoadAndAnalyze(ref->path, ref->input_shapes, ref->zoo);
      if (!a.ok()) {
        if (skipped) skipped->push_back(r.model.ref + ": " + a.status().message());
        continue;
      }
      if (!r.model.sha256.empty() && a->model.sha256 != r.model.sha256) {
        if (skipped) skipped->push_back(r.model.ref + ": the file changed since it was measured");
        continue;
      }
      m.features = estimator::PrepareModel(a->model.graph, a->analysis);
      m.kernel_model.assign(m.features.plan.kernels.size(), -1);
      m.whole = static_cast<int>(data.models.size());
      // A model of one kernel, or a calibration probe (swish is written to ONNX as sigmoid and
      // mul), is a kernel timing, not a model to judge.
      const bool one_kernel = m.features.plan.kernels.size() == 1 ||
                              std::filesystem::path(r.model.ref).filename().string().rfind("probe_", 0) == 0;
      data.models.push_back({r.model.ref, group, m.features, one_kernel});
      m.ok = true;
    }
    if (!m.ok) continue;
    estimator::Measurement base;
    base.device_id = device_id;
    base.compute_unit = r.run.compute_unit;
    base.runtime = r.run.runtime;
    base.precision = r.run.precision;
    base.cluster = r.run.cluster;
    base.threads = static_cast<int>(r.run.threads);
    base.measured_on = r.run.measured_at;
    base.source = r.run.source + " (run " + std::to_string(r.id) + ")";
    estimator::Measurement whole = base;
    whole.model = m.whole;
    whole.latency_ms = r.run.p50_ms;
    data.points.push_back(whole);
    if (!options.per_layer || r.run.layers.empty() || data.models[m.whole].part) continue;
    const auto& kernels = m.features.plan.kernels;
    const std::vector<double> timed = KernelTimings(m.features.plan, r.run.layers);
    for (size_t k = 0; k < kernels.size(); ++k) {
      const double ms = timed[k];
      if (!(ms > 0)) continue;
      if (m.kernel_model[k] < 0) {
        estimator::ModelFeatures one;
        one.plan.kernels = {kernels[k]};
        one.kernel_ops = {m.features.kernel_ops[k]};
        one.kernel_names = {m.features.kernel_names[k]};
        one.weight_elements = kernels[k].weight_elements;
        one.activation_elements = kernels[k].activation_elements;
        m.kernel_model[k] = static_cast<int>(data.models.size());
        data.models.push_back(
            {r.model.ref + " #" + m.features.kernel_names[k], group, std::move(one), true});
      }
      estimator::Measurement lp = base;
      lp.model = m.kernel_model[k];
      lp.latency_ms = ms;
      data.points.push_back(lp);
    }
  }
  return data;
}

}  // namespace mbench::cli

namespace mbench::cli {

db::RunRecord RunRecordOf(const runner::Measurement& r, int threads, const std::string& precision,
                          double init_ms, bool synthetic_weights, const std::string& options_json,
                          const std::string& measured_at) {
  db::RunRecord rec;
  rec.runtime = "mbench";
  rec.compute_unit = "cpu";
  rec.precision = precision;
  rec.threads = threads;
  rec.options_json = options_json;
  rec.build_json = BuildJson().dump();
  rec.measured_at = measured_at;
  rec.source = "mbench run";
  const auto& l = r.latency;
  rec.n = l.n;
  rec.min_ms = l.min;
  rec.p50_ms = l.p50;
  rec.p90_ms = l.p90;
  rec.p99_ms = l.p99;
  rec.max_ms = l.max;
  rec.mean_ms = l.mean;
  rec.std_ms = l.std;
  rec.init_ms = init_ms;
  rec.first_run_ms = r.first_run_ms;
  rec.peak_rss_bytes = r.peak_rss_bytes;
  rec.synthetic_weights = synthetic_weights;
  for (const auto& t : r.layers) {
    rec.layers.push_back({t.index, t.name, t.op, t.fused_into, t.p50_ms, t.share});
  }
  return rec;
}

StatusOr<profiles::DeviceProfile> BaseProfile(db::Database& db, const std::string& device_id,
                                              const std::string& profile_dir) {
  MBENCH_ASSIGN_OR_RETURN(std::optional<db::CalibrationRow> active, db.ActiveCalibration(device_id));
  if (active) {
    const std::string origin = db.location() + " (calibration " + std::to_string(active->id) + ")";
    MBENCH_ASSIGN_OR_RETURN(profiles::DeviceProfile p,
                            profiles::ParseProfile(active->profile_json, origin));
    p.path = origin;
    return p;
  }
  const std::string file = JoinPath(profile_dir, device_id + ".json");
  if (FileExists(file)) return profiles::LoadProfile(file);
  return Status::NotFound("device '" + device_id + "' has no calibration in " + db.location() +
                          " and no profile " + file +
                          (device_id.rfind("host-", 0) == 0 ? " (run `mbench calibrate` first)" : ""));
}

StatusOr<RefineOutcome> RefineDevice(db::Database& db, const profiles::DeviceProfile& base,
                                     const RefineRequest& request) {
  RefineOutcome out;
  MBENCH_ASSIGN_OR_RETURN(estimator::CalibrationData data,
                          CalibrationDataFromDb(db, base.id, request.data, &out.skipped));
  out.data_description = data.description;
  std::set<std::string> groups;
  for (const auto& p : data.points) {
    const auto& m = data.models[p.model];
    (m.part ? out.layer_points : out.whole_points)++;
    groups.insert(m.group);
  }
  out.models = static_cast<int>(groups.size());
  if (out.whole_points == 0) {
    return Status::FailedPrecondition(db.location() + ": no stored run of '" + base.id +
                                      "' names a model mbench can rebuild" +
                                      (out.skipped.empty() ? "" : " (" + out.skipped[0] + ")"));
  }
  const std::vector<profiles::DeviceProfile> devices = {base};
  estimator::FitOptions fo;
  fo.date = request.date;
  MBENCH_ASSIGN_OR_RETURN(estimator::FitResult fit, estimator::FitTargets(data, devices, fo));
  MBENCH_ASSIGN_OR_RETURN(estimator::CvResult cv, estimator::CrossValidate(data, devices, fo));
  // Intervals and reported errors come from whole models only: a single kernel is noisier than
  // a model, whose kernel errors partly cancel.
  estimator::CvResult whole;
  whole.unpredictable = cv.unpredictable;
  for (const auto& r : cv.rows) {
    if (!data.models[data.points[r.point].model].part) whole.rows.push_back(r);
  }
  out.refit_rows = whole.rows;
  out.refit_cv = estimator::Summarize(whole.rows);
  std::vector<profiles::DeviceProfile> refined = devices;
  estimator::ApplyFit(fit, whole, data, &refined);
  out.profile = refined[0];
  out.profile.path.clear();
  for (auto& t : out.profile.targets) {
    int whole_n = 0, parts = 0;
    for (const auto& ft : fit.targets) {
      if (ft.target.Key() != t.Key()) continue;
      for (int i : ft.points) (data.models[data.points[i].model].part ? parts : whole_n)++;
    }
    char method[256];
    std::snprintf(method, sizeof(method),
                  "roofline fit to %d end-to-end and %d per-kernel timings stored in the results "
                  "database; leave-one-model-out error on whole models",
                  whole_n, parts);
    t.calibration.method = method;
  }
  // Targets the stored runs do not cover stay as the base profile had them.
  for (const auto& t : base.targets) {
    bool covered = false;
    for (const auto& r : out.profile.targets) covered |= r.Key() == t.Key();
    if (!covered) out.profile.targets.push_back(t);
  }
  std::sort(out.profile.targets.begin(), out.profile.targets.end(),
            [](const auto& a, const auto& b) { return a.Key() < b.Key(); });
  // The base profile's own predictions of the same whole-model runs.
  std::set<std::string> base_models;
  for (const auto& t : base.targets) {
    base_models.insert(t.calibration.models.begin(), t.calibration.models.end());
  }
  auto is_new = [&](int point) {
    return base_models.count(data.models[data.points[point].model].key) == 0;
  };
  std::set<std::string> new_groups;
  std::vector<estimator::CvPoint> base_rows, base_new_rows, refit_new_rows;
  for (const auto& r : whole.rows) {
    if (is_new(r.point)) refit_new_rows.push_back(r);
  }
  for (size_t i = 0; i < data.points.size(); ++i) {
    const auto& m = data.points[i];
    if (data.models[m.model].part) continue;
    estimator::PredictRequest req;
    req.compute_unit = m.compute_unit;
    req.runtime = m.runtime;
    req.precision = m.precision;
    req.threads = m.threads;
    bool has = false;
    for (const auto& t : base.targets) has |= t.Key() == m.TargetKey();
    if (!has) continue;
    auto p = estimator::Predict(data.models[m.model].features, base, req);
    if (!p.ok()) continue;
    base_rows.push_back({static_cast<int>(i), base.id, m.TargetKey(), m.latency_ms, p->latency_ms,
                         p->latency_low_ms, p->latency_high_ms});
    if (is_new(static_cast<int>(i))) {
      base_new_rows.push_back(base_rows.back());
      new_groups.insert(data.models[m.model].group);
    }
  }
  out.base = estimator::Summarize(base_rows);
  out.base_new = estimator::Summarize(base_new_rows);
  // Only the runs the base could predict, so both sides cover the same points.
  std::set<int> predicted;
  for (const auto& r : base_new_rows) predicted.insert(r.point);
  std::vector<estimator::CvPoint> same;
  for (const auto& r : refit_new_rows) {
    if (predicted.count(r.point)) same.push_back(r);
  }
  out.refit_new = estimator::Summarize(same);
  out.new_models = static_cast<int>(new_groups.size());
  return out;
}

}  // namespace mbench::cli
