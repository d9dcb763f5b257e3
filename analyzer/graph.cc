#include "analyzer/graph.h"

#include <array>
#include <optional>
#include <unordered_set>

#include "analyzer/limits.h"
#include "core/units.h"

namespace mbench::analyzer {
namespace {

struct OpKindNameEntry {
  OpKind kind;
  const char* name;
};

// One entry per OpKind, in enum order (graph_test checks the order).
constexpr OpKindNameEntry kOpKindNames[] = {
    {OpKind::kConv, "conv"},
    {OpKind::kDepthwiseConv, "depthwise_conv"},
    {OpKind::kConvTranspose, "conv_transpose"},
    {OpKind::kFullyConnected, "fully_connected"},
    {OpKind::kMatMul, "mat_mul"},
    {OpKind::kEinsum, "einsum"},
    {OpKind::kLstm, "lstm"},
    {OpKind::kGru, "gru"},
    {OpKind::kRnn, "rnn"},
    {OpKind::kAttention, "attention"},
    {OpKind::kBatchNorm, "batch_norm"},
    {OpKind::kInstanceNorm, "instance_norm"},
    {OpKind::kLayerNorm, "layer_norm"},
    {OpKind::kGroupNorm, "group_norm"},
    {OpKind::kLrn, "lrn"},
    {OpKind::kLpNormalization, "lp_normalization"},
    {OpKind::kRelu, "relu"},
    {OpKind::kClip, "clip"},
    {OpKind::kSigmoid, "sigmoid"},
    {OpKind::kHardSigmoid, "hard_sigmoid"},
    {OpKind::kHardSwish, "hard_swish"},
    {OpKind::kSwish, "swish"},
    {OpKind::kMish, "mish"},
    {OpKind::kLeakyRelu, "leaky_relu"},
    {OpKind::kPRelu, "prelu"},
    {OpKind::kElu, "elu"},
    {OpKind::kSelu, "selu"},
    {OpKind::kCelu, "celu"},
    {OpKind::kThresholdedRelu, "thresholded_relu"},
    {OpKind::kTanh, "tanh"},
    {OpKind::kGelu, "gelu"},
    {OpKind::kErf, "erf"},
    {OpKind::kSoftplus, "softplus"},
    {OpKind::kSoftsign, "softsign"},
    {OpKind::kRotaryEmbed, "rotary_embed"},
    {OpKind::kSoftmax, "softmax"},
    {OpKind::kLogSoftmax, "log_softmax"},
    {OpKind::kHardmax, "hardmax"},
    {OpKind::kMaxPool, "max_pool"},
    {OpKind::kAveragePool, "average_pool"},
    {OpKind::kLpPool, "lp_pool"},
    {OpKind::kGlobalMaxPool, "global_max_pool"},
    {OpKind::kGlobalAveragePool, "global_average_pool"},
    {OpKind::kGlobalLpPool, "global_lp_pool"},
    {OpKind::kMaxUnpool, "max_unpool"},
    {OpKind::kRoiAlign, "roi_align"},
    {OpKind::kMaxRoiPool, "max_roi_pool"},
    {OpKind::kAdd, "add"},
    {OpKind::kSub, "sub"},
    {OpKind::kMul, "mul"},
    {OpKind::kDiv, "div"},
    {OpKind::kPow, "pow"},
    {OpKind::kMax, "max"},
    {OpKind::kMin, "min"},
    {OpKind::kMean, "mean"},
    {OpKind::kSum, "sum"},
    {OpKind::kMod, "mod"},
    {OpKind::kSquaredDifference, "squared_difference"},
    {OpKind::kEqual, "equal"},
    {OpKind::kGreater, "greater"},
    {OpKind::kGreaterOrEqual, "greater_or_equal"},
    {OpKind::kLess, "less"},
    {OpKind::kLessOrEqual, "less_or_equal"},
    {OpKind::kAnd, "and"},
    {OpKind::kOr, "or"},
    {OpKind::kXor, "xor"},
    {OpKind::kBitShift, "bit_shift"},
    {OpKind::kWhere, "where"},
    {OpKind::kAbs, "abs"},
    {OpKind::kNeg, "neg"},
    {OpKind::kExp, "exp"},
    {OpKind::kLog, "log"},
    {OpKind::kSqrt, "sqrt"},
    {OpKind::kRsqrt, "rsqrt"},
    {OpKind::kReciprocal, "reciprocal"},
    {OpKind::kSquare, "square"},
    {OpKind::kFloor, "floor"},
    {OpKind::kCeil, "ceil"},
    {OpKind::kRound, "round"},
    {OpKind::kSign, "sign"},
    {OpKind::kSin, "sin"},
    {OpKind::kCos, "cos"},
    {OpKind::kTan, "tan"},
    {OpKind::kAsin, "asin"},
    {OpKind::kAcos, "acos"},
    {OpKind::kAtan, "atan"},
    {OpKind::kSinh, "sinh"},
    {OpKind::kCosh, "cosh"},
    {OpKind::kAsinh, "asinh"},
    {OpKind::kAcosh, "acosh"},
    {OpKind::kAtanh, "atanh"},
    {OpKind::kNot, "not"},
    {OpKind::kIsNaN, "is_nan"},
    {OpKind::kIsInf, "is_inf"},
    {OpKind::kReduceMean, "reduce_mean"},
    {OpKind::kReduceSum, "reduce_sum"},
    {OpKind::kReduceMax, "reduce_max"},
    {OpKind::kReduceMin, "reduce_min"},
    {OpKind::kReduceProd, "reduce_prod"},
    {OpKind::kReduceL1, "reduce_l1"},
    {OpKind::kReduceL2, "reduce_l2"},
    {OpKind::kReduceLogSum, "reduce_log_sum"},
    {OpKind::kReduceLogSumExp, "reduce_log_sum_exp"},
    {OpKind::kReduceSumSquare, "reduce_sum_square"},
    {OpKind::kArgMax, "arg_max"},
    {OpKind::kArgMin, "arg_min"},
    {OpKind::kTopK, "top_k"},
    {OpKind::kCumSum, "cum_sum"},
    {OpKind::kConcat, "concat"},
    {OpKind::kSplit, "split"},
    {OpKind::kSlice, "slice"},
    {OpKind::kReshape, "reshape"},
    {OpKind::kTranspose, "transpose"},
    {OpKind::kFlatten, "flatten"},
    {OpKind::kSqueeze, "squeeze"},
    {OpKind::kUnsqueeze, "unsqueeze"},
    {OpKind::kGather, "gather"},
    {OpKind::kGatherElements, "gather_elements"},
    {OpKind::kGatherNd, "gather_nd"},
    {OpKind::kScatter, "scatter"},
    {OpKind::kScatterElements, "scatter_elements"},
    {OpKind::kScatterNd, "scatter_nd"},
    {OpKind::kPad, "pad"},
    {OpKind::kResize, "resize"},
    {OpKind::kExpand, "expand"},
    {OpKind::kTile, "tile"},
    {OpKind::kDepthToSpace, "depth_to_space"},
    {OpKind::kSpaceToDepth, "space_to_depth"},
    {OpKind::kShuffleChannel, "shuffle_channel"},
    {OpKind::kIdentity, "identity"},
    {OpKind::kDropout, "dropout"},
    {OpKind::kCast, "cast"},
    {OpKind::kShape, "shape"},
    {OpKind::kSize, "size"},
    {OpKind::kConstantOfShape, "constant_of_shape"},
    {OpKind::kRange, "range"},
    {OpKind::kNonZero, "non_zero"},
    {OpKind::kOneHot, "one_hot"},
    {OpKind::kReverseSequence, "reverse_sequence"},
    {OpKind::kTrilu, "trilu"},
    {OpKind::kCompress, "compress"},
    {OpKind::kEyeLike, "eye_like"},
    {OpKind::kRandom, "random"},
    {OpKind::kQuantize, "quantize"},
    {OpKind::kDequantize, "dequantize"},
    {OpKind::kDynamicQuantize, "dynamic_quantize"},
    {OpKind::kNonMaxSuppression, "non_max_suppression"},
    {OpKind::kIf, "if"},
    {OpKind::kLoop, "loop"},
    {OpKind::kScan, "scan"},
    {OpKind::kCustom, "custom"},
    {OpKind::kUnknown, "unknown"},
};

constexpr size_t kNumOpKinds = sizeof(kOpKindNames) / sizeof(kOpKindNames[0]);
static_assert(kNumOpKinds == static_cast<size_t>(OpKind::kUnknown) + 1,
              "kOpKindNames must list every OpKind");

constexpr std::array<OpKind, kNumOpKinds> MakeAllKinds() {
  std::array<OpKind, kNumOpKinds> out{};
  for (size_t i = 0; i < kNumOpKinds; ++i) out[i] = kOpKindNames[i].kind;
  return out;
}
constexpr std::array<OpKind, kNumOpKinds> kAllKinds = MakeAllKinds();

}  // namespace

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kUnknown: return "unknown";
    case DType::kFloat32: return "float32";
    case DType::kFloat16: return "float16";
    case DType::kBFloat16: return "bfloat16";
    case DType::kFloat64: return "float64";
    case DType::kInt4: return "int4";
    case DType::kUInt4: return "uint4";
    case DType::kInt8: return "int8";
    case DType::kUInt8: return "uint8";
    case DType::kInt16: return "int16";
    case DType::kUInt16: return "uint16";
    case DType::kInt32: return "int32";
    case DType::kUInt32: return "uint32";
    case DType::kInt64: return "int64";
    case DType::kUInt64: return "uint64";
    case DType::kBool: return "bool";
    case DType::kString: return "string";
    case DType::kComplex64: return "complex64";
    case DType::kComplex128: return "complex128";
  }
  return "unknown";
}

