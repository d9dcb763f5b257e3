// Drives the mbench binary end to end: exit codes, one-line errors, and the JSON contract.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/csv.h"
#include "tests/testutil/onnx_builder.h"
#include "tests/testutil/testutil.h"

namespace mbench {
namespace {

using testing::OnnxAttr;
using testing::OnnxBuilder;
using testing::TempDir;

using testing::RunMbench;
using testing::RunResult;

std::string WriteMobileBlock(const TempDir& dir, const std::string& file) {
  OnnxBuilder b;
  auto x = b.Input("input", {-1, 3, 32, 32});
  auto w1 = b.Weight("w1", {8, 3, 3, 3});
  auto c1 = b.Node("Conv", {x, w1}, {OnnxAttr::Ints("pads", {1, 1, 1, 1})}, 1, "stem");
  auto r1 = b.Node("Relu", {c1}, {}, 1, "stem_relu");
  auto wd = b.Weight("wd", {8, 1, 3, 3});
  auto dw = b.Node("Conv", {r1, wd},
                   {OnnxAttr::Int("group", 8), OnnxAttr::Ints("pads", {1, 1, 1, 1})}, 1, "dw");
  auto gp = b.Node("GlobalAveragePool", {dw}, {}, 1, "pool");
  auto fl = b.Node("Flatten", {gp}, {}, 1, "flatten");
  auto fw = b.Weight("fc_w", {10, 8});
  auto fb = b.Weight("fc_b", {10});
  b.Output(b.Node("Gemm", {fl, fw, fb}, {OnnxAttr::Int("transB", 1)}, 1, "fc"));
  return b.WriteTo(dir.path(), file);
}

TEST(CliTest, VersionPrintsVersionAndCommit) {
  TempDir dir;
  RunResult r = RunMbench("--version", dir);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("mbench 0."), std::string::npos);
  EXPECT_NE(r.out.find("commit"), std::string::npos);
  EXPECT_NE(r.out.find("target x86-64 (mbench's kernels: AVX-512F and AVX2"), std::string::npos)
      << r.out;
}

TEST(CliTest, AnalyzeHelpExplainsOptionsWithExamples) {
  TempDir dir;
  RunResult r = RunMbench("analyze --help", dir);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--input-shape"), std::string::npos);
  EXPECT_NE(r.out.find("Example"), std::string::npos);
}

TEST(CliTest, AnalyzeJsonKeepsTheContractKeys) {
  TempDir dir;
  std::string model = WriteMobileBlock(dir, "model.bin");  // not named .onnx on purpose
  RunResult r = RunMbench("analyze " + model + " --format json", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"model", "inputs", "outputs", "totals", "layers", "build", "notes"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  for (const char* k : {"path", "format", "sha256", "size_bytes"})
    EXPECT_TRUE(j["model"].contains(k));
  EXPECT_EQ(j["model"]["format"], "onnx");
  for (const char* k : {"macs", "flops", "params", "buffers", "weight_bytes",
                        "activation_bytes_peak", "activation_bytes_sum", "unknown_ops"}) {
    EXPECT_TRUE(j["totals"].contains(k)) << k;
  }
  ASSERT_EQ(j["layers"].size(), 6u);
  for (const char* k : {"index", "name", "op", "input_shapes", "output_shapes", "macs", "flops",
                        "params", "weight_bytes", "activation_bytes"}) {
    EXPECT_TRUE(j["layers"][0].contains(k)) << k;
  }
  // stem: 8*32*32*27 MACs; dw: 8*32*32*9; fc: 10*8.
  int64_t macs = 8 * 1024 * 27 + 8 * 1024 * 9 + 80;
  EXPECT_EQ(j["totals"]["macs"].get<int64_t>(), macs);
  EXPECT_EQ(j["totals"]["params"].get<int64_t>(), 8 * 27 + 8 * 9 + 80 + 10);
  EXPECT_EQ(j["layers"][2]["op"], "depthwise_conv");
  EXPECT_NE(j["notes"][0].get<std::string>().find("batch"), std::string::npos);
  EXPECT_TRUE(j["build"].contains("git_commit"));
}

TEST(CliTest, TableCsvAndMarkdownRender) {
  TempDir dir;
  std::string model = WriteMobileBlock(dir, "m.onnx");
  RunResult t = RunMbench("analyze " + model, dir);
  ASSERT_EQ(t.exit_code, 0);
  EXPECT_NE(t.out.find("MACs(M)"), std::string::npos);
  EXPECT_NE(t.out.find("activation_bytes_peak"), std::string::npos);
  RunResult c = RunMbench("analyze " + model + " --format csv", dir);
  ASSERT_EQ(c.exit_code, 0);
  EXPECT_EQ(std::count(c.out.begin(), c.out.end(), '\n'), 7);  // header + 6 layers
  RunResult m = RunMbench("analyze " + model + " --format md", dir);
  ASSERT_EQ(m.exit_code, 0);
  EXPECT_NE(m.out.find("| stem"), std::string::npos);
}

TEST(CliTest, BadInputsGiveOneLineErrorsAndNonZeroExit) {
  TempDir dir;
  testing::WriteFile(dir.File("random.onnx"), std::string("\x08\x07\xff\xfe garbage", 12));
  struct Case {
    std::string args;
    int exit_code;
    std::string needle;
  } cases[] = {
      {"analyze " + dir.File("missing.onnx"), 1, "missing.onnx"},
      {"analyze " + dir.path(), 2, "directory"},
      {"analyze " + dir.File("random.onnx"), 1, "random.onnx"},
      {"analyze " + dir.File("random.onnx") + " --input-shape nonsense", 2, "--input-shape"},
      {"analyze " + dir.File("random.onnx") + " --width 0.5", 2, "zoo: networks only"},
      {"analyze", 2, "model"},
      {"frobnicate", 2, ""},
  };
  for (const Case& c : cases) {
    RunResult r = RunMbench(c.args, dir);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
    if (c.exit_code == 1) {
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
      EXPECT_EQ(r.err.rfind("mbench analyze: error: ", 0), 0u) << r.err;
    }
    EXPECT_TRUE(r.out.empty()) << "no partial report on error: " << r.out;
  }
}

// Every command's help is for people: an example each, and no parser leftovers such as
// "--no-fuse{false}".
TEST(CliTest, HelpHasExamplesAndNoParserLeftovers) {
  TempDir dir;
  for (const char* cmd :
       {"analyze", "grade", "run", "devices", "zoo", "fit-profiles", "validate", "calibrate",
        "refine", "db import", "db query", "db export", "serve", "serve token add", "device run"}) {
    RunResult r = RunMbench(std::string(cmd) + " --help", dir);
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_EQ(r.out.find("{false}"), std::string::npos) << cmd << "\n" << r.out;
    EXPECT_EQ(r.out.find("{true}"), std::string::npos) << cmd << "\n" << r.out;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << cmd << " --help has no example";
  }
}

// The shipped profiles are never refit in place by default, and a folder that cannot be
// written is refused before the fit's minute of work (one line, no progress lines before it).
TEST(CliTest, FitProfilesNeedsAWritableOutputFirst) {
  TempDir dir;
  RunResult none = RunMbench("fit-profiles", dir);
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_NE(none.err.find("--output"), std::string::npos) << none.err;
  testing::WriteFile(dir.File("a_file"), "x");
  RunResult bad = RunMbench("fit-profiles -o " + dir.File("a_file") + "/profiles", dir);
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_EQ(bad.err.rfind("mbench fit-profiles: error: ", 0), 0u) << bad.err;
  EXPECT_NE(bad.err.find("cannot write profiles"), std::string::npos) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

TEST(CliTest, ZooListExportAndAnalyzeWorkWithoutAnyDownload) {
  TempDir dir;
  RunResult list = RunMbench("zoo list --format json", dir);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto j = nlohmann::json::parse(list.out);
  ASSERT_GE(j.size(), 20u);
  EXPECT_EQ(j[1]["name"], "mobilenet_v2");
  EXPECT_EQ(j[1]["params"].get<int64_t>(), 3504872);

  RunResult exp = RunMbench("zoo export mobilenet_v2 --width 0.5 -o " + dir.File("m.onnx"), dir);
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  RunResult file = RunMbench("analyze " + dir.File("m.onnx") + " --format json", dir);
  RunResult zoo = RunMbench("analyze zoo:mobilenet_v2 --width 0.5 --format json", dir);
  ASSERT_EQ(file.exit_code, 0) << file.err;
  ASSERT_EQ(zoo.exit_code, 0) << zoo.err;
  EXPECT_EQ(nlohmann::json::parse(file.out)["totals"]["macs"],
            nlohmann::json::parse(zoo.out)["totals"]["macs"]);

  RunResult missing = RunMbench("analyze zoo:nosuchnet", dir);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("zoo:nosuchnet"), std::string::npos);
}

TEST(CliTest, DamagedTfliteAndNcnnFilesGiveOneLineErrors) {
  TempDir dir;
  // A TFLite identifier in front of garbage: the flatbuffers Verifier must reject it.
  testing::WriteFile(dir.File("bad.tflite"),
                     std::string("\x1c\0\0\0TFL3\xff\xff\xff\xff garbage", 20));
  testing::WriteFile(dir.File("bad.param"), "7767517\n5 5\nInput data 0 1 data 0=8 1=8 2=3\n");
  testing::WriteFile(dir.File("ok.param"),
                     "7767517\n2 2\nInput data 0 1 data 0=8 1=8 2=3\n"
                     "Convolution c 1 1 data out 0=4 1=3 5=1 6=108\n");
  for (const char* f : {"bad.tflite", "bad.param"}) {
    RunResult r = RunMbench("analyze " + dir.File(f), dir);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(f), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  RunResult ok = RunMbench("analyze " + dir.File("ok.param") + " --format json", dir);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  auto j = nlohmann::json::parse(ok.out);
  EXPECT_EQ(j["model"]["format"], "ncnn");
  EXPECT_EQ(j["totals"]["macs"].get<int64_t>(), 4 * 6 * 6 * 27);
}

TEST(CliTest, UnsupportedOpsetExitsWithThree) {
  TempDir dir;
  OnnxBuilder b(99);
  b.Output(b.Node("Relu", {b.Input("x", {1, 4})}));
  std::string model = b.WriteTo(dir.path(), "new.onnx");
  RunResult r = RunMbench("analyze " + model, dir);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("opset=99"), std::string::npos);
}

// ---- grade, devices, validate -----------------------------------------------------------------

TEST(GradeCliTest, JsonKeepsTheContractKeys) {
  TempDir dir;
  RunResult r = RunMbench("grade zoo:mobilenet_v2 --format json", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"model", "totals", "compatibility", "predictions", "warnings", "build"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["totals"]["macs"].get<int64_t>(), 300774272);
  ASSERT_GE(j["predictions"].size(), 10u);
  for (const auto& p : j["predictions"]) {
    for (const char* key :
         {"device_id", "device_name", "soc", "compute_unit", "runtime", "precision", "threads",
          "latency_ms", "latency_low_ms", "latency_high_ms", "fps", "energy_mj", "bound",
          "fallback_ops", "calibration", "profile"}) {
      EXPECT_TRUE(p.contains(key)) << key;
    }
    EXPECT_LE(p["latency_low_ms"].get<double>(), p["latency_ms"].get<double>());
    EXPECT_GE(p["latency_high_ms"].get<double>(), p["latency_ms"].get<double>());
    EXPECT_GT(p["latency_ms"].get<double>(), 0.05);
    EXPECT_LT(p["latency_ms"].get<double>(), 1000.0);
  }
  bool has_gpu_delegate = false;
  for (const auto& c : j["compatibility"]) has_gpu_delegate |= c["runtime"] == "tflite_gpu";
  EXPECT_TRUE(has_gpu_delegate);
}

TEST(GradeCliTest, TargetFpsGatesWithExitCodeFourAndPrintsCoverage) {
  TempDir dir;
  RunResult ok = RunMbench("grade zoo:mobilenet_v2 --device pixel4 --target-fps 1", dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("At 1 FPS: 1 of 1 devices"), std::string::npos) << ok.out;
  RunResult miss = RunMbench(
      "grade zoo:mobilenet_v2 --device pixel4 --device pixel1 "
      "--target-fps 100000",
      dir);
  EXPECT_EQ(miss.exit_code, 4);
  EXPECT_NE(miss.err.find("below 100000 FPS on: pixel4, pixel1"), std::string::npos) << miss.err;
  EXPECT_NE(miss.out.find("by release year: 2016 0/1 2019 0/1"), std::string::npos) << miss.out;
}

TEST(GradeCliTest, MarkdownAndHtmlRenderAndHtmlIsSelfContained) {
  TempDir dir;
  RunResult md = RunMbench("grade zoo:resnet18 --device pixel3 --format md", dir);
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("| device | year | setup |"), std::string::npos);
  std::string html = dir.File("r.html");
  RunResult h = RunMbench("grade zoo:vit_tiny_16 --compute npu --format html -o " + html, dir);
  ASSERT_EQ(h.exit_code, 0) << h.err;
  std::string text = testing::ReadFile(html);
  EXPECT_EQ(text.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_GE(std::count(text.begin(), text.end(), '<'), 100);
  EXPECT_NE(text.find("class='chart'"), std::string::npos);
  EXPECT_NE(text.find("Where the time goes"), std::string::npos);
  EXPECT_NE(text.find("gelu"), std::string::npos);  // fallback and compatibility are shown
  // Self-contained: nothing fetched from anywhere, no script.
  EXPECT_EQ(text.find("src="), std::string::npos);
  EXPECT_EQ(text.find("<link"), std::string::npos);
  EXPECT_EQ(text.find("<script"), std::string::npos);
  EXPECT_EQ(text.find("http"), std::string::npos);
}

TEST(GradeCliTest, ShippingWarnings) {
  TempDir dir;
  RunResult big = RunMbench("grade zoo:vgg16 --device pixel3", dir);
  ASSERT_EQ(big.exit_code, 0) << big.err;
  EXPECT_NE(big.out.find("over 200 MB"), std::string::npos) << big.out;
  RunResult q = RunMbench("grade zoo:mobilenet_v2 --device pixel3 --precision int8", dir);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("int8 predicted for a float model"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("cpu tflite int8"), std::string::npos) << q.out;
}

// A latency measured on one device anchors the predictions everywhere: the report says so,
// keeps what the roofline alone said, and the measured target itself comes out near the
// measurement. --runtime and --target choose what a device with several targets answers for.
TEST(GradeCliTest, MeasuredLatenciesAnchorEveryPrediction) {
  TempDir dir;
  const std::string model = testing::SourceDir() + "/data/ncnn_params/resnet18.param";
  RunResult plain = RunMbench("grade " + model +
                                  " --device pixel2 --runtime ncnn --threads 4 "
                                  "--format json",
                              dir);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  auto p0 = nlohmann::json::parse(plain.out)["predictions"][0];
  EXPECT_EQ(p0["target"], "cpu/ncnn/fp32/4t");
  EXPECT_FALSE(p0.contains("anchor"));
  const double alone = p0["latency_ms"].get<double>();
  // Measured twice as slow as predicted on the same target, and on the Kirin 970.
  char spec[160];
  std::snprintf(spec, sizeof(spec), " --measured pixel2:cpu/ncnn/fp32/4t=%.3f", 2 * alone);
  RunResult anchored = RunMbench("grade " + model +
                                     " --device pixel2 --device pixel1 --runtime "
                                     "ncnn --threads 4 --format json" +
                                     spec + " --measured kirin970=150",
                                 dir);
  ASSERT_EQ(anchored.exit_code, 0) << anchored.err;
  const auto anchored_json = nlohmann::json::parse(anchored.out);
  for (const auto& p : anchored_json["predictions"]) {
    ASSERT_TRUE(p.contains("anchor")) << p.dump();
    EXPECT_GT(p["latency_ms"].get<double>(), 1.3 * p["anchor"]["model_only_ms"].get<double>());
    if (p["device_id"] == "pixel2") {
      // Its own measurement is not used to "predict" it: only the Kirin 970's anchors it.
      EXPECT_EQ(p["anchor"]["measurements"], 1);
      EXPECT_EQ(p["anchor"]["note"].get<std::string>().find("pixel2 cpu/ncnn/fp32/4t"),
                std::string::npos);
    } else {
      EXPECT_EQ(p["anchor"]["measurements"], 2);
      EXPECT_NE(p["anchor"]["note"].get<std::string>().find("pixel2 cpu/ncnn/fp32/4t"),
                std::string::npos);
    }
  }
  RunResult table = RunMbench("grade " + model + " --device pixel1 --measured kirin970=150", dir);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("anchored on 1 measurement of this model"), std::string::npos)
      << table.out;

  RunResult little =
      RunMbench("grade " + model + " --device dimensity9300 --target cpu/ncnn/fp32/4t-little", dir);
  ASSERT_EQ(little.exit_code, 0) << little.err;
  EXPECT_NE(little.out.find("cpu ncnn fp32 4t-little"), std::string::npos) << little.out;

  // Runs of the same model (by content) in the results database anchor the same way.
  const std::string csv = dir.File("one.csv"), db = dir.File("r.db");
  std::string rows;
  for (const std::string& line :
       {std::string("device_id,compute_unit,runtime,precision,threads,cluster,model_ref,width,"
                    "resolution,input_shape,latency_ms,measured_on,source"),
        std::string("kirin970,cpu,ncnn,fp32,4,big,ncnn_params/resnet18.param,,,"
                    "\"data=1,3,224,224\",150,Kirin 970,test row")}) {
    rows += line + "\n";
  }
  testing::WriteFile(csv, rows);
  ASSERT_EQ(RunMbench("db import " + csv + " --db " + db, dir).exit_code, 0);
  RunResult stored = RunMbench("grade " + model + " --device pixel1 --db " + db, dir);
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  EXPECT_NE(stored.out.find("kirin970 cpu/ncnn/fp32/4t (" + db + " run 1)"), std::string::npos)
      << stored.out;

  RunResult bad = RunMbench("grade " + model + " --measured pixel2=fast", dir);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--measured 'pixel2=fast'"), std::string::npos) << bad.err;
  RunResult unknown = RunMbench("grade " + model + " --device pixel1 --measured nosuch=5", dir);
  ASSERT_EQ(unknown.exit_code, 0) << unknown.err;
  EXPECT_NE(unknown.out.find("measured on nosuch (--measured): no profile"), std::string::npos)
      << unknown.out;
}

TEST(GradeCliTest, BadInputsGiveOneLineErrors) {
  TempDir dir;
  RunResult dev = RunMbench("grade zoo:mobilenet_v2 --device nosuchphone", dir);
  EXPECT_EQ(dev.exit_code, 2);
  EXPECT_NE(dev.err.find("--device nosuchphone: no such device profile"), std::string::npos);
  EXPECT_EQ(std::count(dev.err.begin(), dev.err.end(), '\n'), 1) << dev.err;

  std::string junk = dir.File("junk.onnx");
  testing::WriteFile(junk, std::string("\x08\x07garbage\xff\x00\x13", 11));
  RunResult model = RunMbench("grade " + junk, dir);
  EXPECT_NE(model.exit_code, 0);
  EXPECT_NE(model.err.find(junk), std::string::npos);
  EXPECT_EQ(std::count(model.err.begin(), model.err.end(), '\n'), 1) << model.err;

  std::string bad_profile = dir.File("bad.json");
  testing::WriteFile(bad_profile, "{\"schema_version\": 1, \"id\": \"x\"}");
  RunResult prof = RunMbench("grade zoo:mobilenet_v2 --profile " + bad_profile, dir);
  EXPECT_EQ(prof.exit_code, 1);
  EXPECT_NE(prof.err.find("bad.json: $.name: missing"), std::string::npos) << prof.err;

  RunResult none = RunMbench("grade zoo:mobilenet_v2 --device galaxys24", dir);
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_NE(none.err.find("no cpu calibration"), std::string::npos) << none.err;

  RunResult threads = RunMbench("grade zoo:mobilenet_v2 --device pixel3 --threads 99", dir);
  EXPECT_NE(threads.exit_code, 0);
  EXPECT_NE(threads.err.find("exceeds the device's 8 cores"), std::string::npos) << threads.err;
}

TEST(DevicesCliTest, JsonListsEveryProfileAndWhatItPredicts) {
  TempDir dir;
  RunResult r = RunMbench("devices --format json", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_GE(j.size(), 15u);
  for (const auto& d : j) {
    for (const char* key : {"id", "name", "soc", "release_year", "predicts"}) {
      EXPECT_TRUE(d.contains(key)) << key;
    }
    for (const auto& p : d["predicts"]) {
      for (const char* key : {"compute_unit", "runtime", "precision", "threads"}) {
        EXPECT_TRUE(p.contains(key)) << key;
      }
    }
  }
  RunResult table = RunMbench("devices", dir);
  EXPECT_NE(table.out.find("pixel3"), std::string::npos);
}

TEST(ValidateCliTest, ReportsCrossValidatedAccuracyPerTarget) {
  TempDir dir;
  RunResult r = RunMbench("validate --format json", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["overall"]["n"].get<int>(), 1000);
  EXPECT_GT(j["rows"].size(), 50u);
  for (const auto& row : j["rows"]) {
    EXPECT_GE(row["within25_pct"].get<double>(), row["within10_pct"].get<double>());
  }
}

TEST(RunCliTest, JsonKeepsTheContractKeysAndLayersMapOntoTheAnalyzer) {
  TempDir dir;
  RunResult r = RunMbench(
      "run zoo:mobilenet_v1 --resolution 96 --width 0.25 --runs 3 --min-secs 0 "
      "--warmup 1 --per-layer --threads 2 --format json",
      dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"model", "device", "options", "latency_ms", "init_ms", "first_run_ms",
                          "peak_rss_bytes", "layers", "synthetic_weights", "build"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  for (const char* key : {"min", "p50", "p90", "p99", "max", "mean", "std", "n"}) {
    EXPECT_TRUE(j["latency_ms"].contains(key)) << key;
  }
  EXPECT_GE(j["latency_ms"]["n"].get<int>(), 3);
  EXPECT_EQ(j["options"]["threads"].get<int>(), 2);
  EXPECT_TRUE(j["synthetic_weights"].get<bool>());
  RunResult a =
      RunMbench("analyze zoo:mobilenet_v1 --resolution 96 --width 0.25 --format json", dir);
  auto aj = nlohmann::json::parse(a.out);
  ASSERT_EQ(j["layers"].size(), aj["layers"].size());
  for (size_t i = 0; i < j["layers"].size(); ++i) {
    EXPECT_EQ(j["layers"][i]["name"], aj["layers"][i]["name"]);
    EXPECT_EQ(j["layers"][i]["op"], aj["layers"][i]["op"]);
  }
}

// As benchmark_model's op profiling: the slowest layers and time by op type (table and JSON);
// and benchncnn's cooling down and benchmark_model's run delay, recorded with the run.
TEST(RunCliTest, PerLayerSummarizesByOpAndPausesAreRecorded) {
  TempDir dir;
  const std::string tiny =
      "run zoo:mobilenet_v1 --resolution 64 --width 0.25 --runs 3 "
      "--min-secs 0 --warmup 0 --per-layer";
  const auto start = std::chrono::steady_clock::now();
  RunResult r = RunMbench(tiny + " --cooldown 0.2 --run-delay 0.1 --format json", dir);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_DOUBLE_EQ(j["options"]["cooldown_secs"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(j["options"]["run_delay_secs"].get<double>(), 0.1);
  EXPECT_EQ(j["latency_ms"]["n"].get<int>(), 3);
  EXPECT_GE(secs, 0.4) << "0.2 s of cooldown and two 0.1 s delays";
  double share = 0;
  int layers = 0;
  for (const auto& o : j["by_op"]) {
    share += o["share"].get<double>();
    layers += o["layers"].get<int>();
  }
  EXPECT_NEAR(share, 1.0, 1e-6);
  EXPECT_EQ(layers, static_cast<int>(j["layers"].size()));
  EXPECT_EQ(j["by_op"][0]["op"], "conv");
  RunResult t = RunMbench(tiny, dir);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("top 10 layers by time"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("time by op type"), std::string::npos) << t.out;
  RunResult bad = RunMbench(tiny + " --run-delay -1", dir);
  EXPECT_EQ(bad.exit_code, 2);
}

// CSV is one row of end-to-end statistics, or with --per-layer one row per analyzer layer; it
// parses back with the same columns in every row.
TEST(RunCliTest, CsvIsTheSummaryRowOrOneRowPerLayer) {
  TempDir dir;
  const std::string model = "zoo:mobilenet_v1 --resolution 96 --width 0.25";
  RunResult sum = RunMbench("run " + model + " --runs 3 --min-secs 0 --warmup 1 --format csv", dir);
  ASSERT_EQ(sum.exit_code, 0) << sum.err;
  std::vector<std::vector<std::string>> rows;
  ASSERT_TRUE(ParseCsv(sum.out, &rows));
  ASSERT_EQ(rows.size(), 2u) << sum.out;
  ASSERT_EQ(rows[0].size(), rows[1].size());
  std::map<std::string, std::string> row;
  for (size_t i = 0; i < rows[0].size(); ++i) row[rows[0][i]] = rows[1][i];
  EXPECT_EQ(row["model"], "zoo:mobilenet_v1");
  EXPECT_GE(std::stoi(row["n"]), 3);
  EXPECT_EQ(row["synthetic_weights"], "1");
  EXPECT_GT(std::stod(row["min_ms"]), 0.0);
  EXPECT_LE(std::stod(row["min_ms"]), std::stod(row["p50_ms"]));
  EXPECT_LE(std::stod(row["p50_ms"]), std::stod(row["max_ms"]));
  EXPECT_GT(std::stoll(row["peak_rss_bytes"]), 0);

  RunResult layers =
      RunMbench("run " + model + " --runs 3 --min-secs 0 --warmup 1 --per-layer --format csv", dir);
  ASSERT_EQ(layers.exit_code, 0) << layers.err;
  RunResult a = RunMbench("analyze " + model + " --format json", dir);
  const auto aj = nlohmann::json::parse(a.out);
  rows.clear();
  ASSERT_TRUE(ParseCsv(layers.out, &rows));
  ASSERT_EQ(rows.size(), aj["layers"].size() + 1);
  EXPECT_EQ(rows[0][0], "index");
  double share = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), rows[0].size()) << i;
    EXPECT_EQ(rows[i][1], aj["layers"][i - 1]["name"].get<std::string>());
    share += std::stod(rows[i][5]);
  }
  EXPECT_NEAR(share, 1.0, 1e-3);
}

TEST(RunCliTest, Fp16SaysWhichLayersRanInFp16AndWhatItCostsOnThisCpu) {
  TempDir dir;
  RunResult r = RunMbench(
      "run zoo:mobilenet_v1 --resolution 96 --width 0.25 --precision fp16 "
      "--runs 2 --warmup 0 --min-secs 0 --per-layer --format json",
      dir);
  if (r.exit_code == 3) {  // a CPU without fp16 kernels: refused in one line
    EXPECT_NE(r.err.find("fp16 kernels"), std::string::npos) << r.err;
    GTEST_SKIP() << r.err;
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["options"]["precision"], "fp16");
  int half = 0;
  for (const auto& l : j["layers"]) half += l["precision"] == "fp16";
  EXPECT_GT(half, 20);
  // The input arrives in fp32 and is narrowed once, by the first convolution.
  EXPECT_EQ(j["layers"][0]["conversions"].get<int>(), 1);
#if defined(__x86_64__)
  // No fp16 arithmetic on x86 here: the report says the times are not a phone's fp16 times.
  bool warned = false;
  for (const auto& w : j["warnings"])
    warned |= w.get<std::string>().find("fp16") != std::string::npos;
  EXPECT_TRUE(warned);
#endif
}

TEST(RunCliTest, RefusesWhatItCannotRunWithOneLine) {
  TempDir dir;
  RunResult int8 = RunMbench("run zoo:mobilenet_v2 --precision int8", dir);
  EXPECT_EQ(int8.exit_code, 3);
  EXPECT_NE(int8.err.find("precision int8 runs 8-bit quantized models"), std::string::npos)
      << int8.err;
  EXPECT_EQ(std::count(int8.err.begin(), int8.err.end(), '\n'), 1) << int8.err;
  std::string junk = dir.File("junk.tflite");
  testing::WriteFile(junk, "\x1c\x00\x00\x00TFL3garbage");
  RunResult bad = RunMbench("run " + junk, dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find(junk), std::string::npos);
}

// A float32 .npy in C order.
std::string Npy(const std::vector<int64_t>& shape, float fill) {
  std::string dims;
  int64_t n = 1;
  for (int64_t d : shape) {
    dims += std::to_string(d) + ", ";
    n *= d;
  }
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  std::vector<float> v(static_cast<size_t>(n), fill);
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * 4);
  return out;
}

TEST(RunCliTest, NpyInputsAndSavedOutputs) {
  TempDir dir;
  const std::string model = "zoo:mobilenet_v1 --width 0.25 --resolution 32";
  testing::WriteFile(dir.File("image.npy"), Npy({1, 3, 32, 32}, 0.5f));
  RunResult ok = RunMbench("run " + model + " --input image=" + dir.File("image.npy") +
                               " --save-outputs " + dir.path() + " --runs 1 --min-secs 0",
                           dir);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  std::string saved = testing::ReadFile(dir.File("fc83.out.npy"));
  ASSERT_GT(saved.size(), 128u);
  EXPECT_EQ(saved.compare(0, 6, "\x93NUMPY"), 0);
  EXPECT_NE(saved.find("'shape': (1, 1000)"), std::string::npos);
  // The same input gives the same output (the directory is created when missing).
  RunResult again = RunMbench("run " + model + " --input image=" + dir.File("image.npy") +
                                  " --save-outputs " + dir.File("again") + " --runs 3 --min-secs 0",
                              dir);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(testing::ReadFile(dir.File("again/fc83.out.npy")), saved);

  testing::WriteFile(dir.File("wrong.npy"), Npy({1, 3, 16, 16}, 0.5f));
  RunResult shape = RunMbench("run " + model + " --input image=" + dir.File("wrong.npy"), dir);
  EXPECT_EQ(shape.exit_code, 2);
  EXPECT_NE(shape.err.find("shape 1x3x16x16 but input 'image' is 1x3x32x32"), std::string::npos)
      << shape.err;
  RunResult name = RunMbench("run " + model + " --input nosuch=" + dir.File("image.npy"), dir);
  EXPECT_EQ(name.exit_code, 2);
  EXPECT_NE(name.err.find("no such input (inputs: image)"), std::string::npos) << name.err;
  std::string truncated = Npy({1, 3, 32, 32}, 0.5f);
  truncated.resize(truncated.size() - 10);
  testing::WriteFile(dir.File("trunc.npy"), truncated);
  RunResult t = RunMbench("run " + model + " --input image=" + dir.File("trunc.npy"), dir);
  EXPECT_NE(t.exit_code, 0);
  EXPECT_NE(t.err.find("trunc.npy: holds"), std::string::npos) << t.err;
  EXPECT_EQ(std::count(t.err.begin(), t.err.end(), '\n'), 1) << t.err;
}
// Weights stored as ONNX external data are read, not replaced by synthetic ones: a MatMul of
// ones by a 64x8 weight of 0.01 gives 0.64 everywhere, and a reference with inline weights
// gives the same bytes.
TEST(RunCliTest, ExternalDataWeightsAreTheModelsOwn) {
  TempDir dir;
  for (bool external : {true, false}) {
    OnnxBuilder b;
    auto x = b.Input("x", {1, 64});
    auto w = b.Weight("w", {64, 8});
    b.Output(b.Node("MatMul", {x, w}, {}, 1, "mm"));
    if (external) b.MakeExternal("w", "w.bin");
    const std::string model = b.WriteTo(dir.path(), external ? "ext.onnx" : "inline.onnx");
    testing::WriteFile(dir.File("ones.npy"), Npy({1, 64}, 1.0f));
    const std::string out = dir.File(external ? "out_ext" : "out_inline");
    RunResult r = RunMbench("run " + model + " --input x=" + dir.File("ones.npy") +
                                " --save-outputs " + out + " --runs 1 --min-secs 0 --format json",
                            dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_FALSE(j["synthetic_weights"].get<bool>());
  }
  const std::string a = testing::ReadFile(dir.File("out_ext/mm_out0.npy"));
  ASSERT_GT(a.size(), 32u);
  EXPECT_EQ(a, testing::ReadFile(dir.File("out_inline/mm_out0.npy")));
  float first = 0;
  std::memcpy(&first, a.data() + a.size() - 8 * sizeof(float), sizeof(float));
  EXPECT_NEAR(first, 0.64f, 1e-5f);
  // A data file shorter than the tensor: one line naming the file, before anything runs.
  testing::WriteFile(dir.File("w.bin"), std::string(100, '\0'));
  RunResult shortened = RunMbench("run " + dir.File("ext.onnx"), dir);
  EXPECT_NE(shortened.exit_code, 0);
  EXPECT_NE(shortened.err.find("w.bin"), std::string::npos) << shortened.err;
  EXPECT_EQ(std::count(shortened.err.begin(), shortened.err.end(), '\n'), 1) << shortened.err;
}

TEST(RunCliTest, ExpectComparesOutputsWithAnotherRunsWithinTheTolerance) {
  TempDir dir;
  const std::string model = "zoo:mobilenet_v2 --resolution 64 --runs 1 --warmup 0 --min-secs 0";
  ASSERT_EQ(RunMbench("run " + model + " --save-outputs " + dir.File("ref"), dir).exit_code, 0);
  RunResult same = RunMbench("run " + model + " --threads 2 --expect " + dir.File("ref"), dir);
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_NE(same.err.find("every output matches"), std::string::npos) << same.err;
  // Other weights: the worst element named, with both values and the tolerance.
  RunResult other = RunMbench("run " + model + " --seed 2 --expect " + dir.File("ref"), dir);
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("differs: element"), std::string::npos) << other.err;
  EXPECT_NE(other.err.find("tolerance 0.001"), std::string::npos) << other.err;
  RunResult missing = RunMbench("run " + model + " --expect " + dir.File("nothing"), dir);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nothing"), std::string::npos) << missing.err;
}

// `run --serve` answers a benchmark driver's requests line by line (bench/vs_ort.js): end-to-end
// runs, per-layer passes (each a sum of step times), an error for a bad request without ending
// the session, and a clean exit on "quit".
TEST(RunCliTest, ServeAnswersTimingRequestsLineByLine) {
  TempDir dir;
  testing::WriteFile(dir.File("requests.txt"),
                     "runs 3\nlayers 2\nruns zero\nfly 3\n\nruns 1\nquit\nruns 5\n");
  RunResult r = RunMbench(
      "run zoo:mobilenet_v1 --resolution 96 --width 0.25 --serve < " + dir.File("requests.txt"),
      dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 6u) << r.out;  // ready, 2 timings, 2 errors, 1 timing; none after quit
  EXPECT_TRUE(lines[0]["ready"].get<bool>());
  EXPECT_GT(lines[0]["steps"].get<int>(), 10);
  const auto check_times = [](const nlohmann::json& j, size_t n) {
    ASSERT_TRUE(j.contains("ms")) << j.dump();
    ASSERT_EQ(j["ms"].size(), n);
    for (const auto& v : j["ms"]) {
      EXPECT_GT(v.get<double>(), 0.0);
      EXPECT_LT(v.get<double>(), 10000.0);
    }
  };
  check_times(lines[1], 3);
  check_times(lines[2], 2);
  EXPECT_TRUE(lines[3].contains("error"));
  EXPECT_TRUE(lines[4].contains("error"));
  check_times(lines[5], 1);
}

// More threads than the CPUs the process may use (taskset, --cpus) makes threads wait for
// each other at every layer: the run says so instead of passing the timing off as the model's.
TEST(RunCliTest, MoreThreadsThanAllowedCpusIsWarned) {
  TempDir dir;
  const std::string model =
      "run zoo:mobilenet_v1 --resolution 64 --width 0.25 --runs 1 "
      "--warmup 0 --min-secs 0 --max-secs 5 --format json";
  RunResult r = RunMbench(model + " --cpus 0 --threads 2", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string warnings = nlohmann::json::parse(r.out)["warnings"].dump();
  EXPECT_NE(warnings.find("2 threads on 1 CPU"), std::string::npos) << warnings;
  RunResult one = RunMbench(model + " --cpus 0 --threads 1", dir);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(nlohmann::json::parse(one.out)["warnings"].dump().find("threads on"),
            std::string::npos);
}

}  // namespace
}  // namespace mbench
