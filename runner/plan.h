// The runner's execution plan: a Graph compiled into one step per layer, each an XNNPACK operator
// (xnn_create_* / xnn_setup_* once, xnn_run_operator per run) or a plain C++ kernel for what
// XNNPACK lacks. Activations are NHWC inside (a model written NCHW is converted at its inputs and
// wherever its own semantics need the NCHW order: flatten, reshape, transpose); all activations
// live in one arena whose offsets are planned by tensor lifetime.
//
// Weights: constants the Graph carries values for (small tensors) are used as they are; weight
// tensors it does not (the analyzer keeps no bulk weight data) are filled with seeded random
// values, and the plan says synthetic_weights. Timing does not depend on the values.
//
// A Plan owns its XNNPACK operators and thread pool; not thread-safe; move-only.
#ifndef MBENCH_RUNNER_PLAN_H_
#define MBENCH_RUNNER_PLAN_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "analyzer/graph.h"
#include "core/status_or.h"

namespace mbench::runner {

// Whether mbench's own depthwise and broadcast kernels replace XNNPACK's where measurements
// chose them (docs/runner.md): on x86-64, where those measurements were made. Elsewhere (ARM
// phones) XNNPACK's kernels, which TFLite runs there, keep every operator they have, and mbench's
// run only where XNNPACK has no kernel.
#if defined(__x86_64__)
inline constexpr bool kOwnKernelsOverXnnpack = true;
#else
inline constexpr bool kOwnKernelsOverXnnpack = false;
#endif

struct PlanOptions {
  int threads = 1;
  // fp32, or fp16: every operator XNNPACK has in fp16 runs in fp16 (activations stored fp16
  // between them, weights rounded to fp16), the rest in fp32, with conversions where the two
  // meet, as TFLite's XNNPACK delegate does when it runs a model in fp16. kUnsupported when
  // this CPU has no fp16 kernels. int8: for int8-quantized models (TFLite int8 tensors with
  // their scales), every operator XNNPACK has in int8 runs on the model's int8 values; the
  // rest in fp32 between conversions. kUnsupported for a model with no int8 tensors.
  std::string precision = "fp32";
  uint64_t seed = 1;
  // Run a ReLU or Clip that directly follows a convolution or fully connected layer as that
  // operator's output range, as TFLite does; the activation's step then does nothing and its
  // per-layer time is part of the producer's.
  bool fuse_activations = true;
  // Every operator XNNPACK has runs through XNNPACK, even where the runner has a faster kernel
  // of its own for this CPU (runner/kernels/gemm.h: dense fp32 convolutions on AVX-512;
  // runner/kernels/dwconv.h: depthwise layers with few channels or on large maps, one-channel
  // heads; per-channel broadcast multiply and add). Always on where kOwnKernelsOverXnnpack is
  // false.
  bool xnnpack_only = false;
  // Dense 3x3 stride-1 fp32 convolutions with enough channels and pixels run as Winograd
  // F(4x4, 3x3) (runner/kernels/winograd.h: a quarter of the multiplies; rounding error up to ~1e-5
  // of the output's magnitude) where the dense kernel would run them. Off: directly.
  bool winograd = true;
  // Bytes the Winograd layers' transformed weights may take (four times a 3x3 kernel's, and
  // more for few output channels); the layers with the most tiles go first. -1: four times
  // the model's fp32 weights (every layer of a typical model), at least 64 MiB.
  int64_t winograd_budget_bytes = -1;
  // Refuse to build a plan whose activations and weights exceed this many bytes.
  int64_t max_bytes = int64_t{8} << 30;
  // With threads > 1, a layer whose work one thread does in less than this many microseconds
  // (MACs at 50 GMAC/s, bytes touched at 40 GB/s) runs on the calling thread: handing out its
  // tasks costs more than the second thread saves. 0: every layer uses every thread.
  double serial_below_us = 5.0;
};

struct StepInfo {
  int32_t layer = 0;  // index of the analyzer layer (== graph node) it runs
  std::string name;
  analyzer::OpKind kind = analyzer::OpKind::kUnknown;
  bool xnnpack = false;  // kernel == "xnnpack"
  // Who computes it: "xnnpack" (an XNNPACK operator), "mbench-gemm" (runner/kernels/gemm.h),
  // "mbench-winograd" (runner/kernels/winograd.h), "mbench-dwconv" (runner/kernels/dwconv.h),
  // "plain" (a plain C++ kernel) or "none" (noop).
  std::string kernel;
  bool noop = false;        // nothing to do at run time (fused into another step)
  int32_t fused_into = -1;  // layer whose operator computes this one (fused activation)
  bool fp16 = false;        // an fp16 operator (precision fp16)
  bool int8 = false;        // an int8 operator (precision int8)
  int32_t conversions = 0;  // fp32<->fp16 copies of its inputs it makes first (timed with it)
  int32_t threads = 1;      // threads it runs on (1 for a layer too small to share out)
};

class Plan {
 public:
  // Compiles `graph`. kUnsupported lists every op it cannot run ("unsupported ops: a, b") before
  // anything is allocated; kInvalidArgument when the plan would need more than max_bytes (with
  // the amount); kFailedPrecondition when XNNPACK cannot initialize on this CPU.
  static StatusOr<std::unique_ptr<Plan>> Compile(const analyzer::Graph& graph,
                                                 const PlanOptions& options);
  ~Plan();
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  // Runs every step in order.
  Status Run();
  // Runs one step (its inputs hold whatever the last run left there).
  Status RunStep(size_t step);

  size_t num_steps() const;
  const StepInfo& step(size_t i) const;
  bool synthetic_weights() const;
  int64_t arena_bytes() const;  // activations, after lifetime reuse
  // Weights as the plan holds them: packed copies included, and the Winograd kernels'
  // transformed weights and their shared scratch.
  int64_t weight_bytes() const;
  // Layers that run as Winograd, of the dense 3x3 layers it suits, and the budget that chose
  // them.
  int32_t winograd_layers() const;
  int32_t winograd_eligible() const;
  int64_t winograd_budget_bytes() const;

  // Graph inputs and outputs in the model's own layout (NCHW stays NCHW), for feeding and
  // checking. SetInput copies `values` (graph layout) in; Output copies out.
  size_t num_inputs() const;
  size_t num_outputs() const;
  const analyzer::TensorInfo& input_info(size_t i) const;
  const analyzer::TensorInfo& output_info(size_t i) const;
  Status SetInput(size_t i, std::span<const float> values);
  std::vector<float> Output(size_t i) const;
  // Fills every input with seeded uniform values in [-1, 1].
  void FillInputs(uint64_t seed);
  // The values of a constant tensor as the plan uses them (graph layout), for reference tests.
  std::vector<float> ConstantValues(int32_t tensor) const;

  class Impl;

 private:
  explicit Plan(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Op kinds the runner executes, for reports and tests.
bool RunnerSupports(analyzer::OpKind kind);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_PLAN_H_