int DTypeBits(DType dtype) {
  switch (dtype) {
    case DType::kInt4:
    case DType::kUInt4: return 4;
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kBool: return 8;
    case DType::kFloat16:
    case DType::kBFloat16:
    case DType::kInt16:
    case DType::kUInt16: return 16;
    case DType::kFloat32:
    case DType::kInt32:
    case DType::kUInt32: return 32;
    case DType::kFloat64:
    case DType::kInt64:
    case DType::kUInt64:
    case DType::kComplex64: return 64;
    case DType::kComplex128: return 128;
    case DType::kUnknown:
    case DType::kString: return 0;
  }
  return 0;
}

bool IsFloatingPoint(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kFloat16 || dtype == DType::kBFloat16 ||
         dtype == DType::kFloat64;
}

bool IsInteger(DType dtype) {
  switch (dtype) {
    case DType::kInt4:
    case DType::kUInt4:
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kUInt16:
    case DType::kInt32:
    case DType::kUInt32:
    case DType::kInt64:
    case DType::kUInt64:
    case DType::kBool: return true;
    default: return false;
  }
}

std::string ShapeToString(const Shape& shape) {
  if (shape.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += 'x';
    out += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
  }
  return out;
}

std::optional<int64_t> NumElements(const Shape& shape) { return CheckedProduct(shape); }

