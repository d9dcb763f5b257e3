// The runner's compile passes, in the order Plan::Compile runs them (runner/plan.cc). Each pass
// reads and writes the plan being compiled (Plan::Impl); none allocates the arena or creates an
// operator except where it says so. Internal to runner/.
#ifndef MBENCH_RUNNER_PASSES_PASSES_H_
#define MBENCH_RUNNER_PASSES_PASSES_H_

#include <cstdint>
#include <vector>

#include "runner/plan_impl.h"

namespace mbench::runner {

// fold.cc: marks the nodes whose integer outputs the analyzer already computed (shape
// arithmetic) as folded; returns kUnsupported listing every op the runner cannot run.
Status FoldShapeArithmetic(Plan::Impl* impl);

// buffers.cc: one Buf per tensor (model shape, constant or not, 8-bit grid); kUnsupported for
// an int8 plan of a model with no 8-bit activations.
Status MakeBuffers(Plan::Impl* impl);

// layout.cc: which 4-D activations of an NCHW model are stored NHWC (images and what joins them
// through layout-agnostic ops; attention's tensors keep the model's order); sets Buf::ishape.
void AssignLayouts(Plan::Impl* impl);

// fusion.cc and regions.cc, run when PlanOptions::fuse_activations. They share how many layers
// read each tensor and which layer's operator writes it once earlier fusions redirected it.
struct FusionState {
  std::vector<int32_t> readers;  // per tensor: unfolded layers reading it, +1 for a graph output
  std::vector<int32_t> owner;    // per tensor: the layer whose operator writes it
};
FusionState CountReaders(const Plan::Impl& impl);
void FoldBatchNorms(Plan::Impl* impl, FusionState* fs);
void FuseResidualAdds(Plan::Impl* impl, FusionState* fs);
void FoldMatMulScales(Plan::Impl* impl, FusionState* fs);
void FoldMatMulBiases(Plan::Impl* impl, FusionState* fs);
void FoldFloatCasts(Plan::Impl* impl, FusionState* fs);
void FormElementwiseRegions(Plan::Impl* impl, FusionState* fs);
void FuseActivations(Plan::Impl* impl, FusionState* fs);
// Helpers of the fusion passes: a scalar constant's value; a Clip's bounds from its attributes
// or constant inputs (false when not constant); whether layer `p` is a convolution or fully
// connected layer (whose output range can absorb a clamp).
bool ScalarConstant(Plan::Impl* impl, int32_t t, float* v);
bool ClipBounds(const Graph& graph, const Node& n, float* lo, float* hi);
bool ConvLike(const Graph& graph, int32_t p);

// schedule.cc: one Step per unfolded layer with its form (precision.cc decides fp16 / int8),
// conversions and the lifetimes of what it reads and writes; kInvalidArgument for an output or
// input whose shape is unresolved or too large.
Status ScheduleSteps(Plan::Impl* impl);

// memory_plan.cc: arena offsets by lifetime, then the arena and every constant a step reads;
// kInvalidArgument (nothing allocated) when activations and weights would exceed max_bytes.
Status PlanMemory(Plan::Impl* impl);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_PASSES_PASSES_H_
