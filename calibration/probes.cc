#include "calibration/probes.h"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "analyzer/onnx_writer.h"
#include "core/env.h"

namespace mbench::calibration {

using analyzer::GraphBuilder;
using analyzer::OpKind;
using analyzer::Shape;
using analyzer::TensorId;

std::vector<Probe> Probes() {
  std::vector<Probe> p;
  auto conv = [&p](int64_t cin, int64_t cout, int64_t hw, int64_t k, int64_t s) {
    p.push_back({"conv" + std::to_string(k) + "x" + std::to_string(k) + "_s" + std::to_string(s) +
                     "_" + std::to_string(hw) + "_" + std::to_string(cin) + "_" +
                     std::to_string(cout),
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
  for (auto [cin, cout, hw] : std::vector<std::array<int64_t, 3>>{{32, 16, 112},
                                                                  {16, 96, 112},
                                                                  {24, 144, 56},
                                                                  {144, 24, 56},
                                                                  {32, 192, 28},
                                                                  {192, 32, 28},
                                                                  {64, 384, 14},
                                                                  {384, 64, 14},
                                                                  {96, 576, 14},
                                                                  {576, 96, 14},
                                                                  {160, 960, 7},
                                                                  {960, 160, 7},
                                                                  {320, 1280, 7},
                                                                  {64, 256, 56},
                                                                  {256, 64, 56},
                                                                  {512, 2048, 7},
                                                                  {1024, 256, 14},
                                                                  {128, 128, 28},
                                                                  {8, 8, 56}}) {
    conv(cin, cout, hw, 1, 1);
  }
  // Depthwise: every kernel size mobile networks use, at both strides, over the channel counts
  // each resolution of an inverted-residual pyramid carries. Kernel size matters more than the
  // MAC count says (runtimes have one kernel per window size, or none: Debian's XNNPACK falls
  // back to a grouped GEMM over 25 taps, which the runner replaces with its own kernel).
  const std::vector<std::pair<int64_t, std::vector<int64_t>>> pyramid = {{112, {16, 32, 96}},
                                                                         {56, {48, 96, 144}},
                                                                         {28, {96, 144, 240}},
                                                                         {14, {192, 480, 576}},
                                                                         {7, {576, 960, 1152}}};
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
    for (auto [hw, c] :
         std::vector<std::array<int64_t, 2>>{{56, 128}, {28, 256}, {14, 512}, {7, 1024}}) {
      gconv(c, c, hw, 3, 1, c / per_group);
      if (hw > 7) gconv(c, c, hw, 3, 2, c / per_group);
    }
  }
  for (auto [cin, cout, hw] : std::vector<std::array<int64_t, 3>>{{240, 240, 28},
                                                                  {240, 60, 28},
                                                                  {60, 240, 28},
                                                                  {480, 480, 14},
                                                                  {480, 120, 14},
                                                                  {120, 480, 14},
                                                                  {960, 240, 7},
                                                                  {240, 960, 7}}) {
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
  for (auto [rows, cin, cout] : std::vector<std::array<int64_t, 3>>{{197, 192, 768},
                                                                    {197, 768, 192},
                                                                    {197, 192, 192},
                                                                    {1024, 144, 144},
                                                                    {1024, 144, 288},
                                                                    {1024, 288, 144}}) {
    p.push_back(
        {"matmul_" + std::to_string(rows) + "_" + std::to_string(cin) + "_" + std::to_string(cout),
         [=](GraphBuilder& b) {
           return b.Linear(b.Input("x", {1, rows, cin}), cout);
         }});
  }
  // Attention (ViT-Tiny: 3 heads of 64 over 197 tokens; MobileViT-S: 4 patch positions x 4
  // heads of 36 over 256 tokens): the products of two activations, the softmax over the
  // scores, the layer norms and the head-splitting transposes around them.
  auto bmm = [&p](const std::string& name, Shape a, Shape b) {
    p.push_back(
        {name, [=](GraphBuilder& g) { return g.MatMul(g.Input("a", a), g.Input("b", b)); }});
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
    p.push_back(
        {"maxpool3x3_s2_" + std::to_string(hw) + "_" + std::to_string(c), [=](GraphBuilder& b) {
           return b.MaxPool(b.Input("x", {1, c, hw, hw}), 3, 2, 1);
         }});
  }
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{{1280, 7}, {2048, 7}, {576, 14}}) {
    p.push_back({"gap_" + std::to_string(hw) + "_" + std::to_string(c), [=](GraphBuilder& b) {
                   return b.GlobalAvgPool(b.Input("x", {1, c, hw, hw}));
                 }});
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
  for (auto [c, hw] :
       std::vector<std::array<int64_t, 2>>{{8, 128}, {32, 64}, {96, 28}, {256, 14}}) {
    for (const char* mode : {"linear", "nearest"}) {
      p.push_back(
          {std::string("resize_") + mode + "_" + std::to_string(hw) + "x2_" + std::to_string(c),
           [=](GraphBuilder& b) {
             return b.Resize(b.Input("x", {1, c, hw, hw}), 2 * hw, 2 * hw, mode);
           }});
    }
  }
  // Data movement that detection and shuffle networks are made of: BlazeFace's channel padding,
  // the NCHW -> NHWC transposes of its heads, ShuffleNet's uneven concatenations. They run far
  // from the copy bandwidth, each in its own way. (A channel shuffle written to ONNX becomes a
  // 5-D transpose, not the shuffle kernel the zoo's models run, so it has no probe.)
  for (auto [c, extra, hw] :
       std::vector<std::array<int64_t, 3>>{{24, 4, 64}, {28, 4, 32}, {48, 8, 16}, {96, 32, 8}}) {
    p.push_back(
        {"padc_" + std::to_string(hw) + "_" + std::to_string(c) + "+" + std::to_string(extra),
         [=](GraphBuilder& b) {
           return b.PadChannels(b.Input("x", {1, c, hw, hw}), extra);
         }});
  }
  for (auto [c, hw] : std::vector<std::array<int64_t, 2>>{{32, 16}, {96, 8}, {64, 56}, {256, 14}}) {
    p.push_back({"to_nhwc_" + std::to_string(hw) + "_" + std::to_string(c), [=](GraphBuilder& b) {
                   return b.Transpose(b.Input("x", {1, c, hw, hw}), {0, 2, 3, 1});
                 }});
  }
  for (auto [c0, c1, hw] : std::vector<std::array<int64_t, 3>>{
           {24, 216, 28}, {240, 240, 14}, {58, 58, 28}, {256, 32, 7}}) {
    p.push_back(
        {"concat_" + std::to_string(hw) + "_" + std::to_string(c0) + "+" + std::to_string(c1),
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
std::string DefaultProbeDir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return JoinPath(x, "mbench/probes");
  if (const char* h = std::getenv("HOME"); h && *h) return JoinPath(h, ".cache/mbench/probes");
  return "mbench-probes";
}

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

}  // namespace mbench::calibration
