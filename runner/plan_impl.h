// The runner's compile and run state, shared by the plan's passes (runner/passes/) and op
// builders (runner/ops/). Internal to runner/: it names XNNPACK and pthreadpool types, so no
// header outside runner/ may include it.
//
// Plan::Impl holds the graph being compiled, one Buf per tensor (shapes as the model has them
// and as stored, lifetime, arena place, the forms an fp16 or int8 plan keeps), one Step per
// layer (an XNNPACK operator or a plain kernel), the arena, packed weights and the fusion
// decisions the passes made. Not thread-safe: a plan runs on one thread at a time (its steps
// may use the plan's thread pool).
#ifndef MBENCH_RUNNER_PLAN_IMPL_H_
#define MBENCH_RUNNER_PLAN_IMPL_H_

#include <pthreadpool.h>
#include <xnnpack.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analyzer/graph.h"
#include "runner/aligned.h"
#include "runner/kernels/eltwise.h"
#include "runner/kernels/gemm.h"
#include "runner/plan.h"

namespace mbench::runner {

class WinogradConv;  // runner/kernels/winograd.h

using analyzer::Graph;
using analyzer::Node;
using analyzer::OpKind;
using analyzer::Shape;

inline constexpr float kInf = std::numeric_limits<float>::infinity();
// Forms an activation is stored in.
enum Form : uint8_t { kF32 = 0, kF16 = 1, kQ8 = 2 };
// XNNPACK may read up to XNN_EXTRA_BYTES past the end of an input.
inline constexpr int64_t kSlackBytes = 64;

// Elements of a resolved shape (1 for a scalar). REQUIRES: no dimension is negative.
inline int64_t Product(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// NCHW -> NHWC for rank 4.
inline Shape ToNhwc(const Shape& s) { return {s[0], s[2], s[3], s[1]}; }

// A possibly negative axis (counted from the end) as an index in [0, rank).
inline int64_t NormAxis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

// An 8-bit operand of an XNNPACK quantized operator: real = scale * (q - zero_point).
struct QuantOperand {
  int32_t zero_point;
  float scale;
  int8_t* data;
};

class Plan::Impl {
 public:
  struct Buf {
    Shape gshape;  // the model's shape
    Shape ishape;  // the shape as stored (NHWC for an NCHW model's 4-D activations)
    bool nhwc = false;
    bool constant = false;
    int64_t offset = -1;        // in floats, into the arena (activations)
    std::vector<float> values;  // constants, graph layout
    // A constant whose values the Graph holds (a model's weights): shared, not copied, so a
    // large model's weights are in memory once (plus the kernels' packed form).
    std::shared_ptr<const std::vector<float>> shared;
    int first = -1, last = -1;  // lifetime in steps
    float* data = nullptr;
    // An fp16 or int8 plan stores an activation in the form its producer computes (`home`)
    // and keeps a copy in another form while readers need it; the copy is made by its first
    // reader. The fp32 form is offset/first/last/data above; `alt` places the fp16 and int8 ones.
    Form home = kF32;
    struct Place {
      int64_t offset = -1;
      int first = -1, last = -1;
    };
    Place alt[2];
    uint16_t* half = nullptr;
    int8_t* q8 = nullptr;
    // An 8-bit quantized activation (TFLite int8, or uint8 in older models, with one scale):
    // real = scale * (q - zero_point).
    bool quantized = false;
    bool unsigned8 = false;  // uint8 (XNNPACK's qu8 operators) rather than int8 (qs8)
    float scale = 1.0f;
    int32_t zero_point = 0;
  };
  struct Step {
    StepInfo info;
    xnn_operator_t op = nullptr;
    std::function<void()> plain;
    Form form = kF32;  // the form it reads and writes
    bool half() const { return form == kF16; }
    bool int8() const { return form == kQ8; }
    // Forms this step converts before it runs (tensor, form made), and their operators.
    std::vector<std::pair<int32_t, Form>> converts;
    std::vector<xnn_operator_t> pre;
    pthreadpool_t pool = nullptr;  // the plan's pool, or null for a layer run on one thread
  };

  const Graph* graph = nullptr;
  PlanOptions options;
  std::vector<Buf> bufs;
  std::vector<Step> steps;
  AlignedVector<float> arena;  // cache-line aligned: every offset is a multiple of 16 floats
  // Packed weights, permuted constants and scratch; a deque so references stay valid.
  std::deque<std::vector<float>> packed;
  std::deque<std::vector<uint16_t>> packed16;
  std::deque<std::vector<int8_t>> packed8;
  std::deque<std::vector<int32_t>> packed32;
  pthreadpool_t pool = nullptr;
  // Fused activations: producer layer -> the tensor it writes (the activation's output) and the
  // activation's range.
  std::map<int32_t, int32_t> redirect;
  std::map<int32_t, std::pair<float, float>> clamp;
  // Element-wise regions: head layer -> its input tensor and program (runner/kernels/eltwise.h).
  struct Region {
    int32_t input = -1;
    EltProgram program;
  };
  std::map<int32_t, Region> regions;
  // Folded BatchNorm: convolution layer -> the BatchNorm node whose scale and shift it absorbs.
  std::map<int32_t, int32_t> bn_folded;
  // Residual additions fused into a dense convolution (runner/kernels/gemm.h): convolution layer ->
  // the tensor its epilogue adds before the activation range.
  std::map<int32_t, int32_t> residual;
  // Scalar multiplies folded into a matmul of two activations: matmul layer -> the factor.
  std::map<int32_t, float> matmul_scale;
  // Bias additions folded into a matmul with constant weights (an exported Linear: MatMul, then
  // Add of a vector): matmul layer -> the bias tensor.
  std::map<int32_t, int32_t> matmul_bias;
  std::vector<xnn_operator_t> extra_ops;  // operators run from a plain step (fused tails)
  // Winograd: the layers chosen within the budget (ChooseWinogradLayers), how many were
  // eligible, the layers' kernels, and the one scratch they share (steps run one at a time).
  std::set<int32_t> winograd_layers;
  int32_t winograd_eligible = 0;
  int64_t winograd_budget = 0;
  std::vector<WinogradConv*> winograd_convs;
  float* winograd_scratch = nullptr;
  bool synthetic = false;
  int64_t weight_bytes = 0;
  std::mt19937_64 rng;
  // Compile state the passes share (runner/passes/passes.h): nodes whose outputs the analyzer
  // already computed (shape arithmetic, folded away), and for each layer the layer whose
  // operator computes it (-1: its own).
  std::vector<char> folded;
  std::vector<int32_t> fused_into;

  ~Impl() {
    for (auto& s : steps) {
      if (s.op != nullptr) xnn_delete_operator(s.op);
      for (xnn_operator_t op : s.pre) xnn_delete_operator(op);
    }
    for (xnn_operator_t op : extra_ops) xnn_delete_operator(op);
    std::free(winograd_scratch);
    if (pool != nullptr) pthreadpool_destroy(pool);
  }

  const Shape& G(int32_t t) const { return bufs[t].gshape; }

  // Constant values in graph layout: the Graph's own values when it has them, else seeded.
  const std::vector<float>& Const(int32_t t);

  // A Cast whose target is a float type (float, float16, double, bfloat16): activations are
  // fp32 whatever the model's type, so it only copies.
  static bool CastsToFloat(const Node& n) {
    const int64_t to = n.GetInt("to", 1);
    return to == 1 || to == 10 || to == 11 || to == 16;
  }
  static int& First(Buf& b, Form f) { return f == kF32 ? b.first : b.alt[f - 1].first; }
  static int& Last(Buf& b, Form f) { return f == kF32 ? b.last : b.alt[f - 1].last; }
  static int64_t& Offset(Buf& b, Form f) { return f == kF32 ? b.offset : b.alt[f - 1].offset; }

  float* Packed(std::vector<float> v) {
    weight_bytes += static_cast<int64_t>(v.size() * sizeof(float));
    packed.push_back(std::move(v));
    return packed.back().data();
  }
  const int8_t* PackedBytes(std::vector<int8_t> v) {
    weight_bytes += static_cast<int64_t>(v.size());
    packed8.push_back(std::move(v));
    return packed8.back().data();
  }
  const int32_t* PackedInts(std::vector<int32_t> v) {
    weight_bytes += static_cast<int64_t>(v.size() * sizeof(int32_t));
    packed32.push_back(std::move(v));
    return packed32.back().data();
  }
  // fp32 weights rounded to fp16 for an fp16 operator (nullptr stays nullptr: no bias).
  const uint16_t* PackedHalf(const float* v, int64_t count);

  // Whether `n` runs as an fp16 XNNPACK operator in an fp16 plan: the operators Debian's
  // XNNPACK has in fp16 (convolution, transposed convolution, fully connected, add, multiply,
  // clamp, hard-swish, leaky ReLU, max and global average pooling). Everything else, and
  // depthwise windows over XNNPACK's largest (runner/kernels/dwconv.h), runs in fp32 between
  // conversions.
  bool RunsHalf(const Node& n) const;
  // Whether `n` runs as an int8 XNNPACK operator in an int8 plan: every activation it reads
  // and writes is int8 with one scale (a quantized TFLite model's), and the op is one Debian's
  // XNNPACK has in int8 (convolution with per-tensor or per-channel weight scales, fully
  // connected with a per-tensor scale, add, subtract, multiply, max and global average
  // pooling, ReLU/ReLU6 as a clamp, sigmoid, tanh, plain reshapes). QUANTIZE writes int8 from
  // fp32; everything else runs in fp32 between conversions.
  bool RunsInt8(const Node& n) const;
  // The int8 range of a real-valued [lo, hi] on tensor `b`'s grid.
  static std::pair<int32_t, int32_t> QuantRange(const Buf& b, float lo, float hi);
  // A constant's stored integers, recovered from the dequantized values the Graph carries.
  std::vector<int32_t> StoredInts(int32_t t);
  // Whether a copy-like op between these two is one contiguous copy: same internal order, or
  // an NHWC side whose spatial size is 1x1 (NHWC and NCHW orders coincide; a classifier's
  // flatten after global pooling).
  static bool PlainCopy(const Buf& x, const Buf& y);

  // A constant operand broadcast against internal-layout activations: its model shape, padded
  // to `rank` from the left, and permuted like the activations.
  std::pair<Shape, const float*> ConstOperand(int32_t t, size_t rank, bool nhwc);

  Status Check(xnn_status s, const Node& n, const char* what);

  // Padding of one spatial dim: explicit pads if the node has them and they reproduce the
  // model's output size, else the SAME-style split that does.
  static std::pair<int64_t, int64_t> Pads(const Node& n, int dim, int64_t in, int64_t out,
                                          int64_t k, int64_t s, int64_t d);

  // XNNPACK computes output sizes itself; a plan must never let it write past a buffer, so the
  // window arithmetic is checked against the model's shapes first.
  static bool WindowMatches(int64_t in, int64_t out, int64_t k, int64_t s, int64_t d, int64_t pb,
                            int64_t pe);

  int32_t LayerOf(const Node& n) const { return static_cast<int32_t>(&n - graph->nodes.data()); }
  // The tensor a layer writes: its output, or the output of the activation fused into it.
  int32_t OutOf(const Node& n) const {
    auto it = redirect.find(LayerOf(n));
    return it == redirect.end() ? n.outputs[0] : it->second;
  }

  std::pair<float, float> FusedRange(const Node& n);

  // A fused activation XNNPACK's output range cannot express, applied after the operator.
  std::function<void(float*, int64_t)> FusedTail(const Node& n);

  // Whether a fp32 convolution or fully connected layer computing `rows` output pixels runs on
  // runner/kernels/gemm.h rather than XNNPACK: on CPUs it serves, unless the options say XNNPACK
  // only, with at least one full tile of rows and more than 16 output channels (fewer leave most of
  // the kernel's FMAs idle; XNNPACK's 16-wide tiles waste less there: a 1x1 8->8 layer at
  // 128x128 took 88 us here and 65 us there, a 3x3 8->1 one 1.7 ms and 1.3 ms).
  bool UseDenseConv(int64_t rows, int64_t out_channels) const;

  // Whether convolution `n` will run on runner/kernels/gemm.h in an fp32 plan (the test Conv()
  // makes, from the graph's shapes, before any buffer exists).
  bool DenseCandidate(const Node& n) const;

  // Makes `st` a dense convolution through runner/kernels/gemm.h, or runner/kernels/winograd.h for
  // the 3x3 stride-1 layers it suits: `weights` [out_c][kh][kw][in_c], the node's fused activation
  // applied after.
  void DenseStep(const Node& n, Step& st, const DenseConvShape& shape, const float* weights,
                 const float* bias, const float* in, float* out);

  // Turns the step's operator into a plain step that runs it, then `tail` over its `m` outputs
  // (an activation the operator's output range cannot express).
  void ThenApply(Step& st, std::function<void(float*, int64_t)> tail, float* out, int64_t m);

  // Appends to `st` an operator that copies `b` from form `from` into form `to` (one of them
  // fp32: a plan is fp16 or int8, never both).
  Status Convert(const Node& n, Step& st, const Buf& b, Form from, Form to);
  // fp32 <-> the 8-bit grid of `q` (its scale, zero point and signedness).
  static xnn_status CreateQuantize(const Buf& q, xnn_operator_t* op);
  static xnn_status CreateDequantize(const Buf& q, xnn_operator_t* op);
  xnn_status SetupQuantize(const Buf& q, xnn_operator_t op, size_t count, const float* in,
                           int8_t* out);
  xnn_status SetupDequantize(const Buf& q, xnn_operator_t op, size_t count, const int8_t* in,
                             float* out);

  // Lowering: one builder per op family (runner/ops/), chosen by the registry (ops/registry.h).
  // Each makes `st` an XNNPACK operator (st.op) or a plain kernel (st.plain) over the arena.
  // REQUIRES: the node has the inputs its registry row's arity names.
  Status BuildStep(size_t idx);
  // Before the steps are built: the dense 3x3 stride-1 convolutions that run as Winograd, by
  // most tiles first (the most multiplies saved per transformed byte) while their transformed
  // weights fit options.winograd_budget_bytes. After: their shared scratch.
  void ChooseWinogradLayers();
  Status ShareWinogradScratch();
  Status Region(const Node& n, Step& st);          // ops/region.cc: an element-wise region
  Status Conv(const Node& n, Step& st);            // ops/conv.cc
  Status Conv1D(const Node& n, Step& st);          // ops/conv.cc
  Status Deconv(const Node& n, Step& st);          // ops/deconv.cc
  Status FullyConnected(const Node& n, Step& st);  // ops/matmul.cc
  Status MatMul(const Node& n, Step& st);          // ops/matmul.cc
  Status Recurrent(const Node& n, Step& st);       // ops/recurrent.cc: LSTM, GRU, RNN
  Status Pool(const Node& n, Step& st);            // ops/pool.cc
  Status Binary(const Node& n, Step& st);          // ops/binary.cc
  bool ChannelBroadcast(const Node& n, Step& st, const Shape* shapes, const float* const* ptr,
                        float lo, float hi);
  Status Unary(const Node& n, Step& st);           // ops/unary.cc (batch norm included)
  Status Softmax(const Node& n, Step& st);         // ops/normalization.cc
  Status LayerNorm(const Node& n, Step& st);       // ops/normalization.cc
  Status Move(const Node& n, Step& st);            // ops/movement.cc: reshapes, transposes
  Status Concat(const Node& n, Step& st);          // ops/movement.cc
  Status ShuffleChannel(const Node& n, Step& st);  // ops/movement.cc
  Status DepthToSpace(const Node& n, Step& st);    // ops/movement.cc
  Status Pad(const Node& n, Step& st);             // ops/pad_resize.cc
  Status Fill(const Node& n, Step& st);            // ops/pad_resize.cc: ConstantOfShape
  Status Resize(const Node& n, Step& st);          // ops/pad_resize.cc
  Status Select(const Node& n, Step& st);          // ops/select.cc: split, gather, slice
  Status Reduce(const Node& n, Step& st);          // ops/reduce.cc: reductions, scalar pow
  bool ReduceInPlace(const Node& n, const std::vector<char>& reduce, int64_t count, Step& st);
  Status Requantize(const Node& n, Step& st);  // ops/quantize.cc: QUANTIZE, DEQUANTIZE
  // ops/quantize.cc: DynamicQuantizeLinear, whose readers (ConvInteger, MatMulInteger) run in
  // fp32 on the integers it makes (see there).
  Status DynamicQuantize(const Node& n, Step& st);
  // For ConvInteger and MatMulInteger: kUnsupported unless input 0 comes from a
  // DynamicQuantizeLinear whose zero point is the node's input `zp_slot` (the runner stores
  // such values minus their zero point). Ok for every other op.
  Status CheckCentredInput(const Node& n, size_t zp_slot) const;
  // Weight `w` of an integer op minus its zero point (input `zp` of the node, -1 for none):
  // one value, or one per channel, channel(i) telling element i's channel.
  StatusOr<std::vector<float>> CentredWeights(const Node& n, int32_t w, int32_t zp,
                                              const std::function<int64_t(size_t)>& channel);
};

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_PLAN_IMPL_H_
