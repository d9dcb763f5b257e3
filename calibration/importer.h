// Latency tables into the results database: published benchmark tables (ncnn's benchmark
// README, TFLite/Core ML latencies, Qualcomm AI Hub), what benchmark tools print (benchncnn,
// TFLite's benchmark_model with its op profiling, an AI Hub profile JSON) and mbench's own CSV,
// each row stored as a run of the device it names (recognised from the profiles by id, name or
// SoC) with its source.
// Reads the file and the model files it names; not thread-safe with respect to the database.
#ifndef MBENCH_CALIBRATION_IMPORTER_H_
#define MBENCH_CALIBRATION_IMPORTER_H_

#include <string>
#include <utility>
#include <vector>

#include "core/status_or.h"
#include "db/db.h"

namespace mbench::calibration {

struct ImportOptions {
  std::string file;
  // auto (from the content), benchncnn, benchmark-model, qai-hub-profile, ncnn, tflite,
  // qai-hub, mbench
  std::string kind = "auto";
  // For a tool's output (benchncnn, benchmark-model, qai-hub-profile), which does not say:
  std::string device;       // the device it ran on (required)
  std::string measured_at;  // when; "" stores none
  std::string model;        // the model file (or zoo:NAME) it measured: its work becomes known
  std::string runtime;      // the runtime (required for qai-hub-profile)
  std::string precision;    // fp32, fp16 or int8 (default: from --model, else from the name)
  std::string op_profile;   // benchmark-model: its --profiling_output_csv_file, as the layers
  std::string data_dir;     // where ncnn_params/ and mbench model_refs are found
  std::string profile_dir;  // profiles used to recognise devices
};

struct ImportSummary {
  int runs = 0, models = 0, devices = 0;
  int already_stored = 0;     // runs the database held already (a table imported again)
  int skipped_rows = 0;       // rows without a time (failed or never-run jobs)
  int unresolved_models = 0;  // stored by name only: no network file mbench can rebuild
};

// A table read and resolved (devices recognised, model files analyzed), not yet stored.
struct ImportBatch {
  std::vector<db::DeviceRecord> devices;
  std::vector<std::pair<db::ModelRecord, std::vector<std::pair<std::string, db::RunRecord>>>> runs;
  ImportSummary summary;  // runs is 0 until stored
};

// Reads `options.file` before anything is stored. kCorruption names the file, line and column
// of a malformed table; the profile directory's errors otherwise.
StatusOr<ImportBatch> ReadTable(const ImportOptions& options);

// Stores a batch in `results`, all rows or none.
StatusOr<ImportSummary> StoreBatch(const ImportBatch& batch, db::Database& results);

}  // namespace mbench::calibration

#endif  // MBENCH_CALIBRATION_IMPORTER_H_
