#include "analyzer/onnx_eval_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "analyzer/onnx_tensor_reader.h"
#include "onnx/onnx_pb.h"

namespace mbench::analyzer::onnx_eval {

using onnx::TensorProto;

namespace {

constexpr int kMaxEvalDepth = 200;

// Slice's "to the end" is INT64_MAX, which a double rounds up past int64's range.
int64_t ToInt64(double x) {
  constexpr double kLimit = 9.2e18;
  if (x >= kLimit) return std::numeric_limits<int64_t>::max();
  if (x <= -kLimit) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(x);
}

}  // namespace

bool IsIntegral(int32_t t) {
  switch (t) {
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::INT16:
    case TensorProto::UINT16:
    case TensorProto::INT32:
    case TensorProto::UINT32:
    case TensorProto::INT64:
    case TensorProto::UINT64:
    case TensorProto::BOOL: return true;
    default: return false;
  }
}

std::optional<Value> Decode(const TensorProto& p) {
  TensorInfo t;
  t.shape.assign(p.dims().begin(), p.dims().end());
  for (int64_t d : t.shape) {
    if (d < 0) return std::nullopt;
  }
  ExtractValues(p, p.raw_data(), p.has_raw_data(), t);  // kMaxEvalElements values at most
  if (!t.has_values) return std::nullopt;
  Value out;
  out.type = p.data_type();
  out.dims = t.shape;
  if (!t.int_values.empty()) {
    out.v.assign(t.int_values.begin(), t.int_values.end());
  } else {
    out.v.assign(t.float_values.begin(), t.float_values.end());
  }
  return out;
}

void Encode(const std::string& name, const Value& v, TensorProto* out) {
  TensorProto& t = *out;
  t.Clear();
  t.set_name(name);
  for (int64_t d : v.dims) t.add_dims(d);
  if (IsIntegral(v.type)) {
    t.set_data_type(TensorProto::INT64);
    for (double x : v.v) t.add_int64_data(ToInt64(x));
  } else {
    t.set_data_type(TensorProto::FLOAT);
    for (double x : v.v) t.add_float_data(static_cast<float>(x));
  }
}

std::set<std::string> Evaluator::InputsBehind(const std::string& name) const {
  std::set<std::string> found;
  std::unordered_set<std::string> seen;
  std::vector<std::string> stack{name};
  while (!stack.empty() && seen.size() < 10000) {
    std::string t = stack.back();
    stack.pop_back();
    if (!seen.insert(t).second) continue;
    if (inputs_.count(t)) found.insert(t);
    auto p = producer_.find(t);
    if (p == producer_.end() || p->second->op_type() == "Shape") continue;  // reads no value
    for (const auto& in : p->second->input()) stack.push_back(in);
  }
  return found;
}

std::optional<Value> Evaluator::Eval(const std::string& name, int depth) {
  if (auto k = known_.find(name); k != known_.end()) return k->second;
  if (failed_.count(name) || depth > kMaxEvalDepth) return std::nullopt;
  auto p = producer_.find(name);
  std::optional<Value> v;
  if (p != producer_.end() && p->second->output_size() > 0 && p->second->output(0) == name) {
    v = EvalNode(*p->second, depth + 1);
  }
  if (!v || v->v.size() > static_cast<size_t>(kMaxEvalElements)) {
    failed_.insert(name);
    return std::nullopt;
  }
  known_[name] = *v;
  return v;
}

int64_t AttrInt(const onnx::NodeProto& n, const std::string& key, int64_t fallback) {
  for (const auto& a : n.attribute()) {
    if (a.name() == key && a.type() == onnx::AttributeProto::INT) return a.i();
  }
  return fallback;
}

namespace {

int64_t Count(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::vector<int64_t> Strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

std::vector<int64_t> IntsOf(const Value& v) {
  std::vector<int64_t> out;
  for (double x : v.v) out.push_back(ToInt64(x));
  return out;
}

std::vector<int64_t> IntsAttrOf(const onnx::NodeProto& n, const std::string& key) {
  for (const auto& a : n.attribute()) {
    if (a.name() == key) return {a.ints().begin(), a.ints().end()};
  }
  return {};
}

bool HasAttr(const onnx::NodeProto& n, const std::string& key) {
  for (const auto& a : n.attribute()) {
    if (a.name() == key) return true;
  }
  return false;
}

// A tensor of `dims` whose every element is the element of `in` that `source` (given the
// output index) names.
Value Gathered(const Value& in, std::vector<int64_t> dims,
               const std::function<int64_t(const std::vector<int64_t>&)>& source) {
  Value out;
  out.type = in.type;
  out.dims = std::move(dims);
  const int64_t total = Count(out.dims);
  std::vector<int64_t> idx(out.dims.size(), 0);
  for (int64_t o = 0; o < total; ++o) {
    out.v.push_back(in.v[static_cast<size_t>(source(idx))]);
    for (size_t a = idx.size(); a-- > 0;) {
      if (++idx[a] < out.dims[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

}  // namespace

// What PyTorch exports around F.pad and F.interpolate (ConstantOfShape, Concat, Reshape, Slice,
// Transpose) and the reshapes between, on small tensors.
std::optional<Value> Evaluator::EvalMovement(const onnx::NodeProto& n,
                                             const std::vector<std::optional<Value>>& in) const {
  const std::string& op = n.op_type();
  auto ints = [&](size_t i) {
    return i < in.size() && in[i] ? IntsOf(*in[i]) : std::vector<int64_t>{};
  };
  if (in.empty() || !in[0]) return std::nullopt;
  const Value& x = *in[0];
  const auto rank = static_cast<int64_t>(x.dims.size());
  if (op == "Reshape") {
    if (in.size() < 2 || !in[1]) return std::nullopt;
    std::vector<int64_t> shape = ints(1);
    int64_t known = 1, infer = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == 0 && static_cast<int64_t>(i) < rank) shape[i] = x.dims[i];
      if (shape[i] == -1) {
        if (infer >= 0) return std::nullopt;
        infer = static_cast<int64_t>(i);
      } else if (shape[i] < 0) {
        return std::nullopt;
      } else {
        known *= shape[i];
      }
    }
    if (infer >= 0) shape[static_cast<size_t>(infer)] = known > 0 ? Count(x.dims) / known : 0;
    if (Count(shape) != Count(x.dims)) return std::nullopt;
    Value out = x;
    out.dims = shape;
    return out;
  }
  if (op == "Flatten") {
    int64_t axis = AttrInt(n, "axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) return std::nullopt;
    Value out = x;
    out.dims = {Count({x.dims.begin(), x.dims.begin() + axis}),
                Count({x.dims.begin() + axis, x.dims.end()})};
    return out;
  }
  if (op == "Squeeze") {
    const std::vector<int64_t> axes = HasAttr(n, "axes") ? IntsAttrOf(n, "axes") : ints(1);
    Value out = x;
    out.dims.clear();
    for (int64_t a = 0; a < rank; ++a) {
      const bool listed = axes.empty()
                              ? x.dims[size_t(a)] == 1
                              : std::find(axes.begin(), axes.end(), a) != axes.end() ||
                                    std::find(axes.begin(), axes.end(), a - rank) != axes.end();
      if (!listed) out.dims.push_back(x.dims[size_t(a)]);
    }
    return out;
  }
  if (op == "Unsqueeze") {
    const std::vector<int64_t> axes = HasAttr(n, "axes") ? IntsAttrOf(n, "axes") : ints(1);
    const int64_t out_rank = rank + static_cast<int64_t>(axes.size());
    std::vector<char> added(static_cast<size_t>(out_rank), 0);
    for (int64_t a : axes) {
      if (a < 0) a += out_rank;
      if (a < 0 || a >= out_rank) return std::nullopt;
      added[static_cast<size_t>(a)] = 1;
    }
    Value out = x;
    out.dims.clear();
    size_t k = 0;
    for (int64_t a = 0; a < out_rank; ++a) {
      if (added[size_t(a)]) {
        out.dims.push_back(1);
      } else {
        if (k >= x.dims.size()) return std::nullopt;
        out.dims.push_back(x.dims[k++]);
      }
    }
    return out;
  }
  if (op == "ConstantOfShape") {
    const std::vector<int64_t> shape = IntsOf(x);
    for (int64_t d : shape) {
      if (d < 0 || d > kMaxEvalElements) return std::nullopt;
    }
    if (Count(shape) > kMaxEvalElements) return std::nullopt;
    Value out;
    out.type = TensorProto::FLOAT;
    double fill = 0;
    for (const auto& a : n.attribute()) {
      if (a.name() != "value") continue;
      auto v = Decode(a.t());
      if (!v || v->v.empty()) return std::nullopt;
      out.type = v->type;
      fill = v->v[0];
    }
    out.dims = shape;
    out.v.assign(static_cast<size_t>(Count(shape)), fill);
    return out;
  }
  if (op == "Transpose") {
    std::vector<int64_t> perm = IntsAttrOf(n, "perm");
    if (perm.empty()) {
      for (int64_t a = rank; a-- > 0;) perm.push_back(a);
    }
    if (static_cast<int64_t>(perm.size()) != rank) return std::nullopt;
    std::vector<int64_t> dims;
    for (int64_t p : perm) {
      if (p < 0 || p >= rank) return std::nullopt;
      dims.push_back(x.dims[size_t(p)]);
    }
    const auto strides = Strides(x.dims);
    return Gathered(x, dims, [&](const std::vector<int64_t>& idx) {
      int64_t from = 0;
      for (size_t a = 0; a < idx.size(); ++a) from += idx[a] * strides[size_t(perm[a])];
      return from;
    });
  }
  if (op == "Slice") {
    std::vector<int64_t> starts, ends, axes, steps;
    if (HasAttr(n, "starts")) {  // opset < 10
      starts = IntsAttrOf(n, "starts");
      ends = IntsAttrOf(n, "ends");
      axes = IntsAttrOf(n, "axes");
    } else {
      starts = ints(1);
      ends = ints(2);
      axes = ints(3);
      steps = ints(4);
    }
    if (starts.size() != ends.size() || starts.empty()) return std::nullopt;
    if (axes.empty()) {
      for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (axes.size() != starts.size() || steps.size() != starts.size()) return std::nullopt;
    std::vector<int64_t> first(static_cast<size_t>(rank), 0), step(static_cast<size_t>(rank), 1);
    std::vector<int64_t> dims = x.dims;
    for (size_t i = 0; i < starts.size(); ++i) {
      const int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (a < 0 || a >= rank || steps[i] == 0 || steps[i] == std::numeric_limits<int64_t>::min()) {
        return std::nullopt;
      }
      const int64_t len = x.dims[size_t(a)];
      int64_t s = starts[i] < 0 ? starts[i] + len : starts[i];
      int64_t e = ends[i] < 0 ? ends[i] + len : ends[i];
      if (steps[i] > 0) {
        s = std::clamp<int64_t>(s, 0, len);
        e = std::clamp<int64_t>(e, 0, len);
        dims[size_t(a)] = e > s ? 1 + (e - s - 1) / steps[i] : 0;
      } else {
        s = std::clamp<int64_t>(s, -1, len - 1);
        e = std::clamp<int64_t>(e, -1, len - 1);
        dims[size_t(a)] = s > e ? 1 + (s - e - 1) / -steps[i] : 0;
      }
      first[size_t(a)] = s;
      step[size_t(a)] = steps[i];
    }
    const auto strides = Strides(x.dims);
    return Gathered(x, dims, [&](const std::vector<int64_t>& idx) {
      int64_t from = 0;
      for (size_t a = 0; a < idx.size(); ++a) from += (first[a] + idx[a] * step[a]) * strides[a];
      return from;
    });
  }
  if (op == "Concat") {
    int64_t axis = AttrInt(n, "axis", 0);
    if (axis < 0) axis += rank;
    if (rank == 0 || axis < 0 || axis >= rank) return std::nullopt;
    std::vector<int64_t> dims = x.dims;
    dims[size_t(axis)] = 0;
    for (const auto& v : in) {
      if (!v || v->dims.size() != x.dims.size()) return std::nullopt;
      for (int64_t a = 0; a < rank; ++a) {
        if (a != axis && v->dims[size_t(a)] != x.dims[size_t(a)]) return std::nullopt;
      }
      dims[size_t(axis)] += v->dims[size_t(axis)];
    }
    Value out;
    out.type = x.type;
    out.dims = dims;
    const int64_t outer = Count({x.dims.begin(), x.dims.begin() + axis});
    for (int64_t o = 0; o < outer; ++o) {
      for (const auto& v : in) {
        const int64_t block = Count({v->dims.begin() + axis, v->dims.end()});
        out.v.insert(out.v.end(), v->v.begin() + o * block, v->v.begin() + (o + 1) * block);
      }
    }
    return out;
  }
  if (op == "Range") {
    if (in.size() < 3 || !in[1] || !in[2] || x.v.size() != 1 || in[1]->v.size() != 1 ||
        in[2]->v.size() != 1 || in[2]->v[0] == 0) {
      return std::nullopt;
    }
    const double start = x.v[0], limit = in[1]->v[0], delta = in[2]->v[0];
    const double steps = std::ceil((limit - start) / delta);
    if (!(steps <= static_cast<double>(kMaxEvalElements))) return std::nullopt;
    const auto count = static_cast<int64_t>(std::max(0.0, steps));
    Value out;
    out.type = x.type;
    out.dims = {count};
    for (int64_t i = 0; i < count; ++i) out.v.push_back(start + static_cast<double>(i) * delta);
    return out;
  }
  return std::nullopt;
}

std::optional<Value> Evaluator::EvalNode(const onnx::NodeProto& n, int depth) {
  if (!n.domain().empty() && n.domain() != "ai.onnx") return std::nullopt;
  const std::string& op = n.op_type();
  if (op == "Constant") {
    for (const auto& a : n.attribute()) {
      if (a.name() == "value") return Decode(a.t());
      Value c;
      c.type = TensorProto::INT64;
      if (a.name() == "value_int") {
        c.v = {static_cast<double>(a.i())};
        return c;
      }
      if (a.name() == "value_ints") {
        c.v.assign(a.ints().begin(), a.ints().end());
        c.dims = {static_cast<int64_t>(c.v.size())};
        return c;
      }
      c.type = TensorProto::FLOAT;
      if (a.name() == "value_float") {
        c.v = {a.f()};
        return c;
      }
    }
    return std::nullopt;
  }
  if (op == "Shape") {
    if (n.input_size() < 1) return std::nullopt;
    auto shape = shape_of_(n.input(0));
    if (!shape) return std::nullopt;
    auto rank = static_cast<int64_t>(shape->size());
    int64_t start = AttrInt(n, "start", 0), end = AttrInt(n, "end", rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, start, rank);
    Value s;
    s.type = TensorProto::INT64;
    for (int64_t i = start; i < end; ++i) {
      if ((*shape)[static_cast<size_t>(i)] < 0) return std::nullopt;
      s.v.push_back(static_cast<double>((*shape)[static_cast<size_t>(i)]));
    }
    s.dims = {end - start};
    return s;
  }
  if (op == "Size") {
    auto shape = n.input_size() > 0 ? shape_of_(n.input(0)) : std::nullopt;
    if (!shape) return std::nullopt;
    Value s;
    s.type = TensorProto::INT64;
    s.v = {1.0};
    for (int64_t d : *shape) s.v[0] *= static_cast<double>(d);
    return s;
  }
  // Inputs: an omitted optional one (empty name) is nullopt in `opt`; any other that cannot be
  // evaluated fails the node.
  std::vector<std::optional<Value>> opt;
  for (const auto& name : n.input()) {
    if (name.empty()) {
      opt.emplace_back();
      continue;
    }
    auto v = Eval(name, depth);
    if (!v) return std::nullopt;
    opt.push_back(std::move(v));
  }
  std::vector<Value> in;
  for (const auto& v : opt) {
    if (!v) break;
    in.push_back(*v);
  }
  if (in.empty()) return std::nullopt;
  if (op == "Identity") return in[0];
  if (auto moved = EvalMovement(n, opt)) return moved;
  if (op == "Cast") {
    Value out = in[0];
    out.type = static_cast<int32_t>(AttrInt(n, "to", TensorProto::FLOAT));
    for (double& x : out.v) {
      if (out.type == TensorProto::BOOL)
        x = x != 0 ? 1 : 0;
      else if (IsIntegral(out.type))
        x = std::trunc(x);
    }
    return out;
  }
  if (op == "Not" || op == "Neg" || op == "Abs" || op == "Ceil" || op == "Floor" || op == "Relu") {
    Value out = in[0];
    for (double& x : out.v) {
      x = op == "Not"    ? (x == 0 ? 1 : 0)
          : op == "Neg"  ? -x
          : op == "Abs"  ? std::abs(x)
          : op == "Ceil" ? std::ceil(x)
          : op == "Relu" ? std::max(x, 0.0)
                         : std::floor(x);
    }
    return out;
  }
  if (op == "Gather") {
    if (in.size() < 2 || in[0].dims.size() != 1 || AttrInt(n, "axis", 0) != 0) return std::nullopt;
    Value out;
    out.type = in[0].type;
    out.dims = in[1].dims;
    const auto size = static_cast<int64_t>(in[0].v.size());
    for (double i : in[1].v) {
      auto k = static_cast<int64_t>(i);
      if (k < 0) k += size;
      if (k < 0 || k >= size) return std::nullopt;
      out.v.push_back(in[0].v[static_cast<size_t>(k)]);
    }
    return out;
  }
  static const std::set<std::string> kBinary = {"Equal",       "Greater", "Less", "GreaterOrEqual",
                                                "LessOrEqual", "And",     "Or",   "Xor",
                                                "Add",         "Sub",     "Mul",  "Div",
                                                "Min",         "Max"};
  if (!kBinary.count(op) || in.size() != 2) return std::nullopt;
  const Value& a = in[0];
  const Value& b = in[1];
  if (a.v.size() != b.v.size() && a.v.size() != 1 && b.v.size() != 1) return std::nullopt;
  Value out;
  const bool logical =
      op != "Add" && op != "Sub" && op != "Mul" && op != "Div" && op != "Min" && op != "Max";
  out.type = logical ? TensorProto::BOOL : a.type;
  out.dims = a.v.size() >= b.v.size() ? a.dims : b.dims;
  const size_t size = std::max(a.v.size(), b.v.size());
  for (size_t i = 0; i < size; ++i) {
    const double x = a.v[a.v.size() == 1 ? 0 : i], y = b.v[b.v.size() == 1 ? 0 : i];
    double r = 0;
    if (op == "Equal")
      r = x == y;
    else if (op == "Greater")
      r = x > y;
    else if (op == "Less")
      r = x < y;
    else if (op == "GreaterOrEqual")
      r = x >= y;
    else if (op == "LessOrEqual")
      r = x <= y;
    else if (op == "And")
      r = (x != 0) && (y != 0);
    else if (op == "Or")
      r = (x != 0) || (y != 0);
    else if (op == "Xor")
      r = (x != 0) != (y != 0);
    else if (op == "Add")
      r = x + y;
    else if (op == "Sub")
      r = x - y;
    else if (op == "Mul")
      r = x * y;
    else if (op == "Min")
      r = std::min(x, y);
    else if (op == "Max")
      r = std::max(x, y);
    else {
      if (y == 0) return std::nullopt;
      r = IsIntegral(out.type) ? std::trunc(x / y) : x / y;
    }
    out.v.push_back(r);
  }
  return out;
}

}  // namespace mbench::analyzer::onnx_eval
