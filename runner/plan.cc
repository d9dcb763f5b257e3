#include "runner/plan.h"

#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "analyzer/op_cost.h"
#include "core/units.h"
#include "runner/dwconv.h"
#include "runner/gemm.h"
#include "runner/layer_norm.h"
#include "runner/winograd.h"
#include "runner/eltwise.h"
#include "core/half.h"

namespace mbench::runner {
namespace {

using analyzer::Graph;
using analyzer::Node;
using analyzer::OpKind;
using analyzer::Shape;

constexpr float kInf = std::numeric_limits<float>::infinity();
// Forms an activation is stored in.
enum Form : uint8_t { kF32 = 0, kF16 = 1, kQ8 = 2 };
// XNNPACK may read up to XNN_EXTRA_BYTES past the end of an input.
constexpr int64_t kSlackBytes = 64;

int64_t Product(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// NCHW -> NHWC for rank 4.
Shape ToNhwc(const Shape& s) { return {s[0], s[2], s[3], s[1]}; }

bool IsUnaryXnn(OpKind k) {
  switch (k) {
    case OpKind::kRelu: case OpKind::kClip: case OpKind::kSigmoid: case OpKind::kHardSwish:
    case OpKind::kLeakyRelu: case OpKind::kAbs: case OpKind::kNeg: case OpKind::kSquare:
    case OpKind::kSqrt: case OpKind::kFloor: case OpKind::kCeil: case OpKind::kElu:
      return true;
    default:
      return false;
  }
}

bool IsUnaryPlain(OpKind k) {
  switch (k) {
    case OpKind::kTanh: case OpKind::kSwish: case OpKind::kHardSigmoid: case OpKind::kGelu:
    case OpKind::kExp: case OpKind::kErf: case OpKind::kSoftplus: case OpKind::kMish:
    case OpKind::kLog: case OpKind::kReciprocal: case OpKind::kRsqrt:
      return true;
    default:
      return false;
  }
}

bool IsBinary(OpKind k) {
  switch (k) {
    case OpKind::kAdd: case OpKind::kSub: case OpKind::kMul: case OpKind::kDiv:
    case OpKind::kMax: case OpKind::kMin: case OpKind::kSquaredDifference:
      return true;
    default:
      return false;
  }
}

bool IsCopyLike(OpKind k) {
  switch (k) {
    case OpKind::kReshape: case OpKind::kFlatten: case OpKind::kSqueeze: case OpKind::kUnsqueeze:
    case OpKind::kIdentity: case OpKind::kDropout:
      return true;
    default:
      return false;
  }
}

float PlainUnary(OpKind k, float x, float alpha, float beta) {
  switch (k) {
    case OpKind::kTanh: return std::tanh(x);
    case OpKind::kSwish: return x / (1.0f + std::exp(-x));
    case OpKind::kHardSigmoid: return std::clamp(alpha * x + beta, 0.0f, 1.0f);
    case OpKind::kGelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678f));
    case OpKind::kExp: return std::exp(x);
    case OpKind::kErf: return std::erf(x);
    case OpKind::kSoftplus: return std::log1p(std::exp(x));
    case OpKind::kMish: return x * std::tanh(std::log1p(std::exp(x)));
    case OpKind::kLog: return std::log(x);
    case OpKind::kReciprocal: return 1.0f / x;
    case OpKind::kRsqrt: return 1.0f / std::sqrt(x);
    default: return x;
  }
}

// An element-wise region (runner/eltwise.h), one tile of elements per task.
constexpr size_t kRegionTile = 16384;
struct RegionJob {
  EltProgram own;  // a one-instruction program of a lone erf or GELU (program points at it)
  const EltProgram* program = nullptr;
  const float* input = nullptr;
  float* output = nullptr;
};
void RegionTask(void* context, size_t begin, size_t count) {
  auto* job = static_cast<RegionJob*>(context);
  RunElementwise(*job->program, job->input, job->output, static_cast<int64_t>(begin),
                 static_cast<int64_t>(begin + count));
}

// Layer normalization (runner/layer_norm.h), a tile of rows per task.
struct LayerNormJob {
  const float* input = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float epsilon = 1e-5f;
  int64_t d = 1;
  float* output = nullptr;
};
void LayerNormTask(void* context, size_t begin, size_t count) {
  auto* job = static_cast<LayerNormJob*>(context);
  LayerNormRows(job->input, job->gamma, job->beta, job->epsilon, job->d, job->output,
                static_cast<int64_t>(begin), static_cast<int64_t>(begin + count));
}

// A large-window depthwise convolution (runner/dwconv.h), one tile of output rows per task.
struct DepthwiseJob {
  DepthwiseShape shape;
  const float* input = nullptr;
  const float* weights = nullptr;
  const float* bias = nullptr;
  float* output = nullptr;
};
void DepthwiseRowTask(void* context, size_t begin, size_t count) {
  auto* job = static_cast<DepthwiseJob*>(context);
  DepthwiseRows(job->shape, job->input, job->weights, job->bias, job->output,
                static_cast<int64_t>(begin), static_cast<int64_t>(begin + count));
}

// A dense convolution through runner/gemm.h: (block, tile) products.
struct DenseConvJob {
  std::unique_ptr<DenseConv> conv;
  float* output = nullptr;
};
void DenseConvTask(void* context, size_t block, size_t tile) {
  auto* job = static_cast<DenseConvJob*>(context);
  const auto b = static_cast<int64_t>(block);
  job->conv->Compute(job->output, b, b + 1, static_cast<int64_t>(tile), tile == 1);
}
void DenseConvTileTask(void* context, size_t tile) {
  auto* job = static_cast<DenseConvJob*>(context);
  job->conv->Compute(job->output, 0, job->conv->blocks(), static_cast<int64_t>(tile));
}

// A batched matmul of two activations through runner/gemm.h: one (product, column block) task.
struct MatMulJob {
  std::unique_ptr<BatchedMatMul> mm;
  const float* a = nullptr;
  const float* b = nullptr;
  float* c = nullptr;
};
void MatMulTask(void* context, size_t task) {
  auto* job = static_cast<MatMulJob*>(context);
  job->mm->Compute(static_cast<int64_t>(task), job->a, job->b, job->c);
}

// A 3x3 convolution through runner/winograd.h: one task of the phase being run.
struct WinogradJob {
  std::unique_ptr<WinogradConv> conv;
  float* output = nullptr;
  int64_t phase = 0;  // the phase being run (set before each parallel call)
};
void WinogradTask(void* context, size_t task) {
  auto* job = static_cast<WinogradJob*>(context);
  job->conv->Compute(job->phase, static_cast<int64_t>(task), job->output);
}

// Swish in chunks (see the kSwish case of the plan builder): one part per thread.
constexpr int64_t kSwishChunk = 2048;  // 8 KiB of input and 8 KiB of gate: both stay in L1
struct SwishPart {
  xnn_operator_t op = nullptr;
  float* gate = nullptr;
};
struct SwishJob {
  const float* in = nullptr;
  float* out = nullptr;
  int64_t total = 0;
  std::vector<SwishPart> parts;
};
void SwishRangeTask(void* context, size_t i) {
  auto* job = static_cast<SwishJob*>(context);
  const int64_t n = static_cast<int64_t>(job->parts.size());
  const int64_t begin = job->total * static_cast<int64_t>(i) / n;
  const int64_t end = job->total * (static_cast<int64_t>(i) + 1) / n;
  const SwishPart& part = job->parts[i];
  for (int64_t off = begin; off < end; off += kSwishChunk) {
    const int64_t len = std::min(kSwishChunk, end - off);
    // Setup only records pointers and the batch size, as checked once when the plan was built.
    xnn_setup_sigmoid_nc_f32(part.op, static_cast<size_t>(len), job->in + off, part.gate, nullptr);
    xnn_run_operator(part.op, nullptr);
    const float* in = job->in + off;
    float* out = job->out + off;
    for (int64_t j = 0; j < len; ++j) out[j] = in[j] * part.gate[j];
  }
}

}  // namespace

// XNNPACK's 8-bit add, subtract and multiply, int8 (qs8) or uint8 (qu8): same arguments, the
// element type aside.
template <typename T>
struct QuantBinaryOps {
  using Create = xnn_status (*)(T, float, T, float, T, float, T, T, uint32_t, xnn_operator_t*);
  using Setup = xnn_status (*)(xnn_operator_t, size_t, const size_t*, size_t, const size_t*,
                               const T*, const T*, T*, pthreadpool_t);
  Create create[3];  // add, subtract, multiply
  Setup setup[3];
};
const QuantBinaryOps<int8_t> kQs8Binary = {
    {xnn_create_add_nd_qs8, xnn_create_subtract_nd_qs8, xnn_create_multiply_nd_qs8},
    {xnn_setup_add_nd_qs8, xnn_setup_subtract_nd_qs8, xnn_setup_multiply_nd_qs8}};
const QuantBinaryOps<uint8_t> kQu8Binary = {
    {xnn_create_add_nd_qu8, xnn_create_subtract_nd_qu8, xnn_create_multiply_nd_qu8},
    {xnn_setup_add_nd_qu8, xnn_setup_subtract_nd_qu8, xnn_setup_multiply_nd_qu8}};

struct QuantOperand {
  int32_t zero_point;
  float scale;
  int8_t* data;
};

template <typename T>
xnn_status QuantBinary(const QuantBinaryOps<T>& ops, OpKind kind, const QuantOperand& a,
                       const QuantOperand& b, const QuantOperand& y, int32_t lo, int32_t hi,
                       const std::vector<size_t>* const shapes[2], pthreadpool_t pool,
                       xnn_operator_t* op) {
  const int i = kind == OpKind::kAdd ? 0 : kind == OpKind::kSub ? 1 : 2;
  xnn_status s = ops.create[i](static_cast<T>(a.zero_point), a.scale, static_cast<T>(b.zero_point),
                               b.scale, static_cast<T>(y.zero_point), y.scale, static_cast<T>(lo),
                               static_cast<T>(hi), 0, op);
  if (s != xnn_status_success) return s;
  return ops.setup[i](*op, shapes[0]->size(), shapes[0]->data(), shapes[1]->size(),
                      shapes[1]->data(), reinterpret_cast<const T*>(a.data),
                      reinterpret_cast<const T*>(b.data), reinterpret_cast<T*>(y.data), pool);
}

// XNNPACK's 8-bit sigmoid, tanh and clamp, int8 or uint8.
template <typename T>
struct QuantUnaryOps {
  using CreateMap = xnn_status (*)(size_t, size_t, size_t, T, float, T, float, T, T, uint32_t,
                                   xnn_operator_t*);
  using CreateClamp = xnn_status (*)(size_t, size_t, size_t, T, T, uint32_t, xnn_operator_t*);
  using Setup = xnn_status (*)(xnn_operator_t, size_t, const T*, T*, pthreadpool_t);
  CreateMap sigmoid, tanh;
  CreateClamp clamp;
  Setup setup_sigmoid, setup_tanh, setup_clamp;
  T min, max;
};
const QuantUnaryOps<int8_t> kQs8Unary = {
    xnn_create_sigmoid_nc_qs8, xnn_create_tanh_nc_qs8, xnn_create_clamp_nc_s8,
    xnn_setup_sigmoid_nc_qs8,  xnn_setup_tanh_nc_qs8,  xnn_setup_clamp_nc_s8, -128, 127};
const QuantUnaryOps<uint8_t> kQu8Unary = {
    xnn_create_sigmoid_nc_qu8, xnn_create_tanh_nc_qu8, xnn_create_clamp_nc_u8,
    xnn_setup_sigmoid_nc_qu8,  xnn_setup_tanh_nc_qu8,  xnn_setup_clamp_nc_u8, 0, 255};

template <typename T>
xnn_status QuantUnary(const QuantUnaryOps<T>& ops, OpKind kind, const QuantOperand& x,
                      const QuantOperand& y, int32_t lo, int32_t hi, size_t channels,
                      size_t batch, pthreadpool_t pool, xnn_operator_t* op) {
  const size_t c = channels;
  xnn_status s;
  if (kind == OpKind::kSigmoid || kind == OpKind::kTanh) {
    s = (kind == OpKind::kSigmoid ? ops.sigmoid : ops.tanh)(
        c, c, c, static_cast<T>(x.zero_point), x.scale, static_cast<T>(y.zero_point), y.scale,
        ops.min, ops.max, 0, op);
  } else {
    s = ops.clamp(c, c, c, static_cast<T>(lo), static_cast<T>(hi), 0, op);
  }
  if (s != xnn_status_success) return s;
  const auto setup = kind == OpKind::kSigmoid ? ops.setup_sigmoid
                     : kind == OpKind::kTanh  ? ops.setup_tanh
                                              : ops.setup_clamp;
  return setup(*op, batch, reinterpret_cast<const T*>(x.data), reinterpret_cast<T*>(y.data), pool);
}

bool RunnerSupports(OpKind k) {
  if (IsUnaryXnn(k) || IsUnaryPlain(k) || IsBinary(k) || IsCopyLike(k)) return true;
  switch (k) {
    case OpKind::kConv: case OpKind::kDepthwiseConv: case OpKind::kFullyConnected:
    case OpKind::kBatchNorm: case OpKind::kMaxPool: case OpKind::kAveragePool:
    case OpKind::kGlobalAveragePool: case OpKind::kGlobalMaxPool: case OpKind::kConcat:
    case OpKind::kSoftmax: case OpKind::kShuffleChannel: case OpKind::kTranspose:
    case OpKind::kMatMul: case OpKind::kLayerNorm: case OpKind::kPad: case OpKind::kResize:
    case OpKind::kSplit: case OpKind::kGather: case OpKind::kSlice: case OpKind::kConvTranspose:
    case OpKind::kReduceMean: case OpKind::kReduceSum: case OpKind::kReduceMax:
    case OpKind::kReduceMin: case OpKind::kPow: case OpKind::kDepthToSpace:
    case OpKind::kQuantize: case OpKind::kDequantize:
      return true;
    default:
      return false;
  }
}

namespace {
// Whether the runner can run this node: its kind, and for kinds that several ops share, the op
// (TFLite's BATCH_TO_SPACE_ND is counted as depth-to-space data movement but has no block size).
bool Runnable(const Node& n) {
  if (n.kind == OpKind::kDepthToSpace) return n.GetInt("blocksize", 0) >= 1;
  return RunnerSupports(n.kind);
}
}  // namespace

// ---- Impl -----------------------------------------------------------------------------------

class Plan::Impl {
 public:
  struct Buf {
    Shape gshape;    // the model's shape
    Shape ishape;    // the shape as stored (NHWC for an NCHW model's 4-D activations)
    bool nhwc = false;
    bool constant = false;
    int64_t offset = -1;  // in floats, into the arena (activations)
    std::vector<float> values;  // constants, graph layout
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
  std::vector<float> arena;
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
  // Element-wise regions: head layer -> its input tensor and program (runner/eltwise.h).
  struct Region {
    int32_t input = -1;
    EltProgram program;
  };
  std::map<int32_t, Region> regions;
  // Folded BatchNorm: convolution layer -> the BatchNorm node whose scale and shift it absorbs.
  std::map<int32_t, int32_t> bn_folded;
  // Residual additions fused into a dense convolution (runner/gemm.h): convolution layer -> the
  // tensor its epilogue adds before the activation range.
  std::map<int32_t, int32_t> residual;
  // Scalar multiplies folded into a matmul of two activations: matmul layer -> the factor.
  std::map<int32_t, float> matmul_scale;
  std::vector<xnn_operator_t> extra_ops;  // operators run from a plain step (fused tails)
  bool synthetic = false;
  int64_t weight_bytes = 0;
  std::mt19937_64 rng;

  ~Impl() {
    for (auto& s : steps) {
      if (s.op != nullptr) xnn_delete_operator(s.op);
      for (xnn_operator_t op : s.pre) xnn_delete_operator(op);
    }
    for (xnn_operator_t op : extra_ops) xnn_delete_operator(op);
    if (pool != nullptr) pthreadpool_destroy(pool);
  }

  const Shape& G(int32_t t) const { return bufs[t].gshape; }

