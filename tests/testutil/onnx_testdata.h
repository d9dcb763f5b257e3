// The tensors of ONNX's backend test suite (Debian libonnx-testdata: input_N.pb, output_N.pb),
// read for the analyzer's and the runner's tests over it.
#ifndef MBENCH_TESTS_TESTUTIL_ONNX_TESTDATA_H_
#define MBENCH_TESTS_TESTUTIL_ONNX_TESTDATA_H_

#include <cstdint>
#include <string>
#include <vector>

namespace mbench::testing {

// Where Debian installs the suite.
inline constexpr const char* kOnnxTestdataRoot = "/usr/share/libonnx-testdata/data";

// Reads the TensorProto at `path` as float values (the runner's activations are fp32 whatever the
// model's type), with its dims and name. `integral` (may be null) tells integer and bool tensors,
// which the tests pass as input values. False with `why` for a tensor of another type (string,
// bfloat16, complex) or data that does not fill its dims.
bool ReadTestTensor(const std::string& path, std::vector<float>* values, std::vector<int64_t>* dims,
                    std::string* name, std::string* why, bool* integral = nullptr);

}  // namespace mbench::testing

#endif  // MBENCH_TESTS_TESTUTIL_ONNX_TESTDATA_H_
