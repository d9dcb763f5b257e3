// Split, Gather (constant indices) and Slice (unit steps): copies of contiguous runs.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/kernels/permute.h"
#include "runner/plan_impl.h"

namespace mbench::runner {

// Split, Gather (constant indices) and Slice (unit steps): copies of contiguous runs along one
// axis, described as (source offset along the axis, length) per output.
Status Plan::Impl::Select(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const size_t r = x.gshape.size();
  auto internal_axis = [&](int64_t graph_axis) {
    return x.nhwc ? kNhwcToNchw[graph_axis] : graph_axis;
  };
  struct Copy {
    float* out;
    int64_t axis, outer, inner, in_len;
    std::vector<std::pair<int64_t, int64_t>> runs;  // (start, length) along the axis
  };
  std::vector<Copy> copies;
  auto make = [&](int32_t out_t, int64_t graph_axis) {
    Copy c;
    c.out = bufs[out_t].data;
    c.axis = internal_axis(graph_axis);
    c.outer = 1;
    c.inner = 1;
    for (int64_t i = 0; i < c.axis; ++i) c.outer *= x.ishape[i];
    for (size_t i = c.axis + 1; i < r; ++i) c.inner *= x.ishape[i];
    c.in_len = x.ishape[c.axis];
    return c;
  };
  if (n.kind == OpKind::kSplit) {
    int64_t axis = NormAxis(n.GetInt("axis", 0), r);
    int64_t at = 0;
    for (int32_t t : n.outputs) {
      if (t < 0) continue;
      if (bufs[t].nhwc != x.nhwc)
        return Status::Unsupported("layer '" + n.name + "': split changes rank");
      Copy c = make(t, axis);
      int64_t len = bufs[t].gshape[axis];
      c.runs.push_back({at, len});
      at += len;
      copies.push_back(std::move(c));
    }
  } else if (n.kind == OpKind::kGather) {
    int64_t axis = NormAxis(n.GetInt("axis", 0), r);
    const auto& idx = graph->tensors[n.inputs[1]];
    if (!idx.has_values || idx.int_values.empty() || bufs[n.outputs[0]].nhwc != x.nhwc) {
      return Status::Unsupported("layer '" + n.name +
                                 "': gather with indices known only at run time");
    }
    Copy c = make(n.outputs[0], axis);
    for (int64_t i : idx.int_values) {
      int64_t k = i < 0 ? i + x.gshape[axis] : i;
      if (k < 0 || k >= x.gshape[axis])
        return Status::InvalidArgument("layer '" + n.name + "': index out of range");
      c.runs.push_back({k, 1});
    }
    copies.push_back(std::move(c));
  } else {
    const Buf& y = bufs[n.outputs[0]];
    if (y.nhwc != x.nhwc) return Status::Unsupported("layer '" + n.name + "': slice changes rank");
    // The one axis whose size changes; the start from the node's attributes or inputs.
    int64_t axis = -1;
    for (size_t i = 0; i < r; ++i) {
      if (x.gshape[i] != y.gshape[i]) {
        if (axis >= 0)
          return Status::Unsupported("layer '" + n.name + "': slice over several axes");
        axis = static_cast<int64_t>(i);
      }
    }
    if (axis < 0) {
      const size_t bytes = static_cast<size_t>(Product(y.ishape)) * sizeof(float);
      const float* in = x.data;
      float* out = y.data;
      st.plain = [in, out, bytes] { std::memmove(out, in, bytes); };
      return Status::Ok();
    }
    std::vector<int64_t> starts = n.GetInts("starts"), axes = n.GetInts("axes"),
                         step_sizes = n.GetInts("steps");
    auto from_input = [&](size_t slot) -> std::vector<int64_t> {
      if (slot < n.inputs.size() && n.inputs[slot] >= 0 &&
          graph->tensors[n.inputs[slot]].has_values) {
        return graph->tensors[n.inputs[slot]].int_values;
      }
      return {};
    };
    if (starts.empty()) starts = from_input(1);
    if (axes.empty()) axes = from_input(3);
    if (step_sizes.empty()) step_sizes = from_input(4);
    int64_t start = -1;
    for (size_t i = 0; i < starts.size(); ++i) {
      int64_t a = axes.empty() ? static_cast<int64_t>(i) : NormAxis(axes[i], r);
      if (a == axis) start = starts[i];
      if (i < step_sizes.size() && step_sizes[i] != 1)
        return Status::Unsupported("layer '" + n.name + "': slice step != 1");
    }
    if (start == -1 && starts.empty())
      return Status::Unsupported("layer '" + n.name + "': slice bounds unknown");
    if (start < 0) start += x.gshape[axis];
    start = std::clamp<int64_t>(start, 0, x.gshape[axis] - y.gshape[axis]);
    Copy c = make(n.outputs[0], axis);
    c.runs.push_back({start, y.gshape[axis]});
    copies.push_back(std::move(c));
  }
  const float* in = x.data;
  st.plain = [in, copies] {
    for (const Copy& c : copies) {
      int64_t out_len = 0;
      for (const auto& run : c.runs) out_len += run.second;
      for (int64_t o = 0; o < c.outer; ++o) {
        int64_t at = 0;
        for (const auto& [start, len] : c.runs) {
          std::memcpy(c.out + (o * out_len + at) * c.inner, in + (o * c.in_len + start) * c.inner,
                      static_cast<size_t>(len * c.inner) * sizeof(float));
          at += len;
        }
      }
    }
  };
  return Status::Ok();
}

}  // namespace mbench::runner
