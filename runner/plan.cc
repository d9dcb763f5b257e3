// Plan::Compile is the list of passes (runner/passes/) followed by lowering each step through
// the op registry (runner/ops/registry.h); the rest of this file is the Plan's run-time API.
#include "runner/plan.h"

#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "analyzer/op_cost.h"
#include "core/half.h"
#include "runner/kernels/permute.h"
#include "runner/passes/passes.h"
#include "runner/plan_impl.h"

namespace mbench::runner {
namespace {

// Creates the thread pool and every step's operator or kernel. Layers too small to share out
// (PlanOptions::serial_below_us) are built without the pool and run on the calling thread.
Status Lower(Plan::Impl& impl) {
  const Graph& graph = *impl.graph;
  const PlanOptions& options = impl.options;
  const bool half_plan = options.precision == "fp16";
  static const bool initialized = xnn_initialize(nullptr) == xnn_status_success;
  if (!initialized) {
    return Status::FailedPrecondition("XNNPACK does not support this CPU (xnn_initialize failed)");
  }
  if (half_plan) {
    // XNNPACK refuses fp16 operators on CPUs without fp16 kernels (x86 without F16C, FMA3 and
    // AVX2; Arm without FP16 arithmetic): ask once, before any step.
    const uint16_t weight = 0x3C00;  // 1.0
    xnn_operator_t probe = nullptr;
    const xnn_status s = xnn_create_convolution2d_nhwc_f16(
        0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, &weight, nullptr, -kInf, kInf, 0, &probe);
    if (probe != nullptr) xnn_delete_operator(probe);
    if (s == xnn_status_unsupported_hardware) {
      return Status::Unsupported(
          "precision fp16 is not supported on this CPU: XNNPACK has no "
          "fp16 kernels for it (x86 needs F16C, FMA3 and AVX2; Arm needs "
          "FP16 arithmetic)");
    }
    if (s != xnn_status_success) {
      return Status::Internal("XNNPACK fp16 probe failed (status " +
                              std::to_string(static_cast<int>(s)) + ")");
    }
  }
  if (options.threads > 1) {
    impl.pool = pthreadpool_create(static_cast<size_t>(options.threads));
    if (impl.pool == nullptr) return Status::Internal("cannot create a thread pool");
  }
  pthreadpool_t shared_pool = impl.pool;
  // One thread's time for a node, roughly: MACs at 50 GMAC/s or bytes touched at 40 GB/s.
  auto serial_micros = [&](const Node& n) {
    double bytes = 0.0;
    for (int32_t t : n.inputs) {
      if (t >= 0) bytes += 4.0 * static_cast<double>(Product(impl.bufs[t].gshape));
    }
    for (int32_t t : n.outputs) {
      if (t >= 0) bytes += 4.0 * static_cast<double>(Product(impl.bufs[t].gshape));
    }
    double macs = 0.0;
    if (auto w = analyzer::ComputeNodeWork(graph, n); w.ok()) macs = static_cast<double>(w->macs);
    return std::max(macs / 50e3, bytes / 40e3);
  };
  impl.ChooseWinogradLayers();
  for (size_t i = 0; i < impl.steps.size(); ++i) {
    // Operators and plain kernels take their pool while the step is built, so a small layer is
    // built without it.
    const bool serial =
        shared_pool != nullptr &&
        serial_micros(graph.nodes[impl.steps[i].info.layer]) < options.serial_below_us;
    impl.pool = serial ? nullptr : shared_pool;
    Status s = impl.BuildStep(i);
    impl.pool = shared_pool;
    if (!s.ok()) return s;
    impl.steps[i].pool = serial ? nullptr : shared_pool;
    StepInfo& info = impl.steps[i].info;
    info.threads = serial ? 1 : options.threads;
    if (info.noop) {
      info.kernel = "none";
    } else if (info.kernel.empty()) {
      info.kernel = impl.steps[i].op != nullptr ? "xnnpack" : "plain";
    }
    info.xnnpack = info.kernel == "xnnpack";
  }
  return impl.ShareWinogradScratch();
}

}  // namespace

StatusOr<std::unique_ptr<Plan>> Plan::Compile(const Graph& graph, const PlanOptions& options) {
  if (options.precision != "fp32" && options.precision != "fp16" && options.precision != "int8") {
    return Status::Unsupported("precision " + options.precision +
                               " is not supported by the runner (fp32, fp16 or int8)");
  }
  if (options.threads < 1 || options.threads > 1024) {
    return Status::InvalidArgument("threads must be in [1, 1024]");
  }
  if (graph.nodes.empty())
    return Status::InvalidArgument("the model has no layers: nothing to run");
  auto impl = std::make_unique<Impl>();
  impl->graph = &graph;
  impl->options = options;
  if (!kOwnKernelsOverXnnpack) impl->options.xnnpack_only = true;
  impl->rng.seed(options.seed);
  impl->fused_into.assign(graph.nodes.size(), -1);

  MBENCH_RETURN_IF_ERROR(FoldShapeArithmetic(impl.get()));
  MBENCH_RETURN_IF_ERROR(MakeBuffers(impl.get()));
  AssignLayouts(impl.get());
  if (options.fuse_activations) {
    FusionState fs = CountReaders(*impl);
    FoldBatchNorms(impl.get(), &fs);
    FuseResidualAdds(impl.get(), &fs);
    FoldMatMulScales(impl.get(), &fs);
    FoldMatMulBiases(impl.get(), &fs);
    FoldFloatCasts(impl.get(), &fs);
    FormElementwiseRegions(impl.get(), &fs);
    FuseActivations(impl.get(), &fs);
  }
  MBENCH_RETURN_IF_ERROR(ScheduleSteps(impl.get()));
  MBENCH_RETURN_IF_ERROR(PlanMemory(impl.get()));
  MBENCH_RETURN_IF_ERROR(Lower(*impl));
  return std::unique_ptr<Plan>(new Plan(std::move(impl)));
}

Plan::Plan(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Plan::~Plan() = default;

Status Plan::RunStep(size_t i) {
  auto& st = impl_->steps[i];
  for (xnn_operator_t op : st.pre) {
    if (xnn_run_operator(op, st.pool) != xnn_status_success) {
      return Status::Internal("layer '" + st.info.name + "': XNNPACK conversion failed");
    }
  }
  if (st.op != nullptr) {
    xnn_status s = xnn_run_operator(st.op, st.pool);
    if (s != xnn_status_success) {
      return Status::Internal("layer '" + st.info.name + "': XNNPACK run failed");
    }
  } else if (st.plain) {
    st.plain();
  }
  return Status::Ok();
}

Status Plan::Run() {
  for (size_t i = 0; i < impl_->steps.size(); ++i) MBENCH_RETURN_IF_ERROR(RunStep(i));
  return Status::Ok();
}

size_t Plan::num_steps() const { return impl_->steps.size(); }
const StepInfo& Plan::step(size_t i) const { return impl_->steps[i].info; }
bool Plan::synthetic_weights() const { return impl_->synthetic; }
int64_t Plan::arena_bytes() const { return static_cast<int64_t>(impl_->arena.size() * 4); }
int64_t Plan::weight_bytes() const { return impl_->weight_bytes; }
int32_t Plan::winograd_layers() const { return static_cast<int32_t>(impl_->winograd_convs.size()); }
int32_t Plan::winograd_eligible() const { return impl_->winograd_eligible; }
int64_t Plan::winograd_budget_bytes() const { return impl_->winograd_budget; }
size_t Plan::num_inputs() const { return impl_->graph->inputs.size(); }
size_t Plan::num_outputs() const { return impl_->graph->outputs.size(); }
const analyzer::TensorInfo& Plan::input_info(size_t i) const {
  return impl_->graph->tensors[impl_->graph->inputs[i]];
}
const analyzer::TensorInfo& Plan::output_info(size_t i) const {
  return impl_->graph->tensors[impl_->graph->outputs[i]];
}

Status Plan::SetInput(size_t i, std::span<const float> values) {
  const auto& b = impl_->bufs[impl_->graph->inputs[i]];
  if (static_cast<int64_t>(values.size()) != Product(b.gshape)) {
    return Status::InvalidArgument("input '" + input_info(i).name + "': expected " +
                                   std::to_string(Product(b.gshape)) + " values, got " +
                                   std::to_string(values.size()));
  }
  if (b.nhwc) {
    Permute(values.data(), b.gshape, kNchwToNhwc, b.data);
  } else {
    std::copy(values.begin(), values.end(), b.data);
  }
  return Status::Ok();
}

std::vector<float> Plan::Output(size_t i) const {
  const auto& b = impl_->bufs[impl_->graph->outputs[i]];
  std::vector<float> out(static_cast<size_t>(Product(b.gshape)));
  const float* src = b.constant ? impl_->Const(impl_->graph->outputs[i]).data() : b.data;
  std::vector<float> widened;
  if (!b.constant && b.home != kF32) {
    widened.resize(out.size());
    for (size_t k = 0; k < out.size(); ++k) {
      if (b.home == kF16) {
        widened[k] = HalfToFloat(b.half[k]);
        continue;
      }
      const int32_t q = b.unsigned8 ? static_cast<uint8_t>(b.q8[k]) : b.q8[k];
      widened[k] = b.scale * static_cast<float>(q - b.zero_point);
    }
    src = widened.data();
  }
  if (b.nhwc) {
    Permute(src, b.ishape, kNhwcToNchw, out.data());
  } else {
    std::copy(src, src + out.size(), out.begin());
  }
  return out;
}

void Plan::FillInputs(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (size_t i = 0; i < num_inputs(); ++i) {
    std::vector<float> v(static_cast<size_t>(Product(impl_->bufs[impl_->graph->inputs[i]].gshape)));
    for (auto& x : v) x = u(rng);
    (void)SetInput(i, v);
  }
}

std::vector<float> Plan::ConstantValues(int32_t tensor) const { return impl_->Const(tensor); }

}  // namespace mbench::runner
