// Transposes of dense float tensors (NumPy transpose semantics): a plan merges the dimensions
// that stay neighbours, then copies runs or gathers strides. Used for layout changes (NCHW <->
// NHWC) and for the model's own Transpose ops. Pure functions; thread-safe.
#ifndef MBENCH_RUNNER_KERNELS_PERMUTE_H_
#define MBENCH_RUNNER_KERNELS_PERMUTE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mbench::runner {

// Strided copy: `perm` maps output dims to input dims (NumPy transpose semantics) on shape
// `in_shape`; both buffers dense. Rank at most kMaxRank.
constexpr size_t kMaxRank = 8;
// A transpose as the output's dimensions (size, input stride), outermost first, without ones
// (an all-ones tensor keeps one, so there is always an innermost dimension), with neighbours
// that stay neighbours in the input merged: [1, 197, 3, 64] -> [0, 2, 1, 3] is 3
// x 197 runs of 64 floats, NCHW -> NHWC one (H W) x C gather. The innermost dimension goes in
// one go (a copied run or a strided gather); `outer` counts the rest.
struct PermutePlan {
  size_t dims = 0;
  int64_t size[kMaxRank] = {}, step[kMaxRank] = {};
  int64_t inner = 1, inner_step = 1, outer = 1;
  bool empty = false;
};

// The plan of transposing a tensor of shape `in_shape` by `perm`.
// REQUIRES: perm is a permutation of [0, in_shape.size()), in_shape.size() <= kMaxRank.
PermutePlan MakePermutePlan(const std::vector<int64_t>& in_shape, const std::vector<int64_t>& perm);

// Writes the output's runs [begin, end) of `p` (each `p.inner` floats).
void RunPermute(const PermutePlan& p, const float* in, float* out, int64_t begin, int64_t end);

// The whole transpose in one call.
void Permute(const float* in, const std::vector<int64_t>& in_shape,
             const std::vector<int64_t>& perm, float* out);

// Graph-order dims of an internal NHWC tensor: graph [N, C, H, W] = internal dims {0, 3, 1, 2}.
inline const std::vector<int64_t> kNhwcToNchw = {0, 3, 1, 2};
inline const std::vector<int64_t> kNchwToNhwc = {0, 2, 3, 1};

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_KERNELS_PERMUTE_H_
