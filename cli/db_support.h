// Glue between the results database and the rest of mbench: records built from analyzed
// models, device profiles and this host; rendering query results; refitting profiles from
// stored runs. The db/ part itself knows none of these types.
#ifndef MBENCH_CLI_DB_SUPPORT_H_
#define MBENCH_CLI_DB_SUPPORT_H_

#include <memory>
#include <string>
#include <vector>

#include "analyzer/zoo.h"
#include "cli/report_writer.h"
#include "core/status_or.h"
#include "db/db.h"
#include "device_profiles/profile.h"
#include "estimator/calibration.h"
#include "runner/measure.h"

namespace mbench::cli {

// How to load a model again: the path (or zoo:NAME) with its zoo options and input shapes.
struct ModelRef {
  std::string path;
  analyzer::ZooOptions zoo;
  std::vector<std::string> input_shapes;
};
std::string EncodeRef(const ModelRef& ref);  // "zoo:mobilenet_v2 --width 0.5 --resolution 160"
StatusOr<ModelRef> DecodeRef(const std::string& ref, const std::string& input_shapes);

// The record of an analyzed model; `ref.path` is made absolute for files.
db::ModelRecord ModelRecordOf(const AnalyzedModel& m, const ModelRef& ref);
db::DeviceRecord DeviceRecordOf(const profiles::DeviceProfile& p);

// This machine, identified by its CPU: "host-amd-epyc-7b13-2c".
db::DeviceRecord HostDevice();

// Renders a query result as aligned text, JSON (an array of objects) or CSV.
std::string FormatTable(const db::Table& table, const std::string& format);

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

StatusOr<estimator::CalibrationData> CalibrationDataFromDb(
    db::Database& db, const std::string& device_id, const DbCalibrationOptions& options,
    std::vector<std::string>* skipped);

// The stored form of a runner measurement (runtime "mbench", this host's CPU).
db::RunRecord RunRecordOf(const runner::Measurement& m, int threads, const std::string& precision,
                          double init_ms, bool synthetic_weights, const std::string& options_json,
                          const std::string& measured_at);

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
};
StatusOr<RefineOutcome> RefineDevice(db::Database& db, const profiles::DeviceProfile& base,
                                     const RefineRequest& request);

// The profile a device is refined from: its active calibration in the database, else its file
// in `profile_dir`; kNotFound naming both places when neither exists.
StatusOr<profiles::DeviceProfile> BaseProfile(db::Database& db, const std::string& device_id,
                                              const std::string& profile_dir);

// Model group of a stored model: the architecture name, so that cross-validation holds out
// every size of it at once ("zoo:mobilenet_v2 ..." -> "mobilenet_v2").
std::string ModelGroup(const std::string& ref_or_name);

}  // namespace mbench::cli

#endif  // MBENCH_CLI_DB_SUPPORT_H_