  // Constant values in graph layout: the Graph's own values when it has them, else seeded.
  const std::vector<float>& Const(int32_t t) {
    Buf& b = bufs[t];
    if (b.values.empty()) {
      const auto& info = graph->tensors[t];
      int64_t n = Product(b.gshape);
      b.values.resize(static_cast<size_t>(std::max<int64_t>(n, 1)));
      if (info.weights && static_cast<int64_t>(info.weights->size()) == n) {
        b.values = *info.weights;
      } else if (info.has_values && static_cast<int64_t>(info.float_values.size()) == n) {
        for (int64_t i = 0; i < n; ++i) b.values[i] = static_cast<float>(info.float_values[i]);
      } else if (info.has_values && static_cast<int64_t>(info.int_values.size()) == n) {
        for (int64_t i = 0; i < n; ++i) b.values[i] = static_cast<float>(info.int_values[i]);
      } else {
        synthetic = true;
        // He-style scale keeps activations finite through deep stacks.
        int64_t fan_in = b.gshape.size() >= 2 ? n / std::max<int64_t>(b.gshape[0], 1) : n;
        float scale = std::sqrt(3.0f / static_cast<float>(std::max<int64_t>(fan_in, 1)));
        // Seeded per tensor, so values do not depend on the order constants are first used.
        std::mt19937_64 gen(options.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(t));
        std::uniform_real_distribution<float> u(-scale, scale);
        for (auto& v : b.values) v = u(gen);
      }
      weight_bytes += static_cast<int64_t>(b.values.size() * sizeof(float));
      b.data = b.values.data();
    }
    return b.values;
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
  const uint16_t* PackedHalf(const float* v, int64_t count) {
    if (v == nullptr) return nullptr;
    packed16.push_back(ToHalf({v, static_cast<size_t>(count)}));
    weight_bytes += static_cast<int64_t>(packed16.back().size() * sizeof(uint16_t));
    return packed16.back().data();
  }

  // Whether `n` runs as an fp16 XNNPACK operator in an fp16 plan: the operators Debian's
  // XNNPACK has in fp16 (convolution, transposed convolution, fully connected, add, multiply,
  // clamp, hard-swish, leaky ReLU, max and global average pooling). Everything else, and
  // depthwise windows over XNNPACK's largest (runner/dwconv.h), runs in fp32 between
  // conversions.
  bool RunsHalf(const Node& n) const {
    const std::string act = n.GetString("fused_activation", "");
    if (!act.empty() && act != "relu" && act != "relu6" && act != "relu_n1_to_1") return false;
    switch (n.kind) {
      case OpKind::kConv: case OpKind::kDepthwiseConv: {
        if (n.inputs.size() < 2 || n.inputs[1] < 0 || n.inputs[0] < 0) return false;
        const Shape& w = G(n.inputs[1]);
        const Shape& x = G(n.inputs[0]);
        if (w.size() != 4 || x.size() != 4) return false;
        const bool nhwc_graph = graph->layout == analyzer::Layout::kNHWC;
        const int64_t taps = nhwc_graph ? w[1] * w[2] : w[2] * w[3];
        bool depthwise;
        if (nhwc_graph) {
          depthwise = n.kind == OpKind::kDepthwiseConv ? w[3] == x[3] : w[3] == 1 && w[0] == x[3];
        } else {
          depthwise = w[1] == 1 && w[0] == x[1] &&
                      (n.kind == OpKind::kDepthwiseConv || n.GetInt("group", 1) == x[1]);
        }
        return !(depthwise && taps > kXnnpackDepthwiseMaxTaps);
      }
      case OpKind::kFullyConnected: case OpKind::kConvTranspose: case OpKind::kAdd:
      case OpKind::kMul: case OpKind::kRelu: case OpKind::kClip: case OpKind::kHardSwish:
      case OpKind::kLeakyRelu: case OpKind::kMaxPool:
        return true;
      case OpKind::kGlobalAveragePool: {
        // XNNPACK's fp16 global pooling keeps its running sums in fp16: over ~2k pixels they
        // stop growing (PP-OCR's 160x160 squeeze-excite pools came out 48x off). Larger
        // windows pool in fp32.
        const Shape& x = G(n.inputs[0]);
        return x.size() == 4 && Product(x) / (x[0] * (graph->layout == analyzer::Layout::kNHWC ? x[3] : x[1])) <= 1024;
      }
      default:
        // A reshape that moves no element copies fp16 as well as fp32: it follows its input.
        return IsCopyLike(n.kind) && !n.inputs.empty() && n.inputs[0] >= 0 &&
               !n.outputs.empty() && n.outputs[0] >= 0 &&
               !bufs[n.inputs[0]].constant && bufs[n.inputs[0]].home == kF16 &&
               PlainCopy(bufs[n.inputs[0]], bufs[n.outputs[0]]);
    }
  }
  // Whether `n` runs as an int8 XNNPACK operator in an int8 plan: every activation it reads
  // and writes is int8 with one scale (a quantized TFLite model's), and the op is one Debian's
  // XNNPACK has in int8 (convolution with per-tensor or per-channel weight scales, fully
  // connected with a per-tensor scale, add, subtract, multiply, max and global average
  // pooling, ReLU/ReLU6 as a clamp, sigmoid, tanh, plain reshapes). QUANTIZE writes int8 from
  // fp32; everything else runs in fp32 between conversions.
  bool RunsInt8(const Node& n) const {
    if (n.kind == OpKind::kQuantize) {
      return n.outputs.size() == 1 && n.outputs[0] >= 0 && bufs[n.outputs[0]].quantized;
    }
    const std::string act = n.GetString("fused_activation", "");
    if (!act.empty() && act != "relu" && act != "relu6" && act != "relu_n1_to_1") return false;
    if (n.outputs.empty() || n.outputs[0] < 0) return false;
    const bool u8 = bufs[n.outputs[0]].unsigned8;
    int activations = 0;
    for (int32_t t : n.inputs) {
      if (t < 0 || bufs[t].constant) continue;
      if (!bufs[t].quantized || bufs[t].unsigned8 != u8) return false;
      ++activations;
    }
    if (activations == 0) return false;
    for (int32_t t : n.outputs) {
      if (t < 0 || !bufs[t].quantized) return false;
    }
    // Weights: int8 with zero point 0 (per-channel allowed where XNNPACK has qc8), or uint8 with
    // one scale and zero point next to uint8 activations.
    // `channel_axis`: the weight axis of output channels (per-channel scales must follow it);
    // -1 where XNNPACK takes one scale only.
    auto const_q8 = [&](int32_t t, int64_t channel_axis) {
      if (t < 0 || !bufs[t].constant) return false;
      const auto& info = graph->tensors[t];
      if (info.quant_scales.empty()) return false;
      if (u8) return info.dtype == analyzer::DType::kUInt8 && info.quant_scales.size() == 1;
      if (info.dtype != analyzer::DType::kInt8) return false;
      if (info.quant_scales.size() > 1 &&
          (channel_axis < 0 || info.quant_axis != channel_axis ||
           static_cast<size_t>(channel_axis) >= info.shape.size() ||
           static_cast<int64_t>(info.quant_scales.size()) != info.shape[channel_axis])) {
        return false;
      }
      for (int64_t z : info.quant_zero_points) {
        if (z != 0) return false;
      }
      return true;
    };
    auto same_params = [&](int32_t a, int32_t b) {
      return bufs[a].scale == bufs[b].scale && bufs[a].zero_point == bufs[b].zero_point;
    };
    switch (n.kind) {
      case OpKind::kConv: case OpKind::kDepthwiseConv:
        // TFLite weights: [O, kh, kw, I] for a convolution, [1, kh, kw, O] for a depthwise one.
        return graph->layout == analyzer::Layout::kNHWC && n.inputs.size() >= 2 &&
               const_q8(n.inputs[1], n.kind == OpKind::kConv ? 0 : 3) &&
               (n.inputs.size() < 3 || n.inputs[2] < 0 ||
                graph->tensors[n.inputs[2]].dtype == analyzer::DType::kInt32);
      case OpKind::kFullyConnected:
        return graph->layout == analyzer::Layout::kNHWC && n.inputs.size() >= 2 &&
               const_q8(n.inputs[1], -1) &&
               (n.inputs.size() < 3 || n.inputs[2] < 0 ||
                graph->tensors[n.inputs[2]].dtype == analyzer::DType::kInt32);
      case OpKind::kAdd: case OpKind::kSub: case OpKind::kMul:
        return activations == 2 && n.inputs.size() == 2;
      case OpKind::kMaxPool: case OpKind::kRelu: case OpKind::kClip:
        return same_params(n.inputs[0], n.outputs[0]);
      case OpKind::kGlobalAveragePool:
        return true;
      case OpKind::kSigmoid: case OpKind::kTanh: {
        // XNNPACK's (and TFLite's) fixed output grids: sigmoid 1/256 from the bottom of the
        // range, tanh 1/128 around the middle.
        const Buf& y = bufs[n.outputs[0]];
        const bool sigmoid = n.kind == OpKind::kSigmoid;
        const float scale = sigmoid ? 1.0f / 256 : 1.0f / 128;
        const int32_t zero = sigmoid ? (u8 ? 0 : -128) : (u8 ? 128 : 0);
        return y.scale == scale && y.zero_point == zero;
      }
      default:
        return IsCopyLike(n.kind) && !n.inputs.empty() && n.inputs[0] >= 0 &&
               same_params(n.inputs[0], n.outputs[0]) &&
               PlainCopy(bufs[n.inputs[0]], bufs[n.outputs[0]]);
    }
  }
  // The int8 range of a real-valued [lo, hi] on tensor `b`'s grid.
  static std::pair<int32_t, int32_t> QuantRange(const Buf& b, float lo, float hi) {
    const int32_t qmin = b.unsigned8 ? 0 : -128, qmax = b.unsigned8 ? 255 : 127;
    auto q = [&](float v, int32_t dflt) {
      if (!std::isfinite(v)) return dflt;
      const long r = std::lround(v / b.scale) + b.zero_point;
      return static_cast<int32_t>(std::clamp<long>(r, qmin, qmax));
    };
    return {q(lo, qmin), q(hi, qmax)};
  }
  // A constant's stored integers, recovered from the dequantized values the Graph carries.
  std::vector<int32_t> StoredInts(int32_t t) {
    const auto& v = Const(t);
    const auto& info = graph->tensors[t];
    std::vector<int32_t> q(v.size());
    const size_t channels = std::max<size_t>(1, info.quant_scales.size());
    int64_t stride_after = 1;  // elements per step of the quantized axis
    if (info.quant_axis >= 0 && static_cast<size_t>(info.quant_axis) < info.shape.size()) {
      for (size_t d = static_cast<size_t>(info.quant_axis) + 1; d < info.shape.size(); ++d) {
        stride_after *= info.shape[d];
      }
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const size_t c = channels == 1 ? 0 : static_cast<size_t>((static_cast<int64_t>(i) / stride_after) % static_cast<int64_t>(channels));
      const double s = info.quant_scales.empty() ? 1.0 : info.quant_scales[c];
      const double z = info.quant_zero_points.size() > c ? static_cast<double>(info.quant_zero_points[c]) : 0.0;
      q[i] = static_cast<int32_t>(std::llround(v[i] / s + z));
    }
    return q;
  }
  // Whether a copy-like op between these two is one contiguous copy: same internal order, or
  // an NHWC side whose spatial size is 1x1 (NHWC and NCHW orders coincide; a classifier's
  // flatten after global pooling).
  static bool PlainCopy(const Buf& x, const Buf& y) {
    auto point = [](const Buf& b) { return b.nhwc && b.ishape[1] * b.ishape[2] == 1; };
    if (x.nhwc != y.nhwc) return point(x.nhwc ? x : y);
    return !x.nhwc || x.ishape == y.ishape;
  }

  // A constant operand broadcast against internal-layout activations: its model shape, padded
  // to `rank` from the left, and permuted like the activations.
  std::pair<Shape, const float*> ConstOperand(int32_t t, size_t rank, bool nhwc) {
    const auto& v = Const(t);
    Shape s = bufs[t].gshape;
    while (s.size() < rank) s.insert(s.begin(), 1);
    if (!nhwc || rank != 4) return {s, v.data()};
    Shape is = ToNhwc(s);
    std::vector<float> out(v.size());
    for (int64_t n = 0; n < s[0]; ++n)
      for (int64_t c = 0; c < s[1]; ++c)
        for (int64_t h = 0; h < s[2]; ++h)
          for (int64_t w = 0; w < s[3]; ++w)
            out[((n * s[2] + h) * s[3] + w) * s[1] + c] = v[((n * s[1] + c) * s[2] + h) * s[3] + w];
    return {is, Packed(std::move(out))};
  }

  Status Check(xnn_status s, const Node& n, const char* what) {
    if (s == xnn_status_success) return Status::Ok();
    return Status::Internal("layer '" + n.name + "': XNNPACK " + what + " failed (status " +
                            std::to_string(static_cast<int>(s)) + ")");
  }

  // Padding of one spatial dim: explicit pads if the node has them and they reproduce the
  // model's output size, else the SAME-style split that does.
  static std::pair<int64_t, int64_t> Pads(const Node& n, int dim, int64_t in, int64_t out,
                                          int64_t k, int64_t s, int64_t d) {
    auto pads = n.GetInts("pads");
    if (pads.size() == 4) {
      int64_t b = pads[dim], e = pads[dim + 2];
      if ((in + b + e - d * (k - 1) - 1) / s + 1 == out) return {b, e};
    }
    int64_t total = std::max<int64_t>(0, (out - 1) * s + d * (k - 1) + 1 - in);
    if (n.GetString("auto_pad", "") == "SAME_LOWER") return {total - total / 2, total / 2};
    return {total / 2, total - total / 2};
  }

  // XNNPACK computes output sizes itself; a plan must never let it write past a buffer, so the
  // window arithmetic is checked against the model's shapes first.
  static bool WindowMatches(int64_t in, int64_t out, int64_t k, int64_t s, int64_t d, int64_t pb,
                            int64_t pe) {
    int64_t span = in + pb + pe - d * (k - 1) - 1;
    return span >= 0 && s > 0 && span / s + 1 == out;
  }

  int32_t LayerOf(const Node& n) const { return static_cast<int32_t>(&n - graph->nodes.data()); }
  // The tensor a layer writes: its output, or the output of the activation fused into it.
  int32_t OutOf(const Node& n) const {
    auto it = redirect.find(LayerOf(n));
    return it == redirect.end() ? n.outputs[0] : it->second;
  }

  std::pair<float, float> FusedRange(const Node& n) {
    std::string act = n.GetString("fused_activation", "");
    std::pair<float, float> r = {-kInf, kInf};
    if (act == "relu") r = {0.0f, kInf};
    if (act == "relu6") r = {0.0f, 6.0f};
    if (act == "relu_n1_to_1") r = {-1.0f, 1.0f};
    auto it = clamp.find(LayerOf(n));
    if (it != clamp.end()) r = {std::max(r.first, it->second.first), std::min(r.second, it->second.second)};
    return r;
  }

  // A fused activation XNNPACK's output range cannot express, applied after the operator.
  std::function<void(float*, int64_t)> FusedTail(const Node& n) {
    std::string act = n.GetString("fused_activation", "");
    if (act == "tanh") return [](float* p, int64_t m) { for (int64_t i = 0; i < m; ++i) p[i] = std::tanh(p[i]); };
    if (act == "sigmoid") return [](float* p, int64_t m) { for (int64_t i = 0; i < m; ++i) p[i] = 1.0f / (1.0f + std::exp(-p[i])); };
    if (act == "hard_swish") return [](float* p, int64_t m) { for (int64_t i = 0; i < m; ++i) p[i] = p[i] * std::clamp(p[i] + 3.0f, 0.0f, 6.0f) / 6.0f; };
    if (act == "leaky_relu") return [](float* p, int64_t m) { for (int64_t i = 0; i < m; ++i) p[i] = p[i] < 0 ? 0.1f * p[i] : p[i]; };
    if (act == "mish") return [](float* p, int64_t m) { for (int64_t i = 0; i < m; ++i) p[i] = p[i] * std::tanh(std::log1p(std::exp(p[i]))); };
    if (act == "clip") return [](float* p, int64_t m) { for (int64_t i = 0; i < m; ++i) p[i] = std::clamp(p[i], 0.0f, 6.0f); };
    return nullptr;
  }

  // Whether a fp32 convolution or fully connected layer computing `rows` output pixels runs on
  // runner/gemm.h rather than XNNPACK: on CPUs it serves, unless the options say XNNPACK only,
  // with at least one full tile of rows and more than 16 output channels (fewer leave most of
  // the kernel's FMAs idle; XNNPACK's 16-wide tiles waste less there: a 1x1 8->8 layer at
  // 128x128 took 88 us here and 65 us there, a 3x3 8->1 one 1.7 ms and 1.3 ms).
  bool UseDenseConv(int64_t rows, int64_t out_channels) const {
    return !options.xnnpack_only && rows >= DenseConv::kRows && out_channels > 16 &&
           DenseConvAvailable();
  }

  // Whether convolution `n` will run on runner/gemm.h in an fp32 plan (the test Conv() makes,
  // from the graph's shapes, before any buffer exists).
  bool DenseCandidate(const Node& n) const {
    if (n.kind != OpKind::kConv || n.inputs.size() < 2 || n.inputs[0] < 0 || n.inputs[1] < 0 ||
        n.outputs.size() != 1 || n.outputs[0] < 0 || !bufs[n.inputs[1]].constant) {
      return false;
    }
    const Shape& x = G(n.inputs[0]);
    const Shape& y = G(n.outputs[0]);
    const Shape& w = G(n.inputs[1]);
    if (x.size() != 4 || y.size() != 4 || w.size() != 4) return false;
    const bool nhwc = graph->layout == analyzer::Layout::kNHWC;
    const int64_t cin = nhwc ? x[3] : x[1];
    const int64_t per_group = nhwc ? w[3] : w[1];
    if (per_group != cin || (!nhwc && n.GetInt("group", 1) != 1)) return false;
    return UseDenseConv(nhwc ? y[0] * y[1] * y[2] : y[0] * y[2] * y[3], nhwc ? y[3] : y[1]);
  }

  // Makes `st` a dense convolution through runner/gemm.h, or runner/winograd.h for the 3x3
  // stride-1 layers it suits: `weights` [out_c][kh][kw][in_c], the node's fused activation
  // applied after.
  void DenseStep(const Node& n, Step& st, const DenseConvShape& shape, const float* weights,
                 const float* bias, const float* in, float* out) {
    const float* add = nullptr;
    if (auto it = residual.find(LayerOf(n)); it != residual.end()) add = bufs[it->second].data;
    pthreadpool_t p = pool;
    auto tail = FusedTail(n);
    const int64_t m = shape.batch * shape.out_h * shape.out_w * shape.out_c;
    if (options.winograd && WinogradSuits(shape)) {
      auto job = std::make_shared<WinogradJob>();
      // A null pool (a layer run on one thread) runs its one task on the calling thread.
      job->conv = std::make_unique<WinogradConv>(shape, weights, bias, in, add,
                                                 p == nullptr ? 1 : options.threads);
      job->output = out;
      weight_bytes += job->conv->packed_weight_bytes() + job->conv->scratch_bytes();
      st.info.kernel = "mbench-winograd";
      st.plain = [job, p, tail, m] {
        for (job->phase = 0; job->phase < job->conv->phases(); ++job->phase) {
          pthreadpool_parallelize_1d(p, &WinogradTask, job.get(),
                                     static_cast<size_t>(job->conv->tasks(job->phase)), 0);
        }
        if (tail) tail(job->output, m);
      };
      return;
    }
    auto job = std::make_shared<DenseConvJob>();
    job->conv = std::make_unique<DenseConv>(shape, weights, bias, in, add);
    job->output = out;
    weight_bytes += job->conv->packed_weight_bytes();
    st.info.kernel = "mbench-gemm";
    // Weights that stay in a core's L2 are read once per tile of pixels, all blocks in turn,
    // while the tile's input rows stay in L1. Larger ones (deep layers, few pixels) go blocks
    // outer: consecutive tasks of a thread share one block's weights.
    constexpr int64_t kL2Weights = 512 << 10;
    const bool tiles_outer = job->conv->packed_weight_bytes() <= kL2Weights;
    st.plain = [job, p, tail, m, tiles_outer] {
      const auto tiles = static_cast<size_t>(job->conv->tiles());
      if (tiles_outer) {
        pthreadpool_parallelize_1d(p, &DenseConvTileTask, job.get(), tiles, 0);
      } else {
        pthreadpool_parallelize_2d(p, &DenseConvTask, job.get(),
                                   static_cast<size_t>(job->conv->blocks()), tiles, 0);
      }
      if (tail) tail(job->output, m);
    };
  }

  // Turns the step's operator into a plain step that runs it, then `tail` over its `m` outputs
  // (an activation the operator's output range cannot express).
  void ThenApply(Step& st, std::function<void(float*, int64_t)> tail, float* out, int64_t m) {
    xnn_operator_t op = st.op;
    pthreadpool_t p = pool;
    st.op = nullptr;
    st.info.kernel = "xnnpack";
    extra_ops.push_back(op);
    st.plain = [op, out, m, p, tail = std::move(tail)] {
      xnn_run_operator(op, p);
      tail(out, m);
    };
  }

  // Appends to `st` an operator that copies `b` from form `from` into form `to` (one of them
  // fp32: a plan is fp16 or int8, never both).
  Status Convert(const Node& n, Step& st, const Buf& b, Form from, Form to) {
    const size_t count = static_cast<size_t>(Product(b.ishape));
    xnn_operator_t op = nullptr;
    xnn_status s = xnn_status_invalid_parameter;
    if (from == kF32 && to == kF16) s = xnn_create_convert_nc_f32_f16(1, 1, 1, 0, &op);
    if (from == kF16 && to == kF32) s = xnn_create_convert_nc_f16_f32(1, 1, 1, 0, &op);
    if (from == kF32 && to == kQ8) s = CreateQuantize(b, &op);
    if (from == kQ8 && to == kF32) s = CreateDequantize(b, &op);
    MBENCH_RETURN_IF_ERROR(Check(s, n, "conversion create"));
    st.pre.push_back(op);
    if (from == kF32 && to == kF16) s = xnn_setup_convert_nc_f32_f16(op, count, b.data, b.half, pool);
    if (from == kF16 && to == kF32) s = xnn_setup_convert_nc_f16_f32(op, count, b.half, b.data, pool);
    if (from == kF32 && to == kQ8) s = SetupQuantize(b, op, count, b.data, b.q8);
    if (from == kQ8 && to == kF32) s = SetupDequantize(b, op, count, b.q8, b.data);
    return Check(s, n, "conversion setup");
  }
  // fp32 <-> the 8-bit grid of `q` (its scale, zero point and signedness).
  static xnn_status CreateQuantize(const Buf& q, xnn_operator_t* op) {
    return q.unsigned8 ? xnn_create_convert_nc_f32_qu8(1, 1, 1, q.scale, static_cast<uint8_t>(q.zero_point), 0, 255, 0, op)
                       : xnn_create_convert_nc_f32_qs8(1, 1, 1, q.scale, static_cast<int8_t>(q.zero_point), -128, 127, 0, op);
  }
  static xnn_status CreateDequantize(const Buf& q, xnn_operator_t* op) {
    return q.unsigned8 ? xnn_create_convert_nc_qu8_f32(1, 1, 1, q.scale, static_cast<uint8_t>(q.zero_point), 0, op)
                       : xnn_create_convert_nc_qs8_f32(1, 1, 1, q.scale, static_cast<int8_t>(q.zero_point), 0, op);
  }
  xnn_status SetupQuantize(const Buf& q, xnn_operator_t op, size_t count, const float* in, int8_t* out) {
    return q.unsigned8 ? xnn_setup_convert_nc_f32_qu8(op, count, in, reinterpret_cast<uint8_t*>(out), pool)
                       : xnn_setup_convert_nc_f32_qs8(op, count, in, out, pool);
  }
  xnn_status SetupDequantize(const Buf& q, xnn_operator_t op, size_t count, const int8_t* in, float* out) {
    return q.unsigned8 ? xnn_setup_convert_nc_qu8_f32(op, count, reinterpret_cast<const uint8_t*>(in), out, pool)
                       : xnn_setup_convert_nc_qs8_f32(op, count, in, out, pool);
  }

  Status BuildStep(size_t idx);
  Status Conv(const Node& n, Step& st);
  Status FullyConnected(const Node& n, Step& st);
  Status Pool(const Node& n, Step& st);
  Status Binary(const Node& n, Step& st);
  Status Unary(const Node& n, Step& st);
  Status Layout(const Node& n, Step& st);  // copy-like ops and transpose
  Status Select(const Node& n, Step& st);  // split, gather, slice
  Status Deconv(const Node& n, Step& st);
  Status Reduce(const Node& n, Step& st);   // reductions and pow with a scalar exponent
  bool ReduceInPlace(const Node& n, const std::vector<char>& reduce, int64_t count, Step& st);
  bool ChannelBroadcast(const Node& n, Step& st, const Shape* shapes,
                        const float* const* ptr, float lo, float hi);
  Status Requantize(const Node& n, Step& st);  // QUANTIZE and DEQUANTIZE of activations
};

// Strided copy: `perm` maps output dims to input dims (NumPy transpose semantics) on shape
// `in_shape`; both buffers dense. Rank at most kMaxRank.
constexpr size_t kMaxRank = 8;
// A transpose as the output's dimensions (size, input stride), outermost first, without ones
// (an all-ones tensor keeps one, so there is always an innermost dimension), with neighbours
// that stay neighbours in the input merged: [1, 197, 3, 64] -> [0, 2, 1, 3] is 3
// x 197 runs of 64 floats, NCHW -> NHWC one (H W) x C gather. The innermost dimension goes in
// one go (a copied run or a strided gather); `outer` counts the rest.
struct PermutePlan {
  size_t dims = 0;
  int64_t size[kMaxRank] = {}, step[kMaxRank] = {};
  int64_t inner = 1, inner_step = 1, outer = 1;
  bool empty = false;
};

PermutePlan MakePermutePlan(const Shape& in_shape, const std::vector<int64_t>& perm) {
  PermutePlan p;
  const size_t r = std::min(in_shape.size(), kMaxRank);
  int64_t in_strides[kMaxRank];
  int64_t stride = 1;
  for (size_t i = r; i-- > 0;) {
    in_strides[i] = stride;
    stride *= in_shape[i];
  }
  p.empty = stride == 0;
  for (size_t i = 0; i < r; ++i) {
    const int64_t n = in_shape[perm[i]], s = in_strides[perm[i]];
    if (n == 1) continue;
    if (p.dims > 0 && p.step[p.dims - 1] == n * s) {
      p.size[p.dims - 1] *= n;
      p.step[p.dims - 1] = s;
      continue;
    }
    p.size[p.dims] = n;
    p.step[p.dims] = s;
    ++p.dims;
  }
  if (p.dims == 0) {
    p.size[0] = p.step[0] = 1;
    p.dims = 1;
  }
  p.inner = p.size[p.dims - 1];
  p.inner_step = p.step[p.dims - 1];
  for (size_t i = 0; i + 1 < p.dims; ++i) p.outer *= p.size[i];
  return p;
}

// Writes the output's runs [begin, end) of `p` (each `p.inner` floats).
void RunPermute(const PermutePlan& p, const float* in, float* out, int64_t begin, int64_t end) {
  if (p.empty) return;
  // The input offset of run `begin`: its index in each outer dimension, innermost last.
  int64_t idx[kMaxRank] = {};
  int64_t off = 0;
  for (int64_t rest = begin, k = static_cast<int64_t>(p.dims) - 2; k >= 0; --k) {
    idx[k] = rest % p.size[k];
    rest /= p.size[k];
    off += idx[k] * p.step[k];
  }
  for (int64_t o = begin; o < end; ++o) {
    float* dst = out + o * p.inner;
    if (p.inner_step == 1) {
      std::memcpy(dst, in + off, static_cast<size_t>(p.inner) * sizeof(float));
    } else {
      const float* src = in + off;
      for (int64_t j = 0; j < p.inner; ++j) dst[j] = src[j * p.inner_step];
    }
    for (size_t k = p.dims - 1; k-- > 0;) {
      off += p.step[k];
      if (++idx[k] < p.size[k]) break;
      off -= p.size[k] * p.step[k];
      idx[k] = 0;
    }
  }
}

void Permute(const float* in, const Shape& in_shape, const std::vector<int64_t>& perm, float* out) {
  const PermutePlan p = MakePermutePlan(in_shape, perm);
  RunPermute(p, in, out, 0, p.outer);
}

// A transpose in the model's order, a tile of output runs per task.
struct PermuteJob {
  PermutePlan plan;
  const float* input = nullptr;
  float* output = nullptr;
};
void PermuteTask(void* context, size_t begin, size_t count) {
  auto* job = static_cast<PermuteJob*>(context);
  RunPermute(job->plan, job->input, job->output, static_cast<int64_t>(begin),
             static_cast<int64_t>(begin + count));
}

Status Plan::Impl::Conv(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[OutOf(n)];
  const Shape& w = G(n.inputs[1]);
  const bool nhwc_graph = graph->layout == analyzer::Layout::kNHWC;
  if (x.ishape.size() != 4 || y.ishape.size() != 4 || w.size() != 4 || !bufs[n.inputs[1]].constant) {
    return Status::Unsupported("layer '" + n.name + "': only 2-D convolutions with constant weights");
  }
  // Input/output as N, H, W, C.
  const Shape xi = x.ishape, yi = y.ishape;
  int64_t cin = xi[3], cout = yi[3];
  int64_t kh, kw;
  int64_t groups;
  const bool tflite_depthwise = n.kind == OpKind::kDepthwiseConv && nhwc_graph;
  if (tflite_depthwise) {  // TFLite: weights [1, kh, kw, cin * multiplier]
    kh = w[1];
    kw = w[2];
    groups = cin;
  } else if (nhwc_graph) {  // TFLite conv: [O, kh, kw, I]
    kh = w[1];
    kw = w[2];
    groups = cin / std::max<int64_t>(w[3], 1);
  } else {  // [O, I/g, kh, kw]; a depthwise conv of an NCHW model has I/g = 1
    kh = w[2];
    kw = w[3];
    groups = n.kind == OpKind::kDepthwiseConv ? cin : n.GetInt("group", 1);
  }
  if (groups < 1 || cin % groups != 0 || cout % groups != 0) {
    return Status::Unsupported("layer '" + n.name + "': channel groups do not divide the channels");
  }
  auto strides = n.GetInts("strides");
  auto dil = n.GetInts("dilations");
  int64_t sh = strides.size() == 2 ? strides[0] : 1, sw = strides.size() == 2 ? strides[1] : 1;
  int64_t dh = dil.size() == 2 ? dil[0] : 1, dw = dil.size() == 2 ? dil[1] : 1;
  auto [pt, pb] = Pads(n, 0, xi[1], yi[1], kh, sh, dh);
  auto [pl, pr] = Pads(n, 1, xi[2], yi[2], kw, sw, dw);
  const int64_t gi = cin / groups, go = cout / groups;
  if (!WindowMatches(xi[1], yi[1], kh, sh, dh, pt, pb) ||
      !WindowMatches(xi[2], yi[2], kw, sw, dw, pl, pr) || xi[0] != yi[0] ||
      Product(w) != cout * gi * kh * kw) {
    return Status::Unsupported("layer '" + n.name + "': convolution geometry does not give the "
                               "model's output shape");
  }
  // XNNPACK wants [groups][go][kh][kw][gi].
  const auto& src = Const(n.inputs[1]);
  std::vector<float> k(static_cast<size_t>(groups * go * kh * kw * gi));
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t o = 0; o < go; ++o)
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b)
          for (int64_t i = 0; i < gi; ++i) {
            int64_t oc = g * go + o;
            size_t from;
            if (tflite_depthwise) {
              from = static_cast<size_t>((a * kw + b) * cout + oc);
            } else if (nhwc_graph) {
              from = static_cast<size_t>(((oc * kh + a) * kw + b) * gi + i);
            } else {
              from = static_cast<size_t>(((oc * gi + i) * kh + a) * kw + b);
            }
            k[static_cast<size_t>((((g * go + o) * kh + a) * kw + b) * gi + i)] = src[from];
          }
  const float* bias = nullptr;
  if (n.inputs.size() > 2 && n.inputs[2] >= 0) bias = Const(n.inputs[2]).data();
  if (auto it = bn_folded.find(LayerOf(n)); it != bn_folded.end()) {
    // y = s * (W x + b) + t with s = gamma / sqrt(var + eps), t = beta - mean * s.
    const Node& bn = graph->nodes[it->second];
    const auto& gamma = Const(bn.inputs[1]);
    const auto& beta = Const(bn.inputs[2]);
    const auto& mean = Const(bn.inputs[3]);
    const auto& var = Const(bn.inputs[4]);
    const float eps = static_cast<float>(bn.GetFloat("epsilon", 1e-5));
    std::vector<float> folded_bias(static_cast<size_t>(cout));
    const int64_t per_oc = kh * kw * gi;
    for (int64_t oc = 0; oc < cout; ++oc) {
      const float s = gamma[oc] / std::sqrt(std::abs(var[oc]) + eps);
      for (int64_t j = 0; j < per_oc; ++j) k[static_cast<size_t>(oc * per_oc + j)] *= s;
      folded_bias[oc] = (bias ? bias[oc] : 0.0f) * s + beta[oc] - mean[oc] * s;
    }
    bias = Packed(std::move(folded_bias));
  }
  auto [lo, hi] = FusedRange(n);
  if (st.half()) {
    MBENCH_RETURN_IF_ERROR(Check(
        xnn_create_convolution2d_nhwc_f16(
            static_cast<uint32_t>(pt), static_cast<uint32_t>(pr), static_cast<uint32_t>(pb),
            static_cast<uint32_t>(pl), static_cast<uint32_t>(kh), static_cast<uint32_t>(kw),
            static_cast<uint32_t>(sh), static_cast<uint32_t>(sw), static_cast<uint32_t>(dh),
            static_cast<uint32_t>(dw), static_cast<uint32_t>(groups), gi, go, cin, cout,
            PackedHalf(k.data(), static_cast<int64_t>(k.size())), PackedHalf(bias, cout), lo, hi,
            0, &st.op),
        n, "fp16 convolution create"));
    return Check(xnn_setup_convolution2d_nhwc_f16(st.op, xi[0], xi[1], xi[2], x.half, y.half, pool),
                 n, "fp16 convolution setup");
  }
  if (st.int8()) {
    // Stored int8 weights (zero point 0) in XNNPACK's order, one scale per output channel
    // (TFLite's per-channel scales run as qc8, one scale as qs8); int32 bias in units of
    // input scale x weight scale, as TFLite stores it.
    const auto& info = graph->tensors[n.inputs[1]];
    std::vector<float> ws(static_cast<size_t>(cout));
    for (int64_t oc = 0; oc < cout; ++oc) {
      ws[oc] = static_cast<float>(info.quant_scales.size() == 1 ? info.quant_scales[0]
                                                                : info.quant_scales[oc]);
    }
    std::vector<int32_t> bq(static_cast<size_t>(cout), 0);
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) bq = StoredInts(n.inputs[2]);
    if (static_cast<int64_t>(bq.size()) != cout) {
      return Status::Unsupported("layer '" + n.name + "': int8 bias is not one value per output");
    }
    auto [qlo, qhi] = QuantRange(y, lo, hi);
    const uint32_t geometry[10] = {static_cast<uint32_t>(pt), static_cast<uint32_t>(pr),
                                   static_cast<uint32_t>(pb), static_cast<uint32_t>(pl),
                                   static_cast<uint32_t>(kh), static_cast<uint32_t>(kw),
                                   static_cast<uint32_t>(sh), static_cast<uint32_t>(sw),
                                   static_cast<uint32_t>(dh), static_cast<uint32_t>(dw)};
    if (y.unsigned8) {  // uint8 weights with their zero point, one scale (RunsInt8)
      const int64_t wz = info.quant_zero_points.empty() ? 0 : info.quant_zero_points[0];
      std::vector<uint8_t> ku(k.size());
      for (size_t i = 0; i < k.size(); ++i) {
        ku[i] = static_cast<uint8_t>(std::clamp<long>(std::lround(k[i] / ws[0]) + wz, 0, 255));
      }
      const auto* g = geometry;
      MBENCH_RETURN_IF_ERROR(Check(
          xnn_create_convolution2d_nhwc_qu8(
              g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9],
              static_cast<uint32_t>(groups), gi, go, cin, cout, static_cast<uint8_t>(x.zero_point),
              x.scale, static_cast<uint8_t>(wz), ws[0],
              reinterpret_cast<const uint8_t*>(PackedBytes({ku.begin(), ku.end()})),
              PackedInts(std::move(bq)), static_cast<uint8_t>(y.zero_point), y.scale,
              static_cast<uint8_t>(qlo), static_cast<uint8_t>(qhi), 0, &st.op),
          n, "uint8 convolution create"));
      return Check(xnn_setup_convolution2d_nhwc_qu8(st.op, xi[0], xi[1], xi[2],
                                                    reinterpret_cast<const uint8_t*>(x.q8),
                                                    reinterpret_cast<uint8_t*>(y.q8), pool),
                   n, "uint8 convolution setup");
    }
    const int64_t per_oc = kh * kw * gi;
    std::vector<int8_t> kq(k.size());
    for (size_t i = 0; i < k.size(); ++i) {
      const long q = std::lround(k[i] / ws[i / per_oc]);
      kq[i] = static_cast<int8_t>(std::clamp<long>(q, -128, 127));
    }
    const int8_t* kp8 = PackedBytes(std::move(kq));
    const int32_t* bp = PackedInts(std::move(bq));
    const int8_t xz = static_cast<int8_t>(x.zero_point), yz = static_cast<int8_t>(y.zero_point);
    const auto* u = geometry;
    if (info.quant_scales.size() == 1) {
      MBENCH_RETURN_IF_ERROR(Check(
          xnn_create_convolution2d_nhwc_qs8(u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
                                            static_cast<uint32_t>(groups), gi, go, cin, cout, xz,
                                            x.scale, ws[0], kp8, bp, yz, y.scale,
                                            static_cast<int8_t>(qlo), static_cast<int8_t>(qhi), 0, &st.op),
          n, "int8 convolution create"));
      return Check(xnn_setup_convolution2d_nhwc_qs8(st.op, xi[0], xi[1], xi[2], x.q8, y.q8, pool), n,
                   "int8 convolution setup");
    }
    const float* wsp = Packed(std::move(ws));
    MBENCH_RETURN_IF_ERROR(Check(
        xnn_create_convolution2d_nhwc_qc8(u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
                                          static_cast<uint32_t>(groups), gi, go, cin, cout, xz,
                                          x.scale, wsp, kp8, bp, yz, y.scale,
                                          static_cast<int8_t>(qlo), static_cast<int8_t>(qhi), 0, &st.op),
        n, "int8 convolution create"));
    return Check(xnn_setup_convolution2d_nhwc_qc8(st.op, xi[0], xi[1], xi[2], x.q8, y.q8, pool), n,
                 "int8 convolution setup");
  }
  // Steps on runner/dwconv.h: weights [kh][kw][channels], output rows spread over the threads.
  auto own_depthwise = [&](std::vector<float> hwc, bool sum_channels) {
    auto job = std::make_shared<DepthwiseJob>();
    job->shape = {xi[0], xi[1], xi[2], cin, yi[1], yi[2], kh, kw, sh, sw, dh, dw, pt, pl, lo, hi};
    job->shape.sum_channels = sum_channels;
    job->input = x.data;
    job->weights = Packed(std::move(hwc));
    job->bias = bias;
    job->output = y.data;
    pthreadpool_t p = pool;
    auto tail = FusedTail(n);
    const int64_t m = Product(yi);
    st.info.kernel = "mbench-dwconv";
    st.plain = [job, p, tail, m] {
      // A null pool runs the tasks on the calling thread.
      const size_t rows = static_cast<size_t>(job->shape.batch * job->shape.out_h);
      pthreadpool_parallelize_1d_tile_1d(p, &DepthwiseRowTask, job.get(), rows, 1, 0);
      if (tail) tail(job->output, m);
    };
    return Status::Ok();
  };
  if (gi == 1 && go == 1 &&
      (kh * kw > kXnnpackDepthwiseMaxTaps ||
       (!options.xnnpack_only && (DepthwisePacksPixels(sh, sw, cout) ||
                                  DepthwiseWideMap(yi[1] * yi[2], cout))))) {
    // A window XNNPACK has no depthwise kernel for, few channels at stride 1, or 16-32 channels
    // over a large map (see runner/dwconv.h).
    std::vector<float> hwc(k.size());
    for (int64_t c = 0; c < cout; ++c)
      for (int64_t t = 0; t < kh * kw; ++t) hwc[static_cast<size_t>(t * cout + c)] = k[static_cast<size_t>(c * kh * kw + t)];
    return own_depthwise(std::move(hwc), false);
  }
  if (groups == 1 && cout == 1 && !options.xnnpack_only && DepthwisePacksPixels(sh, sw, cin) &&
      !residual.count(LayerOf(n))) {
    // One output channel over 1-8 input channels at stride 1: the depthwise kernel summing the
    // per-channel products (sum_channels); the weights [1][kh][kw][cin] are already the
    // [kh][kw][channels] it reads.
    return own_depthwise(std::move(k), true);
  }
  const bool dense = groups == 1 && UseDenseConv(xi[0] * yi[1] * yi[2], cout);
  if (residual.count(LayerOf(n)) && !dense) {
    return Status::Internal("layer '" + n.name + "': a residual addition was fused into a "
                            "convolution that cannot run on the dense kernel");
  }
  if (dense) {
    DenseStep(n, st, {xi[0], xi[1], xi[2], cin, yi[1], yi[2], cout, kh, kw, sh, sw, dh, dw, pt, pl,
                      lo, hi},
              k.data(), bias, x.data, y.data);
    return Status::Ok();
  }
  float* kp = Packed(std::move(k));
  MBENCH_RETURN_IF_ERROR(Check(
      xnn_create_convolution2d_nhwc_f32(
          static_cast<uint32_t>(pt), static_cast<uint32_t>(pr), static_cast<uint32_t>(pb),
          static_cast<uint32_t>(pl), static_cast<uint32_t>(kh), static_cast<uint32_t>(kw),
          static_cast<uint32_t>(sh), static_cast<uint32_t>(sw), static_cast<uint32_t>(dh),
          static_cast<uint32_t>(dw), static_cast<uint32_t>(groups), gi, go, cin, cout, kp, bias,
          lo, hi, 0, &st.op),
      n, "convolution create"));
  MBENCH_RETURN_IF_ERROR(Check(xnn_setup_convolution2d_nhwc_f32(st.op, xi[0], xi[1], xi[2], x.data,
                                                               y.data, pool),
                               n, "convolution setup"));
  if (auto tail = FusedTail(n)) ThenApply(st, std::move(tail), y.data, Product(yi));
  return Status::Ok();
}

