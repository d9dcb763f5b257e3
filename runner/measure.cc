#include "runner/measure.h"

#include <cpuinfo.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>
#include <thread>

namespace mbench::runner {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

int64_t StatusKb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(f, line)) {
    if (line.rfind(prefix, 0) == 0) {
      std::istringstream is(line.substr(prefix.size()));
      int64_t kb = 0;
      is >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

const char* VendorName(cpuinfo_vendor v) {
  switch (v) {
    case cpuinfo_vendor_intel: return "Intel";
    case cpuinfo_vendor_amd: return "AMD";
    case cpuinfo_vendor_arm: return "ARM";
    case cpuinfo_vendor_qualcomm: return "Qualcomm";
    case cpuinfo_vendor_apple: return "Apple";
    default: return "unknown";
  }
}

std::string UarchName(cpuinfo_uarch u) {
  switch (u) {
    case cpuinfo_uarch_haswell: return "Haswell";
    case cpuinfo_uarch_broadwell: return "Broadwell";
    case cpuinfo_uarch_sky_lake: return "Skylake";
    case cpuinfo_uarch_zen: return "Zen";
    case cpuinfo_uarch_zen2: return "Zen 2";
    case cpuinfo_uarch_zen3: return "Zen 3";
    case cpuinfo_uarch_cortex_a53: return "Cortex-A53";
    case cpuinfo_uarch_cortex_a55: return "Cortex-A55";
    case cpuinfo_uarch_cortex_a72: return "Cortex-A72";
    case cpuinfo_uarch_cortex_a73: return "Cortex-A73";
    case cpuinfo_uarch_cortex_a75: return "Cortex-A75";
    case cpuinfo_uarch_cortex_a76: return "Cortex-A76";
    case cpuinfo_uarch_cortex_a77: return "Cortex-A77";
    case cpuinfo_uarch_cortex_a78: return "Cortex-A78";
    case cpuinfo_uarch_neoverse_n1: return "Neoverse N1";
    case cpuinfo_uarch_neoverse_v1: return "Neoverse V1";
    case cpuinfo_uarch_neoverse_n2: return "Neoverse N2";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "uarch 0x%08x", static_cast<unsigned>(u));
      return buf;
    }
  }
}

}  // namespace

LatencyStats ComputeStats(std::vector<double> s) {
  LatencyStats st;
  st.n = static_cast<int>(s.size());
  if (s.empty()) return st;
  std::sort(s.begin(), s.end());
  auto rank = [&](double q) {
    size_t i = static_cast<size_t>(std::ceil(q * s.size()));
    return s[std::min(s.size() - 1, i == 0 ? 0 : i - 1)];
  };
  st.min = s.front();
  st.max = s.back();
  st.p50 = rank(0.50);
  st.p90 = rank(0.90);
  st.p99 = rank(0.99);
  st.mean = std::accumulate(s.begin(), s.end(), 0.0) / s.size();
  double ss = 0;
  for (double x : s) ss += (x - st.mean) * (x - st.mean);
  st.std = s.size() > 1 ? std::sqrt(ss / (s.size() - 1)) : 0.0;
  return st;
}

double Drift(const std::vector<double>& samples_ms) {
  const size_t third = samples_ms.size() / 3;
  if (third < 3) return 0.0;
  const auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  const double first = median({samples_ms.begin(), samples_ms.begin() + third});
  const double last = median({samples_ms.end() - third, samples_ms.end()});
  return first > 0 ? last / first - 1.0 : 0.0;
}

int AllowedCpuCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
  return CPU_COUNT(&set);
}

int64_t PeakRssBytes() { return StatusKb("VmHWM"); }
int64_t CurrentRssBytes() { return StatusKb("VmRSS"); }

