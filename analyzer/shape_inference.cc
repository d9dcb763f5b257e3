#include "analyzer/shape_inference.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "analyzer/op_cost.h"
#include "core/units.h"

namespace mbench::analyzer {
namespace {

bool Resolved(const TensorInfo& t) {
  if (!t.has_shape) return false;
  return std::all_of(t.shape.begin(), t.shape.end(), [](int64_t d) { return d >= 0; });
}

bool IsComparison(OpKind k) {
  return k == OpKind::kEqual || k == OpKind::kGreater || k == OpKind::kGreaterOrEqual ||
         k == OpKind::kLess || k == OpKind::kLessOrEqual || k == OpKind::kAnd || k == OpKind::kOr ||
         k == OpKind::kXor || k == OpKind::kNot || k == OpKind::kIsNaN || k == OpKind::kIsInf;
}

// Shape-preserving kinds: the output has the shape of input 0.
bool PreservesShape(OpKind k) {
  const OpCostEntry& e = GetOpCostEntry(k);
  if (e.cost_class != CostClass::kPerOutputElement) {
    return k == OpKind::kIdentity || k == OpKind::kDropout || k == OpKind::kCast ||
           k == OpKind::kCumSum;
  }
  return e.num_data_inputs == 1 || k == OpKind::kPRelu || k == OpKind::kBatchNorm ||
         k == OpKind::kInstanceNorm || k == OpKind::kLayerNorm || k == OpKind::kGroupNorm;
}

}  // namespace

std::optional<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da < 0 || db < 0) return std::nullopt;
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

namespace {

// Integer values of a tensor if known (constants, or computed by PropagateValues).
const std::vector<int64_t>* ValuesOf(const Graph& g, const Node& n, size_t slot) {
  if (slot >= n.inputs.size() || n.inputs[slot] < 0) return nullptr;
  const TensorInfo& t = g.tensors[n.inputs[slot]];
  if (!t.has_values || !t.float_values.empty()) return nullptr;
  return &t.int_values;
}

const TensorInfo* In(const Graph& g, const Node& n, size_t slot) {
  if (slot >= n.inputs.size() || n.inputs[slot] < 0) return nullptr;
  return &g.tensors[n.inputs[slot]];
}

int64_t NormAxis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

// Slice parameters from inputs (opset >= 10) or attributes (opset < 10).
bool SliceParams(const Graph& g, const Node& n, int64_t rank, std::vector<int64_t>* starts,
                 std::vector<int64_t>* ends, std::vector<int64_t>* axes,
                 std::vector<int64_t>* steps) {
  if (n.HasAttr("starts")) {
    *starts = n.GetInts("starts");
    *ends = n.GetInts("ends");
    *axes = n.GetInts("axes");
  } else {
    const auto* s = ValuesOf(g, n, 1);
    const auto* e = ValuesOf(g, n, 2);
    if (s == nullptr || e == nullptr) return false;
    *starts = *s;
    *ends = *e;
    if (In(g, n, 3) != nullptr) {
      const auto* a = ValuesOf(g, n, 3);
      if (a == nullptr) return false;
      *axes = *a;
    }
    if (In(g, n, 4) != nullptr) {
      const auto* st = ValuesOf(g, n, 4);
      if (st == nullptr) return false;
      *steps = *st;
    }
  }
  if (axes->empty()) {
    for (size_t i = 0; i < starts->size(); ++i) axes->push_back(static_cast<int64_t>(i));
  }
  if (steps->empty()) steps->assign(starts->size(), 1);
  if (starts->size() != ends->size() || axes->size() != starts->size() ||
      steps->size() != starts->size()) {
    return false;
  }
  for (int64_t& a : *axes) {
    a = NormAxis(a, rank);
    if (a < 0 || a >= rank) return false;
  }
  return std::find(steps->begin(), steps->end(), 0) == steps->end();
}

// Elements selected along one axis of size `dim` by start/end/step (ONNX Slice clamping).
int64_t SliceCount(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t* first) {
  auto clamp = [](int64_t v, int64_t lo, int64_t hi) { return std::max(lo, std::min(v, hi)); };
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = clamp(start, 0, dim);
    end = clamp(end, 0, dim);
    *first = start;
    return end > start ? (end - start + step - 1) / step : 0;
  }
  start = clamp(start, 0, dim - 1);
  end = clamp(end, -1, dim - 1);
  *first = start;
  return start > end ? (start - end + (-step) - 1) / (-step) : 0;
}

