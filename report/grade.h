// The `mbench grade` report: model summary, runtime compatibility, per-device predictions with
// their intervals and sources, coverage and shipping warnings. BuildGradeReport decides what it
// says (the shipping rules live there); RenderGrade renders it as a one-screen table, JSON
// (stable keys), Markdown, or one self-contained HTML file with inline SVG plots. Pure
// functions of their inputs; thread-safe.
#ifndef MBENCH_REPORT_GRADE_H_
#define MBENCH_REPORT_GRADE_H_

#include <string>
#include <vector>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "calibration/speed_check.h"
#include "core/status_or.h"
#include "device_profiles/profile.h"
#include "estimator/estimator.h"

namespace mbench::report {

// Version of the grade JSON layout.
inline constexpr int kGradeSchemaVersion = 1;

struct CompatibilityRow {
  std::string id;    // "tflite_gpu"
  std::string name;  // "TFLite GPU delegate"
  std::vector<std::string> unsupported_ops;
  std::string source;
};

struct GradePrediction {
  estimator::Prediction p;
  std::vector<double> battery_hours;  // one per GradeReport::battery_fps; < 0 when unknown
  bool has_battery = false;
};

struct GradeReport {
  const analyzer::LoadedModel* model = nullptr;
  const analyzer::ModelAnalysis* analysis = nullptr;
  std::string compute_unit, precision;
  int threads = 0;
  std::vector<CompatibilityRow> compatibility;
  std::vector<GradePrediction> predictions;
  std::vector<double> battery_fps;
  std::vector<std::pair<std::string, std::string>> not_predicted;  // device id, reason
  std::vector<std::string> warnings;
  double target_fps = 0.0;                 // 0: no gate
  std::vector<std::string> missed_target;  // devices below target_fps
  std::string coverage;                    // "at 30 FPS: ..." line; empty without a target
  std::string profile_dir;
};

enum class GradeFormat { kTable, kJson, kMarkdown, kHtml, kCsv };

// The terminal view: the width it fits (0: no limit; `--wide`) and whether it shows every
// detail (`--verbose`: each runtime's op-list source, why each device was not predicted, each
// target's calibration in full).
struct GradeTextOptions {
  size_t width = 0;
  bool verbose = false;
};

// What to grade for: the compute unit, precision and threads asked for (empty / 0: each
// device's best calibrated choice), the frame rates battery hours are given at, and an
// optional frame-rate gate.
struct GradeRequest {
  // "" = the CPU, or the one unit `runtime` runs on (qnn, nnapi: the NPU).
  std::string compute;
  std::string precision;  // "" = fp32 on CPU, fp16 on GPU/NPU
  int threads = 0;
  std::vector<double> fps = {30.0, 1.0};
  double target_fps = 0.0;  // 0: no gate
  bool keep_kernel_times = false;
  std::string profile_dir;  // where the profiles came from, as the report names it
  int current_year = 0;     // "phones of the last 4 years" counts from it
  std::string runtime;      // "" = each device's preferred calibrated runtime
  std::string target;       // one target by key ("cpu/ncnn/fp32/4t-little"); overrides the above
  // Latencies of this model measured on some targets (`--measured`, runs in the results
  // database): they anchor every prediction (estimator/anchor.h).
  struct Measured {
    std::string device_id, target_key;  // target "" = the one this request picks on the device
    double ms = 0.0;
    std::string source;  // "--measured", "results.db run 12"
  };
  std::vector<Measured> measured;
  // Where a measured device's profile is looked up when it is not among the graded devices.
  const std::vector<profiles::DeviceProfile>* all_profiles = nullptr;
  // The host's speed now against its calibration (`--speed-check`): its predictions rescaled.
  std::vector<calibration::SpeedCheck> speed_checks;

  // kInvalidArgument for an fps outside (0, 10000] or a negative target.
  Status Validate() const;
};

// Apple: apps over 200 MB are not downloaded over a cellular connection.
inline constexpr int64_t kCellularLimitBytes = 200LL * 1000 * 1000;

// Grades `model` (with its `analysis`) on `devices`: compatibility per runtime, a prediction
// per device that can make one (the rest listed with the reason), and the warnings that matter
// to shipping (size over the cellular limit, unknown work, int8 for a float model, recent phones
// below 30 FPS, missing power figures, poorly cross-validated calibrations, extrapolation).
// kInvalidArgument for an fps outside (0, 10000]; kUnsupported when no device can predict.
// The report points at `model` and `analysis`, which must outlive it.
StatusOr<GradeReport> BuildGradeReport(const analyzer::LoadedModel& model,
                                       const analyzer::ModelAnalysis& analysis,
                                       const std::vector<profiles::DeviceProfile>& devices,
                                       const GradeRequest& request);

// "At 30 FPS: 12 of 20 devices; by release year: 2019 1/4 ...; every device from 2021 on".
std::string CoverageLine(const std::vector<GradePrediction>& predictions, double fps);

// Parses "table", "json", "csv", "md"/"markdown", "html"; kInvalidArgument otherwise.
StatusOr<GradeFormat> ParseGradeFormat(const std::string& name);

// `text` applies to the table format only; csv has one row per prediction.
std::string RenderGrade(const GradeReport& report, GradeFormat format,
                        const GradeTextOptions& text = {});

}  // namespace mbench::report

#endif  // MBENCH_REPORT_GRADE_H_
