// The `mbench grade` report: model summary, runtime compatibility, per-device predictions with
// their intervals and sources, coverage and shipping warnings. Rendered as a one-screen table,
// JSON (stable keys), Markdown, or one self-contained HTML file with inline SVG plots.
#ifndef MBENCH_CLI_GRADE_REPORT_H_
#define MBENCH_CLI_GRADE_REPORT_H_

#include <string>
#include <vector>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "estimator/estimator.h"

namespace mbench::cli {

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

enum class GradeFormat { kTable, kJson, kMarkdown, kHtml };

std::string RenderGrade(const GradeReport& report, GradeFormat format);

}  // namespace mbench::cli

#endif  // MBENCH_CLI_GRADE_REPORT_H_