Status Plan::Impl::FullyConnected(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[OutOf(n)];
  if (!bufs[n.inputs[1]].constant || x.gshape.empty() || y.gshape.empty()) {
    return Status::Unsupported("layer '" + n.name + "': fully connected without constant weights");
  }
  // The activation's last model dim is K; the weight is [N, K] or [K, N].
  const Shape& ws = G(n.inputs[1]);
  int64_t k = x.gshape.back(), nout = y.gshape.back();
  if (ws.size() != 2) return Status::Unsupported("layer '" + n.name + "': weight of rank != 2");
  // ncnn's InnerProduct reads a 4-D activation as one row per batch item: K is C*H*W.
  bool flat = false;
  if (x.gshape.size() == 4 && ws[0] != k && ws[1] != k) {
    const int64_t per_item = Product(x.gshape) / std::max<int64_t>(x.gshape[0], 1);
    if (ws[0] == per_item || ws[1] == per_item) {
      k = per_item;
      flat = true;
    }
  }
  bool n_by_k = ws[0] == nout && ws[1] == k;
  bool k_by_n = ws[0] == k && ws[1] == nout;
  if (n_by_k && k_by_n) {  // square: the attribute decides (ONNX Gemm transB, MatMul none)
    n_by_k = n.kind == OpKind::kFullyConnected && n.GetInt("transB", 1) == 1;
  }
  if (!n_by_k && !k_by_n) {
    return Status::Unsupported("layer '" + n.name + "': weight shape does not match the input");
  }
  if (x.nhwc && !flat && Product(x.gshape) / k != x.gshape[0]) {
    return Status::Unsupported("layer '" + n.name + "': fully connected on a 4-D activation");
  }
  if (n.GetFloat("alpha", 1.0) != 1.0 || n.GetFloat("beta", 1.0) != 1.0 ||
      n.GetInt("transA", 0) != 0) {
    return Status::Unsupported("layer '" + n.name + "': Gemm with alpha, beta or transA");
  }
  const float* bias = nullptr;
  if (n.kind == OpKind::kFullyConnected && n.inputs.size() > 2 && n.inputs[2] >= 0) {
    const Shape& bs = G(n.inputs[2]);
    if (!bufs[n.inputs[2]].constant || Product(bs) != nout || (bs.size() == 2 && bs[0] != 1)) {
      return Status::Unsupported("layer '" + n.name + "': bias that is not one value per output");
    }
    bias = Const(n.inputs[2]).data();
  }
  auto [lo, hi] = FusedRange(n);
  const float* w = Const(n.inputs[1]).data();
  if (flat && x.nhwc) {
    // The model flattens C, H, W; the activation is stored H, W, C: reorder the weight's K
    // axis once instead of the activation on every run.
    const int64_t c = x.gshape[1], h = x.gshape[2], wd = x.gshape[3];
    std::vector<float> permuted(static_cast<size_t>(k * nout));
    for (int64_t o = 0; o < nout; ++o)
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t hw = 0; hw < h * wd; ++hw) {
          const int64_t from = ci * h * wd + hw, to = hw * c + ci;
          if (n_by_k) {
            permuted[static_cast<size_t>(o * k + to)] = w[o * k + from];
          } else {
            permuted[static_cast<size_t>(to * nout + o)] = w[from * nout + o];
          }
        }
    w = Packed(std::move(permuted));
  }
  const uint32_t flags = n_by_k ? 0 : XNN_FLAG_TRANSPOSE_WEIGHTS;
  if (st.int8()) {
    if (!n_by_k) return Status::Unsupported("layer '" + n.name + "': int8 weights stored [K, N]");
    const auto& info = graph->tensors[n.inputs[1]];
    std::vector<int32_t> wq = StoredInts(n.inputs[1]);
    std::vector<int8_t> w8(wq.begin(), wq.end());
    std::vector<int32_t> bq(static_cast<size_t>(nout), 0);
    if (bias != nullptr) bq = StoredInts(n.inputs[2]);
    auto [qlo, qhi] = QuantRange(y, lo, hi);
    if (y.unsigned8) {
      const int64_t wz = info.quant_zero_points.empty() ? 0 : info.quant_zero_points[0];
      MBENCH_RETURN_IF_ERROR(Check(
          xnn_create_fully_connected_nc_qu8(
              k, nout, k, nout, static_cast<uint8_t>(x.zero_point), x.scale, static_cast<uint8_t>(wz),
              static_cast<float>(info.quant_scales[0]),
              reinterpret_cast<const uint8_t*>(PackedBytes(std::move(w8))), PackedInts(std::move(bq)),
              static_cast<uint8_t>(y.zero_point), y.scale, static_cast<uint8_t>(qlo),
              static_cast<uint8_t>(qhi), 0, &st.op),
          n, "uint8 fully connected create"));
      return Check(xnn_setup_fully_connected_nc_qu8(st.op, Product(x.ishape) / k,
                                                    reinterpret_cast<const uint8_t*>(x.q8),
                                                    reinterpret_cast<uint8_t*>(y.q8), pool),
                   n, "uint8 fully connected setup");
    }
    MBENCH_RETURN_IF_ERROR(Check(
        xnn_create_fully_connected_nc_qs8(k, nout, k, nout, static_cast<int8_t>(x.zero_point), x.scale,
                                          static_cast<float>(info.quant_scales[0]),
                                          PackedBytes(std::move(w8)), PackedInts(std::move(bq)),
                                          static_cast<int8_t>(y.zero_point), y.scale,
                                          static_cast<int8_t>(qlo), static_cast<int8_t>(qhi), 0,
                                          &st.op),
        n, "int8 fully connected create"));
    return Check(xnn_setup_fully_connected_nc_qs8(st.op, Product(x.ishape) / k, x.q8, y.q8, pool), n,
                 "int8 fully connected setup");
  }
  if (st.half()) {
    MBENCH_RETURN_IF_ERROR(Check(
        xnn_create_fully_connected_nc_f16(k, nout, k, nout, PackedHalf(w, k * nout),
                                          PackedHalf(bias, nout), lo, hi, flags, &st.op),
        n, "fp16 fully connected create"));
    return Check(xnn_setup_fully_connected_nc_f16(st.op, Product(x.ishape) / k, x.half, y.half, pool),
                 n, "fp16 fully connected setup");
  }
  const int64_t rows = Product(x.ishape) / k;
  if (UseDenseConv(rows, nout)) {
    // Rows of a fully connected layer are the pixels of a 1x1 convolution.
    std::vector<float> by_out;
    if (!n_by_k) {
      by_out.resize(static_cast<size_t>(k * nout));
      for (int64_t i = 0; i < k; ++i)
        for (int64_t o = 0; o < nout; ++o) by_out[static_cast<size_t>(o * k + i)] = w[i * nout + o];
      w = by_out.data();
    }
    DenseStep(n, st, {1, rows, 1, k, rows, 1, nout, 1, 1, 1, 1, 1, 1, 0, 0, lo, hi}, w, bias,
              x.data, y.data);
    return Status::Ok();
  }
  MBENCH_RETURN_IF_ERROR(Check(
      xnn_create_fully_connected_nc_f32(k, nout, k, nout, w, bias, lo, hi, flags, &st.op),
      n, "fully connected create"));
  return Check(xnn_setup_fully_connected_nc_f32(st.op, rows, x.data, y.data, pool),
               n, "fully connected setup");
}

