// WinogradConv (runner/kernels/winograd.h) on its own: which mode it picks for ResNet's shapes, and
// that both modes, run phase by phase and task by task as the plan runs them, agree with a naive
// NHWC convolution. The plan-level tests (plan_test.cc) cover padding, edge tiles and fusion.
#include "runner/kernels/winograd.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace mbench::runner {
namespace {

DenseConvShape Same3x3(int64_t batch, int64_t hw, int64_t cin, int64_t cout) {
  DenseConvShape s;
  s.batch = batch;
  s.in_h = s.in_w = s.out_h = s.out_w = hw;
  s.in_c = cin;
  s.out_c = cout;
  s.kernel_h = s.kernel_w = 3;
  s.pad_top = s.pad_left = 1;
  return s;
}

std::vector<float> Uniform(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// Deep layers on small maps read their transformed weights once, in phases, on one thread and on
// two; shallow ones keep per-thread chunks in L2 on two threads (phases would send half of the
// transformed input across cores). The choices the comments in winograd.cc were measured for.
TEST(WinogradTest, PicksPhasesForDeepLayersAndChunksForShallowOnes) {
  if (!DenseConvAvailable()) GTEST_SKIP() << "no AVX-512F on this CPU";
  struct Want {
    int64_t hw, channels, slots;
    bool phased;
  };
  for (const Want& w : std::vector<Want>{{56, 64, 1, false},
                                         {56, 64, 2, false},
                                         {28, 128, 1, true},
                                         {28, 128, 2, false},
                                         {14, 256, 1, true},
                                         {14, 256, 2, true},
                                         {7, 256, 2, true}}) {
    const DenseConvShape s = Same3x3(1, w.hw, w.channels, w.channels);
    std::vector<float> weights(static_cast<size_t>(w.channels * 9 * w.channels), 0.0f);
    std::vector<float> input(static_cast<size_t>(w.hw * w.hw * w.channels), 0.0f);
    WinogradConv conv(s, weights.data(), nullptr, input.data(), nullptr, w.slots);
    EXPECT_EQ(conv.phased(), w.phased)
        << w.channels << " channels at " << w.hw << "x" << w.hw << ", " << w.slots << " slots";
    EXPECT_EQ(conv.phases(), w.phased ? 3 : 1);
  }
}

// Every task of every phase, run in reverse order within a phase (the order tasks run in must
// not matter), against a naive NHWC convolution with bias and a residual, clamped: two 10x10
// images with 40 -> 36 channels (3x3 tiles each, the last row and column partial; chunks) and
// one 8x8 image with 256 -> 40 (phases on two and three threads), on 1, 2 and 3 slots.
TEST(WinogradTest, BothModesMatchANaiveConvolutionWhateverTheTaskOrder) {
  if (!DenseConvAvailable()) GTEST_SKIP() << "no AVX-512F on this CPU";
  struct Case {
    int64_t batch, hw, cin, cout;
  };
  int runs_by_mode[2] = {0, 0};
  for (const Case& c : std::vector<Case>{{2, 10, 40, 36}, {1, 8, 256, 40}}) {
    const int64_t hw = c.hw, cin = c.cin, cout = c.cout, pixels = c.batch * hw * hw;
    DenseConvShape s = Same3x3(c.batch, hw, cin, cout);
    // Outputs spread about sigma = sqrt(9 cin / 9) (uniform [-1, 1] products); the range clips
    // only their tails, so the clamp is exercised without hiding the sums.
    const float sigma = std::sqrt(static_cast<float>(cin));
    s.out_min = -2.0f * sigma;
    s.out_max = 2.5f * sigma;
    const auto weights = Uniform(static_cast<size_t>(cout * 9 * cin), 1);
    const auto bias = Uniform(static_cast<size_t>(cout), 2);
    const auto input = Uniform(static_cast<size_t>(pixels * cin), 3);
    const auto residual = Uniform(static_cast<size_t>(pixels * cout), 4);
    for (int64_t slots : {1, 2, 3}) {
      WinogradConv conv(s, weights.data(), bias.data(), input.data(), residual.data(), slots);
      ++runs_by_mode[conv.phased() ? 1 : 0];
      std::vector<float> out(residual.size(), 0.0f);
      for (int64_t phase = 0; phase < conv.phases(); ++phase)
        for (int64_t task = conv.tasks(phase) - 1; task >= 0; --task)
          conv.Compute(phase, task, out.data());
      float worst = 0.0f;
      for (int64_t p = 0; p < pixels; ++p) {
        const int64_t b = p / (hw * hw), y = p / hw % hw, x = p % hw;
        for (int64_t oc = 0; oc < cout; ++oc) {
          double acc = bias[oc];
          for (int64_t ky = 0; ky < 3; ++ky)
            for (int64_t kx = 0; kx < 3; ++kx) {
              const int64_t iy = y + ky - 1, ix = x + kx - 1;
              if (iy < 0 || iy >= hw || ix < 0 || ix >= hw) continue;
              for (int64_t ic = 0; ic < cin; ++ic)
                acc += double{input[((b * hw + iy) * hw + ix) * cin + ic]} *
                       weights[((oc * 3 + ky) * 3 + kx) * cin + ic];
            }
          const size_t at = static_cast<size_t>(p * cout + oc);
          const float want =
              std::clamp(static_cast<float>(acc + residual[at]), s.out_min, s.out_max);
          worst = std::max(worst, std::abs(out[at] - want));
        }
      }
      // F(4x4, 3x3) keeps within ~1e-5 of the outputs' magnitude (~4 sigma).
      EXPECT_LE(worst, 3e-5f * 4.0f * sigma)
          << cin << " -> " << cout << ", " << slots << " slots, phased " << conv.phased();
    }
  }
  EXPECT_GT(runs_by_mode[0], 0) << "no case ran in chunks";
  EXPECT_GT(runs_by_mode[1], 0) << "no case ran in phases";
}

}  // namespace
}  // namespace mbench::runner
