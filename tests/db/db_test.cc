// The results database on both engines (SQLite files, PostgreSQL databases): schema and
// migrations, atomic writes, two writers at once, a writer killed mid-run, a locked database,
// somebody else's data, and the named queries; then what only one engine has.
#include "db/db.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "db/store.h"
#include "tests/testutil/engines.h"
#include "tests/testutil/testutil.h"
#ifdef MBENCH_TEST_POSTGRES
#include "tests/testutil/postgres.h"
#endif

namespace mbench::db {
namespace {

// Runs raw SQL on an SQLite file through a second connection, as another program would.
std::string SqliteScalar(const std::string& path, const std::string& sql) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &h), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  std::string out = "<error>";
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK) {
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(s, 0);
      out = t ? reinterpret_cast<const char*>(t) : "";
    } else if (rc == SQLITE_DONE) {
      out = "";
    }
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

// A fresh results database on one engine: a file in a temporary directory, or a new database
// on the tests' PostgreSQL server.
class DbTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = std::filesystem::temp_directory_path() /
           ("mbench_db_test_" + std::to_string(::getpid()) + "_" + GetParam());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto location = mbench::testing::NewTestDatabase(GetParam(), test, dir_);
    ASSERT_TRUE(location.ok()) << location.status().ToString();
    path_ = *location;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  bool postgres() const { return GetParam() == "postgresql"; }

  // Raw SQL on the database through a connection of its own, as another program would.
  std::string RawScalar(const std::string& sql) const {
#ifdef MBENCH_TEST_POSTGRES
    if (postgres()) return mbench::testing::PostgresScalar(path_, sql);
#endif
    return SqliteScalar(path_, sql);
  }
  // Layer rows for the first run as an older schema held them (without kernel and precision),
  // written by hand: this build's writer speaks the latest schema only.
  void AddOldLayers(int n) const {
    for (int i = 0; i < n; ++i) {
      RawScalar(
          "INSERT INTO layer_timings(run_id, layer_index, name, op, fused_into, p50_ms, "
          "share) VALUES((SELECT min(id) FROM runs), " +
          std::to_string(i) + ", 'layer" + std::to_string(i) + "', 'conv', '', 1.0, 0.3)");
    }
  }
  bool TableExists(const std::string& table) const {
    return RawScalar(postgres() ? "SELECT count(*) FROM information_schema.tables WHERE "
                                  "table_schema = current_schema() AND table_name = '" +
                                      table + "'"
                                : "SELECT count(*) FROM sqlite_master WHERE name = '" + table +
                                      "'") == "1";
  }

  std::filesystem::path dir_;
  std::string path_;  // the database's location: a file path or a postgresql:// URI
};

INSTANTIATE_TEST_SUITE_P(Engines, DbTest, ::testing::ValuesIn(mbench::testing::DatabaseEngines()),
                         [](const auto& engine) { return engine.param; });

DeviceRecord Host() { return {"host-test", "test host", "Test CPU", "host", "x86", "{}"}; }

ModelRecord Model(const std::string& name) {
  ModelRecord m;
  m.key = "sha-" + name;
  m.sha256 = "ab12cd34ef56" + name;
  m.name = name;
  m.format = "zoo";
  m.ref = "zoo:" + name;
  m.macs = 1000;
  return m;
}

RunRecord MakeRun(double p50, int layers) {
  RunRecord r;
  r.threads = 1;
  r.n = 10;
  r.measured_at = "2026-12-01T10:00:00Z";
  r.min_ms = p50 * 0.9;
  r.p50_ms = p50;
  r.max_ms = p50 * 1.2;
  r.source = "test";
  for (int i = 0; i < layers; ++i) {
    r.layers.push_back({i, "layer" + std::to_string(i), "conv", "", p50 / layers, 1.0 / layers,
                        "xnnpack", "fp32"});
  }
  return r;
}

// A prediction of `ms` on the host profile's 1-thread target.
PredictionRecord Prediction(double ms, double low, double high) {
  PredictionRecord p;
  p.profile = "host.json";
  p.calibration = "test";
  p.estimator_version = "1";
  p.target_key = "cpu/mbench/fp32/1t";
  p.runtime = "mbench";
  p.compute_unit = "cpu";
  p.precision = "fp32";
  p.threads = 1;
  p.latency_ms = ms;
  p.low_ms = low;
  p.high_ms = high;
  return p;
}

