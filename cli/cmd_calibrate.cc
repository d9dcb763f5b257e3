// `mbench calibrate`: measures this machine with the runner and fits its profile.
// `mbench refine`: refits a device's profile from the runs stored for it.
//
// Both store what they measure and fit in the results database; the fit itself is the one
// fit-profiles uses for the published data (estimator/calibration.h), fed with whole-model
// latencies and per-kernel timings.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analyzer/graph_builder.h"
#include "analyzer/onnx_writer.h"
#include "cli/commands.h"
#include "cli/db_support.h"
#include "core/env.h"
#include "runner/measure.h"
#include "runner/plan.h"

namespace mbench::cli {
namespace {

using analyzer::GraphBuilder;
using analyzer::OpKind;
using analyzer::Shape;
using analyzer::TensorId;

std::string Today() { return db::NowUtc().substr(0, 10); }  // YYYY-MM-DD

// ---- Probes: one-kernel models covering the shapes mobile networks use ----------------------

struct Probe {
  std::string name;
  std::function<TensorId(GraphBuilder&)> build;  // returns the output
};

std::vector<Probe> Probes() {
  std::vector<Probe> p;
  auto conv = [&p](int64_t cin, int64_t cout, int64_t hw, int64_t k, int64_t s) {
    p.push_back({"conv" + std::to_string(k) + "x" + std::to_string(k) + "_s" + std::to_string(s) +
                     "_" + std::to_string(hw) + "_" + std::to_string(cin) + "_" + std::to_string(cout),
                 [=](GraphBuilder& b) {
                   TensorId x = b.Input("x", {1, cin, hw, hw});
                   return b.Act(b.Conv(x, cout, k, s, -1, 1, true), OpKind::kRelu);
                 }});
  };
  auto dw = [&p](int64_t c, int64_t hw, int64_t k, int64_t s) {
    p.push_back({"dw" + std::to_string(k) + "x" + std::to_string(k) + "_s" + std::to_string(s) +
                     "_" + std::to_string(hw) + "_" + std::to_string(c),
                 [=](GraphBuilder& b) {
                   TensorId x = b.Input("x", {1, c, hw, hw});
                   return b.Act(b.Conv(x, c, k, s, -1, c, true), OpKind::kRelu);
                 }});
  };
  // Stems and dense 3x3 bodies (ResNet, VGG, detection heads).
  conv(3, 32, 224, 3, 2);
  conv(3, 16, 224, 3, 2);
  conv(3, 64, 224, 7, 2);
  conv(16, 16, 112, 3, 1);
  conv(32, 32, 56, 3, 1);
  conv(64, 64, 56, 3, 1);
  conv(128, 128, 28, 3, 1);
  conv(256, 256, 14, 3, 1);
  conv(512, 512, 7, 3, 1);
  // More 3x3 stride-1 bodies around where the runner switches between Winograd and the direct
  // GEMM (runner/kernels/winograd.h: 8+ input channels; 512 -> 512 at 7x7 stays direct): 4 and 8
  // input channels, 24-96 channels at mid resolutions (detection and OCR backbones), 256 at 7x7.
  conv(4, 32, 112, 3, 1);
  conv(8, 32, 112, 3, 1);
  conv(24, 48, 56, 3, 1);
  conv(48, 96, 40, 3, 1);
  conv(96, 96, 20, 3, 1);
  conv(256, 256, 7, 3, 1);
  conv(64, 128, 56, 3, 2);
  conv(128, 256, 28, 3, 2);
  conv(256, 512, 14, 3, 2);
  conv(96, 96, 28, 5, 1);
  // Pointwise expansions and projections (MobileNet, EfficientNet, ResNet bottlenecks).
  for (auto [cin, cout, hw] : std::vector<std::array<int64_t, 3>>{
           {32, 16, 112}, {16, 96, 112}, {24, 144, 56}, {144, 24, 56}, {32, 192, 28},
           {192, 32, 28}, {64, 384, 14}, {384, 64, 14}, {96, 576, 14}, {576, 96, 14},
           {160, 960, 7}, {960, 160, 7}, {320, 1280, 7}, {64, 256, 56}, {256, 64, 56},
           {512, 2048, 7}, {1024, 256, 14}, {128, 128, 28}, {8, 8, 56}}) {
    conv(cin, cout, hw, 1, 1);
  }
  // Depthwise: every kernel size mobile networks use, at both strides, over the channel counts
  // each resolution of an inverted-residual pyramid carries. Kernel size matters more than the
  // MAC count says (runtimes have one kernel per window size, or none: Debian's XNNPACK falls
  // back to a grouped GEMM over 25 taps, which the runner replaces with its own kernel).
  const std::vector<std::pair<int64_t, std::vector<int64_t>>> pyramid = {
      {112, {16, 32, 96}}, {56, {48, 96, 144}}, {28, {96, 144, 240}},
      {14, {192, 480, 576}}, {7, {576, 960, 1152}}};
  for (int64_t k : {3, 5, 7}) {
    for (const auto& [hw, channels] : pyramid) {
      for (int64_t c : channels) {
        dw(c, hw, k, 1);
        if (hw > 7) dw(c, hw, k, 2);
      }
    }
  }
  // Narrow layers at high resolution (MediaPipe's pose and segmentation decoders run 8 channels
  // at 256x256): vector lanes go half empty.
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{{8, 256}, {8, 128}, {16, 128}, {8, 64}}) {
    dw(c, hw, 3, 1);
    conv(c, c, hw, 1, 1);
  }
  // Output heads with one to four channels (segmentation masks, heatmaps, box regressors).
  for (auto [cin, cout, hw] : std::vector<std::array<int64_t, 3>>{
           {8, 1, 256}, {16, 1, 128}, {32, 2, 64}, {64, 4, 32}, {96, 1, 16}}) {
    conv(cin, cout, hw, 3, 1);
    conv(cin, cout, hw, 1, 1);
  }
  // Pointwise sweep: at each resolution, its typical widths kept, tripled, widened six-fold
  // (inverted-residual expansions) and projected back.
  const std::vector<std::pair<int64_t, std::vector<int64_t>>> widths = {
      {112, {16, 32}}, {56, {24, 64}}, {28, {40, 128}}, {14, {80, 112, 256}}, {7, {160, 512}}};
  for (const auto& [hw, bases] : widths) {
    for (int64_t c : bases) {
      for (auto [cin, cout] : std::vector<std::pair<int64_t, int64_t>>{
               {c, c}, {c, 3 * c}, {3 * c, c}, {c, 6 * c}, {6 * c, c}}) {
        conv(cin, cout, hw, 1, 1);
      }
    }
  }
  // Grouped convolutions, which XNNPACK runs as one small GEMM per group: ResNeXt's and RegNet's
  // 3x3 groups of 4 to 16 channels over the pyramid, at both strides, and ShuffleNetV1's grouped
  // 1x1 expansions and projections.
  auto gconv = [&](int64_t cin, int64_t cout, int64_t hw, int64_t k, int64_t s, int64_t groups) {
    p.push_back({"gconv" + std::to_string(k) + "x" + std::to_string(k) + "_s" + std::to_string(s) +
                     "_g" + std::to_string(groups) + "_" + std::to_string(hw) + "_" +
                     std::to_string(cin) + "_" + std::to_string(cout),
                 [=](GraphBuilder& b) {
                   TensorId x = b.Input("x", {1, cin, hw, hw});
                   return b.Act(b.Conv(x, cout, k, s, -1, groups, true), OpKind::kRelu);
                 }});
  };
  for (int64_t per_group : {4, 8, 16}) {
    for (auto [hw, c] : std::vector<std::array<int64_t, 2>>{{56, 128}, {28, 256}, {14, 512},
                                                            {7, 1024}}) {
      gconv(c, c, hw, 3, 1, c / per_group);
      if (hw > 7) gconv(c, c, hw, 3, 2, c / per_group);
    }
  }
  for (auto [cin, cout, hw] : std::vector<std::array<int64_t, 3>>{
           {240, 240, 28}, {240, 60, 28}, {60, 240, 28}, {480, 480, 14}, {480, 120, 14},
           {120, 480, 14}, {960, 240, 7}, {240, 960, 7}}) {
    gconv(cin, cout, hw, 1, 1, 3);
  }
  // Fully connected heads and transformer-sized matmuls.
  for (auto [cin, cout] : std::vector<std::array<int64_t, 2>>{
           {1280, 1000}, {1024, 1000}, {512, 1000}, {2048, 1000}, {960, 1280}, {192, 768}}) {
    p.push_back({"fc_" + std::to_string(cin) + "_" + std::to_string(cout), [=](GraphBuilder& b) {
                   return b.Linear(b.Input("x", {1, cin}), cout);
                 }});
  }
  // Token-wise linear layers: ViT-Tiny's q/k/v/out projections and MLP (197 tokens, 192 <->
  // 768) and MobileViT-S's at its first transformer stage (4 x 256 tokens, 144 <-> 288).
  for (auto [rows, cin, cout] : std::vector<std::array<int64_t, 3>>{
           {197, 192, 768}, {197, 768, 192}, {197, 192, 192}, {1024, 144, 144},
           {1024, 144, 288}, {1024, 288, 144}}) {
    p.push_back({"matmul_" + std::to_string(rows) + "_" + std::to_string(cin) + "_" +
                     std::to_string(cout),
                 [=](GraphBuilder& b) { return b.Linear(b.Input("x", {1, rows, cin}), cout); }});
  }
  // Attention (ViT-Tiny: 3 heads of 64 over 197 tokens; MobileViT-S: 4 patch positions x 4
  // heads of 36 over 256 tokens): the products of two activations, the softmax over the
  // scores, the layer norms and the head-splitting transposes around them.
  auto bmm = [&p](const std::string& name, Shape a, Shape b) {
    p.push_back({name, [=](GraphBuilder& g) { return g.MatMul(g.Input("a", a), g.Input("b", b)); }});
  };
  bmm("attn_qk_3_197_64", {1, 3, 197, 64}, {1, 3, 64, 197});
  bmm("attn_av_3_197_64", {1, 3, 197, 197}, {1, 3, 197, 64});
  bmm("attn_qk_16_256_36", {4, 4, 256, 36}, {4, 4, 36, 256});
  bmm("attn_av_16_256_36", {4, 4, 256, 256}, {4, 4, 256, 36});
  for (Shape s : std::vector<Shape>{{1, 3, 197, 197}, {4, 4, 256, 256}}) {
    p.push_back({"softmax_" + std::to_string(s[0] * s[1]) + "x" + std::to_string(s[2]) + "x" +
                     std::to_string(s[3]),
                 [=](GraphBuilder& b) { return b.Softmax(b.Input("x", s)); }});
  }
  for (Shape s : std::vector<Shape>{{1, 197, 192}, {4, 256, 144}, {4, 64, 192}}) {
    p.push_back({"layernorm_" + std::to_string(s[0] * s[1]) + "_" + std::to_string(s[2]),
                 [=](GraphBuilder& b) { return b.LayerNorm(b.Input("x", s)); }});
  }
  // Transposes of token tensors: splitting heads (runs of 64 copied), the keys' transpose
  // (a gather) and patches to tokens. Unlike the NCHW -> NHWC probes below, they run in the
  // model's order: the heads come from a reshape of tokens, as in a model (a 4-D input would
  // be stored as an image).
  auto heads = [](GraphBuilder& b) {
    return b.Reshape(b.Input("x", {1, 197, 192}), {1, 197, 3, 64});
  };
  p.push_back({"heads_197_3_64", [heads](GraphBuilder& b) {
                 return b.Transpose(heads(b), {0, 2, 1, 3});
               }});
  p.push_back({"keys_197_3_64", [heads](GraphBuilder& b) {
                 return b.Transpose(heads(b), {0, 2, 3, 1});
               }});
  p.push_back({"tokens_192_196", [](GraphBuilder& b) {
                 return b.Transpose(b.Input("x", {1, 192, 196}), {0, 2, 1});
               }});
  // Pooling, element-wise and data movement.
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{{64, 112}, {96, 56}}) {
    p.push_back({"maxpool3x3_s2_" + std::to_string(hw) + "_" + std::to_string(c),
                 [=](GraphBuilder& b) { return b.MaxPool(b.Input("x", {1, c, hw, hw}), 3, 2, 1); }});
  }
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{{1280, 7}, {2048, 7}, {576, 14}}) {
    p.push_back({"gap_" + std::to_string(hw) + "_" + std::to_string(c),
                 [=](GraphBuilder& b) { return b.GlobalAvgPool(b.Input("x", {1, c, hw, hw})); }});
  }
  // Element-wise ops from cache-sized tensors up to ones that live in DRAM (a 640x640 detector's
  // 320x320 maps: 13 MB each), where a byte costs several times more.
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{
           {24, 56}, {64, 56}, {96, 14}, {256, 56}, {96, 160}, {32, 320}}) {
    p.push_back({"add_" + std::to_string(hw) + "_" + std::to_string(c), [=](GraphBuilder& b) {
                   return b.Add(b.Input("a", {1, c, hw, hw}), b.Input("b", {1, c, hw, hw}));
                 }});
  }
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{{32, 112}, {96, 160}, {32, 320}}) {
    p.push_back({"mul_" + std::to_string(hw) + "_" + std::to_string(c), [=](GraphBuilder& b) {
                   return b.Mul(b.Input("a", {1, c, hw, hw}), b.Input("b", {1, c, hw, hw}));
                 }});
    p.push_back({"se_mul_" + std::to_string(hw) + "_" + std::to_string(c), [=](GraphBuilder& b) {
                   return b.Mul(b.Input("x", {1, c, hw, hw}), b.Input("g", {1, c, 1, 1}));
                 }});
  }
  // Transposed convolutions: the 2x2 stride-2 upsampling of segmentation and text-detection
  // decoders, down to a one-channel mask.
  for (auto [cin, cout, hw] : std::vector<std::array<int64_t, 3>>{
           {24, 24, 160}, {24, 1, 320}, {64, 32, 56}, {16, 1, 128}}) {
    p.push_back({"deconv2x2_s2_" + std::to_string(hw) + "_" + std::to_string(cin) + "_" +
                     std::to_string(cout),
                 [=](GraphBuilder& b) {
                   return b.ConvTranspose(b.Input("x", {1, cin, hw, hw}), cout, 2, 2, true);
                 }});
  }
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{{16, 112}, {240, 28}}) {
    p.push_back({"hardswish_" + std::to_string(hw) + "_" + std::to_string(c), [=](GraphBuilder& b) {
                   return b.Act(b.Input("x", {1, c, hw, hw}), OpKind::kHardSwish);
                 }});
  }
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{{32, 112}, {240, 28}}) {
    p.push_back({"swish_" + std::to_string(hw) + "_" + std::to_string(c), [=](GraphBuilder& b) {
                   return b.Act(b.Input("x", {1, c, hw, hw}), OpKind::kSwish);
                 }});
  }
  p.push_back({"se_mul_28_240", [](GraphBuilder& b) {
                 return b.Mul(b.Input("x", {1, 240, 28, 28}), b.Input("g", {1, 240, 1, 1}));
               }});
  p.push_back({"concat_28_2x128", [](GraphBuilder& b) {
                 return b.Concat({b.Input("a", {1, 128, 28, 28}), b.Input("b", {1, 128, 28, 28})});
               }});
  // Upsampling in decoders and feature pyramids, both interpolations.
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{{8, 128}, {32, 64}, {96, 28}, {256, 14}}) {
    for (const char* mode : {"linear", "nearest"}) {
      p.push_back({std::string("resize_") + mode + "_" + std::to_string(hw) + "x2_" +
                       std::to_string(c),
                   [=](GraphBuilder& b) {
                     return b.Resize(b.Input("x", {1, c, hw, hw}), 2 * hw, 2 * hw, mode);
                   }});
    }
  }
  // Data movement that detection and shuffle networks are made of: BlazeFace's channel padding,
  // the NCHW -> NHWC transposes of its heads, ShuffleNet's uneven concatenations. They run far
  // from the copy bandwidth, each in its own way. (A channel shuffle written to ONNX becomes a
  // 5-D transpose, not the shuffle kernel the zoo's models run, so it has no probe.)
  for (auto [c, extra, hw] : std::vector<std::array<int64_t, 3>>{
           {24, 4, 64}, {28, 4, 32}, {48, 8, 16}, {96, 32, 8}}) {
    p.push_back({"padc_" + std::to_string(hw) + "_" + std::to_string(c) + "+" +
                     std::to_string(extra),
                 [=](GraphBuilder& b) { return b.PadChannels(b.Input("x", {1, c, hw, hw}), extra); }});
  }
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{{32, 16}, {96, 8}, {64, 56}, {256, 14}}) {
    p.push_back({"to_nhwc_" + std::to_string(hw) + "_" + std::to_string(c), [=](GraphBuilder& b) {
                   return b.Transpose(b.Input("x", {1, c, hw, hw}), {0, 2, 3, 1});
                 }});
  }
  for (auto [c0, c1, hw] : std::vector<std::array<int64_t, 3>>{{24, 216, 28}, {240, 240, 14},
                                                               {58, 58, 28}, {256, 32, 7}}) {
    p.push_back({"concat_" + std::to_string(hw) + "_" + std::to_string(c0) + "+" +
                     std::to_string(c1),
                 [=](GraphBuilder& b) {
                   return b.Concat({b.Input("a", {1, c0, hw, hw}), b.Input("b", {1, c1, hw, hw})});
                 }});
  }
  // The sweeps overlap the hand-picked shapes; measure each shape once.
  std::set<std::string> seen;
  std::vector<Probe> unique;
  for (auto& probe : p) {
    if (seen.insert(probe.name).second) unique.push_back(std::move(probe));
  }
  return unique;
}

