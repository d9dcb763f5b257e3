// Hardware facts of the machine mbench runs on, for the profile `calibrate` writes: the copy
// bandwidth a single thread sees, the CPU clock, and the profile skeleton (SoC, cluster,
// memory) with each fact's source. Reads the OS and times memcpy; not for hot paths.
#ifndef MBENCH_CALIBRATION_HOST_H_
#define MBENCH_CALIBRATION_HOST_H_

#include <string>

#include "db/db.h"
#include "device_profiles/profile.h"

namespace mbench::calibration {

// Copy bandwidth (bytes read + written per second, GB/s) of 64 MiB buffers, best of 5: the
// DRAM bandwidth a single thread sees, which bounds memory-bound kernels.
double MeasureCopyBandwidthGbps();

// The CPU clock in GHz from sysfs (max) or /proc/cpuinfo ("cpu MHz"); 0 when neither says.
// `source` names where it came from.
double CpuGhz(std::string* source);

// A profile's memory facts as measured by MeasureCopyBandwidthGbps: sets type "unknown", the
// bandwidth and a CPU compute unit named `cpu_name`, and returns the bandwidth's fact source,
// naming `by` ("mbench calibrate") and the date.
std::string SetMeasuredMemory(profiles::DeviceProfile* p, double bandwidth_gbps,
                              const std::string& cpu_name, const std::string& by,
                              const std::string& date);

// The facts of this host's profile (no targets yet), dated `date` (YYYY-MM-DD).
profiles::DeviceProfile HostProfileFacts(const db::DeviceRecord& host, double bandwidth_gbps,
                                         const std::string& date);

}  // namespace mbench::calibration

#endif  // MBENCH_CALIBRATION_HOST_H_
