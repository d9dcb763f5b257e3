#include "db/db.h"

#include <algorithm>
#include <ctime>
#include <utility>

#include "db/store.h"

namespace mbench::db {
namespace {

using internal::Int;
using internal::IntOrNull;
using internal::Param;
using internal::Real;
using internal::RealOrNull;
using internal::Round;
using internal::Scalar;
using internal::Text;
using internal::WriteTransaction;

// A count the records give as 0 when the source did not say (threads, repetitions): NULL.
Param UnknownIfZero(int64_t v) { return v > 0 ? Int(v) : Param{}; }

}  // namespace

int LatestSchemaVersion() { return internal::kSchemaVersions; }

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

namespace {
Status UnknownTable(const std::string& table) {
  std::string names;
  for (const std::string& n : TableNames()) names += (names.empty() ? "" : ", ") + n;
  return Status::InvalidArgument("no table named '" + table + "' (tables: " + names + ")");
}
}  // namespace

const std::vector<std::string>& TableNames() {
  static const std::vector<std::string> t = {"devices",       "models",      "runs",
                                             "layer_timings", "predictions", "calibrations"};
  return t;
}

Database::Database(std::unique_ptr<internal::Store> store, bool postgres)
    : store_(std::move(store)), postgres_(postgres) {}
Database::~Database() = default;

const std::string& Database::location() const { return store_->location(); }
const char* Database::engine() const { return postgres_ ? "postgresql" : "sqlite"; }

StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& location,
                                                   const OpenOptions& options) {
  const bool postgres = internal::IsPostgresUri(location);
  std::unique_ptr<internal::Store> store;
  if (postgres) {
    MBENCH_ASSIGN_OR_RETURN(store, internal::OpenPostgresStore(location, options));
  } else {
    MBENCH_ASSIGN_OR_RETURN(store, internal::OpenSqliteStore(location, options));
  }
  std::unique_ptr<Database> db(new Database(std::move(store), postgres));
  const int latest = internal::kSchemaVersions;
  if (options.must_exist || options.read_only) {
    MBENCH_ASSIGN_OR_RETURN(int version, db->SchemaVersion());
    if (version == 0) return Status::NotFound(db->location() + ": holds no mbench results");
    if (options.read_only && version > 0 && version < latest) {
      return Status::Unsupported(
          db->location() + ": schema version " + std::to_string(version) +
          " is older than this mbench's " + std::to_string(latest) +
          " and a read-only open cannot upgrade it; run any mbench command that writes to it "
          "(mbench db import, run --db) once with write access");
    }
  }
  const int target = options.schema_version > 0 ? std::min(options.schema_version, latest) : latest;
  MBENCH_RETURN_IF_ERROR(db->Migrate(target));
  return db;
}

StatusOr<int> Database::SchemaVersion() { return store_->SchemaVersion(); }

Status Database::Migrate(int target_version) {
  const int latest = internal::kSchemaVersions;
  auto newer = [&](int version) {
    return Status::Unsupported(location() + ": written by a newer mbench (schema version " +
                               std::to_string(version) + "; this build knows up to " +
                               std::to_string(latest) + ")");
  };
  // No mbench writes a negative version: such a file is damaged or somebody else's.
  auto negative = [&](int version) {
    return Status::Corruption(location() + ": schema version " + std::to_string(version) +
                              ": not a results database mbench wrote (versions start at 1)");
  };
  // Up to date (the usual case): no write lock, so opening never waits for another writer.
  {
    MBENCH_ASSIGN_OR_RETURN(int current, SchemaVersion());
    if (current < 0) return negative(current);
    if (current > latest) return newer(current);
    if (current >= target_version) return Status::Ok();
  }
  WriteTransaction tx(*store_);
  MBENCH_RETURN_IF_ERROR(tx.Begin());
  MBENCH_ASSIGN_OR_RETURN(int version, SchemaVersion());  // another process may have migrated
  if (version < 0) return negative(version);
  if (version > latest) return newer(version);
  if (version == 0) {
    // A fresh database, or one that is not ours: refuse to add tables to someone's data.
    MBENCH_ASSIGN_OR_RETURN(bool foreign, store_->HasForeignTables());
    if (foreign) {
      return Status::InvalidArgument(
          location() + (postgres_ ? ": a PostgreSQL schema" : ": an SQLite database") +
          " that mbench did not create (it has tables but no mbench schema version)");
    }
  }
  for (int v = version; v < target_version; ++v) MBENCH_RETURN_IF_ERROR(store_->Migrate(v + 1));
  return tx.Commit();
}

