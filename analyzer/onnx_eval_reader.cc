#include "analyzer/onnx_eval_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/half.h"
#include "onnx/onnx_pb.h"

namespace mbench::analyzer::onnx_eval {

using onnx::TensorProto;

namespace {

constexpr int kMaxEvalDepth = 200;

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
  Value out;
  out.type = p.data_type();
  int64_t n = 1;
  for (int64_t d : p.dims()) {
    if (d < 0 || d > kMaxEvalElements) return std::nullopt;
    out.dims.push_back(d);
    n *= d;
    if (n > kMaxEvalElements) return std::nullopt;
  }
  if (p.has_raw_data()) {
    const std::string& raw = p.raw_data();
    auto read = [&](auto zero, auto convert) {
      using V = decltype(zero);
      if (raw.size() != static_cast<size_t>(n) * sizeof(V)) return false;
      for (int64_t i = 0; i < n; ++i) {
        V x;
        std::memcpy(&x, raw.data() + i * sizeof(V), sizeof(V));
        out.v.push_back(convert(x));
      }
      return true;
    };
    auto plain = [](auto x) { return static_cast<double>(x); };
    bool ok = false;
    switch (p.data_type()) {
      case TensorProto::FLOAT: ok = read(float{0}, plain); break;
      case TensorProto::DOUBLE: ok = read(double{0}, plain); break;
      case TensorProto::FLOAT16:
        ok = read(uint16_t{0}, [](uint16_t h) { return static_cast<double>(HalfToFloat(h)); });
        break;
      case TensorProto::INT64: ok = read(int64_t{0}, plain); break;
      case TensorProto::UINT64: ok = read(uint64_t{0}, plain); break;
      case TensorProto::INT32: ok = read(int32_t{0}, plain); break;
      case TensorProto::UINT32: ok = read(uint32_t{0}, plain); break;
      case TensorProto::INT16: ok = read(int16_t{0}, plain); break;
      case TensorProto::UINT16: ok = read(uint16_t{0}, plain); break;
      case TensorProto::INT8: ok = read(int8_t{0}, plain); break;
      case TensorProto::UINT8:
      case TensorProto::BOOL: ok = read(uint8_t{0}, plain); break;
      default: break;
    }
    if (!ok) return std::nullopt;
    return out;
  }
  switch (p.data_type()) {
    case TensorProto::FLOAT: out.v.assign(p.float_data().begin(), p.float_data().end()); break;
    case TensorProto::DOUBLE: out.v.assign(p.double_data().begin(), p.double_data().end()); break;
    case TensorProto::INT64: out.v.assign(p.int64_data().begin(), p.int64_data().end()); break;
    case TensorProto::UINT64: out.v.assign(p.uint64_data().begin(), p.uint64_data().end()); break;
    case TensorProto::FLOAT16:
      for (int32_t h : p.int32_data()) out.v.push_back(HalfToFloat(static_cast<uint16_t>(h)));
      break;
    case TensorProto::INT32:
    case TensorProto::UINT32:
    case TensorProto::INT16:
    case TensorProto::UINT16:
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL: out.v.assign(p.int32_data().begin(), p.int32_data().end()); break;
    default: return std::nullopt;
  }
  if (static_cast<int64_t>(out.v.size()) != n) return std::nullopt;
  return out;
}

// Evaluates the small integer and boolean computations a condition or a trip count is made of
// (comparisons, logic, arithmetic, casts, reshapes, Shape of a known shape, Gather), over the

void Encode(const std::string& name, const Value& v, TensorProto* out) {
  TensorProto& t = *out;
  t.Clear();
  t.set_name(name);
  for (int64_t d : v.dims) t.add_dims(d);
  if (IsIntegral(v.type)) {
    t.set_data_type(TensorProto::INT64);
    for (double x : v.v) t.add_int64_data(static_cast<int64_t>(x));
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
  std::vector<Value> in;
  for (const auto& name : n.input()) {
    if (name.empty()) break;
    auto v = Eval(name, depth);
    if (!v) return std::nullopt;
    in.push_back(std::move(*v));
  }
  if (in.empty()) return std::nullopt;
  if (op == "Identity" || op == "Squeeze" || op == "Unsqueeze" || op == "Reshape" ||
      op == "Flatten") {
    Value out = in[0];
    if (out.v.size() == 1)
      out.dims.clear();
    else
      out.dims = {static_cast<int64_t>(out.v.size())};
    return out;
  }
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
  if (op == "Not" || op == "Neg") {
    Value out = in[0];
    for (double& x : out.v) x = op == "Not" ? (x == 0 ? 1 : 0) : -x;
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
  if (op == "Concat") {
    Value out;
    out.type = in[0].type;
    for (const Value& x : in) {
      if (x.dims.size() > 1) return std::nullopt;
      out.v.insert(out.v.end(), x.v.begin(), x.v.end());
    }
    out.dims = {static_cast<int64_t>(out.v.size())};
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