// Computes the integer values of small shape-arithmetic outputs (Shape -> Gather -> Concat ->
// Reshape chains), which is what lets Reshape targets resolve. Returns true if it set values.
bool PropagateValues(Graph& g, const Node& n, TensorInfo& out) {
  const TensorInfo* x = In(g, n, 0);
  if (x == nullptr) return false;
  std::vector<int64_t> v;
  switch (n.kind) {
    case OpKind::kShape: {
      if (!Resolved(*x)) return false;
      auto rank = static_cast<int64_t>(x->shape.size());
      int64_t start = NormAxis(n.GetInt("start", 0), rank);
      int64_t end = NormAxis(n.GetInt("end", rank), rank);
      start = std::max<int64_t>(0, std::min(start, rank));
      end = std::max<int64_t>(0, std::min(end, rank));
      for (int64_t i = start; i < end; ++i) v.push_back(x->shape[i]);
      break;
    }
    case OpKind::kSize: {
      auto e = NumElements(x->shape);
      if (!Resolved(*x) || !e) return false;
      v.push_back(*e);
      break;
    }
    case OpKind::kCast:
    case OpKind::kIdentity:
    case OpKind::kSqueeze:
    case OpKind::kUnsqueeze:
    case OpKind::kReshape:
    case OpKind::kFlatten: {
      const auto* xv = ValuesOf(g, n, 0);
      if (xv == nullptr || !IsInteger(out.dtype == DType::kUnknown ? x->dtype : out.dtype)) {
        return false;
      }
      v = *xv;
      break;
    }
    case OpKind::kGather: {
      const auto* xv = ValuesOf(g, n, 0);
      const auto* iv = ValuesOf(g, n, 1);
      if (xv == nullptr || iv == nullptr || x->shape.size() != 1) return false;
      auto size = static_cast<int64_t>(xv->size());
      for (int64_t i : *iv) {
        if (i < 0) i += size;
        if (i < 0 || i >= size) return false;
        v.push_back((*xv)[i]);
      }
      break;
    }
    case OpKind::kSlice: {
      const auto* xv = ValuesOf(g, n, 0);
      if (xv == nullptr || x->shape.size() != 1) return false;
      std::vector<int64_t> starts, ends, axes, steps;
      if (!SliceParams(g, n, 1, &starts, &ends, &axes, &steps) || starts.size() != 1) return false;
      int64_t first = 0;
      int64_t count =
          SliceCount(static_cast<int64_t>(xv->size()), starts[0], ends[0], steps[0], &first);
      for (int64_t i = 0; i < count; ++i) v.push_back((*xv)[first + i * steps[0]]);
      break;
    }
    case OpKind::kConcat: {
      for (size_t i = 0; i < n.inputs.size(); ++i) {
        const auto* iv = ValuesOf(g, n, i);
        if (iv == nullptr) return false;
        v.insert(v.end(), iv->begin(), iv->end());
      }
      break;
    }
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul:
    case OpKind::kDiv: {
      const auto* a = ValuesOf(g, n, 0);
      const auto* b = ValuesOf(g, n, 1);
      if (a == nullptr || b == nullptr || a->empty() || b->empty()) return false;
      size_t len = std::max(a->size(), b->size());
      if ((a->size() != len && a->size() != 1) || (b->size() != len && b->size() != 1)) {
        return false;
      }
      for (size_t i = 0; i < len; ++i) {
        int64_t l = (*a)[a->size() == 1 ? 0 : i], r = (*b)[b->size() == 1 ? 0 : i];
        if (n.kind == OpKind::kDiv && r == 0) return false;
        v.push_back(n.kind == OpKind::kAdd   ? l + r
                    : n.kind == OpKind::kSub ? l - r
                    : n.kind == OpKind::kMul ? l * r
                                             : l / r);
      }
      break;
    }
    default: return false;
  }
  if (static_cast<int64_t>(v.size()) > TensorInfo::kMaxInlineValues) return false;
  out.int_values = std::move(v);
  out.has_values = true;
  if (out.dtype == DType::kUnknown) out.dtype = n.kind == OpKind::kCast ? x->dtype : DType::kInt64;
  return true;
}

