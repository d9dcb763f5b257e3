#include "analyzer/onnx_control_flow_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "analyzer/onnx_eval_reader.h"
#include "core/text.h"
#include "onnx/onnx_pb.h"

namespace mbench::analyzer {
namespace {

using onnx::TensorProto;
using onnx_eval::AttrInt;

using onnx_eval::Decode;
using onnx_eval::Evaluator;
using onnx_eval::Value;

const onnx::GraphProto* GraphAttr(const onnx::NodeProto& n, const std::string& key) {
  for (const auto& a : n.attribute()) {
    if (a.name() == key && a.has_g()) return &a.g();
  }
  return nullptr;
}

std::vector<int64_t> IntsAttr(const onnx::NodeProto& n, const std::string& key) {
  for (const auto& a : n.attribute()) {
    if (a.name() == key) return {a.ints().begin(), a.ints().end()};
  }
  return {};
}

bool IsDefaultDomain(const onnx::NodeProto& n) {
  return n.domain().empty() || n.domain() == "ai.onnx";
}

// Every name a graph and its subgraphs define or read.
void CollectNames(const onnx::GraphProto& g, std::unordered_set<std::string>* names) {
  for (const auto& v : g.input()) names->insert(v.name());
  for (const auto& v : g.output()) names->insert(v.name());
  for (const auto& v : g.value_info()) names->insert(v.name());
  for (const auto& t : g.initializer()) names->insert(t.name());
  for (const auto& s : g.sparse_initializer()) names->insert(s.values().name());
  for (const auto& n : g.node()) {
    names->insert(n.name());
    names->insert(n.input().begin(), n.input().end());
    names->insert(n.output().begin(), n.output().end());
    for (const auto& a : n.attribute()) {
      if (a.has_g()) CollectNames(a.g(), names);
      for (const auto& sub : a.graphs()) CollectNames(sub, names);
    }
  }
}

using NameMap = std::unordered_map<std::string, std::string>;

// Renames, in subgraph `g` and the subgraphs inside it, the names it reads from the graphs
// around it that `map` renames (names `g` defines itself shadow the outer ones).
void RenameOuterReads(onnx::GraphProto* g, const NameMap& map) {
  std::unordered_set<std::string> local;
  for (const auto& v : g->input()) local.insert(v.name());
  for (const auto& t : g->initializer()) local.insert(t.name());
  for (const auto& n : g->node()) local.insert(n.output().begin(), n.output().end());
  NameMap inner;
  for (const auto& [from, to] : map) {
    if (!local.count(from)) inner.emplace(from, to);
  }
  if (inner.empty()) return;
  auto rename = [&](std::string* name) {
    auto it = inner.find(*name);
    if (it != inner.end()) *name = it->second;
  };
  for (auto& n : *g->mutable_node()) {
    for (auto& in : *n.mutable_input()) rename(&in);
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) RenameOuterReads(a.mutable_g(), inner);
      for (auto& sub : *a.mutable_graphs()) RenameOuterReads(&sub, inner);
    }
  }
  for (auto& o : *g->mutable_output()) rename(o.mutable_name());
}

class Inliner {
 public:
  Inliner(onnx::ModelProto* model, int64_t max_nodes, const ShapeLookup& shape_of, bool defer)
      : g_(model->mutable_graph()),
        max_nodes_(max_nodes),
        defer_(defer),
        shape_of_(shape_of),
        eval_(shape_of) {
    for (const auto& imp : model->opset_import()) {
      if (imp.domain().empty() || imp.domain() == "ai.onnx") opset_ = imp.version();
    }
  }

  StatusOr<ControlFlowResult> Run();

