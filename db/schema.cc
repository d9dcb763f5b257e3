// The results database's schema: the migrations both engines run, version for version.
#include <string>

#include "db/store.h"

namespace mbench::db::internal {
namespace {

// The schema, one migration per version, in SQLite's words (postgres_store.cc translates the
// types). Never edit a migration that has shipped: add one.
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
    // 3: dashboards. Unknown thread counts, repetitions and dates are NULL, never 0 or the
    // import's time (the engine-specific part below relaxes the columns); upload tokens; and the
    // views docs/database.md documents, which are the stable interface for BI tools.
    R"sql(
UPDATE runs SET measured_at = NULL
  WHERE options LIKE '%"imported_from"%' AND options NOT LIKE '%"kind":"ncnn"%';
UPDATE runs SET threads = NULL WHERE compute_unit <> 'cpu';
CREATE TABLE api_tokens(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT);
CREATE VIEW v_runs AS
SELECT r.id AS run_id, r.measured_at, r.device_id, d.name AS device, d.soc, d.kind AS device_kind,
  r.model_id, m.name AS model, m.sha256, m.format, r.runtime, r.compute_unit, r.precision,
  r.threads, r.cluster, r.n, r.min_ms, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms, r.mean_ms,
  r.std_ms, 1000.0 / r.p50_ms AS fps, r.init_ms, r.first_run_ms, r.peak_rss_bytes,
  m.macs, m.flops, m.params, r.layer_count, r.synthetic_weights, r.source
FROM runs r JOIN devices d ON d.id = r.device_id JOIN models m ON m.id = r.model_id;
CREATE VIEW v_layer_timings AS
SELECT l.run_id, r.measured_at, r.device_id, r.model_id, m.name AS model, r.runtime,
  r.precision, r.threads, l.layer_index, l.name AS layer, l.op, l.fused_into, l.kernel,
  l.precision AS layer_precision, l.p50_ms,
  100.0 * l.share AS share_pct
FROM layer_timings l JOIN runs r ON r.id = l.run_id JOIN models m ON m.id = r.model_id;
CREATE VIEW v_predictions AS
SELECT p.id AS prediction_id, p.created_at, p.device_id, d.name AS device, p.model_id,
  m.name AS model, p.profile, p.calibration, p.estimator_version, p.target_key, p.runtime,
  p.compute_unit, p.precision, p.threads, p.latency_ms, p.low_ms, p.high_ms, p.energy_mj
FROM predictions p JOIN devices d ON d.id = p.device_id JOIN models m ON m.id = p.model_id;
-- A device target: device, model, runtime, compute unit, precision, threads and which cores
-- ("little" when a run or a prediction names the little cluster, else "big").
CREATE VIEW v_measured AS
WITH targets AS (
  SELECT device_id, model_id, runtime, compute_unit, precision, threads,
    COALESCE(threads, 0) AS t, CASE WHEN cluster = 'little' THEN 'little' ELSE 'big' END AS cores,
    p50_ms, measured_at FROM runs),
ranked AS (
  SELECT targets.*,
    row_number() OVER w AS k, count(*) OVER w AS cnt, min(p50_ms) OVER w AS best,
    max(measured_at) OVER w AS last_at
  FROM targets
  WINDOW w AS (PARTITION BY device_id, model_id, runtime, compute_unit, precision, t, cores
    ORDER BY p50_ms ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
SELECT device_id, model_id, runtime, compute_unit, precision, threads, cores,
  p50_ms AS measured_ms, best AS best_ms, cnt AS runs, last_at AS last_measured_at
FROM ranked WHERE k = (cnt + 1) / 2;
CREATE VIEW v_latest_predictions AS
SELECT * FROM (
  SELECT p.*, CASE WHEN target_key LIKE '%-little' THEN 'little' ELSE 'big' END AS cores,
    row_number() OVER (PARTITION BY device_id, model_id, profile, target_key, runtime,
      compute_unit, precision, threads ORDER BY id DESC) AS k FROM predictions p) latest
WHERE k = 1;
CREATE VIEW v_predicted_vs_measured AS
SELECT p.id AS prediction_id, p.device_id, d.name AS device, p.model_id, m.name AS model,
  p.runtime, p.compute_unit, p.precision, p.threads, p.cores, p.target_key, p.profile,
  p.calibration, p.created_at AS predicted_at, p.latency_ms AS predicted_ms, p.low_ms, p.high_ms,
  v.measured_ms, v.runs, 100.0 * (p.latency_ms - v.measured_ms) / v.measured_ms AS error_pct,
  CASE WHEN v.measured_ms BETWEEN p.low_ms AND p.high_ms THEN 1 ELSE 0 END AS inside_interval
FROM v_latest_predictions p
  JOIN v_measured v ON v.device_id = p.device_id AND v.model_id = p.model_id
    AND v.runtime = p.runtime AND v.compute_unit = p.compute_unit
    AND v.precision = p.precision AND COALESCE(v.threads, 0) = p.threads AND v.cores = p.cores
  JOIN models m ON m.id = p.model_id JOIN devices d ON d.id = p.device_id;
CREATE VIEW v_leaderboard AS
WITH newest AS (
  SELECT * FROM (
    SELECT q.*, row_number() OVER (PARTITION BY device_id, model_id, runtime, compute_unit,
      precision, threads, cores ORDER BY id DESC) AS n FROM v_latest_predictions q) x
  WHERE n = 1),
both_sides AS (
  SELECT COALESCE(v.device_id, p.device_id) AS device_id,
    COALESCE(v.model_id, p.model_id) AS model_id, COALESCE(v.runtime, p.runtime) AS runtime,
    COALESCE(v.compute_unit, p.compute_unit) AS compute_unit,
    COALESCE(v.precision, p.precision) AS precision,
    CASE WHEN v.device_id IS NOT NULL THEN COALESCE(v.threads, 0) ELSE p.threads END AS t,
    COALESCE(v.cores, p.cores) AS cores, v.measured_ms, v.best_ms, v.runs,
    v.last_measured_at, p.latency_ms, p.low_ms, p.high_ms, p.profile, p.created_at
  FROM v_measured v FULL OUTER JOIN newest p ON p.device_id = v.device_id
    AND p.model_id = v.model_id AND p.runtime = v.runtime AND p.compute_unit = v.compute_unit
    AND p.precision = v.precision AND p.threads = COALESCE(v.threads, 0) AND p.cores = v.cores)
SELECT k.device_id, d.name AS device, d.kind AS device_kind, k.model_id, m.name AS model,
  k.runtime, k.compute_unit, k.precision, CASE WHEN k.t = 0 THEN NULL ELSE k.t END AS threads,
  k.cores, k.measured_ms, k.best_ms, k.runs, k.last_measured_at, k.latency_ms AS predicted_ms,
  k.low_ms, k.high_ms, k.profile, k.created_at AS predicted_at,
  100.0 * (k.latency_ms - k.measured_ms) / k.measured_ms AS error_pct
FROM both_sides k JOIN devices d ON d.id = k.device_id JOIN models m ON m.id = k.model_id;
CREATE VIEW v_devices AS
SELECT d.id AS device_id, d.name AS device, d.soc, d.kind, d.cpu, d.added_at,
  (SELECT count(*) FROM runs r WHERE r.device_id = d.id) AS runs,
  (SELECT count(*) FROM predictions p WHERE p.device_id = d.id) AS predictions,
  c.method AS calibration_method, c.data AS calibrated_on, c.points AS calibration_points,
  c.cv_points, c.cv_mape_pct, c.created_at AS calibrated_at
FROM devices d LEFT JOIN calibrations c ON c.device_id = d.id AND c.active = 1;
CREATE VIEW v_models AS
SELECT m.id AS model_id, m.name AS model, m.sha256, m.format, m.ref, m.input_shapes, m.macs,
  m.flops, m.params, m.weight_bytes, m.peak_activation_bytes, m.layers, m.added_at,
  (SELECT count(*) FROM runs r WHERE r.model_id = m.id) AS runs,
  (SELECT count(*) FROM predictions p WHERE p.model_id = m.id) AS predictions,
  (SELECT max(r.measured_at) FROM runs r WHERE r.model_id = m.id) AS last_measured_at
FROM models m;
CREATE VIEW v_accuracy_by_target AS
SELECT device_id, profile, runtime, compute_unit, precision, threads, cores,
  substr(predicted_at, 1, 10) AS day, count(*) AS n, avg(abs(error_pct)) AS mape_pct,
  avg(CAST(CASE WHEN abs(error_pct) <= 10 THEN 100 ELSE 0 END AS REAL)) AS within10_pct,
  avg(CAST(CASE WHEN abs(error_pct) <= 25 THEN 100 ELSE 0 END AS REAL)) AS within25_pct,
  avg(CAST(100 * inside_interval AS REAL)) AS interval_coverage_pct
FROM v_predicted_vs_measured
GROUP BY device_id, profile, runtime, compute_unit, precision, threads, cores,
  substr(predicted_at, 1, 10);
-- Only dated runs have a history: an undated published number has no "before". A model's
-- history follows its name, so each new version of model.tflite (a new sha256) is compared
-- with the version measured before it on the same device target.
CREATE VIEW v_model_history AS
SELECT r.run_id, r.measured_at, r.model_id, r.model, r.sha256, r.device_id, r.runtime, r.compute_unit,
  r.precision, r.threads, r.cluster, r.n, r.p50_ms, r.std_ms, r.source,
  lag(r.p50_ms) OVER w AS previous_p50_ms,
  100.0 * (r.p50_ms - lag(r.p50_ms) OVER w) / lag(r.p50_ms) OVER w AS change_pct,
  CASE WHEN r.p50_ms > 1.1 * lag(r.p50_ms) OVER w THEN 1 ELSE 0 END AS regression
FROM (SELECT * FROM v_runs WHERE measured_at IS NOT NULL) r
WINDOW w AS (PARTITION BY r.model, r.device_id, r.runtime, r.compute_unit, r.precision,
  COALESCE(r.threads, 0), CASE WHEN r.cluster = 'little' THEN 1 ELSE 0 END
  ORDER BY r.measured_at, r.run_id);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersions);

// What one engine runs before a migration's shared text: changes the two engines spell
// differently. SQLite cannot drop a NOT NULL constraint, so version 3 rebuilds `runs` (and
// `layer_timings`, whose rows would otherwise go with the old table's cascade) and renames the
// copies, which carries the references over.
const char* const kSqliteFirst[] = {
    "",
    "",
    R"sql(
CREATE TABLE runs_v3(
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(id),
  model_id INTEGER NOT NULL REFERENCES models(id),
  runtime TEXT NOT NULL, compute_unit TEXT NOT NULL, precision TEXT NOT NULL,
  threads INTEGER CHECK(threads IS NULL OR threads > 0), cluster TEXT NOT NULL DEFAULT '',
  options TEXT NOT NULL DEFAULT '{}', build TEXT NOT NULL DEFAULT '{}',
  measured_at TEXT, source TEXT NOT NULL,
  n INTEGER CHECK(n IS NULL OR n > 0), min_ms REAL, p50_ms REAL NOT NULL CHECK(p50_ms > 0),
  p90_ms REAL, p99_ms REAL, max_ms REAL, mean_ms REAL, std_ms REAL,
  init_ms REAL, first_run_ms REAL, peak_rss_bytes INTEGER,
  synthetic_weights INTEGER NOT NULL DEFAULT 0,
  layer_count INTEGER NOT NULL DEFAULT 0);
INSERT INTO runs_v3 SELECT id, device_id, model_id, runtime, compute_unit, precision,
  NULLIF(threads, 0), cluster, options, build, measured_at, source, NULLIF(n, 0), min_ms, p50_ms,
  p90_ms, p99_ms, max_ms, mean_ms, std_ms, init_ms, first_run_ms, peak_rss_bytes,
  synthetic_weights, layer_count FROM runs;
CREATE TABLE layer_timings_v3(
  run_id INTEGER NOT NULL REFERENCES runs_v3(id) ON DELETE CASCADE,
  layer_index INTEGER NOT NULL,
  name TEXT NOT NULL, op TEXT NOT NULL, fused_into TEXT NOT NULL DEFAULT '',
  p50_ms REAL NOT NULL, share REAL NOT NULL,
  kernel TEXT NOT NULL DEFAULT '', precision TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(run_id, layer_index));
INSERT INTO layer_timings_v3 SELECT run_id, layer_index, name, op, fused_into, p50_ms, share,
  '', '' FROM layer_timings;
DROP TABLE layer_timings;
DROP TABLE runs;
ALTER TABLE runs_v3 RENAME TO runs;
ALTER TABLE layer_timings_v3 RENAME TO layer_timings;
CREATE INDEX runs_by_device_model ON runs(device_id, model_id);
CREATE INDEX runs_by_model ON runs(model_id);
)sql",
};
const char* const kPostgresFirst[] = {
    "",
    "",
    R"sql(
ALTER TABLE runs ALTER COLUMN threads DROP NOT NULL;
ALTER TABLE runs ALTER COLUMN measured_at DROP NOT NULL;
ALTER TABLE runs ALTER COLUMN n DROP NOT NULL;
UPDATE runs SET threads = NULL WHERE threads = 0;
UPDATE runs SET n = NULL WHERE n = 0;
ALTER TABLE runs ADD CHECK(threads IS NULL OR threads > 0);
ALTER TABLE runs ADD CHECK(n IS NULL OR n > 0);
ALTER TABLE layer_timings ADD COLUMN kernel TEXT NOT NULL DEFAULT '';
ALTER TABLE layer_timings ADD COLUMN precision TEXT NOT NULL DEFAULT '';
)sql",
};
static_assert(sizeof(kSqliteFirst) == sizeof(kMigrations));
static_assert(sizeof(kPostgresFirst) == sizeof(kMigrations));

}  // namespace

const char* SchemaMigration(int version) { return kMigrations[version - 1]; }

const char* EngineMigration(int version, bool postgres) {
  return postgres ? kPostgresFirst[version - 1] : kSqliteFirst[version - 1];
}

}  // namespace mbench::db::internal
