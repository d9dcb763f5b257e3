// Scheduling pass: one step per unfolded layer (a no-op for a fused one), the form (fp32, fp16,
// int8) each step computes in, the conversions its reads need, and every stored form's lifetime.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/units.h"
#include "runner/passes/passes.h"

namespace mbench::runner {

Status ScheduleSteps(Plan::Impl* impl) {
  const Graph& graph = *impl->graph;
  const std::vector<char>& folded = impl->folded;
  const std::vector<int32_t>& fused_into = impl->fused_into;
  const bool half_plan = impl->options.precision == "fp16";
  const bool int8_plan = impl->options.precision == "int8";
  using Impl = Plan::Impl;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (folded[i]) continue;
    const Node& n = graph.nodes[i];
    Impl::Step st;
    st.info.layer = static_cast<int32_t>(i);
    st.info.name = n.name;
    st.info.kind = n.kind;
    const int step = static_cast<int>(impl->steps.size());
    if (fused_into[i] >= 0) {
      st.info.noop = true;
      st.info.fused_into = fused_into[i];
      impl->steps.push_back(std::move(st));
      continue;
    }
    std::vector<int32_t> outs = n.outputs;
    if (auto it = impl->redirect.find(static_cast<int32_t>(i)); it != impl->redirect.end()) {
      outs = {it->second};
    }
    if (impl->regions.count(static_cast<int32_t>(i)) == 0) {
      if (half_plan && impl->RunsHalf(n)) st.form = kF16;
      if (int8_plan && impl->RunsInt8(n)) st.form = kQ8;
    }
    for (int32_t t : outs) {
      if (t < 0) continue;
      const auto& info = graph.tensors[t];
      if (!info.has_shape ||
          std::any_of(info.shape.begin(), info.shape.end(), [](int64_t d) { return d < 0; })) {
        return Status::InvalidArgument("layer '" + n.name + "': output '" + info.name +
                                       "' has an unresolved shape; fix the inputs with "
                                       "--input-shape");
      }
      auto elems = analyzer::NumElements(info.shape);
      if (!elems || !CheckedMul(*elems, int64_t{4})) {
        return Status::InvalidArgument("layer '" + n.name + "': output too large");
      }
      auto& b = impl->bufs[t];
      b.home = st.form;
      Impl::First(b, st.form) = step;
      Impl::Last(b, st.form) = std::max(Impl::Last(b, st.form), step);
    }
    std::vector<int32_t> reads = n.inputs;
    if (auto it = impl->residual.find(static_cast<int32_t>(i)); it != impl->residual.end()) {
      reads.push_back(it->second);  // the fused Add's other operand
    }
    for (int32_t t : reads) {
      if (t < 0 || impl->bufs[t].constant) continue;
      auto& b = impl->bufs[t];
      Impl::Last(b, b.home) = std::max(Impl::Last(b, b.home), step);
      // QUANTIZE reads fp32; DEQUANTIZE reads int8 where its producer wrote int8, else fp32.
      const Form need = n.kind == OpKind::kQuantize     ? kF32
                        : n.kind == OpKind::kDequantize ? (b.home == kQ8 ? kQ8 : kF32)
                                                        : st.form;
      if (b.home == need) continue;
      // Another form: made by its first reader from the producer's.
      if (Impl::First(b, need) < 0) {
        Impl::First(b, need) = step;
        st.converts.emplace_back(t, need);
      }
      Impl::Last(b, need) = std::max(Impl::Last(b, need), step);
    }
    st.info.fp16 = st.half();
    st.info.int8 = st.int8();
    st.info.conversions = static_cast<int32_t>(st.converts.size());
    impl->steps.push_back(std::move(st));
  }
  const int num_steps = static_cast<int>(impl->steps.size());
  for (int32_t t : graph.inputs) {
    auto& b = impl->bufs[t];
    if (Product(b.gshape) <= 0 ||
        std::any_of(b.gshape.begin(), b.gshape.end(), [](int64_t d) { return d < 0; })) {
      return Status::InvalidArgument("input '" + graph.tensors[t].name +
                                     "' has an unresolved shape; set it with --input-shape");
    }
    // Inputs are written once and read by every run: nothing may reuse their memory.
    b.first = -1;
    b.last = num_steps;
  }
  for (int32_t t : graph.outputs) Impl::Last(impl->bufs[t], impl->bufs[t].home) = num_steps;
  return Status::Ok();
}

}  // namespace mbench::runner
