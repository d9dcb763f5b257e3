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
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersions);

}  // namespace

const char* SchemaMigration(int version) { return kMigrations[version - 1]; }

}  // namespace mbench::db::internal
