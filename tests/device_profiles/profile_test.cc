// Device profiles: the shipped files load and say where their numbers come from; malformed
// profiles are rejected with the file and the field (that the files are what a refit of the
// committed data produces is tests/estimator/published_fit_test.cc, slow).
#include "device_profiles/profile.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/env.h"
#include "estimator/calibration.h"
#include "tests/testutil/testutil.h"

namespace mbench::profiles {
namespace {

std::string ProfileDir() { return testing::SourceDir() + "/device_profiles"; }

nlohmann::json ValidProfile() {
  return nlohmann::json::parse(R"({
    "schema_version": 1, "id": "testphone", "name": "Test Phone", "soc": "Test SoC",
    "release_year": 2020, "kind": "phone",
    "cpu_clusters": [{"name": "big", "cores": 4, "uarch": "Cortex-A76", "max_ghz": 2.4}],
    "memory": {"type": "LPDDR4X", "bandwidth_gbps": 34.1},
    "battery": {"capacity_mah": 3000, "voltage_v": 3.85},
    "compute_units": [{"kind": "cpu", "name": "A76",
                       "power": {"watts": 2.0, "rel_error": 0.4, "source": "test"}}],
    "fact_sources": ["test sheet"],
    "targets": [{"compute_unit": "cpu", "runtime": "tflite", "precision": "fp32", "threads": 4,
                 "cluster": "big", "op_set": "tflite_cpu", "dtypes": ["float32"],
                 "params": {"conv_gmacs": 20, "pointwise_gmacs": 25, "depthwise_gmacs": 5,
                            "gemm_gmacs": 15, "conv3x3_gmacs": 40, "memory_op_gbps": 8,
                            "bandwidth_gbps": 12, "overhead_us": 5},
                 "calibration": {"method": "m", "date": "2026-01-01", "data": "d",
                                 "sources": ["s"], "models": ["x"], "points": 3,
                                 "rms_log_residual": 0.1, "cv_rms_log_residual": 0.2,
                                 "cv_points": 3, "cv_mape_pct": 15, "interval_log_halfwidth": 0.3,
                                 "cv_residuals": {"zoo:b": -0.2, "zoo:a": 0.1}},
                 "kernel_samples": [["pointwise", 14.2, 12.1, 12.9, 9.1, -0.12],
                                    ["depthwise", 12.5, 10.3, 10.3, 6.2, 0.31]]}]
  })");
}

TEST(ProfileTest, ParsesAValidProfileAndRoundTripsByteForByte) {
  auto p = ParseProfile(ValidProfile().dump(), "test.json");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->id, "testphone");
  ASSERT_EQ(p->targets.size(), 1u);
  EXPECT_EQ(p->targets[0].Key(), "cpu/tflite/fp32/4t");
  EXPECT_DOUBLE_EQ(p->targets[0].params.depthwise_gmacs, 5.0);
  EXPECT_NEAR(p->BatteryWh(), 11.55, 1e-9);
  // Kernel samples come back sorted by kind, so the estimator can find a kind's range.
  const auto& ks = p->targets[0].kernel_samples;
  ASSERT_EQ(ks.size(), 2u);
  EXPECT_EQ(ks[0].kind, "depthwise");
  EXPECT_DOUBLE_EQ(ks[0].shape[3], 6.2);
  EXPECT_DOUBLE_EQ(ks[0].log_residual, 0.31);
  EXPECT_EQ(ks[1].kind, "pointwise");
  // Held-out residuals per model, sorted by model (anchoring merges two targets' lists).
  const auto& res = p->targets[0].calibration.cv_residuals;
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0].first, "zoo:a");
  EXPECT_DOUBLE_EQ(res[1].second, -0.2);
  std::string once = ProfileToJson(*p);
  auto again = ParseProfile(once, "again.json");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(ProfileToJson(*again), once);
}

struct BadCase {
  const char* what;
  std::function<void(nlohmann::json&)> mutate;
  const char* expect;  // substring of the error
};

