// What benchmark tools print, read as runs: TFLite's benchmark_model (its log, with op
// profiling when it was on, and the op-profiling CSV it writes with
// --profiling_output_csv_file) and a Qualcomm AI Hub profile (the JSON a profile job
// downloads). Pure functions of the text; thread-safe. calibration/importer.h stores them.
#ifndef MBENCH_CALIBRATION_TOOL_LOGS_H_
#define MBENCH_CALIBRATION_TOOL_LOGS_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "db/db.h"

namespace mbench::calibration {

// One measurement a tool's output holds. Fields the output does not state stay empty or 0.
struct ToolRun {
  std::string model;         // as the output names it: benchmark_model's --graph path
  std::string compute_unit;  // "cpu", "gpu", "npu"; "" when the output does not say
  std::string runtime;       // "tflite", "nnapi", ...; "" when the output does not say
  int64_t threads = 0;
  int64_t n = 0;  // timed runs
  double mean_ms = 0, p50_ms = 0, min_ms = 0, max_ms = 0, std_ms = 0;
  double init_ms = -1, first_run_ms = -1;
  int line = 0;  // where in the file the result was printed
  std::vector<db::LayerRecord> layers;
};

// Whether `text` is a benchmark_model log, an op-profiling CSV benchmark_model wrote, or an AI
// Hub profile JSON.
bool IsBenchmarkModelLog(const std::string& text);
bool IsOpProfileCsv(const std::string& text);
bool IsAiHubProfile(const std::string& text);

// Every run in a benchmark_model log: each "Inference timings in us: ..." line ends one, with
// the settings printed before it (threads, delegates) and its timed runs' statistics line
// ("count=50 first=... min=... max=... avg=... std=..."). Op profiling tables of the regular
// runs ("Run Order"), when printed, become the run's layers. kCorruption naming `file` and the
// line for a result line that is not a measurement or a log without one.
Status BenchmarkModelRuns(const std::string& text, const std::string& file,
                          std::vector<ToolRun>* runs);

// The layers of an op-profiling CSV (the "Run Order" table of the regular runs).
Status OpProfileLayers(const std::string& text, const std::string& file,
                       std::vector<db::LayerRecord>* layers);

// The run an AI Hub profile JSON describes: execution_summary's inference times (microseconds;
// the median of all_inference_times when given, else estimated_inference_time) and
// execution_detail's layers, each with the compute unit that ran it (its `kernel`). The run's
// compute unit is the one that ran most of the time.
Status AiHubProfileRun(const std::string& text, const std::string& file, ToolRun* run);

}  // namespace mbench::calibration

#endif  // MBENCH_CALIBRATION_TOOL_LOGS_H_
