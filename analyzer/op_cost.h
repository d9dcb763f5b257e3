// Per-OpKind cost rules: how many MACs and FLOPs one node does, which of its inputs are weights,
// and which are configuration (shape tensors, scales). Registered in one explicit table,
// kOpCostTable in op_cost.cc, with one entry per OpKind (op_cost_test checks coverage). The rules
// and their conventions are written out in docs/counting.md. Pure functions; thread-safe.
#ifndef MBENCH_ANALYZER_OP_COST_H_
#define MBENCH_ANALYZER_OP_COST_H_

#include <cstdint>
#include <string>

#include "analyzer/graph.h"
#include "core/status_or.h"

namespace mbench::analyzer {

// How a kind's work is counted.
enum class CostClass : uint8_t {
  kConv,              // MACs = out_elems * (Cin/group) * kernel_elems
  kConvTranspose,     // MACs = in_elems * (Cout/group) * kernel_elems
  kFullyConnected,    // MACs = out_elems * K, K = weight_elems / out_features
  kMatMul,            // MACs = out_elems * K, K = last dim of A
  kEinsum,            // MACs = product of every index size (two operands)
  kRecurrent,         // LSTM/GRU/RNN: gate GEMMs per step plus per-unit element-wise work
  kAttention,         // MACs = batch * Lq * Lk * (d + dv); softmax on the Lq x Lk scores
  kPerOutputElement,  // FLOPs = flops_per_element * out_elems (activations, binary ops, norms)
  kPool,              // FLOPs = out_elems * (kernel_elems * per_window + extra)
  kGlobalPool,        // FLOPs = in_elems + out_elems (average) or in_elems (max)
  kReduce,            // FLOPs = flops_per_element * in_elems (+ out_elems for a mean)
  kResize,            // FLOPs per output element by interpolation mode
  kDataMovement,      // no arithmetic; bytes only
  kDataDependent,     // work depends on values (NMS): 0 FLOPs, reported with a note
  kNotCosted,         // control flow, custom and unknown ops: reported as unknown work
};

struct OpCostEntry {
  OpKind kind;
  CostClass cost_class;
  int32_t flops_per_element;  // meaning depends on cost_class; 0 when unused
  // Leading inputs that carry data or weights; later inputs are configuration (shapes, axes,
  // quantization scales) and are neither parameters nor activations. -1: all inputs.
  int8_t num_data_inputs;
  uint8_t weight_slots;  // bit i: input i is a weight whenever it is constant (any dtype)
  uint8_t buffer_slots;  // bit i: input i is a non-trainable buffer (BatchNorm mean/var)
};

// Returns the table entry for `kind`. Every OpKind has one.
const OpCostEntry& GetOpCostEntry(OpKind kind);

// Work of one node.
struct NodeWork {
  int64_t macs = 0;
  int64_t flops = 0;
  bool costed = true;           // false for kNotCosted kinds (unknown work, never a silent zero)
  bool shapes_resolved = true;  // false when a shape the rule needs is unresolved
  std::string note;             // why it is not costed or not resolved, or a convention used
};

// Counts the MACs and FLOPs of `node` in `graph`. Returns kInvalidArgument when a count
// overflows int64 (the message names the node and its shapes). Unresolved shapes and uncosted
// kinds are not errors: they come back flagged in NodeWork.
StatusOr<NodeWork> ComputeNodeWork(const Graph& graph, const Node& node);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_OP_COST_H_