Status Plan::Impl::Pool(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  if (x.ishape.size() != 4) return Status::Unsupported("layer '" + n.name + "': pooling of rank != 4");
  const Shape xi = x.ishape, yi = y.ishape;
  const int64_t c = xi[3];
  if (n.kind == OpKind::kGlobalAveragePool && st.int8()) {
    auto [qlo, qhi] = QuantRange(y, -kInf, kInf);
    if (y.unsigned8) {
      MBENCH_RETURN_IF_ERROR(Check(
          xnn_create_global_average_pooling_nwc_qu8(
              c, c, c, static_cast<uint8_t>(x.zero_point), x.scale, static_cast<uint8_t>(y.zero_point),
              y.scale, static_cast<uint8_t>(qlo), static_cast<uint8_t>(qhi), 0, &st.op),
          n, "uint8 global average pooling create"));
      return Check(xnn_setup_global_average_pooling_nwc_qu8(st.op, xi[0], xi[1] * xi[2],
                                                            reinterpret_cast<const uint8_t*>(x.q8),
                                                            reinterpret_cast<uint8_t*>(y.q8), pool),
                   n, "uint8 global average pooling setup");
    }
    MBENCH_RETURN_IF_ERROR(Check(
        xnn_create_global_average_pooling_nwc_qs8(c, c, c, static_cast<int8_t>(x.zero_point), x.scale,
                                                  static_cast<int8_t>(y.zero_point), y.scale,
                                                  static_cast<int8_t>(qlo), static_cast<int8_t>(qhi),
                                                  0, &st.op),
        n, "int8 global average pooling create"));
    return Check(xnn_setup_global_average_pooling_nwc_qs8(st.op, xi[0], xi[1] * xi[2], x.q8, y.q8, pool),
                 n, "int8 global average pooling setup");
  }
  if (n.kind == OpKind::kGlobalAveragePool) {
    const bool h = st.half();
    MBENCH_RETURN_IF_ERROR(
        Check(h ? xnn_create_global_average_pooling_nwc_f16(c, c, c, -kInf, kInf, 0, &st.op)
                : xnn_create_global_average_pooling_nwc_f32(c, c, c, -kInf, kInf, 0, &st.op),
              n, "global average pooling create"));
    const size_t width = static_cast<size_t>(xi[1] * xi[2]);
    return Check(
        h ? xnn_setup_global_average_pooling_nwc_f16(st.op, xi[0], width, x.half, y.half, pool)
          : xnn_setup_global_average_pooling_nwc_f32(st.op, xi[0], width, x.data, y.data, pool),
        n, "global average pooling setup");
  }
  if (n.kind == OpKind::kGlobalMaxPool) {
    float* in = x.data;
    float* out = y.data;
    int64_t batch = xi[0], hw = xi[1] * xi[2];
    st.plain = [in, out, batch, hw, c] {
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t ch = 0; ch < c; ++ch) out[b * c + ch] = -kInf;
        for (int64_t p = 0; p < hw; ++p)
          for (int64_t ch = 0; ch < c; ++ch)
            out[b * c + ch] = std::max(out[b * c + ch], in[(b * hw + p) * c + ch]);
      }
    };
    return Status::Ok();
  }
  auto ks = n.GetInts("kernel_shape");
  if (ks.size() != 2) return Status::Unsupported("layer '" + n.name + "': pooling without a 2-D kernel");
  auto strides = n.GetInts("strides");
  int64_t kh = ks[0], kw = ks[1];
  int64_t sh = strides.size() == 2 ? strides[0] : 1, sw = strides.size() == 2 ? strides[1] : 1;
  if (n.GetInt("adaptive", 0) != 0) {
    if (xi[1] % yi[1] != 0 || xi[2] % yi[2] != 0) {
      return Status::Unsupported("layer '" + n.name + "': adaptive pooling with uneven windows");
    }
    sh = xi[1] / yi[1];
    sw = xi[2] / yi[2];
    kh = sh;
    kw = sw;
  }
  auto dil = n.GetInts("dilations");
  int64_t dh = dil.size() == 2 ? dil[0] : 1, dw = dil.size() == 2 ? dil[1] : 1;
  if (n.kind == OpKind::kAveragePool && (dh != 1 || dw != 1)) {
    return Status::Unsupported("layer '" + n.name + "': dilated average pooling");
  }
  auto [pt, pb] = Pads(n, 0, xi[1], yi[1], kh, sh, dh);
  auto [pl, pr] = Pads(n, 1, xi[2], yi[2], kw, sw, dw);
  if (!WindowMatches(xi[1], yi[1], kh, sh, dh, pt, pb) ||
      !WindowMatches(xi[2], yi[2], kw, sw, dw, pl, pr) || xi[0] != yi[0] || xi[3] != yi[3]) {
    return Status::Unsupported("layer '" + n.name + "': pooling geometry (ceil mode?) does not "
                               "give the model's output shape");
  }
  if (n.kind == OpKind::kAveragePool && n.GetInt("count_include_pad", 0) != 0 &&
      (pt || pb || pl || pr)) {
    return Status::Unsupported("layer '" + n.name + "': average pooling counting the padding");
  }
  auto [lo, hi] = FusedRange(n);
  if (n.kind == OpKind::kMaxPool && st.int8()) {
    auto [qlo, qhi] = QuantRange(y, lo, hi);
    if (y.unsigned8) {
      MBENCH_RETURN_IF_ERROR(Check(
          xnn_create_max_pooling2d_nhwc_u8(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, c, c, c,
                                           static_cast<uint8_t>(qlo), static_cast<uint8_t>(qhi), 0,
                                           &st.op),
          n, "uint8 max pooling create"));
      return Check(xnn_setup_max_pooling2d_nhwc_u8(st.op, xi[0], xi[1], xi[2],
                                                   reinterpret_cast<const uint8_t*>(x.q8),
                                                   reinterpret_cast<uint8_t*>(y.q8), pool),
                   n, "uint8 max pooling setup");
    }
    MBENCH_RETURN_IF_ERROR(Check(
        xnn_create_max_pooling2d_nhwc_s8(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, c, c, c,
                                         static_cast<int8_t>(qlo), static_cast<int8_t>(qhi), 0, &st.op),
        n, "int8 max pooling create"));
    return Check(xnn_setup_max_pooling2d_nhwc_s8(st.op, xi[0], xi[1], xi[2], x.q8, y.q8, pool), n,
                 "int8 max pooling setup");
  }
  if (n.kind == OpKind::kMaxPool) {
    const bool h = st.half();
    MBENCH_RETURN_IF_ERROR(Check(
        h ? xnn_create_max_pooling2d_nhwc_f16(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, c, c, c, lo,
                                              hi, 0, &st.op)
          : xnn_create_max_pooling2d_nhwc_f32(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, c, c, c, lo,
                                              hi, 0, &st.op),
        n, "max pooling create"));
    return Check(
        h ? xnn_setup_max_pooling2d_nhwc_f16(st.op, xi[0], xi[1], xi[2], x.half, y.half, pool)
          : xnn_setup_max_pooling2d_nhwc_f32(st.op, xi[0], xi[1], xi[2], x.data, y.data, pool),
        n, "max pooling setup");
  }
  MBENCH_RETURN_IF_ERROR(Check(
      xnn_create_average_pooling2d_nhwc_f32(pt, pr, pb, pl, kh, kw, sh, sw, c, c, c, lo, hi, 0,
                                            &st.op),
      n, "average pooling create"));
  return Check(
      xnn_setup_average_pooling2d_nhwc_f32(st.op, xi[0], xi[1], xi[2], x.data, y.data, pool), n,
      "average pooling setup");
}

// Multiply or add of a [N, H, W, C] activation and a [N, 1, 1, C] one (stored layout): the
// scale of every squeeze-and-excitation block. XNNPACK's broadcasting operator hands out one
// task per pixel, a row of C values: 79 us for a 128x128x16 map on one thread and 269 us on
// two, the tasks' bookkeeping costing more than the arithmetic. Here each task is a run of
// rows of about 16 KiB.
namespace {
struct ChannelBroadcastJob {
  const float* x = nullptr;      // [rows][c]
  const float* scale = nullptr;  // [batch][c]
  float* y = nullptr;
  int64_t rows_per_batch = 0, c = 0, rows = 0, chunk = 0;
  bool add = false;
  float lo = 0.0f, hi = 0.0f;
  std::function<void(float*, int64_t)> tail;
};
// `rows` rows of c values, each combined with the same row `s`; compiled once per instruction
// set, the widest the CPU has picked at load time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void ChannelRows(const float* x, const float* s, float* y, int64_t rows, int64_t c, bool add,
                 float lo, float hi) {
  for (int64_t r = 0; r < rows; ++r, x += c, y += c) {
    if (add) {
      for (int64_t k = 0; k < c; ++k) y[k] = std::min(std::max(x[k] + s[k], lo), hi);
    } else {
      for (int64_t k = 0; k < c; ++k) y[k] = std::min(std::max(x[k] * s[k], lo), hi);
    }
  }
}
void ChannelBroadcastTask(void* context, size_t i) {
  const auto* job = static_cast<const ChannelBroadcastJob*>(context);
  const int64_t begin = static_cast<int64_t>(i) * job->chunk;
  const int64_t end = std::min(job->rows, begin + job->chunk);
  const int64_t c = job->c;
  for (int64_t r = begin; r < end;) {  // runs of rows within one batch item
    const int64_t batch = r / job->rows_per_batch;
    const int64_t stop = std::min(end, (batch + 1) * job->rows_per_batch);
    ChannelRows(job->x + r * c, job->scale + batch * c, job->y + r * c, stop - r, c, job->add,
                job->lo, job->hi);
    r = stop;
  }
  if (job->tail) job->tail(job->y + begin * c, (end - begin) * c);
}
}  // namespace

bool Plan::Impl::ChannelBroadcast(const Node& n, Step& st, const Shape* shapes,
                                  const float* const* ptr, float lo, float hi) {
  if (n.kind != OpKind::kMul && n.kind != OpKind::kAdd) return false;
  const Buf& y = bufs[OutOf(n)];
  const Shape& ys = y.ishape;
  if (ys.size() != 4 || ys[1] * ys[2] < 2) return false;
  int full = -1;
  for (int i = 0; i < 2; ++i) {
    const Shape& o = shapes[1 - i];
    if (shapes[i] == ys && o.size() == 4 && o[0] == ys[0] && o[1] == 1 && o[2] == 1 &&
        o[3] == ys[3]) {
      full = i;
    }
  }
  if (full < 0) return false;
  auto job = std::make_shared<ChannelBroadcastJob>();
  job->x = ptr[full];
  job->scale = ptr[1 - full];
  job->y = y.data;
  job->c = ys[3];
  job->rows_per_batch = ys[1] * ys[2];
  job->rows = ys[0] * job->rows_per_batch;
  job->chunk = std::max<int64_t>(1, 4096 / job->c);
  job->add = n.kind == OpKind::kAdd;
  job->lo = lo;
  job->hi = hi;
  job->tail = FusedTail(n);
  pthreadpool_t p = pool;
  st.info.kernel = "plain";
  st.plain = [job, p] {
    const size_t tasks = static_cast<size_t>((job->rows + job->chunk - 1) / job->chunk);
    pthreadpool_parallelize_1d(p, &ChannelBroadcastTask, job.get(), tasks, 0);
  };
  return true;
}

Status Plan::Impl::Binary(const Node& n, Step& st) {
  const Buf& y = bufs[OutOf(n)];
  if (n.inputs.size() != 2) {
    return Status::Unsupported("layer '" + n.name + "': " + analyzer::OpKindName(n.kind) + " of " +
                               std::to_string(n.inputs.size()) + " operands");
  }
  const size_t rank = y.ishape.size();
  Shape shapes[2];
  const float* ptr[2];
  const void* half_ptr[2];
  for (int i = 0; i < 2; ++i) {
    int32_t t = n.inputs[i];
    if (bufs[t].constant) {
      if (bufs[t].gshape.size() > rank) return Status::Unsupported("layer '" + n.name + "': operand rank");
      auto [s, p] = ConstOperand(t, rank, y.nhwc);
      shapes[i] = s;
      ptr[i] = p;
      if (st.half()) half_ptr[i] = PackedHalf(p, Product(s));
    } else {
      half_ptr[i] = bufs[t].half;
      if (bufs[t].nhwc != y.nhwc) {
        return Status::Unsupported("layer '" + n.name + "': mixes 4-D and lower-rank activations");
      }
      shapes[i] = bufs[t].ishape;
      ptr[i] = bufs[t].data;
    }
  }
  std::vector<size_t> s0(shapes[0].begin(), shapes[0].end()), s1(shapes[1].begin(), shapes[1].end());
  if (s0.empty()) s0 = {1};
  if (s1.empty()) s1 = {1};
  // A fused activation (TFLite's ADD/SUB/MUL/DIV carry one; a ReLU after an add in other
  // formats is fused below) is the operator's output range; max, min and squared difference
  // take none, so theirs is applied after.
  auto [lo, hi] = FusedRange(n);
  xnn_status status;
  if (st.int8()) {  // add, subtract or multiply of two 8-bit activations (RunsInt8)
    const Buf& a = bufs[n.inputs[0]];
    const Buf& b = bufs[n.inputs[1]];
    auto [qlo, qhi] = QuantRange(y, lo, hi);
    const QuantOperand qa{a.zero_point, a.scale, a.q8}, qb{b.zero_point, b.scale, b.q8},
        qy{y.zero_point, y.scale, y.q8};
    const std::vector<size_t>* shapes_nd[2] = {&s0, &s1};
    status = y.unsigned8 ? QuantBinary(kQu8Binary, n.kind, qa, qb, qy, qlo, qhi, shapes_nd, pool, &st.op)
                         : QuantBinary(kQs8Binary, n.kind, qa, qb, qy, qlo, qhi, shapes_nd, pool, &st.op);
    return Check(status, n, "8-bit binary operator");
  }
  if (st.half()) {  // add or multiply (RunsHalf)
    const bool add = n.kind == OpKind::kAdd;
    MBENCH_RETURN_IF_ERROR(Check(add ? xnn_create_add_nd_f16(lo, hi, 0, &st.op)
                                     : xnn_create_multiply_nd_f16(lo, hi, 0, &st.op),
                                 n, "fp16 binary create"));
    status = add ? xnn_setup_add_nd_f16(st.op, s0.size(), s0.data(), s1.size(), s1.data(),
                                        half_ptr[0], half_ptr[1], y.half, pool)
                 : xnn_setup_multiply_nd_f16(st.op, s0.size(), s0.data(), s1.size(), s1.data(),
                                             half_ptr[0], half_ptr[1], y.half, pool);
    return Check(status, n, "fp16 binary setup");
  }
  if (!options.xnnpack_only && ChannelBroadcast(n, st, shapes, ptr, lo, hi)) return Status::Ok();
  switch (n.kind) {
    case OpKind::kAdd: status = xnn_create_add_nd_f32(lo, hi, 0, &st.op); break;
    case OpKind::kSub: status = xnn_create_subtract_nd_f32(lo, hi, 0, &st.op); break;
    case OpKind::kMul: status = xnn_create_multiply_nd_f32(lo, hi, 0, &st.op); break;
    case OpKind::kDiv: status = xnn_create_divide_nd_f32(lo, hi, 0, &st.op); break;
    case OpKind::kMax: status = xnn_create_maximum_nd_f32(0, &st.op); break;
    case OpKind::kMin: status = xnn_create_minimum_nd_f32(0, &st.op); break;
    default: status = xnn_create_squared_difference_nd_f32(0, &st.op); break;
  }
  MBENCH_RETURN_IF_ERROR(Check(status, n, "binary create"));
  switch (n.kind) {
    case OpKind::kAdd:
      status = xnn_setup_add_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0], ptr[1], y.data, pool);
      break;
    case OpKind::kSub:
      status = xnn_setup_subtract_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0], ptr[1], y.data, pool);
      break;
    case OpKind::kMul:
      status = xnn_setup_multiply_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0], ptr[1], y.data, pool);
      break;
    case OpKind::kDiv:
      status = xnn_setup_divide_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0], ptr[1], y.data, pool);
      break;
    case OpKind::kMax:
      status = xnn_setup_maximum_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0], ptr[1], y.data, pool);
      break;
    case OpKind::kMin:
      status = xnn_setup_minimum_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0], ptr[1], y.data, pool);
      break;
    default:
      status = xnn_setup_squared_difference_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0], ptr[1], y.data, pool);
      break;
  }
  MBENCH_RETURN_IF_ERROR(Check(status, n, "binary setup"));
  const bool ranged = n.kind == OpKind::kAdd || n.kind == OpKind::kSub ||
                      n.kind == OpKind::kMul || n.kind == OpKind::kDiv;
  std::function<void(float*, int64_t)> tail = FusedTail(n);
  if (!ranged && (lo > -kInf || hi < kInf)) {
    tail = [lo = lo, hi = hi](float* q, int64_t m) {
      for (int64_t i = 0; i < m; ++i) q[i] = std::clamp(q[i], lo, hi);
    };
  }
  if (tail) ThenApply(st, std::move(tail), y.data, Product(y.ishape));
  return Status::Ok();
}

