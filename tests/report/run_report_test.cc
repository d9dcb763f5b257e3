// The warnings a run carries, on hand-made measurements.
#include "report/run_report.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace mbench::report {
namespace {

bool Mentions(const std::vector<std::string>& warnings, const std::string& text) {
  return std::any_of(warnings.begin(), warnings.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

std::vector<std::string> WarningsFor(const std::vector<double>& samples) {
  runner::Measurement m;
  m.latency = runner::ComputeStats(samples);
  m.drift = runner::Drift(samples);
  return RunWarnings(m, runner::CpuDescription{}, "fp32", false, "", 1);
}

TEST(RunWarningsTest, RunsThatDriftBeyondTheirSpreadAreWarned) {
  // A machine that slows down halfway: the last third is 20% slower than the first.
  const auto throttled = WarningsFor({10, 10.1, 9.9, 10, 10.5, 11.5, 12, 12.1, 11.9, 12, 12.1, 12});
  EXPECT_TRUE(Mentions(throttled, "the timed runs disagree: the last third's median is 20% slower"))
      << (throttled.empty() ? "" : throttled.back());
  // Noisy but steady runs are not.
  const auto noisy = WarningsFor({10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11});
  EXPECT_FALSE(Mentions(noisy, "timed runs disagree"));
  // Neither are a few runs, which cannot show a trend.
  EXPECT_FALSE(Mentions(WarningsFor({10, 12, 14, 16}), "timed runs disagree"));
}

}  // namespace
}  // namespace mbench::report
