// The measure -> store -> refine -> predict loop through the mbench binary: run/grade --db,
// db import/query/export, calibrate, refine, validate --db, and their bad inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/env.h"
#include "tests/testutil/engines.h"
#include "tests/testutil/testutil.h"
#ifdef MBENCH_TEST_POSTGRES
#include "tests/testutil/postgres.h"
#endif

namespace mbench {
namespace {

using testing::RunMbench;
using testing::RunResult;
using testing::TempDir;

int CountLines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

nlohmann::json Query(const std::string& what, const std::string& db, const TempDir& dir) {
  RunResult r = RunMbench("db query " + what + " --db " + db + " --format json", dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::array();
}

// The same commands on both engines: an SQLite file, and a database on the tests' PostgreSQL
// server named by a URI.
class EngineCliTest : public ::testing::TestWithParam<std::string> {
 protected:
  // A fresh, empty results database, as one shell word.
  std::string NewDatabase(const TempDir& dir) {
    if (GetParam() == "sqlite") return dir.File("r.db");
#ifdef MBENCH_TEST_POSTGRES
    auto uri = testing::NewPostgresDatabase(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    EXPECT_TRUE(uri.ok()) << uri.status().ToString();
    return uri.ok() ? "'" + *uri + "'" : "";
#else
    ADD_FAILURE() << "built without MBENCH_WITH_POSTGRES";
    return "";
#endif
  }
};

using DbCliTest = EngineCliTest;
using LoopCliTest = EngineCliTest;
INSTANTIATE_TEST_SUITE_P(Engines, DbCliTest,
                         ::testing::ValuesIn(mbench::testing::DatabaseEngines()),
                         [](const auto& engine) { return engine.param; });
INSTANTIATE_TEST_SUITE_P(Engines, LoopCliTest,
                         ::testing::ValuesIn(mbench::testing::DatabaseEngines()),
                         [](const auto& engine) { return engine.param; });

TEST_P(DbCliTest, RunAndGradeStoreWhatTheyProduce) {
  TempDir dir;
  const std::string db = NewDatabase(dir);
  const std::string tiny = "zoo:mobilenet_v1 --width 0.25 --resolution 96";
  RunResult run = RunMbench(
      "run " + tiny + " --runs 3 --min-secs 0 --per-layer --db " + db + " --format json", dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto rj = nlohmann::json::parse(run.out);
  ASSERT_TRUE(rj.contains("db"));
  const int run_id = rj["db"]["run_id"].get<int>();
  EXPECT_EQ(rj["device"]["id"].get<std::string>().rfind("host-", 0), 0u);

  RunResult grade = RunMbench("grade " + tiny + " --db " + db + " --format json", dir);
  ASSERT_EQ(grade.exit_code, 0) << grade.err;
  const size_t predicted = nlohmann::json::parse(grade.out)["predictions"].size();
  ASSERT_GT(predicted, 10u);

  auto history =
      Query("model-history --model 'zoo:mobilenet_v1 --width 0.25 --resolution 96'", db, dir);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["run_id"].get<int>(), run_id);
  EXPECT_NEAR(history[0]["p50_ms"].get<double>(), rj["latency_ms"]["p50"].get<double>(), 1e-3);
  EXPECT_EQ(history[0]["n"].get<int>(), rj["latency_ms"]["n"].get<int>());

  // Export: every table as JSON, with the run's layers and the grade's predictions.
  RunResult ex = RunMbench("db export --db " + db, dir);
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  auto ej = nlohmann::json::parse(ex.out);
  EXPECT_EQ(ej["tables"]["runs"].size(), 1u);
  EXPECT_EQ(ej["tables"]["layer_timings"].size(), rj["layers"].size());
  EXPECT_EQ(ej["tables"]["predictions"].size(), predicted);
  // JSON columns are JSON in the export, not strings of JSON.
  EXPECT_TRUE(ej["tables"]["runs"][0]["build"].is_object());
  EXPECT_TRUE(ej["tables"]["runs"][0]["options"]["per_layer"].get<bool>());
  EXPECT_TRUE(ej["tables"]["devices"][0]["facts"].is_object());
  RunResult csv = RunMbench("db export --db " + db + " --format csv --table layer_timings", dir);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(CountLines(csv.out), 1 + static_cast<int>(rj["layers"].size()));
}

TEST_P(DbCliTest, ImportStoresPublishedTablesAtomically) {
  TempDir dir;
  const std::string db = NewDatabase(dir);
  const std::string csv = testing::SourceDir() + "/data/latency/measurements.csv";
  auto published = ReadFileToString(csv);
  ASSERT_TRUE(published.ok());
  const int rows = CountLines(*published) - 1;  // every published latency, header aside
  RunResult imp = RunMbench("db import " + csv + " --kind mbench --db " + db, dir);
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_NE(imp.out.find(std::to_string(rows) + " runs"), std::string::npos) << imp.out;
  auto devices = Query("devices", db, dir);
  int runs = 0;
  for (const auto& d : devices) runs += d["runs"].get<int>();
  EXPECT_EQ(runs, rows);
  // Dates: a row whose source names one keeps it; the rest have none, not the import's time.
  RunResult runs_json = RunMbench("db export --db " + db + " --table runs", dir);
  ASSERT_EQ(runs_json.exit_code, 0) << runs_json.err;
  int dated = 0, undated = 0;
  const auto exported = nlohmann::json::parse(runs_json.out);
  for (const auto& r : exported["tables"]["runs"]) {
    if (r["measured_at"].is_null()) {
      ++undated;
      EXPECT_EQ(r["source"].get<std::string>().find("-01-"), std::string::npos);
      continue;
    }
    ++dated;
    const std::string at = r["measured_at"];
    EXPECT_NE(r["source"].get<std::string>().find(at), std::string::npos) << at;
    if (r["source"].get<std::string>().find("line 9050 (2024-01-15") != std::string::npos) {
      EXPECT_EQ(at, "2024-01-15");
    }
  }
  EXPECT_GT(dated, 700);
  EXPECT_GT(undated, 100);
  auto board = Query("leaderboard --model zoo:mobilenet_v2", db, dir);
  ASSERT_GT(board.size(), 3u);
  for (size_t i = 1; i < board.size(); ++i) {
    EXPECT_LE(board[i - 1]["best_p50_ms"].get<double>(), board[i]["best_p50_ms"].get<double>());
  }

  // A table whose 4th data row is broken stores nothing at all, not even the first three.
  std::string text = testing::ReadFile(csv);
  std::vector<std::string> lines;
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    size_t nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::string broken = lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + lines[3] + "\n";
  broken += "pixel1,cpu,tflite,fp32,1,big,zoo:mobilenet_v2,1,224,,not-a-number,x,y\n";
  const std::string bad = dir.File("bad.csv");
  testing::WriteFile(bad, broken);
  RunResult b = RunMbench("db import " + bad + " --db " + db, dir);
  EXPECT_NE(b.exit_code, 0);
  EXPECT_NE(b.err.find(bad + ":5: latency_ms"), std::string::npos) << b.err;
  EXPECT_EQ(CountLines(b.err), 1) << b.err;
  int after = 0;
  for (const auto& d : Query("devices", db, dir)) after += d["runs"].get<int>();
  EXPECT_EQ(after, rows);

  RunResult wrong = RunMbench("db import " + csv + " --kind ncnn --db " + db, dir);
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("missing column"), std::string::npos) << wrong.err;
}

// A raw benchncnn log imports, its kind read from the content: the settings lines before each
// block (threads, cluster, GPU) apply to it, "_int8" names int8 runs, and a second import adds
// nothing. The log does not say on which device: --device is asked for.
TEST(DbCliErrorsTest, RawBenchncnnLogImports) {
  TempDir dir;
  const std::string db = dir.File("r.db");
  const std::string log = testing::SourceDir() + "/docs/examples/benchncnn-dimensity9300.log";
  RunResult nodev = RunMbench("db import " + log + " --db " + db, dir);
  EXPECT_EQ(nodev.exit_code, 2);
  EXPECT_NE(nodev.err.find("--device"), std::string::npos) << nodev.err;
  RunResult imp = RunMbench(
      "db import " + log + " --device dimensity9300 --measured-at 2024-01-15 --db " + db, dir);
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_NE(imp.out.find("48 runs of 19 models on 1 devices"), std::string::npos) << imp.out;
  RunResult again = RunMbench("db import " + log + " --device dimensity9300 --db " + db, dir);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find(": 0 runs of"), std::string::npos) << again.out;
  RunResult ex = RunMbench("db export --db " + db + " --table runs", dir);
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  const auto runs = nlohmann::json::parse(ex.out)["tables"]["runs"];
  ASSERT_EQ(runs.size(), 48u);
  int cpu = 0, gpu = 0, int8 = 0;
  for (const auto& r : runs) {
    EXPECT_EQ(r["device_id"], "dimensity9300");
    EXPECT_EQ(r["measured_at"], "2024-01-15");
    if (r["compute_unit"] == "gpu") {
      ++gpu;
      EXPECT_TRUE(r["threads"].is_null());
    } else {
      ++cpu;
      EXPECT_EQ(r["threads"], 4);
      EXPECT_EQ(r["cluster"], "big");
    }
    int8 += r["precision"] == "int8";
  }
  EXPECT_EQ(cpu, 24);
  EXPECT_EQ(gpu, 24);
  EXPECT_GT(int8, 0);
  RunResult csv = RunMbench(
      "db import " + testing::SourceDir() + "/data/latency/measurements.csv --device x --db " + db,
      dir);
  EXPECT_EQ(csv.exit_code, 2);
  EXPECT_NE(csv.err.find("--device does not apply to a mbench table"), std::string::npos)
      << csv.err;
}

// What benchmark_model prints imports with the model it measured (whose weights give the
// precision) and the op-profiling CSV it wrote, as the run's layers; flags that do not apply
// to a file are refused, and the CSV alone is pointed at its log.
TEST(DbCliErrorsTest, BenchmarkModelLogImportsWithItsModelAndOpProfile) {
  TempDir dir;
  const std::string db = dir.File("r.db");
  const std::string log = dir.File("bm.log"), ops = dir.File("ops.csv");
  testing::WriteFile(log,
                     "STARTING!\nNum threads: [2]\nGraph: [/sdcard/mnv2.tflite]\n"
                     "count=40 first=31000 curr=30100 min=29800 max=31400 avg=30211 std=300\n"
                     "Inference timings in us: Init: 4000, First inference: 31000, Warmup (avg): "
                     "30500, Inference (avg): 30211\n");
  testing::WriteFile(ops,
                     "============================== Run Order ==============================\n"
                     "node type, first, avg_ms, %, cdf%, mem KB, times called, name\n"
                     "CONV_2D, 1.1, 1.0, 60%, 60%, 0, 1, conv0\n"
                     "DEPTHWISE_CONV_2D, 0.7, 0.66, 40%, 100%, 0, 1, dw1\n");
  RunResult alone = RunMbench("db import " + ops + " --db " + db, dir);
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--op-profile"), std::string::npos) << alone.err;
  RunResult imp = RunMbench("db import " + log +
                                " --device pixel4 --model zoo:mobilenet_v2 "
                                "--op-profile " +
                                ops + " --measured-at 2026-12-01 --db " + db,
                            dir);
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_NE(imp.out.find("1 runs of 1 models on 1 devices"), std::string::npos) << imp.out;
  EXPECT_EQ(imp.out.find("stored by name only"), std::string::npos) << imp.out;
  RunResult ex = RunMbench("db export --db " + db, dir);
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  const auto tables = nlohmann::json::parse(ex.out)["tables"];
  ASSERT_EQ(tables["runs"].size(), 1u);
  const auto& run = tables["runs"][0];
  EXPECT_EQ(run["device_id"], "pixel4");
  EXPECT_EQ(run["threads"], 2);
  EXPECT_EQ(run["n"], 40);
  EXPECT_EQ(run["precision"], "fp32");
  EXPECT_NEAR(run["p50_ms"].get<double>(), 30.211, 1e-9);
  EXPECT_NE(run["source"].get<std::string>().find("the model's fp32 weights"), std::string::npos);
  ASSERT_EQ(tables["layer_timings"].size(), 2u);
  EXPECT_EQ(tables["layer_timings"][1]["op"], "DEPTHWISE_CONV_2D");
  // Flags for a tool's output are refused for a table, which says it all itself.
  RunResult wrong =
      RunMbench("db import " + testing::SourceDir() +
                    "/docs/examples/ncnn-readme-table.csv --op-profile " + ops + " --db " + db,
                dir);
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("--op-profile does not apply"), std::string::npos) << wrong.err;
}

// Every example in docs/imports.md imports without --kind: the kind is read from the content.
TEST(DbCliErrorsTest, EveryDocumentedExampleImportsByContent) {
  TempDir dir;
  const std::string ex = testing::SourceDir() + "/docs/examples/";
  const std::pair<const char*, const char*> files[] = {
      {"ncnn-readme-table.csv", "4 runs"},
      {"tflite-published.csv", "4 runs"},
      {"qai-hub-perf.csv", "4 runs"},
      {"mbench-measurements.csv", "2 runs"},
      {"benchncnn-dimensity9300.log --device dimensity9300", "48 runs"},
      {"benchmark-model-pixel4.log --device pixel4", "3 runs"},
      {"qai-hub-profile-galaxys24.json --device galaxys24 --runtime tflite", "1 runs"}};
  for (const auto& [file, want] : files) {
    RunResult r = RunMbench("db import " + ex + file + " --db " + dir.File("r.db"), dir);
    EXPECT_EQ(r.exit_code, 0) << file << ": " << r.err;
    EXPECT_NE(r.out.find(want), std::string::npos) << file << ": " << r.out;
  }
  testing::WriteFile(dir.File("notes.txt"), "some notes\nnot a table\n");
  RunResult unknown =
      RunMbench("db import " + dir.File("notes.txt") + " --db " + dir.File("r.db"), dir);
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("not a table mbench knows"), std::string::npos) << unknown.err;
}

