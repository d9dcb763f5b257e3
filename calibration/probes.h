// The calibration probe set: one-kernel models at the shapes mobile networks use (dense,
// grouped, depthwise and pointwise convolutions, fully connected and token-wise linear layers,
// attention's matmuls, softmax and layer norms, pooling, element-wise ops, data movement,
// transposed convolutions, resizes), each a few lines of GraphBuilder. `calibrate` times each
// on the device being calibrated, and the fit learns per-kernel-class rates from them.
// Deterministic; thread-safe.
#ifndef MBENCH_CALIBRATION_PROBES_H_
#define MBENCH_CALIBRATION_PROBES_H_

#include <functional>
#include <string>
#include <vector>

#include "analyzer/graph_builder.h"
#include "core/status_or.h"

namespace mbench::calibration {

struct Probe {
  std::string name;  // unique, e.g. "dw3x3_s1_56_144"
  std::function<analyzer::TensorId(analyzer::GraphBuilder&)> build;  // returns the output
};

// Every probe, each shape once, in a fixed order.
std::vector<Probe> Probes();

// Where `calibrate` writes the probes and `refine` reads them again: $XDG_CACHE_HOME/mbench/probes,
// else ~/.cache/mbench/probes, else ./mbench-probes.
std::string DefaultProbeDir();

// Writes every probe as ONNX into `dir` (created if absent; deterministic weights, so the files
// and their sha256 are the same on every run) and returns their paths. kIOError when `dir`
// cannot be created or a file cannot be written.
StatusOr<std::vector<std::string>> WriteProbes(const std::string& dir);

}  // namespace mbench::calibration

#endif  // MBENCH_CALIBRATION_PROBES_H_