Status Plan::Impl::Unary(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const int64_t total = Product(x.ishape);
  const int64_t c = x.ishape.empty() ? 1 : x.ishape.back();
  const int64_t batch = total / std::max<int64_t>(c, 1);
  if (n.kind == OpKind::kBatchNorm) {
    // y = gamma * (x - mean) / sqrt(var + eps) + beta, per channel (the last internal dim for
    // NHWC or 2-D activations).
    if (!(x.nhwc || x.ishape.size() <= 2 || graph->layout == analyzer::Layout::kNHWC)) {
      return Status::Unsupported("layer '" + n.name + "': batch norm on a rank-" +
                                 std::to_string(x.ishape.size()) + " NCHW activation");
    }
    for (int i = 1; i <= 4; ++i) {
      if (!bufs[n.inputs[i]].constant) {
        return Status::Unsupported("layer '" + n.name + "': batch norm statistics given at run time");
      }
    }
    if (n.GetInt("training_mode", 0) != 0 || n.outputs.size() > 1) {
      return Status::Unsupported("layer '" + n.name + "': batch norm in training mode");
    }
    const auto& gamma = Const(n.inputs[1]);
    const auto& beta = Const(n.inputs[2]);
    const auto& mean = Const(n.inputs[3]);
    const auto& var = Const(n.inputs[4]);
    float eps = static_cast<float>(n.GetFloat("epsilon", 1e-5));
    std::vector<float> scale(c), shift(c);
    for (int64_t i = 0; i < c; ++i) {
      scale[i] = gamma[i] / std::sqrt(std::abs(var[i]) + eps);
      shift[i] = beta[i] - mean[i] * scale[i];
    }
    const float* sp = Packed(std::move(scale));
    const float* hp = Packed(std::move(shift));
    const float* in = x.data;
    float* out = y.data;
    st.plain = [in, out, batch, c, sp, hp] {
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t i = 0; i < c; ++i) out[b * c + i] = in[b * c + i] * sp[i] + hp[i];
    };
    return Status::Ok();
  }
  if (n.kind == OpKind::kSwish) {
    // x * sigmoid(x) in L1-sized chunks: XNNPACK's vectorised sigmoid into a small scratch, then
    // the multiply while both are still in cache. A sigmoid over the whole tensor followed by a
    // multiply pass moved 20 bytes per element through the caches; this moves 8, like any unary
    // op. One operator and one
    // scratch per thread, each thread taking one contiguous range of the tensor.
    auto job = std::make_shared<SwishJob>();
    job->in = x.data;
    job->out = y.data;
    job->total = total;
    const size_t num_parts =
        pool != nullptr ? std::max<size_t>(1, pthreadpool_get_threads_count(pool)) : 1;
    for (size_t i = 0; i < num_parts; ++i) {
      SwishPart part;
      MBENCH_RETURN_IF_ERROR(
          Check(xnn_create_sigmoid_nc_f32(1, 1, 1, 0, &part.op), n, "swish sigmoid create"));
      extra_ops.push_back(part.op);
      part.gate = Packed(std::vector<float>(static_cast<size_t>(kSwishChunk)));
      MBENCH_RETURN_IF_ERROR(Check(
          xnn_setup_sigmoid_nc_f32(part.op, static_cast<size_t>(std::min(total, kSwishChunk)),
                                   x.data, part.gate, nullptr),
          n, "swish sigmoid setup"));
      job->parts.push_back(part);
    }
    pthreadpool_t p = pool;
    st.plain = [job, p] {
      if (job->parts.size() == 1 || p == nullptr) {
        SwishRangeTask(job.get(), 0);
      } else {
        pthreadpool_parallelize_1d(p, &SwishRangeTask, job.get(), job->parts.size(), 0);
      }
    };
    return Status::Ok();
  }
  if ((n.kind == OpKind::kErf || n.kind == OpKind::kGelu) && !st.int8()) {
    // The vectorized polynomials of runner/eltwise.h, in parallel tiles.
    auto job = std::make_shared<RegionJob>();
    EltInstr op;
    op.op = n.kind == OpKind::kErf ? EltInstr::kErf : EltInstr::kGelu;
    job->own.code = {op};
    job->program = &job->own;
    job->input = x.data;
    job->output = y.data;
    pthreadpool_t p = pool;
    const auto count = static_cast<size_t>(total);
    st.plain = [job, p, count] {
      pthreadpool_parallelize_1d_tile_1d(p, &RegionTask, job.get(), count, kRegionTile, 0);
    };
    return Status::Ok();
  }
  if (IsUnaryPlain(n.kind) && !st.int8()) {
    const float* in = x.data;
    float* out = y.data;
    OpKind kind = n.kind;
    float alpha = static_cast<float>(n.GetFloat("alpha", 0.2));
    float beta = static_cast<float>(n.GetFloat("beta", 0.5));
    st.plain = [in, out, total, kind, alpha, beta] {
      for (int64_t i = 0; i < total; ++i) out[i] = PlainUnary(kind, in[i], alpha, beta);
    };
    return Status::Ok();
  }
  float lo = 0.0f, hi = kInf;  // ReLU's range
  if (n.kind == OpKind::kClip) {
    lo = static_cast<float>(n.GetFloat("min", -kInf));
    hi = static_cast<float>(n.GetFloat("max", kInf));
    // ONNX opset >= 11 passes min and max as inputs.
    for (int i = 1; i <= 2 && i < static_cast<int>(n.inputs.size()); ++i) {
      int32_t t = n.inputs[i];
      if (t < 0) continue;
      if (!bufs[t].constant || Product(G(t)) != 1) {
        return Status::Unsupported("layer '" + n.name + "': clip bounds given at run time");
      }
      (i == 1 ? lo : hi) = Const(t)[0];
    }
  }
  xnn_status status;
  if (st.int8()) {  // ReLU or Clip as an 8-bit clamp (same grid in and out), sigmoid, tanh
    auto [qlo, qhi] = QuantRange(y, lo, hi);
    const QuantOperand qx{x.zero_point, x.scale, x.q8}, qy{y.zero_point, y.scale, y.q8};
    status = y.unsigned8 ? QuantUnary(kQu8Unary, n.kind, qx, qy, qlo, qhi, c, batch, pool, &st.op)
                         : QuantUnary(kQs8Unary, n.kind, qx, qy, qlo, qhi, c, batch, pool, &st.op);
    return Check(status, n, "8-bit unary operator");
  }
  if (st.half()) {  // ReLU, Clip, HardSwish or LeakyRelu (RunsHalf)
    switch (n.kind) {
      case OpKind::kHardSwish: status = xnn_create_hardswish_nc_f16(c, c, c, 0, &st.op); break;
      case OpKind::kLeakyRelu:
        status = xnn_create_leaky_relu_nc_f16(c, c, c, static_cast<float>(n.GetFloat("alpha", 0.01)), 0, &st.op);
        break;
      default: status = xnn_create_clamp_nc_f16(c, c, c, lo, hi, 0, &st.op); break;
    }
    MBENCH_RETURN_IF_ERROR(Check(status, n, "fp16 unary create"));
    switch (n.kind) {
      case OpKind::kHardSwish: status = xnn_setup_hardswish_nc_f16(st.op, batch, x.half, y.half, pool); break;
      case OpKind::kLeakyRelu: status = xnn_setup_leaky_relu_nc_f16(st.op, batch, x.half, y.half, pool); break;
      default: status = xnn_setup_clamp_nc_f16(st.op, batch, x.half, y.half, pool); break;
    }
    return Check(status, n, "fp16 unary setup");
  }
  switch (n.kind) {
    case OpKind::kRelu: case OpKind::kClip:
      status = xnn_create_clamp_nc_f32(c, c, c, lo, hi, 0, &st.op);
      break;
    case OpKind::kSigmoid: status = xnn_create_sigmoid_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kHardSwish: status = xnn_create_hardswish_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kLeakyRelu:
      status = xnn_create_leaky_relu_nc_f32(c, c, c, static_cast<float>(n.GetFloat("alpha", 0.01)), 0, &st.op);
      break;
    case OpKind::kAbs: status = xnn_create_abs_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kNeg: status = xnn_create_negate_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kSquare: status = xnn_create_square_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kSqrt: status = xnn_create_square_root_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kFloor: status = xnn_create_floor_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kCeil: status = xnn_create_ceiling_nc_f32(c, c, c, 0, &st.op); break;
    default:
      status = xnn_create_elu_nc_f32(c, c, c, static_cast<float>(n.GetFloat("alpha", 1.0)), 0, &st.op);
      break;
  }
  MBENCH_RETURN_IF_ERROR(Check(status, n, "unary create"));
  switch (n.kind) {
    case OpKind::kRelu: case OpKind::kClip:
      status = xnn_setup_clamp_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kSigmoid: status = xnn_setup_sigmoid_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kHardSwish: status = xnn_setup_hardswish_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kLeakyRelu: status = xnn_setup_leaky_relu_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kAbs: status = xnn_setup_abs_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kNeg: status = xnn_setup_negate_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kSquare: status = xnn_setup_square_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kSqrt: status = xnn_setup_square_root_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kFloor: status = xnn_setup_floor_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kCeil: status = xnn_setup_ceiling_nc_f32(st.op, batch, x.data, y.data, pool); break;
    default: status = xnn_setup_elu_nc_f32(st.op, batch, x.data, y.data, pool); break;
  }
  return Check(status, n, "unary setup");
}

namespace {

// Graph-order dims of an internal NHWC tensor: graph [N, C, H, W] = internal dims {0, 3, 1, 2}.
const std::vector<int64_t> kNhwcToNchw = {0, 3, 1, 2};
const std::vector<int64_t> kNchwToNhwc = {0, 2, 3, 1};

int64_t NormAxis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

}  // namespace

Status Plan::Impl::Layout(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const float* in = x.data;
  float* out = y.data;
  const int64_t total = Product(y.ishape);
  if (IsCopyLike(n.kind) || n.kind == OpKind::kTranspose) {
    std::vector<int64_t> perm;
    if (n.kind == OpKind::kTranspose) {
      perm = n.GetInts("perm");
      if (perm.empty()) {
        for (size_t i = x.gshape.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
      }
      if (perm.size() != x.gshape.size()) {
        return Status::Unsupported("layer '" + n.name + "': transpose perm of the wrong rank");
      }
    }
    if (perm.empty() && PlainCopy(x, y)) {
      const size_t bytes = static_cast<size_t>(total) * (st.half()   ? sizeof(uint16_t)
                                                         : st.int8() ? sizeof(int8_t)
                                                                     : sizeof(float));
      const void* from = st.half() ? static_cast<const void*>(x.half)
                         : st.int8() ? static_cast<const void*>(x.q8) : in;
      void* to = st.half() ? static_cast<void*>(y.half) : st.int8() ? static_cast<void*>(y.q8) : out;
      st.plain = [from, to, bytes] { std::memmove(to, from, bytes); };
      return Status::Ok();
    }
    // General case through the model's own order: internal -> graph order -> (transpose) ->
    // internal order of the output.
    Shape xs = x.ishape, ys = y.gshape;
    bool xn = x.nhwc, yn = y.nhwc;
    if (!xn && !yn && !perm.empty()) {  // both in the model's order: one pass, in tiles
      auto job = std::make_shared<PermuteJob>();
      job->plan = MakePermutePlan(xs, perm);
      job->input = in;
      job->output = out;
      const auto runs = static_cast<size_t>(job->plan.outer);
      const auto tile = static_cast<size_t>(std::max<int64_t>(1, 16384 / job->plan.inner));
      pthreadpool_t p = pool;
      st.plain = [job, p, runs, tile] {
        pthreadpool_parallelize_1d_tile_1d(p, &PermuteTask, job.get(), runs, tile, 0);
      };
      return Status::Ok();
    }
    std::vector<float>* scratch = &packed.emplace_back(static_cast<size_t>(total) * 2);
    st.plain = [in, out, xs, ys, xn, yn, perm, scratch, total] {
      float* a = scratch->data();
      float* b = a + total;
      const float* cur = in;
      Shape shape = xs;
      if (xn) {
        Permute(cur, shape, kNhwcToNchw, a);
        shape = {shape[0], shape[3], shape[1], shape[2]};
        cur = a;
      }
      if (!perm.empty()) {
        Permute(cur, shape, perm, cur == a ? b : a);
        cur = cur == a ? b : a;
      }
      if (yn) {
        Permute(cur, ys, kNchwToNhwc, out);
      } else {
        std::memmove(out, cur, static_cast<size_t>(total) * sizeof(float));
      }
    };
    return Status::Ok();
  }
  if (n.kind == OpKind::kConcat) {
    int64_t axis = NormAxis(n.GetInt("axis", 1), y.gshape.size());
    if (y.nhwc) axis = kNhwcToNchw[axis];  // graph C, H, W sit at internal 3, 1, 2
    std::vector<std::pair<const float*, int64_t>> parts;  // data, size along axis
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= y.ishape[i];
    for (size_t i = axis + 1; i < y.ishape.size(); ++i) inner *= y.ishape[i];
    for (int32_t t : n.inputs) {
      if (t < 0) continue;
      const Buf& b = bufs[t];
      if (b.constant && b.nhwc != y.nhwc) return Status::Unsupported("layer '" + n.name + "': constant operand");
      if (b.constant) {
        auto [s, p] = ConstOperand(t, y.ishape.size(), y.nhwc);  // one packed copy, not two
        parts.emplace_back(p, s[axis]);
      } else {
        parts.emplace_back(b.data, b.ishape[axis]);
      }
    }
    const int64_t out_axis = y.ishape[axis];
    st.plain = [parts, out, outer, inner, out_axis] {
      for (int64_t o = 0; o < outer; ++o) {
        int64_t at = 0;
        for (const auto& [p, len] : parts) {
          std::memcpy(out + (o * out_axis + at) * inner, p + o * len * inner,
                      static_cast<size_t>(len * inner) * sizeof(float));
          at += len;
        }
      }
    };
    return Status::Ok();
  }
  if (n.kind == OpKind::kSoftmax) {
    int64_t axis = NormAxis(n.GetInt("axis", -1), x.gshape.size());
    bool last = x.nhwc ? axis == 1 : axis == static_cast<int64_t>(x.gshape.size()) - 1;
    if (!last) return Status::Unsupported("layer '" + n.name + "': softmax over a non-channel axis");
    const int64_t c = x.ishape.back();
    MBENCH_RETURN_IF_ERROR(Check(xnn_create_softmax_nc_f32(c, c, c, 0, &st.op), n, "softmax create"));
    return Check(xnn_setup_softmax_nc_f32(st.op, total / c, in, out, pool), n, "softmax setup");
  }
  if (n.kind == OpKind::kShuffleChannel) {
    const int64_t c = x.ishape.back();
    const int64_t groups = n.GetInt("group", 1);
    if (!x.nhwc && graph->layout != analyzer::Layout::kNHWC) {
      return Status::Unsupported("layer '" + n.name + "': channel shuffle of a non-4-D tensor");
    }
    if (groups < 2 || c % groups != 0) {
      const size_t bytes = static_cast<size_t>(total) * sizeof(float);
      st.plain = [in, out, bytes] { std::memmove(out, in, bytes); };
      return Status::Ok();
    }
    MBENCH_RETURN_IF_ERROR(Check(xnn_create_channel_shuffle_nc_x32(groups, c / groups, c, c, 0, &st.op),
                                 n, "channel shuffle create"));
    return Check(xnn_setup_channel_shuffle_nc_x32(st.op, total / c, in, out, pool), n,
                 "channel shuffle setup");
  }
  if (n.kind == OpKind::kPad) {
    std::string mode = n.GetString("mode", "constant");
    if (mode != "constant") return Status::Unsupported("layer '" + n.name + "': pad mode " + mode);
    const size_t r = x.gshape.size();
    std::vector<int64_t> pads = n.GetInts("pads");
    if (pads.size() != 2 * r && n.inputs.size() > 1 && n.inputs[1] >= 0) {
      pads = graph->tensors[n.inputs[1]].int_values;  // ONNX's pads input
    }
    if (pads.size() != 2 * r) return Status::Unsupported("layer '" + n.name + "': pads unknown");
    std::vector<size_t> pre(r), post(r), shape(r);
    for (size_t i = 0; i < r; ++i) {
      size_t gi = x.nhwc ? static_cast<size_t>(kNchwToNhwc[i]) : i;  // internal i is graph gi
      if (pads[gi] < 0 || pads[gi + r] < 0) return Status::Unsupported("layer '" + n.name + "': negative pads");
      pre[i] = static_cast<size_t>(pads[gi]);
      post[i] = static_cast<size_t>(pads[gi + r]);
      shape[i] = static_cast<size_t>(x.ishape[i]);
    }
    // The padded shape must be the model's: XNNPACK writes what the pads say.
    for (size_t i = 0; i < r; ++i) {
      if (static_cast<int64_t>(shape[i] + pre[i] + post[i]) != y.ishape[i]) {
        return Status::Unsupported("layer '" + n.name + "': pads " + analyzer::ShapeToString(x.gshape) +
                                   " -> " + analyzer::ShapeToString(y.gshape) + " do not give the model's "
                                   "output shape");
      }
    }
    float value = static_cast<float>(n.GetFloat("value", 0.0));
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
      if (!bufs[n.inputs[2]].constant) return Status::Unsupported("layer '" + n.name + "': pad value given at run time");
      value = Const(n.inputs[2])[0];
    }
    // Inner dimensions without padding join the one outside them, so the copy runs over whole
    // rows: padding H and W of an NHWC image with 3 channels otherwise copies 12 bytes per call
    // (1 ms for MediaPipe Pose's 256x256 input).
    size_t rank = r;
    while (rank > 1 && pre[rank - 1] == 0 && post[rank - 1] == 0) {
      shape[rank - 2] *= shape[rank - 1];
      pre[rank - 2] *= shape[rank - 1];
      post[rank - 2] *= shape[rank - 1];
      --rank;
    }
    float* vp = Packed({value});
    MBENCH_RETURN_IF_ERROR(Check(xnn_create_constant_pad_nd_x32(vp, 0, &st.op), n, "pad create"));
    return Check(xnn_setup_constant_pad_nd_x32(st.op, rank, shape.data(), pre.data(), post.data(),
                                               in, out, pool),
                 n, "pad setup");
  }
  if (n.kind == OpKind::kResize) {
    if (!(x.nhwc || (graph->layout == analyzer::Layout::kNHWC && x.ishape.size() == 4))) {
      return Status::Unsupported("layer '" + n.name + "': resize of a non-image tensor");
    }
    const Shape xi = x.ishape, yi = y.ishape;
    if (xi[0] != yi[0] || xi[3] != yi[3]) return Status::Unsupported("layer '" + n.name + "': resize of N or C");
    const std::string mode = n.GetString("mode", "nearest");
    const bool nearest = mode == "nearest";
    // TFLite's resize ops default to asymmetric coordinates and floor (no half-pixel centers).
    const bool tflite = graph->layout == analyzer::Layout::kNHWC;
    const std::string ctm =
        n.GetString("coordinate_transformation_mode", tflite ? "asymmetric" : "half_pixel");
    if (mode != "nearest" && mode != "linear") {
      return Status::Unsupported("layer '" + n.name + "': resize mode " + mode);
    }
    if (!nearest && ctm != "half_pixel" && ctm != "pytorch_half_pixel" && ctm != "asymmetric" &&
        ctm != "align_corners") {
      return Status::Unsupported("layer '" + n.name + "': resize coordinates " + ctm);
    }
    if (!nearest && ctm == "align_corners" && (yi[1] < xi[1] || yi[2] < xi[2])) {
      return Status::Unsupported("layer '" + n.name + "': align-corners downsampling");
    }
    const std::string nmode = n.GetString("nearest_mode", tflite ? "floor" : "round_prefer_floor");
    // Scale per axis: 1/scales when the model gives scales, else the size ratio.
    float sy = static_cast<float>(xi[1]) / yi[1], sx = static_cast<float>(xi[2]) / yi[2];
    if (n.inputs.size() > 2 && n.inputs[2] >= 0 && bufs[n.inputs[2]].constant &&
        Product(G(n.inputs[2])) == 4) {
      const auto& sc = Const(n.inputs[2]);
      if (sc[2] > 0 && sc[3] > 0) {
        sy = 1.0f / sc[2];
        sx = 1.0f / sc[3];
      }
    }
    const int coords = ctm == "asymmetric" ? 1 : ctm == "align_corners" ? 2 : 0;
    // Bilinear at the size ratio in a convention XNNPACK has: its kernel (a few times faster than
    // the loop below).
    const bool ratio = std::abs(sy * yi[1] - xi[1]) <= 1e-5f * xi[1] &&
                       std::abs(sx * yi[2] - xi[2]) <= 1e-5f * xi[2];
    if (!nearest && ratio && (ctm != "pytorch_half_pixel" || (yi[1] > 1 && yi[2] > 1))) {
      const uint32_t flags = coords == 1   ? XNN_FLAG_TENSORFLOW_LEGACY_MODE
                             : coords == 2 ? XNN_FLAG_ALIGN_CORNERS
                                           : 0;
      const size_t c = static_cast<size_t>(xi[3]);
      MBENCH_RETURN_IF_ERROR(
          Check(xnn_create_resize_bilinear2d_nhwc_f32(c, c, c, flags, &st.op), n, "resize create"));
      return Check(xnn_setup_resize_bilinear2d_nhwc_f32(st.op, xi[0], xi[1], xi[2], yi[1], yi[2], in,
                                                        out, pool),
                   n, "resize setup");
    }
    const int rounding = nmode == "floor" ? 0 : nmode == "ceil" ? 1 : nmode == "round_prefer_ceil" ? 3 : 2;
    st.plain = [in, out, xi, yi, nearest, sy, sx, coords, rounding] {
      const int64_t c = xi[3];
      auto coord = [&](int64_t at, float s, int64_t in_len, int64_t out_len) {
        if (coords == 1) return at * s;
        if (coords == 2) return out_len > 1 ? at * static_cast<float>(in_len - 1) / (out_len - 1) : 0.0f;
        return (at + 0.5f) * s - 0.5f;
      };
      auto pick = [&](float f, int64_t in_len) {
        float r;
        switch (rounding) {
          case 0: r = std::floor(f); break;
          case 1: r = std::ceil(f); break;
          case 3: r = f - std::floor(f) >= 0.5f ? std::ceil(f) : std::floor(f); break;
          default: r = f - std::floor(f) > 0.5f ? std::ceil(f) : std::floor(f); break;
        }
        return std::clamp<int64_t>(static_cast<int64_t>(r), 0, in_len - 1);
      };
      for (int64_t b = 0; b < yi[0]; ++b)
        for (int64_t oy = 0; oy < yi[1]; ++oy)
          for (int64_t ox = 0; ox < yi[2]; ++ox) {
            float* o = out + ((b * yi[1] + oy) * yi[2] + ox) * c;
            if (nearest) {
              int64_t iy = pick(coord(oy, sy, xi[1], yi[1]), xi[1]);
              int64_t ix = pick(coord(ox, sx, xi[2], yi[2]), xi[2]);
              std::memcpy(o, in + ((b * xi[1] + iy) * xi[2] + ix) * c, c * sizeof(float));
              continue;
            }
            // Bilinear in the model's coordinate convention.
            auto src = [&](int64_t at, float s, int64_t in_len, int64_t out_len) {
              return std::clamp(coord(at, s, in_len, out_len), 0.0f, static_cast<float>(in_len - 1));
            };
            float fy = src(oy, sy, xi[1], yi[1]);
            float fx = src(ox, sx, xi[2], yi[2]);
            int64_t y0 = static_cast<int64_t>(fy), x0 = static_cast<int64_t>(fx);
            int64_t y1 = std::min(y0 + 1, xi[1] - 1), x1 = std::min(x0 + 1, xi[2] - 1);
            float wy = fy - y0, wx = fx - x0;
            const float* p00 = in + ((b * xi[1] + y0) * xi[2] + x0) * c;
            const float* p01 = in + ((b * xi[1] + y0) * xi[2] + x1) * c;
            const float* p10 = in + ((b * xi[1] + y1) * xi[2] + x0) * c;
            const float* p11 = in + ((b * xi[1] + y1) * xi[2] + x1) * c;
            for (int64_t ch = 0; ch < c; ++ch) {
              o[ch] = (1 - wy) * ((1 - wx) * p00[ch] + wx * p01[ch]) +
                      wy * ((1 - wx) * p10[ch] + wx * p11[ch]);
            }
          }
    };
    return Status::Ok();
  }
  if (n.kind == OpKind::kDepthToSpace) {
    // Image tensors are NHWC inside: output pixel (h * b + i, w * b + j) takes, from input
    // pixel (h, w), channels (i * b + j) * C + c in DCR order (TensorFlow, ONNX's default) or
    // c * b * b + i * b + j in CRD order (PyTorch's pixel shuffle).
    const int64_t bs = n.GetInt("blocksize", 0);
    const bool dcr = n.GetString("mode", "DCR") != "CRD";
    const Shape xi = x.ishape, yi = y.ishape;
    if (xi.size() != 4 || !(x.nhwc || graph->layout == analyzer::Layout::kNHWC) || bs < 1 ||
        xi[3] % (bs * bs) != 0 ||
        yi != Shape{xi[0], xi[1] * bs, xi[2] * bs, xi[3] / (bs * bs)}) {
      return Status::Unsupported("layer '" + n.name + "': depth-to-space geometry does not give "
                                 "the model's output shape");
    }
    st.plain = [in, out, xi, bs, dcr] {
      const int64_t c = xi[3] / (bs * bs), w_out = xi[2] * bs;
      for (int64_t b = 0; b < xi[0]; ++b)
        for (int64_t h = 0; h < xi[1]; ++h)
          for (int64_t w = 0; w < xi[2]; ++w) {
            const float* src = in + ((b * xi[1] + h) * xi[2] + w) * xi[3];
            for (int64_t i = 0; i < bs; ++i) {
              float* dst = out + ((b * xi[1] * bs + h * bs + i) * w_out + w * bs) * c;
              if (dcr) {  // bs * c contiguous values
                std::memcpy(dst, src + i * bs * c, static_cast<size_t>(bs * c) * sizeof(float));
                continue;
              }
              for (int64_t j = 0; j < bs; ++j)
                for (int64_t k = 0; k < c; ++k) dst[j * c + k] = src[k * bs * bs + i * bs + j];
            }
          }
    };
    return Status::Ok();
  }
  if (n.kind == OpKind::kLayerNorm) {
    if (x.nhwc) return Status::Unsupported("layer '" + n.name + "': layer norm over NCHW channels");
    if (NormAxis(n.GetInt("axis", -1), x.gshape.size()) != static_cast<int64_t>(x.gshape.size()) - 1 ||
        (n.outputs.size() > 1 && std::any_of(n.outputs.begin() + 1, n.outputs.end(),
                                             [](int32_t t) { return t >= 0; })) ||
        !bufs[n.inputs[1]].constant) {
      return Status::Unsupported("layer '" + n.name + "': layer norm over other than the last axis, "
                                 "or with its statistics as outputs");
    }
    const int64_t d = x.ishape.back();
    const float* g = Const(n.inputs[1]).data();
    const float* b = n.inputs.size() > 2 && n.inputs[2] >= 0 ? Const(n.inputs[2]).data() : nullptr;
    auto job = std::make_shared<LayerNormJob>();
    *job = {in, g, b, static_cast<float>(n.GetFloat("epsilon", 1e-5)), d, out};
    const auto rows = static_cast<size_t>(total / std::max<int64_t>(d, 1));
    const auto tile = static_cast<size_t>(std::max<int64_t>(1, 4096 / std::max<int64_t>(d, 1)));
    pthreadpool_t p = pool;
    st.plain = [job, p, rows, tile] {
      pthreadpool_parallelize_1d_tile_1d(p, &LayerNormTask, job.get(), rows, tile, 0);
    };
    return Status::Ok();
  }
  if (n.kind == OpKind::kMatMul) {
    const Buf& bb = bufs[n.inputs[1]];
    if (bb.constant && bb.gshape.size() == 2) return FullyConnected(n, st);
    if (x.nhwc || bb.nhwc || x.gshape.size() != bb.gshape.size() || x.gshape.size() < 2) {
      return Status::Unsupported("layer '" + n.name + "': matmul operands of different ranks");
    }
    const size_t r = x.gshape.size();
    const int64_t m = x.gshape[r - 2], k = x.gshape[r - 1], nn = bb.gshape[r - 1];
    if (bb.gshape[r - 2] != k || Product(x.gshape) / (m * k) != Product(bb.gshape) / (k * nn)) {
      return Status::Unsupported("layer '" + n.name + "': broadcast batched matmul");
    }
    const int64_t batch = Product(x.gshape) / (m * k);
    const float* bp = bb.constant ? Const(n.inputs[1]).data() : bb.data;
    // A scalar multiply after it (attention's 1 / sqrt(head size)) folded in, writing its output.
    float* mm_out = bufs[OutOf(n)].data;
    const auto scaled = matmul_scale.find(LayerOf(n));
    const float scale = scaled == matmul_scale.end() ? 1.0f : scaled->second;
    if (m * k * nn > 0 && !options.xnnpack_only && DenseConvAvailable()) {
      // Attention's products on the AVX-512 micro-kernel, one task per 32 columns of a product.
      auto job = std::make_shared<MatMulJob>();
      job->mm = std::make_unique<BatchedMatMul>(batch, m, k, nn, scale);
      job->a = in;
      job->b = bp;
      job->c = mm_out;
      weight_bytes += job->mm->scratch_bytes();
      st.info.kernel = "mbench-gemm";
      pthreadpool_t p = pool;
      st.plain = [job, p] {
        pthreadpool_parallelize_1d(p, &MatMulTask, job.get(),
                                   static_cast<size_t>(job->mm->tasks()), 0);
      };
      return Status::Ok();
    }
    st.plain = [in, bp, mm_out, batch, m, k, nn, scale] {
      for (int64_t z = 0; z < batch; ++z) {
        const float* __restrict a = in + z * m * k;
        const float* __restrict b = bp + z * k * nn;
        float* __restrict c = mm_out + z * m * nn;
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < nn; ++j) c[i * nn + j] = 0.0f;
          for (int64_t p = 0; p < k; ++p) {
            const float av = a[i * k + p];
            for (int64_t j = 0; j < nn; ++j) c[i * nn + j] += av * b[p * nn + j];
          }
          if (scale != 1.0f) {
            for (int64_t j = 0; j < nn; ++j) c[i * nn + j] *= scale;
          }
        }
      }
    };
    return Status::Ok();
  }
  if (n.kind == OpKind::kSplit || n.kind == OpKind::kGather || n.kind == OpKind::kSlice) {
    return Select(n, st);
  }
  return Status::Unsupported("layer '" + n.name + "': " + analyzer::OpKindName(n.kind));
}

