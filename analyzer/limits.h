// What a model file may ask of mbench, checked before any work or allocation that depends on
// it. Each limit is far above any real mobile model and far below what would exhaust a machine;
// docs/limits.md lists them with their reasons. Constants; thread-safe.
#ifndef MBENCH_ANALYZER_LIMITS_H_
#define MBENCH_ANALYZER_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace mbench::analyzer {

// Protobuf and flatbuffers address at most 2 GiB; larger ONNX weights go in external data.
inline constexpr int64_t kMaxOnnxFileBytes = int64_t{2} << 30;
inline constexpr int64_t kMaxTfliteFileBytes = int64_t{2} << 30;
// An ncnn .param is text of a few hundred KiB even for an LLM; its weights are in the .bin.
inline constexpr int64_t kMaxNcnnParamBytes = int64_t{64} << 20;
// Layers (nodes, operators) and tensors of one graph.
inline constexpr int64_t kMaxLayers = 200'000;
inline constexpr int64_t kMaxTensors = 1'000'000;
// Elements of one tensor (2^34: 64 GiB in fp32, 10x the largest LLM embedding).
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 34;
// Bytes of a tensor, node or graph name.
inline constexpr size_t kMaxNameBytes = 4096;

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_LIMITS_H_
