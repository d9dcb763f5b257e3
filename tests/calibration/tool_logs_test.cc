// Benchmark tools' outputs read as runs: benchmark_model logs and op-profiling CSVs, AI Hub
// profiles; and what each refuses.
#include "calibration/tool_logs.h"

#include <gtest/gtest.h>

namespace mbench::calibration {
namespace {

// Two runs of the tool in one log, as a script that loops over thread counts writes it: the
// second profiled its ops, which the tool prints after the timings line.
constexpr char kLog[] =
    "STARTING!\n"
    "Log parameter values verbosely: [0]\n"
    "Num threads: [1]\n"
    "Graph: [/data/local/tmp/mobilenet_v2_1.0_224.tflite]\n"
    "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"
    "Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if "
    "exceeding 150 seconds.\n"
    "count=8 first=71234 curr=66002 min=65990 max=71234 avg=66950 std=1702\n"
    "\n"
    "Running benchmark for at least 50 iterations and at least 1 seconds but terminate if "
    "exceeding 150 seconds.\n"
    "count=50 first=66113 curr=65871 min=65102 max=67944 avg=65899.4 std=512\n"
    "\n"
    "Inference timings in us: Init: 25123, First inference: 71234, Warmup (avg): 66950, "
    "Inference (avg): 65899.4\n"
    "STARTING!\n"
    "Num threads: [4]\n"
    "Graph: [/data/local/tmp/mobilenet_v2_1.0_224.tflite]\n"
    "Enable op profiling: [1]\n"
    "count=50 first=21000 curr=20100 min=19800 max=21400 avg=20319.2 std=282\n"
    "Inference timings in us: Init: 4526, First inference: 31425, Warmup (avg): 21768.3, "
    "Inference (avg): 20319.2\n"
    "Profiling Info for Benchmark Initialization:\n"
    "============================== Run Order ==============================\n"
    "\t             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t"
    "[times called]\t[Name]\n"
    "\t     ModifyGraphWithDelegate\t    3.100\t    3.100\t 68.000%\t 68.000%\t  1200.000\t"
    "        1\tModifyGraphWithDelegate\n"
    "\n"
    "Operator-wise Profiling Info for Regular Benchmark Runs:\n"
    "============================== Run Order ==============================\n"
    "\t             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t"
    "[times called]\t[Name]\n"
    "\t                 CONV_2D\t    0.901\t    0.842\t  4.200%\t  4.200%\t     0.000\t"
    "        1\t[MobilenetV2/Conv/Relu6]:0\n"
    "\t       DEPTHWISE_CONV_2D\t    0.512\t    0.498\t  2.480%\t  6.680%\t     0.000\t"
    "        1\t[MobilenetV2/expanded_conv/depthwise/Relu6]:1\n"
    "\n"
    "============================== Top by Computation Time ==============================\n";

TEST(ToolLogsTest, BenchmarkModelLogGivesEveryRunWithItsSettingsAndOpProfile) {
  ASSERT_TRUE(IsBenchmarkModelLog(kLog));
  std::vector<ToolRun> runs;
  ASSERT_TRUE(BenchmarkModelRuns(kLog, "bm.log", &runs).ok());
  ASSERT_EQ(runs.size(), 2u);
  const ToolRun& one = runs[0];
  EXPECT_EQ(one.model, "/data/local/tmp/mobilenet_v2_1.0_224.tflite");
  EXPECT_EQ(one.compute_unit, "cpu");
  EXPECT_EQ(one.runtime, "tflite");
  EXPECT_EQ(one.threads, 1);
  EXPECT_EQ(one.n, 50);  // the timed runs' line, not the warm-up's
  EXPECT_DOUBLE_EQ(one.mean_ms, 65.8994);
  EXPECT_DOUBLE_EQ(one.p50_ms, 65.8994);  // the tool prints no median
  EXPECT_DOUBLE_EQ(one.min_ms, 65.102);
  EXPECT_DOUBLE_EQ(one.max_ms, 67.944);
  EXPECT_DOUBLE_EQ(one.std_ms, 0.512);
  EXPECT_DOUBLE_EQ(one.init_ms, 25.123);
  EXPECT_DOUBLE_EQ(one.first_run_ms, 71.234);
  EXPECT_EQ(one.line, 12);
  EXPECT_TRUE(one.layers.empty());
  const ToolRun& four = runs[1];
  EXPECT_EQ(four.threads, 4);
  EXPECT_DOUBLE_EQ(four.mean_ms, 20.3192);
  // The regular runs' table, not the initialization's.
  ASSERT_EQ(four.layers.size(), 2u);
  EXPECT_EQ(four.layers[0].op, "CONV_2D");
  EXPECT_EQ(four.layers[0].name, "[MobilenetV2/Conv/Relu6]:0");
  EXPECT_DOUBLE_EQ(four.layers[0].p50_ms, 0.842);
  EXPECT_DOUBLE_EQ(four.layers[0].share, 0.042);
  EXPECT_EQ(four.layers[1].op, "DEPTHWISE_CONV_2D");
}

TEST(ToolLogsTest, BenchmarkModelDelegatesSetTheUnit) {
  std::vector<ToolRun> runs;
  ASSERT_TRUE(BenchmarkModelRuns("Graph: [m.tflite]\nUse gpu: [1]\n"
                                 "Inference timings in us: Inference (avg): 9000\nSTARTING!\n"
                                 "Use NNAPI: [1]\nInference timings in us: Inference (avg): 3200\n",
                                 "bm.log", &runs)
                  .ok());
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].compute_unit, "gpu");
  EXPECT_EQ(runs[0].runtime, "tflite");
  EXPECT_EQ(runs[1].compute_unit, "npu");
  EXPECT_EQ(runs[1].runtime, "nnapi");
  EXPECT_EQ(runs[1].n, 0);  // no statistics line: the count is unknown, not zero runs
}