// Split, Gather (constant indices) and Slice (unit steps): copies of contiguous runs along one
// axis, described as (source offset along the axis, length) per output.
Status Plan::Impl::Select(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const size_t r = x.gshape.size();
  auto internal_axis = [&](int64_t graph_axis) {
    return x.nhwc ? kNhwcToNchw[graph_axis] : graph_axis;
  };
  struct Copy {
    float* out;
    int64_t axis, outer, inner, in_len;
    std::vector<std::pair<int64_t, int64_t>> runs;  // (start, length) along the axis
  };
  std::vector<Copy> copies;
  auto make = [&](int32_t out_t, int64_t graph_axis) {
    Copy c;
    c.out = bufs[out_t].data;
    c.axis = internal_axis(graph_axis);
    c.outer = 1;
    c.inner = 1;
    for (int64_t i = 0; i < c.axis; ++i) c.outer *= x.ishape[i];
    for (size_t i = c.axis + 1; i < r; ++i) c.inner *= x.ishape[i];
    c.in_len = x.ishape[c.axis];
    return c;
  };
  if (n.kind == OpKind::kSplit) {
    int64_t axis = NormAxis(n.GetInt("axis", 0), r);
    int64_t at = 0;
    for (int32_t t : n.outputs) {
      if (t < 0) continue;
      if (bufs[t].nhwc != x.nhwc) return Status::Unsupported("layer '" + n.name + "': split changes rank");
      Copy c = make(t, axis);
      int64_t len = bufs[t].gshape[axis];
      c.runs.push_back({at, len});
      at += len;
      copies.push_back(std::move(c));
    }
  } else if (n.kind == OpKind::kGather) {
    int64_t axis = NormAxis(n.GetInt("axis", 0), r);
    const auto& idx = graph->tensors[n.inputs[1]];
    if (!idx.has_values || idx.int_values.empty() || bufs[n.outputs[0]].nhwc != x.nhwc) {
      return Status::Unsupported("layer '" + n.name + "': gather with indices known only at run time");
    }
    Copy c = make(n.outputs[0], axis);
    for (int64_t i : idx.int_values) {
      int64_t k = i < 0 ? i + x.gshape[axis] : i;
      if (k < 0 || k >= x.gshape[axis]) return Status::InvalidArgument("layer '" + n.name + "': index out of range");
      c.runs.push_back({k, 1});
    }
    copies.push_back(std::move(c));
  } else {
    const Buf& y = bufs[n.outputs[0]];
    if (y.nhwc != x.nhwc) return Status::Unsupported("layer '" + n.name + "': slice changes rank");
    // The one axis whose size changes; the start from the node's attributes or inputs.
    int64_t axis = -1;
    for (size_t i = 0; i < r; ++i) {
      if (x.gshape[i] != y.gshape[i]) {
        if (axis >= 0) return Status::Unsupported("layer '" + n.name + "': slice over several axes");
        axis = static_cast<int64_t>(i);
      }
    }
    if (axis < 0) {
      const size_t bytes = static_cast<size_t>(Product(y.ishape)) * sizeof(float);
      const float* in = x.data;
      float* out = y.data;
      st.plain = [in, out, bytes] { std::memmove(out, in, bytes); };
      return Status::Ok();
    }
    std::vector<int64_t> starts = n.GetInts("starts"), axes = n.GetInts("axes"), step_sizes = n.GetInts("steps");
    auto from_input = [&](size_t slot) -> std::vector<int64_t> {
      if (slot < n.inputs.size() && n.inputs[slot] >= 0 && graph->tensors[n.inputs[slot]].has_values) {
        return graph->tensors[n.inputs[slot]].int_values;
      }
      return {};
    };
    if (starts.empty()) starts = from_input(1);
    if (axes.empty()) axes = from_input(3);
    if (step_sizes.empty()) step_sizes = from_input(4);
    int64_t start = -1;
    for (size_t i = 0; i < starts.size(); ++i) {
      int64_t a = axes.empty() ? static_cast<int64_t>(i) : NormAxis(axes[i], r);
      if (a == axis) start = starts[i];
      if (i < step_sizes.size() && step_sizes[i] != 1) return Status::Unsupported("layer '" + n.name + "': slice step != 1");
    }
    if (start == -1 && starts.empty()) return Status::Unsupported("layer '" + n.name + "': slice bounds unknown");
    if (start < 0) start += x.gshape[axis];
    start = std::clamp<int64_t>(start, 0, x.gshape[axis] - y.gshape[axis]);
    Copy c = make(n.outputs[0], axis);
    c.runs.push_back({start, y.gshape[axis]});
    copies.push_back(std::move(c));
  }
  const float* in = x.data;
  st.plain = [in, copies] {
    for (const Copy& c : copies) {
      int64_t out_len = 0;
      for (const auto& run : c.runs) out_len += run.second;
      for (int64_t o = 0; o < c.outer; ++o) {
        int64_t at = 0;
        for (const auto& [start, len] : c.runs) {
          std::memcpy(c.out + (o * out_len + at) * c.inner, in + (o * c.in_len + start) * c.inner,
                      static_cast<size_t>(len * c.inner) * sizeof(float));
          at += len;
        }
      }
    }
  };
  return Status::Ok();
}

Status Plan::Impl::Deconv(const Node& n, Step& st) {
  // The activation is the non-constant input; the weight the 4-D constant; the bias a 1-D one.
  int32_t xt = -1, wt = -1, bt = -1;
  for (int32_t t : n.inputs) {
    if (t < 0) continue;
    if (!bufs[t].constant && xt < 0) xt = t;
    else if (bufs[t].constant && bufs[t].gshape.size() == 4 && wt < 0) wt = t;
    else if (bufs[t].constant && bufs[t].gshape.size() == 1 &&
             analyzer::IsFloatingPoint(graph->tensors[t].dtype)) bt = t;  // not TFLite's output_shape
  }
  if (xt < 0 || wt < 0) return Status::Unsupported("layer '" + n.name + "': transposed conv inputs");
  const Buf& x = bufs[xt];
  const Buf& y = bufs[OutOf(n)];
  if (x.ishape.size() != 4) return Status::Unsupported("layer '" + n.name + "': transposed conv of rank != 4");
  const Shape xi = x.ishape, yi = y.ishape, w = G(wt);
  const bool nhwc_graph = graph->layout == analyzer::Layout::kNHWC;
  const int64_t cin = xi[3], cout = yi[3];
  int64_t kh, kw, groups;
  if (nhwc_graph) {  // TFLite: [O, kh, kw, I]
    kh = w[1];
    kw = w[2];
    groups = 1;
  } else {  // ONNX: [I, O/g, kh, kw]
    kh = w[2];
    kw = w[3];
    groups = n.GetInt("group", 1);
  }
  if (groups < 1 || cin % groups != 0 || cout % groups != 0) {
    return Status::Unsupported("layer '" + n.name + "': channel groups do not divide the channels");
  }
  const int64_t gi = cin / groups, go = cout / groups;
  auto strides = n.GetInts("strides");
  auto dil = n.GetInts("dilations");
  int64_t sh = strides.size() == 2 ? strides[0] : 1, sw = strides.size() == 2 ? strides[1] : 1;
  int64_t dh = dil.size() == 2 ? dil[0] : 1, dw = dil.size() == 2 ? dil[1] : 1;
  auto pads_for = [&](int dim, int64_t in, int64_t out, int64_t k, int64_t s, int64_t d,
                      int64_t* adjust) -> std::pair<int64_t, int64_t> {
    int64_t full = (in - 1) * s + d * (k - 1) + 1;
    *adjust = 0;
    auto pads = n.GetInts("pads");
    auto extra = n.GetInts("output_padding");
    int64_t op = extra.size() == 2 ? extra[dim] : 0;
    if (pads.size() == 4 && full + op - pads[dim] - pads[dim + 2] == out) {
      *adjust = op;
      return {pads[dim], pads[dim + 2]};
    }
    if (full < out) {
      *adjust = out - full;
      return {0, 0};
    }
    int64_t total = full - out;
    return {total / 2, total - total / 2};
  };
  int64_t ah = 0, aw = 0;
  auto [pt, pb] = pads_for(0, xi[1], yi[1], kh, sh, dh, &ah);
  auto [pl, pr] = pads_for(1, xi[2], yi[2], kw, sw, dw, &aw);
  if (ah >= sh || aw >= sw || xi[0] != yi[0] || Product(w) != cout * gi * kh * kw) {
    return Status::Unsupported("layer '" + n.name + "': transposed conv to " +
                               std::to_string(yi[1]) + "x" + std::to_string(yi[2]) +
                               " is not reachable with its stride and kernel");
  }
  const auto& src = Const(wt);
  std::vector<float> k(static_cast<size_t>(groups * go * kh * kw * gi));
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t o = 0; o < go; ++o)
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b)
          for (int64_t i = 0; i < gi; ++i) {
            size_t from = nhwc_graph
                              ? static_cast<size_t>((((g * go + o) * kh + a) * kw + b) * gi + i)
                              : static_cast<size_t>((((g * gi + i) * go + o) * kh + a) * kw + b);
            k[static_cast<size_t>((((g * go + o) * kh + a) * kw + b) * gi + i)] = src[from];
          }
  const float* bias = bt >= 0 && Product(G(bt)) == cout ? Const(bt).data() : nullptr;
  auto [lo, hi] = FusedRange(n);
  if (st.half()) {
    MBENCH_RETURN_IF_ERROR(Check(
        xnn_create_deconvolution2d_nhwc_f16(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, groups, gi, go,
                                            cin, cout, PackedHalf(k.data(), static_cast<int64_t>(k.size())),
                                            PackedHalf(bias, cout), lo, hi, 0, &st.op),
        n, "fp16 deconvolution create"));
    return Check(xnn_setup_deconvolution2d_nhwc_f16(st.op, xi[0], xi[1], xi[2], ah, aw, x.half,
                                                    y.half, pool),
                 n, "fp16 deconvolution setup");
  }
  float* kp = Packed(std::move(k));
  MBENCH_RETURN_IF_ERROR(Check(
      xnn_create_deconvolution2d_nhwc_f32(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, groups, gi, go,
                                          cin, cout, kp, bias, lo, hi, 0, &st.op),
      n, "deconvolution create"));
  return Check(xnn_setup_deconvolution2d_nhwc_f32(st.op, xi[0], xi[1], xi[2], ah, aw, x.data,
                                                  y.data, pool),
               n, "deconvolution setup");
}

