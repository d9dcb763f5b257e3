// QUANTIZE and DEQUANTIZE layers, and the fp32 <-> fp16 / 8-bit conversions a mixed-precision
// plan makes between a producer's form and a reader's.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/plan_impl.h"

namespace mbench::runner {

// The int8 range of a real-valued [lo, hi] on tensor `b`'s grid.
std::pair<int32_t, int32_t> Plan::Impl::QuantRange(const Buf& b, float lo, float hi) {
  const int32_t qmin = b.unsigned8 ? 0 : -128, qmax = b.unsigned8 ? 255 : 127;
  auto q = [&](float v, int32_t dflt) {
    if (!std::isfinite(v)) return dflt;
    const long r = std::lround(v / b.scale) + b.zero_point;
    return static_cast<int32_t>(std::clamp<long>(r, qmin, qmax));
  };
  return {q(lo, qmin), q(hi, qmax)};
}

// Appends to `st` an operator that copies `b` from form `from` into form `to` (one of them
// fp32: a plan is fp16 or int8, never both).
Status Plan::Impl::Convert(const Node& n, Step& st, const Buf& b, Form from, Form to) {
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
xnn_status Plan::Impl::CreateQuantize(const Buf& q, xnn_operator_t* op) {
  return q.unsigned8 ? xnn_create_convert_nc_f32_qu8(
                           1, 1, 1, q.scale, static_cast<uint8_t>(q.zero_point), 0, 255, 0, op)
                     : xnn_create_convert_nc_f32_qs8(
                           1, 1, 1, q.scale, static_cast<int8_t>(q.zero_point), -128, 127, 0, op);
}

xnn_status Plan::Impl::CreateDequantize(const Buf& q, xnn_operator_t* op) {
  return q.unsigned8 ? xnn_create_convert_nc_qu8_f32(1, 1, 1, q.scale,
                                                     static_cast<uint8_t>(q.zero_point), 0, op)
                     : xnn_create_convert_nc_qs8_f32(1, 1, 1, q.scale,
                                                     static_cast<int8_t>(q.zero_point), 0, op);
}

xnn_status Plan::Impl::SetupQuantize(const Buf& q, xnn_operator_t op, size_t count, const float* in,
                                     int8_t* out) {
  return q.unsigned8
             ? xnn_setup_convert_nc_f32_qu8(op, count, in, reinterpret_cast<uint8_t*>(out), pool)
             : xnn_setup_convert_nc_f32_qs8(op, count, in, out, pool);
}

xnn_status Plan::Impl::SetupDequantize(const Buf& q, xnn_operator_t op, size_t count,
                                       const int8_t* in, float* out) {
  return q.unsigned8 ? xnn_setup_convert_nc_qu8_f32(op, count, reinterpret_cast<const uint8_t*>(in),
                                                    out, pool)
                     : xnn_setup_convert_nc_qs8_f32(op, count, in, out, pool);
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

}  // namespace mbench::runner