Status Database::PutDeviceLocked(const DeviceRecord& d) {
  if (d.id.empty()) return Status::InvalidArgument(location() + ": a device needs an id");
  return store_
      ->Run("cannot store device " + d.id,
            "INSERT INTO devices(id, name, soc, kind, cpu, facts, added_at) VALUES(?,?,?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET "
            "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE devices.name END, "
            "soc = CASE WHEN excluded.soc <> '' THEN excluded.soc ELSE devices.soc END, "
            "kind = CASE WHEN excluded.kind <> '' THEN excluded.kind ELSE devices.kind END, "
            "cpu = CASE WHEN excluded.cpu <> '' THEN excluded.cpu ELSE devices.cpu END, "
            "facts = CASE WHEN excluded.facts NOT IN ('', '{}') THEN excluded.facts "
            "ELSE devices.facts END",
            {Text(d.id), Text(d.name.empty() ? d.id : d.name), Text(d.soc), Text(d.kind),
             Text(d.cpu), Text(d.facts_json.empty() ? "{}" : d.facts_json), Text(NowUtc())})
      .status();
}

StatusOr<int64_t> Database::PutModelLocked(const ModelRecord& m) {
  if (m.key.empty()) return Status::InvalidArgument(location() + ": a model needs a key");
  MBENCH_RETURN_IF_ERROR(
      store_
          ->Run("cannot store model " + m.name,
                "INSERT INTO models(key, sha256, name, format, ref, input_shapes, macs, flops, "
                "params, weight_bytes, peak_activation_bytes, layers, added_at) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET "
                "ref = CASE WHEN excluded.ref <> '' THEN excluded.ref ELSE models.ref END",
                {Text(m.key), Text(m.sha256), Text(m.name.empty() ? m.key : m.name), Text(m.format),
                 Text(m.ref), Text(m.input_shapes), IntOrNull(m.macs), IntOrNull(m.flops),
                 IntOrNull(m.params), IntOrNull(m.weight_bytes), IntOrNull(m.peak_activation_bytes),
                 IntOrNull(m.layers), Text(NowUtc())})
          .status());
  MBENCH_ASSIGN_OR_RETURN(
      Table id, store_->Run("cannot look up model " + m.name, "SELECT id FROM models WHERE key = ?",
                            {Text(m.key)}));
  if (id.rows.empty())
    return Status::IOError(location() + ": model " + m.name + " vanished after insert");
  return Scalar(id);
}

StatusOr<int64_t> Database::FindRunLocked(const std::string& device_id, int64_t model_id,
                                          const RunRecord& r) {
  MBENCH_ASSIGN_OR_RETURN(
      Table same,
      store_->Run(
          "cannot look for the run",
          "SELECT min(id) FROM runs WHERE device_id = ? AND model_id = ? AND runtime = ? "
          "AND compute_unit = ? AND precision = ? AND COALESCE(threads, 0) = ? AND "
          "source = ? AND COALESCE(n, 0) = ? AND min_ms = ? AND p50_ms = ? AND max_ms = ?",
          {Text(device_id), Int(model_id), Text(r.runtime), Text(r.compute_unit), Text(r.precision),
           Int(std::max<int64_t>(r.threads, 0)), Text(r.source), Int(std::max<int64_t>(r.n, 0)),
           Real(r.min_ms), Real(r.p50_ms), Real(r.max_ms)}));
  return Scalar(same);
}

