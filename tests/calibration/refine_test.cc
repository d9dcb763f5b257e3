// When a refit replaces the profile it was made from, and what its calibration row records.
#include "calibration/refine.h"

#include "calibration/calibrate.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mbench::calibration {
namespace {

RefineOutcome Outcome(int base_n, double base_mape, double refit_mape) {
  RefineOutcome r;
  r.base_new.n = base_n;
  r.base_new.mape_pct = base_mape;
  r.refit_new.n = base_n;
  r.refit_new.mape_pct = refit_mape;
  return r;
}

TEST(RefineTest, ARefitReplacesTheBaseOnlyWhenItPredictsNewModelsAtLeastAsWell) {
  EXPECT_TRUE(RefitImproves(Outcome(5, 20.0, 10.0)));
  EXPECT_TRUE(RefitImproves(Outcome(5, 10.0, 10.0)));
  EXPECT_FALSE(RefitImproves(Outcome(5, 10.0, 10.5)));
}

// A calibration stored 2-thread rates that cross-validated at 210% and made them active; a
// target that bad, or a host too noisy to measure, now keeps the calibration from being stored.
TEST(CalibrateTest, ABadFitOrANoisyHostIsNotMadeActive) {
  RefineOutcome r;
  profiles::Target one, two;
  one.compute_unit = two.compute_unit = "cpu";
  one.runtime = two.runtime = "mbench";
  one.precision = two.precision = "fp32";
  one.threads = 1;
  two.threads = 2;
  one.calibration.cv_points = two.calibration.cv_points = 4;
  one.calibration.cv_mape_pct = 9.0;
  two.calibration.cv_mape_pct = 210.0;
  r.profile.targets = {one, two};
  auto problems = CalibrationProblems(r, 0, 40);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("cpu/mbench/fp32/2t cross-validates at 210% MAPE"), std::string::npos)
      << problems[0];
  // Two held-out points are too few to judge a target by.
  r.profile.targets[1].calibration.cv_points = 2;
  EXPECT_TRUE(CalibrationProblems(r, 10, 40).empty());
  // Over a quarter of the measurements still noisy after measuring them again.
  problems = CalibrationProblems(r, 11, 40);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("11 of 40 measurements stayed noisy"), std::string::npos);
}

TEST(RefineTest, WithNothingOutOfSampleTheRefitIsKept) {
  EXPECT_TRUE(RefitImproves(Outcome(0, 0.0, 50.0)));
}

TEST(RefineTest, TheCalibrationRowRecordsDataErrorAndResidual) {
  RefineOutcome r;
  r.profile.id = "host-x";
  r.whole_points = 3;
  r.layer_points = 40;
  r.data_description = "results.db (runs of host-x)";
  r.refit_cv.n = 3;
  r.refit_cv.mape_pct = 7.5;
  r.refit_rows = {{0, "host-x", "cpu/mbench/fp32/1t", 10.0, 11.0, 9.0, 13.0},
                  {1, "host-x", "cpu/mbench/fp32/1t", 20.0, 18.0, 15.0, 22.0}};
  const db::CalibrationRow row = CalibrationRowOf("host-x", r);
  EXPECT_EQ(row.device_id, "host-x");
  EXPECT_EQ(row.points, 43);
  EXPECT_EQ(row.cv_points, 3);
  EXPECT_DOUBLE_EQ(row.cv_mape_pct, 7.5);
  EXPECT_NE(row.data.find("3 end-to-end, 40 per-kernel"), std::string::npos) << row.data;
  const double expected = std::sqrt((std::pow(std::log(1.1), 2) + std::pow(std::log(0.9), 2)) / 2);
  EXPECT_NEAR(row.rms_log_residual, expected, 1e-12);
  EXPECT_NE(row.profile_json.find("host-x"), std::string::npos);
}

TEST(RefineTest, WithoutCrossValidationTheErrorIsRecordedAsUnknown) {
  RefineOutcome r;
  const db::CalibrationRow row = CalibrationRowOf("d", r);
  EXPECT_EQ(row.cv_mape_pct, -1);
  EXPECT_EQ(row.rms_log_residual, 0);
}

}  // namespace
}  // namespace mbench::calibration
