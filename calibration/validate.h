// Fitting and validating device profiles: every profile fitted to the published measurements
// (`fit-profiles`), and leave-one-model-out cross-validation either of those fits or of the
// runs stored in a results database (`validate`), grouped by target, model or family. Pure apart
// from reading the data files and the database; not thread-safe with respect to the database.
#ifndef MBENCH_CALIBRATION_VALIDATE_H_
#define MBENCH_CALIBRATION_VALIDATE_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status_or.h"
#include "db/db.h"
#include "device_profiles/profile.h"
#include "estimator/calibration.h"

namespace mbench::calibration {

// The published data a data directory holds: devices.json (hardware facts, dated) and
// latency/measurements.csv (with ncnn_params/ for the networks it names).
struct Inputs {
  std::vector<profiles::DeviceProfile> devices;
  estimator::CalibrationData data;
  std::string date;
};
StatusOr<Inputs> LoadInputs(const std::string& data_dir);

// Every profile fitted to the published data, with its cross-validated error; `log` gets
// progress lines. Deterministic.
// `progress` (may be empty) is called after each held-out fit with (done, total).
StatusOr<std::vector<profiles::DeviceProfile>> FitPublishedProfiles(
    const std::string& data_dir, const std::function<void(const std::string&)>& log,
    const std::function<void(int, int)>& progress = {});

struct ValidateOptions {
  std::string data_dir;       // the published data (when db_path is empty)
  std::string by = "target";  // rows per "target", "model", "family" or "point"
  std::string db_path;        // validate on the runs stored here instead
  std::string device;         // with db_path: only this device
  std::string profile_dir;    // with db_path: profiles of devices not refined
  // Each measurement predicted from the other measurements of the same model (its architecture
  // still held out of every fit): how good a prediction is once the model was measured on
  // other targets (estimator/anchor.h). Published data only.
  bool anchored = false;
  // Called after each held-out fit with (phase, done, total); may be empty.
  std::function<void(const std::string&, int, int)> progress;
};

// One row of the validation table.
struct ValidationRow {
  std::string device, target;
  estimator::Accuracy acc;
};

// One held-out prediction: a measurement and what the fit without its architecture said.
struct ValidationPoint {
  std::string device, target, model;
  double measured_ms = 0.0, predicted_ms = 0.0, low_ms = 0.0, high_ms = 0.0;
};

struct Validation {
  std::string data;  // what was validated on
  std::vector<ValidationRow> rows;
  std::vector<ValidationPoint> points;  // by "point": every prediction, in the data's order
  ValidationRow overall;
  int unpredictable = 0;  // measurements whose target had no other model
  int unanchored = 0;     // with `anchored`: measurements of a model measured nowhere else
};

// Leave-one-model-out cross-validation (each architecture removed from every fit, then
// predicted). kNotFound (with db_path) when no device has a profile and runs of two or more
// rebuildable models.
StatusOr<Validation> Validate(const ValidateOptions& options);

}  // namespace mbench::calibration

#endif  // MBENCH_CALIBRATION_VALIDATE_H_
