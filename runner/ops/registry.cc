#include "runner/ops/registry.h"

#include <array>

namespace mbench::runner {
namespace {

using F = OpFamily;
using L = LayoutRole;
using I = Plan::Impl;
constexpr uint8_t kBoth = kFp16 | kInt8;

constexpr OpRow kOpRows[] = {
    // Compute.
    {OpKind::kConv, F::kCompute, 2, L::kSpatial, kBoth, &I::Conv},
    {OpKind::kDepthwiseConv, F::kCompute, 2, L::kSpatial, kBoth, &I::Conv},
    {OpKind::kConvTranspose, F::kCompute, 1, L::kSpatial, kFp16, &I::Deconv},
    {OpKind::kFullyConnected, F::kCompute, 2, L::kNone, kBoth, &I::FullyConnected},
    {OpKind::kMatMul, F::kCompute, 2, L::kSequence, 0, &I::MatMul},
    {OpKind::kLstm, F::kCompute, 3, L::kNone, 0, &I::Recurrent},
    {OpKind::kGru, F::kCompute, 3, L::kNone, 0, &I::Recurrent},
    {OpKind::kRnn, F::kCompute, 3, L::kNone, 0, &I::Recurrent},
    // Unary element-wise on XNNPACK.
    {OpKind::kRelu, F::kUnaryXnn, 1, L::kAgnostic, kBoth, &I::Unary},
    {OpKind::kClip, F::kUnaryXnn, 1, L::kAgnostic, kBoth, &I::Unary},
    {OpKind::kSigmoid, F::kUnaryXnn, 1, L::kAgnostic, kInt8, &I::Unary},
    {OpKind::kHardSwish, F::kUnaryXnn, 1, L::kAgnostic, kFp16, &I::Unary},
    {OpKind::kLeakyRelu, F::kUnaryXnn, 1, L::kAgnostic, kFp16, &I::Unary},
    {OpKind::kAbs, F::kUnaryXnn, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kNeg, F::kUnaryXnn, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kSquare, F::kUnaryXnn, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kSqrt, F::kUnaryXnn, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kFloor, F::kUnaryXnn, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kCeil, F::kUnaryXnn, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kElu, F::kUnaryXnn, 1, L::kAgnostic, 0, &I::Unary},
    // Unary element-wise on plain kernels (tanh runs on XNNPACK's 8-bit tanh in int8 plans).
    {OpKind::kTanh, F::kUnaryPlain, 1, L::kAgnostic, kInt8, &I::Unary},
    {OpKind::kSwish, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kHardSigmoid, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kGelu, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kExp, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kErf, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kSoftplus, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kMish, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kLog, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kReciprocal, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kRsqrt, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    {OpKind::kCast, F::kUnaryPlain, 1, L::kAgnostic, 0, &I::Unary},
    // Binary element-wise.
    {OpKind::kAdd, F::kBinary, 2, L::kAgnostic, kBoth, &I::Binary},
    {OpKind::kSub, F::kBinary, 2, L::kAgnostic, kInt8, &I::Binary},
    {OpKind::kMul, F::kBinary, 2, L::kAgnostic, kBoth, &I::Binary},
    {OpKind::kDiv, F::kBinary, 2, L::kAgnostic, 0, &I::Binary},
    {OpKind::kMax, F::kBinary, 2, L::kAgnostic, 0, &I::Binary},
    {OpKind::kMin, F::kBinary, 2, L::kAgnostic, 0, &I::Binary},
    {OpKind::kSquaredDifference, F::kBinary, 2, L::kAgnostic, 0, &I::Binary},
    {OpKind::kPow, F::kReduce, 2, L::kNone, 0, &I::Reduce},
    // Normalization.
    {OpKind::kBatchNorm, F::kNormalization, 5, L::kAgnostic, 0, &I::Unary},
    {OpKind::kLayerNorm, F::kNormalization, 2, L::kSequence, 0, &I::LayerNorm},
    {OpKind::kSoftmax, F::kNormalization, 1, L::kNone, 0, &I::Softmax},
    // Pooling.
    {OpKind::kMaxPool, F::kPool, 1, L::kSpatial, kBoth, &I::Pool},
    {OpKind::kAveragePool, F::kPool, 1, L::kSpatial, 0, &I::Pool},
    {OpKind::kGlobalAveragePool, F::kPool, 1, L::kSpatial, kBoth, &I::Pool},
    {OpKind::kGlobalMaxPool, F::kPool, 1, L::kSpatial, 0, &I::Pool},
    // Reductions.
    {OpKind::kReduceMean, F::kReduce, 1, L::kNone, 0, &I::Reduce},
    {OpKind::kReduceSum, F::kReduce, 1, L::kNone, 0, &I::Reduce},
    {OpKind::kReduceMax, F::kReduce, 1, L::kNone, 0, &I::Reduce},
    {OpKind::kReduceMin, F::kReduce, 1, L::kNone, 0, &I::Reduce},
    // Views: reshapes in the model's order (a copy where the internal order differs).
    {OpKind::kReshape, F::kView, 1, L::kNone, kBoth, &I::Move},
    {OpKind::kFlatten, F::kView, 1, L::kNone, kBoth, &I::Move},
    {OpKind::kSqueeze, F::kView, 1, L::kNone, kBoth, &I::Move},
    {OpKind::kUnsqueeze, F::kView, 1, L::kNone, kBoth, &I::Move},
    {OpKind::kIdentity, F::kView, 1, L::kAgnostic, kBoth, &I::Move},
    {OpKind::kDropout, F::kView, 1, L::kAgnostic, kBoth, &I::Move},
    // Data movement.
    {OpKind::kTranspose, F::kMovement, 1, L::kNone, 0, &I::Move},
    {OpKind::kConcat, F::kMovement, 1, L::kAgnostic, 0, &I::Concat},
    {OpKind::kSplit, F::kMovement, 1, L::kAgnostic, 0, &I::Select},
    {OpKind::kSlice, F::kMovement, 1, L::kAgnostic, 0, &I::Select},
    {OpKind::kGather, F::kMovement, 2, L::kNone, 0, &I::Select},
    {OpKind::kPad, F::kMovement, 1, L::kAgnostic, 0, &I::Pad},
    {OpKind::kResize, F::kMovement, 1, L::kSpatial, 0, &I::Resize},
    {OpKind::kShuffleChannel, F::kMovement, 1, L::kSpatial, 0, &I::ShuffleChannel},
    {OpKind::kDepthToSpace, F::kMovement, 1, L::kSpatial, 0, &I::DepthToSpace},
    {OpKind::kConstantOfShape, F::kMovement, 1, L::kNone, 0, &I::Fill},
    // Quantization.
    {OpKind::kQuantize, F::kQuantize, 1, L::kNone, kInt8, &I::Requantize},
    {OpKind::kDequantize, F::kQuantize, 1, L::kNone, 0, &I::Requantize},
    {OpKind::kDynamicQuantize, F::kQuantize, 1, L::kAgnostic, 0, &I::DynamicQuantize},
};

constexpr size_t kNumKinds = static_cast<size_t>(OpKind::kUnknown) + 1;

std::array<const OpRow*, kNumKinds> MakeIndex() {
  std::array<const OpRow*, kNumKinds> index{};
  for (const OpRow& row : kOpRows) index[static_cast<size_t>(row.kind)] = &row;
  return index;
}

}  // namespace

std::span<const OpRow> OpRows() { return kOpRows; }

const OpRow* FindOpRow(OpKind kind) {
  static const std::array<const OpRow*, kNumKinds> index = MakeIndex();
  const auto i = static_cast<size_t>(kind);
  return i < kNumKinds ? index[i] : nullptr;
}

bool RunnerSupports(OpKind kind) { return FindOpRow(kind) != nullptr; }

Status Plan::Impl::BuildStep(size_t idx) {
  Step& st = steps[idx];
  const Node& n = graph->nodes[st.info.layer];
  if (st.info.noop) return Status::Ok();
  for (auto [t, to] : st.converts) {
    MBENCH_RETURN_IF_ERROR(Convert(n, st, bufs[t], bufs[t].home, to));
  }
  if (regions.count(st.info.layer) > 0) return Region(n, st);
  const OpRow* row = FindOpRow(n.kind);
  if (row == nullptr) {
    return Status::Unsupported("layer '" + n.name + "': " + analyzer::OpKindName(n.kind));
  }
  const auto need = static_cast<size_t>(row->arity);
  // Recurrent layers may leave out Y and keep only the last state.
  const bool recurrent =
      n.kind == OpKind::kLstm || n.kind == OpKind::kGru || n.kind == OpKind::kRnn;
  const bool has_output =
      !n.outputs.empty() &&
      (n.outputs[0] >= 0 || (recurrent && std::any_of(n.outputs.begin(), n.outputs.end(),
                                                      [](int32_t t) { return t >= 0; })));
  if (n.inputs.size() < need || !has_output ||
      std::any_of(n.inputs.begin(), n.inputs.begin() + need, [](int32_t t) { return t < 0; })) {
    return Status::Unsupported("layer '" + n.name + "': " + analyzer::OpKindName(n.kind) +
                               " without its inputs");
  }
  return (this->*row->build)(n, st);
}

}  // namespace mbench::runner