StatusOr<int64_t> Database::AddRunLocked(const std::string& device_id, int64_t model_id,
                                         const RunRecord& r) {
  if (!(r.p50_ms > 0)) {
    return Status::InvalidArgument(location() + ": a run needs a positive latency (p50 " +
                                   std::to_string(r.p50_ms) + " ms)");
  }
  MBENCH_ASSIGN_OR_RETURN(
      Table id,
      store_->Run(
          "cannot store the run",
          "INSERT INTO runs(device_id, model_id, runtime, compute_unit, precision, threads, "
          "cluster, options, build, measured_at, source, n, min_ms, p50_ms, p90_ms, p99_ms, "
          "max_ms, mean_ms, std_ms, init_ms, first_run_ms, peak_rss_bytes, synthetic_weights, "
          "layer_count) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
          {Text(device_id),
           Int(model_id),
           Text(r.runtime),
           Text(r.compute_unit),
           Text(r.precision),
           UnknownIfZero(r.threads),
           Text(r.cluster),
           Text(r.options_json),
           Text(r.build_json),
           r.measured_at.empty() ? Param{} : Text(r.measured_at),
           Text(r.source),
           UnknownIfZero(r.n),
           Real(r.min_ms),
           Real(r.p50_ms),
           Real(r.p90_ms),
           Real(r.p99_ms),
           Real(r.max_ms),
           Real(r.mean_ms),
           Real(r.std_ms),
           RealOrNull(r.init_ms),
           RealOrNull(r.first_run_ms),
           IntOrNull(r.peak_rss_bytes),
           Int(r.synthetic_weights ? 1 : 0),
           Int(static_cast<int64_t>(r.layers.size()))}));
  const int64_t run_id = Scalar(id);
  for (const LayerRecord& t : r.layers) {
    MBENCH_RETURN_IF_ERROR(
        store_
            ->Run("cannot store layer " + std::to_string(t.index),
                  "INSERT INTO layer_timings(run_id, layer_index, name, op, fused_into, p50_ms, "
                  "share, kernel, precision) VALUES(?,?,?,?,?,?,?,?,?)",
                  {Int(run_id), Int(t.index), Text(t.name), Text(t.op), Text(t.fused_into),
                   Real(t.p50_ms), Real(t.share), Text(t.kernel), Text(t.precision)})
            .status());
    if (after_layer_hook) after_layer_hook(t.index);
  }
  return run_id;
}

Status Database::PutDevice(const DeviceRecord& device) {
  WriteTransaction tx(*store_);
  MBENCH_RETURN_IF_ERROR(tx.Begin());
  MBENCH_RETURN_IF_ERROR(PutDeviceLocked(device));
  return tx.Commit();
}

StatusOr<int64_t> Database::PutModel(const ModelRecord& model) {
  WriteTransaction tx(*store_);
  MBENCH_RETURN_IF_ERROR(tx.Begin());
  MBENCH_ASSIGN_OR_RETURN(int64_t id, PutModelLocked(model));
  MBENCH_RETURN_IF_ERROR(tx.Commit());
  return id;
}

StatusOr<int64_t> Database::AddRun(const DeviceRecord& device, const ModelRecord& model,
                                   const RunRecord& run) {
  WriteTransaction tx(*store_);
  MBENCH_RETURN_IF_ERROR(tx.Begin());
  MBENCH_RETURN_IF_ERROR(PutDeviceLocked(device));
  MBENCH_ASSIGN_OR_RETURN(int64_t model_id, PutModelLocked(model));
  MBENCH_ASSIGN_OR_RETURN(int64_t run_id, AddRunLocked(device.id, model_id, run));
  MBENCH_RETURN_IF_ERROR(tx.Commit());
  return run_id;
}

StatusOr<std::pair<int64_t, bool>> Database::AddRunOnce(const DeviceRecord& device,
                                                        const ModelRecord& model,
                                                        const RunRecord& run) {
  WriteTransaction tx(*store_);
  MBENCH_RETURN_IF_ERROR(tx.Begin());
  MBENCH_RETURN_IF_ERROR(PutDeviceLocked(device));
  MBENCH_ASSIGN_OR_RETURN(int64_t model_id, PutModelLocked(model));
  MBENCH_ASSIGN_OR_RETURN(int64_t present, FindRunLocked(device.id, model_id, run));
  if (present > 0) return std::pair<int64_t, bool>{present, false};
  MBENCH_ASSIGN_OR_RETURN(int64_t run_id, AddRunLocked(device.id, model_id, run));
  MBENCH_RETURN_IF_ERROR(tx.Commit());
  return std::pair<int64_t, bool>{run_id, true};
}

