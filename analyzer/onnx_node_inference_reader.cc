#include "analyzer/onnx_node_inference_reader.h"

#include <exception>
#include <map>
#include <memory>

#include "analyzer/onnx_eval_reader.h"
#include "onnx/defs/schema.h"
#include "onnx/defs/shape_inference.h"
#include "onnx/onnx_pb.h"

namespace mbench::analyzer {
namespace {

// Constants offered to inference functions: what they read are shapes, pads and scales, never
// weights; larger tensors are left out (their data may not even be in the parsed model).
constexpr int64_t kMaxOfferedElements = 4096;

class NodeContext : public onnx::InferenceContext {
 public:
  NodeContext(const onnx::NodeProto& node,
              const std::unordered_map<std::string, onnx::TypeProto>& types,
              const std::unordered_map<std::string, const onnx::TensorProto*>& data) {
    for (const auto& a : node.attribute()) attributes_[a.name()] = &a;
    for (const auto& in : node.input()) {
      auto t = types.find(in);
      inputs_.push_back(in.empty() || t == types.end() ? nullptr : &t->second);
      auto d = data.find(in);
      data_.push_back(in.empty() || d == data.end() ? nullptr : d->second);
    }
    outputs_.resize(static_cast<size_t>(node.output_size()));
  }

  const onnx::AttributeProto* getAttribute(const std::string& name) const override {
    auto it = attributes_.find(name);
    return it == attributes_.end() ? nullptr : it->second;
  }
  size_t getNumInputs() const override { return inputs_.size(); }
  const onnx::TypeProto* getInputType(size_t i) const override {
    return i < inputs_.size() ? inputs_[i] : nullptr;
  }
  const onnx::TensorProto* getInputData(size_t i) const override {
    return i < data_.size() ? data_[i] : nullptr;
  }
  size_t getNumOutputs() const override { return outputs_.size(); }
  onnx::TypeProto* getOutputType(size_t i) override { return &outputs_.at(i); }
  onnx::GraphInferencer* getGraphAttributeInferencer(const std::string&) override {
    return nullptr;
  }
  const onnx::SparseTensorProto* getInputSparseData(size_t) const override { return nullptr; }
  const onnx::TensorShapeProto* getSymbolicInput(size_t) const override { return nullptr; }

  std::vector<onnx::TypeProto>& outputs() { return outputs_; }

 private:
  std::map<std::string, const onnx::AttributeProto*> attributes_;
  std::vector<const onnx::TypeProto*> inputs_;
  std::vector<const onnx::TensorProto*> data_;
  std::vector<onnx::TypeProto> outputs_;
};

bool Small(const onnx::TensorProto& t) {
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && n > kMaxOfferedElements / d)) return false;
    n *= d;
  }
  return n <= kMaxOfferedElements;
}

onnx::TypeProto TypeOf(const onnx::TensorProto& t) {
  onnx::TypeProto type;
  auto* tt = type.mutable_tensor_type();
  tt->set_elem_type(t.data_type());
  auto* shape = tt->mutable_shape();
  for (int64_t d : t.dims()) shape->add_dim()->set_dim_value(d);
  return type;
}

// Keeps in `inferred` the dimensions `earlier` knew and it does not (same rank only).
void KeepKnownDims(const onnx::TypeProto& earlier, onnx::TypeProto* inferred) {
  if (!earlier.has_tensor_type() || !inferred->has_tensor_type()) return;
  const auto& a = earlier.tensor_type();
  auto* b = inferred->mutable_tensor_type();
  if (!a.has_shape()) return;
  if (!b->has_shape()) {
    *b->mutable_shape() = a.shape();
    return;
  }
  if (a.shape().dim_size() != b->shape().dim_size()) return;
  for (int i = 0; i < a.shape().dim_size(); ++i) {
    auto* d = b->mutable_shape()->mutable_dim(i);
    if (!d->has_dim_value() && a.shape().dim(i).has_dim_value()) {
      d->set_dim_value(a.shape().dim(i).dim_value());
    }
  }
}

}  // namespace

