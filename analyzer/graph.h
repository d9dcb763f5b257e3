// The Graph IR: one representation for every model format mbench reads (ONNX today; TFLite, ncnn
// and the built-in zoo build the same structure). No file-format type leaks out of it.
//
// A Graph is a list of tensors and a list of nodes in execution (topological) order. Each node
// has a normalized OpKind from one vocabulary shared by all formats, typed attributes, and
// indices into the tensor list. Shapes are concrete dimensions; -1 marks a dimension that could
// not be resolved (reported as such, never guessed). Thread-compatible value type.
#ifndef MBENCH_ANALYZER_GRAPH_H_
#define MBENCH_ANALYZER_GRAPH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status_or.h"

namespace mbench::analyzer {

enum class DType : uint8_t {
  kUnknown,
  kFloat32,
  kFloat16,
  kBFloat16,
  kFloat64,
  kInt4,
  kUInt4,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kBool,
  kString,
  kComplex64,
  kComplex128,
};

const char* DTypeName(DType dtype);
// Bits per element (4 for int4, 8 for bool); 0 for kUnknown and kString.
int DTypeBits(DType dtype);
bool IsFloatingPoint(DType dtype);
bool IsInteger(DType dtype);  // includes bool

// Shape of a tensor; dims < 0 are unresolved.
using Shape = std::vector<int64_t>;

// "1x3x224x224", "scalar" for rank 0, "?" for an unknown dim.
std::string ShapeToString(const Shape& shape);

// Number of elements, or nullopt if a dim is unresolved or the product overflows int64.
std::optional<int64_t> NumElements(const Shape& shape);

struct TensorInfo {
  std::string name;
  DType dtype = DType::kUnknown;
  bool has_shape = false;  // rank known; dims may still be -1
  Shape shape;
  // Constant data known at load time (an initializer, a Constant node, a weight in the file).
  bool is_constant = false;
  // Values of small constant tensors (<= kMaxInlineValues elements), kept for shape arithmetic
  // and for attributes that ONNX passes as inputs (Clip's min/max, Reshape's shape, ...).
  std::vector<int64_t> int_values;
  std::vector<double> float_values;
  bool has_values = false;
  // Where the constant's bytes live when they are not inside the model file (ONNX external
  // data): the side file, resolved against the model's directory. Empty otherwise.
  std::string external_file;
  // Sparse constants (TFLite sparsity): the number of values actually stored; -1 when dense.
  // Bytes follow the stored values; parameter counts report both dense and stored.
  int64_t stored_elements = -1;
  // Quantization (TFLite, ONNX QLinear): one scale per tensor or per channel; empty if float.
  std::vector<double> quant_scales;
  std::vector<int64_t> quant_zero_points;
  int64_t quant_axis = -1;
  // Every value of a constant as float (dequantized, fp16 widened), in the tensor's layout; only
  // when ReadOptions::keep_weights asked for it and the format's data could be read. Shared so
  // copies of the Graph stay cheap.
  std::shared_ptr<const std::vector<float>> weights;
  int32_t producer = -1;  // index of the node that writes this tensor; -1 for inputs/constants

