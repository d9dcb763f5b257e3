// What a person at a terminal sees: every table fits $COLUMNS (or is full width with --wide),
// grade's default view fits one screen, and every tabular command speaks the same formats.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "tests/testutil/testutil.h"

namespace mbench {
namespace {

using testing::RunMbench;
using testing::RunResult;
using testing::TempDir;

size_t Widest(const std::string& text) {
  size_t w = 0;
  for (const auto& l : SplitLines(text)) w = std::max(w, DisplayWidth(l));
  return w;
}

// Sets $COLUMNS for the commands a test runs (they inherit the environment), then unsets it.
class Columns {
 public:
  explicit Columns(int n) { setenv("COLUMNS", std::to_string(n).c_str(), 1); }
  ~Columns() { unsetenv("COLUMNS"); }
};

TEST(TerminalTest, GradeFitsOneScreenAtOneHundredColumns) {
  TempDir dir;
  Columns columns(100);
  RunResult r = RunMbench("grade zoo:mobilenet_v2", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LE(Widest(r.out), 100u) << r.out;
  EXPECT_LE(SplitLines(r.out).size(), 45u) << r.out;
  // The summary, every device's point prediction and interval, and where they come from.
  for (const char* want : {"verdict", "Pixel 4", "90% interval", "cv err",
                           "Where the numbers come from", "not shown at 100 columns"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
  // --wide: every column, lines as long as they need to be.
  RunResult wide = RunMbench("grade zoo:mobilenet_v2 --wide", dir);
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_GT(Widest(wide.out), 100u);
  EXPECT_NE(wide.out.find("heaviest kernel"), std::string::npos);
  EXPECT_EQ(wide.out.find("not shown"), std::string::npos);
  // --verbose: each runtime's op-list source and each target's calibration in full.
  RunResult verbose = RunMbench("grade zoo:mobilenet_v2 --verbose", dir);
  ASSERT_EQ(verbose.exit_code, 0) << verbose.err;
  EXPECT_LE(Widest(verbose.out), 100u);
  EXPECT_NE(verbose.out.find("op list source"), std::string::npos);
  EXPECT_NE(verbose.out.find("pixel4 cpu/tflite/fp32/4t: roofline fit"), std::string::npos)
      << verbose.out;
}

TEST(TerminalTest, EveryTableFitsANarrowTerminal) {
  TempDir dir;
  Columns columns(80);
  for (const char* cmd : {"devices", "zoo list", "analyze zoo:mobilenet_v2",
                          "grade zoo:mobilenet_v2 --compute npu", "grade zoo:resnet50 --verbose",
                          "run zoo:mobilenet_v2 --runs 2 --min-secs 0 --warmup 1 --per-layer"}) {
    RunResult r = RunMbench(cmd, dir);
    ASSERT_EQ(r.exit_code, 0) << cmd << ": " << r.err;
    EXPECT_LE(Widest(r.out), 80u) << cmd << "\n" << r.out;
  }
  // Without $COLUMNS and with stdout piped, nothing is cut.
  unsetenv("COLUMNS");
  RunResult piped = RunMbench("devices", dir);
  EXPECT_GT(Widest(piped.out), 80u);
}

TEST(TerminalTest, TabularCommandsShareTheirFormats) {
  TempDir dir;
  // grade: csv has one row per prediction with the numbers unrounded.
  RunResult csv =
      RunMbench("grade zoo:mobilenet_v2 --device pixel4 --device sd888 --format csv", dir);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto rows = SplitLines(csv.out);
  ASSERT_EQ(rows.size(), 3u) << csv.out;
  EXPECT_EQ(rows[0].rfind("model,sha256,device_id,device_name,release_year", 0), 0u);
  EXPECT_NE(rows[1].find("latencies"), std::string::npos);
  // run: Markdown, with the per-layer tables as pipe tables.
  RunResult md =
      RunMbench("run zoo:mobilenet_v2 --runs 2 --min-secs 0 --per-layer --format md", dir);
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_EQ(md.out.rfind("# mbench run: zoo:mobilenet_v2", 0), 0u);
  EXPECT_NE(md.out.find("## time by op type"), std::string::npos);
  EXPECT_NE(md.out.find("| op | layers | ms | share |"), std::string::npos) << md.out;
  // devices and zoo list: csv and md, a row per target / architecture.
  RunResult devices = RunMbench("devices --format csv", dir);
  ASSERT_EQ(devices.exit_code, 0) << devices.err;
  EXPECT_EQ(devices.out.rfind("id,name,year,target,", 0), 0u);
  EXPECT_GT(SplitLines(devices.out).size(), 50u);
  RunResult zoo = RunMbench("zoo list --format md", dir);
  ASSERT_EQ(zoo.exit_code, 0) << zoo.err;
  EXPECT_NE(zoo.out.find("| mobilenet_v2 |"), std::string::npos);
  // -o writes the report for every command that prints one.
  for (const std::string cmd : {"analyze zoo:mobilenet_v2", "grade zoo:mobilenet_v2",
                                "run zoo:mobilenet_v2 --runs 2 --min-secs 0"}) {
    const std::string out = dir.File("report.json");
    RunResult r = RunMbench(cmd + " --format json -o " + out, dir);
    ASSERT_EQ(r.exit_code, 0) << cmd << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << cmd;
    EXPECT_NE(r.err.find("wrote " + out), std::string::npos) << r.err;
    EXPECT_TRUE(nlohmann::json::parse(testing::ReadFile(out)).is_object()) << cmd;
  }
}

TEST(TerminalTest, DatabaseDefaultsToMbenchDbThenResultsDb) {
  TempDir dir;
  // A command that needs a database and is given none uses $MBENCH_DB...
  const std::string db = dir.File("team.db");
  setenv("MBENCH_DB", db.c_str(), 1);
  RunResult imported =
      RunMbench("db import " + testing::SourceDir() + "/docs/examples/tflite-published.csv", dir);
  unsetenv("MBENCH_DB");
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find(db), std::string::npos) << imported.out;
  RunResult query = RunMbench("db query devices --db " + db + " --format json", dir);
  ASSERT_EQ(query.exit_code, 0) << query.err;
  EXPECT_FALSE(nlohmann::json::parse(query.out).empty());
  // ...and without it results.db in the current directory, which must exist to be read.
  const std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  RunResult missing = RunMbench("db query devices", dir);
  std::filesystem::current_path(cwd);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("results.db"), std::string::npos) << missing.err;
  // The help of each says so.
  RunResult help = RunMbench("db query --help", dir);
  EXPECT_NE(help.out.find("$MBENCH_DB, else results.db"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace mbench