// Writes every probe as ONNX into `dir` (deterministic weights, so the files and their sha256
// are the same on every run) and returns their paths.
StatusOr<std::vector<std::string>> WriteProbes(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(dir + ": cannot create the probe directory: " + ec.message());
  std::vector<std::string> paths;
  for (const Probe& probe : Probes()) {
    GraphBuilder b;
    TensorId out = probe.build(b);
    MBENCH_ASSIGN_OR_RETURN(analyzer::Graph g, b.Finish({out}, "onnx"));
    const std::string path = JoinPath(dir, "probe_" + probe.name + ".onnx");
    MBENCH_RETURN_IF_ERROR(analyzer::WriteOnnxModel(g, path));
    paths.push_back(path);
  }
  return paths;
}

// ---- Hardware facts of this machine ---------------------------------------------------------

// Copy bandwidth (bytes read + written per second) of 64 MiB buffers, best of 5: the DRAM
// bandwidth a single thread sees, which bounds memory-bound kernels.
double MeasureCopyBandwidthGbps() {
  const size_t bytes = size_t{64} << 20;
  std::vector<char> a(bytes, 1), b(bytes, 2);
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    auto t = std::chrono::steady_clock::now();
    std::memcpy(b.data(), a.data(), bytes);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
    a[static_cast<size_t>(i)] = b[bytes - 1 - static_cast<size_t>(i)];  // keep the copies observable
  }
  return 2.0 * bytes / best / 1e9;
}

