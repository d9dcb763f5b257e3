#include "db/db.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <utility>

namespace mbench::db {
namespace {

// The schema, one migration per version. Never edit a migration that has shipped: add one.
const char* const kMigrations[] = {
    // 1: what a measurement needs.
    R"sql(
CREATE TABLE models(
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  sha256 TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  format TEXT NOT NULL DEFAULT '',
  ref TEXT NOT NULL DEFAULT '',
  input_shapes TEXT NOT NULL DEFAULT '',
  macs INTEGER, flops INTEGER, params INTEGER, weight_bytes INTEGER,
  peak_activation_bytes INTEGER, layers INTEGER,
  added_at TEXT NOT NULL);
CREATE TABLE devices(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  soc TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL DEFAULT '',
  cpu TEXT NOT NULL DEFAULT '',
  facts TEXT NOT NULL DEFAULT '{}',
  added_at TEXT NOT NULL);
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(id),
  model_id INTEGER NOT NULL REFERENCES models(id),
  runtime TEXT NOT NULL, compute_unit TEXT NOT NULL, precision TEXT NOT NULL,
  threads INTEGER NOT NULL, cluster TEXT NOT NULL DEFAULT '',
  options TEXT NOT NULL DEFAULT '{}', build TEXT NOT NULL DEFAULT '{}',
  measured_at TEXT NOT NULL, source TEXT NOT NULL,
  n INTEGER NOT NULL, min_ms REAL, p50_ms REAL NOT NULL CHECK(p50_ms > 0), p90_ms REAL,
  p99_ms REAL, max_ms REAL, mean_ms REAL, std_ms REAL,
  init_ms REAL, first_run_ms REAL, peak_rss_bytes INTEGER,
  synthetic_weights INTEGER NOT NULL DEFAULT 0,
  layer_count INTEGER NOT NULL DEFAULT 0);
CREATE TABLE layer_timings(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  layer_index INTEGER NOT NULL,
  name TEXT NOT NULL, op TEXT NOT NULL, fused_into TEXT NOT NULL DEFAULT '',
  p50_ms REAL NOT NULL, share REAL NOT NULL,
  PRIMARY KEY(run_id, layer_index));
CREATE INDEX runs_by_device_model ON runs(device_id, model_id);
CREATE INDEX runs_by_model ON runs(model_id);
)sql",
    // 2: the loop: what was predicted, and which fitted profile a device uses.
    R"sql(
CREATE TABLE predictions(
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(id),
  model_id INTEGER NOT NULL REFERENCES models(id),
  profile TEXT NOT NULL, calibration TEXT NOT NULL, estimator_version TEXT NOT NULL,
  target_key TEXT NOT NULL, runtime TEXT NOT NULL, compute_unit TEXT NOT NULL,
  precision TEXT NOT NULL, threads INTEGER NOT NULL,
  latency_ms REAL NOT NULL, low_ms REAL NOT NULL, high_ms REAL NOT NULL, energy_mj REAL,
  created_at TEXT NOT NULL);
CREATE INDEX predictions_by_device_model ON predictions(device_id, model_id);
CREATE TABLE calibrations(
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(id),
  profile_json TEXT NOT NULL,
  method TEXT NOT NULL, data TEXT NOT NULL,
  points INTEGER NOT NULL, cv_points INTEGER NOT NULL,
  rms_log_residual REAL NOT NULL, cv_mape_pct REAL,
  created_at TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX one_active_calibration ON calibrations(device_id) WHERE active = 1;
)sql",
};
constexpr int kNumMigrations = sizeof(kMigrations) / sizeof(kMigrations[0]);

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) {
    rc_ = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &s_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK && s_ != nullptr; }
  sqlite3_stmt* get() { return s_; }

  Stmt& Text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Int(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  // Negative values mean "unknown" and are stored as NULL.
  Stmt& IntOrNull(int i, int64_t v) {
    if (v < 0) sqlite3_bind_null(s_, i); else sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& Real(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Stmt& RealOrNull(int i, double v) {
    if (v < 0) sqlite3_bind_null(s_, i); else sqlite3_bind_double(s_, i, v);
    return *this;
  }
  int Step() { return sqlite3_step(s_); }
  std::string ColText(int i) {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
  }
  int64_t ColInt(int i, int64_t null_value = -1) {
    return sqlite3_column_type(s_, i) == SQLITE_NULL ? null_value : sqlite3_column_int64(s_, i);
  }
  double ColReal(int i, double null_value = -1) {
    return sqlite3_column_type(s_, i) == SQLITE_NULL ? null_value : sqlite3_column_double(s_, i);
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

// Rolls back unless committed: an error (or an exception) in the middle of a write leaves the
// file as it was.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  int Begin() {
    int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    open_ = rc == SQLITE_OK;
    return rc;
  }
  int Commit() {
    int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) open_ = false;
    return rc;
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace

int LatestSchemaVersion() { return kNumMigrations; }

std::string NowUtc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const std::vector<NamedQuery>& NamedQueries() {
  static const std::vector<NamedQuery> q = {
      {"predicted-vs-measured",
       "each profile's latest prediction next to the median measured p50, per device, model, "
       "runtime, precision and threads, with the error and whether the measurement fell inside "
       "the interval",
       false},
      {"prediction-accuracy",
       "per device, profile, runtime, precision and threads: how the latest predictions compare "
       "with the measurements (MAPE, share within 10% and 25%, interval coverage)",
       false},
      {"model-history", "every stored run of a model, oldest first (--model)", true},
      {"leaderboard", "devices ranked by their best p50 for a model (--model)", true},
      {"devices", "devices with their run, prediction and calibration counts", false},
      {"calibrations", "every calibration, newest first, with its residuals", false},
  };
  return q;
}

const std::vector<std::string>& TableNames() {
  static const std::vector<std::string> t = {"devices", "models", "runs", "layer_timings",
                                             "predictions", "calibrations"};
  return t;
}

Database::~Database() { sqlite3_close_v2(db_); }

Status Database::Fail(const std::string& what) const {
  const int code = sqlite3_extended_errcode(db_);
  std::string msg = path_ + ": " + what + ": " + sqlite3_errmsg(db_);
  if (((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) &&
      msg.find("database is locked") != std::string::npos) {
    char held[96];
    std::snprintf(held, sizeof(held), " (another process held it for more than %.1f s)",
                  busy_timeout_ms_ / 1000.0);
    msg += held;
    return Status::IOError(msg);
  }
  if ((code & 0xff) == SQLITE_NOTADB) return Status::Corruption(path_ + ": not an SQLite database");
  if ((code & 0xff) == SQLITE_CORRUPT) return Status::Corruption(msg);
  return Status::IOError(msg);
}

Status Database::Exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Fail("cannot execute '" + sql.substr(0, 40) + "'");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                   const OpenOptions& options) {
  const bool must_exist = options.must_exist;
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (must_exist && !exists) return Status::NotFound(path + ": no such results database");
  if (exists && std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(path + ": is a directory, not a results database");
  }
  sqlite3* handle = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (must_exist ? 0 : SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    sqlite3_close_v2(handle);
    return Status::IOError(path + ": cannot open the results database: " + msg);
  }
  std::unique_ptr<Database> db(new Database(path, handle, options.busy_timeout_ms));
  sqlite3_busy_timeout(handle, options.busy_timeout_ms);
  sqlite3_extended_result_codes(handle, 1);
  // Reading the header first tells a random file from a database before anything is written.
  {
    Stmt probe(handle, "PRAGMA schema_version");
    if (!probe.ok() || probe.Step() != SQLITE_ROW) return db->Fail("cannot read the file");
  }
  {
    Stmt wal(handle, "PRAGMA journal_mode=WAL");
    if (!wal.ok() || wal.Step() != SQLITE_ROW) return db->Fail("cannot switch to WAL mode");
    if (wal.ColText(0) != "wal") {
      return Status::IOError(path + ": the file system does not support WAL mode (journal mode '" +
                             wal.ColText(0) + "')");
    }
  }
  MBENCH_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  // FULL: a committed run survives a power cut, not only a killed process.
  MBENCH_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  const int target = options.schema_version > 0 ? std::min(options.schema_version, kNumMigrations)
                                                : kNumMigrations;
  MBENCH_RETURN_IF_ERROR(db->Migrate(target));
  return db;
}

StatusOr<int> Database::SchemaVersion() {
  Stmt s(db_, "PRAGMA user_version");
  if (!s.ok() || s.Step() != SQLITE_ROW) return Fail("cannot read the schema version");
  return static_cast<int>(s.ColInt(0, 0));
}

Status Database::Migrate(int target_version) {
  // Up to date (the usual case): no write lock, so opening never waits for another writer.
  {
    MBENCH_ASSIGN_OR_RETURN(int current, SchemaVersion());
    if (current > kNumMigrations) {
      return Status::Unsupported(path_ + ": written by a newer mbench (schema version " +
                                 std::to_string(current) + "; this build knows up to " +
                                 std::to_string(kNumMigrations) + ")");
    }
    if (current >= target_version) return Status::Ok();
  }
  Transaction tx(db_);
  if (tx.Begin() != SQLITE_OK) return Fail("cannot start the schema migration");
  MBENCH_ASSIGN_OR_RETURN(int version, SchemaVersion());
  if (version > kNumMigrations) {
    return Status::Unsupported(path_ + ": written by a newer mbench (schema version " +
                               std::to_string(version) + "; this build knows up to " +
                               std::to_string(kNumMigrations) + ")");
  }
  if (version == 0) {
    // A fresh file, or an SQLite file that is not ours: refuse to add tables to someone's data.
    Stmt s(db_, "SELECT count(*) FROM sqlite_master");
    if (!s.ok() || s.Step() != SQLITE_ROW) return Fail("cannot list tables");
    if (s.ColInt(0, 0) > 0) {
      return Status::InvalidArgument(path_ + ": an SQLite database that mbench did not create "
                                     "(it has tables but no mbench schema version)");
    }
  }
  for (int v = version; v < target_version; ++v) {
    if (sqlite3_exec(db_, kMigrations[v], nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Fail("migration to schema version " + std::to_string(v + 1) + " failed");
    }
    MBENCH_RETURN_IF_ERROR(Exec("PRAGMA user_version=" + std::to_string(v + 1)));
  }
  if (tx.Commit() != SQLITE_OK) return Fail("cannot commit the schema migration");
  return Status::Ok();
}

Status Database::PutDeviceLocked(const DeviceRecord& d) {
  if (d.id.empty()) return Status::InvalidArgument(path_ + ": a device needs an id");
  Stmt s(db_,
         "INSERT INTO devices(id, name, soc, kind, cpu, facts, added_at) VALUES(?,?,?,?,?,?,?) "
         "ON CONFLICT(id) DO UPDATE SET "
         "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END, "
         "soc = CASE WHEN excluded.soc <> '' THEN excluded.soc ELSE soc END, "
         "kind = CASE WHEN excluded.kind <> '' THEN excluded.kind ELSE kind END, "
         "cpu = CASE WHEN excluded.cpu <> '' THEN excluded.cpu ELSE cpu END, "
         "facts = CASE WHEN excluded.facts NOT IN ('', '{}') THEN excluded.facts ELSE facts END");
  if (!s.ok()) return Fail("cannot prepare the device insert");
  s.Text(1, d.id).Text(2, d.name.empty() ? d.id : d.name).Text(3, d.soc).Text(4, d.kind)
      .Text(5, d.cpu).Text(6, d.facts_json.empty() ? "{}" : d.facts_json).Text(7, NowUtc());
  if (s.Step() != SQLITE_DONE) return Fail("cannot store device " + d.id);
  return Status::Ok();
}

StatusOr<int64_t> Database::PutModelLocked(const ModelRecord& m) {
  if (m.key.empty()) return Status::InvalidArgument(path_ + ": a model needs a key");
  {
    Stmt s(db_,
           "INSERT INTO models(key, sha256, name, format, ref, input_shapes, macs, flops, params, "
           "weight_bytes, peak_activation_bytes, layers, added_at) "
           "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET "
           "ref = CASE WHEN excluded.ref <> '' THEN excluded.ref ELSE ref END");
    if (!s.ok()) return Fail("cannot prepare the model insert");
    s.Text(1, m.key).Text(2, m.sha256).Text(3, m.name.empty() ? m.key : m.name).Text(4, m.format)
        .Text(5, m.ref).Text(6, m.input_shapes).IntOrNull(7, m.macs).IntOrNull(8, m.flops)
        .IntOrNull(9, m.params).IntOrNull(10, m.weight_bytes)
        .IntOrNull(11, m.peak_activation_bytes).IntOrNull(12, m.layers).Text(13, NowUtc());
    if (s.Step() != SQLITE_DONE) return Fail("cannot store model " + m.name);
  }
  Stmt q(db_, "SELECT id FROM models WHERE key = ?");
  if (!q.ok()) return Fail("cannot prepare the model lookup");
  q.Text(1, m.key);
  if (q.Step() != SQLITE_ROW) return Fail("model " + m.name + " vanished after insert");
  return q.ColInt(0);
}

StatusOr<int64_t> Database::AddRunLocked(const std::string& device_id, int64_t model_id,
                                         const RunRecord& r) {
  if (!(r.p50_ms > 0)) {
    return Status::InvalidArgument(path_ + ": a run needs a positive latency (p50 " +
                                   std::to_string(r.p50_ms) + " ms)");
  }
  Stmt s(db_,
         "INSERT INTO runs(device_id, model_id, runtime, compute_unit, precision, threads, "
         "cluster, options, build, measured_at, source, n, min_ms, p50_ms, p90_ms, p99_ms, "
         "max_ms, mean_ms, std_ms, init_ms, first_run_ms, peak_rss_bytes, synthetic_weights, "
         "layer_count) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!s.ok()) return Fail("cannot prepare the run insert");
  s.Text(1, device_id).Int(2, model_id).Text(3, r.runtime).Text(4, r.compute_unit)
      .Text(5, r.precision).Int(6, r.threads).Text(7, r.cluster).Text(8, r.options_json)
      .Text(9, r.build_json).Text(10, r.measured_at.empty() ? NowUtc() : r.measured_at)
      .Text(11, r.source).Int(12, r.n).Real(13, r.min_ms).Real(14, r.p50_ms).Real(15, r.p90_ms)
      .Real(16, r.p99_ms).Real(17, r.max_ms).Real(18, r.mean_ms).Real(19, r.std_ms)
      .RealOrNull(20, r.init_ms).RealOrNull(21, r.first_run_ms).IntOrNull(22, r.peak_rss_bytes)
      .Int(23, r.synthetic_weights ? 1 : 0).Int(24, static_cast<int64_t>(r.layers.size()));
  if (s.Step() != SQLITE_DONE) return Fail("cannot store the run");
  const int64_t run_id = sqlite3_last_insert_rowid(db_);
  Stmt l(db_,
         "INSERT INTO layer_timings(run_id, layer_index, name, op, fused_into, p50_ms, share) "
         "VALUES(?,?,?,?,?,?,?)");
  if (!l.ok()) return Fail("cannot prepare the layer insert");
  for (const LayerRecord& t : r.layers) {
    sqlite3_reset(l.get());
    l.Int(1, run_id).Int(2, t.index).Text(3, t.name).Text(4, t.op).Text(5, t.fused_into)
        .Real(6, t.p50_ms).Real(7, t.share);
    if (l.Step() != SQLITE_DONE) return Fail("cannot store layer " + std::to_string(t.index));
    if (after_layer_hook) after_layer_hook(t.index);
  }
  return run_id;
}

Status Database::PutDevice(const DeviceRecord& device) {
  Transaction tx(db_);
  if (tx.Begin() != SQLITE_OK) return Fail("cannot start a write");
  MBENCH_RETURN_IF_ERROR(PutDeviceLocked(device));
  if (tx.Commit() != SQLITE_OK) return Fail("cannot commit the device");
  return Status::Ok();
}

StatusOr<int64_t> Database::PutModel(const ModelRecord& model) {
  Transaction tx(db_);
  if (tx.Begin() != SQLITE_OK) return Fail("cannot start a write");
  MBENCH_ASSIGN_OR_RETURN(int64_t id, PutModelLocked(model));
  if (tx.Commit() != SQLITE_OK) return Fail("cannot commit the model");
  return id;
}

StatusOr<int64_t> Database::AddRun(const DeviceRecord& device, const ModelRecord& model,
                                   const RunRecord& run) {
  Transaction tx(db_);
  if (tx.Begin() != SQLITE_OK) return Fail("cannot start a write");
  MBENCH_RETURN_IF_ERROR(PutDeviceLocked(device));
  MBENCH_ASSIGN_OR_RETURN(int64_t model_id, PutModelLocked(model));
  MBENCH_ASSIGN_OR_RETURN(int64_t run_id, AddRunLocked(device.id, model_id, run));
  if (tx.Commit() != SQLITE_OK) return Fail("cannot commit the run");
  return run_id;
}

StatusOr<int> Database::AddRuns(
    const std::vector<DeviceRecord>& devices,
    const std::vector<std::pair<ModelRecord, std::vector<std::pair<std::string, RunRecord>>>>&
        runs) {
  Transaction tx(db_);
  if (tx.Begin() != SQLITE_OK) return Fail("cannot start a write");
  for (const DeviceRecord& d : devices) MBENCH_RETURN_IF_ERROR(PutDeviceLocked(d));
  int stored = 0;
  for (const auto& [model, model_runs] : runs) {
    MBENCH_ASSIGN_OR_RETURN(int64_t model_id, PutModelLocked(model));
    for (const auto& [device_id, run] : model_runs) {
      MBENCH_ASSIGN_OR_RETURN(int64_t id, AddRunLocked(device_id, model_id, run));
      (void)id;
      ++stored;
    }
  }
  if (tx.Commit() != SQLITE_OK) return Fail("cannot commit the import");
  return stored;
}

StatusOr<int> Database::AddPredictions(
    const ModelRecord& model, const std::vector<std::pair<DeviceRecord, PredictionRecord>>& rows) {
  Transaction tx(db_);
  if (tx.Begin() != SQLITE_OK) return Fail("cannot start a write");
  MBENCH_ASSIGN_OR_RETURN(int64_t model_id, PutModelLocked(model));
  Stmt s(db_,
         "INSERT INTO predictions(device_id, model_id, profile, calibration, estimator_version, "
         "target_key, runtime, compute_unit, precision, threads, latency_ms, low_ms, high_ms, "
         "energy_mj, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!s.ok()) return Fail("cannot prepare the prediction insert");
  for (const auto& [device, p] : rows) {
    MBENCH_RETURN_IF_ERROR(PutDeviceLocked(device));
    sqlite3_reset(s.get());
    s.Text(1, device.id).Int(2, model_id).Text(3, p.profile).Text(4, p.calibration)
        .Text(5, p.estimator_version).Text(6, p.target_key).Text(7, p.runtime)
        .Text(8, p.compute_unit).Text(9, p.precision).Int(10, p.threads).Real(11, p.latency_ms)
        .Real(12, p.low_ms).Real(13, p.high_ms).RealOrNull(14, p.energy_mj)
        .Text(15, p.created_at.empty() ? NowUtc() : p.created_at);
    if (s.Step() != SQLITE_DONE) return Fail("cannot store a prediction for " + device.id);
  }
  if (tx.Commit() != SQLITE_OK) return Fail("cannot commit the predictions");
  return static_cast<int>(rows.size());
}

StatusOr<int64_t> Database::AddCalibration(const DeviceRecord& device, const CalibrationRow& c) {
  Transaction tx(db_);
  if (tx.Begin() != SQLITE_OK) return Fail("cannot start a write");
  MBENCH_RETURN_IF_ERROR(PutDeviceLocked(device));
  {
    Stmt off(db_, "UPDATE calibrations SET active = 0 WHERE device_id = ?");
    if (!off.ok()) return Fail("cannot prepare the calibration update");
    off.Text(1, device.id);
    if (off.Step() != SQLITE_DONE) return Fail("cannot retire the previous calibration");
  }
  Stmt s(db_,
         "INSERT INTO calibrations(device_id, profile_json, method, data, points, cv_points, "
         "rms_log_residual, cv_mape_pct, created_at, active) VALUES(?,?,?,?,?,?,?,?,?,1)");
  if (!s.ok()) return Fail("cannot prepare the calibration insert");
  s.Text(1, device.id).Text(2, c.profile_json).Text(3, c.method).Text(4, c.data)
      .Int(5, c.points).Int(6, c.cv_points).Real(7, c.rms_log_residual)
      .RealOrNull(8, c.cv_mape_pct).Text(9, c.created_at.empty() ? NowUtc() : c.created_at);
  if (s.Step() != SQLITE_DONE) return Fail("cannot store the calibration");
  const int64_t id = sqlite3_last_insert_rowid(db_);
  if (tx.Commit() != SQLITE_OK) return Fail("cannot commit the calibration");
  return id;
}

namespace {
constexpr const char* kCalibrationColumns =
    "id, device_id, profile_json, method, data, points, cv_points, rms_log_residual, "
    "cv_mape_pct, created_at, active";
CalibrationRow ReadCalibration(Stmt& s) {
  CalibrationRow c;
  c.id = s.ColInt(0);
  c.device_id = s.ColText(1);
  c.profile_json = s.ColText(2);
  c.method = s.ColText(3);
  c.data = s.ColText(4);
  c.points = s.ColInt(5, 0);
  c.cv_points = s.ColInt(6, 0);
  c.rms_log_residual = s.ColReal(7, 0);
  c.cv_mape_pct = s.ColReal(8, -1);
  c.created_at = s.ColText(9);
  c.active = s.ColInt(10, 0) != 0;
  return c;
}
}  // namespace

StatusOr<std::optional<CalibrationRow>> Database::ActiveCalibration(const std::string& device_id) {
  Stmt s(db_, std::string("SELECT ") + kCalibrationColumns +
                  " FROM calibrations WHERE device_id = ? AND active = 1");
  if (!s.ok()) return Fail("cannot prepare the calibration lookup");
  s.Text(1, device_id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<CalibrationRow>();
  if (rc != SQLITE_ROW) return Fail("cannot read calibrations");
  return std::optional<CalibrationRow>(ReadCalibration(s));
}

StatusOr<std::vector<CalibrationRow>> Database::ActiveCalibrations() {
  Stmt s(db_, std::string("SELECT ") + kCalibrationColumns +
                  " FROM calibrations WHERE active = 1 ORDER BY device_id");
  if (!s.ok()) return Fail("cannot prepare the calibration lookup");
  std::vector<CalibrationRow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadCalibration(s));
  if (rc != SQLITE_DONE) return Fail("cannot read calibrations");
  return out;
}

StatusOr<std::vector<DeviceRecord>> Database::Devices() {
  Stmt s(db_, "SELECT id, name, soc, kind, cpu, facts FROM devices ORDER BY id");
  if (!s.ok()) return Fail("cannot prepare the device list");
  std::vector<DeviceRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.ColText(0), s.ColText(1), s.ColText(2), s.ColText(3), s.ColText(4),
                   s.ColText(5)});
  }
  if (rc != SQLITE_DONE) return Fail("cannot read devices");
  return out;
}

StatusOr<std::vector<StoredRun>> Database::RunsOfDevice(const std::string& device_id) {
  Stmt s(db_,
         "SELECT r.id, m.key, m.sha256, m.name, m.format, m.ref, m.input_shapes, m.macs, "
         "r.runtime, r.compute_unit, r.precision, r.threads, r.cluster, r.measured_at, r.source, "
         "r.n, r.min_ms, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms, r.mean_ms, r.std_ms, "
         "r.synthetic_weights, r.layer_count "
         "FROM runs r JOIN models m ON m.id = r.model_id WHERE r.device_id = ? ORDER BY r.id");
  if (!s.ok()) return Fail("cannot prepare the run lookup");
  s.Text(1, device_id);
  std::vector<StoredRun> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    StoredRun r;
    r.id = s.ColInt(0);
    r.model.key = s.ColText(1);
    r.model.sha256 = s.ColText(2);
    r.model.name = s.ColText(3);
    r.model.format = s.ColText(4);
    r.model.ref = s.ColText(5);
    r.model.input_shapes = s.ColText(6);
    r.model.macs = s.ColInt(7);
    r.run.runtime = s.ColText(8);
    r.run.compute_unit = s.ColText(9);
    r.run.precision = s.ColText(10);
    r.run.threads = s.ColInt(11, 0);
    r.run.cluster = s.ColText(12);
    r.run.measured_at = s.ColText(13);
    r.run.source = s.ColText(14);
    r.run.n = s.ColInt(15, 0);
    r.run.min_ms = s.ColReal(16, 0);
    r.run.p50_ms = s.ColReal(17, 0);
    r.run.p90_ms = s.ColReal(18, 0);
    r.run.p99_ms = s.ColReal(19, 0);
    r.run.max_ms = s.ColReal(20, 0);
    r.run.mean_ms = s.ColReal(21, 0);
    r.run.std_ms = s.ColReal(22, 0);
    r.run.synthetic_weights = s.ColInt(23, 0) != 0;
    r.run.layers.reserve(static_cast<size_t>(s.ColInt(24, 0)));
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return Fail("cannot read runs");
  Stmt l(db_,
         "SELECT layer_index, name, op, fused_into, p50_ms, share FROM layer_timings "
         "WHERE run_id = ? ORDER BY layer_index");
  if (!l.ok()) return Fail("cannot prepare the layer lookup");
  for (StoredRun& r : out) {
    sqlite3_reset(l.get());
    l.Int(1, r.id);
    while ((rc = l.Step()) == SQLITE_ROW) {
      r.run.layers.push_back({l.ColInt(0), l.ColText(1), l.ColText(2), l.ColText(3),
                              l.ColReal(4, 0), l.ColReal(5, 0)});
    }
    if (rc != SQLITE_DONE) return Fail("cannot read layer timings");
  }
  return out;
}

StatusOr<Table> Database::Select(const std::string& sql, const std::vector<std::string>& args) {
  Stmt s(db_, sql);
  if (!s.ok()) return Fail("cannot prepare a query");
  for (size_t i = 0; i < args.size(); ++i) s.Text(static_cast<int>(i + 1), args[i]);
  Table t;
  const int n = sqlite3_column_count(s.get());
  for (int i = 0; i < n; ++i) t.columns.push_back(sqlite3_column_name(s.get(), i));
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    std::vector<Cell> row(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      Cell& c = row[static_cast<size_t>(i)];
      switch (sqlite3_column_type(s.get(), i)) {
        case SQLITE_INTEGER:
          c.type = Cell::Type::kInt;
          c.i = sqlite3_column_int64(s.get(), i);
          break;
        case SQLITE_FLOAT:
          c.type = Cell::Type::kReal;
          c.r = sqlite3_column_double(s.get(), i);
          break;
        case SQLITE_NULL:
          break;
        default:
          c.type = Cell::Type::kText;
          c.s = s.ColText(i);
      }
    }
    t.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return Fail("query failed");
  return t;
}

StatusOr<Table> Database::Query(const std::string& name, const std::string& model) {
  // Matches a model by name, key, ref or sha256 prefix (at least 8 hex digits).
  const std::string model_match =
      "(m.name = ?1 OR m.key = ?1 OR m.ref = ?1 OR "
      "(length(?1) >= 8 AND substr(m.sha256, 1, length(?1)) = lower(?1)))";
  // Latest prediction next to the median measured p50 of the same device, model, runtime,
  // compute unit, precision and threads (the lower middle for even counts).
  const std::string pvm =
      "WITH meas AS ("
      "  SELECT device_id, model_id, runtime, compute_unit, precision, threads, p50_ms,"
      "    row_number() OVER (PARTITION BY device_id, model_id, runtime, compute_unit,"
      "      precision, threads ORDER BY p50_ms) AS k,"
      "    count(*) OVER (PARTITION BY device_id, model_id, runtime, compute_unit, precision,"
      "      threads) AS cnt FROM runs),"
      " med AS (SELECT device_id, model_id, runtime, compute_unit, precision, threads,"
      "   p50_ms AS measured_ms, cnt AS runs FROM meas WHERE k = (cnt + 1) / 2),"
      " pred AS (SELECT p.*, row_number() OVER (PARTITION BY device_id, model_id, profile,"
      "   runtime, compute_unit, precision, threads ORDER BY id DESC) AS k FROM predictions p),"
      " pvm AS (SELECT pred.device_id, pred.profile, m.name AS model, pred.runtime, pred.compute_unit,"
      "   pred.precision, pred.threads, pred.latency_ms, pred.low_ms, pred.high_ms,"
      "   med.measured_ms, med.runs, pred.calibration, pred.created_at,"
      "   100.0 * (pred.latency_ms - med.measured_ms) / med.measured_ms AS error"
      " FROM pred JOIN med USING (device_id, model_id, runtime, compute_unit, precision,"
      "   threads) JOIN models m ON m.id = pred.model_id"
      " WHERE pred.k = 1 AND (?1 = '' OR " + model_match + "))";
  if (name == "predicted-vs-measured") {
    return Select(pvm +
                      " SELECT device_id, model, runtime, compute_unit, precision, threads,"
                      "   profile, round(latency_ms, 4) AS predicted_ms, round(low_ms, 4) AS low_ms,"
                      "   round(high_ms, 4) AS high_ms, round(measured_ms, 4) AS measured_ms, runs,"
                      "   round(error, 1) AS error_pct,"
                      "   (measured_ms BETWEEN low_ms AND high_ms) AS inside_interval, calibration"
                      " FROM pvm ORDER BY device_id, model, threads, profile",
                  {model});
  }
  if (name == "prediction-accuracy") {
    return Select(pvm +
                      " SELECT device_id, profile, runtime, precision, threads, count(*) AS n,"
                      "   round(avg(abs(error)), 1) AS mape_pct,"
                      "   round(100.0 * avg(abs(error) <= 10), 1) AS within10_pct,"
                      "   round(100.0 * avg(abs(error) <= 25), 1) AS within25_pct,"
                      "   round(100.0 * avg(measured_ms BETWEEN low_ms AND high_ms), 1)"
                      "     AS interval_coverage_pct"
                      " FROM pvm GROUP BY device_id, profile, runtime, precision, threads"
                      " ORDER BY device_id, profile, runtime, precision, threads",
                  {model});
  }
  if (name == "model-history") {
    return Select(
        "SELECT r.id AS run_id, r.measured_at, r.device_id, m.name AS model, r.runtime,"
        "  r.compute_unit, r.precision, r.threads, r.n, round(r.p50_ms, 4) AS p50_ms,"
        "  round(r.std_ms, 4) AS std_ms, json_extract(r.build, '$.version') AS mbench_version,"
        "  r.source"
        " FROM runs r JOIN models m ON m.id = r.model_id WHERE " + model_match +
        " ORDER BY r.measured_at, r.id",
        {model});
  }
  if (name == "leaderboard") {
    return Select(
        "SELECT row_number() OVER (ORDER BY min(r.p50_ms)) AS rank, r.device_id, d.name AS device,"
        "  r.runtime, r.compute_unit, r.precision, r.threads, round(min(r.p50_ms), 4) AS best_p50_ms,"
        "  round(1000.0 / min(r.p50_ms), 2) AS fps, count(*) AS runs"
        " FROM runs r JOIN models m ON m.id = r.model_id JOIN devices d ON d.id = r.device_id"
        " WHERE " + model_match +
        " GROUP BY r.device_id, r.runtime, r.compute_unit, r.precision, r.threads"
        " ORDER BY best_p50_ms",
        {model});
  }
  if (name == "devices") {
    return Select(
        "SELECT d.id, d.name, d.soc, d.kind,"
        "  (SELECT count(*) FROM runs r WHERE r.device_id = d.id) AS runs,"
        "  (SELECT count(*) FROM predictions p WHERE p.device_id = d.id) AS predictions,"
        "  (SELECT count(*) FROM calibrations c WHERE c.device_id = d.id) AS calibrations"
        " FROM devices d ORDER BY d.id",
        {});
  }
  if (name == "calibrations") {
    return Select(
        "SELECT id, device_id, created_at, active, points, cv_points,"
        "  round(rms_log_residual, 4) AS rms_log_residual, round(cv_mape_pct, 2) AS cv_mape_pct,"
        "  method, data FROM calibrations ORDER BY id DESC",
        {});
  }
  std::string names;
  for (const auto& q : NamedQueries()) names += (names.empty() ? "" : ", ") + std::string(q.name);
  return Status::NotFound("no query named '" + name + "' (queries: " + names + ")");
}

Status Database::CheckIntegrity() {
  {
    Stmt s(db_, "PRAGMA integrity_check");
    if (!s.ok() || s.Step() != SQLITE_ROW) return Fail("cannot check integrity");
    if (s.ColText(0) != "ok") return Status::Corruption(path_ + ": " + s.ColText(0));
  }
  Stmt f(db_, "PRAGMA foreign_key_check");
  if (!f.ok()) return Fail("cannot check foreign keys");
  const int rc = f.Step();
  if (rc == SQLITE_ROW) {
    return Status::Corruption(path_ + ": table " + f.ColText(0) + " row " + f.ColText(1) +
                              " points at a missing " + f.ColText(2) + " row");
  }
  if (rc != SQLITE_DONE) return Fail("cannot check foreign keys");
  return Status::Ok();
}

StatusOr<int64_t> Database::Count(const std::string& table) {
  for (const std::string& t : TableNames()) {
    if (t != table) continue;
    Stmt s(db_, "SELECT count(*) FROM " + t);
    if (!s.ok() || s.Step() != SQLITE_ROW) return Fail("cannot count " + t);
    return s.ColInt(0, 0);
  }
  return Status::NotFound("no table named '" + table + "'");
}

StatusOr<Table> Database::Dump(const std::string& table) {
  for (const std::string& t : TableNames()) {
    if (t == table) {
      return Select("SELECT * FROM " + t +
                        (t == "layer_timings" ? " ORDER BY run_id, layer_index" : " ORDER BY id"),
                    {});
    }
  }
  return Status::NotFound("no table named '" + table + "'");
}

}  // namespace mbench::db
