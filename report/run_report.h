// The `mbench run` report: end-to-end latency statistics, start-up, memory, the plan's
// precision mix and, with per-layer timing, every layer; as a table, JSON (schema_version 1:
// model, device, options, latency_ms, layers, build) or CSV (one row of statistics, or one row
// per layer). Pure functions of their inputs; thread-safe.
#ifndef MBENCH_REPORT_RUN_REPORT_H_
#define MBENCH_REPORT_RUN_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzer/model_ref.h"
#include "core/status_or.h"
#include "report/format.h"
#include "runner/measure.h"
#include "runner/plan.h"

namespace mbench::report {

// Everything a run report shows. The pointers borrow; they must outlive the call.
struct RunReport {
  const analyzer::AnalyzedModel* model = nullptr;
  const runner::Plan* plan = nullptr;
  const runner::Measurement* measurement = nullptr;
  runner::CpuDescription cpu;
  std::string device_id;
  nlohmann::ordered_json options;  // the effective options, as stored with the run
  int threads = 1;
  std::string precision = "fp32";
  bool per_layer = false;
  double init_ms = 0.0;
  std::vector<std::string> warnings;
  int64_t run_id = -1;  // the stored run, or -1
  std::string db_location;
};

// Outputs must be finite: a NaN means a kernel is wrong, not a timing to report (kInternal).
// In fp16 an infinity can be honest overflow (beyond +-65504): kInvalidArgument with the
// model's own weights, a note (the returned string) with seeded ones. "" when all is finite.
StatusOr<std::string> CheckOutputs(const runner::Plan& plan, const std::string& model_path,
                                   const std::string& precision);

// The warnings a run carries: a debug or sanitizer build, fp16 without fp16 arithmetic, an
// overflow note, more threads than CPUs, timed runs that drifted by more than their spread,
// a run stopped by --max-secs, seeded weights.
std::vector<std::string> RunWarnings(const runner::Measurement& m,
                                     const runner::CpuDescription& cpu,
                                     const std::string& precision, bool synthetic_weights,
                                     const std::string& overflow_note, int threads);

// The report in `format`; the table fits `width` columns (0: no limit).
std::string RenderRun(const RunReport& report, ReportFormat format, size_t width = 0);

}  // namespace mbench::report

#endif  // MBENCH_REPORT_RUN_REPORT_H_