const char* OpKindName(OpKind kind) {
  auto i = static_cast<size_t>(kind);
  return i < kNumOpKinds ? kOpKindNames[i].name : "invalid";
}

std::span<const OpKind> AllOpKinds() { return kAllKinds; }

int64_t Node::GetInt(std::string_view key, int64_t fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (const auto* v = std::get_if<int64_t>(&it->second)) return *v;
  return fallback;
}

double Node::GetFloat(std::string_view key, double fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (const auto* v = std::get_if<double>(&it->second)) return *v;
  if (const auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  return fallback;
}

std::string Node::GetString(std::string_view key, const std::string& fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (const auto* v = std::get_if<std::string>(&it->second)) return *v;
  return fallback;
}

std::vector<int64_t> Node::GetInts(std::string_view key) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return {};
  if (const auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  if (const auto* i = std::get_if<int64_t>(&it->second)) return {*i};
  return {};
}

int32_t Graph::FindTensor(std::string_view name) const {
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].name == name) return static_cast<int32_t>(i);
  }
  return -1;
}

int32_t Graph::AddTensor(TensorInfo info) {
  tensors.push_back(std::move(info));
  return static_cast<int32_t>(tensors.size() - 1);
}

namespace {

// Element count of tensor `t` when its shape is fully known.
std::optional<int64_t> KnownElements(const Graph& g, int32_t t) {
  if (t < 0 || static_cast<size_t>(t) >= g.tensors.size() || !g.tensors[t].has_shape) {
    return std::nullopt;
  }
  for (int64_t d : g.tensors[t].shape) {
    if (d < 0) return std::nullopt;
  }
  return NumElements(g.tensors[t].shape);
}

// What a node's shapes promise that a runtime relies on: a view keeps the element count, and
// batch norm has one scale, bias, mean and variance per channel.
Status CheckNodeConsistency(const Graph& g, const Node& n) {
  const auto where = [&] { return "node '" + n.name + "' (" + OpKindName(n.kind) + ")"; };
  const bool view = n.kind == OpKind::kReshape || n.kind == OpKind::kFlatten ||
                    n.kind == OpKind::kSqueeze || n.kind == OpKind::kUnsqueeze ||
                    n.kind == OpKind::kIdentity;
  if (view && !n.inputs.empty() && !n.outputs.empty()) {
    const auto in = KnownElements(g, n.inputs[0]);
    const auto out = KnownElements(g, n.outputs[0]);
    if (in && out && *in != *out) {
      return Status::Corruption(where() + ": " + ShapeToString(g.tensors[n.inputs[0]].shape) +
                                " (" + std::to_string(*in) + " elements) into " +
                                ShapeToString(g.tensors[n.outputs[0]].shape) + " (" +
                                std::to_string(*out) + "): a reshape keeps the element count");
    }
  }
  if (n.kind == OpKind::kBatchNorm && n.inputs.size() >= 5 && n.inputs[0] >= 0) {
    const TensorInfo& x = g.tensors[n.inputs[0]];
    if (x.has_shape && x.shape.size() >= 2) {
      const int64_t c = g.layout == Layout::kNHWC ? x.shape.back() : x.shape[1];
      for (size_t i = 1; i <= 4 && c >= 0; ++i) {
        const auto e = KnownElements(g, n.inputs[i]);
        if (e && *e != c) {
          return Status::Corruption(where() + ": " + g.tensors[n.inputs[i]].name + " holds " +
                                    std::to_string(*e) + " values for " + std::to_string(c) +
                                    " channels: batch norm needs one per channel");
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateGraph(const Graph& graph) {
  const auto num_tensors = static_cast<int32_t>(graph.tensors.size());
  std::unordered_set<std::string_view> names;
  if (static_cast<int64_t>(graph.nodes.size()) > kMaxLayers ||
      static_cast<int64_t>(graph.tensors.size()) > kMaxTensors) {
    return Status::Corruption(std::to_string(graph.nodes.size()) + " layers and " +
                              std::to_string(graph.tensors.size()) +
                              " tensors: above the limits of " + std::to_string(kMaxLayers) +
                              " and " + std::to_string(kMaxTensors) + " (docs/limits.md)");
  }
  for (const Node& node : graph.nodes) {
    if (node.name.size() > kMaxNameBytes) {
      return Status::Corruption("a node name of " + std::to_string(node.name.size()) +
                                " bytes: above the limit of " + std::to_string(kMaxNameBytes));
    }
  }
  for (const TensorInfo& t : graph.tensors) {
    if (t.name.size() > kMaxNameBytes) {
      return Status::Corruption("a tensor name of " + std::to_string(t.name.size()) +
                                " bytes: above the limit of " + std::to_string(kMaxNameBytes));
    }
    if (!names.insert(t.name).second) {
      return Status::Corruption("tensor '" + t.name + "': name used twice");
    }
    if (auto e = NumElements(t.shape); e && *e > kMaxTensorElements) {
      return Status::Corruption("tensor '" + t.name + "' " + ShapeToString(t.shape) +
                                ": above the limit of " + std::to_string(kMaxTensorElements) +
                                " elements (docs/limits.md)");
    }
    for (int64_t d : t.shape) {
      if (d < -1) {
        return Status::Corruption("tensor '" + t.name + "': dim=" + std::to_string(d) +
                                  ": dimensions must be >= 0");
      }
    }
  }
  std::vector<bool> available(graph.tensors.size(), false);
  for (size_t i = 0; i < graph.tensors.size(); ++i) available[i] = graph.tensors[i].is_constant;
  for (int32_t in : graph.inputs) {
    if (in < 0 || in >= num_tensors) return Status::Corruption("graph input index out of range");
    available[in] = true;
  }
  for (const Node& node : graph.nodes) {
    for (int32_t in : node.inputs) {
      if (in == -1) continue;
      if (in < -1 || in >= num_tensors) {
        return Status::Corruption("node '" + node.name + "': input index out of range");
      }
      if (!available[in]) {
        return Status::Corruption("node '" + node.name + "': input '" + graph.tensors[in].name +
                                  "' is used before any node produces it");
      }
    }
    for (int32_t out : node.outputs) {
      if (out == -1) continue;
      if (out < -1 || out >= num_tensors) {
        return Status::Corruption("node '" + node.name + "': output index out of range");
      }
      available[out] = true;
    }
  }
  for (int32_t out : graph.outputs) {
    if (out < 0 || out >= num_tensors) return Status::Corruption("graph output index out of range");
  }
  for (const Node& node : graph.nodes) MBENCH_RETURN_IF_ERROR(CheckNodeConsistency(graph, node));
  return Status::Ok();
}

}  // namespace mbench::analyzer