StatusOr<int> Database::AddRuns(
    const std::vector<DeviceRecord>& devices,
    const std::vector<std::pair<ModelRecord, std::vector<std::pair<std::string, RunRecord>>>>&
        runs) {
  WriteTransaction tx(*store_);
  MBENCH_RETURN_IF_ERROR(tx.Begin());
  for (const DeviceRecord& d : devices) MBENCH_RETURN_IF_ERROR(PutDeviceLocked(d));
  int stored = 0;
  for (const auto& [model, model_runs] : runs) {
    MBENCH_ASSIGN_OR_RETURN(int64_t model_id, PutModelLocked(model));
    for (const auto& [device_id, run] : model_runs) {
      MBENCH_ASSIGN_OR_RETURN(int64_t present, FindRunLocked(device_id, model_id, run));
      if (present > 0) continue;
      MBENCH_ASSIGN_OR_RETURN(int64_t id, AddRunLocked(device_id, model_id, run));
      (void)id;
      ++stored;
    }
  }
  MBENCH_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

StatusOr<int> Database::AddPredictions(
    const ModelRecord& model, const std::vector<std::pair<DeviceRecord, PredictionRecord>>& rows) {
  WriteTransaction tx(*store_);
  MBENCH_RETURN_IF_ERROR(tx.Begin());
  MBENCH_ASSIGN_OR_RETURN(int64_t model_id, PutModelLocked(model));
  for (const auto& [device, p] : rows) {
    MBENCH_RETURN_IF_ERROR(PutDeviceLocked(device));
    MBENCH_RETURN_IF_ERROR(
        store_
            ->Run("cannot store a prediction for " + device.id,
                  "INSERT INTO predictions(device_id, model_id, profile, calibration, "
                  "estimator_version, target_key, runtime, compute_unit, precision, threads, "
                  "latency_ms, low_ms, high_ms, energy_mj, created_at) "
                  "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  {Text(device.id), Int(model_id), Text(p.profile), Text(p.calibration),
                   Text(p.estimator_version), Text(p.target_key), Text(p.runtime),
                   Text(p.compute_unit), Text(p.precision), Int(p.threads), Real(p.latency_ms),
                   Real(p.low_ms), Real(p.high_ms), RealOrNull(p.energy_mj),
                   Text(p.created_at.empty() ? NowUtc() : p.created_at)})
            .status());
  }
  MBENCH_RETURN_IF_ERROR(tx.Commit());
  return static_cast<int>(rows.size());
}

StatusOr<int64_t> Database::AddCalibration(const DeviceRecord& device, const CalibrationRow& c) {
  WriteTransaction tx(*store_);
  MBENCH_RETURN_IF_ERROR(tx.Begin());
  MBENCH_RETURN_IF_ERROR(PutDeviceLocked(device));
  MBENCH_RETURN_IF_ERROR(store_
                             ->Run("cannot retire the previous calibration",
                                   "UPDATE calibrations SET active = 0 WHERE device_id = ?",
                                   {Text(device.id)})
                             .status());
  MBENCH_ASSIGN_OR_RETURN(
      Table id,
      store_->Run(
          "cannot store the calibration",
          "INSERT INTO calibrations(device_id, profile_json, method, data, points, "
          "cv_points, rms_log_residual, cv_mape_pct, created_at, active) "
          "VALUES(?,?,?,?,?,?,?,?,?,1) RETURNING id",
          {Text(device.id), Text(c.profile_json), Text(c.method), Text(c.data), Int(c.points),
           Int(c.cv_points), Real(c.rms_log_residual), RealOrNull(c.cv_mape_pct),
           Text(c.created_at.empty() ? NowUtc() : c.created_at)}));
  MBENCH_RETURN_IF_ERROR(tx.Commit());
  return Scalar(id);
}

namespace {
constexpr const char* kCalibrationColumns =
    "id, device_id, profile_json, method, data, points, cv_points, rms_log_residual, "
    "cv_mape_pct, created_at, active";

// Cell readers; a NULL reads as the given value.
int64_t IntAt(const std::vector<Cell>& row, size_t i, int64_t null_value = -1) {
  return row[i].type == Cell::Type::kNull ? null_value : row[i].i;
}
double RealAt(const std::vector<Cell>& row, size_t i, double null_value = -1) {
  if (row[i].type == Cell::Type::kInt) return static_cast<double>(row[i].i);
  return row[i].type == Cell::Type::kNull ? null_value : row[i].r;
}

CalibrationRow ReadCalibration(const std::vector<Cell>& row) {
  CalibrationRow c;
  c.id = IntAt(row, 0);
  c.device_id = row[1].s;
  c.profile_json = row[2].s;
  c.method = row[3].s;
  c.data = row[4].s;
  c.points = IntAt(row, 5, 0);
  c.cv_points = IntAt(row, 6, 0);
  c.rms_log_residual = RealAt(row, 7, 0);
  c.cv_mape_pct = RealAt(row, 8, -1);
  c.created_at = row[9].s;
  c.active = IntAt(row, 10, 0) != 0;
  return c;
}
}  // namespace

