// Calibration: fitting device-profile targets to measured whole-model latencies, and
// leave-one-model-out cross-validation of the fit.
//
// The fit is hierarchical because the data is uneven: some targets have sixty measurements, some
// one. Targets are pooled into families (compute unit x precision, e.g. cpu/fp32 across TFLite
// and ncnn on every phone; NPUs also by accelerator line); a family shares the relative
// efficiencies of its kernel classes,
// and each target gets its own overall speed. Each target is then refined with a prior that
// keeps it near its family, so a target with one measurement only sets its speed while a target
// with many learns its own shape. Residuals are in log space (relative error), which weighs a
// 2 ms model and a 2 s model alike. Deterministic: the same data gives the same parameters.
#ifndef MBENCH_ESTIMATOR_CALIBRATION_H_
#define MBENCH_ESTIMATOR_CALIBRATION_H_

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/status_or.h"
#include "device_profiles/profile.h"
#include "estimator/estimator.h"

namespace mbench::estimator {

// One measured latency of one model on one target.
struct Measurement {
  std::string device_id;
  std::string compute_unit, runtime, precision, cluster;
  int threads = 0;
  int model = -1;  // index into CalibrationData::models
  double latency_ms = 0.0;
  std::string measured_on;
  std::string source;

  // The profile target this measurement belongs to ("cpu/tflite/fp32/4t").
  std::string TargetKey() const;
};

struct CalibrationModel {
  std::string key;    // "zoo:mobilenet_v2 w=0.75 r=160", "ncnn_params/resnet18.param"
  std::string group;  // the architecture, held out as a whole in cross-validation
  ModelFeatures features;
  // One kernel of a model, fitted to a per-layer timing; accuracy is judged on whole models.
  bool part = false;
};

struct CalibrationData {
  std::vector<CalibrationModel> models;
  std::vector<Measurement> points;
  std::string description;  // "data/latency/measurements.csv (sha256 1234abcd...)"
};

// Reads a measurements CSV (columns as written by data/latency/extract.py) and builds every model
// it names: "zoo:NAME" with its width and resolution, or a model file relative to `data_dir`.
// Errors name the file and line.
StatusOr<CalibrationData> LoadCalibrationData(const std::string& csv_path,
                                              const std::string& data_dir);

// A fitted target with the indices of the measurements it was fitted to.
struct FittedTarget {
  std::string device_id;
  profiles::Target target;
  std::vector<int> points;
};

struct FitResult {
  std::vector<FittedTarget> targets;  // sorted by device id, then target key
  // Family name -> in-sample RMS of log residuals over all its points.
  std::map<std::string, double> family_rms;
};

struct FitOptions {
  std::string date;                // recorded in each calibration
  std::set<std::string> held_out;  // model groups left out of the fit
  // Typical relative noise of one measurement, in log units: the same model on two phones with
  // the same SoC, or in two tables, differs by 5-20%. Data residuals are divided by it, so a
  // parameter one prior-sigma from its prior costs as much as one measurement this far off.
  double noise_sigma = 0.2;
  // Prior widths in log units: a family's shape around the generic start (every MAC class at
  // the family's median rate; 0.3 instead for a family measured on fewer than 9
  // architectures), and a target's shape around its family's.
  double family_prior_sigma = 1.5;
  double target_prior_sigma = 0.35;
  // Called by CrossValidate after each held-out fit with (done, total); may be empty.
  std::function<void(int, int)> progress;
};

// Fits every target that has at least one measurement outside `held_out`. `devices` supplies
// the bandwidth facts the memory terms start from; measurements of unknown devices are an error.
StatusOr<FitResult> FitTargets(const CalibrationData& data,
                               const std::vector<profiles::DeviceProfile>& devices,
                               const FitOptions& options);

// Leave-one-model-out cross-validation: for each model group, fit without it and predict its
// measurements. One row per predicted measurement.
struct CvPoint {
  int point = 0;
  std::string device_id, target_key;
  double measured_ms = 0.0, predicted_ms = 0.0, low_ms = 0.0, high_ms = 0.0;
};
struct CvResult {
  std::vector<CvPoint> rows;
  int unpredictable = 0;  // measurements whose target had no data left once the group was out
};
StatusOr<CvResult> CrossValidate(const CalibrationData& data,
                                 const std::vector<profiles::DeviceProfile>& devices,
                                 const FitOptions& options);

// Cross-validated rows predicted again, each from the rows of the same model (same key: the
// same widths and resolution) on other targets, anchored by estimator/anchor.h with every
// target's held-out residuals: how good a prediction is once the model was measured elsewhere.
// Its architecture stays out of every fit. Rows of a model measured on one target only, and
// kernel parts, are dropped; `unanchored` counts the former.
std::vector<CvPoint> AnchorRows(const CalibrationData& data, const std::vector<CvPoint>& rows,
                                int* unanchored);

// Accuracy summary of a set of (predicted, measured, interval) rows.
struct Accuracy {
  int n = 0;
  double mape_pct = 0.0;
  double within10_pct = 0.0;
  double within25_pct = 0.0;
  double coverage_pct = 0.0;  // measured value inside [low, high]
};
Accuracy Summarize(const std::vector<CvPoint>& rows);

// Writes the fitted targets, with cross-validated errors and intervals, into the profiles.
// Targets of a device are replaced wholesale; devices without data keep no targets.
void ApplyFit(const FitResult& fit, const CvResult& cv, const CalibrationData& data,
              std::vector<profiles::DeviceProfile>* devices);

}  // namespace mbench::estimator

#endif  // MBENCH_ESTIMATOR_CALIBRATION_H_
