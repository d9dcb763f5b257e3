#include "tests/testutil/onnx_testdata.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/half.h"

namespace mbench::testing {

bool ReadTestTensor(const std::string& path, std::vector<float>* values, std::vector<int64_t>* dims,
                    std::string* name, std::string* why, bool* integral) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  onnx::TensorProto p;
  if (!p.ParseFromString(ss.str())) {
    *why = "unreadable tensor file";
    return false;
  }
  *name = p.name();
  dims->assign(p.dims().begin(), p.dims().end());
  int64_t n = 1;
  for (int64_t d : *dims) {
    if (d < 0 || (d > 0 && n > (int64_t{1} << 32) / d)) {
      *why = "tensor too large or negative dims";
      return false;
    }
    n *= d;
  }
  values->clear();
  const std::string& raw = p.raw_data();
  auto from_raw = [&](auto zero, auto convert) {
    using V = decltype(zero);
    if (raw.size() != static_cast<size_t>(n) * sizeof(V)) return false;
    for (int64_t i = 0; i < n; ++i) {
      V v;
      std::memcpy(&v, raw.data() + i * sizeof(V), sizeof(V));
      values->push_back(convert(v));
    }
    return true;
  };
  auto plain = [](auto v) { return static_cast<float>(v); };
  bool is_int = true, ok = false;
  const bool has_raw = p.has_raw_data();
  switch (p.data_type()) {
    case onnx::TensorProto::FLOAT:
      is_int = false;
      ok = has_raw ? from_raw(float{0}, plain)
                   : (values->assign(p.float_data().begin(), p.float_data().end()), true);
      break;
    case onnx::TensorProto::DOUBLE:
      is_int = false;
      ok = has_raw ? from_raw(double{0}, plain)
                   : (values->assign(p.double_data().begin(), p.double_data().end()), true);
      break;
    case onnx::TensorProto::FLOAT16:
      is_int = false;
      if (has_raw) {
        ok = from_raw(uint16_t{0}, [](uint16_t h) { return HalfToFloat(h); });
      } else {
        for (int32_t h : p.int32_data()) values->push_back(HalfToFloat(static_cast<uint16_t>(h)));
        ok = true;
      }
      break;
    case onnx::TensorProto::INT64:
      ok = has_raw ? from_raw(int64_t{0}, plain)
                   : (values->assign(p.int64_data().begin(), p.int64_data().end()), true);
      break;
    case onnx::TensorProto::INT32:
      ok = has_raw ? from_raw(int32_t{0}, plain)
                   : (values->assign(p.int32_data().begin(), p.int32_data().end()), true);
      break;
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::BOOL:
      if (has_raw) {
        switch (p.data_type()) {
          case onnx::TensorProto::INT8: ok = from_raw(int8_t{0}, plain); break;
          case onnx::TensorProto::INT16: ok = from_raw(int16_t{0}, plain); break;
          case onnx::TensorProto::UINT16: ok = from_raw(uint16_t{0}, plain); break;
          default: ok = from_raw(uint8_t{0}, plain); break;
        }
      } else {
        values->assign(p.int32_data().begin(), p.int32_data().end());
        ok = true;
      }
      break;
    default:
      *why = "tensor of a type the runner does not take (string, bfloat16, ...)";
      return false;
  }
  if (!ok || static_cast<int64_t>(values->size()) != n) {
    *why = "tensor data does not fill its dims";
    return false;
  }
  if (integral != nullptr) *integral = is_int;
  return true;
}

}  // namespace mbench::testing