TEST_P(DbTest, FreshDatabaseHasTheLatestSchema) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(*(*db)->SchemaVersion(), LatestSchemaVersion());
  EXPECT_STREQ((*db)->engine(), postgres() ? "postgresql" : "sqlite");
  for (const std::string& t : TableNames()) EXPECT_TRUE(TableExists(t)) << t;
  if (!postgres()) {
    EXPECT_EQ(RawScalar("PRAGMA journal_mode"), "wal");
  }
  // Opening again changes nothing.
  auto again = Database::Open(path_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*(*again)->SchemaVersion(), LatestSchemaVersion());
}

TEST_P(DbTest, OlderDatabaseIsMigratedInPlaceKeepingItsRuns) {
  {
    auto v1 = Database::Open(path_, {.schema_version = 1});
    ASSERT_TRUE(v1.ok()) << v1.status().ToString();
    EXPECT_EQ(*(*v1)->SchemaVersion(), 1);
    ASSERT_TRUE((*v1)->AddRun(Host(), Model("m"), MakeRun(5.0, 0)).ok());
    EXPECT_FALSE(TableExists("predictions"));
  }
  AddOldLayers(3);
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(*(*db)->SchemaVersion(), LatestSchemaVersion());
  EXPECT_EQ(*(*db)->Count("runs"), 1);
  EXPECT_EQ(*(*db)->Count("layer_timings"), 3);
  ASSERT_TRUE((*db)->AddPredictions(Model("m"), {{Host(), Prediction(4.0, 3.0, 6.0)}}).ok());
  EXPECT_TRUE((*db)->CheckIntegrity().ok());
}

// Version 3 stores what a source did not say as NULL: an older database's 0 threads, 0
// repetitions and an import's made-up date become NULL, and nothing else is lost on the way
// (SQLite rebuilds the runs table; its layer timings must survive the old table's cascade).
TEST_P(DbTest, VersionThreeTurnsPlaceholderZerosIntoNulls) {
  {
    auto v2 = Database::Open(path_, {.schema_version = 2});
    ASSERT_TRUE(v2.ok()) << v2.status().ToString();
    ASSERT_TRUE((*v2)->AddRun(Host(), Model("measured"), MakeRun(5.0, 0)).ok());
    RunRecord imported = MakeRun(7.0, 0);
    imported.options_json = R"({"imported_from":"t.csv","kind":"tflite"})";
    ASSERT_TRUE((*v2)->AddRun(Host(), Model("imported"), imported).ok());
  }
  AddOldLayers(3);
  RawScalar("UPDATE runs SET threads = 0, n = 0 WHERE p50_ms = 7");
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(*(*db)->Count("runs"), 2);
  EXPECT_EQ(*(*db)->Count("layer_timings"), 3);
  EXPECT_EQ(RawScalar("SELECT count(*) FROM runs WHERE threads IS NULL AND n IS NULL AND "
                      "measured_at IS NULL AND p50_ms = 7"),
            "1");
  EXPECT_EQ(RawScalar("SELECT count(*) FROM runs WHERE threads = 1 AND n = 10 AND "
                      "measured_at = '2026-12-01T10:00:00Z'"),
            "1");
  // New rows keep the rule, and the constraint refuses a placeholder written by hand.
  RunRecord unknown = MakeRun(9.0, 0);
  unknown.threads = 0;
  unknown.n = 0;
  unknown.measured_at.clear();
  ASSERT_TRUE((*db)->AddRun(Host(), Model("gpu"), unknown).ok());
  EXPECT_EQ(RawScalar("SELECT count(*) FROM runs WHERE threads IS NULL"), "2");
  EXPECT_EQ(RawScalar("SELECT count(*) FROM v_runs WHERE threads IS NULL AND p50_ms = 9"), "1");
  RawScalar("UPDATE runs SET threads = 0 WHERE p50_ms = 9");  // refused by the CHECK
  RawScalar("UPDATE runs SET n = 0 WHERE p50_ms = 9");
  EXPECT_EQ(RawScalar("SELECT count(*) FROM runs WHERE threads = 0 OR n = 0"), "0");
  EXPECT_TRUE((*db)->CheckIntegrity().ok());
}

