#include "estimator/estimator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <tuple>

#include "estimator/op_support.h"

namespace mbench::estimator {
namespace {

using profiles::DeviceProfile;
using profiles::Target;

constexpr const char* kRuntimePreference[] = {"tflite", "nnapi", "qnn",   "coreml",
                                              "hiai",   "ncnn",  "mbench"};

int RuntimeRank(const std::string& runtime) {
  int i = 0;
  for (const char* r : kRuntimePreference) {
    if (runtime == r) return i;
    ++i;
  }
  return i;
}

bool BigOrAll(const Target& t) {
  return t.cluster.empty() || t.cluster == "big" || t.cluster == "all";
}

std::string ListKeys(const std::vector<const Target*>& targets) {
  std::string out;
  for (const Target* t : targets) {
    if (!out.empty()) out += ", ";
    out += t->Key();
  }
  return out.empty() ? "none" : out;
}

// Amdahl speedup at n threads for parallel fraction p.
double Amdahl(double p, double n) { return 1.0 / ((1.0 - p) + p / n); }

// Parallel fraction p with Amdahl(p, b) / Amdahl(p, a) == ratio (a < b), by bisection.
double FitParallelFraction(double a, double b, double ratio) {
  double lo = 0.0, hi = 1.0;
  for (int i = 0; i < 60; ++i) {
    double mid = 0.5 * (lo + hi);
    if (Amdahl(mid, b) / Amdahl(mid, a) < ratio)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

// Threads that run on the non-little clusters (prime, big, all).
int BigCoreThreads(const DeviceProfile& d, int threads) {
  int big = 0;
  for (const auto& c : d.cpu_clusters) {
    if (c.name != "little") big += c.cores;
  }
  return std::max(1, std::min(threads, big));
}

int TotalCores(const DeviceProfile& d) {
  int n = 0;
  for (const auto& c : d.cpu_clusters) n += c.cores;
  return n;
}

std::string FormatCalibration(const Target& t) {
  const auto& c = t.calibration;
  char buf[512];
  if (c.cv_points > 0) {
    std::snprintf(buf, sizeof(buf), "%s; cross-validated MAPE %.1f%% on %d held-out points; %s",
                  c.method.c_str(), c.cv_mape_pct, c.cv_points, c.date.c_str());
  } else {
    std::snprintf(buf, sizeof(buf),
                  "%s; not cross-validated (one model), interval and MAPE %.1f%% are its "
                  "family's; %s",
                  c.method.c_str(), c.cv_mape_pct, c.date.c_str());
  }
  return buf;
}

// The CPU target a fallback op runs on: the request's precision if calibrated, else fp32; the
// preferred runtime; most threads.
const Target* FallbackCpuTarget(const DeviceProfile& d, const std::string& precision) {
  const Target* best = nullptr;
  for (const auto& t : d.targets) {
    if (t.compute_unit != "cpu" || !BigOrAll(t)) continue;
    auto score = [&](const Target& x) {
      return std::make_tuple(x.precision == precision ? 0 : (x.precision == "fp32" ? 1 : 2),
                             RuntimeRank(x.runtime), -x.threads);
    };
    if (best == nullptr || score(t) < score(*best)) best = &t;
  }
  return best;
}

}  // namespace

int BytesPerElement(const std::string& precision) {
  if (precision == "fp32") return 4;
  if (precision == "fp16") return 2;
  if (precision == "int8") return 1;
  return 0;
}

ModelFeatures PrepareModel(const analyzer::Graph& graph, const analyzer::ModelAnalysis& analysis) {
  ModelFeatures m;
  m.plan = BuildKernels(graph, analysis);
  m.kernel_ops.reserve(m.plan.kernels.size());
  for (const auto& k : m.plan.kernels) {
    std::vector<analyzer::OpKind> ops;
    for (int32_t l : k.layers) ops.push_back(graph.nodes[l].kind);
    m.kernel_ops.push_back(std::move(ops));
    m.kernel_names.push_back(graph.nodes[k.main_layer].name);
    m.weight_elements += k.weight_elements;
    m.activation_elements += k.activation_elements;
  }
  return m;
}

std::vector<KernelFeatures> FeaturesAt(const ModelFeatures& model, int bytes_per_element) {
  std::vector<KernelFeatures> out;
  out.reserve(model.plan.kernels.size());
  for (const auto& k : model.plan.kernels) {
    out.push_back({k.cls, k.work, (k.weight_elements + k.activation_elements) * bytes_per_element,
                   2.0 * k.unfused_elements * bytes_per_element});
  }
  return out;
}

std::string SampleKind(const ModelFeatures& model, size_t kernel) {
  const Kernel& k = model.plan.kernels[kernel];
  if (k.cls != KernelClass::kMemory) {
    // Grouped convolutions run as one small GEMM per group, not as the depthwise or dense
    // kernels of their class: they learn from their own samples.
    return std::string(KernelClassName(k.cls)) + (k.grouped ? ":grouped" : "");
  }
  const auto& ops = model.kernel_ops[kernel];
  return std::string("memory:") + (ops.empty() ? "?" : analyzer::OpKindName(ops.front()));
}

namespace {

// Kernel regression constants, chosen by leave-one-model-out error on this host's per-layer
// timings (scripts/demo-loop.sh): a Gaussian of width 0.5 in log1p units (a kernel with 1.65x
// the channels of a sample is one width away in each of its four coordinates). The work per
// output element (window taps times input channels per group) gets a narrower width of its
// own: without it a 7x7 depthwise kernel looks like a wider 5x5 one, yet on XNNPACK it can run
// at a tenth of the 5x5 rate.
//
// The prior (kKernelSamplePrior) was a quarter of a coinciding sample; that kept a fifth of an
// exact match's log residual, and a 3x3 8->1 head at 256x256, 13x slower than its roofline,
// came out 1.7x low next to its own probe. Refit on the same stored runs, 0.05 took the demo's
// unseen zoo models from 8.3% to 7.8% MAPE on 1 thread and the npm models from 10.1% to 9.0%
// (0.01: 7.8% and 8.8%; 0.1: 7.9% and 9.3%).
constexpr double kSampleWidth = 0.5;
constexpr double kRatioWidth = 0.2;

}  // namespace

double KernelShapeCorrection(const std::string& kind, const std::array<double, 4>& shape,
                             const std::vector<profiles::KernelSample>& samples) {
  auto it = std::lower_bound(
      samples.begin(), samples.end(), kind,
      [](const profiles::KernelSample& a, const std::string& k) { return a.kind < k; });
  constexpr double inv = 1.0 / (2.0 * kSampleWidth * kSampleWidth);
  constexpr double inv_ratio = 1.0 / (2.0 * kRatioWidth * kRatioWidth);
  double sw = 0.0, swr = 0.0;
  for (; it != samples.end() && it->kind == kind; ++it) {
    std::array<double, 4> d;
    double d2 = 0.0;
    for (int f = 0; f < 4; ++f) {
      d[f] = shape[f] - it->shape[f];
      d2 += d[f] * d[f];
    }
    const double work = d[0] - d[1];
    const double w = std::exp(-d2 * inv - work * work * inv_ratio);
    sw += w;
    swr += w * it->log_residual;
  }
  return swr / (sw + kKernelSamplePrior);
}

namespace {

// The mean residual of a kind's samples, shrunk toward 0 by the same prior: an element-wise
// pass costs about the same per element at any size (the calibrate probes of sigmoid at 400k
// and 190k elements agree to 7%), and two probes cannot cover every activation size by shape.
double KindCorrection(const std::string& kind, const std::vector<profiles::KernelSample>& samples) {
  auto it = std::lower_bound(
      samples.begin(), samples.end(), kind,
      [](const profiles::KernelSample& a, const std::string& k) { return a.kind < k; });
  double n = 0.0, sum = 0.0;
  for (; it != samples.end() && it->kind == kind; ++it) {
    n += 1.0;
    sum += it->log_residual;
  }
  return sum / (n + kKernelSamplePrior);
}

// The sample kind that prices a kernel's separate activation pass; "" when it has none.
std::string UnfusedSampleKind(const Kernel& k) {
  if (k.unfused_op == analyzer::OpKind::kUnknown) return "";
  // A swish pass is the sigmoid-and-mul kernel that an ONNX swish becomes (kernels.cc).
  const analyzer::OpKind op =
      k.unfused_op == analyzer::OpKind::kSwish ? analyzer::OpKind::kSigmoid : k.unfused_op;
  return std::string("memory:") + analyzer::OpKindName(op);
}

// Multiplies a kernel's separate activation pass: exp of KindCorrection of its op's kind.
double UnfusedScale(const Kernel& k, const std::vector<profiles::KernelSample>& samples) {
  const std::string pass = UnfusedSampleKind(k);
  return pass.empty() || !(k.unfused_elements > 0) ? 1.0 : std::exp(KindCorrection(pass, samples));
}

}  // namespace

void ApplyKernelSamples(const ModelFeatures& model,
                        const std::vector<profiles::KernelSample>& samples,
                        std::vector<KernelFeatures>* features, bool kernels) {
  if (samples.empty()) return;
  for (size_t i = 0; i < features->size() && i < model.plan.kernels.size(); ++i) {
    const Kernel& k = model.plan.kernels[i];
    if (kernels) {
      (*features)[i].scale =
          std::exp(KernelShapeCorrection(SampleKind(model, i), k.shape, samples));
    }
    (*features)[i].unfused_scale = UnfusedScale(k, samples);
  }
}

std::vector<KernelFeatures> TargetFeatures(const ModelFeatures& model,
                                           const profiles::Target& target) {
  std::vector<KernelFeatures> f = FeaturesAt(model, BytesPerElement(target.precision));
  ApplyKernelSamples(model, target.kernel_samples, &f);
  return f;
}

bool SeparateActivations(const std::string& compute_unit, const std::string& runtime) {
  return compute_unit == "cpu" && (runtime == "tflite" || runtime == "mbench");
}

RateParams ToRates(const profiles::KernelParams& p, bool separate_activations) {
  RateParams r;
  r.separate_activations = separate_activations;
  r.macs_per_s = {p.conv_gmacs * 1e9, p.pointwise_gmacs * 1e9, p.depthwise_gmacs * 1e9,
                  p.gemm_gmacs * 1e9, p.conv3x3_gmacs * 1e9};
  r.memory_op_bytes_per_s = p.memory_op_gbps * 1e9;
  r.bandwidth_bytes_per_s = p.bandwidth_gbps * 1e9;
  r.overhead_s = p.overhead_us * 1e-6;
  r.context = p.model_context;
  return r;
}

double KernelSeconds(const KernelFeatures& k, const RateParams& r, int* bound) {
  if (k.cls == KernelClass::kMemory) {
    *bound = 1;
    return (r.overhead_s + k.bytes / r.memory_op_bytes_per_s) * r.context * k.scale;
  }
  double compute = k.macs / r.macs_per_s[static_cast<int>(k.cls)];
  double memory = k.bytes / r.bandwidth_bytes_per_s;
  *bound = memory > compute ? 1 : 0;
  const double separate = r.separate_activations ? k.unfused_bytes / r.memory_op_bytes_per_s : 0.0;
  return ((r.overhead_s + std::max(compute, memory)) * k.scale + separate * k.unfused_scale) *
         r.context;
}

double PredictSeconds(const std::vector<KernelFeatures>& kernels, const RateParams& r) {
  double total = 0.0;
  const double inv_mem = 1.0 / r.memory_op_bytes_per_s;
  const double inv_bw = 1.0 / r.bandwidth_bytes_per_s;
  double inv_macs[kNumKernelClasses - 1];
  for (int i = 0; i < kNumKernelClasses - 1; ++i) inv_macs[i] = 1.0 / r.macs_per_s[i];
  for (const KernelFeatures& k : kernels) {
    double t = r.overhead_s;
    if (k.cls == KernelClass::kMemory) {
      t += k.bytes * inv_mem;
    } else {
      t += std::max(k.macs * inv_macs[static_cast<int>(k.cls)], k.bytes * inv_bw);
      if (r.separate_activations) total += k.unfused_bytes * inv_mem * k.unfused_scale;
    }
    total += t * k.scale;
  }
  return total * r.context;
}

std::string RequestedUnit(const std::string& compute_unit, const std::string& runtime,
                          std::span<const DeviceProfile> devices) {
  if (!compute_unit.empty()) return compute_unit;
  std::set<std::string> units;
  for (const auto& d : devices) {
    for (const auto& t : d.targets) {
      if (!runtime.empty() && t.runtime == runtime) units.insert(t.compute_unit);
    }
  }
  return units.size() == 1 ? *units.begin() : "cpu";
}

namespace {

// The target a request names, with its parameters (extrapolated to a thread count when needed).
Status SelectTarget(const ModelFeatures& model, const DeviceProfile& device,
                    const PredictRequest& request, const Target** target_out,
                    profiles::KernelParams* params_out, std::string* extrapolation_out) {
  const std::string unit =
      RequestedUnit(request.compute_unit, request.runtime, std::span(&device, 1));
  std::vector<const Target*> of_unit;
  for (const auto& t : device.targets) {
    if (t.compute_unit == unit) of_unit.push_back(&t);
  }
  // Float by default: fp32 on the CPU; on accelerators fp16, or fp32 where only that is
  // calibrated (NNAPI on the Pixels).
  std::string precision = request.precision;
  if (precision.empty()) {
    precision = unit == "cpu" ? "fp32" : "fp16";
    if (unit != "cpu" && std::none_of(of_unit.begin(), of_unit.end(),
                                      [](const Target* t) { return t->precision == "fp16"; })) {
      precision = "fp32";
    }
  }
  std::vector<const Target*> cands;
  for (const Target* t : of_unit) {
    if (t->precision != precision) continue;
    if (!request.runtime.empty() && t->runtime != request.runtime) continue;
    cands.push_back(t);
  }
  if (of_unit.empty()) {
    std::set<std::string> units;
    for (const auto& t : device.targets) units.insert(t.compute_unit);
    std::string has;
    for (const auto& u : units) has += (has.empty() ? "" : ", ") + u;
    return Status::NotFound(device.id + ": no " + unit + " calibration (calibrated units: " +
                            (has.empty() ? "none" : has) + ")");
  }
  if (cands.empty()) {
    return Status::NotFound(device.id + ": no calibrated " + unit + " target for precision " +
                            precision +
                            (request.runtime.empty() ? "" : " and runtime " + request.runtime) +
                            " (calibrated: " + ListKeys(of_unit) + ")");
  }
  // Preferred runtime first.
  int best_rank = std::numeric_limits<int>::max();
  for (const Target* t : cands) best_rank = std::min(best_rank, RuntimeRank(t->runtime));
  std::erase_if(cands, [&](const Target* t) { return RuntimeRank(t->runtime) != best_rank; });

  const Target*& target = *target_out;
  profiles::KernelParams& params = *params_out;
  std::string& extrapolation = *extrapolation_out;
  if (unit != "cpu") {
    target = cands.front();
    params = target->params;
  } else {
    std::vector<const Target*> big;
    for (const Target* t : cands) {
      if (BigOrAll(*t)) big.push_back(t);
    }
    if (big.empty()) big = cands;
    std::sort(big.begin(), big.end(),
              [](const Target* a, const Target* b) { return a->threads < b->threads; });
    if (request.threads <= 0) {
      // The calibrated thread count that runs this model fastest (8 threads across big and
      // little cores is often slower than 4 big ones).
      const auto plain = FeaturesAt(model, BytesPerElement(precision));
      double best = std::numeric_limits<double>::infinity();
      for (const Target* t : big) {
        auto features = plain;
        ApplyKernelSamples(model, t->kernel_samples, &features);
        double s = PredictSeconds(
            features, ToRates(t->params, SeparateActivations(t->compute_unit, t->runtime)));
        if (s < best) {
          best = s;
          target = t;
        }
      }
      params = target->params;
    } else {
      if (request.threads > TotalCores(device)) {
        return Status::InvalidArgument(device.id + ": --threads " +
                                       std::to_string(request.threads) + " exceeds the device's " +
                                       std::to_string(TotalCores(device)) + " cores");
      }
      for (const Target* t : big) {
        if (t->threads == request.threads) target = t;
      }
      if (target != nullptr) {
        params = target->params;
      } else if (big.size() >= 2 && big.front()->threads < big.back()->threads) {
        // Amdahl's law fitted to the two calibrated thread counts furthest apart.
        const Target* lo = big.front();
        const Target* hi = big.back();
        double ratio = hi->params.conv_gmacs / lo->params.conv_gmacs;
        double p = FitParallelFraction(lo->threads, hi->threads, std::max(ratio, 1.0));
        target = lo;
        for (const Target* t : big) {
          if (std::abs(t->threads - request.threads) < std::abs(target->threads - request.threads))
            target = t;
        }
        double scale = Amdahl(p, request.threads) / Amdahl(p, target->threads);
        params = target->params;
        params.conv_gmacs *= scale;
        params.pointwise_gmacs *= scale;
        params.depthwise_gmacs *= scale;
        params.gemm_gmacs *= scale;
        params.conv3x3_gmacs *= scale;
        params.memory_op_gbps *= scale;
        char buf[256];
        std::snprintf(buf, sizeof(buf),
                      "%d threads extrapolated from %s by Amdahl's law (parallel fraction %.2f "
                      "fitted to %d and %d threads)",
                      request.threads, target->Key().c_str(), p, lo->threads, hi->threads);
        extrapolation = buf;
      } else {
        std::string counts;
        for (const Target* t : big)
          counts += (counts.empty() ? "" : ", ") + std::to_string(t->threads);
        return Status::Unsupported(device.id + ": " + std::to_string(request.threads) +
                                   " threads not calibrated for " + unit + "/" +
                                   big.front()->runtime + "/" + precision +
                                   " and cannot be extrapolated (calibrated: " + counts + ")");
      }
    }
  }

  return Status::Ok();
}

}  // namespace

StatusOr<Prediction> Predict(const ModelFeatures& model, const DeviceProfile& device,
                             const PredictRequest& request) {
  const Target* target = nullptr;
  profiles::KernelParams params;
  std::string extrapolation;
  const bool exact = !request.target_key.empty();
  if (exact) {
    for (const auto& t : device.targets) {
      if (t.Key() == request.target_key) target = &t;
    }
    if (target == nullptr) {
      std::vector<const Target*> all;
      for (const auto& t : device.targets) all.push_back(&t);
      return Status::NotFound(device.id + ": no target " + request.target_key +
                              " (calibrated: " + ListKeys(all) + ")");
    }
    params = target->params;
  } else {
    MBENCH_RETURN_IF_ERROR(SelectTarget(model, device, request, &target, &params, &extrapolation));
  }
  const std::string unit = target->compute_unit;

  Prediction p;
  p.device_id = device.id;
  p.device_name = device.name;
  p.soc = device.soc;
  p.release_year = device.release_year;
  p.compute_unit = target->compute_unit;
  p.runtime = target->runtime;
  p.precision = target->precision;
  p.threads = !exact && request.threads > 0 && unit == "cpu" ? request.threads : target->threads;
  p.cluster = target->cluster;
  p.target_key = target->Key();
  p.profile_path = device.path;
  p.calibration = FormatCalibration(*target);
  p.cv_mape_pct = target->calibration.cv_mape_pct;
  p.fit_points = target->calibration.points;
  p.extrapolation = extrapolation;

  const int bpe = BytesPerElement(p.precision);
  const RateParams rates =
      ToRates(params, SeparateActivations(target->compute_unit, target->runtime));
  RuntimeApi api = ApiForTarget(target->compute_unit, target->runtime);
  for (const auto& rt : AllRuntimes()) {
    if (target->op_set == rt.id) api = rt.api;  // the profile's own op list wins
  }
  const Target* cpu = unit == "cpu" ? nullptr : FallbackCpuTarget(device, p.precision);
  const RateParams cpu_rates =
      cpu ? ToRates(cpu->params, SeparateActivations(cpu->compute_unit, cpu->runtime)) : rates;
  const int cpu_bpe = cpu ? BytesPerElement(cpu->precision) : bpe;
  std::set<std::string> fallback;
  double compute_s = 0.0, memory_s = 0.0, overhead_s = 0.0, total_s = 0.0, fallback_s = 0.0;
  std::vector<double> kernel_ms(model.plan.kernels.size());
  std::vector<char> kernel_fallback(model.plan.kernels.size());
  // Ops sent back to the CPU run at its precision, with its rates and without the accelerator's
  // samples.
  const std::vector<KernelFeatures> features = TargetFeatures(model, *target);
  const std::vector<KernelFeatures> cpu_features =
      unit != "cpu" ? FeaturesAt(model, cpu_bpe) : std::vector<KernelFeatures>{};
  for (size_t i = 0; i < model.plan.kernels.size(); ++i) {
    const Kernel& k = model.plan.kernels[i];
    bool falls_back = false;
    if (unit != "cpu") {
      for (analyzer::OpKind op : model.kernel_ops[i]) {
        if (!Supports(api, op)) {
          falls_back = true;
          fallback.insert(analyzer::OpKindName(op));
        }
      }
    }
    double s;
    int bound = 0;
    if (falls_back) {
      s = KernelSeconds(cpu_features[i], cpu_rates, &bound);
      // Moving the activations between the accelerator and the CPU, both ways.
      s += 2.0 * k.activation_elements * bpe / cpu_rates.bandwidth_bytes_per_s;
      fallback_s += s;
    } else {
      s = KernelSeconds(features[i], rates, &bound);
    }
    const RateParams& used = falls_back ? cpu_rates : rates;
    overhead_s += std::min(s, used.overhead_s);
    (bound ? memory_s : compute_s) += std::max(0.0, s - used.overhead_s);
    total_s += s;
    kernel_ms[i] = s * 1e3;
    kernel_fallback[i] = falls_back;
  }
  if (!fallback.empty() && cpu == nullptr) {
    p.extrapolation += std::string(p.extrapolation.empty() ? "" : "; ") +
                       "ops the unit cannot run are priced at its own rates (the profile has no "
                       "CPU calibration)";
  }
  const double h = target->calibration.interval_log_halfwidth;
  p.latency_ms = total_s * 1e3;
  p.latency_low_ms = p.latency_ms * std::exp(-h);
  p.latency_high_ms = p.latency_ms * std::exp(h);
  p.fps = total_s > 0 ? 1.0 / total_s : 0.0;
  p.fallback_ops.assign(fallback.begin(), fallback.end());
  p.fallback_ms = fallback_s * 1e3;
  if (overhead_s >= compute_s && overhead_s >= memory_s) {
    p.bound = "overhead";
  } else {
    p.bound = compute_s >= memory_s ? "compute" : "memory";
  }
  const profiles::ComputeUnit* cu = device.FindUnit(p.compute_unit);
  const profiles::ComputeUnit* cpu_unit = device.FindUnit("cpu");
  if (cu != nullptr && cu->power_w > 0 &&
      (fallback_s == 0.0 || (cpu_unit != nullptr && cpu_unit->power_w > 0))) {
    // CPU power figures are per active big core; threads beyond the big cores land on little
    // cores, whose draw is an order of magnitude lower and not counted.
    double unit_w = cu->power_w * (p.compute_unit == "cpu" ? BigCoreThreads(device, p.threads) : 1);
    double cpu_w =
        cpu_unit != nullptr && cpu ? cpu_unit->power_w * BigCoreThreads(device, cpu->threads) : 0.0;
    double joules = unit_w * (total_s - fallback_s) + cpu_w * fallback_s;
    double e = cu->power_rel_error;
    p.energy_mj = joules * 1e3;
    p.energy_low_mj = p.energy_mj * (1.0 - e) * std::exp(-h);
    p.energy_high_mj = p.energy_mj * (1.0 + e) * std::exp(h);
  }
  auto kernel_time = [&](size_t i) {
    return KernelTime{static_cast<int32_t>(i), model.kernel_names[i],
                      KernelClassName(model.plan.kernels[i].cls), kernel_ms[i],
                      kernel_fallback[i] != 0};
  };
  // The three heaviest, ties in kernel order.
  std::vector<size_t> order(kernel_ms.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const size_t top = std::min<size_t>(3, order.size());
  std::partial_sort(order.begin(), order.begin() + top, order.end(), [&](size_t a, size_t b) {
    return kernel_ms[a] != kernel_ms[b] ? kernel_ms[a] > kernel_ms[b] : a < b;
  });
  for (size_t i = 0; i < top; ++i) p.top_kernels.push_back(kernel_time(order[i]));
  if (request.keep_kernel_times) {
    for (size_t i = 0; i < kernel_ms.size(); ++i) p.kernel_times.push_back(kernel_time(i));
  }
  return p;
}

double BatteryHours(const Prediction& p, const DeviceProfile& device, double fps) {
  if (p.energy_mj < 0 || device.BatteryWh() <= 0 || fps <= 0) return -1.0;
  double rate = std::min(fps, p.fps);  // a rate above 1/latency cannot be sustained
  double watts = p.energy_mj * 1e-3 * rate;
  if (watts <= 0) return -1.0;
  return device.BatteryWh() / watts;
}

}  // namespace mbench::estimator