StatusOr<std::optional<CalibrationRow>> Database::ActiveCalibration(const std::string& device_id) {
  MBENCH_ASSIGN_OR_RETURN(Table t,
                          store_->Run("cannot read calibrations",
                                      std::string("SELECT ") + kCalibrationColumns +
                                          " FROM calibrations WHERE device_id = ? AND active = 1",
                                      {Text(device_id)}));
  if (t.rows.empty()) return std::optional<CalibrationRow>();
  return std::optional<CalibrationRow>(ReadCalibration(t.rows[0]));
}

StatusOr<std::vector<CalibrationRow>> Database::ActiveCalibrations() {
  MBENCH_ASSIGN_OR_RETURN(Table t,
                          store_->Run("cannot read calibrations",
                                      std::string("SELECT ") + kCalibrationColumns +
                                          " FROM calibrations WHERE active = 1 ORDER BY device_id",
                                      {}));
  std::vector<CalibrationRow> out;
  for (const auto& row : t.rows) out.push_back(ReadCalibration(row));
  return out;
}

StatusOr<std::vector<DeviceRecord>> Database::Devices() {
  MBENCH_ASSIGN_OR_RETURN(
      Table t, store_->Run("cannot read devices",
                           "SELECT id, name, soc, kind, cpu, facts FROM devices ORDER BY id", {}));
  std::vector<DeviceRecord> out;
  for (const auto& row : t.rows) {
    out.push_back({row[0].s, row[1].s, row[2].s, row[3].s, row[4].s, row[5].s});
  }
  return out;
}

StatusOr<std::vector<StoredRun>> Database::SelectRuns(const std::string& where,
                                                      const std::string& value) {
  MBENCH_ASSIGN_OR_RETURN(
      Table t,
      store_->Run(
          "cannot read runs",
          "SELECT r.id, m.key, m.sha256, m.name, m.format, m.ref, m.input_shapes, m.macs, "
          "r.runtime, r.compute_unit, r.precision, r.threads, r.cluster, r.measured_at, r.source, "
          "r.n, r.min_ms, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms, r.mean_ms, r.std_ms, "
          "r.synthetic_weights, r.layer_count, r.device_id "
          "FROM runs r JOIN models m ON m.id = r.model_id WHERE " +
              where + " = ? ORDER BY r.id",
          {Text(value)}));
  std::vector<StoredRun> out;
  out.reserve(t.rows.size());
  for (const auto& row : t.rows) {
    StoredRun r;
    r.id = IntAt(row, 0);
    r.model.key = row[1].s;
    r.model.sha256 = row[2].s;
    r.model.name = row[3].s;
    r.model.format = row[4].s;
    r.model.ref = row[5].s;
    r.model.input_shapes = row[6].s;
    r.model.macs = IntAt(row, 7);
    r.run.runtime = row[8].s;
    r.run.compute_unit = row[9].s;
    r.run.precision = row[10].s;
    r.run.threads = IntAt(row, 11, 0);
    r.run.cluster = row[12].s;
    r.run.measured_at = row[13].s;
    r.run.source = row[14].s;
    r.run.n = IntAt(row, 15, 0);
    r.run.min_ms = RealAt(row, 16, 0);
    r.run.p50_ms = RealAt(row, 17, 0);
    r.run.p90_ms = RealAt(row, 18, 0);
    r.run.p99_ms = RealAt(row, 19, 0);
    r.run.max_ms = RealAt(row, 20, 0);
    r.run.mean_ms = RealAt(row, 21, 0);
    r.run.std_ms = RealAt(row, 22, 0);
    r.run.synthetic_weights = IntAt(row, 23, 0) != 0;
    r.run.layers.reserve(static_cast<size_t>(IntAt(row, 24, 0)));
    r.device_id = row[25].s;
    out.push_back(std::move(r));
  }
  return out;
}

StatusOr<std::vector<StoredRun>> Database::RunsOfModel(const std::string& sha256) {
  if (sha256.empty()) return std::vector<StoredRun>{};
  return SelectRuns("m.sha256", sha256);
}