// The CPU clock in GHz from sysfs (max) or /proc/cpuinfo ("cpu MHz"); 0 when neither says.
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
      if (colon != std::string::npos) mhz = std::max(mhz, std::strtod(line.c_str() + colon + 1, nullptr));
    }
  }
  if (mhz > 0) *source = "/proc/cpuinfo (cpu MHz)";
  return mhz / 1e3;
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
  p.memory_type = "unknown";
  p.memory_bandwidth_gbps = bandwidth_gbps;
  profiles::ComputeUnit unit;
  unit.kind = "cpu";
  unit.name = p.soc;
  p.compute_units = {unit};
  char bw[200];
  std::snprintf(bw, sizeof(bw),
                "memory bandwidth %.1f GB/s: measured by mbench calibrate on %s (memcpy of 64 MiB, "
                "bytes read + written, best of 5)",
                bandwidth_gbps, date.c_str());
  p.fact_sources = {"cpuinfo library: vendor, microarchitecture, logical processors", bw,
                    "release_year: the year of calibration (a host has no release year)"};
  if (cl.max_ghz > 0) p.fact_sources.push_back("clock: " + ghz_source);
  return p;
}

// ---- calibrate ------------------------------------------------------------------------------

struct CalibrateOptions {
  std::string db_path = "results.db";
  std::string out;
  std::string probe_dir;
  std::vector<int> threads;
  std::vector<std::string> models = {"zoo:mobilenet_v1", "zoo:resnet18", "zoo:squeezenet1_1",
                                     "zoo:shufflenet_v2"};
  bool no_probes = false;
  double probe_secs = 0.1, model_secs = 0.3;
};