 private:
  std::string Fresh(const std::string& base);
  int Store(onnx::NodeProto node);
  std::string AddScalar(const std::string& base, int32_t type, double value);
  std::string AddInts(const std::string& base, const std::vector<int64_t>& values);
  // Copies `body`'s initializers and nodes into the main graph under `prefix`, its inputs bound
  // by `bind`; appends the new nodes' indices to `added`. Returns the outer names of its
  // outputs.
  std::vector<std::string> Splice(const onnx::GraphProto& body, const std::string& prefix,
                                  NameMap bind, std::vector<int>* added);
  int AddNode(const std::string& op, const std::string& name, std::vector<std::string> inputs,
              std::vector<std::string> outputs, std::vector<int>* added);
  // Unsqueezes each of `parts` at `axis` and concatenates them into `out`.
  void Stack(const std::vector<std::string>& parts, int64_t axis, const std::string& out,
             const std::string& prefix, std::vector<int>* added);
  // Leaves a node as it is; the reason is a note unless the caller will come back to it.
  bool Keep(const onnx::NodeProto& n, const std::string& why) {
    if (!defer_) result_.notes.push_back(Label(n) + ": " + why + "; left uncounted");
    return false;
  }
  bool FitsLimit(int64_t more) const {
    return static_cast<int64_t>(store_.size()) + more <= max_nodes_;
  }
  std::string Label(const onnx::NodeProto& n) const {
    return n.op_type() + " '" + (n.name().empty() ? n.output_size() ? n.output(0) : "" : n.name()) +
           "'";
  }
  // Each returns false (with a note) when the node stays as it is.
  bool InlineIf(const onnx::NodeProto& n, std::vector<int>* added);
  bool InlineLoop(const onnx::NodeProto& n, std::vector<int>* added);
  bool InlineScan(const onnx::NodeProto& n, std::vector<int>* added);
  void RemoveDeadConstantNodes();

  onnx::GraphProto* g_;
  int64_t max_nodes_;
  bool defer_;
  const ShapeLookup& shape_of_;
  int64_t opset_ = 0;
  bool both_branches_ = false;  // the node just inlined kept both branches of an If
  Evaluator eval_;
  std::deque<onnx::NodeProto> store_;  // every node, stable addresses for the evaluator
  std::vector<int> order_;             // the main graph's nodes afterwards, by store_ index
  std::unordered_set<std::string> taken_;
  ControlFlowResult result_;
};

std::string Inliner::Fresh(const std::string& base) {
  std::string name = base;
  for (int i = 1; !taken_.insert(name).second; ++i) name = base + "_" + std::to_string(i);
  return name;
}

int Inliner::Store(onnx::NodeProto node) {
  store_.push_back(std::move(node));
  const onnx::NodeProto* p = &store_.back();
  for (const auto& out : p->output()) {
    if (!out.empty()) eval_.AddProducer(out, p);
  }
  return static_cast<int>(store_.size()) - 1;
}

std::string Inliner::AddScalar(const std::string& base, int32_t type, double value) {
  TensorProto* t = g_->add_initializer();
  t->set_name(Fresh(base));
  t->set_data_type(type);
  if (type == TensorProto::INT64)
    t->add_int64_data(static_cast<int64_t>(value));
  else
    t->add_int32_data(static_cast<int32_t>(value));
  Value v;
  v.type = type;
  v.v = {value};
  eval_.AddConstant(t->name(), v);
  return t->name();
}