Status Plan::Impl::Reduce(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  if (n.kind == OpKind::kPow) {
    int32_t e = n.inputs.size() > 1 ? n.inputs[1] : -1;
    if (e < 0 || !bufs[e].constant || Product(G(e)) != 1 || y.ishape != x.ishape) {
      return Status::Unsupported("layer '" + n.name + "': pow with a non-scalar exponent");
    }
    const float ex = Const(e)[0];
    const float* in = x.data;
    float* out = y.data;
    const int64_t total = Product(x.ishape);
    st.plain = [in, out, total, ex] {
      for (int64_t i = 0; i < total; ++i) out[i] = ex == 2.0f ? in[i] * in[i] : std::pow(in[i], ex);
    };
    return Status::Ok();
  }
  const size_t r = x.gshape.size();
  std::vector<int64_t> axes = n.GetInts("axes");
  if (axes.empty() && n.inputs.size() > 1 && n.inputs[1] >= 0 && graph->tensors[n.inputs[1]].has_values) {
    axes = graph->tensors[n.inputs[1]].int_values;
  }
  std::vector<char> reduce(r, axes.empty() ? 1 : 0);
  for (int64_t a : axes) reduce[NormAxis(a, r)] = 1;
  if (r > kMaxRank) return Status::Unsupported("layer '" + n.name + "': rank above 8");
  // Output strides in the model's order, with reduced dims contributing nothing.
  std::vector<int64_t> out_stride(r, 0);
  int64_t stride = 1;
  for (size_t i = r; i-- > 0;) {
    if (!reduce[i]) {
      out_stride[i] = stride;
      stride *= x.gshape[i];
    }
  }
  int64_t count = 1;
  for (size_t i = 0; i < r; ++i) {
    if (reduce[i]) count *= x.gshape[i];
  }
  const int64_t in_total = Product(x.gshape), out_total = Product(y.gshape);
  if (out_total != stride) return Status::Unsupported("layer '" + n.name + "': reduction shape");
  if (ReduceInPlace(n, reduce, count, st)) return Status::Ok();
  std::vector<float>* scratch = &packed.emplace_back(static_cast<size_t>(in_total + out_total));
  const float* in = x.data;
  float* out = y.data;
  const Shape gs = x.gshape, xs = x.ishape, ys = y.gshape;
  const bool xn = x.nhwc, yn = y.nhwc;
  const OpKind kind = n.kind;
  st.plain = [=] {
    float* a = scratch->data();
    float* o = a + in_total;
    const float* src = in;
    if (xn) {
      Permute(in, xs, kNhwcToNchw, a);
      src = a;
    }
    const float init = kind == OpKind::kReduceMax ? -kInf : kind == OpKind::kReduceMin ? kInf : 0.0f;
    for (int64_t i = 0; i < out_total; ++i) o[i] = init;
    int64_t idx[kMaxRank] = {};
    for (int64_t i = 0; i < in_total; ++i) {
      int64_t oi = 0;
      for (size_t d = 0; d < r; ++d) oi += idx[d] * out_stride[d];
      float v = src[i];
      if (kind == OpKind::kReduceMax) o[oi] = std::max(o[oi], v);
      else if (kind == OpKind::kReduceMin) o[oi] = std::min(o[oi], v);
      else o[oi] += v;
      for (size_t d = r; d > 0; --d) {
        if (++idx[d - 1] < gs[d - 1]) break;
        idx[d - 1] = 0;
      }
    }
    if (kind == OpKind::kReduceMean) {
      for (int64_t i = 0; i < out_total; ++i) o[i] /= static_cast<float>(count);
    }
    if (yn) {
      Permute(o, ys, kNchwToNhwc, out);
    } else {
      std::memcpy(out, o, static_cast<size_t>(out_total) * sizeof(float));
    }
  };
  return Status::Ok();
}

// A reduction whose reduced axes are one run in the stored layout, with the kept axes in the
// same order in the output: [outer][mid][inner] -> [outer][inner], read once in place, with
// no permutation and no per-element index arithmetic. TFLite's MEAN over H and W (its global
// average pooling) is one: it took 0.29 ms on a 144x256x16 map through the general path and
// takes a fortieth of that here. Returns false when the layout does not fit.
bool Plan::Impl::ReduceInPlace(const Node& n, const std::vector<char>& reduce, int64_t count,
                               Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const size_t r = x.gshape.size(), ry = y.gshape.size();
  // Model axes of x in stored order, and y's axes as axes of x.
  auto stored = [](bool nhwc, size_t rank) {
    std::vector<size_t> order(rank);
    for (size_t i = 0; i < rank; ++i) order[i] = i;
    if (nhwc && rank == 4) order = {0, 2, 3, 1};
    return order;
  };
  std::vector<size_t> kept_axes;
  for (size_t a = 0; a < r; ++a) {
    if (!reduce[a]) kept_axes.push_back(a);
  }
  if (ry != r && ry != kept_axes.size()) return false;
  auto matters = [&](size_t a) { return x.gshape[a] > 1; };
  std::vector<size_t> x_kept, y_kept;
  for (size_t a : stored(x.nhwc, r)) {
    if (!reduce[a] && matters(a)) x_kept.push_back(a);
  }
  for (size_t j : stored(y.nhwc, ry)) {
    const size_t a = ry == r ? j : kept_axes[j];
    if (!reduce[a] && matters(a)) y_kept.push_back(a);
  }
  if (x_kept != y_kept) return false;
  // The reduced axes (of extent above 1) must be one run of the stored order.
  const std::vector<size_t> xo = stored(x.nhwc, r);
  int first = -1, last = -1;
  for (size_t p = 0; p < r; ++p) {
    if (reduce[xo[p]] && matters(xo[p])) {
      if (first < 0) first = static_cast<int>(p);
      last = static_cast<int>(p);
    }
  }
  if (first < 0) return false;
  int64_t outer = 1, mid = 1, inner = 1;
  for (size_t p = 0; p < r; ++p) {
    const int64_t e = x.gshape[xo[p]];
    const int ip = static_cast<int>(p);
    if (ip < first) outer *= e;
    else if (ip > last) inner *= e;
    else if (!reduce[xo[p]] && e > 1) return false;  // a kept axis inside the run
    else mid *= e;
  }
  const float* in = x.data;
  float* out = y.data;
  const OpKind kind = n.kind;
  const float scale = kind == OpKind::kReduceMean ? 1.0f / static_cast<float>(count) : 1.0f;
  st.plain = [in, out, outer, mid, inner, kind, scale] {
    for (int64_t o = 0; o < outer; ++o) {
      const float* src = in + o * mid * inner;
      float* dst = out + o * inner;
      std::copy(src, src + inner, dst);
      for (int64_t m = 1; m < mid; ++m) {
        const float* row = src + m * inner;
        if (kind == OpKind::kReduceMax) {
          for (int64_t i = 0; i < inner; ++i) dst[i] = std::max(dst[i], row[i]);
        } else if (kind == OpKind::kReduceMin) {
          for (int64_t i = 0; i < inner; ++i) dst[i] = std::min(dst[i], row[i]);
        } else {
          for (int64_t i = 0; i < inner; ++i) dst[i] += row[i];
        }
      }
      if (scale != 1.0f) {
        for (int64_t i = 0; i < inner; ++i) dst[i] *= scale;
      }
    }
  };
  return true;
}

Status Plan::Impl::Requantize(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const size_t count = static_cast<size_t>(Product(y.ishape));
  if (static_cast<int64_t>(count) != Product(x.ishape)) {
    return Status::Unsupported("layer '" + n.name + "': (de)quantize changes the element count");
  }
  if (st.int8()) {  // QUANTIZE into an int8 plan's 8-bit form
    MBENCH_RETURN_IF_ERROR(Check(CreateQuantize(y, &st.op), n, "quantize create"));
    return Check(SetupQuantize(y, st.op, count, x.data, y.q8), n, "quantize setup");
  }
  if (n.kind == OpKind::kDequantize && x.home == kQ8) {
    MBENCH_RETURN_IF_ERROR(Check(CreateDequantize(x, &st.op), n, "dequantize create"));
    return Check(SetupDequantize(x, st.op, count, x.q8, y.data), n, "dequantize setup");
  }
  // fp32: activations hold real values, so DEQUANTIZE copies and QUANTIZE rounds onto the
  // output's int8 grid (what the int8 model would see).
  const float* in = x.data;
  float* out = y.data;
  if (n.kind == OpKind::kDequantize || !y.quantized) {
    st.plain = [in, out, count] { std::memmove(out, in, count * sizeof(float)); };
    return Status::Ok();
  }
  const float scale = y.scale, zero = static_cast<float>(y.zero_point);
  const float qmin = y.unsigned8 ? 0.0f : -128.0f, qmax = y.unsigned8 ? 255.0f : 127.0f;
  st.plain = [in, out, count, scale, zero, qmin, qmax] {
    for (size_t i = 0; i < count; ++i) {
      const float q = std::clamp(std::nearbyint(in[i] / scale) + zero, qmin, qmax);
      out[i] = (q - zero) * scale;
    }
  };
  return Status::Ok();
}

Status Plan::Impl::BuildStep(size_t idx) {
  Step& st = steps[idx];
  const Node& n = graph->nodes[st.info.layer];
  if (st.info.noop) return Status::Ok();
  for (auto [t, to] : st.converts) {
    MBENCH_RETURN_IF_ERROR(Convert(n, st, bufs[t], bufs[t].home, to));
  }
  if (auto it = regions.find(st.info.layer); it != regions.end()) {
    auto job = std::make_shared<RegionJob>();
    job->program = &it->second.program;
    job->input = bufs[it->second.input].data;
    job->output = bufs[OutOf(n)].data;
    const size_t total = static_cast<size_t>(Product(bufs[OutOf(n)].ishape));
    pthreadpool_t p = pool;
    st.plain = [job, p, total] {
      pthreadpool_parallelize_1d_tile_1d(p, &RegionTask, job.get(), total, kRegionTile, 0);
    };
    return Status::Ok();
  }
  // Arity: the inputs each kind reads must be present.
  size_t need = 1;
  switch (n.kind) {
    case OpKind::kConv: case OpKind::kDepthwiseConv: case OpKind::kFullyConnected:
    case OpKind::kMatMul: case OpKind::kLayerNorm: case OpKind::kGather: case OpKind::kPow:
      need = 2;
      break;
    case OpKind::kBatchNorm:
      need = 5;
      break;
    default:
      need = IsBinary(n.kind) ? 2 : 1;
  }
  if (n.inputs.size() < need || n.outputs.empty() || n.outputs[0] < 0 ||
      std::any_of(n.inputs.begin(), n.inputs.begin() + need, [](int32_t t) { return t < 0; })) {
    return Status::Unsupported("layer '" + n.name + "': " + analyzer::OpKindName(n.kind) +
                               " without its inputs");
  }
  switch (n.kind) {
    case OpKind::kConv:
    case OpKind::kDepthwiseConv:
      return Conv(n, st);
    case OpKind::kFullyConnected:
      return FullyConnected(n, st);
    case OpKind::kConvTranspose:
      return Deconv(n, st);
    case OpKind::kReduceMean: case OpKind::kReduceSum: case OpKind::kReduceMax:
    case OpKind::kReduceMin: case OpKind::kPow:
      return Reduce(n, st);
    case OpKind::kMaxPool: case OpKind::kAveragePool: case OpKind::kGlobalAveragePool:
    case OpKind::kGlobalMaxPool:
      return Pool(n, st);
    case OpKind::kQuantize: case OpKind::kDequantize:
      return Requantize(n, st);
    default:
      break;
  }
  if (IsBinary(n.kind)) return Binary(n, st);
  if (IsUnaryXnn(n.kind) || IsUnaryPlain(n.kind) || n.kind == OpKind::kBatchNorm) return Unary(n, st);
  return Layout(n, st);
}