std::string DefaultProbeDir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return JoinPath(x, "mbench/probes");
  if (const char* h = std::getenv("HOME"); h && *h) return JoinPath(h, ".cache/mbench/probes");
  return "mbench-probes";
}

std::string Duration(double s) {
  char buf[32];
  if (s < 90) std::snprintf(buf, sizeof(buf), "%.0f s", s);
  else std::snprintf(buf, sizeof(buf), "%.1f min", s / 60);
  return buf;
}

void PrintProfile(const profiles::DeviceProfile& p, const RefineOutcome& r) {
  std::printf("  %-22s %8s %8s %8s %8s %8s %9s %9s %8s %6s %8s\n", "target", "conv", "conv3x3",
              "pointw.", "depthw.", "gemm", "mem-op", "bandw.", "ovh us", "cv n", "cv MAPE");
  std::printf("  %-22s %8s %8s %8s %8s %8s %9s %9s\n", "", "GMAC/s", "GMAC/s", "GMAC/s", "GMAC/s",
              "GMAC/s", "GB/s", "GB/s");
  for (const auto& t : p.targets) {
    const auto& k = t.params;
    std::printf("  %-22s %8.2f %8.2f %8.2f %8.2f %8.2f %9.2f %9.2f %8.2f %6d %7.1f%%\n",
                t.Key().c_str(), k.conv_gmacs, k.conv3x3_gmacs, k.pointwise_gmacs,
                k.depthwise_gmacs, k.gemm_gmacs, k.memory_op_gbps, k.bandwidth_gbps, k.overhead_us,
                t.calibration.cv_points, t.calibration.cv_mape_pct);
  }
  std::printf("  fitted to %d end-to-end and %d per-kernel timings of %d models; whole-model "
              "leave-one-model-out: MAPE %.1f%%, %.0f%% within 10%%, %.0f%% within 25%%, "
              "%.0f%% inside the 90%% interval (n=%d)\n",
              r.whole_points, r.layer_points, r.models, r.refit_cv.mape_pct,
              r.refit_cv.within10_pct, r.refit_cv.within25_pct, r.refit_cv.coverage_pct,
              r.refit_cv.n);
  for (const auto& s : r.skipped) std::printf("  skipped: %s\n", s.c_str());
}

