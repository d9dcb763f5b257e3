// Microbenchmarks of the runner's plain C++ kernels (what XNNPACK lacks), each as the single
// step of a one-layer plan, with the bytes it moves; and the per-step dispatch cost (a one-
// element ReLU) that per-layer timing adds to every layer.
#include <benchmark/benchmark.h>

#include <string>

#include "analyzer/graph_builder.h"
#include "runner/plan.h"

namespace {

using namespace mbench;
using analyzer::GraphBuilder;
using analyzer::OpKind;
using analyzer::TensorId;

// Builds input -> op -> output and times the op's step.
template <typename Build>
void RunOneStep(benchmark::State& state, analyzer::Shape in_shape, Build build, int64_t bytes,
                const runner::PlanOptions& options = {}) {
  GraphBuilder b;
  TensorId x = b.Input("x", in_shape);
  TensorId y = build(b, x);
  auto g = b.Finish({y});
  if (!g.ok()) {
    state.SkipWithError(g.status().ToString().c_str());
    return;
  }
  auto plan = runner::Plan::Compile(*g, options);
  if (!plan.ok()) {
    state.SkipWithError(plan.status().ToString().c_str());
    return;
  }
  (*plan)->FillInputs(1);
  const size_t last = (*plan)->num_steps() - 1;
  for (auto _ : state) benchmark::DoNotOptimize((*plan)->RunStep(last));
  state.SetBytesProcessed(state.iterations() * bytes);
}

void BM_Concat(benchmark::State& s) {
  RunOneStep(
      s, {1, 64, 56, 56},
      [](GraphBuilder& b, TensorId x) {
        return b.Concat({x, b.Act(x, OpKind::kRelu)}, 1);
      },
      4 * 2 * 2 * 64 * 56 * 56);
}
BENCHMARK(BM_Concat);

void BM_FlattenNhwcToNchw(benchmark::State& s) {
  RunOneStep(
      s, {1, 256, 14, 14}, [](GraphBuilder& b, TensorId x) { return b.Flatten(x); },
      4 * 2 * 256 * 14 * 14);
}
BENCHMARK(BM_FlattenNhwcToNchw);

void BM_Transpose(benchmark::State& s) {
  RunOneStep(
      s, {1, 197, 192},
      [](GraphBuilder& b, TensorId x) {
        return b.Transpose(x, {0, 2, 1});
      },
      4 * 2 * 197 * 192);
}
BENCHMARK(BM_Transpose);

void BM_LayerNorm(benchmark::State& s) {
  RunOneStep(
      s, {1, 197, 192}, [](GraphBuilder& b, TensorId x) { return b.LayerNorm(x); },
      4 * 2 * 197 * 192);
}
BENCHMARK(BM_LayerNorm);

void BM_Gelu(benchmark::State& s) {
  RunOneStep(
      s, {1, 197, 768}, [](GraphBuilder& b, TensorId x) { return b.Act(x, OpKind::kGelu); },
      4 * 2 * 197 * 768);
}
BENCHMARK(BM_Gelu);

void BM_TransposeHeads(benchmark::State& s) {
  // Splitting attention heads: [1, 197, 3, 64] -> [1, 3, 197, 64], runs of 64 floats.
  RunOneStep(
      s, {1, 197, 3, 64},
      [](GraphBuilder& b, TensorId x) {
        return b.Transpose(x, {0, 2, 1, 3});
      },
      4 * 2 * 197 * 192);
}
BENCHMARK(BM_TransposeHeads);

// Arg 0: the runner's kernel (the AVX-512 micro-kernel where the CPU has it); 1: the plain loop
// --xnnpack-only keeps.
void BM_BatchMatMul(benchmark::State& s) {
  // Attention scores: 3 heads, 197 x 64 by 64 x 197.
  runner::PlanOptions o;
  o.xnnpack_only = s.range(0) != 0;
  RunOneStep(
      s, {3, 197, 64},
      [](GraphBuilder& b, TensorId x) {
        return b.MatMul(x, b.Transpose(x, {0, 2, 1}));
      },
      4 * (2 * 3 * 197 * 64 + 3 * 197 * 197), o);
  s.counters["GMAC/s"] = benchmark::Counter(
      static_cast<double>(s.iterations()) * 3 * 197 * 197 * 64 * 1e-9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BatchMatMul)->Arg(0)->Arg(1);

void BM_ResizeBilinear(benchmark::State& s) {
  RunOneStep(
      s, {1, 32, 64, 64},
      [](GraphBuilder& b, TensorId x) { return b.Resize(x, 128, 128, "linear"); },
      4 * 32 * (64 * 64 + 128 * 128));
}
BENCHMARK(BM_ResizeBilinear);

void BM_BatchNormPlain(benchmark::State& s) {
  // A BatchNorm that follows no convolution stays a plain per-channel affine kernel.
  RunOneStep(
      s, {1, 64, 56, 56}, [](GraphBuilder& b, TensorId x) { return b.BatchNorm(x); },
      4 * 2 * 64 * 56 * 56);
}
BENCHMARK(BM_BatchNormPlain);

// mbench's depthwise kernel for windows over 25 taps (runner/kernels/dwconv.h) next to XNNPACK's
// 5x5 depthwise kernel on the same layer: the MAC rates (items/s) say how close the stand-in runs
// to the library's own kernels. ProxylessNAS's 7x7 layers at 56x56 and at 7x7.
void Depthwise(benchmark::State& s, int64_t c, int64_t hw, int64_t k, bool xnnpack = false) {
  runner::PlanOptions options;
  options.xnnpack_only = xnnpack;
  RunOneStep(
      s, {1, c, hw, hw},
      [=](GraphBuilder& b, TensorId x) { return b.Conv(x, c, k, 1, -1, c, true); },
      4 * 2 * c * hw * hw, options);
  s.SetItemsProcessed(s.iterations() * c * hw * hw * k * k);
}
void BM_Depthwise7x7Mbench_56x144(benchmark::State& s) { Depthwise(s, 144, 56, 7); }
void BM_Depthwise5x5Xnnpack_56x144(benchmark::State& s) { Depthwise(s, 144, 56, 5); }
void BM_Depthwise7x7Mbench_7x1152(benchmark::State& s) { Depthwise(s, 1152, 7, 7); }
void BM_Depthwise5x5Xnnpack_7x1152(benchmark::State& s) { Depthwise(s, 1152, 7, 5); }
BENCHMARK(BM_Depthwise7x7Mbench_56x144);
BENCHMARK(BM_Depthwise5x5Xnnpack_56x144);
BENCHMARK(BM_Depthwise7x7Mbench_7x1152);
BENCHMARK(BM_Depthwise5x5Xnnpack_7x1152);
// Few channels at stride 1: mbench packs 16 / channels pixels into a vector; XNNPACK's 16-wide
// kernel on the same layer. MediaPipe pose's heatmap head (8 channels at 256x256).
void BM_Depthwise3x3Mbench_256x8(benchmark::State& s) { Depthwise(s, 8, 256, 3); }
void BM_Depthwise3x3Xnnpack_256x8(benchmark::State& s) { Depthwise(s, 8, 256, 3, true); }
void BM_Depthwise3x3Mbench_64x4(benchmark::State& s) { Depthwise(s, 4, 64, 3); }
void BM_Depthwise3x3Xnnpack_64x4(benchmark::State& s) { Depthwise(s, 4, 64, 3, true); }
// One output channel over 8 (pose's heatmap head): the depthwise kernel summing channels,
// against XNNPACK's GEMM with one of sixteen lanes used.
void Head(benchmark::State& s, bool xnnpack) {
  runner::PlanOptions options;
  options.xnnpack_only = xnnpack;
  RunOneStep(
      s, {1, 8, 256, 256},
      [](GraphBuilder& b, TensorId x) { return b.Conv(x, 1, 3, 1, -1, 1, true); },
      4 * 9 * 256 * 256, options);
  s.SetItemsProcessed(s.iterations() * 8 * 9 * 256 * 256);
}
void BM_Conv3x3To1Mbench_256x8(benchmark::State& s) { Head(s, false); }
void BM_Conv3x3To1Xnnpack_256x8(benchmark::State& s) { Head(s, true); }
BENCHMARK(BM_Conv3x3To1Mbench_256x8);
BENCHMARK(BM_Conv3x3To1Xnnpack_256x8);
// 16-32 channels over large maps (DepthwiseWideMap): mbench's kernel against XNNPACK's
// (argument 1), which reads them through a per-pixel indirection buffer.
void BM_Depthwise3x3_320x16(benchmark::State& s) { Depthwise(s, 16, 320, 3, s.range(0)); }
void BM_Depthwise3x3_112x32(benchmark::State& s) { Depthwise(s, 32, 112, 3, s.range(0)); }
BENCHMARK(BM_Depthwise3x3_320x16)->Arg(0)->Arg(1);
BENCHMARK(BM_Depthwise3x3_112x32)->Arg(0)->Arg(1);
BENCHMARK(BM_Depthwise3x3Mbench_256x8);
BENCHMARK(BM_Depthwise3x3Xnnpack_256x8);
BENCHMARK(BM_Depthwise3x3Mbench_64x4);
BENCHMARK(BM_Depthwise3x3Xnnpack_64x4);

// Dense convolutions: mbench's AVX-512 GEMM (runner/kernels/gemm.h) against XNNPACK's on the same
// layer (PlanOptions::xnnpack_only), single-threaded; items/s is MACs per second. Shapes from
// ResNet-18/50 (3x3 and 1x1 at 56, 28, 7) and the 7x7 stride-2 stem.
void DenseConv(benchmark::State& s, int64_t cin, int64_t cout, int64_t hw, int64_t k,
               int64_t stride, bool xnnpack) {
  runner::PlanOptions options;
  options.xnnpack_only = xnnpack;
  const int64_t out = (hw + stride - 1) / stride;
  RunOneStep(
      s, {1, cin, hw, hw},
      [=](GraphBuilder& b, TensorId x) { return b.Conv(x, cout, k, stride, -1, 1, true); },
      4 * (cin * hw * hw + cout * out * out), options);
  s.SetItemsProcessed(s.iterations() * cin * cout * out * out * k * k);
}
void DenseConvPair(const char* name, int64_t cin, int64_t cout, int64_t hw, int64_t k,
                   int64_t stride) {
  for (bool xnnpack : {false, true}) {
    benchmark::RegisterBenchmark(
        (std::string("BM_DenseConv") + (xnnpack ? "Xnnpack_" : "Mbench_") + name).c_str(),
        [=](benchmark::State& s) { DenseConv(s, cin, cout, hw, k, stride, xnnpack); });
  }
}
const bool kDenseConvRegistered = [] {
  DenseConvPair("3x3_56x64", 64, 64, 56, 3, 1);
  DenseConvPair("3x3_28x128", 128, 128, 28, 3, 1);
  DenseConvPair("3x3_7x512", 512, 512, 7, 3, 1);
  DenseConvPair("1x1_56x64to256", 64, 256, 56, 1, 1);
  DenseConvPair("1x1_14x1024to256", 1024, 256, 14, 1, 1);
  DenseConvPair("7x7s2_224x3to64", 3, 64, 224, 7, 2);
  return true;
}();

// 3x3 stride-1 convolutions as Winograd F(4x4, 3x3) (runner/kernels/winograd.h) against the direct
// GEMM on the same layer (first argument 0: Winograd, 1: direct; second: threads); items/s
// counts the direct convolution's MACs, so the two rates compare as speeds. Shapes where the
// choice is close decide WinogradSuits's thresholds.
void Winograd(benchmark::State& s, int64_t cin, int64_t cout, int64_t hw) {
  runner::PlanOptions options;
  options.winograd = s.range(0) == 0;
  options.threads = static_cast<int>(s.range(1));
  RunOneStep(
      s, {1, cin, hw, hw},
      [=](GraphBuilder& b, TensorId x) { return b.Conv(x, cout, 3, 1, -1, 1, true); },
      4 * (cin + cout) * hw * hw, options);
  s.SetItemsProcessed(s.iterations() * cin * cout * hw * hw * 9);
}
const bool kWinogradRegistered = [] {
  const int64_t shapes[][3] = {{64, 64, 56},  {128, 128, 28}, {256, 256, 14}, {512, 512, 7},
                               {32, 32, 112}, {16, 32, 160},  {16, 16, 64},   {64, 64, 14},
                               {256, 256, 7}, {48, 64, 40},   {24, 24, 80},   {8, 32, 56},
                               {4, 32, 56},   {64, 64, 7}};
  for (const auto& sh : shapes) {
    const int64_t cin = sh[0], cout = sh[1], hw = sh[2];
    benchmark::RegisterBenchmark(("BM_Winograd_" + std::to_string(cin) + "to" +
                                  std::to_string(cout) + "_" + std::to_string(hw))
                                     .c_str(),
                                 [=](benchmark::State& s) { Winograd(s, cin, cout, hw); })
        ->ArgsProduct({{0, 1}, {1, 2}});
  }
  return true;
}();

// Squeeze-and-excitation's scale, [1, H, W, C] x [1, 1, 1, C]: mbench's row kernel against
// XNNPACK's broadcasting multiply (one task per pixel), at 1 and 2 threads.
void ChannelScale(benchmark::State& s, int64_t c, int64_t hw, bool xnnpack) {
  runner::PlanOptions options;
  options.xnnpack_only = xnnpack;
  options.threads = static_cast<int>(s.range(0));
  RunOneStep(
      s, {1, c, hw, hw},
      [](GraphBuilder& b, TensorId x) {
        return b.Mul(x, b.Act(b.GlobalAvgPool(x), OpKind::kSigmoid));
      },
      4 * 2 * c * hw * hw, options);
}
void BM_ChannelScaleMbench_128x16(benchmark::State& s) { ChannelScale(s, 16, 128, false); }
void BM_ChannelScaleXnnpack_128x16(benchmark::State& s) { ChannelScale(s, 16, 128, true); }
void BM_ChannelScaleMbench_28x240(benchmark::State& s) { ChannelScale(s, 240, 28, false); }
void BM_ChannelScaleXnnpack_28x240(benchmark::State& s) { ChannelScale(s, 240, 28, true); }
BENCHMARK(BM_ChannelScaleMbench_128x16)->Arg(1)->Arg(2);
BENCHMARK(BM_ChannelScaleXnnpack_128x16)->Arg(1)->Arg(2);
BENCHMARK(BM_ChannelScaleMbench_28x240)->Arg(1)->Arg(2);
BENCHMARK(BM_ChannelScaleXnnpack_28x240)->Arg(1)->Arg(2);

void BM_StepDispatch(benchmark::State& s) {
  RunOneStep(
      s, {1, 1}, [](GraphBuilder& b, TensorId x) { return b.Act(x, OpKind::kSigmoid); }, 8);
}
BENCHMARK(BM_StepDispatch);

}  // namespace

BENCHMARK_MAIN();
