// Who a phone is: its getprop identity (manufacturer, model, SoC, ABI, Android version), its CPU
// clusters from sysfs and /proc/cpuinfo, and the shipped device profile it matches. Parsing is
// separate from reading, so the parsers are tested on captured text.
#ifndef MBENCH_DEVICE_IDENTITY_H_
#define MBENCH_DEVICE_IDENTITY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status_or.h"
#include "db/db.h"
#include "device/adb.h"
#include "device_profiles/profile.h"

namespace mbench::device {

// CPUs with the same core type and maximum clock: one cluster of a big.LITTLE CPU.
struct CpuCluster {
  std::vector<int> cpus;
  int64_t min_khz = 0, max_khz = 0;  // cpuinfo_min_freq / cpuinfo_max_freq (0 when unknown)
  std::string core;                  // "Cortex-A76" from cpuinfo's CPU part, else the part
};

struct Identity {
  std::string serial, manufacturer, model, device;  // ro.product.*
  std::string soc_manufacturer, soc_model;          // ro.soc.* (Android 12 and later)
  std::string board_platform;                       // ro.board.platform ("msmnile")
  std::string hardware;                             // /proc/cpuinfo's Hardware line
  std::string abi;                                  // ro.product.cpu.abi ("arm64-v8a")
  std::string android_release;                      // ro.build.version.release
  int sdk = 0;                                      // ro.build.version.sdk
  std::vector<CpuCluster> clusters;                 // slowest first
  std::string profile_id;                           // matching shipped profile; "" for none

  bool IsArm64() const { return abi == "arm64-v8a"; }
  // The SoC as well as the phone says: "QTI SM8150", else the platform or cpuinfo's Hardware.
  std::string Soc() const;
  // "4x1.78 + 3x2.42 + 1x2.84 GHz (Cortex-A55, Cortex-A76)".
  std::string ClusterSummary() const;
};

// Parses the output of `getprop` ("[key]: [value]" lines).
std::map<std::string, std::string> ParseGetprop(const std::string& text);

// Builds an identity from `getprop`, /proc/cpuinfo and lines "cpuN MIN_KHZ MAX_KHZ" (one per
// CPU; "-" for an unknown frequency), as ReadIdentity's command prints them.
Identity ParseIdentity(const std::string& serial, const std::string& getprop,
                       const std::string& cpuinfo, const std::string& cpu_lines);

// Reads the phone's identity over adb (one shell command) and matches it to `profiles`.
StatusOr<Identity> ReadIdentity(const Adb& adb, const std::string& serial,
                                const std::vector<profiles::DeviceProfile>& profiles);

// The shipped profile the phone is: same name ("Google Pixel 4"), else the same SoC part number
// ("SM8150" inside the profile's soc). "" when none.
std::string MatchProfile(const Identity& id, const std::vector<profiles::DeviceProfile>& profiles);

// The CPUs of --cores big (every cluster but the slowest; all CPUs when there is one cluster),
// little (the slowest cluster) or all. kInvalidArgument for another word.
StatusOr<std::vector<int>> CoresOf(const Identity& id, const std::string& which);

// The device id runs are stored under: the matching profile's id, so that `grade --db` and
// `refine` join them to it; else "phone-<manufacturer>-<model>" in lower case.
std::string DeviceIdOf(const Identity& id);
// The results-database record: id as above, kind "phone", every identity field in facts_json.
db::DeviceRecord DeviceRecordOf(const Identity& id);
nlohmann::ordered_json IdentityJson(const Identity& id);

// The hardware facts of a profile `mbench device calibrate` fits for this phone (no targets yet):
// its clusters and SoC from the phone itself, the copy bandwidth measured there.
profiles::DeviceProfile PhoneProfileFacts(const Identity& id, double bandwidth_gbps,
                                          const std::string& date);

}  // namespace mbench::device

#endif  // MBENCH_DEVICE_IDENTITY_H_