std::string Inliner::AddInts(const std::string& base, const std::vector<int64_t>& values) {
  TensorProto* t = g_->add_initializer();
  t->set_name(Fresh(base));
  t->set_data_type(TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
  return t->name();
}

int Inliner::AddNode(const std::string& op, const std::string& name,
                     std::vector<std::string> inputs, std::vector<std::string> outputs,
                     std::vector<int>* added) {
  onnx::NodeProto node;
  node.set_op_type(op);
  node.set_name(Fresh(name));
  for (auto& in : inputs) node.add_input(std::move(in));
  for (auto& out : outputs) node.add_output(std::move(out));
  const int idx = Store(std::move(node));
  added->push_back(idx);
  return idx;
}

std::vector<std::string> Inliner::Splice(const onnx::GraphProto& body, const std::string& prefix,
                                         NameMap bind, std::vector<int>* added) {
  NameMap& map = bind;
  for (const TensorProto& init : body.initializer()) {
    TensorProto* t = g_->add_initializer();
    *t = init;
    t->set_name(Fresh(prefix + init.name()));
    map[init.name()] = t->name();
    if (auto v = Decode(*t)) eval_.AddConstant(t->name(), *v);
  }
  for (const auto& sparse : body.sparse_initializer()) {
    auto* s = g_->add_sparse_initializer();
    *s = sparse;
    s->mutable_values()->set_name(Fresh(prefix + sparse.values().name()));
    map[sparse.values().name()] = s->values().name();
  }
  for (const auto& node : body.node()) {
    for (const auto& out : node.output()) {
      if (!out.empty()) map[out] = Fresh(prefix + out);
    }
  }
  for (const auto& node : body.node()) {
    onnx::NodeProto copy = node;
    copy.set_name(Fresh(prefix + (node.name().empty() ? node.op_type() : node.name())));
    for (auto& in : *copy.mutable_input()) {
      auto it = map.find(in);
      if (it != map.end()) in = it->second;
    }
    for (auto& out : *copy.mutable_output()) {
      if (!out.empty()) out = map[out];
    }
    for (auto& a : *copy.mutable_attribute()) {
      if (a.has_g()) RenameOuterReads(a.mutable_g(), map);
      for (auto& sub : *a.mutable_graphs()) RenameOuterReads(&sub, map);
    }
    added->push_back(Store(std::move(copy)));
  }
  for (const auto& vi : body.value_info()) {
    auto it = map.find(vi.name());
    if (it == map.end()) continue;
    auto* copy = g_->add_value_info();
    *copy = vi;
    copy->set_name(it->second);
    // Symbols an inference made up inside the subgraph ("unk__5") mean nothing outside it, and
    // libonnx's next inference crashed on them: they become unknown dimensions.
    if (copy->type().has_tensor_type() && copy->type().tensor_type().has_shape()) {
      for (auto& d : *copy->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim()) {
        if (d.has_dim_param()) d.clear_dim_param();
      }
    }
  }
  std::vector<std::string> outs;
  for (const auto& o : body.output()) {
    auto it = map.find(o.name());
    outs.push_back(it != map.end() ? it->second : o.name());
  }
  return outs;
}

void Inliner::Stack(const std::vector<std::string>& parts, int64_t axis, const std::string& out,
                    const std::string& prefix, std::vector<int>* added) {
  std::vector<std::string> unsqueezed;
  for (const auto& part : parts) {
    std::vector<std::string> inputs{part};
    if (opset_ >= 13) inputs.push_back(AddInts(prefix + "axes", {axis}));
    const std::string u = Fresh(part + "/unsqueezed");
    const int idx = AddNode("Unsqueeze", prefix + "unsqueeze", inputs, {u}, added);
    if (opset_ < 13) {
      auto* a = store_[static_cast<size_t>(idx)].add_attribute();
      a->set_name("axes");
      a->set_type(onnx::AttributeProto::INTS);
      a->add_ints(axis);
    }
    unsqueezed.push_back(u);
  }
  const int idx = AddNode("Concat", prefix + "stack", unsqueezed, {out}, added);
  auto* a = store_[static_cast<size_t>(idx)].add_attribute();
  a->set_name("axis");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(axis);
}

bool Inliner::InlineIf(const onnx::NodeProto& n, std::vector<int>* added) {
  const onnx::GraphProto* then_g = GraphAttr(n, "then_branch");
  const onnx::GraphProto* else_g = GraphAttr(n, "else_branch");
  if (then_g == nullptr || else_g == nullptr || n.input_size() < 1 ||
      then_g->output_size() != n.output_size() || else_g->output_size() != n.output_size()) {
    return Keep(n, "its branches do not match its outputs");
  }
  const std::string prefix = n.name().empty() ? "If" : n.name();
  const std::string& cond = n.input(0);
  std::optional<Value> c = eval_.Eval(cond);
  if (c && !c->v.empty()) {
    const bool taken = c->v[0] != 0;
    if (!FitsLimit((taken ? then_g : else_g)->node_size() + n.output_size())) {
      return Keep(n,
                  "its branch would exceed the limit of " + std::to_string(max_nodes_) + " nodes");
    }
    auto outs =
        Splice(taken ? *then_g : *else_g, prefix + (taken ? "/then/" : "/else/"), {}, added);
    for (int j = 0; j < n.output_size(); ++j) {
      if (n.output(j).empty()) continue;
      AddNode("Identity", prefix + "/output", {outs[static_cast<size_t>(j)]}, {n.output(j)}, added);
    }
    result_.notes.push_back(Label(n) + ": its condition is " + (taken ? "true" : "false") +
                            " when the model is read; the " + (taken ? "then" : "else") +
                            " branch is counted and run");
    return true;
  }
  if (defer_) return false;  // shapes inferred later may decide the condition
  if (!FitsLimit(then_g->node_size() + else_g->node_size() + n.output_size())) {
    return Keep(n,
                "its branches would exceed the limit of " + std::to_string(max_nodes_) + " nodes");
  }
  auto t = Splice(*then_g, prefix + "/then/", {}, added);
  auto e = Splice(*else_g, prefix + "/else/", {}, added);
  std::string hint;
  for (const auto& input : eval_.InputsBehind(cond)) {
    hint += (hint.empty() ? "--input-value " : " --input-value ") + input + "=V";
  }
  const bool by_value = !hint.empty();
  if (!by_value) hint = "input shapes that fix the shapes it tests";
  for (int j = 0; j < n.output_size(); ++j) {
    if (n.output(j).empty()) continue;
    const int idx =
        AddNode("Where", prefix + "/select",
                {cond, t[static_cast<size_t>(j)], e[static_cast<size_t>(j)]}, {n.output(j)}, added);
    result_.runtime_selects[store_[static_cast<size_t>(idx)].name()] = hint;
  }
  result_.notes.push_back(Label(n) + ": its condition is known only at run time; both branches " +
                          "are counted (an upper bound); " + hint +
                          (by_value ? " keeps" : " keep") + " the one taken");
  both_branches_ = true;
  return true;
}

bool Inliner::InlineLoop(const onnx::NodeProto& n, std::vector<int>* added) {
  const onnx::GraphProto* body = GraphAttr(n, "body");
  const int carried = n.input_size() - 2;
  if (body == nullptr || carried < 0 || body->input_size() != carried + 2 ||
      body->output_size() < carried + 1 || n.output_size() > body->output_size() - 1) {
    return Keep(n, "its body does not match its inputs");
  }
  auto keep = [&](const std::string& why) { return Keep(n, why); };
  if (n.input(0).empty()) return keep("no trip count (it runs until a condition computed in it)");
  std::optional<Value> m = eval_.Eval(n.input(0));
  if (!m || m->v.size() != 1 || m->v[0] < 0) {
    return keep("its trip count is known only at run time");
  }
  if (m->v[0] > static_cast<double>(max_nodes_)) {  // before a conversion that could overflow
    return keep(ShortNumber(m->v[0]) + " iterations exceed the limit of " +
                std::to_string(max_nodes_) + " nodes");
  }
  auto trips = static_cast<int64_t>(m->v[0]);
  if (!n.input(1).empty()) {
    std::optional<Value> c = eval_.Eval(n.input(1));
    if (!c || c->v.size() != 1) return keep("its start condition is known only at run time");
    if (c->v[0] == 0) trips = 0;
  }
  // A loop that may stop early cannot be unrolled: its body must pass the condition through.
  const std::string& cond_in = body->input(1).name();
  const std::string& cond_out = body->output(0).name();
  bool passes = cond_out == cond_in;
  for (const auto& node : body->node()) {
    if (node.output_size() > 0 && node.output(0) == cond_out && node.op_type() == "Identity" &&
        node.input_size() == 1 && node.input(0) == cond_in) {
      passes = true;
    }
  }
  if (!passes) return keep("its body computes whether to go on, so it may end early");
  const int scans = body->output_size() - 1 - carried;
  if (trips == 0 && scans > 0) return keep("it runs zero times and stacks nothing");
  if (!FitsLimit(trips * (body->node_size() + 2) + carried + 2 * scans)) {
    return keep(std::to_string(trips) + " iterations of " + std::to_string(body->node_size()) +
                " nodes exceed the limit of " + std::to_string(max_nodes_) + " nodes");
  }
  const std::string prefix = n.name().empty() ? "Loop" : n.name();
  std::vector<std::string> state(n.input().begin() + 2, n.input().end());
  std::vector<std::vector<std::string>> stacked(static_cast<size_t>(scans));
  for (int64_t i = 0; i < trips; ++i) {
    const std::string p = prefix + "/" + std::to_string(i) + "/";
    NameMap bind;
    if (!body->input(0).name().empty()) {
      bind[body->input(0).name()] = AddScalar(p + "iteration", TensorProto::INT64, double(i));
    }
    if (!cond_in.empty()) bind[cond_in] = AddScalar(p + "condition", TensorProto::BOOL, 1);
    for (int j = 0; j < carried; ++j) bind[body->input(2 + j).name()] = state[size_t(j)];
    auto outs = Splice(*body, p, bind, added);
    for (int j = 0; j < carried; ++j) state[size_t(j)] = outs[size_t(1 + j)];
    for (int k = 0; k < scans; ++k) stacked[size_t(k)].push_back(outs[size_t(1 + carried + k)]);
  }
  for (int j = 0; j < n.output_size(); ++j) {
    if (n.output(j).empty()) continue;
    if (j < carried) {
      AddNode("Identity", prefix + "/output", {state[size_t(j)]}, {n.output(j)}, added);
    } else {
      Stack(stacked[size_t(j - carried)], 0, n.output(j), prefix + "/", added);
    }
  }
  result_.notes.push_back(Label(n) + ": unrolled, " + std::to_string(trips) + " iterations");
  return true;
}

bool Inliner::InlineScan(const onnx::NodeProto& n, std::vector<int>* added) {
  auto keep = [&](const std::string& why) { return Keep(n, why); };
  const onnx::GraphProto* body = GraphAttr(n, "body");
  if (opset_ < 9) return keep("opset 8's Scan (with a batch axis) is not unrolled");
  const int64_t num_scan = AttrInt(n, "num_scan_inputs", -1);
  const int64_t states = n.input_size() - num_scan;
  if (body == nullptr || num_scan < 1 || states < 0 || body->input_size() != n.input_size() ||
      body->output_size() != n.output_size() || body->output_size() < states) {
    return keep("its body does not match its inputs");
  }
  std::vector<int64_t> in_axes = IntsAttr(n, "scan_input_axes");
  std::vector<int64_t> in_dirs = IntsAttr(n, "scan_input_directions");
  std::vector<int64_t> out_axes = IntsAttr(n, "scan_output_axes");
  std::vector<int64_t> out_dirs = IntsAttr(n, "scan_output_directions");
  const int64_t scan_outs = body->output_size() - states;
  in_axes.resize(static_cast<size_t>(num_scan), 0);
  in_dirs.resize(static_cast<size_t>(num_scan), 0);
  out_axes.resize(static_cast<size_t>(scan_outs), 0);
  out_dirs.resize(static_cast<size_t>(scan_outs), 0);
  int64_t trips = -1;
  for (int64_t m = 0; m < num_scan; ++m) {
    auto shape = shape_of_(n.input(static_cast<int>(states + m)));
    int64_t& axis = in_axes[static_cast<size_t>(m)];
    if (!shape)
      return keep("the shape of scanned input '" + n.input(int(states + m)) + "' is unknown");
    const auto rank = static_cast<int64_t>(shape->size());
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank || (*shape)[size_t(axis)] < 0) {
      return keep("scan axis out of range or unknown");
    }
    if (trips >= 0 && trips != (*shape)[size_t(axis)])
      return keep("scanned inputs differ in length");
    trips = (*shape)[size_t(axis)];
  }
  for (int64_t a : out_axes) {
    if (a < 0) return keep("negative scan output axes are not unrolled");
  }
  if (trips == 0) return keep("it scans zero steps");
  if (trips > max_nodes_ || !FitsLimit(trips * (body->node_size() + num_scan + 2) + states)) {
    return keep(std::to_string(trips) + " steps of " + std::to_string(body->node_size()) +
                " nodes exceed the limit of " + std::to_string(max_nodes_) + " nodes");
  }
  const std::string prefix = n.name().empty() ? "Scan" : n.name();
  std::vector<std::string> state(n.input().begin(), n.input().begin() + states);
  std::vector<std::vector<std::string>> stacked(static_cast<size_t>(scan_outs));
  for (int64_t t = 0; t < trips; ++t) {
    const std::string p = prefix + "/" + std::to_string(t) + "/";
    NameMap bind;
    for (int64_t j = 0; j < states; ++j) bind[body->input(int(j)).name()] = state[size_t(j)];
    for (int64_t m = 0; m < num_scan; ++m) {
      const int64_t at = in_dirs[size_t(m)] == 1 ? trips - 1 - t : t;
      const std::string slice = Fresh(p + "slice");
      const int idx = AddNode(
          "Gather", p + "slice",
          {n.input(int(states + m)), AddScalar(p + "index", TensorProto::INT64, double(at))},
          {slice}, added);
      auto* a = store_[static_cast<size_t>(idx)].add_attribute();
      a->set_name("axis");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(in_axes[size_t(m)]);
      bind[body->input(int(states + m)).name()] = slice;
    }
    auto outs = Splice(*body, p, bind, added);
    for (int64_t j = 0; j < states; ++j) state[size_t(j)] = outs[size_t(j)];
    for (int64_t k = 0; k < scan_outs; ++k) stacked[size_t(k)].push_back(outs[size_t(states + k)]);
  }
  for (int64_t j = 0; j < n.output_size(); ++j) {
    if (n.output(int(j)).empty()) continue;
    if (j < states) {
      AddNode("Identity", prefix + "/output", {state[size_t(j)]}, {n.output(int(j))}, added);
      continue;
    }
    auto parts = stacked[size_t(j - states)];
    if (out_dirs[size_t(j - states)] == 1) std::reverse(parts.begin(), parts.end());
    Stack(parts, out_axes[size_t(j - states)], n.output(int(j)), prefix + "/", added);
  }
  result_.notes.push_back(Label(n) + ": unrolled, " + std::to_string(trips) + " steps");
  return true;
}