Status StoreCalibration(db::Database& results, const db::DeviceRecord& device,
                        const RefineOutcome& r, const std::string& out_path) {
  db::CalibrationRow row;
  row.device_id = device.id;
  row.profile_json = profiles::ProfileToJson(r.profile);
  row.method = "leave-one-model-out roofline fit (estimator " + std::string(estimator::kEstimatorVersion) + ")";
  row.data = r.data_description + ": " + std::to_string(r.whole_points) + " end-to-end, " +
             std::to_string(r.layer_points) + " per-kernel";
  row.points = r.whole_points + r.layer_points;
  row.cv_points = r.refit_cv.n;
  double ss = 0;
  for (const auto& c : r.refit_rows) ss += std::pow(std::log(c.predicted_ms / c.measured_ms), 2);
  row.rms_log_residual = r.refit_rows.empty() ? 0 : std::sqrt(ss / r.refit_rows.size());
  row.cv_mape_pct = r.refit_cv.n > 0 ? r.refit_cv.mape_pct : -1;
  MBENCH_ASSIGN_OR_RETURN(int64_t id, results.AddCalibration(device, row));
  std::printf("stored calibration %lld of %s in %s (grade --db %s uses it)\n",
              static_cast<long long>(id), device.id.c_str(), results.location().c_str(),
              results.location().c_str());
  if (!out_path.empty()) {
    MBENCH_RETURN_IF_ERROR(WriteStringToFile(out_path, row.profile_json));
    std::printf("wrote %s (mbench grade MODEL --profile %s)\n", out_path.c_str(), out_path.c_str());
  }
  return Status::Ok();
}