// The views a dashboard reads: every one answers on both engines, with the documented columns.
TEST_P(DbTest, ViewsJoinMeasurementsAndPredictions) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  RunRecord slow = MakeRun(5.0, 2);
  RunRecord fast = MakeRun(4.0, 2);
  fast.measured_at = "2026-12-02T10:00:00Z";
  RunRecord regressed = MakeRun(6.0, 2);
  regressed.measured_at = "2026-12-03T10:00:00Z";
  for (const RunRecord& r : {slow, fast, regressed}) {
    ASSERT_TRUE((*db)->AddRun(Host(), Model("m"), r).ok());
  }
  ASSERT_TRUE((*db)->AddPredictions(Model("m"), {{Host(), Prediction(4.5, 4.0, 6.0)}}).ok());
  EXPECT_EQ(RawScalar("SELECT count(*) FROM v_runs"), "3");
  EXPECT_EQ(RawScalar("SELECT count(*) FROM v_layer_timings WHERE share_pct = 50"), "6");
  EXPECT_EQ(RawScalar("SELECT count(*) FROM v_predictions"), "1");
  // The median of 4, 5 and 6 ms against 4.5 predicted: -10%, inside [4, 6].
  EXPECT_EQ(RawScalar("SELECT CAST(round(CAST(error_pct AS NUMERIC), 1) AS TEXT) || ' ' || "
                      "CAST(measured_ms AS TEXT) || ' ' || CAST(inside_interval AS TEXT) FROM "
                      "v_predicted_vs_measured"),
            postgres() ? "-10.0 5 1" : "-10.0 5.0 1");
  EXPECT_EQ(RawScalar("SELECT CAST(n AS TEXT) || ' ' || CAST(within10_pct AS TEXT) FROM "
                      "v_accuracy_by_target"),
            postgres() ? "1 100" : "1 100.0");
  // 5 -> 4 -> 6 ms: the last run is a regression of 50% against the one before.
  EXPECT_EQ(RawScalar("SELECT CAST(round(CAST(change_pct AS NUMERIC), 1) AS TEXT) FROM "
                      "v_model_history WHERE regression = 1"),
            "50.0");
  EXPECT_EQ(RawScalar("SELECT count(*) FROM v_model_history WHERE previous_p50_ms IS NULL"), "1");
  // A new version of the file (another sha256, the same name) continues the same history.
  ModelRecord v2 = Model("m");
  v2.key = "sha-m-v2";
  v2.sha256 = "ffff0000";
  RunRecord later = MakeRun(9.0, 0);
  later.measured_at = "2026-12-04T10:00:00Z";
  ASSERT_TRUE((*db)->AddRun(Host(), v2, later).ok());
  EXPECT_EQ(RawScalar("SELECT CAST(round(CAST(change_pct AS NUMERIC), 1) AS TEXT) FROM "
                      "v_model_history WHERE sha256 = 'ffff0000'"),
            "50.0");
  EXPECT_EQ(RawScalar("SELECT count(*) FROM v_model_history WHERE regression = 1"), "2");
}

TEST_P(DbTest, DatabaseFromANewerMbenchIsRefused) {
  ASSERT_TRUE(Database::Open(path_).ok());
  RawScalar(postgres() ? "UPDATE mbench_schema_version SET version = 99"
                       : "PRAGMA user_version = 99");
  auto db = Database::Open(path_);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(db.status().message().find(path_), std::string::npos);
  EXPECT_NE(db.status().message().find("newer mbench"), std::string::npos);
}

TEST_P(DbTest, SomebodyElsesTablesAreNotAdopted) {
  RawScalar("CREATE TABLE notes(x TEXT)");
  auto db = Database::Open(path_);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(db.status().message().find("did not create"), std::string::npos);
  EXPECT_FALSE(TableExists("runs")) << "nothing may be added to somebody else's database";
}

TEST_P(DbTest, MustExistOnADatabaseWithoutResultsIsNotFound) {
  auto db = Database::Open(path_, {.must_exist = true});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kNotFound) << db.status().ToString();
  if (postgres()) {
    EXPECT_FALSE(TableExists("runs"));
  } else {
    EXPECT_FALSE(std::filesystem::exists(path_));
  }
}