// The 'axes' attribute (opset < 13) or the axes input (slot 1, opset >= 13); empty when neither
// is given, nullopt when the input exists but its values are unknown.
std::optional<std::vector<int64_t>> AxesOf(const Graph& g, const Node& n) {
  std::vector<int64_t> axes = n.GetInts("axes");
  if (!axes.empty() || In(g, n, 1) == nullptr) return axes;
  const auto* a = ValuesOf(g, n, 1);
  if (a == nullptr) return std::nullopt;
  return *a;
}

std::optional<Shape> ReduceShape(const Graph& g, const Node& n, const Shape& in) {
  auto maybe_axes = AxesOf(g, n);
  if (!maybe_axes) return std::nullopt;
  std::vector<int64_t> axes = *maybe_axes;
  if (n.kind == OpKind::kArgMax || n.kind == OpKind::kArgMin) axes = {n.GetInt("axis", 0)};
  bool keep = n.GetInt("keepdims", 1) != 0;
  auto rank = static_cast<int64_t>(in.size());
  std::vector<bool> reduced(in.size(), axes.empty() && n.GetInt("noop_with_empty_axes", 0) == 0);
  for (int64_t a : axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return std::nullopt;
    reduced[a] = true;
  }
  Shape out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!reduced[i]) {
      out.push_back(in[i]);
    } else if (keep) {
      out.push_back(1);
    }
  }
  return out;
}