StatusOr<std::vector<StoredRun>> Database::RunsOfDevice(const std::string& device_id) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<StoredRun> out, SelectRuns("r.device_id", device_id));
  // One query for every layer of the device's runs, in run order.
  MBENCH_ASSIGN_OR_RETURN(
      Table layers,
      store_->Run("cannot read layer timings",
                  "SELECT l.run_id, l.layer_index, l.name, l.op, l.fused_into, l.p50_ms, l.share, "
                  "l.kernel, l.precision "
                  "FROM layer_timings l JOIN runs r ON r.id = l.run_id WHERE r.device_id = ? "
                  "ORDER BY l.run_id, l.layer_index",
                  {Text(device_id)}));
  size_t k = 0;
  for (const auto& row : layers.rows) {
    const int64_t run_id = IntAt(row, 0);
    while (k < out.size() && out[k].id < run_id) ++k;
    if (k == out.size()) break;
    if (out[k].id != run_id) continue;
    out[k].run.layers.push_back({IntAt(row, 1), row[2].s, row[3].s, row[4].s, RealAt(row, 5, 0),
                                 RealAt(row, 6, 0), row[7].s, row[8].s});
  }
  return out;
}

StatusOr<Table> Database::Query(const std::string& name, const std::string& model) {
  // Matches a model by name, key, ref or sha256 prefix (at least 8 hex digits).
  const std::string arg = "CAST(?1 AS TEXT)";
  const std::string model_match = "(m.name = " + arg + " OR m.key = " + arg + " OR m.ref = " + arg +
                                  " OR (length(" + arg + ") >= 8 AND substr(m.sha256, 1, length(" +
                                  arg + ")) = lower(" + arg + ")))";
  const std::vector<Param> model_arg = {Text(model)};
  const std::string what = "query " + name + " failed";
  // The views (schema version 3) hold the joins; these queries round and filter them.
  const std::string view_match =
      "(" + arg + " = '' OR model_id IN (SELECT m.id FROM models m WHERE " + model_match + "))";
  if (name == "predicted-vs-measured") {
    return store_->Run(
        what,
        "SELECT device_id, model, runtime, compute_unit, precision, threads, profile, " +
            Round("predicted_ms", 4) + " AS predicted_ms, " + Round("low_ms", 4) + " AS low_ms, " +
            Round("high_ms", 4) + " AS high_ms, " + Round("measured_ms", 4) +
            " AS measured_ms, runs, " + Round("error_pct", 1) +
            " AS error_pct, inside_interval, calibration FROM v_predicted_vs_measured WHERE " +
            view_match + " ORDER BY device_id, model, threads, profile",
        model_arg);
  }
  if (name == "prediction-accuracy") {
    return store_->Run(
        what,
        "SELECT device_id, profile, runtime, precision, threads, count(*) AS n, " +
            Round("avg(abs(error_pct))", 1) + " AS mape_pct, " +
            Round("100.0 * avg(CASE WHEN abs(error_pct) <= 10 THEN 1.0 ELSE 0.0 END)", 1) +
            " AS within10_pct, " +
            Round("100.0 * avg(CASE WHEN abs(error_pct) <= 25 THEN 1.0 ELSE 0.0 END)", 1) +
            " AS within25_pct, " + Round("100.0 * avg(inside_interval)", 1) +
            " AS interval_coverage_pct FROM v_predicted_vs_measured WHERE " + view_match +
            " GROUP BY device_id, profile, runtime, precision, threads"
            " ORDER BY device_id, profile, runtime, precision, threads",
        model_arg);
  }
  if (name == "model-history") {
    return store_->Run(
        what,
        "SELECT h.run_id, h.measured_at, h.device_id, h.model, h.runtime, h.compute_unit,"
        " h.precision, h.threads, h.n, " +
            Round("h.p50_ms", 4) + " AS p50_ms, " + Round("h.std_ms", 4) + " AS std_ms, " +
            Round("h.change_pct", 1) + " AS change_pct, h.regression, " +
            store_->JsonText("r.build", "version") +
            " AS mbench_version, h.source"
            " FROM v_model_history h JOIN runs r ON r.id = h.run_id JOIN models m ON m.id ="
            " h.model_id WHERE " +
            model_match + " ORDER BY h.measured_at, h.run_id",
        model_arg);
  }
  if (name == "leaderboard") {
    return store_->Run(
        what,
        "SELECT row_number() OVER (ORDER BY min(r.p50_ms)) AS rank, r.device_id, d.name AS device,"
        "  r.runtime, r.compute_unit, r.precision, r.threads, " +
            Round("min(r.p50_ms)", 4) + " AS best_p50_ms, " + Round("1000.0 / min(r.p50_ms)", 2) +
            " AS fps, count(*) AS runs"
            " FROM runs r JOIN models m ON m.id = r.model_id JOIN devices d ON d.id = r.device_id"
            " WHERE " +
            model_match +
            " GROUP BY r.device_id, d.name, r.runtime, r.compute_unit, r.precision, r.threads"
            " ORDER BY best_p50_ms, r.device_id",
        model_arg);
  }
  if (name == "devices") {
    return store_->Run(
        what,
        "SELECT d.id, d.name, d.soc, d.kind,"
        "  (SELECT count(*) FROM runs r WHERE r.device_id = d.id) AS runs,"
        "  (SELECT count(*) FROM predictions p WHERE p.device_id = d.id) AS predictions,"
        "  (SELECT count(*) FROM calibrations c WHERE c.device_id = d.id) AS calibrations"
        " FROM devices d ORDER BY d.id",
        {});
  }
  if (name == "calibrations") {
    return store_->Run(what,
                       "SELECT id, device_id, created_at, active, points, cv_points, " +
                           Round("rms_log_residual", 4) + " AS rms_log_residual, " +
                           Round("cv_mape_pct", 2) +
                           " AS cv_mape_pct, method, data FROM calibrations ORDER BY id DESC",
                       {});
  }
  std::string names;
  for (const auto& q : NamedQueries()) names += (names.empty() ? "" : ", ") + std::string(q.name);
  return Status::InvalidArgument("no query named '" + name + "' (queries: " + names + ")");
}