TEST(ProfileTest, RejectsBrokenProfilesNamingTheFileAndField) {
  const std::vector<BadCase> cases = {
      {"missing id", [](auto& j) { j.erase("id"); }, "$.id: missing"},
      {"upper-case id", [](auto& j) { j["id"] = "Pixel"; }, "$.id"},
      {"year as string", [](auto& j) { j["release_year"] = "2020"; }, "expected an integer"},
      {"negative bandwidth", [](auto& j) { j["memory"]["bandwidth_gbps"] = -1; }, "outside"},
      {"unknown unit", [](auto& j) { j["compute_units"][0]["kind"] = "tpu"; },
       "not cpu, gpu or npu"},
      {"no sources", [](auto& j) { j["fact_sources"] = nlohmann::json::array(); }, "fact_sources"},
      {"unknown runtime", [](auto& j) { j["targets"][0]["runtime"] = "tensorrt"; },
       "unknown runtime"},
      {"unknown op set", [](auto& j) { j["targets"][0]["op_set"] = "cuda"; }, "unknown op set"},
      {"target on absent unit", [](auto& j) { j["targets"][0]["compute_unit"] = "gpu"; },
       "not one of the profile's compute_units"},
      {"zero threads on cpu", [](auto& j) { j["targets"][0]["threads"] = 0; }, "threads >= 1"},
      {"nan-like param", [](auto& j) { j["targets"][0]["params"]["conv_gmacs"] = 0; }, "outside"},
      {"missing calibration", [](auto& j) { j["targets"][0].erase("calibration"); },
       "calibration: missing"},
      {"duplicate target", [](auto& j) { j["targets"].push_back(j["targets"][0]); },
       "duplicate target cpu/tflite/fp32/4t"},
      {"short kernel sample", [](auto& j) { j["targets"][0]["kernel_samples"][0].erase(5); },
       "kernel_samples[0]: expected [kind, macs, out, in, weights, log_residual]"},
      {"absurd kernel residual", [](auto& j) { j["targets"][0]["kernel_samples"][1][5] = 1e9; },
       "kernel_samples[1][5]: not a number in range"},
      {"residuals not an object",
       [](auto& j) { j["targets"][0]["calibration"]["cv_residuals"] = 3; }, "expected an object"},
      {"absurd residual",
       [](auto& j) { j["targets"][0]["calibration"]["cv_residuals"]["zoo:a"] = 1e9; },
       "cv_residuals.zoo:a"},
      {"kernel samples not a list", [](auto& j) { j["targets"][0]["kernel_samples"] = 3; },
       "expected an array"},
  };
  for (const auto& c : cases) {
    nlohmann::json j = ValidProfile();
    c.mutate(j);
    auto p = ParseProfile(j.dump(), "bad.json");
    ASSERT_FALSE(p.ok()) << c.what;
    EXPECT_EQ(p.status().code(), StatusCode::kCorruption) << c.what;
    EXPECT_NE(p.status().message().find("bad.json"), std::string::npos) << c.what;
    EXPECT_NE(p.status().message().find(c.expect), std::string::npos)
        << c.what << ": " << p.status().message();
  }
}

