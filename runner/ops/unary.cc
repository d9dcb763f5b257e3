// Unary element-wise ops and inference batch norm: XNNPACK's operators where it has them (fp32,
// fp16, 8 bits), swish in L1-sized chunks, erf and GELU as vectorized polynomials, the rest as
// plain loops.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/ops/registry.h"
#include "runner/plan_impl.h"

namespace mbench::runner {
namespace {

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
const QuantUnaryOps<int8_t> kQs8Unary = {xnn_create_sigmoid_nc_qs8,
                                         xnn_create_tanh_nc_qs8,
                                         xnn_create_clamp_nc_s8,
                                         xnn_setup_sigmoid_nc_qs8,
                                         xnn_setup_tanh_nc_qs8,
                                         xnn_setup_clamp_nc_s8,
                                         -128,
                                         127};
const QuantUnaryOps<uint8_t> kQu8Unary = {xnn_create_sigmoid_nc_qu8,
                                          xnn_create_tanh_nc_qu8,
                                          xnn_create_clamp_nc_u8,
                                          xnn_setup_sigmoid_nc_qu8,
                                          xnn_setup_tanh_nc_qu8,
                                          xnn_setup_clamp_nc_u8,
                                          0,
                                          255};

template <typename T>
xnn_status QuantUnary(const QuantUnaryOps<T>& ops, OpKind kind, const QuantOperand& x,
                      const QuantOperand& y, int32_t lo, int32_t hi, size_t channels, size_t batch,
                      pthreadpool_t pool, xnn_operator_t* op) {
  const size_t c = channels;
  xnn_status s;
  if (kind == OpKind::kSigmoid || kind == OpKind::kTanh) {
    s = (kind == OpKind::kSigmoid ? ops.sigmoid : ops.tanh)(c, c, c, static_cast<T>(x.zero_point),
                                                            x.scale, static_cast<T>(y.zero_point),
                                                            y.scale, ops.min, ops.max, 0, op);
  } else {
    s = ops.clamp(c, c, c, static_cast<T>(lo), static_cast<T>(hi), 0, op);
  }
  if (s != xnn_status_success) return s;
  const auto setup = kind == OpKind::kSigmoid ? ops.setup_sigmoid
                     : kind == OpKind::kTanh  ? ops.setup_tanh
                                              : ops.setup_clamp;
  return setup(*op, batch, reinterpret_cast<const T*>(x.data), reinterpret_cast<T*>(y.data), pool);
}

}  // namespace

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
        return Status::Unsupported("layer '" + n.name +
                                   "': batch norm statistics given at run time");
      }
    }
    if (n.GetInt("training_mode", 0) != 0 || n.outputs.size() > 1) {
      return Status::Unsupported("layer '" + n.name + "': batch norm in training mode");
    }
    const auto& gamma = Const(n.inputs[1]);
    const auto& beta = Const(n.inputs[2]);
    const auto& mean = Const(n.inputs[3]);
    const auto& var = Const(n.inputs[4]);
    for (const auto* v : {&gamma, &beta, &mean, &var}) {
      if (static_cast<int64_t>(v->size()) < c) {
        return Status::Unsupported("layer '" + n.name + "': batch norm statistics of " +
                                   std::to_string(v->size()) + " values for " + std::to_string(c) +
                                   " channels");
      }
    }
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
      MBENCH_RETURN_IF_ERROR(
          Check(xnn_setup_sigmoid_nc_f32(part.op, static_cast<size_t>(std::min(total, kSwishChunk)),
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
    // The vectorized polynomials of runner/kernels/eltwise.h, in parallel tiles.
    auto job = std::make_shared<EltwiseJob>();
    EltInstr op;
    op.op = n.kind == OpKind::kErf ? EltInstr::kErf : EltInstr::kGelu;
    job->own.code = {op};
    job->program = &job->own;
    job->input = x.data;
    job->output = y.data;
    pthreadpool_t p = pool;
    const auto count = static_cast<size_t>(total);
    st.plain = [job, p, count] {
      pthreadpool_parallelize_1d_tile_1d(p, &EltwiseTask, job.get(), count, kEltwiseTile, 0);
    };
    return Status::Ok();
  }
  if (n.kind == OpKind::kCast) {
    // Activations are fp32 whatever the model's type: a cast to a float type copies (an fp16
    // model runs in fp32), to an integer type truncates, to bool tests for non-zero.
    const float* in = x.data;
    float* out = y.data;
    const bool is_bool = n.GetInt("to", 1) == 9;
    if (CastsToFloat(n)) {
      st.plain = [in, out, total] {
        if (in != out) std::memmove(out, in, static_cast<size_t>(total) * sizeof(float));
      };
    } else {
      st.plain = [in, out, total, is_bool] {
        for (int64_t i = 0; i < total; ++i) {
          out[i] = is_bool ? (in[i] != 0.0f ? 1.0f : 0.0f) : std::trunc(in[i]);
        }
      };
    }
    return Status::Ok();
  }
  if (FindOpRow(n.kind)->family == OpFamily::kUnaryPlain && !st.int8()) {
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
        status = xnn_create_leaky_relu_nc_f16(
            c, c, c, static_cast<float>(n.GetFloat("alpha", 0.01)), 0, &st.op);
        break;
      default: status = xnn_create_clamp_nc_f16(c, c, c, lo, hi, 0, &st.op); break;
    }
    MBENCH_RETURN_IF_ERROR(Check(status, n, "fp16 unary create"));
    switch (n.kind) {
      case OpKind::kHardSwish:
        status = xnn_setup_hardswish_nc_f16(st.op, batch, x.half, y.half, pool);
        break;
      case OpKind::kLeakyRelu:
        status = xnn_setup_leaky_relu_nc_f16(st.op, batch, x.half, y.half, pool);
        break;
      default: status = xnn_setup_clamp_nc_f16(st.op, batch, x.half, y.half, pool); break;
    }
    return Check(status, n, "fp16 unary setup");
  }
  switch (n.kind) {
    case OpKind::kRelu:
    case OpKind::kClip: status = xnn_create_clamp_nc_f32(c, c, c, lo, hi, 0, &st.op); break;
    case OpKind::kSigmoid: status = xnn_create_sigmoid_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kHardSwish: status = xnn_create_hardswish_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kLeakyRelu:
      status = xnn_create_leaky_relu_nc_f32(c, c, c, static_cast<float>(n.GetFloat("alpha", 0.01)),
                                            0, &st.op);
      break;
    case OpKind::kAbs: status = xnn_create_abs_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kNeg: status = xnn_create_negate_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kSquare: status = xnn_create_square_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kSqrt: status = xnn_create_square_root_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kFloor: status = xnn_create_floor_nc_f32(c, c, c, 0, &st.op); break;
    case OpKind::kCeil: status = xnn_create_ceiling_nc_f32(c, c, c, 0, &st.op); break;
    default:
      status =
          xnn_create_elu_nc_f32(c, c, c, static_cast<float>(n.GetFloat("alpha", 1.0)), 0, &st.op);
      break;
  }
  MBENCH_RETURN_IF_ERROR(Check(status, n, "unary create"));
  switch (n.kind) {
    case OpKind::kRelu:
    case OpKind::kClip: status = xnn_setup_clamp_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kSigmoid:
      status = xnn_setup_sigmoid_nc_f32(st.op, batch, x.data, y.data, pool);
      break;
    case OpKind::kHardSwish:
      status = xnn_setup_hardswish_nc_f32(st.op, batch, x.data, y.data, pool);
      break;
    case OpKind::kLeakyRelu:
      status = xnn_setup_leaky_relu_nc_f32(st.op, batch, x.data, y.data, pool);
      break;
    case OpKind::kAbs: status = xnn_setup_abs_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kNeg: status = xnn_setup_negate_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kSquare:
      status = xnn_setup_square_nc_f32(st.op, batch, x.data, y.data, pool);
      break;
    case OpKind::kSqrt:
      status = xnn_setup_square_root_nc_f32(st.op, batch, x.data, y.data, pool);
      break;
    case OpKind::kFloor: status = xnn_setup_floor_nc_f32(st.op, batch, x.data, y.data, pool); break;
    case OpKind::kCeil:
      status = xnn_setup_ceiling_nc_f32(st.op, batch, x.data, y.data, pool);
      break;
    default: status = xnn_setup_elu_nc_f32(st.op, batch, x.data, y.data, pool); break;
  }
  return Check(status, n, "unary setup");
}

}  // namespace mbench::runner