TEST_P(DbTest, LargeCountsAndExactFractionsRoundTrip) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ModelRecord big = Model("big");
  big.macs = 5'000'000'000;  // past 2^32: 64-bit columns on both engines
  RunRecord r = MakeRun(0.1234567890123456789, 1);
  r.peak_rss_bytes = int64_t{3} << 40;
  ASSERT_TRUE((*db)->AddRun(Host(), big, r).ok());
  auto runs = (*db)->RunsOfDevice("host-test");
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].model.macs, 5'000'000'000);
  EXPECT_EQ((*runs)[0].run.p50_ms, 0.1234567890123456789) << "doubles are stored exactly";
  EXPECT_EQ((*runs)[0].run.layers.at(0).p50_ms, 0.1234567890123456789);
  auto dump = (*db)->Dump("runs");
  ASSERT_TRUE(dump.ok());
  EXPECT_EQ(dump->rows.at(0).at(22).i, int64_t{3} << 40);  // peak_rss_bytes
}

TEST_P(DbTest, AFailedRunLeavesNothingBehind) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->AddRun(Host(), Model("a"), MakeRun(5.0, 4)).ok());
  RunRecord bad = MakeRun(6.0, 4);
  bad.layers[3].index = 1;  // duplicate layer index: the fourth insert fails
  auto r = (*db)->AddRun(Host(), Model("b"), bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*(*db)->Count("runs"), 1);
  EXPECT_EQ(*(*db)->Count("layer_timings"), 4);
  EXPECT_EQ(*(*db)->Count("models"), 1) << "the model of a failed run must not be stored either";
  RunRecord zero = MakeRun(0.0, 0);
  EXPECT_FALSE((*db)->AddRun(Host(), Model("c"), zero).ok());
  EXPECT_EQ(*(*db)->Count("runs"), 1);
}

TEST_P(DbTest, TwoProcessesWritingAtOnceLoseNothing) {
  ASSERT_TRUE(Database::Open(path_).ok());
  constexpr int kRuns = 40, kLayers = 20;
  pid_t kids[2];
  for (int k = 0; k < 2; ++k) {
    kids[k] = fork();
    ASSERT_GE(kids[k], 0);
    if (kids[k] == 0) {
      auto db = Database::Open(path_);
      if (!db.ok()) _exit(10);
      for (int i = 0; i < kRuns; ++i) {
        if (!(*db)
                 ->AddRun(Host(), Model("m" + std::to_string(i % 3)), MakeRun(1.0 + i, kLayers))
                 .ok()) {
          _exit(11);
        }
      }
      _exit(0);
    }
  }
  for (pid_t kid : kids) {
    int status = 0;
    ASSERT_EQ(waitpid(kid, &status, 0), kid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->Count("runs"), 2 * kRuns);
  EXPECT_EQ(*(*db)->Count("layer_timings"), 2 * kRuns * kLayers);
  EXPECT_EQ(*(*db)->Count("models"), 3);
  EXPECT_TRUE((*db)->CheckIntegrity().ok());
}

TEST_P(DbTest, AWriterKilledMidRunLeavesTheDatabaseConsistentAndTheRunAbsent) {
  ASSERT_TRUE(Database::Open(path_).ok());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t kid = fork();
  ASSERT_GE(kid, 0);
  if (kid == 0) {
    close(fds[0]);
    auto db = Database::Open(path_);
    if (!db.ok()) _exit(10);
    if (!(*db)->AddRun(Host(), Model("done"), MakeRun(2.0, 8)).ok()) _exit(11);  // fully stored
    (*db)->after_layer_hook = [&](int64_t layer) {
      if (layer == 50) {
        char c = 'k';
        if (write(fds[1], &c, 1) != 1) _exit(12);
        for (;;) pause();  // killed here, mid-transaction
      }
    };
    (void)(*db)->AddRun(Host(), Model("killed"), MakeRun(3.0, 100));
    _exit(13);
  }
  close(fds[1]);
  char c = 0;
  ASSERT_EQ(read(fds[0], &c, 1), 1);
  close(fds[0]);
  ASSERT_EQ(kill(kid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(kid, &status, 0), kid);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE((*db)->CheckIntegrity().ok());
  EXPECT_EQ(*(*db)->Count("runs"), 1);
  EXPECT_EQ(*(*db)->Count("layer_timings"), 8);
  auto runs = (*db)->RunsOfDevice("host-test");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].model.name, "done");
  EXPECT_EQ((*runs)[0].run.layers.size(), 8u);
  // And the file takes new writes.
  EXPECT_TRUE((*db)->AddRun(Host(), Model("after"), MakeRun(4.0, 2)).ok());
}

