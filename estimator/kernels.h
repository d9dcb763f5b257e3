// Kernel grouping: the layers of a model become the kernels a runtime executes.
//
// Mobile runtimes do not run an ONNX or TFLite graph node by node: a convolution absorbs the
// BatchNorm after it (folded at conversion) and its activation (fused epilogue); shape-only ops
// (reshape, flatten, squeeze) cost nothing; chains of element-wise ops run as one pass over
// memory. The estimator predicts kernels, not layers, so it groups first. The rules here are the
// ones TFLite (XNNPACK delegate), ncnn (after ncnnoptimize) and the GPU delegates share; where
// they differ the difference is below the accuracy of a whole-model fit.
#ifndef MBENCH_ESTIMATOR_KERNELS_H_
#define MBENCH_ESTIMATOR_KERNELS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/analysis.h"
#include "analyzer/graph.h"

namespace mbench::estimator {

// The shape regime a kernel's efficiency is fitted for.
enum class KernelClass : uint8_t {
  kConv,       // dense convolution with a kernel larger than 1x1 (and transposed convolution)
  kPointwise,  // 1x1 convolution
  kDepthwise,  // depthwise and grouped convolution
  kGemm,       // fully connected, matmul, attention, recurrent cells
  // Dense 3x3 stride-1 convolution: ncnn and the GPU runtimes run it with Winograd transforms,
  // at a different efficiency from other dense convolutions.
  kConv3x3s1,
  kMemory,  // pooling, element-wise chains, normalization, data movement
};
inline constexpr int kNumKernelClasses = 6;

const char* KernelClassName(KernelClass c);  // "conv", "pointwise", ...

struct Kernel {
  KernelClass cls = KernelClass::kMemory;
  int32_t main_layer = 0;       // index of the layer that names the kernel
  std::vector<int32_t> layers;  // every layer fused into it, in order
  double macs = 0.0;
  double flops = 0.0;
  double weight_elements = 0.0;      // parameters and buffers read
  double activation_elements = 0.0;  // activations read from and written to memory
  // Output elements of fused activations that not every runtime fuses: XNNPACK (TFLite's CPU
  // path and mbench's runner) folds only clamps (ReLU, ReLU6) and batch norm into a
  // convolution, and runs sigmoid, swish, hard-swish, GELU, ... as their own pass.
  double unfused_elements = 0.0;
  // The op of the first such pass (batch norm aside, which folds): the estimator prices the
  // pass by the samples of memory kernels of that op.
  analyzer::OpKind unfused_op = analyzer::OpKind::kUnknown;
  // The main layer's shape, layout-free: log1p of its MACs, output, activation input and weight
  // elements. For a convolution these fix output channels (weights x output / MACs), spatial
  // size, kernel area and stride; the estimator compares kernels by it.
  std::array<double, 4> shape{};
  // A grouped convolution with more than one input channel per group.
  bool grouped = false;
  // The MACs a rate divides: `macs` times GemmEdgeFactor, set once by BuildKernels.
  double work = 0.0;
};

// A convolution runs as a GEMM (or a Winograd product) of depth D (window taps times input
// channels per group) by C output channels, and pays at its edges: packing the input once per
// block of output channels, and the transform and epilogue once per output element. Per MAC
// that is about 1/C and 1/D of a MAC each, so a kernel's work is its MACs times
//     1 + kGemmEdgeElements / C + kGemmEdgeElements / D
// (a 16 -> 16 3x3 convolution: 2.1x its MACs; 256 -> 256: 1.07x). Dense, pointwise and 3x3
// convolutions only; depthwise kernels and GEMMs have rates of their own. The constant was
// chosen by leave-one-architecture-out error on the published data (docs/estimator.md).
inline constexpr double kGemmEdgeElements = 16.0;
double GemmEdgeFactor(const Kernel& kernel);

struct KernelPlan {
  std::vector<Kernel> kernels;
  int32_t free_layers = 0;  // shape-only layers that cost nothing
};

// Groups the layers of `graph` (with its `analysis`) into kernels. Layers whose work is unknown
// (custom, unknown ops) still become kernels of class kMemory so they are timed by their bytes;
// callers report them as unknown.
KernelPlan BuildKernels(const analyzer::Graph& graph, const analyzer::ModelAnalysis& analysis);

}  // namespace mbench::estimator

#endif  // MBENCH_ESTIMATOR_KERNELS_H_
