#include "analyzer/op_cost.h"

#include <algorithm>
#include <map>

#include "core/units.h"

namespace mbench::analyzer {
namespace {

using CC = CostClass;

// Bit masks for OpCostEntry::weight_slots / buffer_slots.
constexpr uint8_t kSlot1 = 1u << 1, kSlot2 = 1u << 2, kSlot3 = 1u << 3, kSlot4 = 1u << 4;
constexpr uint8_t kSlot0 = 1u << 0, kSlot7 = 1u << 7;

// One entry per OpKind, in enum order (op_cost_test checks it). Columns: kind, class,
// flops_per_element, num_data_inputs, weight_slots, buffer_slots. The per-element FLOP figures
// count every arithmetic step and every transcendental evaluation (exp, log, tanh, erf, sqrt) as
// one FLOP; docs/counting.md lists the derivation of each.
constexpr OpCostEntry kOpCostTable[] = {
    {OpKind::kConv, CC::kConv, 0, 3, kSlot1 | kSlot2, 0},
    {OpKind::kDepthwiseConv, CC::kConv, 0, 3, kSlot1 | kSlot2, 0},
    {OpKind::kConvTranspose, CC::kConvTranspose, 0, 3, kSlot1 | kSlot2, 0},
    {OpKind::kFullyConnected, CC::kFullyConnected, 0, 3, kSlot1 | kSlot2, 0},
    {OpKind::kMatMul, CC::kMatMul, 0, 2, kSlot0 | kSlot1, 0},
    {OpKind::kEinsum, CC::kEinsum, 0, -1, 0, 0},
    // LSTM: per hidden unit and step, 8 bias adds + 3 sigmoids x 4 + 2 tanh + 3 (cell) + 1 (h).
    {OpKind::kLstm, CC::kRecurrent, 26, -1, kSlot1 | kSlot2 | kSlot3 | kSlot7, 0},
    // GRU: 6 bias adds + 2 sigmoids x 4 + 1 tanh + 2 (reset gate) + 3 (blend).
    {OpKind::kGru, CC::kRecurrent, 20, -1, kSlot1 | kSlot2 | kSlot3, 0},
    // RNN: 2 bias adds + 1 tanh.
    {OpKind::kRnn, CC::kRecurrent, 3, -1, kSlot1 | kSlot2 | kSlot3, 0},
    // Attention: scale 1 + softmax 5 FLOPs per score, plus the two matrix products as MACs.
    {OpKind::kAttention, CC::kAttention, 6, -1, 0, 0},
    // BatchNorm at inference folds into one multiply and one add per element.
    {OpKind::kBatchNorm, CC::kPerOutputElement, 2, 5, kSlot1 | kSlot2, kSlot3 | kSlot4},
    // Mean 1, center 1, square+accumulate 2, normalize 1, scale 1, shift 1.
    {OpKind::kInstanceNorm, CC::kPerOutputElement, 7, 3, kSlot1 | kSlot2, 0},
    {OpKind::kLayerNorm, CC::kPerOutputElement, 7, 3, kSlot1 | kSlot2, 0},
    {OpKind::kGroupNorm, CC::kPerOutputElement, 7, 3, kSlot1 | kSlot2, 0},
    // LRN: 2 per window element (square, accumulate; window from the 'size' attribute, added in
    // CountPerOutputElement) plus 4 for scale, bias, power and divide.
    {OpKind::kLrn, CC::kPerOutputElement, 4, 1, 0, 0},
    // Square, accumulate, divide.
    {OpKind::kLpNormalization, CC::kPerOutputElement, 3, 1, 0, 0},
    {OpKind::kRelu, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kClip, CC::kPerOutputElement, 2, 1, 0, 0},
    {OpKind::kSigmoid, CC::kPerOutputElement, 4, 1, 0, 0},
    {OpKind::kHardSigmoid, CC::kPerOutputElement, 4, 1, 0, 0},
    {OpKind::kHardSwish, CC::kPerOutputElement, 5, 1, 0, 0},
    {OpKind::kSwish, CC::kPerOutputElement, 5, 1, 0, 0},
    {OpKind::kMish, CC::kPerOutputElement, 5, 1, 0, 0},
    {OpKind::kLeakyRelu, CC::kPerOutputElement, 2, 1, 0, 0},
    {OpKind::kPRelu, CC::kPerOutputElement, 2, 2, kSlot1, 0},
    {OpKind::kElu, CC::kPerOutputElement, 3, 1, 0, 0},
    {OpKind::kSelu, CC::kPerOutputElement, 4, 1, 0, 0},
    {OpKind::kCelu, CC::kPerOutputElement, 4, 1, 0, 0},
    {OpKind::kThresholdedRelu, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kTanh, CC::kPerOutputElement, 1, 1, 0, 0},
    // Gelu (erf form): divide, erf, add, multiply, multiply.
    {OpKind::kGelu, CC::kPerOutputElement, 5, 1, 0, 0},
    {OpKind::kErf, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kSoftplus, CC::kPerOutputElement, 3, 1, 0, 0},
    {OpKind::kSoftsign, CC::kPerOutputElement, 3, 1, 0, 0},
    // Rotary embedding: x*cos + rotate_half(x)*sin = 2 multiplies and 1 add per element.
    {OpKind::kRotaryEmbed, CC::kPerOutputElement, 3, -1, 0, 0},
    // Max-reduce 1, subtract 1, exp 1, sum 1, divide 1.
    {OpKind::kSoftmax, CC::kPerOutputElement, 5, 1, 0, 0},
    {OpKind::kLogSoftmax, CC::kPerOutputElement, 5, 1, 0, 0},
    {OpKind::kHardmax, CC::kPerOutputElement, 1, 1, 0, 0},
    // Pools: flops_per_element is per window element (compare or add).
    {OpKind::kMaxPool, CC::kPool, 1, 1, 0, 0},
    {OpKind::kAveragePool, CC::kPool, 1, 1, 0, 0},
    {OpKind::kLpPool, CC::kPool, 2, 1, 0, 0},
    {OpKind::kGlobalMaxPool, CC::kGlobalPool, 1, 1, 0, 0},
    {OpKind::kGlobalAveragePool, CC::kGlobalPool, 1, 1, 0, 0},
    {OpKind::kGlobalLpPool, CC::kGlobalPool, 2, 1, 0, 0},
    {OpKind::kMaxUnpool, CC::kDataMovement, 0, 2, 0, 0},
    // RoiAlign: 4 FLOPs per sample point (a bilinear tap is 4 weighted reads, one FLOP each);
    // samples per bin from 'sampling_ratio', added in CountPerOutputElement.
    {OpKind::kRoiAlign, CC::kPerOutputElement, 4, 3, 0, 0},
    {OpKind::kMaxRoiPool, CC::kDataDependent, 0, 2, 0, 0},
    {OpKind::kAdd, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kSub, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kMul, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kDiv, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kPow, CC::kPerOutputElement, 1, -1, 0, 0},
    // Max/Min/Mean/Sum are n-ary: (inputs - 1) per element, Mean adds a divide (rule below).
    {OpKind::kMax, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kMin, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kMean, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kSum, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kMod, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kSquaredDifference, CC::kPerOutputElement, 2, -1, 0, 0},
    {OpKind::kEqual, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kGreater, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kGreaterOrEqual, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kLess, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kLessOrEqual, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kAnd, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kOr, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kXor, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kBitShift, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kWhere, CC::kPerOutputElement, 1, -1, 0, 0},
    {OpKind::kAbs, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kNeg, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kExp, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kLog, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kSqrt, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kRsqrt, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kReciprocal, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kSquare, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kFloor, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kCeil, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kRound, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kSign, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kSin, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kCos, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kTan, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kAsin, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kAcos, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kAtan, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kSinh, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kCosh, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kAsinh, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kAcosh, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kAtanh, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kNot, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kIsNaN, CC::kPerOutputElement, 1, 1, 0, 0},
    {OpKind::kIsInf, CC::kPerOutputElement, 1, 1, 0, 0},
    // Reductions: flops_per_element per input element; means and norms add per-output work.
    {OpKind::kReduceMean, CC::kReduce, 1, 1, 0, 0},
    {OpKind::kReduceSum, CC::kReduce, 1, 1, 0, 0},
    {OpKind::kReduceMax, CC::kReduce, 1, 1, 0, 0},
    {OpKind::kReduceMin, CC::kReduce, 1, 1, 0, 0},
    {OpKind::kReduceProd, CC::kReduce, 1, 1, 0, 0},
    {OpKind::kReduceL1, CC::kReduce, 2, 1, 0, 0},
    {OpKind::kReduceL2, CC::kReduce, 2, 1, 0, 0},
    {OpKind::kReduceLogSum, CC::kReduce, 1, 1, 0, 0},
    {OpKind::kReduceLogSumExp, CC::kReduce, 2, 1, 0, 0},
    {OpKind::kReduceSumSquare, CC::kReduce, 2, 1, 0, 0},
    {OpKind::kArgMax, CC::kReduce, 1, 1, 0, 0},
    {OpKind::kArgMin, CC::kReduce, 1, 1, 0, 0},
    {OpKind::kTopK, CC::kReduce, 1, 1, 0, 0},
    {OpKind::kCumSum, CC::kReduce, 1, 1, 0, 0},
    {OpKind::kConcat, CC::kDataMovement, 0, -1, 0, 0},
    {OpKind::kSplit, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kSlice, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kReshape, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kTranspose, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kFlatten, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kSqueeze, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kUnsqueeze, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kGather, CC::kDataMovement, 0, 2, 0, 0},
    {OpKind::kGatherElements, CC::kDataMovement, 0, 2, 0, 0},
    {OpKind::kGatherNd, CC::kDataMovement, 0, 2, 0, 0},
    {OpKind::kScatter, CC::kDataMovement, 0, 3, 0, 0},
    {OpKind::kScatterElements, CC::kDataMovement, 0, 3, 0, 0},
    {OpKind::kScatterNd, CC::kDataMovement, 0, 3, 0, 0},
    {OpKind::kPad, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kResize, CC::kResize, 0, 1, 0, 0},
    {OpKind::kExpand, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kTile, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kDepthToSpace, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kSpaceToDepth, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kShuffleChannel, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kIdentity, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kDropout, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kCast, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kShape, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kSize, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kConstantOfShape, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kRange, CC::kDataMovement, 0, 0, 0, 0},
    {OpKind::kNonZero, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kOneHot, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kReverseSequence, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kTrilu, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kCompress, CC::kDataMovement, 0, 2, 0, 0},
    {OpKind::kEyeLike, CC::kDataMovement, 0, 1, 0, 0},
    {OpKind::kRandom, CC::kDataMovement, 0, 1, 0, 0},
    // Quantize: multiply by 1/scale, round, add zero point. Dequantize: subtract, multiply.
    {OpKind::kQuantize, CC::kPerOutputElement, 3, 1, 0, 0},
    {OpKind::kDequantize, CC::kPerOutputElement, 2, 1, kSlot0, 0},
    {OpKind::kDynamicQuantize, CC::kPerOutputElement, 5, 1, 0, 0},
    {OpKind::kNonMaxSuppression, CC::kDataDependent, 0, 2, 0, 0},
    {OpKind::kIf, CC::kNotCosted, 0, -1, 0, 0},
    {OpKind::kLoop, CC::kNotCosted, 0, -1, 0, 0},
    {OpKind::kScan, CC::kNotCosted, 0, -1, 0, 0},
    {OpKind::kCustom, CC::kNotCosted, 0, -1, 0, 0},
    {OpKind::kUnknown, CC::kNotCosted, 0, -1, 0, 0},
};

static_assert(sizeof(kOpCostTable) / sizeof(kOpCostTable[0]) ==
                  static_cast<size_t>(OpKind::kUnknown) + 1,
              "kOpCostTable must have one entry per OpKind");

const TensorInfo* InputAt(const Graph& g, const Node& n, size_t slot) {
  if (slot >= n.inputs.size() || n.inputs[slot] < 0) return nullptr;
  return &g.tensors[n.inputs[slot]];
}

const TensorInfo* OutputAt(const Graph& g, const Node& n, size_t slot) {
  if (slot >= n.outputs.size() || n.outputs[slot] < 0) return nullptr;
  return &g.tensors[n.outputs[slot]];
}

// Accumulates a count, turning overflow and unresolved shapes into flags/errors.
class Counter {
 public:
  Counter(const Graph& g, const Node& n) : graph_(g), node_(n) {}