TEST_P(DbTest, ADatabaseAnotherWriterHoldsIsAOneLineErrorAfterTheTimeout) {
  ASSERT_TRUE(Database::Open(path_).ok());
  int ready[2], release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  pid_t kid = fork();
  ASSERT_GE(kid, 0);
  if (kid == 0) {  // another mbench, in the middle of storing a run
    auto db = Database::Open(path_);
    if (!db.ok()) _exit(10);
    (*db)->after_layer_hook = [&](int64_t) {
      char c = 'h';
      if (write(ready[1], &c, 1) != 1) _exit(12);
      if (read(release[0], &c, 1) != 1) _exit(13);
    };
    _exit((*db)->AddRun(Host(), Model("first"), MakeRun(2.0, 1)).ok() ? 0 : 11);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  auto db = Database::Open(path_, {.busy_timeout_ms = 200});
  ASSERT_TRUE(db.ok()) << db.status().ToString();  // opening only reads
  auto r = (*db)->AddRun(Host(), Model("second"), MakeRun(1.0, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find(path_), std::string::npos);
  EXPECT_NE(r.status().message().find("locked"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("0.2 s"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  ASSERT_EQ(write(release[1], &c, 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(kid, &status, 0), kid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The holder's run is stored whole; the refused one is absent and can be stored now.
  EXPECT_EQ(*(*db)->Count("runs"), 1);
  EXPECT_TRUE((*db)->AddRun(Host(), Model("second"), MakeRun(1.0, 1)).ok());
  EXPECT_EQ(*(*db)->Count("runs"), 2);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) close(fd);
}

TEST_P(DbTest, CalibrationsKeepHistoryWithOneActivePerDevice) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok());
  CalibrationRow c;
  c.profile_json = "{\"v\":1}";
  c.method = "m";
  c.data = "d";
  ASSERT_TRUE((*db)->AddCalibration(Host(), c).ok());
  c.profile_json = "{\"v\":2}";
  auto id2 = (*db)->AddCalibration(Host(), c);
  ASSERT_TRUE(id2.ok());
  auto active = (*db)->ActiveCalibration("host-test");
  ASSERT_TRUE(active.ok());
  ASSERT_TRUE(active->has_value());
  EXPECT_EQ((*active)->id, *id2);
  EXPECT_EQ((*active)->profile_json, "{\"v\":2}");
  EXPECT_EQ(*(*db)->Count("calibrations"), 2);
  EXPECT_FALSE((*db)->ActiveCalibration("other")->has_value());
}

const Cell& Col(const Table& t, size_t row, const std::string& name) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i] == name) return t.rows[row][i];
  }
  static Cell none;
  ADD_FAILURE() << "no column " << name;
  return none;
}

TEST_P(DbTest, RunsOfAModelAreFoundByContentOnEveryDevice) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  DeviceRecord phone = Host();
  phone.id = "phone-test";
  ASSERT_TRUE((*db)->AddRun(Host(), Model("a"), MakeRun(2.0, 2)).ok());
  ASSERT_TRUE((*db)->AddRun(phone, Model("a"), MakeRun(5.0, 0)).ok());
  ASSERT_TRUE((*db)->AddRun(phone, Model("b"), MakeRun(7.0, 0)).ok());
  auto runs = (*db)->RunsOfModel(Model("a").sha256);
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].device_id, "host-test");
  EXPECT_EQ((*runs)[1].device_id, "phone-test");
  EXPECT_DOUBLE_EQ((*runs)[1].run.p50_ms, 5.0);
  auto none = (*db)->RunsOfModel("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto device = (*db)->RunsOfDevice("phone-test");
  ASSERT_TRUE(device.ok());
  ASSERT_EQ(device->size(), 2u);
  EXPECT_EQ((*device)[0].device_id, "phone-test");
}

