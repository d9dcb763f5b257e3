// Device profiles: what mbench knows about a phone or SoC, one JSON file per device.
//
// A profile holds two kinds of numbers and keeps them apart:
//   - hardware facts (SoC, CPU clusters, memory bandwidth, battery, power draw), each group with
//     the source it came from;
//   - per-target fitted parameters, where a target is one way of running a model on the device
//     (compute unit x runtime x precision x threads), each with its calibration record: the
//     measurements it was fitted to, when, and the residual error that sets prediction intervals.
// Profiles are validated on load; a profile that breaks the schema is an error naming the file
// and the field, never a silent default. Value types; thread-compatible.
#ifndef MBENCH_DEVICE_PROFILES_PROFILE_H_
#define MBENCH_DEVICE_PROFILES_PROFILE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status_or.h"

namespace mbench::profiles {

// Version of the profile file layout; a loader rejects other versions with a clear error.
inline constexpr int kProfileSchemaVersion = 1;

struct CpuCluster {
  std::string name;  // "big", "prime", "little"
  int cores = 0;
  std::string uarch;  // "Cortex-A75", "Kryo 280 Gold"
  double max_ghz = 0.0;
};

// A compute unit of the SoC (its CPU, GPU or NPU/DSP) with its active power draw.
struct ComputeUnit {
  std::string kind;  // "cpu", "gpu", "npu"
  std::string name;  // "Adreno 630", "Hexagon 685 DSP"
  // Average active power while running a sustained compute load, watts (for a CPU: per active
  // core, multiplied by the threads of a target); 0 when no sourced figure
  // exists (energy is then reported as unavailable, never as zero).
  double power_w = 0.0;
  double power_rel_error = 0.0;  // e.g. 0.3 for +-30%
  std::string power_source;
};

// The fitted parameters of one target. Throughputs are effective (achieved by that runtime on
// that shape class), not datasheet peaks.
struct KernelParams {
  double conv_gmacs = 0.0;       // dense convolutions with a kernel larger than 1x1
  double pointwise_gmacs = 0.0;  // 1x1 convolutions
  double depthwise_gmacs = 0.0;  // depthwise and grouped convolutions
  double gemm_gmacs = 0.0;       // fully connected, matmul, attention
  double conv3x3_gmacs = 0.0;    // dense 3x3 stride-1 convolutions (Winograd-eligible)
  double memory_op_gbps = 0.0;   // bytes/s of memory-bound kernels (pooling, element-wise, ...)
  double bandwidth_gbps = 0.0;   // effective DRAM bandwidth bounding compute kernels
  double overhead_us = 0.0;      // fixed cost per kernel launch
  // How much slower a kernel runs inside a whole model than timed alone (cold caches between
  // layers, scheduling), fitted where both kinds of timing exist; 1 otherwise.
  double model_context = 1.0;
};

// How a target's parameters were obtained.
struct CalibrationRecord {
  std::string method;  // e.g. "fit to 20 whole-model latencies, family prior cpu/fp32"
  std::string date;    // YYYY-MM-DD
  std::string data;    // the measurement file(s) used, with their content hash
  std::vector<std::string> sources;  // where the measurements were published
  std::vector<std::string> models;   // the models measured
  int points = 0;                    // measurements used
  // Residuals of log(predicted/measured): in-sample RMS and leave-one-model-out RMS.
  double rms_log_residual = 0.0;
  double cv_rms_log_residual = 0.0;
  // Measurements predicted with their model held out; 0 when every measurement of the target is
  // of one model, and then cv_* are its family's and the interval is the family's.
  int cv_points = 0;
  double cv_mape_pct = 0.0;
  // Half-width of the 90% prediction interval in log space: [p*exp(-h), p*exp(+h)].
  double interval_log_halfwidth = 0.0;
  // Each measured model's held-out log(predicted/measured), by model key, sorted by key. Two
  // targets' residuals on the models both measured say how well a measurement on one carries
  // over to the other (estimator/anchor.h: a measured model anchors the prediction elsewhere).
  std::vector<std::pair<std::string, double>> cv_residuals;
};

// One kernel timed alone on the target (a calibration probe or a layer of a measured model):
// its shape and how far the fitted roofline missed it. The estimator corrects a kernel by the
// residuals of the measured kernels nearest in shape (estimator.h, KernelShapeCorrection).
struct KernelSample {
  std::string kind;  // kernel class ("depthwise", ...) or, for memory kernels, "memory:<op>"
  std::array<double, 4> shape{};  // log1p of MACs, output, input and weight elements
  double log_residual = 0.0;      // log(measured / roofline)
};

struct Target {
  std::string compute_unit;  // "cpu", "gpu", "npu"
  std::string runtime;       // "tflite", "ncnn", "nnapi", "qnn", "hiai", "coreml", "mbench"
  std::string precision;     // "fp32", "fp16", "int8"
  int threads = 0;           // CPU threads; 0 for accelerators
  std::string cluster;       // CPU cluster the threads run on ("big", "little", "all"); "" else
  // The op kinds it runs: the id of a runtime op list ("tflite_gpu", "nnapi", "qnn", ...; see
  // estimator/op_support.cc, which names each list's documentation), and the tensor dtypes.
  std::string op_set;
  std::vector<std::string> dtypes;
  KernelParams params;
  CalibrationRecord calibration;
  // Sorted by kind; empty unless the target was calibrated with per-kernel timings.
  std::vector<KernelSample> kernel_samples;