  // Element count of `t`, or nullopt (and the node marked unresolved) when unknown.
  std::optional<int64_t> Elems(const TensorInfo* t) {
    if (t == nullptr || !t->has_shape) {
      MarkUnresolved(t);
      return std::nullopt;
    }
    for (int64_t d : t->shape) {
      if (d < 0) {
        MarkUnresolved(t);
        return std::nullopt;
      }
    }
    auto n = NumElements(t->shape);
    if (!n) Overflow("elements of '" + t->name + "' (" + ShapeToString(t->shape) + ")");
    return n;
  }

  std::optional<int64_t> Dim(const TensorInfo* t, int64_t axis) {
    if (t == nullptr || !t->has_shape) {
      MarkUnresolved(t);
      return std::nullopt;
    }
    int64_t rank = static_cast<int64_t>(t->shape.size());
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank || t->shape[axis] < 0) {
      MarkUnresolved(t);
      return std::nullopt;
    }
    return t->shape[axis];
  }

  // Returns a*b and records overflow.
  int64_t Mul(int64_t a, int64_t b) {
    auto r = CheckedMul(a, b);
    if (!r) {
      Overflow("product " + std::to_string(a) + " x " + std::to_string(b));
      return 0;
    }
    return *r;
  }
  int64_t Add(int64_t a, int64_t b) {
    auto r = CheckedAdd(a, b);
    if (!r) {
      Overflow("sum " + std::to_string(a) + " + " + std::to_string(b));
      return 0;
    }
    return *r;
  }