// Storing the same runs again (a table imported twice, a phone's runs copied twice) adds
// nothing; a run that differs in any statistic is new.
TEST_P(DbTest, RunsStoredAgainAreNotDuplicated) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  std::vector<std::pair<ModelRecord, std::vector<std::pair<std::string, RunRecord>>>> batch = {
      {Model("a"), {{"host-test", MakeRun(2.0, 0)}, {"host-test", MakeRun(3.0, 0)}}}};
  auto first = (*db)->AddRuns({Host()}, batch);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 2);
  auto again = (*db)->AddRuns({Host()}, batch);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, 0);
  batch[0].second.push_back({"host-test", MakeRun(2.5, 0)});
  auto more = (*db)->AddRuns({Host()}, batch);
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  EXPECT_EQ(*more, 1);
  auto runs = (*db)->RunsOfModel(Model("a").sha256);
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  EXPECT_EQ(runs->size(), 3u);
}

TEST_P(DbTest, NamedQueries) {
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok());
  DeviceRecord phone{"phone", "A phone", "SoC", "phone", "", "{}"};
  // Three runs on the host (median 5), one on the phone.
  for (double ms : {4.0, 5.0, 9.0})
    ASSERT_TRUE((*db)->AddRun(Host(), Model("net"), MakeRun(ms, 2)).ok());
  RunRecord on_phone = MakeRun(20.0, 0);
  on_phone.build_json = R"({"version": "9.8.7", "compiler": "g++"})";
  ASSERT_TRUE((*db)->AddRun(phone, Model("net"), on_phone).ok());
  ASSERT_TRUE((*db)->AddPredictions(Model("net"), {{Host(), Prediction(5.4, 4.5, 6.5)}}).ok());

  auto pvm = (*db)->Query("predicted-vs-measured", "");
  ASSERT_TRUE(pvm.ok()) << pvm.status().ToString();
  ASSERT_EQ(pvm->rows.size(), 1u);
  EXPECT_DOUBLE_EQ(Col(*pvm, 0, "measured_ms").r, 5.0);
  EXPECT_EQ(Col(*pvm, 0, "runs").i, 3);
  EXPECT_NEAR(Col(*pvm, 0, "error_pct").r, 8.0, 1e-9);
  EXPECT_EQ(Col(*pvm, 0, "inside_interval").i, 1);

  auto acc = (*db)->Query("prediction-accuracy", "");
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  ASSERT_EQ(acc->rows.size(), 1u);
  EXPECT_EQ(Col(*acc, 0, "n").i, 1);
  EXPECT_NEAR(Col(*acc, 0, "mape_pct").r, 8.0, 1e-9);
  EXPECT_DOUBLE_EQ(Col(*acc, 0, "within10_pct").r, 100.0);
  EXPECT_DOUBLE_EQ(Col(*acc, 0, "interval_coverage_pct").r, 100.0);

  auto board = (*db)->Query("leaderboard", "net");
  ASSERT_TRUE(board.ok());
  ASSERT_EQ(board->rows.size(), 2u);
  EXPECT_EQ(Col(*board, 0, "device_id").s, "host-test");
  EXPECT_DOUBLE_EQ(Col(*board, 0, "best_p50_ms").r, 4.0);
  EXPECT_EQ(Col(*board, 1, "device_id").s, "phone");

  auto history = (*db)->Query("model-history", "ab12cd34ef56");  // sha256 prefix
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->rows.size(), 4u);
  EXPECT_EQ(Col(*history, 3, "mbench_version").s, "9.8.7");  // read from the run's build JSON
  EXPECT_EQ(Col(*history, 0, "mbench_version").type, Cell::Type::kNull);
  EXPECT_EQ((*db)->Query("model-history", "nothing-like-it")->rows.size(), 0u);

  auto devices = (*db)->Query("devices", "");
  ASSERT_TRUE(devices.ok());
  EXPECT_EQ(devices->rows.size(), 2u);
  ASSERT_EQ(Col(*devices, 0, "id").s, "host-test");
  EXPECT_EQ(Col(*devices, 0, "runs").i, 3);
  EXPECT_EQ(Col(*devices, 0, "predictions").i, 1);

  // Export: every column with its type, whichever engine stored it.
  auto runs = (*db)->Dump("runs");
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->rows.size(), 4u);
  EXPECT_EQ(Col(*runs, 0, "id").type, Cell::Type::kInt);
  EXPECT_EQ(Col(*runs, 0, "p50_ms").type, Cell::Type::kReal);
  EXPECT_DOUBLE_EQ(Col(*runs, 0, "p50_ms").r, 4.0);
  EXPECT_EQ(Col(*runs, 0, "runtime").s, "mbench");
  EXPECT_EQ(Col(*runs, 0, "init_ms").type, Cell::Type::kNull);
  auto layers = (*db)->Dump("layer_timings");
  ASSERT_TRUE(layers.ok());
  EXPECT_EQ(layers->rows.size(), 6u);

  auto unknown = (*db)->Query("no-such-query", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("leaderboard"), std::string::npos);
}

