// Measuring a Plan the way a careful benchmarker would: init time, first run, warm-up, then
// runs until both a count and a minimum time are met (capped by a maximum time), latency
// statistics, per-layer timings (each step timed alone, over separate passes), peak resident
// memory, and the conditions of the run (CPU from cpuinfo, threads, build).
#ifndef MBENCH_RUNNER_MEASURE_H_
#define MBENCH_RUNNER_MEASURE_H_

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/status_or.h"
#include "runner/plan.h"

namespace mbench::runner {

struct MeasureOptions {
  int warmup = 3;
  int runs = 10;           // at least this many timed runs
  double min_secs = 1.0;   // and at least this long
  double max_secs = 60.0;  // but never longer (the count may then fall short; n says so)
  bool per_layer = false;
  // Pauses, as benchncnn's cooling down and benchmark_model's --run_delay: a sleep before the
  // first run (a phone that just ran something else cools off), and one between timed runs
  // (counted in the wall time --min-secs and --max-secs see, not in any run's time).
  double cooldown_secs = 0.0;
  double run_delay_secs = 0.0;
  // Called now and then during long measurements with (phase, done, total); may be empty.
  std::function<void(const std::string&, int, int)> progress;
};

struct LatencyStats {
  int n = 0;
  double min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0, std = 0;  // milliseconds
};
// Statistics of `samples_ms` (nearest-rank percentiles). Empty input gives n = 0.
LatencyStats ComputeStats(std::vector<double> samples_ms);

// How far the timed runs drifted while measuring: the median of the last third of
// `samples_ms` (in the order they ran) over the median of the first third, minus 1 (+0.12: the
// end ran 12% slower, as a throttling phone does). 0 with fewer than 9 samples.
double Drift(const std::vector<double>& samples_ms);

struct LayerTiming {
  int32_t index = 0;  // analyzer layer index
  std::string name;
  std::string op;
  bool xnnpack = false;
  std::string kernel;  // StepInfo::kernel
  int threads = 1;     // StepInfo::threads
  double p50_ms = 0.0;
  double share = 0.0;      // of the sum of layer p50s
  std::string fused_into;  // name of the layer whose operator computes this one; "" if none
  bool fp16 = false;       // ran in fp16 (precision fp16)
  bool int8 = false;       // ran in int8 (precision int8)
  int conversions = 0;     // fp32<->fp16 copies of its inputs, included in p50_ms
};

struct CpuDescription {
  std::string vendor, uarch, package;
  int cores = 0, logical_processors = 0;
  int64_t l1d_bytes = 0, l2_bytes = 0, l3_bytes = 0;
  bool fp16_arithmetic = false;  // native fp16 arithmetic (ARMv8.2 FP16)
  int allowed_cpus = 0;          // CPUs this process may run on (AllowedCpuCount)
};
CpuDescription DescribeCpu();

struct Measurement {
  LatencyStats latency;
  double first_run_ms = 0.0;
  std::vector<LayerTiming> layers;  // empty unless per_layer
  double per_layer_sum_ms = 0.0;    // sum of layer p50s (reported, never the end-to-end figure)
  int64_t peak_rss_bytes = 0;
  int64_t rss_increase_bytes = 0;  // over the process baseline when measuring began
  bool hit_max_secs = false;
  double drift = 0.0;  // Drift() of the timed runs
};

// "0,2-3" -> {0, 2, 3}: sorted, each CPU once. kInvalidArgument for anything else, or CPUs
// beyond 1023.
StatusOr<std::vector<int>> ParseCpuList(const std::string& list);

// Pins this process's calling thread, and so every thread it starts afterwards (the runner's
// pool among them), to `cpus` (e.g. one cluster of a phone's big.LITTLE CPU). Call before
// compiling a plan. kInvalidArgument naming the CPUs the system refused (absent or offline).
Status PinToCpus(const std::vector<int>& cpus);

// CPUs this process may run on (its affinity mask: --cpus, taskset, a container's limit); 0
// when the system will not say.
int AllowedCpuCount();

// Peak and current resident set size of this process (from /proc/self/status), bytes; 0 if
// unknown.
int64_t PeakRssBytes();
int64_t CurrentRssBytes();

// Measures `plan` (inputs already set). `baseline_rss` is the RSS before the plan was built.
StatusOr<Measurement> Measure(Plan& plan, const MeasureOptions& options, int64_t baseline_rss);

// Timings on request, for a benchmark driver that interleaves this process with a peer (another
// runtime, or mbench in another mode) in short rounds: the measurement survives a host whose
// speed drifts, because both sides see the same minutes. Runs the plan once, writes
// {"ready": true, "steps": N}, then answers each line of `in` with one JSON line on `out`:
//   "runs N"   -> {"ms": [...]}             N end-to-end runs
//   "layers N" -> {"ms": [...]}             N passes timing every step alone; each entry is a
//                                            pass's sum of step times
//   "quit" or end of input ends it; anything else -> {"error": "..."} (the session goes on).
Status ServeTimings(Plan& plan, std::istream& in, std::ostream& out);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_MEASURE_H_