void Inliner::RemoveDeadConstantNodes() {
  // Conditions and trip counts the evaluator folded feed nothing once their If or Loop is gone;
  // so does the arithmetic behind them. Nodes whose every output was folded and is read by
  // nothing are dropped (ONNX Runtime drops them too).
  std::unordered_map<std::string, int> reads;
  auto count_graph = [&](const onnx::GraphProto& sub, auto& self) -> void {
    for (const auto& n : sub.node()) {
      for (const auto& in : n.input()) ++reads[in];
      for (const auto& a : n.attribute()) {
        if (a.has_g()) self(a.g(), self);
        for (const auto& s : a.graphs()) self(s, self);
      }
    }
    for (const auto& o : sub.output()) ++reads[o.name()];
  };
  for (int idx : order_) {
    const onnx::NodeProto& n = store_[static_cast<size_t>(idx)];
    for (const auto& in : n.input()) ++reads[in];
    for (const auto& a : n.attribute()) {
      if (a.has_g()) count_graph(a.g(), count_graph);
      for (const auto& s : a.graphs()) count_graph(s, count_graph);
    }
  }
  for (const auto& o : g_->output()) ++reads[o.name()];
  std::vector<char> dead(order_.size(), 0);
  for (size_t i = order_.size(); i-- > 0;) {
    const onnx::NodeProto& n = store_[static_cast<size_t>(order_[i])];
    bool drop = n.output_size() > 0;
    for (const auto& out : n.output()) drop &= out.empty() || (reads[out] == 0 && eval_.Known(out));
    if (!drop) continue;
    dead[i] = 1;
    for (const auto& in : n.input()) --reads[in];
  }
  std::vector<int> kept;
  for (size_t i = 0; i < order_.size(); ++i) {
    if (!dead[i]) kept.push_back(order_[i]);
  }
  order_ = std::move(kept);
}

