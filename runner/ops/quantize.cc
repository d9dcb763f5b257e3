// QUANTIZE and DEQUANTIZE layers, and the fp32 <-> fp16 / 8-bit conversions a mixed-precision
// plan makes between a producer's form and a reader's.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/kernels/quantize.h"
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
  const float* in = x.data;
  float* out = y.data;
  // ONNX's QuantizeLinear and DequantizeLinear on tensors without a grid of their own hold raw
  // integers on the integer side, as ONNX computes them.
  const auto& xt = graph->tensors[n.inputs[0]];
  const auto& yt = graph->tensors[n.outputs[0]];
  const bool raw_in =
      n.kind == OpKind::kDequantize && !x.quantized && analyzer::IsInteger(xt.dtype);
  const bool raw_out = n.kind == OpKind::kQuantize && !y.quantized && analyzer::IsInteger(yt.dtype);
  if (raw_in || raw_out) {
    if (n.inputs.size() < 2 || n.inputs[1] < 0 || !bufs[n.inputs[1]].constant ||
        (n.inputs.size() > 2 && n.inputs[2] >= 0 && !bufs[n.inputs[2]].constant)) {
      return Status::Unsupported("layer '" + n.name + "': scale or zero point given at run time");
    }
    const std::vector<float> scale = Const(n.inputs[1]);
    std::vector<float> zero(scale.size(), 0.0f);
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) zero = Const(n.inputs[2]);
    if (zero.size() != scale.size()) {
      return Status::Unsupported("layer '" + n.name + "': scales and zero points differ in count");
    }
    // One scale, or one per slice of `axis` (in the model's order: the buffer must be too).
    const Shape& shape = x.gshape;
    int64_t inner = 1, dim = 1;
    if (scale.size() > 1) {
      int64_t axis = n.GetInt("axis", 1);
      if (axis < 0) axis += static_cast<int64_t>(shape.size());
      if (axis < 0 || axis >= static_cast<int64_t>(shape.size()) || x.nhwc || y.nhwc ||
          shape[static_cast<size_t>(axis)] != static_cast<int64_t>(scale.size())) {
        return Status::Unsupported("layer '" + n.name + "': per-axis scales that do not match");
      }
      dim = shape[static_cast<size_t>(axis)];
      for (size_t a = static_cast<size_t>(axis) + 1; a < shape.size(); ++a) inner *= shape[a];
    }
    float qmin = 0.0f, qmax = 255.0f;
    if (yt.dtype == analyzer::DType::kInt8) qmin = -128.0f, qmax = 127.0f;
    if (yt.dtype == analyzer::DType::kInt16) qmin = -32768.0f, qmax = 32767.0f;
    if (yt.dtype == analyzer::DType::kUInt16) qmax = 65535.0f;
    const bool quantize = raw_out;
    st.plain = [in, out, count, scale, zero, inner, dim, qmin, qmax, quantize] {
      for (size_t i = 0; i < count; ++i) {
        const size_t c = dim > 1 ? static_cast<size_t>((static_cast<int64_t>(i) / inner) % dim) : 0;
        out[i] = quantize ? std::clamp(std::nearbyint(in[i] / scale[c]) + zero[c], qmin, qmax)
                          : (in[i] - zero[c]) * scale[c];
      }
    };
    return Status::Ok();
  }
  // fp32: activations hold real values, so DEQUANTIZE copies and QUANTIZE rounds onto the
  // output's int8 grid (what the int8 model would see).
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

Status Plan::Impl::CheckCentredInput(const Node& n, size_t zp_slot) const {
  if (n.op_type != "ConvInteger" && n.op_type != "MatMulInteger") return Status::Ok();
  const int32_t x = n.inputs[0];
  const int32_t zp = zp_slot < n.inputs.size() ? n.inputs[zp_slot] : -1;
  const int32_t p = graph->tensors[x].producer;
  if (p < 0 || graph->nodes[p].kind != OpKind::kDynamicQuantize ||
      graph->nodes[p].outputs.size() < 3 || graph->nodes[p].outputs[2] != zp) {
    return Status::Unsupported("layer '" + n.name + "': " + n.op_type +
                               " on integers that no DynamicQuantizeLinear made");
  }
  return Status::Ok();
}