// What only an SQLite file can be: random bytes, a directory, another program's lock.
class SqliteDbTest : public DbTest {};
INSTANTIATE_TEST_SUITE_P(Engines, SqliteDbTest, ::testing::Values("sqlite"),
                         [](const auto& engine) { return engine.param; });

TEST_P(SqliteDbTest, RandomBytesAreNotADatabase) {
  std::mt19937 rng(3);
  std::string junk(8192, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  mbench::testing::WriteFile(path_, junk);
  auto db = Database::Open(path_);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find(path_), std::string::npos) << db.status().ToString();
  EXPECT_EQ(mbench::testing::ReadFile(path_), junk)
      << "a file that is not ours must not be touched";
}

TEST_P(SqliteDbTest, ADirectoryIsNotADatabase) {
  auto db = Database::Open(dir_.string());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(db.status().message().find("directory"), std::string::npos);
}

TEST_P(SqliteDbTest, AFileLockedByAnotherProgramIsAOneLineErrorAfterTheTimeout) {
  ASSERT_TRUE(Database::Open(path_).ok());
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto db = Database::Open(path_, {.busy_timeout_ms = 200});
  ASSERT_TRUE(db.ok()) << db.status().ToString();  // opening only reads
  auto r = (*db)->AddRun(Host(), Model("m"), MakeRun(1.0, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find(path_), std::string::npos);
  EXPECT_NE(r.status().message().find("locked"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  EXPECT_TRUE((*db)->AddRun(Host(), Model("m"), MakeRun(1.0, 1)).ok());
}

// A user who may read the results (a shared file, a folder they cannot write) queries them:
// the read-only open writes nothing, not even the WAL's index beside the file. As root the test
// drops to `nobody` in a child process, since permissions do not bind root.
TEST_P(SqliteDbTest, AReadOnlyDatabaseCanBeQueriedByAUserWhoCannotWriteIt) {
  {
    auto db = Database::Open(path_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->AddRun(Host(), Model("m"), MakeRun(2.0, 3)).ok());
  }
  ASSERT_FALSE(std::filesystem::exists(path_ + "-shm")) << "the last writer cleans up its WAL";
  namespace fs = std::filesystem;
  fs::permissions(path_, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                            fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(20);
    if (access(path_.c_str(), W_OK) == 0) _exit(21);  // permissions would not bind
    {
      auto writer = Database::Open(path_);
      if (writer.ok()) _exit(22);  // a writer's open needs write access and says so
      if (writer.status().message().find(path_) == std::string::npos) _exit(23);
    }
    auto db = Database::Open(path_, {.must_exist = true, .read_only = true});
    if (!db.ok()) {
      std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
      _exit(24);
    }
    auto runs = (*db)->Dump("runs");
    if (!runs.ok() || runs->rows.size() != 1) _exit(25);
    auto layers = (*db)->Query("leaderboard", "");
    if (!layers.ok()) _exit(26);
    auto write = (*db)->AddRun(Host(), Model("m2"), MakeRun(1.0, 1));
    if (write.ok()) _exit(27);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
  fs::permissions(path_, fs::perms::owner_write, fs::perm_options::add);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child failed at step " << WEXITSTATUS(status);
  EXPECT_FALSE(fs::exists(path_ + "-shm"));
  EXPECT_FALSE(fs::exists(path_ + "-wal"));
}

TEST_P(SqliteDbTest, AReadOnlyOpenNeitherCreatesNorMigrates) {
  auto absent = Database::Open(path_, {.read_only = true});
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(path_));
  ASSERT_TRUE(Database::Open(path_, {.schema_version = 1}).ok());
  auto old = Database::Open(path_, {.read_only = true});
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("write access"), std::string::npos)
      << old.status().ToString();
  EXPECT_EQ(SqliteScalar(path_, "PRAGMA user_version"), "1");
}

#ifdef MBENCH_TEST_POSTGRES
// What only a PostgreSQL URI can be: a server that does not answer, a password to keep quiet.
TEST(PostgresDbTest, AnUnreachableServerIsAOneLineErrorWithoutThePassword) {
  const std::string uri =
      "postgresql://me:s3cret@/results?host=/nonexistent/socket/dir&connect_timeout=2";
  auto db = Database::Open(uri);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kIOError);
  EXPECT_NE(db.status().message().find("cannot connect"), std::string::npos)
      << db.status().ToString();
  EXPECT_NE(db.status().message().find("postgresql://me:***@/results"), std::string::npos)
      << db.status().ToString();
  EXPECT_EQ(db.status().message().find("s3cret"), std::string::npos);
  EXPECT_EQ(db.status().message().find('\n'), std::string::npos);
}

TEST(PostgresDbTest, AMalformedUriIsRefusedWithoutEchoingItsPassword) {
  // libpq quotes the URI whole when it cannot parse it.
  auto db = Database::Open("postgresql://me:s3cret@[::1/results");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().message().find("s3cret"), std::string::npos) << db.status().ToString();
  EXPECT_NE(db.status().message().find("cannot connect"), std::string::npos);
}

