// Anchoring: a model measured on one target predicts it on the others.
//
// A roofline fitted to other architectures misses a model it never saw by 10-30%, and mostly by
// the same factor on every device: the miss belongs to the model (how well a runtime's kernels
// suit its layers), not to the device. So once the model has been measured anywhere, the
// prediction for target t from a measurement on target a is
//
//     measured_a * predicted_t / predicted_a
//
// which keeps the model's own efficiency and lets the fit carry only the ratio between the two
// targets. How well that ratio carries over is known from the other models both targets
// measured: the spread of the difference of their held-out residuals (each profile stores its
// residuals per model, profiles::CalibrationRecord::cv_residuals). Several anchors combine by
// inverse variance; the interval is that of the most reliable anchor, since all anchors share
// the target's own miss and are not independent.
//
// On the published data (`mbench validate --anchored`: every measurement predicted from the
// other measurements of the same model, each architecture still held out of every fit) this
// took ncnn CPU fp32 from 22% to 12% mean error and the NPU fp16 targets from 78% to 16%.
#ifndef MBENCH_ESTIMATOR_ANCHOR_H_
#define MBENCH_ESTIMATOR_ANCHOR_H_

#include <string>
#include <utility>
#include <vector>

namespace mbench::estimator {

// Held-out log(predicted/measured) per model key, sorted by key.
using ModelResiduals = std::vector<std::pair<std::string, double>>;

// One measurement of the model being predicted, on another target.
struct AnchorPoint {
  std::string label;                          // "pixel4 cpu/tflite/fp32/4t (results.db run 12)"
  double measured_ms = 0.0;                   // what was measured there
  double predicted_ms = 0.0;                  // what the fit predicts there for the same model
  const ModelResiduals* residuals = nullptr;  // that target's held-out residuals
  std::string device_id, target_key;          // where it was measured (may be empty)
};

struct AnchoredPrediction {
  double ms = 0.0, low_ms = 0.0, high_ms = 0.0;
  int anchors = 0;        // how many measurements it rests on
  std::string best;       // the label of the most reliable one
  double log_sigma = 0;   // the spread the interval is built from
  int shared_models = 0;  // models the target and the best anchor both measured
};

// The spread, in log units, assumed for a pair of targets that share no measured model, and
// its weight in measurements: a pair's variance is (n s^2 + k sigma0^2) / (n + k). Chosen by
// `validate --anchored` on the published data (sigma0 0.2, 0.3, 0.5 and k 1, 3: 0.3 and 3 gave
// intervals covering 89% of held-out measurements; 0.2 covered 84%, 0.5 95% with wider
// intervals and larger errors).
inline constexpr double kAnchorPriorSigma = 0.3;
inline constexpr double kAnchorPriorWeight = 3.0;

// The anchored prediction for a target that predicts `predicted_ms` and has `residuals`, from
// `anchors` (those with non-positive times are skipped). `exclude_model`: a model key left out
// of the pair statistics (the model being predicted, when it is among the stored residuals).
// Returns anchors == 0 when no anchor could be used.
AnchoredPrediction Anchor(double predicted_ms, const ModelResiduals& residuals,
                          const std::vector<AnchorPoint>& anchors,
                          const std::string& exclude_model = "");

}  // namespace mbench::estimator

#endif  // MBENCH_ESTIMATOR_ANCHOR_H_
