// The latency estimator: predicts how long a model takes on a device profile's target.
//
// Per kernel (see kernels.h): a roofline, the larger of compute time (MACs over the target's
// fitted throughput for the kernel's shape class) and memory time (bytes over its effective
// bandwidth), plus a fixed per-kernel overhead; memory-bound kernels (pooling, element-wise,
// data movement) take bytes over their own fitted rate. The model's latency is the sum. Every
// prediction carries the interval its target's calibration residuals justify, the energy its
// compute unit's sourced power draw implies, and the ops that fell back to the CPU.
//
// Hot path: Predict() on a prepared ModelFeatures does no allocation besides the result and is
// meant to be called in a loop (architecture search); see bench/estimator_bench.cc.
#ifndef MBENCH_ESTIMATOR_ESTIMATOR_H_
#define MBENCH_ESTIMATOR_ESTIMATOR_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analyzer/analysis.h"
#include "analyzer/graph.h"
#include "core/status_or.h"
#include "device_profiles/profile.h"
#include "estimator/kernels.h"

namespace mbench::estimator {

// Bumped when the prediction formula changes; recorded with stored predictions.
inline constexpr const char* kEstimatorVersion = "1";

// Bytes per element at a precision ("fp32" 4, "fp16" 2, "int8" 1); 0 for unknown names.
int BytesPerElement(const std::string& precision);

// Features of one kernel at one precision, laid out for the prediction loop.
struct KernelFeatures {
  KernelClass cls;
  double macs;  // Kernel::work: the MACs a rate divides
  double bytes;
  double unfused_bytes = 0.0;  // a separate activation pass reads and writes these
  // Multiplies the kernel's time: exp of its shape correction (ApplyKernelSamples); 1 without.
  double scale = 1.0;
  // Multiplies its separate activation pass instead: exp of the mean residual of the memory
  // kernels of the pass's op (a swish pass is not a copy).
  double unfused_scale = 1.0;
};

// A model prepared for prediction: kernels plus per-kernel op lists for fallback decisions.
struct ModelFeatures {
  KernelPlan plan;
  std::vector<std::vector<analyzer::OpKind>> kernel_ops;  // op kinds fused in each kernel
  std::vector<std::string> kernel_names;                  // main layer name
  double weight_elements = 0.0;
  double activation_elements = 0.0;
};

ModelFeatures PrepareModel(const analyzer::Graph& graph, const analyzer::ModelAnalysis& analysis);

// Kernel features at `bytes_per_element`.
std::vector<KernelFeatures> FeaturesAt(const ModelFeatures& model, int bytes_per_element);

// Shape correction. A class-wide rate cannot say that XNNPACK runs a 7x7 depthwise convolution
// at a tenth of the rate of a 3x3 one, or that a 1x1 convolution with 16 channels is slower per
// MAC than one with 256. Where a target was calibrated with kernels timed alone (probes and the
// per-layer timings of measured models, profiles::KernelSample), a kernel's roofline time is
// multiplied by exp(c), c being the residuals of the measured kernels of its kind nearest in
// shape, weighted by a Gaussian of their distance and shrunk toward 0 (no correction) when none
// is near: kernel regression, in the spirit of nn-Meter's per-kernel predictors.
//
// The kind a kernel is matched by: its class name (with ":grouped" for grouped convolutions), or
// "memory:<op>" for memory-bound kernels.
std::string SampleKind(const ModelFeatures& model, size_t kernel);
// The weight of the prior (no correction) against the samples' Gaussian weights: a twentieth
// of one coinciding sample (estimator.cc says how it was chosen).
inline constexpr double kKernelSamplePrior = 0.05;
// c for one kernel; `samples` sorted by kind. 0 when the target has no sample of the kind.
double KernelShapeCorrection(const std::string& kind, const std::array<double, 4>& shape,
                             const std::vector<profiles::KernelSample>& samples);
// Sets every kernel's scale, and the unfused_scale of a kernel with a separate activation
// pass, from `samples` (no-op when empty). `features` is FeaturesAt(model). `kernels` false:
// the passes' scales only.
void ApplyKernelSamples(const ModelFeatures& model,
                        const std::vector<profiles::KernelSample>& samples,
                        std::vector<KernelFeatures>* features, bool kernels = true);

// The features `target` predicts `model` with: FeaturesAt its precision, with its shape
// correction. Predict and the cross-validation both use it, so a report and the fit agree.
std::vector<KernelFeatures> TargetFeatures(const ModelFeatures& model,
                                           const profiles::Target& target);

// Target parameters in the units the loop uses (seconds, MAC/s, bytes/s).
struct RateParams {
  // conv, pointwise, depthwise, gemm, conv3x3s1 (KernelClass order)
  std::array<double, kNumKernelClasses - 1> macs_per_s;
  double memory_op_bytes_per_s;
  double bandwidth_bytes_per_s;
  double overhead_s;
  // Multiplies every kernel of a model (profiles::KernelParams::model_context).
  double context = 1.0;
  // The runtime runs non-clamp activations as their own memory-bound pass (see
  // Kernel::unfused_elements).
  bool separate_activations = false;
};
RateParams ToRates(const profiles::KernelParams& p, bool separate_activations = false);

// Whether a runtime runs sigmoid, swish, hard-swish, ... as separate passes: TFLite's CPU path
// (XNNPACK) and mbench's runner do; ncnn, the GPU delegates and NPUs fuse them.
bool SeparateActivations(const std::string& compute_unit, const std::string& runtime);

// Time of one kernel in seconds, its scale included; `bound` receives 0 compute, 1 memory.
double KernelSeconds(const KernelFeatures& k, const RateParams& r, int* bound);

// Sum over kernels, seconds. The function the fit and the benchmark call.
double PredictSeconds(const std::vector<KernelFeatures>& kernels, const RateParams& r);

struct KernelTime {
  int32_t kernel = 0;
  std::string name;
  std::string cls;
  double ms = 0.0;
  bool fallback = false;
};

struct Prediction {
  std::string device_id, device_name, soc;
  int release_year = 0;
  std::string compute_unit, runtime, precision, cluster;
  int threads = 0;
  std::string target_key;
  double latency_ms = 0.0, latency_low_ms = 0.0, latency_high_ms = 0.0;
  double fps = 0.0;
  // Energy per inference in millijoules; negative when the unit has no sourced power figure.
  double energy_mj = -1.0, energy_low_mj = -1.0, energy_high_mj = -1.0;
  std::string bound;  // "compute", "memory" or "overhead": the largest share of the time
  std::vector<std::string> fallback_ops;  // op kinds run on the CPU instead of the unit
  double fallback_ms = 0.0;
  std::vector<KernelTime> top_kernels;   // heaviest first (three)
  std::vector<KernelTime> kernel_times;  // every kernel, in order (only when asked)
  // Where the number came from.
  std::string profile_path;
  std::string calibration;    // one line: method, points, date, CV error
  double cv_mape_pct = 0.0;   // the target's cross-validated MAPE (its family's if it has none)
  int fit_points = 0;         // measurements the target was fitted on
  std::string extrapolation;  // non-empty when threads were extrapolated from other counts
  // Non-empty when measurements of this model on other targets anchor the prediction
  // (estimator/anchor.h): how many, the most reliable one, and what the model alone predicts.
  std::string anchor;
  double model_only_ms = 0.0;  // the roofline's prediction before anchoring
  int anchors = 0;
  // Non-empty when the host's speed was checked just now and the prediction rescaled by it
  // (calibration/speed_check.h).
  std::string speed_check;
};

struct PredictRequest {
  std::string compute_unit;  // "cpu", "gpu", "npu"
  std::string runtime;       // empty: the preferred calibrated runtime
  std::string precision;     // empty: fp32 on CPU; fp16 on GPU/NPU (fp32 if only that exists)
  int threads = 0;           // 0: the calibrated thread count that runs the model fastest
  bool keep_kernel_times = false;
  // One target by its key ("cpu/ncnn/fp32/4t-little"): overrides the first four fields.
  std::string target_key;
};

// The compute unit a request means: `compute_unit` when given; else the one unit `runtime` runs
// on across `devices` (qnn, nnapi: the NPU); else the CPU.
std::string RequestedUnit(const std::string& compute_unit, const std::string& runtime,
                          std::span<const profiles::DeviceProfile> devices);

// Predicts `model` on `device`. kNotFound when the device has no target matching the request
// (the message lists what it has); kUnsupported for a thread count it cannot extrapolate to.
StatusOr<Prediction> Predict(const ModelFeatures& model, const profiles::DeviceProfile& device,
                             const PredictRequest& request);

// Battery hours at `fps` for the model alone (excludes display, camera and idle power):
// battery energy over average power (energy per inference x fps). Negative when unknown;
// +inf is never returned: a latency longer than 1/fps means the rate cannot be sustained and
// the hours are those at the achievable rate.
double BatteryHours(const Prediction& p, const profiles::DeviceProfile& device, double fps);

}  // namespace mbench::estimator

#endif  // MBENCH_ESTIMATOR_ESTIMATOR_H_