TEST(DbCliErrorsTest, BadDatabasesAndQueriesGiveOneLineErrors) {
  TempDir dir;
  const std::string junk = dir.File("junk.db");
  testing::WriteFile(junk, std::string(4096, 'J'));
  RunResult run = RunMbench("run zoo:mobilenet_v1 --width 0.25 --resolution 64 --db " + junk, dir);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find(junk), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("mbench run: stored"), std::string::npos);
  EXPECT_EQ(testing::ReadFile(junk), std::string(4096, 'J'));

  // A PostgreSQL server that does not answer: one line, the URI without its password, nothing run.
  RunResult pg = RunMbench(
      "run zoo:mobilenet_v1 --width 0.25 --resolution 64 --db "
      "'postgresql://me:s3cret@/results?host=/nonexistent&connect_timeout=2'",
      dir);
  EXPECT_NE(pg.exit_code, 0);
  EXPECT_EQ(CountLines(pg.err), 1) << pg.err;
  EXPECT_NE(pg.err.find("postgresql://me:***@/results"), std::string::npos) << pg.err;
  EXPECT_EQ(pg.err.find("s3cret"), std::string::npos) << pg.err;
  EXPECT_TRUE(pg.out.empty()) << pg.out;

  const std::string missing = dir.File("missing.db");
  RunResult q = RunMbench("db query devices --db " + missing, dir);
  EXPECT_NE(q.exit_code, 0);
  EXPECT_NE(q.err.find("no such results database"), std::string::npos) << q.err;
  EXPECT_FALSE(std::filesystem::exists(missing));

  const std::string db = dir.File("r.db");
  ASSERT_EQ(
      RunMbench("db import " + testing::SourceDir() + "/data/latency/measurements.csv --db " + db,
                dir)
          .exit_code,
      0);
  // The same table again adds nothing, and says so.
  RunResult again = RunMbench(
      "db import " + testing::SourceDir() + "/data/latency/measurements.csv --db " + db, dir);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find(": 0 runs of"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("were stored already"), std::string::npos) << again.out;
  // A grade of the zoo network the table names at its default resolution (written out as 224
  // there, left out here) joins the imported runs.
  ASSERT_EQ(RunMbench("grade zoo:mobilenet_v2 --db " + db, dir).exit_code, 0);
  RunResult pvm = RunMbench("db query predicted-vs-measured --db " + db, dir);
  ASSERT_EQ(pvm.exit_code, 0) << pvm.err;
  EXPECT_EQ(pvm.out.find("(0 rows)"), std::string::npos) << pvm.out;
  EXPECT_NE(pvm.out.find("pixel1"), std::string::npos) << pvm.out;
  RunResult nomodel = RunMbench("db query leaderboard --db " + db, dir);
  EXPECT_NE(nomodel.exit_code, 0);
  EXPECT_NE(nomodel.err.find("--model"), std::string::npos);
  // An unknown query or table is a usage error (exit 2) that lists the known ones.
  RunResult unknown = RunMbench("db query best-phones --db " + db, dir);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("predicted-vs-measured"), std::string::npos) << unknown.err;
  RunResult table = RunMbench("db export --table phones --db " + db, dir);
  EXPECT_EQ(table.exit_code, 2);
  EXPECT_NE(table.err.find("layer_timings"), std::string::npos) << table.err;
  RunResult refine = RunMbench("refine --db " + db + " --device no-such-phone", dir);
  EXPECT_NE(refine.exit_code, 0);
  EXPECT_EQ(CountLines(refine.err), 1) << refine.err;
}

