// The built-in zoo: standard mobile architectures written as code from their papers (and, where
// torchvision has them, matching torchvision's layer structure exactly), so that `zoo:NAME` works
// wherever a model file does, with no download. Each builds an ordinary Graph with shapes only
// (no weight values). Pure functions; thread-safe.
#ifndef MBENCH_ANALYZER_ZOO_H_
#define MBENCH_ANALYZER_ZOO_H_

#include <span>
#include <string>

#include "analyzer/graph.h"
#include "core/status_or.h"

namespace mbench::analyzer {

struct ZooOptions {
  double width = 1.0;       // width (channel) multiplier, where the architecture has one
  int64_t resolution = 0;   // input height = width in pixels; 0: the architecture's default
  bool fold_bn = false;     // deployment form: BatchNorm folded into the preceding conv
  Status Validate() const;  // kInvalidArgument for width <= 0 or > 4, resolution < 32 or > 4096
};

struct ZooEntry {
  const char* name;         // e.g. "mobilenet_v2"
  const char* description;  // one line, with the paper
  int64_t default_resolution;
  bool has_width;  // accepts --width
  StatusOr<Graph> (*build)(const ZooOptions&);
};

// Every zoo architecture, in a stable order.
std::span<const ZooEntry> ZooEntries();

// Builds zoo model `name` ("mobilenet_v2" or "zoo:mobilenet_v2"). Returns kNotFound naming the
// closest names for an unknown model, kInvalidArgument for bad options (--width on a model
// without a width multiplier, a resolution too small for the architecture's downsampling).
StatusOr<Graph> BuildZooModel(const std::string& name, const ZooOptions& options);

// True for "zoo:..." model references.
bool IsZooReference(const std::string& path);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_ZOO_H_