TEST(ToolLogsTest, BenchmarkModelRefusesLogsWithoutAMeasurement) {
  std::vector<ToolRun> runs;
  Status none =
      BenchmarkModelRuns("STARTING!\nGraph: [m.tflite]\nFailed to allocate\n", "a.log", &runs);
  EXPECT_EQ(none.code(), StatusCode::kCorruption);
  EXPECT_NE(none.message().find("a.log: no benchmark_model result"), std::string::npos);
  Status bad =
      BenchmarkModelRuns("Inference timings in us: Init: 5, Inference (avg): -3\n", "b.log", &runs);
  EXPECT_EQ(bad.code(), StatusCode::kCorruption);
  EXPECT_NE(bad.message().find("b.log:1"), std::string::npos) << bad.message();
  Status order = BenchmarkModelRuns(
      "count=5 min=900 max=1100 avg=100 std=5\nInference timings in us: Inference (avg): 100\n",
      "c.log", &runs);
  EXPECT_EQ(order.code(), StatusCode::kCorruption) << order.message();
}

TEST(ToolLogsTest, OpProfileCsvTakesTheRegularRunsTable) {
  const std::string csv =
      "Profiling Info for Benchmark Initialization:\n"
      "============================== Run Order ==============================\n"
      "node type, first, avg_ms, %, cdf%, mem KB, times called, name\n"
      "ModifyGraphWithDelegate, 3.1, 3.1, 68%, 68%, 1200, 1, ModifyGraphWithDelegate\n"
      "\n"
      "Operator-wise Profiling Info for Regular Benchmark Runs:\n"
      "============================== Run Order ==============================\n"
      "node type, first, avg_ms, %, cdf%, mem KB, times called, name\n"
      "CONV_2D, 0.901, 0.842, 4.2%, 4.2%, 0, 1, \"[MobilenetV2/Conv/Relu6]:0\"\n"
      "ADD, 0.05, 0.04, 0.2%, 4.4%, 0, 1, \"[add, with a comma]:9\"\n"
      "\n";
  EXPECT_TRUE(IsOpProfileCsv(csv));
  EXPECT_FALSE(IsBenchmarkModelLog(csv));
  std::vector<db::LayerRecord> layers;
  ASSERT_TRUE(OpProfileLayers(csv, "ops.csv", &layers).ok());
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].op, "CONV_2D");
  EXPECT_DOUBLE_EQ(layers[0].p50_ms, 0.842);
  EXPECT_EQ(layers[1].name, "[add, with a comma]:9");
  std::vector<db::LayerRecord> none;
  EXPECT_EQ(OpProfileLayers("name,ms\n", "x.csv", &none).code(), StatusCode::kCorruption);
}

TEST(ToolLogsTest, AiHubProfileGivesTheMedianAndEachLayersUnit) {
  const std::string json = R"({
    "execution_summary": {"estimated_inference_time": 610, "first_load_time": 120000,
                          "all_inference_times": [600, 640, 590, 605, 1200]},
    "execution_detail": [
      {"name": "conv_0", "type": "Conv2d", "compute_unit": "NPU", "execution_time": 300},
      {"name": "nms", "type": "NonMaxSuppression", "compute_unit": "CPU", "execution_time": 100},
      {"name": "conv_1", "type": "Conv2d", "compute_unit": "NPU", "execution_time": 200}]})";
  ASSERT_TRUE(IsAiHubProfile(json));
  ToolRun run;
  ASSERT_TRUE(AiHubProfileRun(json, "p.json", &run).ok());
  EXPECT_EQ(run.n, 5);
  EXPECT_DOUBLE_EQ(run.p50_ms, 0.605);
  EXPECT_DOUBLE_EQ(run.min_ms, 0.59);
  EXPECT_DOUBLE_EQ(run.max_ms, 1.2);
  EXPECT_DOUBLE_EQ(run.init_ms, 120.0);
  EXPECT_EQ(run.compute_unit, "npu");
  ASSERT_EQ(run.layers.size(), 3u);
  EXPECT_EQ(run.layers[1].kernel, "cpu");  // the op that fell back
  EXPECT_DOUBLE_EQ(run.layers[1].p50_ms, 0.1);
  EXPECT_DOUBLE_EQ(run.layers[0].share, 0.5);
}

TEST(ToolLogsTest, AiHubProfileRefusesWhatIsNotOne) {
  ToolRun run;
  EXPECT_EQ(AiHubProfileRun("{\"execution_summary\": {\"estimated_inference_time\"", "t.json", &run)
                .code(),
            StatusCode::kCorruption);
  EXPECT_EQ(AiHubProfileRun("{\"jobs\": []}", "u.json", &run).code(), StatusCode::kCorruption);
  Status negative = AiHubProfileRun(R"({"execution_summary": {"all_inference_times": [500, -1]}})",
                                    "v.json", &run);
  EXPECT_EQ(negative.code(), StatusCode::kCorruption);
  EXPECT_NE(negative.message().find("v.json"), std::string::npos);
  Status zero =
      AiHubProfileRun(R"({"execution_summary": {"estimated_inference_time": 0}})", "w.json", &run);
  EXPECT_EQ(zero.code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace mbench::calibration
