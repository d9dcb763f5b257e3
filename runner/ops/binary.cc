// Binary element-wise ops (add, sub, mul, div, max, min, squared difference) with NumPy
// broadcasting: XNNPACK's nd operators in fp32, fp16 and 8 bits, and a row kernel for the
// per-channel broadcasts of squeeze-and-excitation.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/plan_impl.h"

namespace mbench::runner {
namespace {

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

// Multiply or add of a [N, H, W, C] activation and a [N, 1, 1, C] one (stored layout): the
// scale of every squeeze-and-excitation block. XNNPACK's broadcasting operator hands out one
// task per pixel, a row of C values: 79 us for a 128x128x16 map on one thread and 269 us on
// two, the tasks' bookkeeping costing more than the arithmetic. Here each task is a run of
// rows of about 16 KiB.
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
      if (bufs[t].gshape.size() > rank)
        return Status::Unsupported("layer '" + n.name + "': operand rank");
      auto [s, p] = ConstOperand(t, rank, y.nhwc);
      shapes[i] = s;
      ptr[i] = p;
      if (st.half()) half_ptr[i] = PackedHalf(p, Product(s));
    } else {
      half_ptr[i] = bufs[t].half;
      // One value computed at run time (a dynamic quantization's scale) broadcasts over any
      // layout.
      if (bufs[t].nhwc != y.nhwc && Product(bufs[t].ishape) != 1) {
        return Status::Unsupported("layer '" + n.name + "': mixes 4-D and lower-rank activations");
      }
      shapes[i] = Product(bufs[t].ishape) == 1 ? Shape(rank, 1) : bufs[t].ishape;
      ptr[i] = bufs[t].data;
    }
  }
  std::vector<size_t> s0(shapes[0].begin(), shapes[0].end()),
      s1(shapes[1].begin(), shapes[1].end());
  if (s0.empty()) s0 = {1};
  if (s1.empty()) s1 = {1};
  // Every kernel here writes the broadcast of the operands' shapes: an output declared with
  // fewer elements (a hostile TFLite file states its shapes) would be written past its end.
  int64_t broadcast = 1;
  for (size_t i = 0; i < std::max(s0.size(), s1.size()); ++i) {
    const size_t a = i < s0.size() ? s0[s0.size() - 1 - i] : 1;
    const size_t b = i < s1.size() ? s1[s1.size() - 1 - i] : 1;
    if (a != b && a != 1 && b != 1) {
      return Status::Unsupported("layer '" + n.name + "': operand shapes do not broadcast");
    }
    broadcast *= static_cast<int64_t>(std::max(a, b));
  }
  if (broadcast != Product(y.ishape)) {
    return Status::Unsupported(
        "layer '" + n.name + "': output of " + std::to_string(Product(y.ishape)) +
        " elements, where its operands broadcast to " + std::to_string(broadcast));
  }
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
    status = y.unsigned8
                 ? QuantBinary(kQu8Binary, n.kind, qa, qb, qy, qlo, qhi, shapes_nd, pool, &st.op)
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
      status = xnn_setup_add_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0],
                                    ptr[1], y.data, pool);
      break;
    case OpKind::kSub:
      status = xnn_setup_subtract_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0],
                                         ptr[1], y.data, pool);
      break;
    case OpKind::kMul:
      status = xnn_setup_multiply_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0],
                                         ptr[1], y.data, pool);
      break;
    case OpKind::kDiv:
      status = xnn_setup_divide_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0],
                                       ptr[1], y.data, pool);
      break;
    case OpKind::kMax:
      status = xnn_setup_maximum_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0],
                                        ptr[1], y.data, pool);
      break;
    case OpKind::kMin:
      status = xnn_setup_minimum_nd_f32(st.op, s0.size(), s0.data(), s1.size(), s1.data(), ptr[0],
                                        ptr[1], y.data, pool);
      break;
    default:
      status = xnn_setup_squared_difference_nd_f32(st.op, s0.size(), s0.data(), s1.size(),
                                                   s1.data(), ptr[0], ptr[1], y.data, pool);
      break;
  }
  MBENCH_RETURN_IF_ERROR(Check(status, n, "binary setup"));
  const bool ranged = n.kind == OpKind::kAdd || n.kind == OpKind::kSub || n.kind == OpKind::kMul ||
                      n.kind == OpKind::kDiv;
  std::function<void(float*, int64_t)> tail = FusedTail(n);
  if (!ranged && (lo > -kInf || hi < kInf)) {
    tail = [lo = lo, hi = hi](float* q, int64_t m) {
      for (int64_t i = 0; i < m; ++i) q[i] = std::clamp(q[i], lo, hi);
    };
  }
  if (tail) ThenApply(st, std::move(tail), y.data, Product(y.ishape));
  return Status::Ok();
}

}  // namespace mbench::runner