Status Database::CheckIntegrity() {
  MBENCH_RETURN_IF_ERROR(store_->CheckStorage());
  // Every reference, checked by hand: the same on both engines, and it also catches rows that
  // were written while SQLite's foreign keys were off (another program's connection).
  struct Reference {
    const char* table;
    const char* row;  // how the row is named in the message
    const char* column;
    const char* parent;
  };
  static const Reference kReferences[] = {
      {"runs", "id", "device_id", "devices"},        {"runs", "id", "model_id", "models"},
      {"layer_timings", "run_id", "run_id", "runs"}, {"predictions", "id", "device_id", "devices"},
      {"predictions", "id", "model_id", "models"},   {"calibrations", "id", "device_id", "devices"},
  };
  MBENCH_ASSIGN_OR_RETURN(int version, SchemaVersion());
  for (const Reference& ref : kReferences) {
    const std::string table = ref.table;
    if (version < 2 && (table == "predictions" || table == "calibrations")) continue;
    MBENCH_ASSIGN_OR_RETURN(
        Table orphans, store_->Run("cannot check " + table,
                                   "SELECT CAST(c." + std::string(ref.row) + " AS TEXT) FROM " +
                                       table + " c LEFT JOIN " + ref.parent + " p ON p.id = c." +
                                       ref.column + " WHERE p.id IS NULL LIMIT 1",
                                   {}));
    if (!orphans.rows.empty()) {
      return Status::Corruption(location() + ": table " + table + " row " + orphans.rows[0][0].s +
                                " points at a missing " + ref.parent + " row");
    }
  }
  return Status::Ok();
}

StatusOr<int64_t> Database::Count(const std::string& table) {
  for (const std::string& t : TableNames()) {
    if (t != table) continue;
    MBENCH_ASSIGN_OR_RETURN(Table n,
                            store_->Run("cannot count " + t, "SELECT count(*) FROM " + t, {}));
    return Scalar(n);
  }
  return UnknownTable(table);
}

StatusOr<Table> Database::Dump(const std::string& table) {
  for (const std::string& t : TableNames()) {
    if (t == table) {
      return store_->Run(
          "cannot read " + t,
          "SELECT * FROM " + t +
              (t == "layer_timings" ? " ORDER BY run_id, layer_index" : " ORDER BY id"),
          {});
    }
  }
  return UnknownTable(table);
}

}  // namespace mbench::db