  // "cpu/tflite/fp32/4t" or "gpu/ncnn/fp16".
  std::string Key() const;
};

struct DeviceProfile {
  int schema_version = kProfileSchemaVersion;
  std::string id;    // lower-case identifier used by --device: "pixel3"
  std::string name;  // "Google Pixel 3"
  std::string soc;   // "Qualcomm Snapdragon 845"
  int release_year = 0;
  std::string kind = "phone";  // "phone", "soc" (a SoC measured on a board), "host"
  std::vector<CpuCluster> cpu_clusters;
  std::string memory_type;
  double memory_bandwidth_gbps = 0.0;  // theoretical peak
  double battery_mah = 0.0;            // 0 when the device has no battery (a board, a host)
  double battery_voltage_v = 0.0;
  std::vector<ComputeUnit> compute_units;
  std::vector<std::string> fact_sources;  // where the hardware facts come from
  std::vector<Target> targets;
  std::string path;  // file it was loaded from (not serialized)

  const ComputeUnit* FindUnit(std::string_view kind) const;
  double BatteryWh() const { return battery_mah * battery_voltage_v / 1000.0; }
};

// Parses and validates a profile. `origin` names the source in errors ("pixel3.json").
StatusOr<DeviceProfile> ParseProfile(std::string_view json_text, std::string_view origin);
// Reads and parses one file.
StatusOr<DeviceProfile> LoadProfile(const std::string& path);
// Loads every *.json in `dir`, sorted by id. Rejects duplicate ids. kNotFound if `dir` is absent.
StatusOr<std::vector<DeviceProfile>> LoadProfileDir(const std::string& dir);
// Serializes with a stable key order and number formatting, so a refit of the same data gives
// byte-identical files.
std::string ProfileToJson(const DeviceProfile& profile);

// Reads the hardware facts of every device (data/devices.json: {"calibration_date": ...,
// "devices": [profile without targets, ...]}), validated like profiles. `date` receives the
// calibration date recorded in the file.
StatusOr<std::vector<DeviceProfile>> LoadDeviceFacts(const std::string& path, std::string* date);

// Where profiles are read from (and, beside them in ../data, the published data): in order,
// $MBENCH_PROFILE_DIR, $MBENCH_HOME/device_profiles, PREFIX/share/mbench/device_profiles when
// the binary runs from PREFIX/bin (an installed mbench), else the source tree's device_profiles/
// (compiled in: a build tree).
std::string DefaultProfileDir();

}  // namespace mbench::profiles

#endif  // MBENCH_DEVICE_PROFILES_PROFILE_H_