StatusOr<ControlFlowResult> Inliner::Run() {
  CollectNames(*g_, &taken_);
  for (const auto& v : g_->input()) eval_.AddInput(v.name());
  for (const auto& init : g_->initializer()) {
    if (auto v = Decode(init)) eval_.AddConstant(init.name(), *v);
  }
  std::deque<int> queue;
  for (const auto& node : g_->node()) queue.push_back(Store(node));
  while (!queue.empty()) {
    const int idx = queue.front();
    queue.pop_front();
    const onnx::NodeProto& n = store_[static_cast<size_t>(idx)];
    std::vector<int> added;
    bool inlined = false;
    if (IsDefaultDomain(n)) {
      if (n.op_type() == "If")
        inlined = InlineIf(n, &added);
      else if (n.op_type() == "Loop")
        inlined = InlineLoop(n, &added);
      else if (n.op_type() == "Scan")
        inlined = InlineScan(n, &added);
    }
    if (!inlined) {
      order_.push_back(idx);
      continue;
    }
    ++result_.inlined;
    if (both_branches_) {
      // Control flow inside either branch waits for the caller's next round, when inferred
      // shapes may decide its conditions.
      both_branches_ = false;
      order_.insert(order_.end(), added.begin(), added.end());
      continue;
    }
    // What a branch or a body holds may itself be control flow: it is processed next.
    queue.insert(queue.begin(), added.begin(), added.end());
  }
  if (result_.inlined > 0) {
    RemoveDeadConstantNodes();
    g_->clear_node();
    for (int idx : order_) g_->add_node()->Swap(&store_[static_cast<size_t>(idx)]);
  }
  return std::move(result_);
}

}  // namespace

bool HasControlFlow(const onnx::ModelProto& model) {
  for (const auto& n : model.graph().node()) {
    if (IsDefaultDomain(n) &&
        (n.op_type() == "If" || n.op_type() == "Loop" || n.op_type() == "Scan")) {
      return true;
    }
  }
  return false;
}

StatusOr<ControlFlowResult> InlineControlFlow(onnx::ModelProto* model, int64_t max_nodes,
                                              const ShapeLookup& shape_of, bool defer_unknown) {
  Inliner inliner(model, max_nodes, shape_of, defer_unknown);
  return inliner.Run();
}

}  // namespace mbench::analyzer