  static constexpr int64_t kMaxInlineValues = 4096;
};

using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>,
                               std::vector<double>, std::vector<std::string>>;

enum class OpKind : uint16_t {
  // Multiply-accumulate ops.
  kConv,
  kDepthwiseConv,
  kConvTranspose,
  kFullyConnected,
  kMatMul,
  kEinsum,
  kLstm,
  kGru,
  kRnn,
  kAttention,  // scaled dot-product attention: softmax(Q·Kᵀ)·V in one layer
  // Normalization.
  kBatchNorm,
  kInstanceNorm,
  kLayerNorm,
  kGroupNorm,
  kLrn,
  kLpNormalization,
  // Activations.
  kRelu,
  kClip,
  kSigmoid,
  kHardSigmoid,
  kHardSwish,
  kSwish,
  kMish,
  kLeakyRelu,
  kPRelu,
  kElu,
  kSelu,
  kCelu,
  kThresholdedRelu,
  kTanh,
  kGelu,
  kErf,
  kSoftplus,
  kSoftsign,
  kRotaryEmbed,  // rotary position embedding: x·cos + rotate(x)·sin
  kSoftmax,
  kLogSoftmax,
  kHardmax,
  // Pooling.
  kMaxPool,
  kAveragePool,
  kLpPool,
  kGlobalMaxPool,
  kGlobalAveragePool,
  kGlobalLpPool,
  kMaxUnpool,
  kRoiAlign,
  kMaxRoiPool,
  // Binary and n-ary element-wise.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kMax,
  kMin,
  kMean,
  kSum,
  kMod,
  kSquaredDifference,
  kEqual,
  kGreater,
  kGreaterOrEqual,
  kLess,
  kLessOrEqual,
  kAnd,
  kOr,
  kXor,
  kBitShift,
  kWhere,
  // Unary element-wise math.
  kAbs,
  kNeg,
  kExp,
  kLog,
  kSqrt,
  kRsqrt,
  kReciprocal,
  kSquare,
  kFloor,
  kCeil,
  kRound,
  kSign,
  kSin,
  kCos,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kSinh,
  kCosh,
  kAsinh,
  kAcosh,
  kAtanh,
  kNot,
  kIsNaN,
  kIsInf,
  // Reductions and scans.
  kReduceMean,
  kReduceSum,
  kReduceMax,
  kReduceMin,
  kReduceProd,
  kReduceL1,
  kReduceL2,
  kReduceLogSum,
  kReduceLogSumExp,
  kReduceSumSquare,
  kArgMax,
  kArgMin,
  kTopK,
  kCumSum,
  // Data movement and shape ops (no arithmetic; bytes only).
  kConcat,
  kSplit,
  kSlice,
  kReshape,
  kTranspose,
  kFlatten,
  kSqueeze,
  kUnsqueeze,
  kGather,
  kGatherElements,
  kGatherNd,
  kScatter,
  kScatterElements,
  kScatterNd,
  kPad,
  kResize,
  kExpand,
  kTile,
  kDepthToSpace,
  kSpaceToDepth,
  kShuffleChannel,
  kIdentity,
  kDropout,
  kCast,
  kShape,
  kSize,
  kConstantOfShape,
  kRange,
  kNonZero,
  kOneHot,
  kReverseSequence,
  kTrilu,
  kCompress,
  kEyeLike,
  kRandom,
  // Quantization.
  kQuantize,
  kDequantize,
  kDynamicQuantize,
  // Detection post-processing.
  kNonMaxSuppression,
  // Control flow (subgraphs are reported, not costed).
  kIf,
  kLoop,
  kScan,
  // Ops of a format with no mbench meaning (TFLite custom ops), and ops mbench does not know.
  kCustom,
  kUnknown,
};

// Stable lower-case name ("conv", "depthwise_conv", "unknown"), as in JSON reports.
const char* OpKindName(OpKind kind);

// All OpKinds, in enum order; for registry tests.
std::span<const OpKind> AllOpKinds();

struct Node {
  std::string name;  // unique within the graph (made unique by the reader if needed)
  OpKind kind = OpKind::kUnknown;
  std::string op_type;           // as written in the file, e.g. "Conv", "com.microsoft:FusedConv"
  std::vector<int32_t> inputs;   // tensor indices; -1 for an omitted optional input
  std::vector<int32_t> outputs;  // tensor indices; -1 for an omitted optional output
  std::map<std::string, AttrValue, std::less<>> attrs;

  // Typed attribute access with a default when absent or of another type.
  int64_t GetInt(std::string_view key, int64_t fallback) const;
  double GetFloat(std::string_view key, double fallback) const;
  std::string GetString(std::string_view key, const std::string& fallback) const;
  std::vector<int64_t> GetInts(std::string_view key) const;
  bool HasAttr(std::string_view key) const { return attrs.find(key) != attrs.end(); }
};

// Where the channel axis of 4-D activations sits; readers set it from the format (ONNX and
// ncnn: NCHW; TFLite: NHWC), and cost rules use it to find channels.
enum class Layout : uint8_t { kNCHW, kNHWC };

struct Graph {
  std::string format;  // "onnx", ...
  Layout layout = Layout::kNCHW;
  std::string producer;  // e.g. "pytorch 2.1"
  int64_t opset = 0;     // default-domain opset (0 if the format has none)
  std::vector<TensorInfo> tensors;
  std::vector<Node> nodes;      // execution order
  std::vector<int32_t> inputs;  // graph inputs (activations fed by the caller)
  std::vector<int32_t> outputs;
  // Facts the reader decided on the user's behalf, printed in every report (e.g. "input 'x':
  // symbolic batch dim 'N' set to 1").
  std::vector<std::string> notes;

  // Returns the index of the tensor named `name`, or -1.
  int32_t FindTensor(std::string_view name) const;
  // Appends a tensor and returns its index. REQUIRES: no tensor with that name yet.
  int32_t AddTensor(TensorInfo info);
};

// Checks structural invariants a reader must guarantee: tensor indices in range, every node
// input produced earlier or constant or a graph input, unique tensor names. Returns kCorruption
// naming the first violation.
Status ValidateGraph(const Graph& graph);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_GRAPH_H_
