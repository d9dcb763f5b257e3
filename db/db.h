// The results database: every measurement, prediction and calibration mbench produces.
//
// Two engines behind one schema. SQLite is the default: one file, WAL mode, foreign keys on, the
// schema version in PRAGMA user_version. PostgreSQL serves a team or a device farm: the location
// is a libpq URI (postgresql://user@host/dbname), the tables live in the connection's current
// schema, the version in a table of its own. Either way the schema is upgraded in place by an
// ordered list of migrations when an older database is opened, and one from a newer mbench is
// refused rather than misread. Every write is one transaction that excludes other writers (SQLite's
// BEGIN IMMEDIATE, a PostgreSQL advisory lock), so a run is stored with all its layer timings or
// not at all, and two processes writing at once wait for each other (up to the busy timeout)
// instead of losing rows.
//
// This part knows nothing of the analyzer, runner or estimator: callers fill the plain records
// below, which keeps the schema the one contract between producers and dashboards.
#ifndef MBENCH_DB_DB_H_
#define MBENCH_DB_DB_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status_or.h"

namespace mbench::db {

namespace internal {
class Store;
}

// The schema version this build writes; older files are migrated up to it.
int LatestSchemaVersion();

// A model as the analyzer saw it. `key` identifies it: "<sha256> <input shapes>" for a model
// mbench analyzed (the same file at two input sizes is two models), "published:<name>" for a
// model that only a published table names.
struct ModelRecord {
  std::string key;
  std::string sha256;  // "" when no file was analyzed
  std::string name;
  std::string format;        // "onnx", "tflite", "ncnn", "zoo", "" when unknown
  std::string ref;           // how to load it again: a path or "zoo:NAME ..." ("" when none)
  std::string input_shapes;  // the --input-shape flags it was analyzed with
  int64_t macs = -1, flops = -1, params = -1, weight_bytes = -1, peak_activation_bytes = -1;
  int64_t layers = -1;  // -1: unknown
};

struct DeviceRecord {
  std::string id;  // a profile id ("pixel3") or "host-..." for a machine mbench ran on
  std::string name;
  std::string soc;
  std::string kind;        // "phone", "soc", "host", ...
  std::string cpu;         // CPU description
  std::string facts_json;  // hardware facts as JSON ("{}" when none)
};

struct LayerRecord {
  int64_t index = 0;
  std::string name, op, fused_into;
  double p50_ms = 0.0;
  double share = 0.0;
  std::string kernel;     // what ran it: "xnnpack", "mbench-gemm", ... ("" when unknown)
  std::string precision;  // the precision it ran in: fp32, fp16, int8 ("" when unknown)
};

struct RunRecord {
  std::string runtime = "mbench", compute_unit = "cpu", precision = "fp32", cluster;
  int64_t threads = 1;
  std::string options_json = "{}", build_json = "{}";
  std::string measured_at;  // ISO 8601 UTC
  std::string source;       // "mbench run" or the published table and line
  int64_t n = 0;            // timed runs (0 when a table gives only one number)
  double min_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0, std_ms = 0;
  double init_ms = -1, first_run_ms = -1;
  int64_t peak_rss_bytes = -1;
  bool synthetic_weights = false;
  std::vector<LayerRecord> layers;
};

struct PredictionRecord {
  std::string profile;      // profile file the prediction used
  std::string calibration;  // its calibration line
  std::string estimator_version;
  std::string target_key, runtime, compute_unit, precision;
  int64_t threads = 0;
  double latency_ms = 0, low_ms = 0, high_ms = 0;
  double energy_mj = -1;
  std::string created_at;
};

struct CalibrationRow {
  int64_t id = 0;
  std::string device_id;
  std::string profile_json;  // the whole fitted profile
  std::string method, data;
  int64_t points = 0, cv_points = 0;
  double rms_log_residual = 0, cv_mape_pct = -1;
  std::string created_at;
  bool active = false;
};

// A stored run with its model, for refitting.
struct StoredRun {
  int64_t id = 0;
  std::string device_id;
  ModelRecord model;
  RunRecord run;
};

// A query result: column names and rows of typed cells.
struct Cell {
  enum class Type { kNull, kInt, kReal, kText } type = Type::kNull;
  int64_t i = 0;
  double r = 0.0;
  std::string s;
};
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

// The named queries `mbench db query` offers, with a one-line description each.
struct NamedQuery {
  const char* name;
  const char* description;
  bool needs_model;  // takes --model
};
const std::vector<NamedQuery>& NamedQueries();

// The tables `mbench db export` writes, in dependency order.
const std::vector<std::string>& TableNames();

// A page of one of the documented views (docs/database.md), for the JSON API: filters that a
// view lacks are refused, never ignored.
struct BrowseRequest {
  std::string view;    // one of BrowseViews()
  std::string model;   // model name, key, ref or sha256 prefix ("" = any)
  std::string device;  // device id ("" = any)
  std::string runtime;
  std::string since, until;  // ISO 8601 bounds on the view's date column, inclusive
  int64_t run_id = -1;       // the layers view needs one
  int64_t limit = 100;       // 1..kMaxBrowseLimit
  int64_t offset = 0;
};
inline constexpr int64_t kMaxBrowseLimit = 1000;
struct BrowsePage {
  Table rows;
  int64_t total = 0;  // rows matching the filters, over every page
};
// The views Browse reads: "runs", "layers", "predictions", "predicted-vs-measured",
// "accuracy", "history", "leaderboard", "devices", "models".
const std::vector<std::string>& BrowseViews();

// An upload token as listed (the secret itself is never stored, only its SHA-256).
struct TokenRow {
  std::string name, created_at, revoked_at;  // revoked_at "" while valid
};

struct OpenOptions {
  bool must_exist = false;      // kNotFound instead of creating a new file
  int busy_timeout_ms = 15000;  // how long a write waits for another process's transaction
  int schema_version = 0;       // migrate up to this version (0: the latest); tests make old files
  // For commands that only read (query, export, validate): opens without write access, so a
  // user who may read the file but not write it (or its folder) can still query it. Nothing is
  // created or migrated; a database from an older mbench asks to be opened once with write
  // access. Implies must_exist.
  bool read_only = false;
};

class Database {
 public:
  // Opens and migrates the database at `location`: a postgresql:// (or postgres://) URI, else an
  // SQLite file path. A file is created when absent, a PostgreSQL schema filled when empty,
  // unless `must_exist` (then kNotFound). Errors name the location (a URI's password masked):
  // not a database, somebody else's tables, from a newer mbench, cannot connect, locked past the
  // busy timeout, read-only; kUnsupported for a URI when built without MBENCH_WITH_POSTGRES.
  static StatusOr<std::unique_ptr<Database>> Open(const std::string& location,
                                                  const OpenOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The location as messages show it: the file path, or the URI with its password masked.
  const std::string& location() const;
  // "sqlite" or "postgresql".
  const char* engine() const;
  StatusOr<int> SchemaVersion();

  // Inserts or refreshes a device or model; returns the model's row id.
  Status PutDevice(const DeviceRecord& device);
  StatusOr<int64_t> PutModel(const ModelRecord& model);

  // Stores one run with its device, model and layer timings in one transaction; returns its id.
  StatusOr<int64_t> AddRun(const DeviceRecord& device, const ModelRecord& model,
                           const RunRecord& run);
  // AddRun unless the same run is stored already (see AddRuns): the run's id, and whether it
  // is new. Uploads use it, so a client that retries stores its run once.
  StatusOr<std::pair<int64_t, bool>> AddRunOnce(const DeviceRecord& device,
                                                const ModelRecord& model, const RunRecord& run);
  // Stores many runs in one transaction (imports, runs copied from a phone): all or none.
  // A run already stored (same device, model, runtime, compute unit, precision, threads,
  // source and statistics) is not stored again, so a second import of the same table adds
  // nothing; returns how many were new.
  StatusOr<int> AddRuns(
      const std::vector<DeviceRecord>& devices,
      const std::vector<std::pair<ModelRecord, std::vector<std::pair<std::string, RunRecord>>>>&
          runs);

  // Stores predictions of one model on devices (device record, prediction) in one transaction.
  StatusOr<int> AddPredictions(const ModelRecord& model,
                               const std::vector<std::pair<DeviceRecord, PredictionRecord>>& rows);

  // Stores a calibration and makes it the active one for its device (the previous active one
  // stays as history); returns its id.
  StatusOr<int64_t> AddCalibration(const DeviceRecord& device, const CalibrationRow& row);
  // The active calibration of a device, if any.
  StatusOr<std::optional<CalibrationRow>> ActiveCalibration(const std::string& device_id);
  // Every device with an active calibration.
  StatusOr<std::vector<CalibrationRow>> ActiveCalibrations();

  // Runs stored for a device (with layer timings), oldest first.
  StatusOr<std::vector<StoredRun>> RunsOfDevice(const std::string& device_id);
  // Runs of the model with this content hash on every device (without layer timings), oldest
  // first: what anchors a prediction of the same model elsewhere.
  StatusOr<std::vector<StoredRun>> RunsOfModel(const std::string& sha256);
  StatusOr<std::vector<DeviceRecord>> Devices();

  // The engine's own check (SQLite's integrity_check) and that every row's references resolve:
  // Ok, or kCorruption with the first problem.
  Status CheckIntegrity();
  // Row count of a table (see TableNames).
  StatusOr<int64_t> Count(const std::string& table);

  // A named query (see NamedQueries); `model` filters by model name, key or sha256 prefix.
  StatusOr<Table> Query(const std::string& name, const std::string& model);
  // All rows of one table (see TableNames).
  StatusOr<Table> Dump(const std::string& table);

  // One page of a view with its filters (see BrowseRequest); kInvalidArgument names a filter
  // the view does not have, an unknown view, or a limit out of range.
  StatusOr<BrowsePage> Browse(const BrowseRequest& request);

  // Upload tokens. AddToken returns the new secret, which is shown once: only its SHA-256 is
  // stored. A name is unique; revoking keeps the row (and its name) for the record.
  StatusOr<std::string> AddToken(const std::string& name);
  Status RevokeToken(const std::string& name);
  StatusOr<std::vector<TokenRow>> Tokens();
  // The name of the valid token whose secret this is, or nullopt. Every valid token's hash is
  // compared in full (constant time per comparison), so the time does not say how close a guess
  // came.
  StatusOr<std::optional<std::string>> TokenOwner(const std::string& secret);

  // Test hook: called inside AddRun's transaction after each layer row is written.
  std::function<void(int64_t)> after_layer_hook;

 private:
  Database(std::unique_ptr<internal::Store> store, bool postgres);
  Status Migrate(int target_version);
  StatusOr<int64_t> PutModelLocked(const ModelRecord& model);
  // Runs joined with their models WHERE `column` = `value` (a fixed column name, never input).
  StatusOr<std::vector<StoredRun>> SelectRuns(const std::string& column, const std::string& value);
  Status PutDeviceLocked(const DeviceRecord& device);
  // The id of a stored run equal to `r` (see AddRuns), or 0.
  StatusOr<int64_t> FindRunLocked(const std::string& device_id, int64_t model_id,
                                  const RunRecord& r);
  StatusOr<int64_t> AddRunLocked(const std::string& device_id, int64_t model_id,
                                 const RunRecord& run);

  std::unique_ptr<internal::Store> store_;
  bool postgres_ = false;
};

// The current time as ISO 8601 UTC ("2026-12-01T21:40:00Z").
std::string NowUtc();

}  // namespace mbench::db

#endif  // MBENCH_DB_DB_H_