// calibrate -> grade --profile -> run --db more models -> refine -> grade --db -> validate --db.
TEST_P(LoopCliTest, CalibrateRefineAndPredict) {
  TempDir dir;
  const std::string db = NewDatabase(dir);
  const std::string profile = dir.File("host.json");
  RunResult cal = RunMbench("calibrate --db " + db + " --out " + profile + " --probe-dir " +
                                dir.File("probes") + " --threads 1 --probe-secs 0 --model-secs 0 " +
                                "--model zoo:mobilenet_v1 --model zoo:squeezenet1_1 " +
                                "--model 'zoo:resnet18 --resolution 112'",
                            dir);
  ASSERT_EQ(cal.exit_code, 0) << cal.err << cal.out;
  EXPECT_NE(cal.err.find("left"), std::string::npos) << "progress with time left on stderr";
  EXPECT_NE(cal.out.find("cpu/mbench/fp32/1t"), std::string::npos) << cal.out;

  // The written profile grades directly, as runtime mbench.
  RunResult g = RunMbench("grade zoo:mobilenet_v2 --profile " + profile + " --format json", dir);
  ASSERT_EQ(g.exit_code, 0) << g.err;
  auto gj = nlohmann::json::parse(g.out);
  ASSERT_EQ(gj["predictions"].size(), 1u);
  const auto& p = gj["predictions"][0];
  EXPECT_EQ(p["runtime"], "mbench");
  const double predicted = p["latency_ms"].get<double>();
  EXPECT_LT(p["latency_low_ms"].get<double>(), predicted);
  EXPECT_GT(p["latency_high_ms"].get<double>(), predicted);

  // The prediction is of the right magnitude for this machine: measure it.
  RunResult m = RunMbench(
      "run zoo:mobilenet_v2 --threads 1 --runs 5 --min-secs 0 --per-layer "
      "--db " +
          db + " --format json",
      dir);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const double measured = nlohmann::json::parse(m.out)["latency_ms"]["p50"].get<double>();
  EXPECT_GT(predicted, measured / 2) << "measured " << measured;
  EXPECT_LT(predicted, measured * 2) << "measured " << measured;
  ASSERT_EQ(
      RunMbench("run zoo:shufflenet_v2 --threads 1 --runs 3 --min-secs 0 --per-layer --db " + db,
                dir)
          .exit_code,
      0);

  auto devices = Query("devices", db, dir);
  std::string host;
  for (const auto& d : devices) {
    if (d["kind"] == "host") host = d["id"];
  }
  ASSERT_FALSE(host.empty());
  RunResult refine = RunMbench("refine --db " + db + " --device " + host + " --force", dir);
  ASSERT_EQ(refine.exit_code, 0) << refine.err;
  EXPECT_NE(refine.out.find("2 models the base profile was not fitted to"), std::string::npos)
      << refine.out;
  auto cals = Query("calibrations", db, dir);
  ASSERT_EQ(cals.size(), 2u);
  EXPECT_EQ(cals[0]["active"].get<int>(), 1);
  EXPECT_EQ(cals[1]["active"].get<int>(), 0);

  // grade --db uses the refined profile, says so, and stores its predictions.
  RunResult gd = RunMbench(
      "grade zoo:mobilenet_v2 --db " + db + " --device " + host + " --threads 1 --format json",
      dir);
  ASSERT_EQ(gd.exit_code, 0) << gd.err;
  auto gdj = nlohmann::json::parse(gd.out);
  EXPECT_NE(gdj["warnings"].dump().find("refined profile"), std::string::npos) << gd.out;
  auto pvm = Query("predicted-vs-measured --model zoo:mobilenet_v2", db, dir);
  ASSERT_EQ(pvm.size(), 1u);
  EXPECT_NEAR(pvm[0]["measured_ms"].get<double>(), measured, 1e-3);
  EXPECT_LT(std::abs(pvm[0]["error_pct"].get<double>()), 100.0);

  // The speed check times calibrate's whole models again and rescales the host's prediction.
  RunResult sc = RunMbench("grade zoo:mobilenet_v2 --db " + db + " --device " + host +
                               " --threads 1 --speed-check --format json",
                           dir);
  ASSERT_EQ(sc.exit_code, 0) << sc.err;
  const auto scp = nlohmann::json::parse(sc.out)["predictions"][0];
  ASSERT_TRUE(scp.contains("speed_check")) << sc.out;
  EXPECT_NE(scp["speed_check"].get<std::string>().find("than when calibrated"), std::string::npos);
  EXPECT_NE(sc.err.find("speed check zoo:mobilenet_v1 1t"), std::string::npos) << sc.err;
  // Within a factor of 3 of the plain prediction (the same host, minutes later).
  const double plain = gdj["predictions"][0]["latency_ms"].get<double>();
  EXPECT_GT(scp["latency_ms"].get<double>(), plain / 3);
  EXPECT_LT(scp["latency_ms"].get<double>(), plain * 3);
  RunResult no_db = RunMbench("grade zoo:mobilenet_v2 --speed-check", dir);
  EXPECT_EQ(no_db.exit_code, 2) << no_db.err;

  RunResult v = RunMbench("validate --db " + db + " --by model --format json", dir);
  ASSERT_EQ(v.exit_code, 0) << v.err;
  auto vj = nlohmann::json::parse(v.out);
  EXPECT_EQ(vj["overall"]["n"].get<int>(), 5) << "five whole models, one thread count";
  EXPECT_EQ(vj["rows"].size(), 5u) << v.out;
}

}  // namespace
}  // namespace mbench
