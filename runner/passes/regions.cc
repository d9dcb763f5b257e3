// Element-wise region pass.
#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "runner/kernels/eltwise.h"
#include "runner/passes/passes.h"

namespace mbench::runner {

// Element-wise regions (runner/kernels/eltwise.h): contiguous element-wise ops on one tensor's
// values (and scalar constants) run as one pass. A ReLU or Clip right after a convolution
// is left to the activation fusion below, which costs nothing at all.
void FormElementwiseRegions(Plan::Impl* impl, FusionState* fs) {
  const Graph& graph = *impl->graph;
  const std::vector<char>& folded = impl->folded;
  std::vector<int32_t>& fused_into = impl->fused_into;
  std::vector<int32_t>& readers = fs->readers;
  std::vector<int32_t>& owner = fs->owner;
  auto scalar_of = [&](int32_t t, float* v) { return ScalarConstant(impl, t, v); };
  auto clip_bounds = [&](const Node& n, float* lo, float* hi) {
    return ClipBounds(graph, n, lo, hi);
  };
  auto conv_like = [&](int32_t p) { return ConvLike(graph, p); };
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    // Instruction for node m over the region's values, or nullopt when m cannot join.
    std::map<int32_t, int> slot;  // tensor -> slot
    int32_t t = -1;               // the region's input
    auto instr_of = [&](size_t m) -> std::optional<EltInstr> {
      const Node& n = graph.nodes[m];
      if (folded[m] || fused_into[m] >= 0 || n.outputs.size() != 1 || n.outputs[0] < 0 ||
          n.HasAttr("fused_activation")) {
        return std::nullopt;
      }
      EltInstr in;
      auto operand = [&](int32_t value, int* s) {
        auto it = slot.find(value);
        if (it == slot.end()) return false;
        *s = it->second;
        return true;
      };
      switch (n.kind) {
        case OpKind::kAdd:
        case OpKind::kSub:
        case OpKind::kMul:
        case OpKind::kDiv: {
          if (n.inputs.size() != 2) return std::nullopt;
          in.op = n.kind == OpKind::kAdd   ? EltInstr::kAdd
                  : n.kind == OpKind::kSub ? EltInstr::kSub
                  : n.kind == OpKind::kMul ? EltInstr::kMul
                                           : EltInstr::kDiv;
          int s0 = -1, s1 = -1;
          const bool v0 = operand(n.inputs[0], &s0), v1 = operand(n.inputs[1], &s1);
          if (v0 && v1) {
            in.a = s0;
            in.b = s1;
          } else if (v0 && scalar_of(n.inputs[1], &in.scalar)) {
            in.a = s0;
          } else if (v1 && scalar_of(n.inputs[0], &in.scalar)) {
            in.a = s1;
            in.scalar_first = true;
          } else {
            return std::nullopt;
          }
          break;
        }
        // Not sigmoid or tanh: XNNPACK's vectorized kernels for them beat one scalar exp per
        // element in a region (EfficientNet's swish ran twice as slow).
        case OpKind::kErf:
        case OpKind::kGelu:  // vectorized polynomials (eltwise.h)
          if (n.inputs.empty() || !operand(n.inputs[0], &in.a)) return std::nullopt;
          in.op = n.kind == OpKind::kErf ? EltInstr::kErf : EltInstr::kGelu;
          break;
        case OpKind::kRelu:
        case OpKind::kHardSwish:
        case OpKind::kHardSigmoid:
        case OpKind::kClip: {
          if (n.inputs.empty() || !operand(n.inputs[0], &in.a)) return std::nullopt;
          in.op = n.kind == OpKind::kRelu          ? EltInstr::kRelu
                  : n.kind == OpKind::kHardSwish   ? EltInstr::kHardSwish
                  : n.kind == OpKind::kHardSigmoid ? EltInstr::kHardSigmoid
                                                   : EltInstr::kClamp;
          if (n.kind == OpKind::kHardSigmoid) {
            in.p0 = static_cast<float>(n.GetFloat("alpha", 0.2));
            in.p1 = static_cast<float>(n.GetFloat("beta", 0.5));
          }
          if (n.kind == OpKind::kClip && !clip_bounds(n, &in.p0, &in.p1)) return std::nullopt;
          break;
        }
        default: return std::nullopt;
      }
      if (graph.tensors[n.outputs[0]].shape != graph.tensors[t].shape) {
        return std::nullopt;
      }
      return in;
    };
    const Node& first = graph.nodes[i];
    if (folded[i] || fused_into[i] >= 0 || first.inputs.empty()) continue;
    // The region's input: the first node's one activation operand.
    for (int32_t x : first.inputs) {
      if (x >= 0 && !impl->bufs[x].constant) {
        if (t >= 0 && x != t) t = -2;
        if (t != -2) t = x;
      }
    }
    if (t < 0 || !graph.tensors[t].has_shape) continue;
    if ((first.kind == OpKind::kRelu || first.kind == OpKind::kClip) &&
        conv_like(graph.tensors[t].producer) && readers[t] == 1) {
      continue;
    }
    slot[t] = 0;
    std::vector<size_t> members;
    EltProgram program;
    for (size_t m = i; m < graph.nodes.size() && members.size() < kMaxEltInstrs; ++m) {
      auto in = instr_of(m);
      if (!in) break;
      members.push_back(m);
      program.code.push_back(*in);
      slot[graph.nodes[m].outputs[0]] = static_cast<int>(members.size());
    }
    // Longest prefix whose intermediate values nobody outside it reads.
    size_t keep = members.size();
    for (; keep >= 2; --keep) {
      bool closed = true;
      for (size_t k = 0; k + 1 < keep && closed; ++k) {
        const int32_t out = graph.nodes[members[k]].outputs[0];
        int inside = 0;
        for (size_t q = k + 1; q < keep; ++q) {
          for (int32_t x : graph.nodes[members[q]].inputs) inside += x == out;
        }
        closed = inside == readers[out] &&
                 std::find(graph.outputs.begin(), graph.outputs.end(), out) == graph.outputs.end();
      }
      if (closed) break;
    }
    if (keep < 2) continue;
    const int32_t out = graph.nodes[members[keep - 1]].outputs[0];
    if (impl->bufs[t].nhwc != impl->bufs[out].nhwc ||
        impl->bufs[t].ishape != impl->bufs[out].ishape) {
      continue;
    }
    program.code.resize(keep);
    SimplifyGelu(&program);
    const int32_t head = static_cast<int32_t>(members[0]);
    for (size_t k = 1; k < keep; ++k) fused_into[members[k]] = head;
    impl->redirect[head] = out;
    impl->regions[head] = {t, std::move(program)};
    owner[out] = head;
    i = members[keep - 1];
  }
}

}  // namespace mbench::runner
