#include "tests/testutil/onnx_testdata.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "analyzer/onnx_tensor_reader.h"

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
  switch (p.data_type()) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL: break;
    default:
      *why = "tensor of a type the runner does not take (string, bfloat16, ...)";
      return false;
  }
  // The analyzer's own conversion of a constant's values, as the runner receives them.
  auto converted = analyzer::ExtractWeights(p, p.raw_data(), p.has_raw_data(), n);
  if (converted == nullptr) {
    *why = "tensor data does not fill its dims";
    return false;
  }
  values->assign(converted->begin(), converted->end());
  const bool is_int = p.data_type() != onnx::TensorProto::FLOAT &&
                      p.data_type() != onnx::TensorProto::DOUBLE &&
                      p.data_type() != onnx::TensorProto::FLOAT16;
  if (integral != nullptr) *integral = is_int;
  return true;
}

}  // namespace mbench::testing
