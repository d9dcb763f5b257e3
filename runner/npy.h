// NumPy .npy files (format 1.0/2.0, little-endian float32, C order): the runner's --input and
// --save-outputs. Other dtypes or Fortran order are refused with the reason.
#ifndef MBENCH_RUNNER_NPY_H_
#define MBENCH_RUNNER_NPY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status_or.h"

namespace mbench::runner {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

StatusOr<NpyArray> ReadNpy(const std::string& path);
// The same from the file's bytes; `path` names it in errors.
StatusOr<NpyArray> ParseNpy(const std::string& bytes, const std::string& path);
Status WriteNpy(const std::string& path, const std::vector<int64_t>& shape,
                const std::vector<float>& values);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_NPY_H_
