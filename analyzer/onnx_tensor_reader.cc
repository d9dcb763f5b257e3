#include "analyzer/onnx_tensor_reader.h"

#include <cmath>
#include <cstring>
#include <string>

#include "core/half.h"
#include "onnx/onnx_pb.h"

namespace mbench::analyzer {

DType FromOnnxType(int32_t t) {
  switch (t) {
    case onnx::TensorProto::FLOAT: return DType::kFloat32;
    case onnx::TensorProto::UINT8: return DType::kUInt8;
    case onnx::TensorProto::INT8: return DType::kInt8;
    case onnx::TensorProto::UINT16: return DType::kUInt16;
    case onnx::TensorProto::INT16: return DType::kInt16;
    case onnx::TensorProto::INT32: return DType::kInt32;
    case onnx::TensorProto::INT64: return DType::kInt64;
    case onnx::TensorProto::STRING: return DType::kString;
    case onnx::TensorProto::BOOL: return DType::kBool;
    case onnx::TensorProto::FLOAT16: return DType::kFloat16;
    case onnx::TensorProto::DOUBLE: return DType::kFloat64;
    case onnx::TensorProto::UINT32: return DType::kUInt32;
    case onnx::TensorProto::UINT64: return DType::kUInt64;
    case onnx::TensorProto::COMPLEX64: return DType::kComplex64;
    case onnx::TensorProto::COMPLEX128: return DType::kComplex128;
    case onnx::TensorProto::BFLOAT16: return DType::kBFloat16;
    default: return DType::kUnknown;
  }
}

void ExtractValues(const onnx::TensorProto& p, std::string_view raw, bool has_raw, TensorInfo& t) {
  auto n = NumElements(t.shape);
  if (!n || *n > TensorInfo::kMaxInlineValues) return;
  auto from_raw = [&](auto zero, auto& dst) {
    using V = decltype(zero);
    if (raw.size() != static_cast<size_t>(*n) * sizeof(V)) return false;
    for (int64_t i = 0; i < *n; ++i) {
      V v;
      std::memcpy(&v, raw.data() + i * sizeof(V), sizeof(V));
      dst.push_back(static_cast<typename std::remove_reference_t<decltype(dst)>::value_type>(v));
    }
    return true;
  };
  bool ok = false;
  switch (p.data_type()) {
    case onnx::TensorProto::INT64:
      if (has_raw) {
        ok = from_raw(int64_t{0}, t.int_values);
      } else if (p.int64_data_size() == *n) {
        t.int_values.assign(p.int64_data().begin(), p.int64_data().end());
        ok = true;
      }
      break;
    case onnx::TensorProto::INT32:
      if (has_raw) {
        ok = from_raw(int32_t{0}, t.int_values);
      } else if (p.int32_data_size() == *n) {
        t.int_values.assign(p.int32_data().begin(), p.int32_data().end());
        ok = true;
      }
      break;
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::BOOL:  // conditions, masks and zero points
      if (has_raw) {
        switch (p.data_type()) {
          case onnx::TensorProto::INT8: ok = from_raw(int8_t{0}, t.int_values); break;
          case onnx::TensorProto::INT16: ok = from_raw(int16_t{0}, t.int_values); break;
          case onnx::TensorProto::UINT16: ok = from_raw(uint16_t{0}, t.int_values); break;
          default: ok = from_raw(uint8_t{0}, t.int_values); break;
        }
      } else if (p.int32_data_size() == *n) {
        t.int_values.assign(p.int32_data().begin(), p.int32_data().end());
        ok = true;
      }
      break;
    case onnx::TensorProto::FLOAT:
      if (has_raw) {
        ok = from_raw(float{0}, t.float_values);
      } else if (p.float_data_size() == *n) {
        t.float_values.assign(p.float_data().begin(), p.float_data().end());
        ok = true;
      }
      break;
    case onnx::TensorProto::DOUBLE:
      if (has_raw) {
        ok = from_raw(double{0}, t.float_values);
      } else if (p.double_data_size() == *n) {
        t.float_values.assign(p.double_data().begin(), p.double_data().end());
        ok = true;
      }
      break;
    default: break;
  }
  t.has_values = ok;
  if (!ok) {
    t.int_values.clear();
    t.float_values.clear();
  }
}

// Every value of an in-file constant as float, for the runner. Returns null for types it does
// not convert (strings, bool) or data that does not match the shape.
std::shared_ptr<const std::vector<float>> ExtractWeights(const onnx::TensorProto& p,
                                                         std::string_view raw, bool has_raw,
                                                         int64_t n) {
  auto out = std::make_shared<std::vector<float>>();
  out->reserve(static_cast<size_t>(n));
  auto from_raw = [&](auto zero, auto convert) {
    using V = decltype(zero);
    if (raw.size() != static_cast<size_t>(n) * sizeof(V)) return false;
    for (int64_t i = 0; i < n; ++i) {
      V v;
      std::memcpy(&v, raw.data() + i * sizeof(V), sizeof(V));
      out->push_back(convert(v));
    }
    return true;
  };
  auto cast = [](auto v) { return static_cast<float>(v); };
  bool ok = false;
  switch (p.data_type()) {
    case onnx::TensorProto::FLOAT:
      ok = has_raw ? from_raw(float{0}, cast)
                   : (p.float_data_size() == n &&
                      (out->assign(p.float_data().begin(), p.float_data().end()), true));
      break;
    case onnx::TensorProto::DOUBLE:
      ok = has_raw ? from_raw(double{0}, cast)
                   : (p.double_data_size() == n &&
                      (out->assign(p.double_data().begin(), p.double_data().end()), true));
      break;
    case onnx::TensorProto::FLOAT16:
      if (has_raw) {
        ok = from_raw(uint16_t{0}, HalfToFloat);
      } else if (p.int32_data_size() == n) {  // halves stored in int32_data
        for (int32_t v : p.int32_data()) out->push_back(HalfToFloat(static_cast<uint16_t>(v)));
        ok = true;
      }
      break;
    case onnx::TensorProto::INT64:
      ok = has_raw ? from_raw(int64_t{0}, cast)
                   : (p.int64_data_size() == n &&
                      (out->assign(p.int64_data().begin(), p.int64_data().end()), true));
      break;
    case onnx::TensorProto::INT32:
      ok = has_raw ? from_raw(int32_t{0}, cast)
                   : (p.int32_data_size() == n &&
                      (out->assign(p.int32_data().begin(), p.int32_data().end()), true));
      break;
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::BOOL:
      if (has_raw) {
        switch (p.data_type()) {
          case onnx::TensorProto::INT8: ok = from_raw(int8_t{0}, cast); break;
          case onnx::TensorProto::INT16: ok = from_raw(int16_t{0}, cast); break;
          case onnx::TensorProto::UINT16: ok = from_raw(uint16_t{0}, cast); break;
          default: ok = from_raw(uint8_t{0}, cast); break;
        }
      } else if (p.int32_data_size() == n) {  // the typed field of every narrow integer type
        out->assign(p.int32_data().begin(), p.int32_data().end());
        ok = true;
      }
      break;
    default: break;
  }
  if (!ok) return nullptr;
  return out;
}

int64_t StoredValues(const onnx::TensorProto& p, std::string_view raw, int bits) {
  if (!raw.empty())
    return bits >= 8 ? static_cast<int64_t>(raw.size()) / (bits / 8)
                     : static_cast<int64_t>(raw.size()) * 8 / bits;
  return p.float_data_size() + p.int32_data_size() + p.int64_data_size() + p.double_data_size() +
         p.uint64_data_size() + p.string_data_size();
}

Status ValueTensor(const onnx::ValueInfoProto& input, const std::vector<double>& values,
                   onnx::TensorProto* out) {
  onnx::TensorProto& t = *out;
  const auto& tt = input.type().tensor_type();
  t.Clear();
  t.set_name(input.name());
  t.set_data_type(tt.elem_type() != 0 ? tt.elem_type() : onnx::TensorProto::FLOAT);
  int64_t n = 1;
  bool known = tt.has_shape();
  for (const auto& d : tt.shape().dim()) {
    known &= d.has_dim_value();
    n *= d.has_dim_value() ? d.dim_value() : 1;
    t.add_dims(d.dim_value());
  }
  if (!known) {
    t.clear_dims();
    if (values.size() != 1) t.add_dims(static_cast<int64_t>(values.size()));
  } else if (n != static_cast<int64_t>(values.size())) {
    return Status::InvalidArgument(std::to_string(values.size()) + " values for an input of " +
                                   std::to_string(n) + " elements");
  }
  const DType dtype = FromOnnxType(t.data_type());
  for (double v : values) {
    if (IsInteger(dtype) && v != std::trunc(v)) {
      return Status::InvalidArgument(std::to_string(v) + " is not an integer, and the input is " +
                                     DTypeName(dtype));
    }
    switch (t.data_type()) {
      case onnx::TensorProto::FLOAT: t.add_float_data(static_cast<float>(v)); break;
      case onnx::TensorProto::DOUBLE: t.add_double_data(v); break;
      case onnx::TensorProto::INT64: t.add_int64_data(static_cast<int64_t>(v)); break;
      case onnx::TensorProto::FLOAT16: t.add_int32_data(FloatToHalf(static_cast<float>(v))); break;
      case onnx::TensorProto::INT32:
      case onnx::TensorProto::INT16:
      case onnx::TensorProto::INT8:
      case onnx::TensorProto::UINT8:
      case onnx::TensorProto::UINT16:
      case onnx::TensorProto::BOOL: t.add_int32_data(static_cast<int32_t>(v)); break;
      default:
        return Status::Unsupported(std::string("inputs of type ") + DTypeName(dtype) +
                                   " cannot be given a value");
    }
  }
  return Status::Ok();
}

}  // namespace mbench::analyzer