StatusOr<std::vector<float>> Plan::Impl::CentredWeights(
    const Node& n, int32_t w, int32_t zp, const std::function<int64_t(size_t)>& channel) {
  std::vector<float> out = Const(w);
  if (zp < 0) return out;
  if (!bufs[zp].constant) {
    return Status::Unsupported("layer '" + n.name + "': weight zero point known only at run time");
  }
  const std::vector<float>& z = Const(zp);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t c = z.size() == 1 ? 0 : channel(i);
    if (c < 0 || static_cast<size_t>(c) >= z.size()) {
      return Status::Unsupported("layer '" + n.name + "': weight zero points of " +
                                 std::to_string(z.size()) + " values do not match its channels");
    }
    out[i] -= z[static_cast<size_t>(c)];
  }
  return out;
}

// DynamicQuantizeLinear: y = saturate(round(x / s) + z) with s = (max(x, 0) - min(x, 0)) / 255
// and z = saturate(round(-min(x, 0) / s)), computed on every run. Its readers compute in int32
// on y - z; the runner stores y - z itself (so it requires every reader to be such an op) and
// runs them as fp32 convolutions and matmuls with weights minus their zero points: the same
// integer products, summed in fp32.
Status Plan::Impl::DynamicQuantize(const Node& n, Step& st) {
  if (n.outputs.size() < 3 || n.outputs[1] < 0 || n.outputs[2] < 0) {
    return Status::Unsupported("layer '" + n.name +
                               "': DynamicQuantizeLinear without its scale "
                               "and zero point outputs");
  }
  for (const Node& reader : graph->nodes) {
    for (size_t i = 0; i < reader.inputs.size(); ++i) {
      if (reader.inputs[i] != n.outputs[0]) continue;
      const size_t zp_slot = reader.op_type == "ConvInteger" ? 3 : 2;
      const bool centred = (reader.op_type == "ConvInteger" || reader.op_type == "MatMulInteger") &&
                           i == 0 && zp_slot < reader.inputs.size() &&
                           reader.inputs[zp_slot] == n.outputs[2];
      if (!centred) {
        return Status::Unsupported("layer '" + n.name + "': its quantized values are read by '" +
                                   reader.name + "' (" + reader.op_type +
                                   "); the runner runs them only into ConvInteger and "
                                   "MatMulInteger");
      }
    }
  }
  for (int32_t t : n.outputs) {
    if (t >= 0 && graph->tensors[t].producer >= 0 &&
        std::find(graph->outputs.begin(), graph->outputs.end(), t) != graph->outputs.end()) {
      return Status::Unsupported("layer '" + n.name + "': quantized values as a model output");
    }
  }
  const Buf& x = bufs[n.inputs[0]];
  auto job = std::make_shared<QuantizeJob>();
  job->input = x.data;
  job->output = bufs[n.outputs[0]].data;
  job->count = Product(x.ishape);
  const auto tiles = static_cast<size_t>((job->count + kQuantizeTile - 1) / kQuantizeTile);
  job->lo.resize(tiles);
  job->hi.resize(tiles);
  float* scale_out = bufs[n.outputs[1]].data;
  float* zero_out = bufs[n.outputs[2]].data;
  pthreadpool_t p = st.pool;
  st.plain = [job, p, tiles, scale_out, zero_out] {
    pthreadpool_parallelize_1d(p, &MinMaxTask, job.get(), tiles, 0);
    float lo = 0.0f, hi = 0.0f;
    for (size_t t = 0; t < tiles; ++t) lo = std::min(lo, job->lo[t]), hi = std::max(hi, job->hi[t]);
    const float scale = (hi - lo) / 255.0f;
    *scale_out = scale;
    if (!(scale > 0.0f) || !std::isfinite(scale)) {  // all zeros (or not finite): y = z = 0
      *zero_out = 0.0f;
      std::fill(job->output, job->output + job->count, 0.0f);
      return;
    }
    job->scale = scale;
    job->zero = std::clamp(std::nearbyint(-lo / scale), 0.0f, 255.0f);
    *zero_out = job->zero;
    pthreadpool_parallelize_1d(p, &QuantizeTask, job.get(), tiles, 0);
  };
  return Status::Ok();
}

}  // namespace mbench::runner
