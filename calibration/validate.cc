#include "calibration/validate.h"

#include <set>

#include "calibration/refine.h"
#include "core/env.h"

namespace mbench::calibration {
namespace {

// Adds cross-validation rows to the table's groups.
void GroupRows(const ValidateOptions& o, const estimator::CalibrationData& data,
               const std::vector<estimator::CvPoint>& rows,
               std::map<std::pair<std::string, std::string>, std::vector<estimator::CvPoint>>* out,
               std::vector<ValidationPoint>* points) {
  for (const auto& r : rows) {
    const auto& m = data.points[r.point];
    if (data.models[m.model].part) continue;  // judged on whole models
    if (o.by == "point") {
      points->push_back({r.device_id, r.target_key, data.models[m.model].key, r.measured_ms,
                         r.predicted_ms, r.low_ms, r.high_ms});
    }
    if (o.by == "model") {
      (*out)[{data.models[m.model].group, o.db_path.empty() ? "all targets" : r.device_id}]
          .push_back(r);
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
Status ValidateDb(
    const ValidateOptions& o, std::string* description, int* unpredictable,
    std::vector<estimator::CvPoint>* all_rows,
    std::map<std::pair<std::string, std::string>, std::vector<estimator::CvPoint>>* groups,
    std::vector<ValidationPoint>* points) {
  MBENCH_ASSIGN_OR_RETURN(auto results,
                          db::Database::Open(o.db_path, {.must_exist = true, .read_only = true}));
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
    if (o.progress) {
      fo.progress = [&](int done, int total) {
        o.progress("held-out fits of " + d.id, done, total);
      };
    }
    MBENCH_ASSIGN_OR_RETURN(estimator::CvResult cv, estimator::CrossValidate(data, {*base}, fo));
    GroupRows(o, data, cv.rows, groups, points);
    for (const auto& r : cv.rows) {
      if (!data.models[data.points[r.point].model].part) all_rows->push_back(r);
    }
    *unpredictable += cv.unpredictable;
    ++validated;
  }
  if (validated == 0) {
    return Status::NotFound(
        results->location() + ": no device " + (o.device.empty() ? "" : "'" + o.device + "' ") +
        "has a profile and stored runs of two or more models mbench can rebuild");
  }
  *description = results->location() + " (" + std::to_string(validated) + " devices' stored runs)";
  return Status::Ok();
}

}  // namespace

StatusOr<Inputs> LoadInputs(const std::string& data_dir) {
  Inputs in;
  MBENCH_ASSIGN_OR_RETURN(in.devices,
                          profiles::LoadDeviceFacts(JoinPath(data_dir, "devices.json"), &in.date));
  MBENCH_ASSIGN_OR_RETURN(in.data, estimator::LoadCalibrationData(
                                       JoinPath(data_dir, "latency/measurements.csv"), data_dir));
  return in;
}

StatusOr<std::vector<profiles::DeviceProfile>> FitPublishedProfiles(
    const std::string& data_dir, const std::function<void(const std::string&)>& log,
    const std::function<void(int, int)>& progress) {
  MBENCH_ASSIGN_OR_RETURN(Inputs in, LoadInputs(data_dir));
  log(std::to_string(in.data.points.size()) + " measurements of " +
      std::to_string(in.data.models.size()) + " models on " + std::to_string(in.devices.size()) +
      " devices");
  estimator::FitOptions fo;
  fo.date = in.date;
  MBENCH_ASSIGN_OR_RETURN(estimator::FitResult fit, estimator::FitTargets(in.data, in.devices, fo));
  log("cross-validating (one fit per held-out model)");
  fo.progress = progress;
  MBENCH_ASSIGN_OR_RETURN(estimator::CvResult cv,
                          estimator::CrossValidate(in.data, in.devices, fo));
  estimator::ApplyFit(fit, cv, in.data, &in.devices);
  return in.devices;
}

StatusOr<Validation> Validate(const ValidateOptions& o) {
  std::map<std::pair<std::string, std::string>, std::vector<estimator::CvPoint>> by_target;
  estimator::CvResult cv;
  Validation out;
  if (!o.db_path.empty() && o.anchored) {
    return Status::InvalidArgument(
        "--anchored validates on the published data, where models are measured on many "
        "devices; with --db each device is validated alone");
  }
  if (!o.db_path.empty()) {
    MBENCH_RETURN_IF_ERROR(
        ValidateDb(o, &out.data, &cv.unpredictable, &cv.rows, &by_target, &out.points));
  } else {
    MBENCH_ASSIGN_OR_RETURN(Inputs published, LoadInputs(o.data_dir));
    estimator::FitOptions fo;
    fo.date = published.date;
    if (o.progress) {
      fo.progress = [&](int done, int total) { o.progress("held-out fits", done, total); };
    }
    MBENCH_ASSIGN_OR_RETURN(cv, estimator::CrossValidate(published.data, published.devices, fo));
    if (o.anchored) cv.rows = estimator::AnchorRows(published.data, cv.rows, &out.unanchored);
    GroupRows(o, published.data, cv.rows, &by_target, &out.points);
    out.data = published.data.description;
  }
  for (const auto& [key, pts] : by_target) {
    out.rows.push_back({key.first, key.second, estimator::Summarize(pts)});
  }
  out.overall = {"all", "all", estimator::Summarize(cv.rows)};
  out.unpredictable = cv.unpredictable;
  return out;
}

}  // namespace mbench::calibration