Status RunCalibrate(const CalibrateOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  MBENCH_ASSIGN_OR_RETURN(auto results, db::Database::Open(o.db_path));
  const db::DeviceRecord host = HostDevice();
  const std::string date = Today();
  std::vector<int> threads = o.threads;
  if (threads.empty()) {
    threads = {1};
    const int logical = std::max(1, runner::DescribeCpu().logical_processors);
    if (logical > 1) threads.push_back(logical);
  }
  std::fprintf(stderr, "mbench calibrate: %s (%s), threads", host.id.c_str(), host.cpu.c_str());
  for (int t : threads) std::fprintf(stderr, " %d", t);
  std::fprintf(stderr, "\n");
  const double bandwidth = MeasureCopyBandwidthGbps();
  std::fprintf(stderr, "mbench calibrate: copy bandwidth %.1f GB/s\n", bandwidth);

  std::vector<std::string> models;
  if (!o.no_probes) {
    MBENCH_ASSIGN_OR_RETURN(models, WriteProbes(o.probe_dir));
  }
  const size_t num_probes = models.size();
  models.insert(models.end(), o.models.begin(), o.models.end());
  if (models.empty()) return Status::InvalidArgument("nothing to measure: no probes and no --model");

  const size_t total = models.size() * threads.size();
  size_t done = 0;
  double measured_secs = 0.0;
  for (size_t mi = 0; mi < models.size(); ++mi) {
    const bool probe = mi < num_probes;
    const std::string& path = models[mi];
    MBENCH_ASSIGN_OR_RETURN(ModelRef ref, DecodeRef(path, ""));
    MBENCH_ASSIGN_OR_RETURN(AnalyzedModel m,
                            LoadAndAnalyze(ref.path, ref.input_shapes, ref.zoo, /*keep_weights=*/true));
    const db::ModelRecord record = ModelRecordOf(m, ref);
    for (int t : threads) {
      const auto item_start = std::chrono::steady_clock::now();
      runner::PlanOptions po;
      po.threads = t;
      auto t_init = std::chrono::steady_clock::now();
      auto plan = runner::Plan::Compile(m.model.graph, po);
      if (!plan.ok()) return Status(plan.status()).Annotate(path);
      const double init_ms = std::chrono::duration<double, std::milli>(
                                 std::chrono::steady_clock::now() - t_init).count();
      (*plan)->FillInputs(7);
      runner::MeasureOptions mo;
      mo.warmup = 2;
      mo.runs = 5;
      mo.min_secs = probe ? o.probe_secs : o.model_secs;
      mo.max_secs = 20;
      mo.per_layer = true;
      MBENCH_ASSIGN_OR_RETURN(runner::Measurement r,
                              runner::Measure(**plan, mo, runner::CurrentRssBytes()));
      nlohmann::ordered_json opts = {{"threads", t},       {"precision", "fp32"},
                                     {"warmup", mo.warmup}, {"runs", mo.runs},
                                     {"min_secs", mo.min_secs}, {"per_layer", true},
                                     {"runtime", "mbench"}, {"by", "mbench calibrate"}};
      db::RunRecord rec = RunRecordOf(r, t, "fp32", init_ms, (*plan)->synthetic_weights(),
                                      opts.dump(), db::NowUtc());
      rec.source = "mbench calibrate";
      MBENCH_ASSIGN_OR_RETURN(int64_t id, results->AddRun(host, record, rec));
      (void)id;
      ++done;
      measured_secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - item_start).count();
      // Time left: the mean so far over what remains, whole models weighted 4x a probe.
      const double per_item = measured_secs / static_cast<double>(done);
      const size_t left_models = (models.size() - std::max(mi + 1, num_probes)) * threads.size();
      const size_t left_probes = total - done - left_models;
      const double left = per_item * (static_cast<double>(left_probes) + 4.0 * left_models);
      std::fprintf(stderr, "mbench calibrate: [%zu/%zu] %-34s %dt p50 %9.3f ms; %s elapsed, about %s left\n",
                   done, total, record.name.substr(0, 34).c_str(), t, r.latency.p50,
                   Duration(elapsed()).c_str(), Duration(left).c_str());
    }
  }

  std::fprintf(stderr, "mbench calibrate: fitting (with one leave-one-model-out fit per model)\n");
  profiles::DeviceProfile base = HostProfileFacts(host, bandwidth, date);
  RefineRequest req;
  req.date = date;
  req.data.runtime = "mbench";
  MBENCH_ASSIGN_OR_RETURN(RefineOutcome r, RefineDevice(*results, base, req));
  std::printf("mbench calibrate: %s in %s\n", host.id.c_str(), Duration(elapsed()).c_str());
  PrintProfile(r.profile, r);
  return StoreCalibration(*results, host, r, o.out);
}

