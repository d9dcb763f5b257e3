#include "estimator/calibration.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "core/csv.h"
#include "core/env.h"
#include "core/sha256.h"
#include "estimator/anchor.h"
#include "estimator/op_support.h"

namespace mbench::estimator {
namespace {

using profiles::DeviceProfile;
using profiles::KernelParams;
using profiles::KernelSample;
using profiles::Target;

std::string FormatNumber(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", x);
  return buf;
}

// ---- the parameter vector -------------------------------------------------------------------

// log of: conv, pointwise, depthwise, gemm, conv3x3s1 MAC/s (KernelClass order); memory-op
// bytes/s; bandwidth bytes/s; overhead seconds.
constexpr int kNumMacClasses = kNumKernelClasses - 1;
constexpr int kMemoryOp = kNumMacClasses;
constexpr int kBandwidth = kNumMacClasses + 1;
constexpr int kOverhead = kNumMacClasses + 2;
constexpr int kNumParams = kNumMacClasses + 3;
using Theta = std::array<double, kNumParams>;
// How a device-speed scale moves each parameter: faster devices have higher rates and lower
// overheads.
constexpr Theta kScaleDirection = {1, 1, 1, 1, 1, 1, 1, -1};

RateParams RatesOf(const Theta& t, bool separate_activations) {
  RateParams r;
  r.separate_activations = separate_activations;
  for (int i = 0; i < kNumMacClasses; ++i) r.macs_per_s[i] = std::exp(t[i]);
  r.memory_op_bytes_per_s = std::exp(t[kMemoryOp]);
  r.bandwidth_bytes_per_s = std::exp(t[kBandwidth]);
  r.overhead_s = std::exp(t[kOverhead]);
  return r;
}

KernelParams ParamsOf(const Theta& t) {
  KernelParams p;
  p.conv_gmacs = std::exp(t[0]) * 1e-9;
  p.pointwise_gmacs = std::exp(t[1]) * 1e-9;
  p.depthwise_gmacs = std::exp(t[2]) * 1e-9;
  p.gemm_gmacs = std::exp(t[3]) * 1e-9;
  p.conv3x3_gmacs = std::exp(t[4]) * 1e-9;
  p.memory_op_gbps = std::exp(t[kMemoryOp]) * 1e-9;
  p.bandwidth_gbps = std::exp(t[kBandwidth]) * 1e-9;
  p.overhead_us = std::exp(t[kOverhead]) * 1e6;
  return p;
}

// Predicted seconds and the gradient of log(prediction) with respect to theta. With
// `smooth` > 0 the roofline's max(compute, memory) is replaced by the p-norm
// (compute^p + memory^p)^(1/p), p = smooth: a kernel near its ridge point then pulls on both
// rates, which keeps the fit from stalling on the max's kinks. smooth = 0 is the exact model.
double PredictWithGradient(const std::vector<KernelFeatures>& kernels, const Theta& theta,
                           bool separate_activations, Theta* grad, double smooth) {
  RateParams r = RatesOf(theta, separate_activations);
  Theta d{};
  double total = 0.0;
  for (const KernelFeatures& k : kernels) {
    if (k.cls == KernelClass::kMemory) {
      double m = k.bytes / r.memory_op_bytes_per_s;
      total += m;
      d[kMemoryOp] -= m;
    } else {
      int c = static_cast<int>(k.cls);
      double comp = k.macs / r.macs_per_s[c];
      double mem = k.bytes / r.bandwidth_bytes_per_s;
      if (smooth > 0 && comp > 0 && mem > 0) {
        double hi = std::max(comp, mem);
        double a = std::pow(comp / hi, smooth), b = std::pow(mem / hi, smooth);
        double t = hi * std::pow(a + b, 1.0 / smooth);
        total += t;
        d[c] -= t * a / (a + b);
        d[kBandwidth] -= t * b / (a + b);
      } else if (comp >= mem) {
        total += comp;
        d[c] -= comp;
      } else {
        total += mem;
        d[kBandwidth] -= mem;
      }
      if (separate_activations && k.unfused_bytes > 0) {
        double e = k.unfused_bytes / r.memory_op_bytes_per_s;
        total += e;
        d[kMemoryOp] -= e;
      }
    }
  }
  double ovh = r.overhead_s * static_cast<double>(kernels.size());
  total += ovh;
  d[kOverhead] += ovh;
  if (grad != nullptr) {
    for (int i = 0; i < kNumParams; ++i) (*grad)[i] = d[i] / total;
  }
  return total;
}

// ---- Levenberg-Marquardt --------------------------------------------------------------------

// A least-squares problem: residuals and their Jacobian at x.
struct Problem {
  int num_params = 0;
  // Fills r (residuals) and J (row-major, r.size() x num_params).
  std::function<void(const std::vector<double>& x, std::vector<double>* r, std::vector<double>* J)>
      eval;
};

double SumSquares(const std::vector<double>& r) {
  double s = 0.0;
  for (double v : r) s += v * v;
  return s;
}

// Solves A x = b for symmetric positive definite A (n x n, row-major) by Cholesky. Returns false
// if A is not positive definite.
bool SolveSpd(std::vector<double> A, std::vector<double> b, int n, std::vector<double>* x) {
  for (int j = 0; j < n; ++j) {
    double s = A[j * n + j];
    for (int k = 0; k < j; ++k) s -= A[j * n + k] * A[j * n + k];
    if (s <= 0.0) return false;
    A[j * n + j] = std::sqrt(s);
    for (int i = j + 1; i < n; ++i) {
      double t = A[i * n + j];
      for (int k = 0; k < j; ++k) t -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = t / A[j * n + j];
    }
  }
  for (int i = 0; i < n; ++i) {
    double t = b[i];
    for (int k = 0; k < i; ++k) t -= A[i * n + k] * b[k];
    b[i] = t / A[i * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    double t = b[i];
    for (int k = i + 1; k < n; ++k) t -= A[k * n + i] * b[k];
    b[i] = t / A[i * n + i];
  }
  *x = std::move(b);
  return true;
}

void Minimize(const Problem& p, std::vector<double>* x) {
  const int n = p.num_params;
  std::vector<double> r, J, r_try, J_try;
  p.eval(*x, &r, &J);
  double cost = SumSquares(r);
  double lambda = 1e-3;
  for (int iter = 0; iter < 200; ++iter) {
    const size_t m = r.size();
    std::vector<double> JtJ(n * n, 0.0), Jtr(n, 0.0);
    for (size_t i = 0; i < m; ++i) {
      const double* row = &J[i * n];
      for (int a = 0; a < n; ++a) {
        if (row[a] == 0.0) continue;
        Jtr[a] += row[a] * r[i];
        for (int b = 0; b < n; ++b) JtJ[a * n + b] += row[a] * row[b];
      }
    }
    bool improved = false;
    for (int attempt = 0; attempt < 12 && !improved; ++attempt) {
      std::vector<double> A = JtJ, step;
      for (int a = 0; a < n; ++a) A[a * n + a] += lambda * (JtJ[a * n + a] + 1e-9);
      std::vector<double> neg(n);
      for (int a = 0; a < n; ++a) neg[a] = -Jtr[a];
      if (!SolveSpd(A, neg, n, &step)) {
        lambda *= 10;
        continue;
      }
      std::vector<double> x_try = *x;
      for (int a = 0; a < n; ++a) x_try[a] += step[a];
      p.eval(x_try, &r_try, &J_try);
      double c = SumSquares(r_try);
      if (std::isfinite(c) && c < cost) {
        double gain = cost - c;
        *x = std::move(x_try);
        r.swap(r_try);
        J.swap(J_try);
        cost = c;
        lambda = std::max(lambda * 0.3, 1e-9);
        improved = true;
        if (gain < 1e-12 * (1.0 + cost)) return;
      } else {
        lambda *= 10;
      }
    }
    if (!improved) return;
  }
}

// ---- fitting --------------------------------------------------------------------------------

struct TargetGroup {
  std::string device_id;
  Target target;  // identity fields only until fitted
  std::vector<int> points;
};

std::string FamilyOf(const std::string& compute_unit, const std::string& precision) {
  return compute_unit + "/" + precision;
}
std::string FamilyOf(const Target& t) { return FamilyOf(t.compute_unit, t.precision); }

// The family a target's shape is fitted in: its compute unit and precision, and for an NPU
// also the accelerator line, since NPUs share no design across vendors. AI Hub's TFLite NPU
// targets run through the QNN delegate on the same Hexagon NPU as its QNN targets. Leave-one-
// architecture-out, pooling the Pixels' NNAPI int8 rows with the Hexagon's put QNN int8 at 42%
// MAPE; apart, 15% (12% with the narrow prior below).
std::string FitFamilyOf(const Target& t) {
  if (t.compute_unit != "npu") return FamilyOf(t);
  return FamilyOf(t) + "/" + (t.runtime == "tflite" ? std::string("qnn") : t.runtime);
}

// Families measured on fewer architectures (model groups; on a calibrated host each one-kernel
// probe is a group of its own, so a host's family stays free) get a narrow shape prior.
constexpr int kFreeShapeArchitectures = 9;
constexpr double kFewArchitecturesShapeSigma = 0.3;
constexpr double kScalePriorSigma = 5.0;  // a target's speed: essentially free
// p-norm exponents of the roofline's max during the fit, ending exact (0).
constexpr double kSmoothing[] = {2.0, 6.0, 20.0, 0.0};

}  // namespace

std::string Measurement::TargetKey() const {
  Target t;
  t.compute_unit = compute_unit;
  t.runtime = runtime;
  t.precision = precision;
  t.threads = threads;
  t.cluster = cluster;
  return t.Key();
}

StatusOr<CalibrationData> LoadCalibrationData(const std::string& csv_path,
                                              const std::string& data_dir) {
  MBENCH_ASSIGN_OR_RETURN(std::string text, ReadFileToString(csv_path));
  std::vector<std::vector<std::string>> rows;
  if (!ParseCsv(text, &rows)) {
    return Status::Corruption(csv_path + ": unterminated quoted field");
  }
  if (rows.empty()) return Status::Corruption(csv_path + ": empty file");
  std::map<std::string, int> col;
  for (size_t i = 0; i < rows[0].size(); ++i) col[rows[0][i]] = static_cast<int>(i);
  for (const char* need :
       {"device_id", "compute_unit", "runtime", "precision", "threads", "cluster", "model_ref",
        "width", "resolution", "input_shape", "latency_ms", "measured_on", "source"}) {
    if (!col.count(need)) {
      return Status::Corruption(csv_path + ": missing column '" + std::string(need) + "'");
    }
  }
  CalibrationData data;
  // Named relative to the data directory so a profile does not carry the fitter's home path.
  std::string shown = csv_path;
  if (shown.rfind(data_dir + "/", 0) == 0) shown = "data/" + shown.substr(data_dir.size() + 1);
  data.description = shown + " (sha256 " + Sha256Hex(text).substr(0, 16) + ")";
  std::map<std::string, int> model_index;
  for (size_t line = 1; line < rows.size(); ++line) {
    const auto& row = rows[line];
    auto where = [&] { return csv_path + ":" + std::to_string(line + 1); };
    if (row.size() != rows[0].size()) {
      return Status::Corruption(where() + ": expected " + std::to_string(rows[0].size()) +
                                " fields, got " + std::to_string(row.size()));
    }
    auto get = [&](const char* name) -> const std::string& { return row[col[name]]; };
    Measurement m;
    m.device_id = get("device_id");
    m.compute_unit = get("compute_unit");
    m.runtime = get("runtime");
    m.precision = get("precision");
    m.cluster = get("cluster");
    m.measured_on = get("measured_on");
    m.source = get("source");
    char* end = nullptr;
    m.latency_ms = std::strtod(get("latency_ms").c_str(), &end);
    if (get("latency_ms").empty() || *end != '\0' || !(m.latency_ms > 0) ||
        !std::isfinite(m.latency_ms)) {
      return Status::Corruption(where() + ": latency_ms '" + get("latency_ms") +
                                "' is not a positive number");
    }
    if (!get("threads").empty()) {
      m.threads = static_cast<int>(std::strtol(get("threads").c_str(), &end, 10));
      if (*end != '\0' || m.threads < 1 || m.threads > 1024) {
        return Status::Corruption(where() + ": threads '" + get("threads") +
                                  "' is not a thread count");
      }
    }
    if (BytesPerElement(m.precision) == 0) {
      return Status::Corruption(where() + ": precision '" + m.precision +
                                "' is not fp32, fp16 or int8");
    }
    const std::string& ref = get("model_ref");
    analyzer::ReadOptions options;
    options.zoo.fold_bn = true;  // deployed models have BatchNorm folded
    std::string key = ref, group = ref, path = ref;
    if (analyzer::IsZooReference(ref)) {
      if (!get("width").empty()) options.zoo.width = std::strtod(get("width").c_str(), nullptr);
      if (!get("resolution").empty()) {
        options.zoo.resolution = std::strtoll(get("resolution").c_str(), nullptr, 10);
      }
      key = ref + " w=" + FormatNumber(options.zoo.width) +
            " r=" + std::to_string(options.zoo.resolution);
      group = ref.substr(4);
    } else {
      path = JoinPath(data_dir, ref);
      if (!get("input_shape").empty()) {
        Status s = analyzer::ParseInputShapeFlag(get("input_shape"), &options);
        if (!s.ok()) return s.Annotate(where());
        key += " " + get("input_shape");
      }
      std::string base = ref.substr(ref.find_last_of('/') + 1);
      base = base.substr(0, base.find('.'));
      if (base.size() > 5 && base.ends_with("_int8")) base.resize(base.size() - 5);
      group = "ncnn:" + base;
    }
    auto it = model_index.find(key);
    if (it == model_index.end()) {
      auto model = analyzer::ReadModel(path, options);
      if (!model.ok()) return Status(model.status()).Annotate(where());
      auto analysis = analyzer::Analyze(model->graph);
      if (!analysis.ok()) return Status(analysis.status()).Annotate(where() + ": " + path);
      if (!analysis->totals.complete) {
        return Status::Unsupported(where() + ": " + key +
                                   " has layers mbench cannot count; it cannot calibrate");
      }
      CalibrationModel cm;
      cm.key = key;
      cm.group = group;
      cm.features = PrepareModel(model->graph, *analysis);
      data.models.push_back(std::move(cm));
      it = model_index.emplace(key, static_cast<int>(data.models.size()) - 1).first;
    }
    m.model = it->second;
    data.points.push_back(std::move(m));
  }
  return data;
}

// Stage 4, where a target has kernels timed alone (per-layer timings, one-kernel probes) as well
// as whole models: the factor by which a model's kernels run slower than alone (cold caches
// between layers, the dispatch between them), as the geometric mean ratio over the whole
// models, shrunk toward 1 by a prior as wide as the measurement noise.
template <typename Feats>
void FitModelContext(const CalibrationData& data, const std::vector<int>& points, Feats& feats,
                     KernelParams* params) {
  bool has_parts = false;
  double sum = 0.0;
  int n = 0;
  RateParams rates = ToRates(*params);
  for (int i : points) {
    const Measurement& m = data.points[i];
    if (data.models[m.model].part) {
      has_parts = true;
      continue;
    }
    rates.separate_activations = SeparateActivations(m.compute_unit, m.runtime);
    sum += std::log(m.latency_ms / (PredictSeconds(feats(m.model, m.precision), rates) * 1e3));
    ++n;
  }
  if (!has_parts || n == 0) return;
  // Posterior mean of a normal mean with noise sigma and a prior of the same width around 0.
  const double shrunk = sum / (n + 1.0);
  params->model_context = std::clamp(std::exp(shrunk), 0.5, 2.0);
}

// Stage 3, where a target has kernels timed alone: each one-kernel part's residual against the
// fitted roofline, timed alone (no model context), becomes a sample of the shape correction.
// Memory kernels first: a compute kernel's separate activation pass is priced by the memory
// samples of its op, so its own residual is taken after that (else a pointwise sample from a
// layer with a swish pass would carry the swish's cost into every pointwise kernel).
template <typename Feats>
std::vector<KernelSample> KernelSamplesOf(const CalibrationData& data,
                                          const std::vector<int>& points, Feats& feats,
                                          const KernelParams& params) {
  auto by_kind = [](const KernelSample& a, const KernelSample& b) { return a.kind < b.kind; };
  std::vector<KernelSample> out;
  for (bool memory : {true, false}) {
    std::vector<KernelSample> found;
    for (int i : points) {
      const Measurement& m = data.points[i];
      const CalibrationModel& cm = data.models[m.model];
      if (!cm.part || cm.features.plan.kernels.size() != 1) continue;
      if ((cm.features.plan.kernels[0].cls == KernelClass::kMemory) != memory) continue;
      RateParams r = ToRates(params, SeparateActivations(m.compute_unit, m.runtime));
      r.context = 1.0;
      std::vector<KernelFeatures> f = feats(m.model, m.precision);
      if (!memory) ApplyKernelSamples(cm.features, out, &f, /*kernels=*/false);
      const double s = PredictSeconds(f, r);
      if (!(s > 0)) continue;
      found.push_back({SampleKind(cm.features, 0), cm.features.plan.kernels[0].shape,
                       std::clamp(std::log(m.latency_ms / (s * 1e3)), -3.0, 3.0)});
    }
    out.insert(out.end(), found.begin(), found.end());
    std::stable_sort(out.begin(), out.end(), by_kind);
  }
  return out;
}

StatusOr<FitResult> FitTargets(const CalibrationData& data,
                               const std::vector<DeviceProfile>& devices,
                               const FitOptions& options) {
  std::map<std::string, const DeviceProfile*> device_by_id;
  for (const auto& d : devices) device_by_id[d.id] = &d;
  // Features per model per precision, computed once.
  std::vector<std::array<std::vector<KernelFeatures>, 5>> features(data.models.size());
  auto feats = [&](int model, const std::string& precision) -> const std::vector<KernelFeatures>& {
    int bpe = BytesPerElement(precision);
    auto& slot = features[model][bpe];
    if (slot.empty()) slot = FeaturesAt(data.models[model].features, bpe);
    return slot;
  };

  // Group measurements into targets.
  std::map<std::string, TargetGroup> groups;
  for (size_t i = 0; i < data.points.size(); ++i) {
    const Measurement& m = data.points[i];
    if (!device_by_id.count(m.device_id)) {
      return Status::NotFound("measurement " + std::to_string(i + 1) + " names device '" +
                              m.device_id + "', which has no hardware facts");
    }
    if (options.held_out.count(data.models[m.model].group)) continue;
    std::string key = m.device_id + "|" + m.TargetKey();
    TargetGroup& g = groups[key];
    if (g.points.empty()) {
      g.device_id = m.device_id;
      g.target.compute_unit = m.compute_unit;
      g.target.runtime = m.runtime;
      g.target.precision = m.precision;
      g.target.threads = m.threads;
      g.target.cluster = m.cluster;
    }
    g.points.push_back(static_cast<int>(i));
  }
  std::map<std::string, std::vector<TargetGroup*>> families;
  for (auto& [key, g] : groups) families[FitFamilyOf(g.target)].push_back(&g);

  FitResult result;
  // In-sample sum of squared log residuals and count per interval family.
  std::map<std::string, std::pair<double, int>> family_ss;
  for (auto& family_members : families) {
    // Not a structured binding: the fit's lambdas capture `members` (clang 14 cannot capture
    // bindings; it builds the fuzz harnesses).
    const auto& family = family_members.first;
    auto& members = family_members.second;
    // Generic start: every MAC class at the family's median achieved MAC rate, memory terms at
    // a third of the devices' median DRAM bandwidth, 10 us per kernel.
    std::vector<double> rates, bws;
    for (const TargetGroup* g : members) {
      for (int i : g->points) {
        const Measurement& m = data.points[i];
        double macs = 0.0;
        for (const auto& k : data.models[m.model].features.plan.kernels) macs += k.macs;
        rates.push_back(macs / (m.latency_ms * 1e-3));
      }
      bws.push_back(device_by_id[g->device_id]->memory_bandwidth_gbps * 1e9);
    }
    std::nth_element(rates.begin(), rates.begin() + rates.size() / 2, rates.end());
    std::nth_element(bws.begin(), bws.begin() + bws.size() / 2, bws.end());
    Theta start;
    for (int i = 0; i < kNumMacClasses; ++i) start[i] = std::log(rates[rates.size() / 2]);
    start[kMemoryOp] = std::log(bws[bws.size() / 2] / 3.0);
    start[kBandwidth] = std::log(bws[bws.size() / 2] / 3.0);
    start[kOverhead] = std::log(10e-6);

    // Stage 1: shared shape + one speed per target. A family measured on few architectures
    // keeps its shape near the generic start: leave-one-architecture-out, a free shape fitted to
    // the 4-8 networks an NPU family has predicts the next network worse (NPU fp16 within 25%:
    // 17% free, 50% held near the start).
    std::set<std::string> architectures;
    for (const TargetGroup* g : members) {
      for (int i : g->points) architectures.insert(data.models[data.points[i].model].group);
    }
    const double shape_sigma = static_cast<int>(architectures.size()) < kFreeShapeArchitectures
                                   ? kFewArchitecturesShapeSigma
                                   : options.family_prior_sigma;
    const int T = static_cast<int>(members.size());
    double smooth = 0.0;
    Problem fam;
    fam.num_params = kNumParams + T;
    fam.eval = [&](const std::vector<double>& x, std::vector<double>* r, std::vector<double>* J) {
      r->clear();
      J->clear();
      const int n = fam.num_params;
      for (int t = 0; t < T; ++t) {
        Theta th;
        for (int j = 0; j < kNumParams; ++j) th[j] = x[j] + x[kNumParams + t] * kScaleDirection[j];
        for (int i : members[t]->points) {
          const Measurement& m = data.points[i];
          Theta g;
          double s =
              PredictWithGradient(feats(m.model, m.precision), th,
                                  SeparateActivations(m.compute_unit, m.runtime), &g, smooth);
          r->push_back(std::log(s * 1e3 / m.latency_ms) / options.noise_sigma);
          size_t row = J->size();
          J->resize(row + n, 0.0);
          double ds = 0.0;
          for (int j = 0; j < kNumParams; ++j) {
            (*J)[row + j] = g[j] / options.noise_sigma;
            ds += g[j] * kScaleDirection[j];
          }
          (*J)[row + kNumParams + t] = ds / options.noise_sigma;
        }
      }
      for (int j = 0; j < n; ++j) {
        size_t row = J->size();
        J->resize(row + n, 0.0);
        double sigma = j < kNumParams ? shape_sigma : kScalePriorSigma;
        double center = j < kNumParams ? start[j] : 0.0;
        r->push_back((x[j] - center) / sigma);
        (*J)[row + j] = 1.0 / sigma;
      }
    };
    std::vector<double> x(fam.num_params, 0.0);
    for (int j = 0; j < kNumParams; ++j) x[j] = start[j];
    // Continuation from a smooth roofline to the exact one.
    for (double p : kSmoothing) {
      smooth = p;
      Minimize(fam, &x);
    }

    // Stage 2: each target's own shape, kept near the family's by the prior.
    for (int t = 0; t < T; ++t) {
      TargetGroup* g = members[t];
      Theta base;
      for (int j = 0; j < kNumParams; ++j) base[j] = x[j] + x[kNumParams + t] * kScaleDirection[j];
      Problem tp;
      tp.num_params = kNumParams;
      tp.eval = [&](const std::vector<double>& y, std::vector<double>* r, std::vector<double>* J) {
        r->clear();
        J->clear();
        Theta th;
        for (int j = 0; j < kNumParams; ++j) th[j] = base[j] + y[j];
        for (int i : g->points) {
          const Measurement& m = data.points[i];
          Theta gr;
          double s =
              PredictWithGradient(feats(m.model, m.precision), th,
                                  SeparateActivations(m.compute_unit, m.runtime), &gr, smooth);
          r->push_back(std::log(s * 1e3 / m.latency_ms) / options.noise_sigma);
          for (int j = 0; j < kNumParams; ++j) J->push_back(gr[j] / options.noise_sigma);
        }
        for (int j = 0; j < kNumParams; ++j) {
          r->push_back(y[j] / options.target_prior_sigma);
          for (int k = 0; k < kNumParams; ++k)
            J->push_back(k == j ? 1.0 / options.target_prior_sigma : 0.0);
        }
      };
      std::vector<double> y(kNumParams, 0.0);
      for (double p : kSmoothing) {
        smooth = p;
        Minimize(tp, &y);
      }
      Theta th;
      for (int j = 0; j < kNumParams; ++j) th[j] = base[j] + y[j];

      FittedTarget ft;
      ft.device_id = g->device_id;
      ft.target = g->target;
      ft.target.op_set = GetRuntimeInfo(ApiForTarget(g->target.compute_unit, g->target.runtime)).id;
      // Tensors the target computes in, plus the float32 it reads and writes at its boundary.
      ft.target.dtypes = {g->target.precision == "fp32"   ? "float32"
                          : g->target.precision == "fp16" ? "float16"
                                                          : "int8"};
      if (g->target.precision != "fp32") ft.target.dtypes.push_back("float32");
      ft.target.params = ParamsOf(th);
      ft.target.kernel_samples = KernelSamplesOf(data, g->points, feats, ft.target.params);
      // Features with the shape correction; the rate fit above ran without it.
      const auto& samples = ft.target.kernel_samples;
      auto corrected = [&](int model, const std::string& precision) {
        std::vector<KernelFeatures> f = feats(model, precision);
        ApplyKernelSamples(data.models[model].features, samples, &f);
        return f;
      };
      FitModelContext(data, g->points, corrected, &ft.target.params);
      ft.points = g->points;
      double ss = 0.0;
      std::set<std::string> models, sources;
      int parts = 0;
      for (int i : g->points) {
        const Measurement& m = data.points[i];
        RateParams point_rates =
            ToRates(ft.target.params, SeparateActivations(m.compute_unit, m.runtime));
        if (data.models[m.model].part) point_rates.context = 1.0;  // timed alone
        double s = PredictSeconds(corrected(m.model, m.precision), point_rates);
        double lr = std::log(s * 1e3 / m.latency_ms);
        ss += lr * lr;
        if (!data.models[m.model].part) models.insert(data.models[m.model].key);
        parts += data.models[m.model].part;
        sources.insert(m.source.substr(0, m.source.find(" line ")));
      }
      family_ss[FamilyOf(g->target)].first += ss;
      family_ss[FamilyOf(g->target)].second += static_cast<int>(g->points.size());
      auto& cal = ft.target.calibration;
      cal.points = static_cast<int>(g->points.size());
      cal.rms_log_residual = std::sqrt(ss / g->points.size());
      cal.models.assign(models.begin(), models.end());
      cal.sources.assign(sources.begin(), sources.end());
      cal.date = options.date;
      cal.data = data.description;
      char method[256];
      std::snprintf(method, sizeof(method),
                    "roofline fit to %d whole-model latencies; family prior %s (%d targets)",
                    cal.points - parts, family.c_str(), T);
      cal.method = method;
      if (!samples.empty()) {
        cal.method += " and " + std::to_string(parts) + " kernels timed alone, " +
                      std::to_string(samples.size()) + " of them shape-correction samples";
      }
      result.targets.push_back(std::move(ft));
    }
  }
  for (const auto& [name, ss_n] : family_ss) {
    result.family_rms[name] = ss_n.second > 0 ? std::sqrt(ss_n.first / ss_n.second) : 0.0;
  }
  std::sort(result.targets.begin(), result.targets.end(),
            [](const FittedTarget& a, const FittedTarget& b) {
              return std::make_pair(a.device_id, a.target.Key()) <
                     std::make_pair(b.device_id, b.target.Key());
            });
  return result;
}

namespace {

// The 90% two-sided normal quantile; intervals are p * exp(+-z * sigma).
constexpr double kZ90 = 1.6449;
// Below this, a spread is not credible: the same model on two phones with the same SoC differs
// by about 5% (AI Benchmark's three Kirin 970 phones: 130, 133, 140 ms).
constexpr double kSigmaFloor = 0.05;

// Interval half-width for a target fitted in-sample: its residual spread, or its family's when
// it has too few points to estimate its own, inflated for the parameters the fit used.
double InSampleHalfwidth(const FittedTarget& t, const FitResult& fit) {
  double own = t.target.calibration.rms_log_residual;
  int n = t.target.calibration.points;
  double fam = fit.family_rms.at(FamilyOf(t.target));
  double sigma = n >= 8 ? own * std::sqrt(static_cast<double>(n) / (n - 2)) : std::max(own, fam);
  return kZ90 * std::max(kSigmaFloor, sigma);
}

// Half-width of a target's 90% interval from held-out log residuals: its own spread when it
// has 8 or more of them, never less than its family's when it has fewer; floored.
double HeldOutHalfwidth(double own_rms, size_t own_n, double family_rms) {
  const double sigma = own_n >= 8 ? own_rms : std::max(own_rms, family_rms);
  return kZ90 * std::max(kSigmaFloor, sigma);
}

}  // namespace

StatusOr<CvResult> CrossValidate(const CalibrationData& data,
                                 const std::vector<DeviceProfile>& devices,
                                 const FitOptions& base_options) {
  std::set<std::string> groups;
  for (const auto& m : data.models) groups.insert(m.group);
  CvResult cv;
  int done = 0;
  for (const std::string& g : groups) {
    if (base_options.progress) base_options.progress(done++, static_cast<int>(groups.size()));
    FitOptions options = base_options;
    options.held_out = {g};
    MBENCH_ASSIGN_OR_RETURN(FitResult fit, FitTargets(data, devices, options));
    std::map<std::string, const FittedTarget*> by_key;
    for (const auto& t : fit.targets) by_key[t.device_id + "|" + t.target.Key()] = &t;
    for (size_t i = 0; i < data.points.size(); ++i) {
      const Measurement& m = data.points[i];
      if (data.models[m.model].group != g) continue;
      auto it = by_key.find(m.device_id + "|" + m.TargetKey());
      if (it == by_key.end()) {
        ++cv.unpredictable;
        continue;
      }
      const FittedTarget& t = *it->second;
      double ms = PredictSeconds(TargetFeatures(data.models[m.model].features, t.target),
                                 ToRates(t.target.params, SeparateActivations(t.target.compute_unit,
                                                                              t.target.runtime))) *
                  1e3;
      double h = InSampleHalfwidth(t, fit);
      cv.rows.push_back({static_cast<int>(i), m.device_id, m.TargetKey(), m.latency_ms, ms,
                         ms * std::exp(-h), ms * std::exp(h)});
    }
  }
  std::sort(cv.rows.begin(), cv.rows.end(),
            [](const CvPoint& a, const CvPoint& b) { return a.point < b.point; });
  // Intervals as the shipped profiles build them (ApplyFit: from held-out residuals, not the
  // fit's own), each from the held-out residuals of the other architectures only, so that no
  // row's interval has seen its own error (jackknife+).
  std::map<std::string, std::vector<std::pair<std::string, double>>> by_target, by_family;
  for (const auto& r : cv.rows) {
    const Measurement& m = data.points[r.point];
    const std::string& group = data.models[m.model].group;
    const double lr = std::log(r.predicted_ms / r.measured_ms);
    by_target[r.device_id + "|" + r.target_key].emplace_back(group, lr);
    by_family[FamilyOf(m.compute_unit, m.precision)].emplace_back(group, lr);
  }
  auto rms_without = [](const std::vector<std::pair<std::string, double>>& v,
                        const std::string& group, int* n) {
    double ss = 0.0;
    *n = 0;
    for (const auto& [g, lr] : v) {
      if (g == group) continue;
      ss += lr * lr;
      ++*n;
    }
    return *n > 0 ? std::sqrt(ss / *n) : 0.0;
  };
  for (auto& r : cv.rows) {
    const Measurement& m = data.points[r.point];
    const std::string& group = data.models[m.model].group;
    int own_n = 0, fam_n = 0;
    const double own = rms_without(by_target[r.device_id + "|" + r.target_key], group, &own_n);
    const double fam = rms_without(by_family[FamilyOf(m.compute_unit, m.precision)], group, &fam_n);
    if (own_n == 0 && fam_n == 0) continue;  // nothing else to judge by: the in-sample interval
    const double h = HeldOutHalfwidth(own, static_cast<size_t>(own_n), fam);
    r.low_ms = r.predicted_ms * std::exp(-h);
    r.high_ms = r.predicted_ms * std::exp(h);
  }
  return cv;
}

// Every whole-model row predicted again from the rows of the same model on other targets
// (their held-out predictions: the architecture stays out of every fit). Rows of a model
// measured on one target only are dropped and counted.
std::vector<CvPoint> AnchorRows(const CalibrationData& data, const std::vector<CvPoint>& rows,
                                int* unanchored) {
  auto model_key = [&](const CvPoint& r) -> const std::string& {
    return data.models[data.points[r.point].model].key;
  };
  auto whole = [&](const CvPoint& r) { return !data.models[data.points[r.point].model].part; };
  std::map<std::string, ModelResiduals> residuals;  // per device|target
  {
    std::map<std::string, std::map<std::string, std::pair<double, int>>> sums;
    for (const auto& r : rows) {
      if (!whole(r)) continue;
      auto& [sum, n] = sums[r.device_id + "|" + r.target_key][model_key(r)];
      sum += std::log(r.predicted_ms / r.measured_ms);
      ++n;
    }
    for (const auto& [target, models] : sums) {
      for (const auto& [model, sum_n] : models) {
        residuals[target].emplace_back(model, sum_n.first / sum_n.second);
      }
    }
  }
  std::map<std::string, std::vector<const CvPoint*>> by_model;
  for (const auto& r : rows) {
    if (whole(r)) by_model[model_key(r)].push_back(&r);
  }
  std::vector<CvPoint> out;
  for (const auto& r : rows) {
    if (!whole(r)) continue;
    const std::string target = r.device_id + "|" + r.target_key;
    std::vector<AnchorPoint> anchors;
    for (const CvPoint* a : by_model[model_key(r)]) {
      const std::string at = a->device_id + "|" + a->target_key;
      if (at == target) continue;
      anchors.push_back(
          {at, a->measured_ms, a->predicted_ms, &residuals[at], a->device_id, a->target_key});
    }
    const AnchoredPrediction p = Anchor(r.predicted_ms, residuals[target], anchors, model_key(r));
    if (p.anchors == 0) {
      ++*unanchored;
      continue;
    }
    CvPoint anchored = r;
    anchored.predicted_ms = p.ms;
    anchored.low_ms = p.low_ms;
    anchored.high_ms = p.high_ms;
    out.push_back(anchored);
  }
  return out;
}

Accuracy Summarize(const std::vector<CvPoint>& rows) {
  Accuracy a;
  a.n = static_cast<int>(rows.size());
  if (a.n == 0) return a;
  double ape = 0.0;
  int w10 = 0, w25 = 0, cov = 0;
  for (const auto& r : rows) {
    double e = std::abs(r.predicted_ms - r.measured_ms) / r.measured_ms;
    ape += e;
    w10 += e <= 0.10;
    w25 += e <= 0.25;
    cov += r.measured_ms >= r.low_ms && r.measured_ms <= r.high_ms;
  }
  a.mape_pct = 100.0 * ape / a.n;
  a.within10_pct = 100.0 * w10 / a.n;
  a.within25_pct = 100.0 * w25 / a.n;
  a.coverage_pct = 100.0 * cov / a.n;
  return a;
}

void ApplyFit(const FitResult& fit, const CvResult& cv, const CalibrationData& data,
              std::vector<DeviceProfile>* devices) {
  // Cross-validated log residuals per target and per family.
  std::map<std::string, std::vector<double>> cv_by_target, cv_by_family;
  std::map<std::string, std::vector<double>> ape_by_target, ape_by_family;
  // Per target, per whole model: the held-out residuals (averaged when measured twice).
  std::map<std::string, std::map<std::string, std::pair<double, int>>> by_model;
  for (const auto& r : cv.rows) {
    double lr = std::log(r.predicted_ms / r.measured_ms);
    const CalibrationModel& model = data.models[data.points[r.point].model];
    if (!model.part) {
      auto& [sum, n] = by_model[r.device_id + "|" + r.target_key][model.key];
      sum += lr;
      ++n;
    }
    cv_by_target[r.device_id + "|" + r.target_key].push_back(lr);
    ape_by_target[r.device_id + "|" + r.target_key].push_back(
        std::abs(r.predicted_ms - r.measured_ms) / r.measured_ms);
  }
  for (const auto& t : fit.targets) {
    auto it = cv_by_target.find(t.device_id + "|" + t.target.Key());
    if (it == cv_by_target.end()) continue;
    auto& fam = cv_by_family[FamilyOf(t.target)];
    fam.insert(fam.end(), it->second.begin(), it->second.end());
    const auto& apes = ape_by_target[t.device_id + "|" + t.target.Key()];
    auto& fam_ape = ape_by_family[FamilyOf(t.target)];
    fam_ape.insert(fam_ape.end(), apes.begin(), apes.end());
  }
  auto rms = [](const std::vector<double>& v) {
    if (v.empty()) return 0.0;
    double s = 0.0;
    for (double x : v) s += x * x;
    return std::sqrt(s / v.size());
  };
  for (auto& d : *devices) {
    d.targets.clear();
    for (const auto& t : fit.targets) {
      if (t.device_id != d.id) continue;
      Target target = t.target;
      auto& cal = target.calibration;
      std::string key = t.device_id + "|" + target.Key();
      const auto& own = cv_by_target[key];
      double fam_rms = rms(cv_by_family[FamilyOf(target)]);
      cal.cv_points = static_cast<int>(own.size());
      cal.cv_rms_log_residual = own.empty() ? fam_rms : rms(own);
      const std::vector<double>* apes = &ape_by_target[key];
      if (apes->empty()) apes = &ape_by_family[FamilyOf(target)];
      cal.cv_mape_pct =
          apes->empty() ? 0.0
                        : 100.0 * std::accumulate(apes->begin(), apes->end(), 0.0) / apes->size();
      cal.interval_log_halfwidth = HeldOutHalfwidth(rms(own), own.size(), fam_rms);
      cal.cv_residuals.clear();
      for (const auto& [model, sum_n] : by_model[key]) {
        cal.cv_residuals.emplace_back(model, sum_n.first / sum_n.second);
      }
      d.targets.push_back(std::move(target));
    }
  }
}

}  // namespace mbench::estimator
