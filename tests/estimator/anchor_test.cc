// Anchoring a prediction on measurements of the same model elsewhere (estimator/anchor.h).
#include "estimator/anchor.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mbench::estimator {
namespace {

// Residuals of five shared models; `shift` moves every one (a target the roofline misses by the
// same factor everywhere), `noise` alternates sign per model.
ModelResiduals Residuals(double shift, double noise) {
  ModelResiduals r;
  for (int i = 0; i < 5; ++i) {
    r.emplace_back("model" + std::to_string(i), shift + (i % 2 ? noise : -noise));
  }
  return r;
}

AnchorPoint At(const std::string& label, double measured_ms, double predicted_ms,
               const ModelResiduals* residuals) {
  AnchorPoint a;
  a.label = label;
  a.measured_ms = measured_ms;
  a.predicted_ms = predicted_ms;
  a.residuals = residuals;
  return a;
}

TEST(AnchorTest, OneAnchorScalesItsMeasurementByThePredictedRatio) {
  const ModelResiduals target = Residuals(0.1, 0.0), other = Residuals(-0.2, 0.0);
  const AnchoredPrediction p = Anchor(10.0, target, {At("a", 30.0, 20.0, &other)});
  ASSERT_EQ(p.anchors, 1);
  EXPECT_NEAR(p.ms, 15.0, 1e-9);  // 30 measured x (10 / 20) predicted
  EXPECT_EQ(p.best, "a");
  EXPECT_EQ(p.shared_models, 5);
  // The two targets' residuals differ by a constant 0.3 on every shared model: the pair's
  // variance is (5 * 0.09 + 3 * 0.3^2) / 8 = 0.09, and the interval +-1.645 sigma around it.
  EXPECT_NEAR(p.log_sigma, 0.3, 1e-9);
  EXPECT_NEAR(p.low_ms, 15.0 * std::exp(-1.6449 * 0.3), 1e-6);
  EXPECT_NEAR(p.high_ms, 15.0 * std::exp(1.6449 * 0.3), 1e-6);
}

TEST(AnchorTest, APairThatTracksEachOtherGivesANarrowInterval) {
  const ModelResiduals target = Residuals(0.0, 0.05), twin = Residuals(0.0, 0.05);
  const AnchoredPrediction p = Anchor(10.0, target, {At("twin", 12.0, 10.0, &twin)});
  // Identical residuals: only the prior's 3 pseudo-measurements keep sigma above 0.
  EXPECT_NEAR(p.log_sigma, std::sqrt(3 * 0.09 / 8), 1e-9);
  EXPECT_NEAR(p.ms, 12.0, 1e-9);
}

TEST(AnchorTest, ReliableAnchorsOutweighUnreliableOnes) {
  const ModelResiduals target = Residuals(0.0, 0.0);
  const ModelResiduals close = Residuals(0.0, 0.02), far = Residuals(0.0, 0.6);
  // The close anchor says 20 ms, the far one 40 ms.
  const AnchoredPrediction p =
      Anchor(10.0, target, {At("far", 40.0, 10.0, &far), At("close", 20.0, 10.0, &close)});
  ASSERT_EQ(p.anchors, 2);
  EXPECT_EQ(p.best, "close");
  EXPECT_GT(p.ms, 20.0);
  EXPECT_LT(p.ms, 25.0);
}

TEST(AnchorTest, TheModelBeingPredictedIsLeftOutOfThePairStatistics) {
  ModelResiduals target = Residuals(0.0, 0.0), other = Residuals(0.0, 0.0);
  target.emplace_back("zz-self", 1.0);
  other.emplace_back("zz-self", -1.0);
  const AnchoredPrediction with = Anchor(10.0, target, {At("a", 10.0, 10.0, &other)});
  const AnchoredPrediction without = Anchor(10.0, target, {At("a", 10.0, 10.0, &other)}, "zz-self");
  EXPECT_EQ(with.shared_models, 6);
  EXPECT_EQ(without.shared_models, 5);
  EXPECT_GT(with.log_sigma, without.log_sigma);
}

TEST(AnchorTest, NoUsableAnchorLeavesThePredictionAlone) {
  const ModelResiduals none;
  EXPECT_EQ(Anchor(10.0, none, {}).anchors, 0);
  EXPECT_EQ(Anchor(10.0, none, {At("zero", 0.0, 10.0, nullptr)}).anchors, 0);
  EXPECT_EQ(Anchor(10.0, none, {At("nan", std::nan(""), 10.0, nullptr)}).anchors, 0);
  // A target pair without shared models falls back to the prior spread.
  const AnchoredPrediction p = Anchor(10.0, none, {At("a", 5.0, 10.0, nullptr)});
  EXPECT_EQ(p.anchors, 1);
  EXPECT_NEAR(p.log_sigma, kAnchorPriorSigma, 1e-12);
  EXPECT_NEAR(p.ms, 5.0, 1e-12);
}

}  // namespace
}  // namespace mbench::estimator
