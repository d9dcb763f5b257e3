#include "estimator/op_support.h"

#include <algorithm>
#include <set>

#include "analyzer/op_traits.h"

namespace mbench::estimator {
namespace {

using analyzer::OpKind;

constexpr RuntimeInfo kRuntimes[] = {
    {RuntimeApi::kTfliteCpu, "tflite_cpu", "TFLite CPU",
     "tensorflow/lite/core/kernels/register.cc builtin ops"},
    {RuntimeApi::kTfliteGpu, "tflite_gpu", "TFLite GPU delegate",
     "tensorflow.org/lite/performance/gpu: supported ops"},
    {RuntimeApi::kNnapi, "nnapi", "Android NNAPI",
     "developer.android.com/ndk/reference/group/neural-networks: operation codes (FL4)"},
    {RuntimeApi::kCoreMl, "coreml", "Core ML", "coremltools MIL ops reference (iOS 15 opset)"},
    {RuntimeApi::kHiai, "hiai", "Kirin NPU (HiAI DDK)",
     "Huawei HiAI DDK operator list for Kirin 970"},
    {RuntimeApi::kQnn, "qnn", "Qualcomm QNN (Hexagon NPU)",
     "Qualcomm AI Engine Direct HTP op support table"},
    {RuntimeApi::kNcnnCpu, "ncnn_cpu", "ncnn CPU", "ncnn src/layer list"},
    {RuntimeApi::kNcnnVulkan, "ncnn_vulkan", "ncnn Vulkan GPU", "ncnn src/layer/vulkan list"},
};

// Ops no runtime executes as such: unknown and custom ops (they need the app's own kernel).
bool Unknowable(OpKind k) { return k == OpKind::kUnknown || k == OpKind::kCustom; }

// Core CNN ops every accelerator runtime listed here runs.
bool CoreCnn(OpKind k) {
  switch (k) {
    case OpKind::kConv:
    case OpKind::kDepthwiseConv:
    case OpKind::kConvTranspose:
    case OpKind::kFullyConnected:
    case OpKind::kBatchNorm:
    case OpKind::kRelu:
    case OpKind::kClip:
    case OpKind::kSigmoid:
    case OpKind::kTanh:
    case OpKind::kPRelu:
    case OpKind::kLeakyRelu:
    case OpKind::kSoftmax:
    case OpKind::kMaxPool:
    case OpKind::kAveragePool:
    case OpKind::kGlobalAveragePool:
    case OpKind::kGlobalMaxPool:
    case OpKind::kAdd:
    case OpKind::kMul:
    case OpKind::kConcat:
    case OpKind::kPad:
    case OpKind::kResize: return true;
    default: return analyzer::IsView(k);
  }
}

bool TfliteGpu(OpKind k) {
  if (CoreCnn(k)) return true;
  switch (k) {
    case OpKind::kSub:
    case OpKind::kDiv:
    case OpKind::kMax:
    case OpKind::kMin:
    case OpKind::kHardSwish:
    case OpKind::kElu:
    case OpKind::kExp:
    case OpKind::kLog:
    case OpKind::kSqrt:
    case OpKind::kRsqrt:
    case OpKind::kSquare:
    case OpKind::kAbs:
    case OpKind::kNeg:
    case OpKind::kSin:
    case OpKind::kCos:
    case OpKind::kPow:
    case OpKind::kSquaredDifference:
    case OpKind::kReduceMean:
    case OpKind::kReduceSum:
    case OpKind::kReduceMax:
    case OpKind::kReduceMin:
    case OpKind::kReduceProd:
    case OpKind::kMean:
    case OpKind::kSlice:
    case OpKind::kSplit:
    case OpKind::kTranspose:
    case OpKind::kDepthToSpace:
    case OpKind::kSpaceToDepth:
    case OpKind::kMatMul:
    case OpKind::kLstm:
    case OpKind::kCast:
    case OpKind::kDequantize:
    case OpKind::kQuantize:
    case OpKind::kTile:
    case OpKind::kGreater:
    case OpKind::kGreaterOrEqual:
    case OpKind::kLess:
    case OpKind::kLessOrEqual:
    case OpKind::kEqual:
    case OpKind::kAnd:
    case OpKind::kShuffleChannel: return true;
    default: return false;
  }
}

bool Nnapi(OpKind k) {
  if (CoreCnn(k)) return true;
  switch (k) {
    case OpKind::kSub:
    case OpKind::kDiv:
    case OpKind::kMax:
    case OpKind::kMin:
    case OpKind::kHardSwish:
    case OpKind::kElu:
    case OpKind::kExp:
    case OpKind::kLog:
    case OpKind::kSqrt:
    case OpKind::kRsqrt:
    case OpKind::kAbs:
    case OpKind::kNeg:
    case OpKind::kSin:
    case OpKind::kPow:
    case OpKind::kLrn:
    case OpKind::kLpNormalization:
    case OpKind::kInstanceNorm:
    case OpKind::kReduceMean:
    case OpKind::kReduceSum:
    case OpKind::kReduceMax:
    case OpKind::kReduceMin:
    case OpKind::kReduceProd:
    case OpKind::kMean:
    case OpKind::kSlice:
    case OpKind::kSplit:
    case OpKind::kTranspose:
    case OpKind::kDepthToSpace:
    case OpKind::kSpaceToDepth:
    case OpKind::kGather:
    case OpKind::kLstm:
    case OpKind::kRnn:
    case OpKind::kCast:
    case OpKind::kDequantize:
    case OpKind::kQuantize:
    case OpKind::kTile:
    case OpKind::kArgMax:
    case OpKind::kArgMin:
    case OpKind::kTopK:
    case OpKind::kGreater:
    case OpKind::kGreaterOrEqual:
    case OpKind::kLess:
    case OpKind::kLessOrEqual:
    case OpKind::kEqual:
    case OpKind::kAnd:
    case OpKind::kOr:
    case OpKind::kNot:
    case OpKind::kWhere:
    case OpKind::kLogSoftmax:
    case OpKind::kRoiAlign:
    case OpKind::kMaxRoiPool:
    case OpKind::kExpand:
    case OpKind::kShuffleChannel:
    case OpKind::kHardSigmoid:
    case OpKind::kMatMul: return true;
    default: return false;
  }
}

bool Hiai(OpKind k) {
  if (CoreCnn(k)) return true;
  switch (k) {
    case OpKind::kSub:
    case OpKind::kMax:
    case OpKind::kElu:
    case OpKind::kLrn:
    case OpKind::kSlice:
    case OpKind::kSplit:
    case OpKind::kTranspose:
    case OpKind::kAbs:
    case OpKind::kExp:
    case OpKind::kLog:
    case OpKind::kSqrt:
    case OpKind::kReduceMean:
    case OpKind::kShuffleChannel:
    case OpKind::kInstanceNorm:
    case OpKind::kDepthToSpace: return true;
    default: return false;
  }
}

bool CoreMl(OpKind k) {
  if (Unknowable(k)) return false;
  switch (k) {
    case OpKind::kScan:
    case OpKind::kRandom:
    case OpKind::kMaxUnpool:
    case OpKind::kLpPool:
    case OpKind::kGlobalLpPool:
    case OpKind::kBitShift:
    case OpKind::kCompress:
    case OpKind::kDynamicQuantize: return false;
    default: return true;
  }
}

bool Qnn(OpKind k) {
  if (Unknowable(k)) return false;
  switch (k) {
    case OpKind::kIf:
    case OpKind::kLoop:
    case OpKind::kScan:
    case OpKind::kRandom:
    case OpKind::kMaxUnpool:
    case OpKind::kLpPool:
    case OpKind::kGlobalLpPool:
    case OpKind::kBitShift:
    case OpKind::kCompress:
    case OpKind::kNonZero: return false;
    default: return true;
  }
}

bool TfliteCpu(OpKind k) {
  if (Unknowable(k)) return false;
  switch (k) {
    // TFLite quantizes on the fly inside its hybrid kernels; it has no such op.
    case OpKind::kDynamicQuantize:
    case OpKind::kMaxUnpool:
    case OpKind::kLpPool:
    case OpKind::kGlobalLpPool:
    case OpKind::kBitShift:
    case OpKind::kScan:
    case OpKind::kCompress:
    case OpKind::kEyeLike: return false;
    default: return true;
  }
}

// ncnn has no control-flow layers (onnx2ncnn and pnnx unroll or refuse them) and no dynamic
// quantization (its int8 path is calibrated offline).
bool NcnnCpu(OpKind k) {
  if (Unknowable(k)) return false;
  switch (k) {
    case OpKind::kIf:
    case OpKind::kLoop:
    case OpKind::kScan:
    case OpKind::kDynamicQuantize: return false;
    default: return true;
  }
}

bool NcnnVulkan(OpKind k) {
  if (Unknowable(k)) return false;
  switch (k) {
    case OpKind::kDynamicQuantize:
    case OpKind::kIf:
    case OpKind::kLoop:
    case OpKind::kScan:
    case OpKind::kNonZero:
    case OpKind::kTopK:
    case OpKind::kNonMaxSuppression:
    case OpKind::kGather:
    case OpKind::kGatherElements:
    case OpKind::kGatherNd:
    case OpKind::kScatter:
    case OpKind::kScatterElements:
    case OpKind::kScatterNd:
    case OpKind::kRandom: return false;
    default: return true;
  }
}

}  // namespace

std::span<const RuntimeInfo> AllRuntimes() { return kRuntimes; }

const RuntimeInfo& GetRuntimeInfo(RuntimeApi api) {
  for (const auto& r : kRuntimes) {
    if (r.api == api) return r;
  }
  return kRuntimes[0];
}

bool Supports(RuntimeApi api, OpKind kind) {
  switch (api) {
    case RuntimeApi::kTfliteCpu: return TfliteCpu(kind);
    case RuntimeApi::kTfliteGpu: return TfliteGpu(kind);
    case RuntimeApi::kNnapi: return Nnapi(kind);
    case RuntimeApi::kCoreMl: return CoreMl(kind);
    case RuntimeApi::kHiai: return Hiai(kind);
    case RuntimeApi::kQnn: return Qnn(kind);
    case RuntimeApi::kNcnnCpu: return NcnnCpu(kind);
    case RuntimeApi::kNcnnVulkan: return NcnnVulkan(kind);
  }
  return false;
}

RuntimeApi ApiForTarget(const std::string& unit, const std::string& runtime) {
  if (runtime == "ncnn") return unit == "gpu" ? RuntimeApi::kNcnnVulkan : RuntimeApi::kNcnnCpu;
  if (runtime == "nnapi") return RuntimeApi::kNnapi;
  if (runtime == "qnn") return RuntimeApi::kQnn;
  if (runtime == "hiai") return RuntimeApi::kHiai;
  if (runtime == "coreml") return RuntimeApi::kCoreMl;
  if (runtime == "tflite") {
    if (unit == "gpu") return RuntimeApi::kTfliteGpu;
    if (unit == "npu") return RuntimeApi::kQnn;  // TFLite with the QNN delegate
  }
  return RuntimeApi::kTfliteCpu;  // tflite CPU and mbench's own XNNPACK runner
}

std::vector<std::string> UnsupportedOps(RuntimeApi api, const analyzer::Graph& graph) {
  std::set<std::string> out;
  for (const auto& n : graph.nodes) {
    // ONNX's integer convolution and matmul (what dynamic quantization exports) are ONNX
    // Runtime's own: counted as convolutions and matmuls, run by none of these runtimes.
    if (n.op_type == "ConvInteger" || n.op_type == "MatMulInteger") {
      out.insert(std::string(analyzer::OpKindName(n.kind)) + ":" + n.op_type);
      continue;
    }
    if (Supports(api, n.kind)) continue;
    // A layer of an ncnn .param that no op kind describes (Spectrogram) is ncnn's own.
    if ((api == RuntimeApi::kNcnnCpu || api == RuntimeApi::kNcnnVulkan) &&
        n.GetInt("ncnn_layer", 0) == 1) {
      continue;
    }
    if (Unknowable(n.kind)) {
      out.insert(std::string(analyzer::OpKindName(n.kind)) + ":" + n.op_type);
    } else {
      out.insert(analyzer::OpKindName(n.kind));
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace mbench::estimator