void InferShapesNodeByNode(
    onnx::ModelProto* model,
    const std::unordered_map<std::string, std::vector<int64_t>>& known_values,
    std::unordered_map<std::string, std::vector<int64_t>>* computed) {
  onnx::GraphProto* g = model->mutable_graph();
  std::map<std::string, int> opsets;
  for (const auto& imp : model->opset_import()) {
    opsets[imp.domain() == "ai.onnx" ? "" : imp.domain()] = static_cast<int>(imp.version());
  }
  std::unordered_map<std::string, onnx::TypeProto> types;
  std::unordered_map<std::string, const onnx::TensorProto*> data;
  std::vector<std::unique_ptr<onnx::TensorProto>> made;  // tensors built from known_values
  for (const auto& v : g->input()) {
    if (v.has_type()) types[v.name()] = v.type();
  }
  for (const auto& init : g->initializer()) {
    types[init.name()] = TypeOf(init);
    if (Small(init)) data[init.name()] = &init;
  }
  // What value_info already says stands where a node's inference fails, and its known
  // dimensions stay where the inferred ones are unknown.
  std::unordered_map<std::string, onnx::TypeProto> earlier;
  for (const auto& v : g->value_info()) {
    earlier[v.name()] = v.type();
    types.emplace(v.name(), v.type());
  }
  for (const auto& [name, values] : known_values) {
    if (data.count(name) || values.size() > static_cast<size_t>(kMaxOfferedElements)) continue;
    auto t = std::make_unique<onnx::TensorProto>();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) t->add_int64_data(v);
    data[name] = t.get();
    made.push_back(std::move(t));
  }
  // Shape arithmetic (Shape -> Gather -> Concat -> Reshape) evaluated as the pass goes, so that
  // functions reading a computed shape see its values, as libonnx's data propagation would.
  ShapeLookup shape_of = [&](const std::string& name) -> std::optional<std::vector<int64_t>> {
    auto t = types.find(name);
    if (t == types.end() || !t->second.has_tensor_type() || !t->second.tensor_type().has_shape()) {
      return std::nullopt;
    }
    std::vector<int64_t> dims;
    for (const auto& d : t->second.tensor_type().shape().dim()) {
      if (!d.has_dim_value()) return std::nullopt;
      dims.push_back(d.dim_value());
    }
    return dims;
  };
  onnx_eval::Evaluator eval(shape_of);
  for (const auto& [name, tensor] : data) {
    if (auto v = onnx_eval::Decode(*tensor)) eval.AddConstant(name, *v);
  }
  for (const auto& node : g->node()) {
    for (const auto& out : node.output()) {
      if (!out.empty()) eval.AddProducer(out, &node);
    }
  }
  for (const auto& node : g->node()) {
    const std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
    auto op = opsets.find(domain);
    if (op == opsets.end()) continue;
    // Subgraph ops need a graph inferencer; what the reader could not inline stays untyped.
    if (domain.empty() &&
        (node.op_type() == "If" || node.op_type() == "Loop" || node.op_type() == "Scan")) {
      continue;
    }
    const onnx::OpSchema* schema =
        onnx::OpSchemaRegistry::Schema(node.op_type(), op->second, domain);
    if (schema == nullptr || !schema->has_type_and_shape_inference_function()) continue;
    bool typed = true;
    for (const auto& in : node.input()) typed &= in.empty() || types.count(in) > 0;
    if (!typed) continue;
    NodeContext ctx(node, types, data);
    try {
      schema->GetTypeAndShapeInferenceFunction()(ctx);
    } catch (const std::exception&) {
      continue;  // its outputs stay untyped; mbench's own inference may still resolve them
    }
    for (int j = 0; j < node.output_size(); ++j) {
      onnx::TypeProto& t = ctx.outputs()[static_cast<size_t>(j)];
      if (node.output(j).empty() || t.value_case() == onnx::TypeProto::VALUE_NOT_SET) continue;
      if (auto e = earlier.find(node.output(j)); e != earlier.end()) KeepKnownDims(e->second, &t);
      types[node.output(j)] = t;
    }
    for (const auto& out : node.output()) {
      if (out.empty() || data.count(out)) continue;
      std::optional<onnx_eval::Value> v = eval.Eval(out);
      if (!v || !onnx_eval::IsIntegral(v->type)) continue;
      auto t = std::make_unique<onnx::TensorProto>();
      onnx_eval::Encode(out, *v, t.get());
      if (computed != nullptr) {
        (*computed)[out].assign(t->int64_data().begin(), t->int64_data().end());
      }
      data[out] = t.get();
      made.push_back(std::move(t));
    }
  }
  // Back into the model: value_info for every typed node output (inferred, or as it was), and
  // the outputs' types where the file gave no shape.
  std::unordered_map<std::string, onnx::TypeProto> produced;
  for (const auto& node : g->node()) {
    for (const auto& out : node.output()) {
      auto t = types.find(out);
      if (!out.empty() && t != types.end()) produced[out] = t->second;
    }
  }
  for (auto& out : *g->mutable_output()) {
    auto t = produced.find(out.name());
    if (t == produced.end()) continue;
    const bool has_shape = out.type().has_tensor_type() && out.type().tensor_type().has_shape();
    if (!has_shape)
      *out.mutable_type() = t->second;
    else
      KeepKnownDims(t->second, out.mutable_type());
  }
  g->clear_value_info();
  for (const auto& node : g->node()) {
    for (const auto& out : node.output()) {
      auto t = produced.find(out);
      if (out.empty() || t == produced.end()) continue;
      auto* vi = g->add_value_info();
      vi->set_name(out);
      *vi->mutable_type() = t->second;
    }
  }
}

}  // namespace mbench::analyzer