StatusOr<std::unique_ptr<Plan>> Plan::Compile(const Graph& graph, const PlanOptions& options) {
  if (options.precision != "fp32" && options.precision != "fp16" && options.precision != "int8") {
    return Status::Unsupported("precision " + options.precision +
                               " is not supported by the runner (fp32, fp16 or int8)");
  }
  const bool half_plan = options.precision == "fp16";
  const bool int8_plan = options.precision == "int8";
  if (options.threads < 1 || options.threads > 1024) {
    return Status::InvalidArgument("threads must be in [1, 1024]");
  }
  auto impl = std::make_unique<Impl>();
  impl->graph = &graph;
  impl->options = options;
  impl->rng.seed(options.seed);

  // Nodes whose outputs the analyzer already computed (shape arithmetic) fold away.
  std::vector<char> folded(graph.nodes.size(), 0);
  std::set<std::string> unsupported;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    bool all_values = !n.outputs.empty();
    for (int32_t t : n.outputs) {
      all_values &= t >= 0 && graph.tensors[t].has_values &&
                    analyzer::IsInteger(graph.tensors[t].dtype);
    }
    if (all_values) {
      folded[i] = 1;
      continue;
    }
    if (!Runnable(n)) {
      unsupported.insert(n.kind == OpKind::kUnknown || n.kind == OpKind::kCustom ||
                                 n.kind == OpKind::kDepthToSpace
                             ? n.op_type
                             : std::string(analyzer::OpKindName(n.kind)));
    }
  }
  if (!unsupported.empty()) {
    std::string list;
    for (const auto& u : unsupported) list += (list.empty() ? "" : ", ") + u;
    return Status::Unsupported("unsupported ops: " + list);
  }

  // Buffers.
  impl->bufs.resize(graph.tensors.size());
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const auto& info = graph.tensors[t];
    auto& b = impl->bufs[t];
    b.constant = info.is_constant || (info.has_values && info.producer >= 0 && folded[info.producer]);
    b.gshape = info.shape;
    if (!b.constant &&
        (info.dtype == analyzer::DType::kInt8 || info.dtype == analyzer::DType::kUInt8) &&
        info.quant_scales.size() == 1 && info.quant_scales[0] > 0 &&
        std::isfinite(info.quant_scales[0])) {
      b.quantized = true;
      b.unsigned8 = info.dtype == analyzer::DType::kUInt8;
      b.scale = static_cast<float>(info.quant_scales[0]);
      const int64_t zp = info.quant_zero_points.empty() ? 0 : info.quant_zero_points[0];
      b.zero_point = static_cast<int32_t>(zp);
      // A zero point off the type's grid (a damaged file) is not an 8-bit tensor to run.
      if (zp < (b.unsigned8 ? 0 : -128) || zp > (b.unsigned8 ? 255 : 127)) b.quantized = false;
    }
  }
  if (int8_plan && std::none_of(impl->bufs.begin(), impl->bufs.end(),
                                [](const Impl::Buf& b) { return b.quantized; })) {
    return Status::Unsupported("precision int8 runs 8-bit quantized models (TFLite int8 or uint8 "
                               "tensors with their scales); this model has none: use fp32 or fp16");
  }
  // Which 4-D activations of an NCHW model are stored NHWC: those of image ops (convolution,
  // pooling, resize, channel shuffle, graph inputs) and everything joined to them through
  // layout-agnostic ops (element-wise, batch norm, concat, split, pad). Tensors that only meet
  // reshapes, transposes and matmuls (attention) keep the model's order.
  if (graph.layout == analyzer::Layout::kNCHW) {
    std::vector<int32_t> parent(graph.tensors.size());
    for (size_t t = 0; t < parent.size(); ++t) parent[t] = static_cast<int32_t>(t);
    std::function<int32_t(int32_t)> find = [&](int32_t t) {
      while (parent[t] != t) t = parent[t] = parent[parent[t]];
      return t;
    };
    auto is4d = [&](int32_t t) {
      return t >= 0 && !impl->bufs[t].constant && graph.tensors[t].shape.size() == 4;
    };
    // A 4-D graph input counts as an image unless what it joins is read as a sequence (a
    // matmul, layer norm or softmax over the last axis: attention written with 4-D inputs);
    // spatial ops make an image whatever else reads it.
    std::vector<char> image(graph.tensors.size(), 0), input(graph.tensors.size(), 0),
        sequence(graph.tensors.size(), 0);
    for (int32_t t : graph.inputs) {
      if (is4d(t)) input[t] = 1;
    }
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      if (folded[i]) continue;
      const Node& n = graph.nodes[i];
      const OpKind k = n.kind;
      const bool spatial = k == OpKind::kConv || k == OpKind::kDepthwiseConv ||
                           k == OpKind::kConvTranspose ||
                           k == OpKind::kMaxPool || k == OpKind::kAveragePool ||
                           k == OpKind::kGlobalAveragePool || k == OpKind::kGlobalMaxPool ||
                           k == OpKind::kResize || k == OpKind::kShuffleChannel ||
                           k == OpKind::kDepthToSpace;
      const bool agnostic = IsBinary(k) || IsUnaryXnn(k) || IsUnaryPlain(k) ||
                            k == OpKind::kBatchNorm || k == OpKind::kConcat ||
                            k == OpKind::kSplit || k == OpKind::kPad || k == OpKind::kSlice ||
                            k == OpKind::kIdentity || k == OpKind::kDropout;
      std::vector<int32_t> acts;
      for (int32_t t : n.inputs) {
        if (is4d(t)) acts.push_back(t);
      }
      for (int32_t t : n.outputs) {
        if (is4d(t)) acts.push_back(t);
      }
      if (spatial) {
        for (int32_t t : acts) image[t] = 1;
      }
      if (k == OpKind::kMatMul || k == OpKind::kLayerNorm ||
          (k == OpKind::kSoftmax && NormAxis(n.GetInt("axis", -1), 4) == 3)) {
        for (int32_t t : acts) sequence[t] = 1;
      }
      if (agnostic) {
        for (size_t a = 1; a < acts.size(); ++a) parent[find(acts[a])] = find(acts[0]);
      }
    }
    std::vector<char> root_image(graph.tensors.size(), 0), root_input(graph.tensors.size(), 0),
        root_sequence(graph.tensors.size(), 0);
    for (size_t t = 0; t < parent.size(); ++t) {
      const int32_t root = find(static_cast<int32_t>(t));
      root_image[root] |= image[t];
      root_input[root] |= input[t];
      root_sequence[root] |= sequence[t];
    }
    for (size_t t = 0; t < parent.size(); ++t) {
      if (root_input[t] && !root_sequence[t]) root_image[t] = 1;
    }
    for (size_t t = 0; t < parent.size(); ++t) {
      impl->bufs[t].nhwc = is4d(static_cast<int32_t>(t)) && root_image[find(static_cast<int32_t>(t))];
    }
  }
  for (auto& b : impl->bufs) b.ishape = b.nhwc ? ToNhwc(b.gshape) : b.gshape;
  // Activation fusion: a ReLU or Clip (constant bounds) that is the only reader of a
  // convolution's, fully connected layer's or element-wise add/sub/mul/div's output becomes
  // that operator's output range (ResNet's and ShuffleNet's ReLU after the residual add).
  std::vector<int32_t> fused_into(graph.nodes.size(), -1);
  if (options.fuse_activations) {
    std::vector<int32_t> readers(graph.tensors.size(), 0);
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      if (folded[i]) continue;
      for (int32_t t : graph.nodes[i].inputs) {
        if (t >= 0) ++readers[t];
      }
    }
    for (int32_t t : graph.outputs) ++readers[t];
    // The layer whose operator writes each tensor after folding.
    std::vector<int32_t> owner(graph.tensors.size(), -1);
    for (size_t t = 0; t < graph.tensors.size(); ++t) owner[t] = graph.tensors[t].producer;
    auto constant_values = [&](int32_t t) { return t >= 0 && impl->bufs[t].constant; };
    // BatchNorm after a convolution folds into its weights and bias (exact in inference).
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& n = graph.nodes[i];
      if (folded[i] || n.kind != OpKind::kBatchNorm || n.inputs.size() < 5 || n.outputs.empty() ||
          n.outputs[0] < 0 || n.inputs[0] < 0 || n.GetInt("training_mode", 0) != 0) {
        continue;
      }
      bool params = true;
      for (int s = 1; s <= 4; ++s) params &= constant_values(n.inputs[s]);
      const int32_t t = n.inputs[0];
      const int32_t p = graph.tensors[t].producer;
      if (!params || p < 0 || folded[p] || readers[t] != 1 || impl->redirect.count(p)) continue;
      const Node& pn = graph.nodes[p];
      if ((pn.kind != OpKind::kConv && pn.kind != OpKind::kDepthwiseConv) ||
          pn.outputs.size() != 1 || pn.outputs[0] != t || pn.HasAttr("fused_activation") ||
          graph.layout != analyzer::Layout::kNCHW) {
        continue;
      }
      fused_into[i] = p;
      impl->redirect[p] = n.outputs[0];
      impl->bn_folded[p] = static_cast<int32_t>(i);
      owner[n.outputs[0]] = p;
    }
    // A residual Add of two same-shaped activations, one written by a dense convolution that
    // only the Add reads and that runs after the other operand exists, joins that
    // convolution's epilogue (ResNet's bottleneck ends): one pass over the output instead of
    // two. A ReLU after it then fuses as the range below. fp32 plans only (the kernel's).
    for (size_t i = 0; i < graph.nodes.size() && !half_plan && !int8_plan; ++i) {
      const Node& n = graph.nodes[i];
      if (folded[i] || n.kind != OpKind::kAdd || n.inputs.size() != 2 || n.outputs.size() != 1 ||
          n.outputs[0] < 0 || n.HasAttr("fused_activation")) {
        continue;
      }
      const int32_t a = n.inputs[0], b = n.inputs[1];
      if (a < 0 || b < 0 || a == b || impl->bufs[a].constant || impl->bufs[b].constant) continue;
      const Shape& shape = graph.tensors[n.outputs[0]].shape;
      if (graph.tensors[a].shape != shape || graph.tensors[b].shape != shape ||
          impl->bufs[a].nhwc != impl->bufs[b].nhwc) {
        continue;  // the epilogue reads the operand element for element, as the output is stored
      }
      // The convolution that runs last; the other operand is ready by then.
      const bool a_last = owner[a] > owner[b];
      const int32_t conv_out = a_last ? a : b, other = a_last ? b : a;
      const int32_t p = owner[conv_out];
      if (p < 0 || folded[p] || readers[conv_out] != 1 || impl->clamp.count(p) ||
          impl->residual.count(p) || graph.nodes[p].HasAttr("fused_activation") ||
          !impl->DenseCandidate(graph.nodes[p])) {
        continue;
      }
      const int32_t writes =
          impl->redirect.count(p) ? impl->redirect.at(p) : graph.nodes[p].outputs[0];
      if (writes != conv_out) continue;
      fused_into[i] = p;
      impl->redirect[p] = n.outputs[0];
      impl->residual[p] = other;
      owner[n.outputs[0]] = p;
    }
    // Element-wise regions (runner/eltwise.h): contiguous element-wise ops on one tensor's
    // values (and scalar constants) run as one pass. A ReLU or Clip right after a convolution
    // is left to the activation fusion below, which costs nothing at all.
    auto scalar_of = [&](int32_t t, float* v) {
      if (t < 0 || !impl->bufs[t].constant) return false;
      auto e = analyzer::NumElements(impl->bufs[t].gshape);
      if (!e || *e != 1) return false;
      *v = impl->Const(t)[0];
      return true;
    };
    // A Clip's bounds, from its attributes or its constant inputs; false when unknown.
    auto clip_bounds = [&](const Node& n, float* lo, float* hi) {
      *lo = static_cast<float>(n.GetFloat("min", -kInf));
      *hi = static_cast<float>(n.GetFloat("max", kInf));
      for (size_t k = 1; k <= 2 && k < n.inputs.size(); ++k) {
        const int32_t b = n.inputs[k];
        if (b < 0) continue;
        const auto& info = graph.tensors[b];
        if (info.weights && info.weights->size() == 1) {
          *(k == 1 ? lo : hi) = (*info.weights)[0];
        } else if (info.has_values && info.float_values.size() == 1) {
          *(k == 1 ? lo : hi) = static_cast<float>(info.float_values[0]);
        } else {
          return false;
        }
      }
      return true;
    };
    auto conv_like = [&](int32_t p) {
      if (p < 0) return false;
      const OpKind k = graph.nodes[p].kind;
      return k == OpKind::kConv || k == OpKind::kDepthwiseConv || k == OpKind::kFullyConnected ||
             k == OpKind::kConvTranspose;
    };
    // A multiply by a scalar constant that is the only reader of a matmul of two activations
    // (attention scores times 1 / sqrt(head size)) folds into the matmul, which scales B as it
    // packs it: one pass over the scores fewer (in ViT-Tiny that multiply took 0.1 ms on one
    // thread and 0.65 ms on two, reading what the other core had written).
    for (size_t i = 0; i < graph.nodes.size() && !half_plan && !int8_plan; ++i) {
      const Node& n = graph.nodes[i];
      if (folded[i] || fused_into[i] >= 0 || n.kind != OpKind::kMul || n.inputs.size() != 2 ||
          n.outputs.size() != 1 || n.outputs[0] < 0 || n.HasAttr("fused_activation")) {
        continue;
      }
      float factor = 1.0f;
      int32_t t = -1;
      if (scalar_of(n.inputs[1], &factor)) {
        t = n.inputs[0];
      } else if (scalar_of(n.inputs[0], &factor)) {
        t = n.inputs[1];
      }
      if (t < 0 || impl->bufs[t].constant || readers[t] != 1) continue;
      const int32_t p = owner[t];
      if (p < 0 || folded[p] || graph.nodes[p].kind != OpKind::kMatMul ||
          graph.nodes[p].inputs.size() < 2 || graph.nodes[p].outputs[0] != t ||
          impl->redirect.count(p) || impl->bufs[graph.nodes[p].inputs[1]].constant ||
          impl->bufs[t].nhwc != impl->bufs[n.outputs[0]].nhwc ||
          graph.tensors[t].shape != graph.tensors[n.outputs[0]].shape) {
        continue;
      }
      fused_into[i] = p;
      impl->redirect[p] = n.outputs[0];
      impl->matmul_scale[p] = factor;
      owner[n.outputs[0]] = p;
    }
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      // Instruction for node m over the region's values, or nullopt when m cannot join.
      std::map<int32_t, int> slot;  // tensor -> slot
      int32_t t = -1;               // the region's input
      auto instr_of = [&](size_t m) -> std::optional<EltInstr> {
        const Node& n = graph.nodes[m];
        if (folded[m] || fused_into[m] >= 0 || n.outputs.size() != 1 || n.outputs[0] < 0 ||
            n.HasAttr("fused_activation")) {
          return std::nullopt;
        }
        EltInstr in;
        auto operand = [&](int32_t value, int* s) {
          auto it = slot.find(value);
          if (it == slot.end()) return false;
          *s = it->second;
          return true;
        };
        switch (n.kind) {
          case OpKind::kAdd: case OpKind::kSub: case OpKind::kMul: case OpKind::kDiv: {
            if (n.inputs.size() != 2) return std::nullopt;
            in.op = n.kind == OpKind::kAdd ? EltInstr::kAdd : n.kind == OpKind::kSub ? EltInstr::kSub
                    : n.kind == OpKind::kMul ? EltInstr::kMul : EltInstr::kDiv;
            int s0 = -1, s1 = -1;
            const bool v0 = operand(n.inputs[0], &s0), v1 = operand(n.inputs[1], &s1);
            if (v0 && v1) {
              in.a = s0;
              in.b = s1;
            } else if (v0 && scalar_of(n.inputs[1], &in.scalar)) {
              in.a = s0;
            } else if (v1 && scalar_of(n.inputs[0], &in.scalar)) {
              in.a = s1;
              in.scalar_first = true;
            } else {
              return std::nullopt;
            }
            break;
          }
          // Not sigmoid or tanh: XNNPACK's vectorized kernels for them beat one scalar exp per
          // element in a region (EfficientNet's swish ran twice as slow).
          case OpKind::kErf: case OpKind::kGelu:  // vectorized polynomials (eltwise.h)
            if (n.inputs.empty() || !operand(n.inputs[0], &in.a)) return std::nullopt;
            in.op = n.kind == OpKind::kErf ? EltInstr::kErf : EltInstr::kGelu;
            break;
          case OpKind::kRelu: case OpKind::kHardSwish: case OpKind::kHardSigmoid:
          case OpKind::kClip: {
            if (n.inputs.empty() || !operand(n.inputs[0], &in.a)) return std::nullopt;
            in.op = n.kind == OpKind::kRelu ? EltInstr::kRelu
                    : n.kind == OpKind::kHardSwish ? EltInstr::kHardSwish
                    : n.kind == OpKind::kHardSigmoid ? EltInstr::kHardSigmoid : EltInstr::kClamp;
            if (n.kind == OpKind::kHardSigmoid) {
              in.p0 = static_cast<float>(n.GetFloat("alpha", 0.2));
              in.p1 = static_cast<float>(n.GetFloat("beta", 0.5));
            }
            if (n.kind == OpKind::kClip && !clip_bounds(n, &in.p0, &in.p1)) return std::nullopt;
            break;
          }
          default:
            return std::nullopt;
        }
        if (graph.tensors[n.outputs[0]].shape != graph.tensors[t].shape) {
          return std::nullopt;
        }
        return in;
      };
      const Node& first = graph.nodes[i];
      if (folded[i] || fused_into[i] >= 0 || first.inputs.empty()) continue;
      // The region's input: the first node's one activation operand.
      for (int32_t x : first.inputs) {
        if (x >= 0 && !impl->bufs[x].constant) {
          if (t >= 0 && x != t) t = -2;
          if (t != -2) t = x;
        }
      }
      if (t < 0 || !graph.tensors[t].has_shape) continue;
      if ((first.kind == OpKind::kRelu || first.kind == OpKind::kClip) &&
          conv_like(graph.tensors[t].producer) && readers[t] == 1) {
        continue;
      }
      slot[t] = 0;
      std::vector<size_t> members;
      EltProgram program;
      for (size_t m = i; m < graph.nodes.size() && members.size() < kMaxEltInstrs; ++m) {
        auto in = instr_of(m);
        if (!in) break;
        members.push_back(m);
        program.code.push_back(*in);
        slot[graph.nodes[m].outputs[0]] = static_cast<int>(members.size());
      }
      // Longest prefix whose intermediate values nobody outside it reads.
      size_t keep = members.size();
      for (; keep >= 2; --keep) {
        bool closed = true;
        for (size_t k = 0; k + 1 < keep && closed; ++k) {
          const int32_t out = graph.nodes[members[k]].outputs[0];
          int inside = 0;
          for (size_t q = k + 1; q < keep; ++q) {
            for (int32_t x : graph.nodes[members[q]].inputs) inside += x == out;
          }
          closed = inside == readers[out] &&
                   std::find(graph.outputs.begin(), graph.outputs.end(), out) == graph.outputs.end();
        }
        if (closed) break;
      }
      if (keep < 2) continue;
      const int32_t out = graph.nodes[members[keep - 1]].outputs[0];
      if (impl->bufs[t].nhwc != impl->bufs[out].nhwc || impl->bufs[t].ishape != impl->bufs[out].ishape) {
        continue;
      }
      program.code.resize(keep);
      const int32_t head = static_cast<int32_t>(members[0]);
      for (size_t k = 1; k < keep; ++k) fused_into[members[k]] = head;
      impl->redirect[head] = out;
      impl->regions[head] = {t, std::move(program)};
      owner[out] = head;
      i = members[keep - 1];
    }
    // Layers a region runs (its head, or fused into one): the activation fusion leaves them.
    auto in_region = [&](int32_t l) {
      return impl->regions.count(l) > 0 || (fused_into[l] >= 0 && impl->regions.count(fused_into[l]) > 0);
    };
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& n = graph.nodes[i];
      if (folded[i] || (n.kind != OpKind::kRelu && n.kind != OpKind::kClip) || n.inputs.empty() ||
          n.outputs.size() != 1 || n.inputs[0] < 0 || n.outputs[0] < 0) {
        continue;
      }
      const int32_t t = n.inputs[0];
      const int32_t p = owner[t];
      if (in_region(static_cast<int32_t>(i)) || p < 0 || folded[p] || in_region(p) || readers[t] != 1 ||
          impl->clamp.count(p)) {
        continue;
      }
      const Node& pn = graph.nodes[p];
      if (pn.kind != OpKind::kConv && pn.kind != OpKind::kDepthwiseConv &&
          pn.kind != OpKind::kFullyConnected && pn.kind != OpKind::kConvTranspose &&
          pn.kind != OpKind::kAdd && pn.kind != OpKind::kSub && pn.kind != OpKind::kMul &&
          pn.kind != OpKind::kDiv) {
        continue;
      }
      const int32_t writes = impl->redirect.count(p) ? impl->redirect.at(p) : pn.outputs[0];
      if (pn.outputs.size() != 1 || writes != t || pn.HasAttr("fused_activation")) continue;
      if (graph.tensors[t].shape != graph.tensors[n.outputs[0]].shape) continue;
      float lo = 0.0f, hi = kInf;
      if (n.kind == OpKind::kClip && !clip_bounds(n, &lo, &hi)) continue;
      fused_into[i] = p;
      impl->redirect[p] = n.outputs[0];
      impl->clamp[p] = {lo, hi};
      owner[n.outputs[0]] = p;
    }
  }
  // Steps and lifetimes.
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (folded[i]) continue;
    const Node& n = graph.nodes[i];
    Impl::Step st;
    st.info.layer = static_cast<int32_t>(i);
    st.info.name = n.name;
    st.info.kind = n.kind;
    const int step = static_cast<int>(impl->steps.size());
    if (fused_into[i] >= 0) {
      st.info.noop = true;
      st.info.fused_into = fused_into[i];
      impl->steps.push_back(std::move(st));
      continue;
    }
    std::vector<int32_t> outs = n.outputs;
    if (auto it = impl->redirect.find(static_cast<int32_t>(i)); it != impl->redirect.end()) {
      outs = {it->second};
    }
    if (impl->regions.count(static_cast<int32_t>(i)) == 0) {
      if (half_plan && impl->RunsHalf(n)) st.form = kF16;
      if (int8_plan && impl->RunsInt8(n)) st.form = kQ8;
    }
    for (int32_t t : outs) {
      if (t < 0) continue;
      const auto& info = graph.tensors[t];
      if (!info.has_shape || std::any_of(info.shape.begin(), info.shape.end(),
                                         [](int64_t d) { return d < 0; })) {
        return Status::InvalidArgument("layer '" + n.name + "': output '" + info.name +
                                       "' has an unresolved shape; fix the inputs with "
                                       "--input-shape");
      }
      auto elems = analyzer::NumElements(info.shape);
      if (!elems || !CheckedMul(*elems, int64_t{4})) {
        return Status::InvalidArgument("layer '" + n.name + "': output too large");
      }
      auto& b = impl->bufs[t];
      b.home = st.form;
      Impl::First(b, st.form) = step;
      Impl::Last(b, st.form) = std::max(Impl::Last(b, st.form), step);
    }
    std::vector<int32_t> reads = n.inputs;
    if (auto it = impl->residual.find(static_cast<int32_t>(i)); it != impl->residual.end()) {
      reads.push_back(it->second);  // the fused Add's other operand
    }
    for (int32_t t : reads) {
      if (t < 0 || impl->bufs[t].constant) continue;
      auto& b = impl->bufs[t];
      Impl::Last(b, b.home) = std::max(Impl::Last(b, b.home), step);
      // QUANTIZE reads fp32; DEQUANTIZE reads int8 where its producer wrote int8, else fp32.
      const Form need = n.kind == OpKind::kQuantize     ? kF32
                        : n.kind == OpKind::kDequantize ? (b.home == kQ8 ? kQ8 : kF32)
                                                        : st.form;
      if (b.home == need) continue;
      // Another form: made by its first reader from the producer's.
      if (Impl::First(b, need) < 0) {
        Impl::First(b, need) = step;
        st.converts.emplace_back(t, need);
      }
      Impl::Last(b, need) = std::max(Impl::Last(b, need), step);
    }
    st.info.fp16 = st.half();
    st.info.int8 = st.int8();
    st.info.conversions = static_cast<int32_t>(st.converts.size());
    impl->steps.push_back(std::move(st));
  }
  const int num_steps = static_cast<int>(impl->steps.size());
  for (int32_t t : graph.inputs) {
    auto& b = impl->bufs[t];
    if (Product(b.gshape) <= 0 || std::any_of(b.gshape.begin(), b.gshape.end(), [](int64_t d) { return d < 0; })) {
      return Status::InvalidArgument("input '" + graph.tensors[t].name +
                                     "' has an unresolved shape; set it with --input-shape");
    }
    // Inputs are written once and read by every run: nothing may reuse their memory.
    b.first = -1;
    b.last = num_steps;
  }
  for (int32_t t : graph.outputs) Impl::Last(impl->bufs[t], impl->bufs[t].home) = num_steps;

  // Weight bytes as stored (fp32), before any allocation.
  int64_t weight_upper = 0;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (!impl->bufs[t].constant) continue;
    auto e = analyzer::NumElements(impl->bufs[t].gshape);
    if (e) weight_upper += *e * 4;
  }
  // Lifetime-based placement: largest first, lowest offset that does not collide in time.
  // Each stored form of an activation is one item (an fp32 plan has only fp32 forms).
  struct Item {
    int32_t t;
    Form form;
    int64_t size;
  };
  auto first_of = [&](const Item& it) { return Impl::First(impl->bufs[it.t], it.form); };
  auto last_of = [&](const Item& it) { return Impl::Last(impl->bufs[it.t], it.form); };
  auto offset_of = [&](const Item& it) -> int64_t& { return Impl::Offset(impl->bufs[it.t], it.form); };
  std::vector<Item> items;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const auto& b = impl->bufs[t];
    if (b.constant) continue;
    const int64_t elems = Product(b.gshape);
    const bool input = std::find(graph.inputs.begin(), graph.inputs.end(),
                                 static_cast<int32_t>(t)) != graph.inputs.end();
    if (b.first >= 0 || input) {
      items.push_back({static_cast<int32_t>(t), kF32, ((elems * 4 + kSlackBytes + 63) / 64) * 16});
    }
    if (b.alt[kF16 - 1].first >= 0) {
      items.push_back({static_cast<int32_t>(t), kF16, ((elems * 2 + kSlackBytes + 63) / 64) * 16});
    }
    if (b.alt[kQ8 - 1].first >= 0) {
      items.push_back({static_cast<int32_t>(t), kQ8, ((elems + kSlackBytes + 63) / 64) * 16});
    }
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.size != b.size ? a.size > b.size : a.t != b.t ? a.t < b.t : a.form < b.form;
  });
  std::vector<Item> placed;
  int64_t arena_floats = 0;
  for (const Item& it : items) {
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (const Item& p : placed) {
      if (first_of(p) <= last_of(it) && first_of(it) <= last_of(p)) {
        busy.emplace_back(offset_of(p), offset_of(p) + p.size);
      }
    }
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (const auto& [lo, hi] : busy) {
      if (at + it.size <= lo) break;
      at = std::max(at, hi);
    }
    offset_of(it) = at;
    arena_floats = std::max(arena_floats, at + it.size);
    placed.push_back(it);
  }
  const int64_t need = arena_floats * 4 + weight_upper * 2;  // packed copies at most double
  if (need > options.max_bytes) {
    return Status::InvalidArgument(
        "the plan needs " + std::to_string(need >> 20) + " MiB (activations " +
        std::to_string((arena_floats * 4) >> 20) + " MiB after reuse, weights up to " +
        std::to_string((weight_upper * 2) >> 20) + " MiB), above the limit of " +
        std::to_string(options.max_bytes >> 20) + " MiB; nothing was allocated");
  }
  impl->arena.assign(static_cast<size_t>(arena_floats), 0.0f);
  for (auto& b : impl->bufs) {
    if (b.offset >= 0) b.data = impl->arena.data() + b.offset;
    if (b.alt[kF16 - 1].offset >= 0) {
      b.half = reinterpret_cast<uint16_t*>(impl->arena.data() + b.alt[kF16 - 1].offset);
    }
    if (b.alt[kQ8 - 1].offset >= 0) {
      b.q8 = reinterpret_cast<int8_t*>(impl->arena.data() + b.alt[kQ8 - 1].offset);
    }
  }
  // Every constant a step reads has its values in place (a constant can sit where an
  // activation usually does, e.g. MatMul of two constants).
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (folded[i]) continue;
    for (int32_t t : graph.nodes[i].inputs) {
      if (t >= 0 && impl->bufs[t].constant) impl->Const(t);
    }
  }
  // Constants referenced by the folded shape arithmetic keep their graph values.
  static const bool initialized = xnn_initialize(nullptr) == xnn_status_success;
  if (!initialized) {
    return Status::FailedPrecondition("XNNPACK does not support this CPU (xnn_initialize failed)");
  }
  if (half_plan) {
    // XNNPACK refuses fp16 operators on CPUs without fp16 kernels (x86 without F16C, FMA3 and
    // AVX2; Arm without FP16 arithmetic): ask once, before any step.
    const uint16_t weight = 0x3C00;  // 1.0
    xnn_operator_t probe = nullptr;
    const xnn_status s = xnn_create_convolution2d_nhwc_f16(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                                           1, &weight, nullptr, -kInf, kInf, 0, &probe);
    if (probe != nullptr) xnn_delete_operator(probe);
    if (s == xnn_status_unsupported_hardware) {
      return Status::Unsupported("precision fp16 is not supported on this CPU: XNNPACK has no "
                                 "fp16 kernels for it (x86 needs F16C, FMA3 and AVX2; Arm needs "
                                 "FP16 arithmetic)");
    }
    if (s != xnn_status_success) {
      return Status::Internal("XNNPACK fp16 probe failed (status " + std::to_string(static_cast<int>(s)) + ")");
    }
  }
  if (options.threads > 1) {
    impl->pool = pthreadpool_create(static_cast<size_t>(options.threads));
    if (impl->pool == nullptr) return Status::Internal("cannot create a thread pool");
  }
  pthreadpool_t shared_pool = impl->pool;
  // One thread's time for a node, roughly: MACs at 50 GMAC/s or bytes touched at 40 GB/s.
  auto serial_micros = [&](const Node& n) {
    double bytes = 0.0;
    for (int32_t t : n.inputs) {
      if (t >= 0) bytes += 4.0 * static_cast<double>(Product(impl->bufs[t].gshape));
    }
    for (int32_t t : n.outputs) {
      if (t >= 0) bytes += 4.0 * static_cast<double>(Product(impl->bufs[t].gshape));
    }
    double macs = 0.0;
    if (auto w = analyzer::ComputeNodeWork(graph, n); w.ok()) macs = static_cast<double>(w->macs);
    return std::max(macs / 50e3, bytes / 40e3);
  };
  for (size_t i = 0; i < impl->steps.size(); ++i) {
    // Operators and plain kernels take their pool while the step is built, so a small layer is
    // built without it.
    const bool serial = shared_pool != nullptr &&
                        serial_micros(graph.nodes[impl->steps[i].info.layer]) <
                            options.serial_below_us;
    impl->pool = serial ? nullptr : shared_pool;
    Status s = impl->BuildStep(i);
    impl->pool = shared_pool;
    if (!s.ok()) return s;
    impl->steps[i].pool = serial ? nullptr : shared_pool;
    StepInfo& info = impl->steps[i].info;
    info.threads = serial ? 1 : options.threads;
    if (info.noop) {
      info.kernel = "none";
    } else if (info.kernel.empty()) {
      info.kernel = impl->steps[i].op != nullptr ? "xnnpack" : "plain";
    }
    info.xnnpack = info.kernel == "xnnpack";
  }
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
