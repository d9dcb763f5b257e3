// The parsers behind `mbench device`, on captured text: getprop, /proc/cpuinfo and sysfs into an
// identity, the profile it matches, cluster selection, and throttling between two readings.
#include <gtest/gtest.h>

#include "device/identity.h"
#include "device/phone.h"
#include "runner/measure.h"

namespace mbench::device {
namespace {

const char kGetprop[] =
    "[ro.build.version.release]: [13]\n"
    "[ro.build.version.sdk]: [33]\n"
    "[ro.product.manufacturer]: [Google]\n"
    "[ro.product.model]: [Pixel 4]\n"
    "[ro.product.cpu.abi]: [arm64-v8a]\n"
    "[ro.soc.manufacturer]: [QTI]\n"
    "[ro.soc.model]: [SM8150]\n"
    "[ro.board.platform]: [msmnile]\n"
    "[weird line without brackets\n"
    "[ro.empty]: []\n";

// 4 little (A55 at 1.78 GHz), 3 big (A76 at 2.42), 1 prime (A76 at 2.84), as a Pixel 4 reports.
std::string Cpuinfo() {
  std::string s;
  for (int c = 0; c < 8; ++c) {
    s += "processor\t: " + std::to_string(c) +
         "\nCPU implementer\t: 0x41\nCPU part\t: " + (c < 4 ? "0xd05" : "0xd0b") + "\n\n";
  }
  return s + "Hardware\t: Qualcomm Technologies, Inc SM8150\n";
}
std::string CpuLines() {
  std::string s;
  for (int c = 0; c < 8; ++c) {
    const char* max = c < 4 ? "1785600" : c < 7 ? "2419200" : "2841600";
    s += "cpu" + std::to_string(c) + " 300000 " + max + "\n";
  }
  return s + "cpufreq - -\n";  // not a CPU: ignored
}

profiles::DeviceProfile Profile(const std::string& id, const std::string& name,
                                const std::string& soc, const std::string& kind) {
  profiles::DeviceProfile p;
  p.id = id;
  p.name = name;
  p.soc = soc;
  p.kind = kind;
  return p;
}

TEST(DeviceIdentityTest, GetpropLinesBecomeProperties) {
  const auto props = ParseGetprop(kGetprop);
  EXPECT_EQ(props.at("ro.product.model"), "Pixel 4");
  EXPECT_EQ(props.at("ro.empty"), "");
  EXPECT_EQ(props.count("weird line without brackets"), 0u);
}

TEST(DeviceIdentityTest, ClustersComeFromCoreTypeAndClock) {
  const Identity id = ParseIdentity("S1", kGetprop, Cpuinfo(), CpuLines());
  EXPECT_EQ(id.Soc(), "QTI SM8150");
  EXPECT_EQ(id.android_release, "13");
  EXPECT_EQ(id.sdk, 33);
  EXPECT_TRUE(id.IsArm64());
  ASSERT_EQ(id.clusters.size(), 3u);
  EXPECT_EQ(id.clusters[0].cpus, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(id.clusters[0].core, "Cortex-A55");
  EXPECT_EQ(id.clusters[2].cpus, (std::vector<int>{7}));
  EXPECT_EQ(id.ClusterSummary(), "4x1.79 + 3x2.42 + 1x2.84 GHz (Cortex-A55, Cortex-A76)");
  EXPECT_EQ(*CoresOf(id, "little"), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(*CoresOf(id, "big"), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(CoresOf(id, "all")->size(), 8u);
  EXPECT_FALSE(CoresOf(id, "medium").ok());
}

TEST(DeviceIdentityTest, ProfilesMatchByNameThenBySocPartNumber) {
  Identity id = ParseIdentity("S1", kGetprop, Cpuinfo(), CpuLines());
  const std::vector<profiles::DeviceProfile> shipped = {
      Profile("sd855plus", "Snapdragon 855+ board", "Qualcomm Snapdragon 855+ (SM8150-AC)", "soc"),
      Profile("pixel4", "Google Pixel 4", "Qualcomm Snapdragon 855 (SM8150)", "phone")};
  EXPECT_EQ(MatchProfile(id, shipped), "pixel4");  // by name
  id.model = "Pixel 4 XL";
  EXPECT_EQ(MatchProfile(id, shipped), "pixel4");  // by SoC, the phone before the board
  id.soc_model = "SM8550";
  id.hardware = "";
  EXPECT_EQ(MatchProfile(id, shipped), "");
  EXPECT_EQ(DeviceIdOf(id), "phone-google-pixel-4-xl");
  id.profile_id = "pixel4";
  EXPECT_EQ(DeviceIdOf(id), "pixel4");
  const db::DeviceRecord r = DeviceRecordOf(id);
  EXPECT_EQ(r.kind, "phone");
  EXPECT_NE(r.facts_json.find("\"serial\":\"S1\""), std::string::npos) << r.facts_json;
}

TEST(DeviceIdentityTest, APhoneProfileHasThePhonesClustersFastestFirst) {
  const Identity id = ParseIdentity("S1", kGetprop, Cpuinfo(), CpuLines());
  const profiles::DeviceProfile p = PhoneProfileFacts(id, 12.5, "2026-12-07");
  ASSERT_EQ(p.cpu_clusters.size(), 3u);
  EXPECT_EQ(p.cpu_clusters[0].name, "prime");
  EXPECT_DOUBLE_EQ(p.cpu_clusters[0].max_ghz, 2.8416);
  EXPECT_EQ(p.cpu_clusters[2].cores, 4);
  EXPECT_EQ(p.kind, "phone");
  EXPECT_DOUBLE_EQ(p.memory_bandwidth_gbps, 12.5);
}

TEST(DevicePhoneTest, ALoweredCapOrAnOfflineCpuIsThrottling) {
  const PhoneState before = ParseState(
      "cpu 6 schedutil 2419200 2419200 1\ncpu 7 performance 2841600 2841600 1\n"
      "zone thermal_zone0 cpu-1-0 41000\nzone thermal_zone1 battery -\n");
  ASSERT_EQ(before.cpus.size(), 2u);
  EXPECT_EQ(before.cpus[1].governor, "performance");
  ASSERT_EQ(before.zones.size(), 1u);  // an unreadable zone is left out
  EXPECT_DOUBLE_EQ(before.zones[0].celsius, 41.0);
  const PhoneState same = before;
  EXPECT_TRUE(ThrottleNotes(before, same, {6, 7}).empty());
  const PhoneState after =
      ParseState("cpu 6 schedutil 1800000 2419200 0\ncpu 7 performance 1996800 1996800 1\n");
  const auto notes = ThrottleNotes(before, after, {6, 7});
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("cpu6 went offline"), std::string::npos);
  EXPECT_NE(notes[1].find("from 2841 to 1996 MHz"), std::string::npos);
  EXPECT_TRUE(ThrottleNotes(before, after, {0}).empty());  // not the CPUs the run used
}

TEST(DevicePhoneTest, CpuListsParseAndBadOnesSayWhy) {
  EXPECT_EQ(*runner::ParseCpuList("4-7"), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(*runner::ParseCpuList("3,0,2-3"), (std::vector<int>{0, 2, 3}));
  for (const char* bad : {"", "a", "3-1", "1,,2", "-2", "5000", "1-"}) {
    auto r = runner::ParseCpuList(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_FALSE(runner::PinToCpus({}).ok());
  EXPECT_FALSE(runner::PinToCpus({1023}).ok());  // no such CPU here
}

}  // namespace
}  // namespace mbench::device