CpuDescription DescribeCpu() {
  CpuDescription d;
  d.allowed_cpus = AllowedCpuCount();
  if (!cpuinfo_initialize()) {
    d.vendor = d.uarch = d.package = "unknown (cpuinfo failed)";
    return d;
  }
  if (cpuinfo_get_cores_count() > 0) {
    const cpuinfo_core* core = cpuinfo_get_core(0);
    d.vendor = VendorName(core->vendor);
    d.uarch = UarchName(core->uarch);
  }
  if (cpuinfo_get_packages_count() > 0) d.package = cpuinfo_get_package(0)->name;
  d.cores = static_cast<int>(cpuinfo_get_cores_count());
  d.logical_processors = static_cast<int>(cpuinfo_get_processors_count());
  if (cpuinfo_get_l1d_caches_count() > 0) d.l1d_bytes = cpuinfo_get_l1d_cache(0)->size;
  if (cpuinfo_get_l2_caches_count() > 0) d.l2_bytes = cpuinfo_get_l2_cache(0)->size;
  if (cpuinfo_get_l3_caches_count() > 0) d.l3_bytes = cpuinfo_get_l3_cache(0)->size;
  d.fp16_arithmetic = cpuinfo_has_arm_fp16_arith();
  return d;
}

StatusOr<Measurement> Measure(Plan& plan, const MeasureOptions& o, int64_t baseline_rss) {
  if (o.runs < 1 || o.warmup < 0 || o.min_secs < 0 || o.max_secs <= 0) {
    return Status::InvalidArgument("runs must be >= 1, warmup >= 0, min-secs >= 0, max-secs > 0");
  }
  if (o.cooldown_secs < 0 || o.run_delay_secs < 0) {
    return Status::InvalidArgument("cooldown and run delay must not be negative");
  }
  Measurement m;
  if (o.cooldown_secs > 0)
    std::this_thread::sleep_for(std::chrono::duration<double>(o.cooldown_secs));
  auto t0 = Clock::now();
  MBENCH_RETURN_IF_ERROR(plan.Run());
  m.first_run_ms = MsSince(t0);
  for (int i = 0; i < o.warmup; ++i) MBENCH_RETURN_IF_ERROR(plan.Run());

  std::vector<double> samples;
  const auto start = Clock::now();
  auto last_progress = start;
  while (true) {
    double elapsed = MsSince(start) / 1e3;
    bool enough = static_cast<int>(samples.size()) >= o.runs && elapsed >= o.min_secs;
    if (enough) break;
    if (elapsed >= o.max_secs && !samples.empty()) {
      m.hit_max_secs = true;
      break;
    }
    if (o.run_delay_secs > 0 && !samples.empty()) {
      std::this_thread::sleep_for(std::chrono::duration<double>(o.run_delay_secs));
    }
    auto t = Clock::now();
    MBENCH_RETURN_IF_ERROR(plan.Run());
    samples.push_back(MsSince(t));
    if (o.progress && std::chrono::duration<double>(Clock::now() - last_progress).count() > 0.5) {
      // The runs this phase will take: --runs, or as many as fill --min-secs at this pace.
      const double per_run = MsSince(start) / 1e3 / static_cast<double>(samples.size());
      const double by_time = std::min(o.min_secs, o.max_secs) / std::max(per_run, 1e-9);
      const int total = std::max(o.runs, static_cast<int>(std::ceil(by_time)));
      o.progress("end-to-end runs", static_cast<int>(samples.size()),
                 std::max(total, static_cast<int>(samples.size())));
      last_progress = Clock::now();
    }
  }
  m.latency = ComputeStats(samples);
  m.drift = Drift(samples);

  if (o.per_layer) {
    // Each step timed alone, in its own pass over the model so caches see the usual order.
    const size_t steps = plan.num_steps();
    std::vector<std::vector<double>> per(steps);
    const int passes = std::max(o.runs, 5);
    for (int pass = 0; pass < passes; ++pass) {
      for (size_t i = 0; i < steps; ++i) {
        auto t = Clock::now();
        MBENCH_RETURN_IF_ERROR(plan.RunStep(i));
        per[i].push_back(MsSince(t));
      }
      if (o.progress) o.progress("per-layer passes", pass + 1, passes);
      if (MsSince(start) / 1e3 > 2 * o.max_secs) break;
    }
    double sum = 0;
    for (size_t i = 0; i < steps; ++i) {
      const StepInfo& info = plan.step(i);
      LayerTiming lt;
      lt.index = info.layer;
      lt.name = info.name;
      lt.op = analyzer::OpKindName(info.kind);
      lt.xnnpack = info.xnnpack;
      lt.kernel = info.kernel;
      lt.threads = info.threads;
      lt.fp16 = info.fp16;
      lt.int8 = info.int8;
      lt.conversions = info.conversions;
      if (info.fused_into >= 0) {
        for (size_t s = 0; s < steps; ++s) {
          if (plan.step(s).layer == info.fused_into) lt.fused_into = plan.step(s).name;
        }
      }
      lt.p50_ms = ComputeStats(per[i]).p50;
      sum += lt.p50_ms;
      m.layers.push_back(std::move(lt));
    }
    for (auto& l : m.layers) l.share = sum > 0 ? l.p50_ms / sum : 0.0;
    m.per_layer_sum_ms = sum;
  }
  m.peak_rss_bytes = PeakRssBytes();
  m.rss_increase_bytes = std::max<int64_t>(0, m.peak_rss_bytes - baseline_rss);
  return m;
}

