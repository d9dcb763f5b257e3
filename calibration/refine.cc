#include "calibration/refine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "analyzer/model_ref.h"
#include "core/env.h"
#include "estimator/estimator.h"

namespace mbench::calibration {

Status OverlayCalibrations(db::Database& db, std::vector<profiles::DeviceProfile>* profiles,
                           std::vector<std::string>* notes) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::CalibrationRow> rows, db.ActiveCalibrations());
  for (const auto& row : rows) {
    const std::string origin = db.location() + " (calibration " + std::to_string(row.id) + ")";
    MBENCH_ASSIGN_OR_RETURN(profiles::DeviceProfile p,
                            profiles::ParseProfile(row.profile_json, origin));
    p.path = origin;
    auto it = std::find_if(profiles->begin(), profiles->end(),
                           [&](const auto& q) { return q.id == p.id; });
    if (it != profiles->end()) {
      *it = std::move(p);
    } else {
      profiles->push_back(std::move(p));
    }
    if (notes)
      notes->push_back(row.device_id + ": refined profile from " + origin + ", " + row.created_at);
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

StatusOr<estimator::CalibrationData> CalibrationDataFromDb(db::Database& db,
                                                           const std::string& device_id,
                                                           const DbCalibrationOptions& options,
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
    const std::string group =
        analyzer::ModelGroup(r.model.ref.empty() ? r.model.name : r.model.ref);
    if (fresh) {
      if (r.model.ref.empty()) {
        if (skipped) skipped->push_back(r.model.name + ": no model file is known for it");
        continue;
      }
      auto ref = analyzer::DecodeRef(r.model.ref, r.model.input_shapes);
      if (!ref.ok()) {
        if (skipped) skipped->push_back(ref.status().message());
        continue;
      }
      auto a = analyzer::LoadAndAnalyze(ref->path, ref->input_shapes, ref->zoo);
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
      const bool one_kernel =
          m.features.plan.kernels.size() == 1 ||
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

StatusOr<profiles::DeviceProfile> BaseProfile(db::Database& db, const std::string& device_id,
                                              const std::string& profile_dir) {
  MBENCH_ASSIGN_OR_RETURN(std::optional<db::CalibrationRow> active,
                          db.ActiveCalibration(device_id));
  if (active) {
    const std::string origin = db.location() + " (calibration " + std::to_string(active->id) + ")";
    MBENCH_ASSIGN_OR_RETURN(profiles::DeviceProfile p,
                            profiles::ParseProfile(active->profile_json, origin));
    p.path = origin;
    return p;
  }
  const std::string file = JoinPath(profile_dir, device_id + ".json");
  if (FileExists(file)) return profiles::LoadProfile(file);
  return Status::NotFound(
      "device '" + device_id + "' has no calibration in " + db.location() + " and no profile " +
      file + (device_id.rfind("host-", 0) == 0 ? " (run `mbench calibrate` first)" : ""));
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
  fo.progress = request.progress;
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

bool RefitImproves(const RefineOutcome& r) {
  return r.base_new.n == 0 || r.refit_new.mape_pct <= r.base_new.mape_pct;
}

db::CalibrationRow CalibrationRowOf(const std::string& device_id, const RefineOutcome& r) {
  db::CalibrationRow row;
  row.device_id = device_id;
  row.profile_json = profiles::ProfileToJson(r.profile);
  row.method = "leave-one-model-out roofline fit (estimator " +
               std::string(estimator::kEstimatorVersion) + ")";
  row.data = r.data_description + ": " + std::to_string(r.whole_points) + " end-to-end, " +
             std::to_string(r.layer_points) + " per-kernel";
  row.points = r.whole_points + r.layer_points;
  row.cv_points = r.refit_cv.n;
  double ss = 0;
  for (const auto& c : r.refit_rows) ss += std::pow(std::log(c.predicted_ms / c.measured_ms), 2);
  row.rms_log_residual = r.refit_rows.empty() ? 0 : std::sqrt(ss / r.refit_rows.size());
  row.cv_mape_pct = r.refit_cv.n > 0 ? r.refit_cv.mape_pct : -1;
  return row;
}

StatusOr<std::vector<profiles::DeviceProfile>> SelectProfiles(const std::vector<std::string>& files,
                                                              const std::string& dir,
                                                              const std::vector<std::string>& ids,
                                                              db::Database* results,
                                                              std::vector<std::string>* notes) {
  std::vector<profiles::DeviceProfile> all;
  if (!files.empty()) {
    for (const auto& f : files) {
      MBENCH_ASSIGN_OR_RETURN(profiles::DeviceProfile p, profiles::LoadProfile(f));
      all.push_back(std::move(p));
    }
  } else {
    MBENCH_ASSIGN_OR_RETURN(all, profiles::LoadProfileDir(dir));
    // A device refined from stored measurements (`mbench refine`) is graded with that fit.
    if (results != nullptr) MBENCH_RETURN_IF_ERROR(OverlayCalibrations(*results, &all, notes));
  }
  if (ids.empty()) return all;
  std::vector<profiles::DeviceProfile> out;
  for (const auto& id : ids) {
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

}  // namespace mbench::calibration