// ---- refine ---------------------------------------------------------------------------------

struct RefineOptions {
  std::string db_path;
  std::string device;
  std::string out;
  std::string profile_dir;
  bool no_per_layer = false;
  bool force = false;
};

Status RunRefine(const RefineOptions& o) {
  MBENCH_ASSIGN_OR_RETURN(auto results, db::Database::Open(o.db_path, {.must_exist = true}));
  MBENCH_ASSIGN_OR_RETURN(profiles::DeviceProfile base, BaseProfile(*results, o.device, o.profile_dir));
  RefineRequest req;
  req.date = Today();
  req.data.per_layer = !o.no_per_layer;
  MBENCH_ASSIGN_OR_RETURN(RefineOutcome r, RefineDevice(*results, base, req));
  std::printf("mbench refine: %s from %s (base: %s)\n", o.device.c_str(), results->location().c_str(),
              base.path.c_str());
  PrintProfile(r.profile, r);
  if (r.base_new.n > 0) {
    // Both sides out of sample: the base never saw these models, the refit holds each out.
    std::printf("  on %d runs of %d models the base profile was not fitted to: base MAPE %.1f%% "
                "(%.0f%% within 10%%), refit leave-one-model-out MAPE %.1f%% (%.0f%% within 10%%)\n",
                r.base_new.n, r.new_models, r.base_new.mape_pct, r.base_new.within10_pct,
                r.refit_new.mape_pct, r.refit_new.within10_pct);
    if (r.refit_new.mape_pct > r.base_new.mape_pct && !o.force) {
      std::printf("  kept the base profile: the refit predicts the new models worse than the "
                  "profile it would replace (--force stores it anyway)\n");
      return Status::Ok();
    }
  } else {
    std::printf("  no runs of models the base profile was not fitted to: nothing out of sample "
                "to compare it with\n");
  }
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::DeviceRecord> devices, results->Devices());
  db::DeviceRecord device = DeviceRecordOf(r.profile);
  for (const auto& d : devices) {
    if (d.id == o.device) device = d;
  }
  return StoreCalibration(*results, device, r, o.out);
}

}  // namespace