  void MarkUnresolved(const TensorInfo* t) {
    if (!work.shapes_resolved) return;
    work.shapes_resolved = false;
    work.note = t == nullptr ? std::string("a required input is missing")
                             : "shape of '" + t->name + "' is unresolved";
  }
  void Overflow(const std::string& what) {
    if (overflow_.empty()) overflow_ = what;
  }

  StatusOr<NodeWork> Finish() {
    if (!overflow_.empty()) {
      return Status::InvalidArgument("node '" + node_.name + "' (" + node_.op_type +
                                     "): count overflows int64: " + overflow_ +
                                     ": dimensions are too large to be real");
    }
    if (!work.shapes_resolved) {
      work.macs = 0;
      work.flops = 0;
    }
    return work;
  }

  NodeWork work;

 private:
  const Graph& graph_;
  const Node& node_;
  std::string overflow_;
};

int64_t ChannelAxis(const Graph& g, const TensorInfo* t) {
  if (g.layout == Layout::kNHWC && t != nullptr) return static_cast<int64_t>(t->shape.size()) - 1;
  // A convolution over a rank-2 tensor is ncnn's 1-D convolution of an unbatched [C, L] blob
  // (ONNX's Conv needs rank 3 or more): channels come first. Taking axis 1 counted the length.
  if (t != nullptr && t->shape.size() == 2) return 0;
  return 1;
}

// Product of the kernel's spatial sizes: the 'kernel_shape' attribute, which every reader fills.
std::optional<int64_t> KernelElems(const Node& n) {
  std::vector<int64_t> k = n.GetInts("kernel_shape");
  if (k.empty()) return std::nullopt;
  return CheckedProduct(k);
}

void CountConv(const Graph& g, const Node& n, Counter& c) {
  const TensorInfo* x = InputAt(g, n, 0);
  const TensorInfo* y = OutputAt(g, n, 0);
  auto out = c.Elems(y);
  auto cin = c.Dim(x, ChannelAxis(g, x));
  auto k = KernelElems(n);
  if (!k) {
    c.work.shapes_resolved = false;
    c.work.note = "kernel_shape unknown";
    return;
  }
  if (!out || !cin) return;
  int64_t group = std::max<int64_t>(1, n.GetInt("group", 1));
  c.work.macs = c.Mul(c.Mul(*out, *cin / group), *k);
  c.work.flops = c.Mul(c.work.macs, kFlopsPerMac);
  if (InputAt(g, n, 2) != nullptr) c.work.flops = c.Add(c.work.flops, *out);  // bias add
}

void CountConvTranspose(const Graph& g, const Node& n, Counter& c) {
  const TensorInfo* x = InputAt(g, n, 0);
  const TensorInfo* y = OutputAt(g, n, 0);
  auto in = c.Elems(x);
  auto out = c.Elems(y);
  auto cout = c.Dim(y, ChannelAxis(g, y));
  auto k = KernelElems(n);
  if (!k) {
    c.work.shapes_resolved = false;
    c.work.note = "kernel_shape unknown";
    return;
  }
  if (!in || !out || !cout) return;
  int64_t group = std::max<int64_t>(1, n.GetInt("group", 1));
  c.work.macs = c.Mul(c.Mul(*in, *cout / group), *k);
  c.work.flops = c.Mul(c.work.macs, kFlopsPerMac);
  if (InputAt(g, n, 2) != nullptr) c.work.flops = c.Add(c.work.flops, *out);
}

void CountFullyConnected(const Graph& g, const Node& n, Counter& c) {
  const TensorInfo* w = InputAt(g, n, 1);
  const TensorInfo* y = OutputAt(g, n, 0);
  auto out = c.Elems(y);
  auto features = c.Dim(y, -1);
  auto w_elems = c.Elems(w);
  if (!out || !features || !w_elems) return;
  if (*features == 0) return;
  int64_t k = *w_elems / *features;  // weights hold K x N (or N x K) elements
  c.work.macs = c.Mul(*out, k);
  c.work.flops = c.Mul(c.work.macs, kFlopsPerMac);
  if (InputAt(g, n, 2) != nullptr) c.work.flops = c.Add(c.work.flops, *out);
}

void CountMatMul(const Graph& g, const Node& n, Counter& c) {
  const TensorInfo* a = InputAt(g, n, 0);
  auto out = c.Elems(OutputAt(g, n, 0));
  auto k = c.Dim(a, -1);
  if (!out || !k) return;
  c.work.macs = c.Mul(*out, *k);
  c.work.flops = c.Mul(c.work.macs, kFlopsPerMac);
}

void CountEinsum(const Graph& g, const Node& n, Counter& c) {
  std::string eq = n.GetString("equation", "");
  std::string lhs = eq.substr(0, eq.find("->"));
  std::map<char, int64_t> sizes;
  size_t operand = 0;
  size_t pos = 0;
  bool ellipsis = false;
  while (pos <= lhs.size()) {
    size_t comma = lhs.find(',', pos);
    std::string term =
        lhs.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    term.erase(std::remove(term.begin(), term.end(), ' '), term.end());
    if (term.find("...") != std::string::npos) ellipsis = true;
    const TensorInfo* t = InputAt(g, n, operand);
    if (t == nullptr || !t->has_shape) {
      c.MarkUnresolved(t);
      return;
    }
    if (!ellipsis && term.size() == t->shape.size()) {
      for (size_t i = 0; i < term.size(); ++i) {
        if (t->shape[i] < 0) {
          c.MarkUnresolved(t);
          return;
        }
        sizes[term[i]] = std::max(sizes[term[i]], t->shape[i]);
      }
    }
    ++operand;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (ellipsis || sizes.empty()) {
    c.work.shapes_resolved = false;
    c.work.note = "einsum equation '" + eq + "' not costed (ellipsis)";
    return;
  }
  int64_t product = 1;
  for (const auto& [letter, size] : sizes) product = c.Mul(product, size);
  if (operand >= 2) {
    c.work.macs = product;
    c.work.flops = c.Mul(product, kFlopsPerMac);
  } else {
    c.work.flops = product;  // a single-operand einsum is a sum or a transpose
  }
}

void CountRecurrent(const Graph& g, const Node& n, const OpCostEntry& e, Counter& c) {
  const TensorInfo* x = InputAt(g, n, 0);
  const TensorInfo* w = InputAt(g, n, 1);
  const TensorInfo* r = InputAt(g, n, 2);
  auto seq = c.Dim(x, 0);
  // ONNX's X is [T, batch, I]; ncnn's is an unbatched [T, I].
  auto batch = x != nullptr && x->has_shape && x->shape.size() == 2 ? std::optional<int64_t>(1)
                                                                    : c.Dim(x, 1);
  auto w_elems = c.Elems(w);
  auto r_elems = c.Elems(r);
  auto dirs = c.Dim(w, 0);
  int64_t hidden = n.GetInt("hidden_size", -1);
  if (hidden <= 0) {
    auto h = c.Dim(r, 2);
    if (h) hidden = *h;
  }
  if (!seq || !batch || !w_elems || !r_elems || !dirs || hidden <= 0) return;
  // W is [dirs, gates*H, I] and R is [dirs, gates*H, H]: one multiply-accumulate per element
  // per step and batch row.
  int64_t per_step = c.Add(*w_elems, *r_elems);
  int64_t steps = c.Mul(*seq, *batch);
  c.work.macs = c.Mul(steps, per_step);
  int64_t units = c.Mul(c.Mul(steps, *dirs), hidden);
  c.work.flops = c.Add(c.Mul(c.work.macs, kFlopsPerMac), c.Mul(units, e.flops_per_element));
}

void CountAttention(const Graph& g, const Node& n, const OpCostEntry& e, Counter& c) {
  const TensorInfo* q = InputAt(g, n, 0);
  const TensorInfo* k = InputAt(g, n, 1);
  const TensorInfo* v = InputAt(g, n, 2);
  auto q_elems = c.Elems(q);
  auto lk = c.Dim(k, -2);
  auto dv = c.Dim(v, -1);
  auto d = c.Dim(q, -1);
  if (!q_elems || !lk || !dv || !d || *d == 0) return;
  // Heads split the last axis when the layer says so (ncnn's MultiHeadAttention: [L, embed]);
  // otherwise they are a leading axis already.
  const int64_t heads = std::max<int64_t>(1, n.GetInt("num_heads", 1));
  if (*d % heads != 0 || *dv % heads != 0) return;
  int64_t rows = c.Mul(*q_elems / *d, heads);  // batch x heads x Lq
  // With a KV cache, keys are the cached ones plus the current ones.
  int64_t keys = *lk + std::max<int64_t>(0, n.GetInt("kv_cache_len", 0));
  int64_t scores = c.Mul(rows, keys);
  c.work.macs = c.Mul(scores, (*d + *dv) / heads);
  c.work.flops = c.Add(c.Mul(c.work.macs, kFlopsPerMac), c.Mul(scores, e.flops_per_element));
}

void CountPerOutputElement(const Graph& g, const Node& n, const OpCostEntry& e, Counter& c) {
  auto out = c.Elems(OutputAt(g, n, 0));
  if (!out) return;
  int64_t per = e.flops_per_element;
  switch (n.kind) {
    case OpKind::kMax:
    case OpKind::kMin:
    case OpKind::kSum:
    case OpKind::kMean: {
      int64_t present = 0;
      for (int32_t in : n.inputs) present += in >= 0 ? 1 : 0;
      per = std::max<int64_t>(1, present - 1) + (n.kind == OpKind::kMean ? 1 : 0);
      break;
    }
    case OpKind::kLrn:
      per = 2 * std::max<int64_t>(1, n.GetInt("size", 1)) + e.flops_per_element;
      break;
    case OpKind::kRoiAlign: {
      int64_t ratio = n.GetInt("sampling_ratio", 0);
      // An adaptive ratio (0) depends on ROI sizes; charge the common 2x2 grid and say so.
      if (ratio <= 0) {
        ratio = 2;
        c.work.note = "adaptive sampling_ratio charged as 2x2 samples per bin";
      }
      per = e.flops_per_element * ratio * ratio;
      break;
    }
    default: break;
  }
  c.work.flops = c.Mul(*out, per);
}

void CountPool(const Graph& g, const Node& n, const OpCostEntry& e, Counter& c) {
  auto out = c.Elems(OutputAt(g, n, 0));
  auto k = KernelElems(n);
  if (!k) {
    c.work.shapes_resolved = false;
    c.work.note = "kernel_shape unknown";
    return;
  }
  if (!out) return;
  int64_t per_output = c.Mul(*k, e.flops_per_element);
  if (n.kind == OpKind::kAveragePool || n.kind == OpKind::kLpPool) per_output += 1;  // divide/root
  c.work.flops = c.Mul(*out, per_output);
}

void CountGlobalPool(const Graph& g, const Node& n, const OpCostEntry& e, Counter& c) {
  auto in = c.Elems(InputAt(g, n, 0));
  auto out = c.Elems(OutputAt(g, n, 0));
  if (!in || !out) return;
  c.work.flops = c.Mul(*in, e.flops_per_element);
  if (n.kind != OpKind::kGlobalMaxPool) c.work.flops = c.Add(c.work.flops, *out);
}

void CountReduce(const Graph& g, const Node& n, const OpCostEntry& e, Counter& c) {
  auto in = c.Elems(InputAt(g, n, 0));
  if (!in) return;
  c.work.flops = c.Mul(*in, e.flops_per_element);
  switch (n.kind) {
    case OpKind::kReduceMean:
    case OpKind::kReduceL2:
    case OpKind::kReduceLogSum:
    case OpKind::kReduceLogSumExp: {
      auto out = c.Elems(OutputAt(g, n, 0));
      if (out) c.work.flops = c.Add(c.work.flops, *out);  // divide, sqrt or log per output
      break;
    }
    default: break;
  }
}

void CountResize(const Graph& g, const Node& n, Counter& c) {
  const TensorInfo* x = InputAt(g, n, 0);
  const TensorInfo* y = OutputAt(g, n, 0);
  auto out = c.Elems(y);
  if (!out || x == nullptr || !x->has_shape || x->shape.size() != y->shape.size()) {
    if (out) c.MarkUnresolved(x);
    return;
  }
  int64_t resized_axes = 0;
  for (size_t i = 0; i < x->shape.size(); ++i) resized_axes += x->shape[i] != y->shape[i] ? 1 : 0;
  std::string mode = n.GetString("mode", "nearest");
  int64_t per = 0;
  if (mode == "linear" || mode == "bilinear" || mode == "trilinear") {
    per = 3 * ((int64_t{1} << resized_axes) - 1);  // 2^d - 1 lerps of (sub, mul, add)
  } else if (mode == "cubic" || mode == "bicubic") {
    int64_t taps = 1;
    for (int64_t i = 0; i < resized_axes; ++i) taps *= 4;
    per = 2 * taps;  // one multiply-add per tap
  }
  c.work.flops = c.Mul(*out, per);
}

}  // namespace

const OpCostEntry& GetOpCostEntry(OpKind kind) {
  auto i = static_cast<size_t>(kind);
  if (i >= sizeof(kOpCostTable) / sizeof(kOpCostTable[0])) {
    return kOpCostTable[static_cast<size_t>(OpKind::kUnknown)];
  }
  return kOpCostTable[i];
}

StatusOr<NodeWork> ComputeNodeWork(const Graph& graph, const Node& node) {
  const OpCostEntry& e = GetOpCostEntry(node.kind);
  Counter c(graph, node);
  switch (e.cost_class) {
    case CC::kConv: CountConv(graph, node, c); break;
    case CC::kConvTranspose: CountConvTranspose(graph, node, c); break;
    case CC::kFullyConnected: CountFullyConnected(graph, node, c); break;
    case CC::kMatMul: CountMatMul(graph, node, c); break;
    case CC::kEinsum: CountEinsum(graph, node, c); break;
    case CC::kRecurrent: CountRecurrent(graph, node, e, c); break;
    case CC::kAttention: CountAttention(graph, node, e, c); break;
    case CC::kPerOutputElement: CountPerOutputElement(graph, node, e, c); break;
    case CC::kPool: CountPool(graph, node, e, c); break;
    case CC::kGlobalPool: CountGlobalPool(graph, node, e, c); break;
    case CC::kReduce: CountReduce(graph, node, e, c); break;
    case CC::kResize: CountResize(graph, node, c); break;
    case CC::kDataMovement: break;
    case CC::kDataDependent: c.work.note = "work depends on the data; counted as 0 FLOPs"; break;
    case CC::kNotCosted:
      // A reader that knows the work of a layer no op describes states it (ncnn's DFTs).
      if (node.kind == OpKind::kCustom && node.HasAttr("stated_macs")) {
        c.work.macs = std::max<int64_t>(0, node.GetInt("stated_macs", 0));
        c.work.flops = c.Mul(c.work.macs, kFlopsPerMac);
        c.work.note = "work as " + node.GetString("stated_by", "the file's reader") + " states it";
        break;
      }
      c.work.costed = false;
      c.work.note = node.kind == OpKind::kUnknown  ? "unknown op '" + node.op_type + "'"
                    : node.kind == OpKind::kCustom ? "custom op '" + node.op_type + "'"
                                                   : "control flow: subgraph not analyzed";
      break;
  }
  // An activation fused into the layer (TFLite's fused_activation_function, ncnn's
  // activation_type) is counted on the layer's output with the FLOPs it has as a layer of its own.
  std::string act = node.GetString("fused_activation", "");
  if (!act.empty() && c.work.costed) {
    auto out = c.Elems(OutputAt(graph, node, 0));
    int64_t per = 1;  // relu, tanh, sign_bit
    if (act == "relu6" || act == "relu_n1_to_1" || act == "clip" || act == "leaky_relu") per = 2;
    if (act == "sigmoid") per = 4;
    if (act == "mish" || act == "hard_swish") per = 5;
    if (out) c.work.flops = c.Add(c.work.flops, c.Mul(*out, per));
  }
  return c.Finish();
}

}  // namespace mbench::analyzer