// Einsum output shape from its equation ("bik,bjk->bij"); explicit outputs only, no ellipsis.
std::optional<Shape> EinsumShape(const Graph& g, const Node& n) {
  std::string eq = n.GetString("equation", "");
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  size_t arrow = eq.find("->");
  if (arrow == std::string::npos || eq.find("...") != std::string::npos) return std::nullopt;
  std::map<char, int64_t> sizes;
  size_t operand = 0, pos = 0;
  std::string lhs = eq.substr(0, arrow);
  while (true) {
    size_t comma = lhs.find(',', pos);
    std::string term =
        lhs.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    const TensorInfo* t = In(g, n, operand++);
    if (t == nullptr || !Resolved(*t) || t->shape.size() != term.size()) return std::nullopt;
    for (size_t i = 0; i < term.size(); ++i) sizes[term[i]] = std::max(sizes[term[i]], t->shape[i]);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  Shape out;
  for (char c : eq.substr(arrow + 2)) {
    if (!sizes.count(c)) return std::nullopt;
    out.push_back(sizes[c]);
  }
  return out;
}

// Output shape of data-movement ops whose shape depends on value inputs.
std::optional<Shape> DataMovementShape(const Graph& g, const Node& n, const Shape& in) {
  auto rank = static_cast<int64_t>(in.size());
  switch (n.kind) {
    case OpKind::kReshape: {
      const auto* target = ValuesOf(g, n, 1);
      std::vector<int64_t> t = target != nullptr ? *target : n.GetInts("shape");
      if (t.empty() && target == nullptr) return std::nullopt;
      bool allow_zero = n.GetInt("allowzero", 0) != 0;
      Shape out;
      int64_t known = 1, infer_at = -1;
      for (size_t i = 0; i < t.size(); ++i) {
        int64_t d = t[i];
        if (d == 0 && !allow_zero) {
          if (static_cast<int64_t>(i) >= rank) return std::nullopt;
          d = in[i];
        }
        if (d == -1) {
          if (infer_at >= 0) return std::nullopt;
          infer_at = static_cast<int64_t>(i);
          out.push_back(-1);
          continue;
        }
        if (d < 0) return std::nullopt;
        const auto product = CheckedMul(known, d);  // a file's target shape may overflow
        if (!product) return std::nullopt;
        known = *product;
        out.push_back(d);
      }
      auto total = NumElements(in);
      if (!total) return std::nullopt;
      if (infer_at >= 0) {
        if (known == 0 || *total % known != 0) return std::nullopt;
        out[infer_at] = *total / known;
      }
      return out;
    }
    case OpKind::kExpand: {
      const auto* target = ValuesOf(g, n, 1);
      if (target == nullptr) return std::nullopt;
      return BroadcastShapes(in, *target);
    }
    case OpKind::kTile: {
      const auto* reps = ValuesOf(g, n, 1);
      if (reps == nullptr || static_cast<int64_t>(reps->size()) != rank) return std::nullopt;
      Shape out = in;
      for (int64_t i = 0; i < rank; ++i) {
        const auto tiled = CheckedMul(out[i], (*reps)[i]);  // repeats come from the file
        if (!tiled || (*reps)[i] < 0) return std::nullopt;
        out[i] = *tiled;
      }
      return out;
    }
    case OpKind::kResize: {
      // ONNX Resize (X, roi, scales, sizes) or Upsample (X, scales). Sizes computed in the
      // graph (Shape -> Slice -> Concat: PyTorch's interpolate(size=...)) are folded like a
      // Reshape's target; else the scales, output = floor(input * scale).
      const bool upsample = n.op_type == "Upsample";
      const std::vector<int64_t> axes = n.GetInts("axes");
      auto place = [&](const auto& values, auto size_of) -> std::optional<Shape> {
        const size_t count = axes.empty() ? static_cast<size_t>(rank) : axes.size();
        if (values.size() != count) return std::nullopt;
        Shape out = in;
        for (size_t i = 0; i < count; ++i) {
          const int64_t a = axes.empty() ? static_cast<int64_t>(i) : NormAxis(axes[i], rank);
          if (a < 0 || a >= rank) return std::nullopt;
          const std::optional<int64_t> d = size_of(in[a], values[i]);
          if (!d || *d < 0) return std::nullopt;
          out[a] = *d;
        }
        return out;
      };
      if (const auto* sizes = upsample ? nullptr : ValuesOf(g, n, 3); sizes && !sizes->empty()) {
        return place(*sizes, [](int64_t, int64_t v) { return std::optional<int64_t>(v); });
      }
      const size_t slot = upsample ? 1 : 2;
      if (slot < n.inputs.size() && n.inputs[slot] >= 0) {
        const TensorInfo& t = g.tensors[n.inputs[slot]];
        if (t.has_values && !t.float_values.empty()) {
          return place(t.float_values, [](int64_t d, double scale) -> std::optional<int64_t> {
            const double v = std::floor(static_cast<double>(d) * scale);
            if (!(v >= 0 && v < 9.2e18)) return std::nullopt;  // NaN, negative, overflow
            return static_cast<int64_t>(v);
          });
        }
      }
      return std::nullopt;
    }
    case OpKind::kConstantOfShape: {
      const auto* target = ValuesOf(g, n, 0);
      if (target == nullptr) return std::nullopt;
      return Shape(*target);
    }
    case OpKind::kSlice: {
      std::vector<int64_t> starts, ends, axes, steps;
      if (!SliceParams(g, n, rank, &starts, &ends, &axes, &steps)) return std::nullopt;
      Shape out = in;
      for (size_t i = 0; i < axes.size(); ++i) {
        int64_t first = 0;
        out[axes[i]] = SliceCount(in[axes[i]], starts[i], ends[i], steps[i], &first);
      }
      return out;
    }
    case OpKind::kUnsqueeze: {
      auto maybe_axes = AxesOf(g, n);
      if (!maybe_axes || maybe_axes->empty()) return std::nullopt;
      const std::vector<int64_t>& axes = *maybe_axes;
      int64_t out_rank = rank + static_cast<int64_t>(axes.size());
      std::vector<bool> inserted(out_rank, false);
      for (int64_t a : axes) {
        a = NormAxis(a, out_rank);
        if (a < 0 || a >= out_rank) return std::nullopt;
        inserted[a] = true;
      }
      Shape out;
      size_t j = 0;
      for (int64_t i = 0; i < out_rank; ++i) out.push_back(inserted[i] ? 1 : in[j++]);
      return out;
    }
    case OpKind::kSqueeze: {
      auto maybe_axes = AxesOf(g, n);
      if (!maybe_axes) return std::nullopt;
      const std::vector<int64_t>& axes = *maybe_axes;
      std::vector<bool> drop(rank, false);
      for (int64_t a : axes) {
        a = NormAxis(a, rank);
        if (a < 0 || a >= rank) return std::nullopt;
        drop[a] = true;
      }
      Shape out;
      for (int64_t i = 0; i < rank; ++i) {
        if (axes.empty() ? in[i] != 1 : !drop[i]) out.push_back(in[i]);
      }
      return out;
    }
    default: return std::nullopt;
  }
}

}  // namespace