TEST(ProfileTest, RejectsOtherSchemaVersionsAndNonJson) {
  nlohmann::json j = ValidProfile();
  j["schema_version"] = 2;
  auto p = ParseProfile(j.dump(), "v2.json");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(p.status().message().find("schema_version 2"), std::string::npos);
  for (std::string text : {std::string(""), std::string("{"), std::string("[1,2]"),
                           std::string("\x89PNG\r\n\x1a\n", 8)}) {
    auto q = ParseProfile(text, "junk.json");
    ASSERT_FALSE(q.ok());
    EXPECT_NE(q.status().message().find("junk.json"), std::string::npos);
  }
  auto missing = LoadProfileDir("/nonexistent/profiles");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// A folder of profiles may hold other JSON (a grade report, a package.json): it is not read as
// a profile. A file that claims to be one and is broken still fails, naming the file.
TEST(ProfileTest, ProfileFolderSkipsJsonThatIsNotAProfile) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("mbench_profile_dir_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(ProfileDir() + "/pixel3.json", dir / "pixel3.json");
  testing::WriteFile((dir / "package.json").string(), R"({"name": "x", "version": "1.0.0"})");
  testing::WriteFile((dir / "report.json").string(), R"({"schema_version": 2, "predictions": []})");
  testing::WriteFile((dir / "list.json").string(), "[1, 2, 3]");
  auto all = LoadProfileDir(dir.string());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, "pixel3");
  testing::WriteFile((dir / "broken.json").string(),
                     R"({"schema_version": 2, "id": "broken", "compute_units": 3})");
  auto broken = LoadProfileDir(dir.string());
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("broken.json"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(ProfileTest, ShippedProfilesCoverTheRequiredDevicesWithSourcedFacts) {
  auto all = LoadProfileDir(ProfileDir());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::map<std::string, const DeviceProfile*> by_id;
  for (const auto& p : *all) by_id[p.id] = &p;
  // The issue's list: Pixel 1-4, iPhone XS, Snapdragon 8 Gen 2 and 888, Kirin 970 (CPU, GPU, NPU).
  for (const char* id :
       {"pixel1", "pixel2", "pixel3", "pixel4", "iphonexs", "sd8gen2", "sd888", "kirin970"}) {
    ASSERT_TRUE(by_id.count(id)) << id;
    EXPECT_FALSE(by_id[id]->targets.empty()) << id;
  }
  std::set<std::string> kirin_units;
  for (const auto& t : by_id["kirin970"]->targets) kirin_units.insert(t.compute_unit);
  EXPECT_EQ(kirin_units, (std::set<std::string>{"cpu", "gpu", "npu"}));
  for (const auto& p : *all) {
    EXPECT_FALSE(p.fact_sources.empty()) << p.id;
    for (const auto& u : p.compute_units) {
      if (u.power_w > 0) {
        EXPECT_FALSE(u.power_source.empty()) << p.id << " " << u.kind;
      }
    }
    for (const auto& t : p.targets) {
      const auto& c = t.calibration;
      EXPECT_GT(c.points, 0) << p.id << " " << t.Key();
      EXPECT_FALSE(c.sources.empty()) << p.id << " " << t.Key();
      EXPECT_FALSE(c.models.empty()) << p.id << " " << t.Key();
      EXPECT_GT(c.interval_log_halfwidth, 0.0) << p.id << " " << t.Key();
      EXPECT_EQ(c.date.size(), 10u) << p.id;
    }
  }
}

// On one NPU, int8 runs at least as fast as fp16 (Hexagon: about twice). Fitted per target on
// a handful of models this once came out backwards (Galaxy S24 QNN conv: int8 1,611 GMAC/s,
// fp16 3,260); the NPU families now share their shape across the vendor's runtimes.
TEST(ProfileTest, ShippedNpuInt8TargetsAreNoSlowerThanFp16OnTheSameNpu) {
  auto all = LoadProfileDir(ProfileDir());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  int pairs = 0;
  for (const auto& p : *all) {
    for (const auto& i8 : p.targets) {
      if (i8.compute_unit != "npu" || i8.precision != "int8") continue;
      for (const auto& f16 : p.targets) {
        if (f16.compute_unit != "npu" || f16.precision != "fp16" || f16.runtime != i8.runtime) {
          continue;
        }
        ++pairs;
        const KernelParams &a = i8.params, &b = f16.params;
        const std::string what = p.id + " npu/" + i8.runtime;
        EXPECT_GE(a.conv_gmacs, b.conv_gmacs) << what;
        EXPECT_GE(a.pointwise_gmacs, b.pointwise_gmacs) << what;
        EXPECT_GE(a.depthwise_gmacs, b.depthwise_gmacs) << what;
        EXPECT_GE(a.gemm_gmacs, b.gemm_gmacs) << what;
        EXPECT_GE(a.conv3x3_gmacs, b.conv3x3_gmacs) << what;
      }
    }
  }
  EXPECT_GE(pairs, 6);  // QNN and TFLite on the Galaxy S24, S25 and Snapdragon 8 Gen 2
}

// "A reproducible command fits every profile ... re-running it gives the same files": the
// committed profiles must be byte-identical to a fit of the committed data.

}  // namespace
}  // namespace mbench::profiles
