// Which op kinds each mobile runtime can run on its compute unit: the runtime-compatibility part
// of `mbench grade`, and the estimator's fallback decision (an op the unit cannot run goes to the
// CPU). The lists follow each runtime's published operator documentation, named per entry in
// op_support.cc; they describe op kinds, not every attribute combination a runtime rejects.
#ifndef MBENCH_ESTIMATOR_OP_SUPPORT_H_
#define MBENCH_ESTIMATOR_OP_SUPPORT_H_

#include <span>
#include <string>
#include <vector>

#include "analyzer/graph.h"

namespace mbench::estimator {

enum class RuntimeApi {
  kTfliteCpu,   // TensorFlow Lite builtin kernels (XNNPACK delegate)
  kTfliteGpu,   // TFLite GPU delegate (OpenCL/OpenGL on Android, Metal on iOS)
  kNnapi,       // Android NNAPI (feature level 4, Android 11)
  kCoreMl,      // Core ML (ML Program, iOS 15+)
  kHiai,        // Huawei HiAI DDK on the Kirin NPU
  kQnn,         // Qualcomm QNN HTP (Hexagon NPU), also behind TFLite's QNN delegate
  kNcnnCpu,     // ncnn CPU
  kNcnnVulkan,  // ncnn Vulkan GPU
};

struct RuntimeInfo {
  RuntimeApi api;
  const char* id;      // "tflite_gpu"
  const char* name;    // "TFLite GPU delegate"
  const char* source;  // where the op list comes from
};

// Every runtime, in report order.
std::span<const RuntimeInfo> AllRuntimes();
const RuntimeInfo& GetRuntimeInfo(RuntimeApi api);

bool Supports(RuntimeApi api, analyzer::OpKind kind);

// The runtime API a profile target runs through ("gpu" + "tflite" -> kTfliteGpu).
RuntimeApi ApiForTarget(const std::string& compute_unit, const std::string& runtime);

// Distinct unsupported ops of `graph` on `api`, sorted: op kind names, with the file's op type
// for custom and unknown ops ("custom:Convolution2DTransposeBias").
std::vector<std::string> UnsupportedOps(RuntimeApi api, const analyzer::Graph& graph);

}  // namespace mbench::estimator

#endif  // MBENCH_ESTIMATOR_OP_SUPPORT_H_