int InferMissingShapes(Graph& graph) {
  int resolved = 0;
  for (const Node& n : graph.nodes) {
    if (n.outputs.empty() || n.outputs[0] < 0) continue;
    TensorInfo& out = graph.tensors[n.outputs[0]];
    if (!out.has_values && out.int_values.empty()) PropagateValues(graph, n, out);
    if (Resolved(out)) continue;
    std::vector<const TensorInfo*> ins;
    for (int32_t i : n.inputs) ins.push_back(i >= 0 ? &graph.tensors[i] : nullptr);
    if (ins.empty() || ins[0] == nullptr || !Resolved(*ins[0])) continue;
    std::optional<Shape> shape;
    const OpCostEntry& e = GetOpCostEntry(n.kind);
    if (out.has_values &&
        (n.kind == OpKind::kShape || n.kind == OpKind::kSize || n.kind == OpKind::kConcat ||
         n.kind == OpKind::kGather || n.kind == OpKind::kSlice)) {
      shape =
          n.kind == OpKind::kSize ? Shape{} : Shape{static_cast<int64_t>(out.int_values.size())};
      if (n.kind == OpKind::kGather && ins.size() > 1 && ins[1] != nullptr && ins[1]->has_shape &&
          ins[1]->shape.empty()) {
        shape = Shape{};  // a scalar index yields a scalar
      }
    } else if (PreservesShape(n.kind)) {
      shape = ins[0]->shape;
    } else if (e.cost_class == CostClass::kPerOutputElement && e.num_data_inputs < 0) {
      shape = ins[0]->shape;
      for (size_t i = 1; i < ins.size() && shape; ++i) {
        if (ins[i] == nullptr) continue;
        shape = Resolved(*ins[i]) ? BroadcastShapes(*shape, ins[i]->shape) : std::nullopt;
      }
    } else if (e.cost_class == CostClass::kReduce && n.kind != OpKind::kTopK &&
               n.kind != OpKind::kCumSum) {
      shape = ReduceShape(graph, n, ins[0]->shape);
    } else if (n.kind == OpKind::kEinsum) {
      shape = EinsumShape(graph, n);
    } else {
      shape = DataMovementShape(graph, n, ins[0]->shape);
    }
    if (!shape) continue;
    out.shape = *shape;
    out.has_shape = true;
    if (out.dtype == DType::kUnknown) {
      out.dtype = IsComparison(n.kind)                                       ? DType::kBool
                  : (n.kind == OpKind::kArgMax || n.kind == OpKind::kArgMin) ? DType::kInt64
                                                                             : ins[0]->dtype;
    }
    ++resolved;
  }
  return resolved;
}

}  // namespace mbench::analyzer