Status ServeTimings(Plan& plan, std::istream& in, std::ostream& out) {
  MBENCH_RETURN_IF_ERROR(plan.Run());
  out << "{\"ready\": true, \"steps\": " << plan.num_steps() << "}" << std::endl;
  std::string line;
  constexpr int kMaxCount = 1000000;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string verb;
    long long count = 0;
    words >> verb;
    if (verb == "quit") break;
    if (verb.empty()) continue;
    if ((verb != "runs" && verb != "layers") || !(words >> count) || count < 1 ||
        count > kMaxCount) {
      out << "{\"error\": \"expected 'runs N', 'layers N' (1 <= N <= " << kMaxCount
          << ") or 'quit'\"}" << std::endl;
      continue;
    }
    std::vector<double> ms;
    ms.reserve(count);
    for (long long r = 0; r < count; ++r) {
      if (verb == "runs") {
        auto t = Clock::now();
        MBENCH_RETURN_IF_ERROR(plan.Run());
        ms.push_back(MsSince(t));
        continue;
      }
      double sum = 0;
      for (size_t i = 0; i < plan.num_steps(); ++i) {
        auto t = Clock::now();
        MBENCH_RETURN_IF_ERROR(plan.RunStep(i));
        sum += MsSince(t);
      }
      ms.push_back(sum);
    }
    out << "{\"ms\": [";
    char buf[32];
    for (size_t i = 0; i < ms.size(); ++i) {
      std::snprintf(buf, sizeof(buf), "%s%.6f", i ? ", " : "", ms[i]);
      out << buf;
    }
    out << "]}" << std::endl;
  }
  return Status::Ok();
}

StatusOr<std::vector<int>> ParseCpuList(const std::string& list) {
  std::vector<int> cpus;
  const auto bad = [&list](const std::string& why) {
    return Status::InvalidArgument("CPU list '" + list + "': " + why +
                                   " (expected e.g. 4-7 or 0,2-3)");
  };
  size_t at = 0;
  while (at <= list.size()) {
    size_t comma = list.find(',', at);
    if (comma == std::string::npos) comma = list.size();
    const std::string item = list.substr(at, comma - at);
    const size_t dash = item.find('-');
    const auto number = [&](const std::string& t, int* v) {
      if (t.empty() || t.size() > 4 || t.find_first_not_of("0123456789") != std::string::npos)
        return false;
      *v = std::stoi(t);
      return *v < 1024;
    };
    int lo = 0, hi = 0;
    if (dash == std::string::npos) {
      if (!number(item, &lo)) return bad("'" + item + "' is not a CPU number below 1024");
      hi = lo;
    } else if (!number(item.substr(0, dash), &lo) || !number(item.substr(dash + 1), &hi) ||
               hi < lo) {
      return bad("'" + item + "' is not a range of CPU numbers below 1024");
    }
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
    at = comma + 1;
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

Status PinToCpus(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::string names;
  for (int c : cpus) {
    if (c < 0 || c >= CPU_SETSIZE) return Status::InvalidArgument("no CPU " + std::to_string(c));
    CPU_SET(c, &set);
    names += (names.empty() ? "" : ",") + std::to_string(c);
  }
  if (cpus.empty()) return Status::InvalidArgument("no CPUs to run on");
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    return Status::InvalidArgument("cannot run on CPUs " + names + ": " + std::strerror(errno) +
                                   " (are they present and online?)");
  }
  return Status::Ok();
}

}  // namespace mbench::runner
