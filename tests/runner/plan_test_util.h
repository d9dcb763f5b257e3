// Helpers of the runner's tests: seeded inputs, tolerant comparisons, one-call plan runs and the
// naive references (fully connected, NCHW convolution) the kernels are checked against.
#ifndef MBENCH_TESTS_RUNNER_PLAN_TEST_UTIL_H_
#define MBENCH_TESTS_RUNNER_PLAN_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "analyzer/graph.h"
#include "runner/plan.h"

namespace mbench::runner {

using analyzer::Graph;
using analyzer::Shape;

inline std::vector<float> Random(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(rng);
  return v;
}

inline int64_t Count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

inline void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, float tol,
                       const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0f + std::abs(want[i]))) << what << " at " << i;
  }
}

// Runs a one-input graph on `input` and returns output 0 (model layout).
inline std::vector<float> RunGraph(const Graph& g, const std::vector<float>& input, int threads = 1,
                                   std::unique_ptr<Plan>* keep = nullptr) {
  PlanOptions o;
  o.threads = threads;
  o.serial_below_us = 0;  // the test graphs are small: share every layer out all the same
  auto plan = Plan::Compile(g, o);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return {};
  EXPECT_TRUE((*plan)->SetInput(0, input).ok());
  EXPECT_TRUE((*plan)->Run().ok());
  auto out = (*plan)->Output(0);
  if (keep != nullptr) *keep = std::move(*plan);
  return out;
}

// Fully connected with weights [N, K] (row per output) and one bias per output.
inline std::vector<float> NaiveFc(const std::vector<float>& w, const std::vector<float>& bias,
                                  const std::vector<float>& x) {
  const size_t k = x.size(), n = bias.size();
  std::vector<float> y(n);
  for (size_t o = 0; o < n; ++o) {
    double acc = bias[o];
    for (size_t i = 0; i < k; ++i) acc += w[o * k + i] * x[i];
    y[o] = static_cast<float>(acc);
  }
  return y;
}

struct ConvCase {
  int64_t cin, cout, h, w, k, stride, pad, groups, dilation;
  bool bias;
};

// Naive NCHW convolution with ONNX semantics.
inline std::vector<float> NaiveConv(const std::vector<float>& x, const std::vector<float>& wt,
                                    const std::vector<float>* b, const ConvCase& c, int64_t oh,
                                    int64_t ow) {
  std::vector<float> y(static_cast<size_t>(c.cout * oh * ow), 0.0f);
  const int64_t gi = c.cin / c.groups, go = c.cout / c.groups;
  for (int64_t oc = 0; oc < c.cout; ++oc) {
    int64_t g = oc / go;
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        double acc = b ? (*b)[oc] : 0.0;
        for (int64_t i = 0; i < gi; ++i)
          for (int64_t ky = 0; ky < c.k; ++ky)
            for (int64_t kx = 0; kx < c.k; ++kx) {
              int64_t iy = oy * c.stride - c.pad + ky * c.dilation;
              int64_t ix = ox * c.stride - c.pad + kx * c.dilation;
              if (iy < 0 || ix < 0 || iy >= c.h || ix >= c.w) continue;
              acc += x[((g * gi + i) * c.h + iy) * c.w + ix] *
                     wt[((oc * gi + i) * c.k + ky) * c.k + kx];
            }
        y[(oc * oh + oy) * ow + ox] = static_cast<float>(acc);
      }
  }
  return y;
}

// Relative to the largest magnitude of `want`: fp16 keeps 11 significant bits, and a deep
// network accumulates that rounding, so outputs are compared as a whole, not element by element.
inline float MaxRelativeError(const std::vector<float>& got, const std::vector<float>& want) {
  float worst = 0.0f, scale = 1e-6f;
  for (size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::abs(got[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return worst / scale;
}

// An fp16 plan, or a skip when this CPU has no fp16 kernels (the refusal is the tested path).
inline std::unique_ptr<Plan> Fp16Plan(const Graph& g) {
  PlanOptions o;
  o.precision = "fp16";
  auto plan = Plan::Compile(g, o);
  if (!plan.ok()) {
    EXPECT_EQ(plan.status().code(), StatusCode::kUnsupported) << plan.status().ToString();
    EXPECT_NE(plan.status().message().find("fp16 kernels"), std::string::npos);
    return nullptr;
  }
  return std::move(*plan);
}

// Little-endian words of an ncnn .bin.
inline void AppendU32(std::string* bin, uint32_t v) {
  for (int i = 0; i < 4; ++i) bin->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void AppendF32(std::string* bin, float f) {
  uint32_t v;
  std::memcpy(&v, &f, 4);
  AppendU32(bin, v);
}

}  // namespace mbench::runner

#endif  // MBENCH_TESTS_RUNNER_PLAN_TEST_UTIL_H_
