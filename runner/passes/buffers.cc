// Buffers pass: one Buf per tensor with its model shape, whether it is constant, and the 8-bit
// grid of a quantized activation.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runner/passes/passes.h"

namespace mbench::runner {

Status MakeBuffers(Plan::Impl* impl) {
  const Graph& graph = *impl->graph;
  const std::vector<char>& folded = impl->folded;
  const bool int8_plan = impl->options.precision == "int8";
  using Impl = Plan::Impl;
  impl->bufs.resize(graph.tensors.size());
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const auto& info = graph.tensors[t];
    auto& b = impl->bufs[t];
    b.constant =
        info.is_constant || (info.has_values && info.producer >= 0 && folded[info.producer]);
    b.gshape = info.shape;
    if (!b.constant &&
        (info.dtype == analyzer::DType::kInt8 || info.dtype == analyzer::DType::kUInt8) &&
        info.quant_scales.size() == 1 && info.quant_scales[0] > 0 &&
        std::isfinite(info.quant_scales[0])) {
      b.quantized = true;
      b.unsigned8 = info.dtype == analyzer::DType::kUInt8;
      b.scale = static_cast<float>(info.quant_scales[0]);
      const int64_t zp = info.quant_zero_points.empty() ? 0 : info.quant_zero_points[0];
      b.zero_point = static_cast<int32_t>(zp);
      // A zero point off the type's grid (a damaged file) is not an 8-bit tensor to run.
      if (zp < (b.unsigned8 ? 0 : -128) || zp > (b.unsigned8 ? 255 : 127)) b.quantized = false;
    }
  }
  if (int8_plan && std::none_of(impl->bufs.begin(), impl->bufs.end(),
                                [](const Impl::Buf& b) { return b.quantized; })) {
    return Status::Unsupported(
        "precision int8 runs 8-bit quantized models (TFLite int8 or uint8 "
        "tensors with their scales); this model has none: use fp32 or fp16");
  }
  return Status::Ok();
}

}  // namespace mbench::runner