void RegisterCalibrate(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<CalibrateOptions>();
  o->probe_dir = DefaultProbeDir();
  CLI::App* cmd = app.add_subcommand(
      "calibrate",
      "Measure this machine with the runner and fit its device profile (runtime mbench): a sweep\n"
      "of one-kernel probes (dense, depthwise and pointwise convolutions, fully connected,\n"
      "pooling, element-wise, concat) at the shapes mobile networks use, plus whole zoo models,\n"
      "each timed end to end and per layer at every thread count. Every run is stored in the\n"
      "results database; the fitted profile becomes the one `grade --db` uses for this host.\n"
      "Example: mbench calibrate --db results.db --out host.json");
  cmd->add_option("--db", o->db_path,
                  "Results database: an SQLite file (default results.db) or a postgresql:// URI");
  cmd->add_option("--out", o->out, "Also write the profile to this JSON file");
  cmd->add_option("--threads", o->threads, "Thread counts (repeatable; default 1 and all)")
      ->take_all()
      ->allow_extra_args(false)
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--model", o->models,
                  "Whole models to measure (repeatable; default zoo:mobilenet_v1 zoo:resnet18\n"
                  "zoo:squeezenet1_1 zoo:shufflenet_v2)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_flag("--no-probes", o->no_probes, "Skip the kernel sweep (whole models only)");
  cmd->add_option("--probe-dir", o->probe_dir,
                  "Where the probe models are written (default ~/.cache/mbench/probes); refine\n"
                  "reads them again");
  cmd->add_option("--probe-secs", o->probe_secs, "Minimum measuring time per probe (default 0.1)")
      ->check(CLI::Range(0.0, 60.0));
  cmd->add_option("--model-secs", o->model_secs, "Minimum measuring time per model (default 0.3)")
      ->check(CLI::Range(0.0, 600.0));
  cmd->callback([o, exit_code] {
    Status s = RunCalibrate(*o);
    *exit_code = s.ok() ? kExitOk : ReportError("calibrate", s);
  });

  auto r = std::make_shared<RefineOptions>();
  r->profile_dir = profiles::DefaultProfileDir();
  CLI::App* rc = app.add_subcommand(
      "refine",
      "Refit a device's profile from the runs stored for it (end-to-end and per-layer), record\n"
      "the calibration with its leave-one-model-out residuals, and make it the profile\n"
      "`grade --db` uses for that device. A refit that predicts the stored runs worse than the\n"
      "profile it replaces is reported and not stored.\n"
      "Example: mbench refine --db results.db --device host-...");
  rc->add_option("--db", r->db_path, "Results database: an SQLite file or a postgresql:// URI")
      ->required();
  rc->add_option("--device", r->device, "Device id (see `mbench db query devices`)")->required();
  rc->add_option("--out", r->out, "Also write the refined profile to this JSON file");
  rc->add_option("--profiles", r->profile_dir, "Profile directory for devices not yet refined");
  rc->add_flag("--no-per-layer", r->no_per_layer, "Fit to end-to-end latencies only");
  rc->add_flag("--force", r->force, "Store the refit even when it predicts worse");
  rc->callback([r, exit_code] {
    Status s = RunRefine(*r);
    *exit_code = s.ok() ? kExitOk : ReportError("refine", s);
  });
}

}  // namespace mbench::cli