TEST(PostgresDbTest, AServerThatNeverAnswersTimesOut) {
  // A socket that accepts connections (the kernel completes them from the backlog) and never
  // answers, as a hung server does: the connection gives up after connect_timeout.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string uri = "postgresql://me:pw@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) +
                          "/results?connect_timeout=2";
  auto db = Database::Open(uri);
  ::close(fd);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kIOError) << db.status().ToString();
  EXPECT_EQ(internal::WithConnectTimeout("postgresql://h/db"),
            "postgresql://h/db?connect_timeout=10");
  EXPECT_EQ(internal::WithConnectTimeout("postgresql://h/db?sslmode=require"),
            "postgresql://h/db?sslmode=require&connect_timeout=10");
  EXPECT_EQ(internal::WithConnectTimeout(uri), uri);
}

TEST(PostgresDbTest, PasswordsAreMaskedWhereverTheyAppear) {
  EXPECT_EQ(internal::MaskPassword("postgresql://u:pw@host:5432/db"),
            "postgresql://u:***@host:5432/db");
  EXPECT_EQ(internal::MaskPassword("postgres://u@host/db"), "postgres://u@host/db");
  EXPECT_EQ(internal::MaskPassword("postgresql:///db?user=u&password=pw&host=/tmp"),
            "postgresql:///db?user=u&password=***&host=/tmp");
  EXPECT_EQ(internal::MaskPassword("postgresql://host/db"), "postgresql://host/db");
}
#endif

TEST(SqliteOnlyTest, ANegativeSchemaVersionIsNotMistakenForAnEmptyDatabase) {
  testing::TempDir dir;
  const std::string path = dir.File("neg.db");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE devices(x); PRAGMA user_version=-1;", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto db = Database::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kCorruption) << db.status().ToString();
  EXPECT_NE(db.status().message().find("schema version -1"), std::string::npos)
      << db.status().ToString();
}

TEST(EngineTest, LocationsChooseTheEngine) {
  EXPECT_TRUE(internal::IsPostgresUri("postgresql://host/db"));
  EXPECT_TRUE(internal::IsPostgresUri("postgres:///db?host=/tmp"));
  EXPECT_FALSE(internal::IsPostgresUri("results.db"));
  EXPECT_FALSE(internal::IsPostgresUri("./postgresql://x"));
#ifndef MBENCH_TEST_POSTGRES
  auto db = Database::Open("postgresql://host/db");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kUnsupported);
#endif
}

}  // namespace
}  // namespace mbench::db
