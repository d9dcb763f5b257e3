// Profiles learned from measurements stored in the results database: the calibration data a
// device's runs make, the refit (`mbench refine`, and the last step of `calibrate`) with its
// out-of-sample comparison against the profile it would replace, the calibration row that
// records it, and the profiles `grade --db` uses (refined ones in place of the files).
// Functions read and write only through the Database they are given; not thread-safe with
// respect to it.
#ifndef MBENCH_CALIBRATION_REFINE_H_
#define MBENCH_CALIBRATION_REFINE_H_

#include <functional>
#include <string>
#include <vector>

#include "core/status_or.h"
#include "db/db.h"
#include "device_profiles/profile.h"
#include "estimator/calibration.h"
#include "estimator/kernels.h"

namespace mbench::calibration {

// Replaces (or adds) the profiles of devices that have an active calibration in the database;
// `notes` receives one line per replaced profile.
Status OverlayCalibrations(db::Database& db, std::vector<profiles::DeviceProfile>* profiles,
                           std::vector<std::string>* notes);

// Stored runs of a device turned into calibration data: one point per end-to-end run and one
// per kernel of each run with layer timings (the layers a kernel fuses summed). Models whose
// reference no longer loads, or whose file changed, are skipped with a line in `skipped`.
struct DbCalibrationOptions {
  bool per_layer = true;
  std::string runtime;  // only runs of this runtime ("" = all)
};
// The time of each kernel of `plan` in a run's layer timings: the sum of its layers, or -1
// when a layer is missing or the runner fused layers across the kernel's edge (fused_into a
// layer outside it, or a layer outside it fused into one of its own): a residual Add the
// runner folds into the convolution before it is a kernel of its own in the plan, timed at
// ~0, and the convolution's time carries the Add's; neither is a sample of one kernel.
std::vector<double> KernelTimings(const estimator::KernelPlan& plan,
                                  const std::vector<db::LayerRecord>& layers);

StatusOr<estimator::CalibrationData> CalibrationDataFromDb(db::Database& db,
                                                           const std::string& device_id,
                                                           const DbCalibrationOptions& options,
                                                           std::vector<std::string>* skipped);

// Refits a device's profile from its stored runs (see CalibrationDataFromDb). `base` supplies
// the hardware facts and the targets the stored runs do not cover, which are kept as they are.
struct RefineOutcome {
  profiles::DeviceProfile profile;
  int whole_points = 0, layer_points = 0, models = 0;
  // Whole-model accuracy on the stored runs: leave-one-model-out for the refit, and the base
  // profile's plain predictions of the same runs (n = 0 when it has none of their targets).
  estimator::Accuracy refit_cv, base;
  // The same on the runs of models the base profile was not fitted to: both predictions are
  // then out of sample, which makes this the fair comparison (n = 0 when there are none).
  estimator::Accuracy refit_new, base_new;
  int new_models = 0;
  std::vector<estimator::CvPoint> refit_rows;  // whole-model cross-validation rows
  std::vector<std::string> skipped;
  std::string data_description;
};
struct RefineRequest {
  DbCalibrationOptions data;
  std::string date;  // YYYY-MM-DD recorded in the calibration
  // Called after each leave-one-model-out fit with (done, total); may be empty.
  std::function<void(int, int)> progress;
};
StatusOr<RefineOutcome> RefineDevice(db::Database& db, const profiles::DeviceProfile& base,
                                     const RefineRequest& request);

// Whether a refit should replace the profile it was made from: when the stored runs hold
// models the base was not fitted to, only if the refit predicts them (out of sample) at least
// as well as the base does; with none, always (there is nothing out of sample to compare).
bool RefitImproves(const RefineOutcome& outcome);

// The calibration row recording `outcome` for `device_id`: the profile, the method (estimator
// version), the data and the leave-one-model-out error.
db::CalibrationRow CalibrationRowOf(const std::string& device_id, const RefineOutcome& outcome);

// The profile a device is refined from: its active calibration in the database, else its file
// in `profile_dir`; kNotFound naming both places when neither exists.
StatusOr<profiles::DeviceProfile> BaseProfile(db::Database& db, const std::string& device_id,
                                              const std::string& profile_dir);

// The device profiles a command predicts with: the files given, or every profile in `dir`
// with refined profiles from `results` (when not null) in place of their files (`notes` gets
// one line per replaced profile); then only `ids` when any are given. kInvalidArgument names
// an unknown id and lists the known ones.
StatusOr<std::vector<profiles::DeviceProfile>> SelectProfiles(const std::vector<std::string>& files,
                                                              const std::string& dir,
                                                              const std::vector<std::string>& ids,
                                                              db::Database* results,
                                                              std::vector<std::string>* notes);

}  // namespace mbench::calibration

#endif  // MBENCH_CALIBRATION_REFINE_H_
