#include "analyzer/op_traits.h"

namespace mbench::analyzer {
namespace {

using R = OpRole;
constexpr uint8_t kFused = kEpilogue | kFoldsFree;

// One row per OpKind, in enum order.
constexpr OpTraits kOpTraitsTable[] = {
    {OpKind::kConv, R::kCompute, 0},
    {OpKind::kDepthwiseConv, R::kCompute, 0},
    {OpKind::kConvTranspose, R::kCompute, 0},
    {OpKind::kFullyConnected, R::kCompute, 0},
    {OpKind::kMatMul, R::kCompute, 0},
    {OpKind::kEinsum, R::kCompute, 0},
    {OpKind::kLstm, R::kCompute, 0},
    {OpKind::kGru, R::kCompute, 0},
    {OpKind::kRnn, R::kCompute, 0},
    {OpKind::kAttention, R::kCompute, 0},
    {OpKind::kBatchNorm, R::kNormalization, kFused},
    {OpKind::kInstanceNorm, R::kNormalization, 0},
    {OpKind::kLayerNorm, R::kNormalization, 0},
    {OpKind::kGroupNorm, R::kNormalization, 0},
    {OpKind::kLrn, R::kNormalization, 0},
    {OpKind::kLpNormalization, R::kNormalization, 0},
    {OpKind::kRelu, R::kActivation, kFused},
    {OpKind::kClip, R::kActivation, kFused},
    {OpKind::kSigmoid, R::kActivation, kEpilogue},
    {OpKind::kHardSigmoid, R::kActivation, kEpilogue},
    {OpKind::kHardSwish, R::kActivation, kEpilogue},
    {OpKind::kSwish, R::kActivation, kEpilogue},
    {OpKind::kMish, R::kActivation, kEpilogue},
    {OpKind::kLeakyRelu, R::kActivation, kEpilogue},
    {OpKind::kPRelu, R::kActivation, kEpilogue},
    {OpKind::kElu, R::kActivation, kEpilogue},
    {OpKind::kSelu, R::kActivation, kEpilogue},
    {OpKind::kCelu, R::kActivation, kEpilogue},
    {OpKind::kThresholdedRelu, R::kActivation, 0},
    {OpKind::kTanh, R::kActivation, kEpilogue},
    {OpKind::kGelu, R::kActivation, kEpilogue},
    {OpKind::kErf, R::kActivation, kEpilogue},
    {OpKind::kSoftplus, R::kActivation, kEpilogue},
    {OpKind::kSoftsign, R::kActivation, 0},
    {OpKind::kRotaryEmbed, R::kElementwise, 0},
    {OpKind::kSoftmax, R::kNormalization, 0},
    {OpKind::kLogSoftmax, R::kNormalization, 0},
    {OpKind::kHardmax, R::kNormalization, 0},
    {OpKind::kMaxPool, R::kPooling, 0},
    {OpKind::kAveragePool, R::kPooling, 0},
    {OpKind::kLpPool, R::kPooling, 0},
    {OpKind::kGlobalMaxPool, R::kPooling, 0},
    {OpKind::kGlobalAveragePool, R::kPooling, 0},
    {OpKind::kGlobalLpPool, R::kPooling, 0},
    {OpKind::kMaxUnpool, R::kPooling, 0},
    {OpKind::kRoiAlign, R::kPooling, 0},
    {OpKind::kMaxRoiPool, R::kPooling, 0},
    {OpKind::kAdd, R::kElementwise, kBinaryElementwise},
    {OpKind::kSub, R::kElementwise, kBinaryElementwise},
    {OpKind::kMul, R::kElementwise, kBinaryElementwise},
    {OpKind::kDiv, R::kElementwise, kBinaryElementwise},
    {OpKind::kPow, R::kElementwise, 0},
    {OpKind::kMax, R::kElementwise, kBinaryElementwise},
    {OpKind::kMin, R::kElementwise, kBinaryElementwise},
    {OpKind::kMean, R::kElementwise, 0},
    {OpKind::kSum, R::kElementwise, 0},
    {OpKind::kMod, R::kElementwise, 0},
    {OpKind::kSquaredDifference, R::kElementwise, 0},
    {OpKind::kEqual, R::kElementwise, 0},
    {OpKind::kGreater, R::kElementwise, 0},
    {OpKind::kGreaterOrEqual, R::kElementwise, 0},
    {OpKind::kLess, R::kElementwise, 0},
    {OpKind::kLessOrEqual, R::kElementwise, 0},
    {OpKind::kAnd, R::kElementwise, 0},
    {OpKind::kOr, R::kElementwise, 0},
    {OpKind::kXor, R::kElementwise, 0},
    {OpKind::kBitShift, R::kElementwise, 0},
    {OpKind::kWhere, R::kElementwise, 0},
    {OpKind::kAbs, R::kElementwise, 0},
    {OpKind::kNeg, R::kElementwise, 0},
    {OpKind::kExp, R::kElementwise, 0},
    {OpKind::kLog, R::kElementwise, 0},
    {OpKind::kSqrt, R::kElementwise, 0},
    {OpKind::kRsqrt, R::kElementwise, 0},
    {OpKind::kReciprocal, R::kElementwise, 0},
    {OpKind::kSquare, R::kElementwise, 0},
    {OpKind::kFloor, R::kElementwise, 0},
    {OpKind::kCeil, R::kElementwise, 0},
    {OpKind::kRound, R::kElementwise, 0},
    {OpKind::kSign, R::kElementwise, 0},
    {OpKind::kSin, R::kElementwise, 0},
    {OpKind::kCos, R::kElementwise, 0},
    {OpKind::kTan, R::kElementwise, 0},
    {OpKind::kAsin, R::kElementwise, 0},
    {OpKind::kAcos, R::kElementwise, 0},
    {OpKind::kAtan, R::kElementwise, 0},
    {OpKind::kSinh, R::kElementwise, 0},
    {OpKind::kCosh, R::kElementwise, 0},
    {OpKind::kAsinh, R::kElementwise, 0},
    {OpKind::kAcosh, R::kElementwise, 0},
    {OpKind::kAtanh, R::kElementwise, 0},
    {OpKind::kNot, R::kElementwise, 0},
    {OpKind::kIsNaN, R::kElementwise, 0},
    {OpKind::kIsInf, R::kElementwise, 0},
    {OpKind::kReduceMean, R::kReduction, 0},
    {OpKind::kReduceSum, R::kReduction, 0},
    {OpKind::kReduceMax, R::kReduction, 0},
    {OpKind::kReduceMin, R::kReduction, 0},
    {OpKind::kReduceProd, R::kReduction, 0},
    {OpKind::kReduceL1, R::kReduction, 0},
    {OpKind::kReduceL2, R::kReduction, 0},
    {OpKind::kReduceLogSum, R::kReduction, 0},
    {OpKind::kReduceLogSumExp, R::kReduction, 0},
    {OpKind::kReduceSumSquare, R::kReduction, 0},
    {OpKind::kArgMax, R::kReduction, 0},
    {OpKind::kArgMin, R::kReduction, 0},
    {OpKind::kTopK, R::kReduction, 0},
    {OpKind::kCumSum, R::kReduction, 0},
    {OpKind::kConcat, R::kMovement, 0},
    {OpKind::kSplit, R::kMovement, 0},
    {OpKind::kSlice, R::kMovement, 0},
    {OpKind::kReshape, R::kView, 0},
    {OpKind::kTranspose, R::kMovement, 0},
    {OpKind::kFlatten, R::kView, 0},
    {OpKind::kSqueeze, R::kView, 0},
    {OpKind::kUnsqueeze, R::kView, 0},
    {OpKind::kGather, R::kMovement, 0},
    {OpKind::kGatherElements, R::kMovement, 0},
    {OpKind::kGatherNd, R::kMovement, 0},
    {OpKind::kScatter, R::kMovement, 0},
    {OpKind::kScatterElements, R::kMovement, 0},
    {OpKind::kScatterNd, R::kMovement, 0},
    {OpKind::kPad, R::kMovement, 0},
    {OpKind::kResize, R::kMovement, 0},
    {OpKind::kExpand, R::kMovement, 0},
    {OpKind::kTile, R::kMovement, 0},
    {OpKind::kDepthToSpace, R::kMovement, 0},
    {OpKind::kSpaceToDepth, R::kMovement, 0},
    {OpKind::kShuffleChannel, R::kMovement, 0},
    {OpKind::kIdentity, R::kView, 0},
    {OpKind::kDropout, R::kView, 0},
    {OpKind::kCast, R::kElementwise, kFused},
    {OpKind::kShape, R::kShapeComputation, 0},
    {OpKind::kSize, R::kShapeComputation, 0},
    {OpKind::kConstantOfShape, R::kShapeComputation, 0},
    {OpKind::kRange, R::kShapeComputation, 0},
    {OpKind::kNonZero, R::kMovement, 0},
    {OpKind::kOneHot, R::kMovement, 0},
    {OpKind::kReverseSequence, R::kMovement, 0},
    {OpKind::kTrilu, R::kMovement, 0},
    {OpKind::kCompress, R::kMovement, 0},
    {OpKind::kEyeLike, R::kMovement, 0},
    {OpKind::kRandom, R::kMovement, 0},
    {OpKind::kQuantize, R::kQuantization, kFused},
    {OpKind::kDequantize, R::kQuantization, kFused},
    {OpKind::kDynamicQuantize, R::kQuantization, 0},
    {OpKind::kNonMaxSuppression, R::kDataDependent, 0},
    {OpKind::kIf, R::kControlFlow, 0},
    {OpKind::kLoop, R::kControlFlow, 0},
    {OpKind::kScan, R::kControlFlow, 0},
    {OpKind::kCustom, R::kUnknown, 0},
    {OpKind::kUnknown, R::kUnknown, 0},
};
static_assert(sizeof(kOpTraitsTable) / sizeof(kOpTraitsTable[0]) ==
                  static_cast<size_t>(OpKind::kUnknown) + 1,
              "kOpTraitsTable must have one row per OpKind");

}  // namespace

const OpTraits& GetOpTraits(OpKind kind) {
  const auto i = static_cast<size_t>(kind);
  constexpr size_t n = sizeof(kOpTraitsTable) / sizeof(kOpTraitsTable[0]);
  return kOpTraitsTable[i < n ? i : n - 1];
}

const char* OpRoleName(OpRole role) {
  switch (role) {
    case OpRole::kCompute: return "compute";
    case OpRole::kNormalization: return "normalization";
    case OpRole::kActivation: return "activation";
    case OpRole::kPooling: return "pooling";
    case OpRole::kElementwise: return "elementwise";
    case OpRole::kReduction: return "reduction";
    case OpRole::kView: return "view";
    case OpRole::kShapeComputation: return "shape_computation";
    case OpRole::kMovement: return "movement";
    case OpRole::kQuantization: return "quantization";
    case OpRole::kDataDependent: return "data_dependent";
    case OpRole::kControlFlow: return "control_flow";
    case OpRole::kUnknown: return "unknown";
  }
  return "unknown";
}

}  // namespace mbench::analyzer
