// Memory plan: every stored form of every activation gets an arena offset by lifetime (largest
// first, lowest offset free for its whole lifetime), under PlanOptions::max_bytes.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runner/passes/passes.h"

namespace mbench::runner {

Status PlanMemory(Plan::Impl* impl) {
  const Graph& graph = *impl->graph;
  const PlanOptions& options = impl->options;
  const std::vector<char>& folded = impl->folded;
  using Impl = Plan::Impl;
  // Weight bytes as stored (fp32), before any allocation.
  int64_t weight_upper = 0;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (!impl->bufs[t].constant) continue;
    auto e = analyzer::NumElements(impl->bufs[t].gshape);
    if (e) weight_upper += *e * 4;
  }
  // Lifetime-based placement: largest first, lowest offset that does not collide in time.
  // Each stored form of an activation is one item (an fp32 plan has only fp32 forms).
  struct Item {
    int32_t t;
    Form form;
    int64_t size;
  };
  auto first_of = [&](const Item& it) { return Impl::First(impl->bufs[it.t], it.form); };
  auto last_of = [&](const Item& it) { return Impl::Last(impl->bufs[it.t], it.form); };
  auto offset_of = [&](const Item& it) -> int64_t& {
    return Impl::Offset(impl->bufs[it.t], it.form);
  };
  std::vector<Item> items;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const auto& b = impl->bufs[t];
    if (b.constant) continue;
    const int64_t elems = Product(b.gshape);
    const bool input = std::find(graph.inputs.begin(), graph.inputs.end(),
                                 static_cast<int32_t>(t)) != graph.inputs.end();
    if (b.first >= 0 || input) {
      items.push_back({static_cast<int32_t>(t), kF32, ((elems * 4 + kSlackBytes + 63) / 64) * 16});
    }
    if (b.alt[kF16 - 1].first >= 0) {
      items.push_back({static_cast<int32_t>(t), kF16, ((elems * 2 + kSlackBytes + 63) / 64) * 16});
    }
    if (b.alt[kQ8 - 1].first >= 0) {
      items.push_back({static_cast<int32_t>(t), kQ8, ((elems + kSlackBytes + 63) / 64) * 16});
    }
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.size != b.size ? a.size > b.size : a.t != b.t ? a.t < b.t : a.form < b.form;
  });
  std::vector<Item> placed;
  int64_t arena_floats = 0;
  for (const Item& it : items) {
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (const Item& p : placed) {
      if (first_of(p) <= last_of(it) && first_of(it) <= last_of(p)) {
        busy.emplace_back(offset_of(p), offset_of(p) + p.size);
      }
    }
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (const auto& [lo, hi] : busy) {
      if (at + it.size <= lo) break;
      at = std::max(at, hi);
    }
    offset_of(it) = at;
    arena_floats = std::max(arena_floats, at + it.size);
    placed.push_back(it);
  }
  const int64_t need = arena_floats * 4 + weight_upper * 2;  // packed copies at most double
  if (need > options.max_bytes) {
    return Status::InvalidArgument(
        "the plan needs " + std::to_string(need >> 20) + " MiB (activations " +
        std::to_string((arena_floats * 4) >> 20) + " MiB after reuse, weights up to " +
        std::to_string((weight_upper * 2) >> 20) + " MiB), above the limit of " +
        std::to_string(options.max_bytes >> 20) + " MiB; nothing was allocated");
  }
  impl->arena.assign(static_cast<size_t>(arena_floats), 0.0f);
  for (auto& b : impl->bufs) {
    if (b.offset >= 0) b.data = impl->arena.data() + b.offset;
    if (b.alt[kF16 - 1].offset >= 0) {
      b.half = reinterpret_cast<uint16_t*>(impl->arena.data() + b.alt[kF16 - 1].offset);
    }
    if (b.alt[kQ8 - 1].offset >= 0) {
      b.q8 = reinterpret_cast<int8_t*>(impl->arena.data() + b.alt[kQ8 - 1].offset);
    }
  }
  // Every constant a step reads has its values in place (a constant can sit where an
  // activation usually does, e.g. MatMul of two constants).
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (folded[i]) continue;
    for (int32_t t : graph.nodes[i].inputs) {
      if (t >= 0 && impl->bufs[t].constant) impl->Const(t);
    }
  }
  return Status::Ok();
}

}  // namespace mbench::runner
