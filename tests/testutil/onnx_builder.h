// OnnxBuilder: assembles small ONNX models in tests (and benchmarks) without any file on disk,
// so that every expected count can be derived by hand next to the model that produces it.
// Not thread-safe; one builder per model.
#ifndef MBENCH_TESTS_TESTUTIL_ONNX_BUILDER_H_
#define MBENCH_TESTS_TESTUTIL_ONNX_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace mbench::testing {

struct OnnxAttr {
  std::string name;
  std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>> value;

  static OnnxAttr Int(std::string n, int64_t v) { return {std::move(n), v}; }
  static OnnxAttr Float(std::string n, float v) { return {std::move(n), v}; }
  static OnnxAttr Str(std::string n, std::string v) { return {std::move(n), std::move(v)}; }
  static OnnxAttr Ints(std::string n, std::vector<int64_t> v) {
    return {std::move(n), std::move(v)};
  }
  static OnnxAttr Floats(std::string n, std::vector<float> v) {
    return {std::move(n), std::move(v)};
  }
};

// ONNX TensorProto element types used by tests.
enum OnnxType : int32_t {
  kOnnxFloat = 1,
  kOnnxUInt8 = 2,
  kOnnxInt8 = 3,
  kOnnxInt32 = 6,
  kOnnxInt64 = 7,
  kOnnxFloat16 = 10,
};

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int64_t opset = 13);
  ~OnnxBuilder();
  OnnxBuilder(const OnnxBuilder&) = delete;
  OnnxBuilder& operator=(const OnnxBuilder&) = delete;

  // A graph input. Dims < 0 become symbolic dims named "d<axis>".
  std::string Input(const std::string& name, const std::vector<int64_t>& dims,
                    int32_t type = kOnnxFloat);
  // An initializer filled with `fill` (float types) or zeros, stored as raw_data.
  std::string Weight(const std::string& name, const std::vector<int64_t>& dims,
                     int32_t type = kOnnxFloat, float fill = 0.01f);
  // An int64 initializer with the given values (shape [values.size()], or scalar).
  std::string Int64s(const std::string& name, const std::vector<int64_t>& values,
                     bool scalar = false);
  // A node with `num_outputs` outputs named "<name>_out<i>" (first one returned).
  std::string Node(const std::string& op_type, const std::vector<std::string>& inputs,
                   const std::vector<OnnxAttr>& attrs = {}, int num_outputs = 1,
                   const std::string& name = "", const std::string& domain = "");
  // Overwrites dim `axis` of input `name` with `value` as a concrete dim_value, even a negative
  // one (for error-path tests).
  void SetInputDim(const std::string& name, int axis, int64_t value);
  // Marks a tensor as a graph output.
  void Output(const std::string& name);
  // Stores weight `name` in side file `location` (written next to the model by WriteTo).
  void MakeExternal(const std::string& name, const std::string& location);

  std::string Serialize() const;
  // Writes the model (and external files) into `dir`; returns the model path.
  std::string WriteTo(const std::string& dir, const std::string& file_name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mbench::testing

#endif  // MBENCH_TESTS_TESTUTIL_ONNX_BUILDER_H_
