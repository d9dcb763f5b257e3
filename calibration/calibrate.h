// `calibrate`'s measurement: this host's copy bandwidth, every probe (calibration/probes.h) and
// whole model timed end to end and per layer at each thread count on the runner, each run
// stored in the results database, then the profile refit from those runs (refine.h). Takes
// minutes; reports progress through a callback. Not thread-safe (it measures).
#ifndef MBENCH_CALIBRATION_CALIBRATE_H_
#define MBENCH_CALIBRATION_CALIBRATE_H_

#include <functional>
#include <string>
#include <vector>

#include "calibration/refine.h"
#include "core/status_or.h"
#include "db/db.h"

namespace mbench::calibration {

struct CalibrateOptions {
  std::vector<int> threads;  // empty: 1 and every logical processor
  std::vector<std::string> models = {"zoo:mobilenet_v1", "zoo:resnet18", "zoo:squeezenet1_1",
                                     "zoo:shufflenet_v2"};
  std::string probe_dir;  // where the probe models are written (refine reads them again)
  bool no_probes = false;
  bool quick = false;                     // every sixth probe: minutes instead of tens of minutes
  std::vector<std::string> probe_filter;  // only probes whose name contains one of these
  bool measure_only = false;  // store the runs, fit nothing (mbench device calibrate fits)
  std::vector<int> cpus;      // pinned to these CPUs (PinToCpus) when not empty
  double probe_secs = 0.1, model_secs = 0.3;  // minimum measuring time per probe / model
  // Called during the final fit after each leave-one-model-out fit with (done, total).
  std::function<void(int, int)> fit_progress;
};

struct CalibrateResult {
  db::DeviceRecord host;
  double bandwidth_gbps = 0.0;
  RefineOutcome outcome;  // the refit profile and its cross-validated error (not measure_only)
  int runs = 0;           // runs stored
  double elapsed_secs = 0.0;
  int remeasured = 0;  // measurements taken again because their repeats disagreed
  int noisy = 0;       // of those, still noisy the second time
};

// A measurement whose repeats spread more than this ((p90 - min) / min, and over 50 us) is
// noisy: another process shares the CPU or its clock is moving. It is measured again, for
// longer, once.
inline constexpr double kNoisySpread = 0.25;
// A calibration is made active only when every target with 3 or more held-out points
// cross-validates below this MAPE, and at most a quarter of the measurements stayed noisy.
inline constexpr double kMaxCalibrationCvMape = 50.0;

// Why a fitted calibration should not become the device's active profile; empty when it may.
std::vector<std::string> CalibrationProblems(const RefineOutcome& outcome, int noisy, int runs);

// "12 s", "3.5 min".
std::string Duration(double secs);

// Measures this host and refits its profile; `log` receives one progress line per step
// (measured item with the time left, fitting). Runs are stored as they are measured; the
// calibration row is the caller's to store (CalibrationRowOf). kInvalidArgument when there is
// nothing to measure; the runner's and the database's errors, annotated with the model.
StatusOr<CalibrateResult> CalibrateHost(db::Database& results, const CalibrateOptions& options,
                                        const std::function<void(const std::string&)>& log);

}  // namespace mbench::calibration

#endif  // MBENCH_CALIBRATION_CALIBRATE_H_
