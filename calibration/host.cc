#include "calibration/host.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "runner/measure.h"

namespace mbench::calibration {

double MeasureCopyBandwidthGbps() {
  const size_t bytes = size_t{64} << 20;
  std::vector<char> a(bytes, 1), b(bytes, 2);
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    auto t = std::chrono::steady_clock::now();
    std::memcpy(b.data(), a.data(), bytes);
    best =
        std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
    a[static_cast<size_t>(i)] =
        b[bytes - 1 - static_cast<size_t>(i)];  // keep the copies observable
  }
  return 2.0 * bytes / best / 1e9;
}

double CpuGhz(std::string* source) {
  std::ifstream f("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
  double khz = 0;
  if (f >> khz && khz > 0) {
    *source = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq";
    return khz / 1e6;
  }
  std::ifstream c("/proc/cpuinfo");
  std::string line;
  double mhz = 0;
  while (std::getline(c, line)) {
    if (line.rfind("cpu MHz", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos)
        mhz = std::max(mhz, std::strtod(line.c_str() + colon + 1, nullptr));
    }
  }
  if (mhz > 0) *source = "/proc/cpuinfo (cpu MHz)";
  return mhz / 1e3;
}

std::string SetMeasuredMemory(profiles::DeviceProfile* p, double bandwidth_gbps,
                              const std::string& cpu_name, const std::string& by,
                              const std::string& date) {
  p->memory_type = "unknown";
  p->memory_bandwidth_gbps = bandwidth_gbps;
  profiles::ComputeUnit unit;
  unit.kind = "cpu";
  unit.name = cpu_name;
  p->compute_units = {unit};
  char bw[200];
  std::snprintf(bw, sizeof(bw),
                "memory bandwidth %.1f GB/s: measured by %s on %s (memcpy of 64 MiB, bytes read + "
                "written, best of 5)",
                bandwidth_gbps, by.c_str(), date.c_str());
  return bw;
}

profiles::DeviceProfile HostProfileFacts(const db::DeviceRecord& host, double bandwidth_gbps,
                                         const std::string& date) {
  const runner::CpuDescription cpu = runner::DescribeCpu();
  profiles::DeviceProfile p;
  p.id = host.id;
  p.name = host.name;
  p.soc = cpu.package.empty() ? cpu.vendor + " " + cpu.uarch : cpu.package;
  p.release_year = std::stoi(date.substr(0, 4));
  p.kind = "host";
  std::string ghz_source;
  profiles::CpuCluster cl;
  cl.name = "all";
  cl.cores = std::max(1, cpu.logical_processors);
  cl.uarch = cpu.uarch;
  cl.max_ghz = CpuGhz(&ghz_source);
  if (cl.max_ghz < 0.1 || cl.max_ghz > 10) cl.max_ghz = 0;
  p.cpu_clusters = {cl};
  const std::string bw = SetMeasuredMemory(&p, bandwidth_gbps, p.soc, "mbench calibrate", date);
  p.fact_sources = {"cpuinfo library: vendor, microarchitecture, logical processors", bw,
                    "release_year: the year of calibration (a host has no release year)"};
  if (cl.max_ghz > 0) p.fact_sources.push_back("clock: " + ghz_source);
  return p;
}

}  // namespace mbench::calibration
