#include "estimator/anchor.h"

#include <cmath>
#include <limits>

namespace mbench::estimator {
namespace {

// The 90% two-sided normal quantile.
constexpr double kZ90 = 1.6449;

// Variance of (residual on a) - (residual on b) over the models both measured, shrunk toward
// the prior; `shared` receives how many models that was.
double PairVariance(const ModelResiduals& a, const ModelResiduals& b, const std::string& exclude,
                    int* shared) {
  double ss = 0.0;
  int n = 0;
  // Both sorted by key: one merge pass.
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (i->first < j->first) {
      ++i;
    } else if (j->first < i->first) {
      ++j;
    } else {
      if (i->first != exclude) {
        const double d = i->second - j->second;
        ss += d * d;
        ++n;
      }
      ++i;
      ++j;
    }
  }
  *shared = n;
  return (ss + kAnchorPriorWeight * kAnchorPriorSigma * kAnchorPriorSigma) /
         (n + kAnchorPriorWeight);
}

}  // namespace

AnchoredPrediction Anchor(double predicted_ms, const ModelResiduals& residuals,
                          const std::vector<AnchorPoint>& anchors,
                          const std::string& exclude_model) {
  AnchoredPrediction out;
  if (!(predicted_ms > 0.0)) return out;
  static const ModelResiduals kNone;
  double sum = 0.0, weight = 0.0;
  double best_variance = std::numeric_limits<double>::infinity();
  for (const AnchorPoint& a : anchors) {
    if (!(a.measured_ms > 0.0) || !(a.predicted_ms > 0.0)) continue;
    int shared = 0;
    const double v =
        PairVariance(residuals, a.residuals ? *a.residuals : kNone, exclude_model, &shared);
    const double estimate = std::log(a.measured_ms) + std::log(predicted_ms / a.predicted_ms);
    sum += estimate / v;
    weight += 1.0 / v;
    ++out.anchors;
    if (v < best_variance) {
      best_variance = v;
      out.best = a.label;
      out.shared_models = shared;
    }
  }
  if (out.anchors == 0) return out;
  out.ms = std::exp(sum / weight);
  out.log_sigma = std::sqrt(best_variance);
  const double h = kZ90 * out.log_sigma;
  out.low_ms = out.ms * std::exp(-h);
  out.high_ms = out.ms * std::exp(h);
  return out;
}

}  // namespace mbench::estimator
