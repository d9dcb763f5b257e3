#include "runner/kernels/permute.h"

#include <algorithm>
#include <cstring>

namespace mbench::runner {

PermutePlan MakePermutePlan(const std::vector<int64_t>& in_shape,
                            const std::vector<int64_t>& perm) {
  PermutePlan p;
  const size_t r = std::min(in_shape.size(), kMaxRank);
  int64_t in_strides[kMaxRank];
  int64_t stride = 1;
  for (size_t i = r; i-- > 0;) {
    in_strides[i] = stride;
    stride *= in_shape[i];
  }
  p.empty = stride == 0;
  for (size_t i = 0; i < r; ++i) {
    const int64_t n = in_shape[perm[i]], s = in_strides[perm[i]];
    if (n == 1) continue;
    if (p.dims > 0 && p.step[p.dims - 1] == n * s) {
      p.size[p.dims - 1] *= n;
      p.step[p.dims - 1] = s;
      continue;
    }
    p.size[p.dims] = n;
    p.step[p.dims] = s;
    ++p.dims;
  }
  if (p.dims == 0) {
    p.size[0] = p.step[0] = 1;
    p.dims = 1;
  }
  p.inner = p.size[p.dims - 1];
  p.inner_step = p.step[p.dims - 1];
  for (size_t i = 0; i + 1 < p.dims; ++i) p.outer *= p.size[i];
  return p;
}

void RunPermute(const PermutePlan& p, const float* in, float* out, int64_t begin, int64_t end) {
  if (p.empty) return;
  // The input offset of run `begin`: its index in each outer dimension, innermost last.
  int64_t idx[kMaxRank] = {};
  int64_t off = 0;
  for (int64_t rest = begin, k = static_cast<int64_t>(p.dims) - 2; k >= 0; --k) {
    idx[k] = rest % p.size[k];
    rest /= p.size[k];
    off += idx[k] * p.step[k];
  }
  for (int64_t o = begin; o < end; ++o) {
    float* dst = out + o * p.inner;
    if (p.inner_step == 1) {
      std::memcpy(dst, in + off, static_cast<size_t>(p.inner) * sizeof(float));
    } else {
      const float* src = in + off;
      for (int64_t j = 0; j < p.inner; ++j) dst[j] = src[j * p.inner_step];
    }
    for (size_t k = p.dims - 1; k-- > 0;) {
      off += p.step[k];
      if (++idx[k] < p.size[k]) break;
      off -= p.size[k] * p.step[k];
      idx[k] = 0;
    }
  }
}

void Permute(const float* in, const std::vector<int64_t>& in_shape,
             const std::vector<int64_t>& perm, float* out) {
  const PermutePlan p = MakePermutePlan(in_shape, perm);
  RunPermute(p, in, out, 0, p.outer);
}

}  // namespace mbench::runner
