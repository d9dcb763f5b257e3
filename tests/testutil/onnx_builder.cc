#include "tests/testutil/onnx_builder.h"

#include <cstring>
#include <fstream>
#include <map>

#include "onnx/onnx_pb.h"

namespace mbench::testing {

struct OnnxBuilder::Impl {
  onnx::ModelProto model;
  int counter = 0;
  std::map<std::string, std::string> external;  // weight name -> file
};

OnnxBuilder::OnnxBuilder(int64_t opset) : impl_(std::make_unique<Impl>()) {
  impl_->model.set_ir_version(7);
  impl_->model.set_producer_name("mbench-test");
  auto* imp = impl_->model.add_opset_import();
  imp->set_domain("");
  imp->set_version(opset);
  impl_->model.mutable_graph()->set_name("test");
}

OnnxBuilder::~OnnxBuilder() = default;

std::string OnnxBuilder::Input(const std::string& name, const std::vector<int64_t>& dims,
                               int32_t type) {
  auto* in = impl_->model.mutable_graph()->add_input();
  in->set_name(name);
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(type);
  auto* shape = tt->mutable_shape();
  for (size_t i = 0; i < dims.size(); ++i) {
    auto* d = shape->add_dim();
    if (dims[i] >= 0) {
      d->set_dim_value(dims[i]);
    } else {
      d->set_dim_param("d" + std::to_string(i));
    }
  }
  return name;
}

std::string OnnxBuilder::Weight(const std::string& name, const std::vector<int64_t>& dims,
                                int32_t type, float fill) {
  auto* t = impl_->model.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  int64_t n = 1;
  for (int64_t d : dims) {
    t->add_dims(d);
    n *= d;
  }
  size_t elem = type == kOnnxFloat || type == kOnnxInt32 ? 4
                : type == kOnnxInt64                     ? 8
                : type == kOnnxFloat16                   ? 2
                                                         : 1;
  std::string raw(static_cast<size_t>(n) * elem, '\0');
  if (type == kOnnxFloat) {
    for (int64_t i = 0; i < n; ++i) std::memcpy(raw.data() + i * 4, &fill, 4);
  }
  t->set_raw_data(raw);
  return name;
}

std::string OnnxBuilder::Int64s(const std::string& name, const std::vector<int64_t>& values,
                                bool scalar) {
  auto* t = impl_->model.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(kOnnxInt64);
  if (!scalar) t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
  return name;
}

std::string OnnxBuilder::Node(const std::string& op_type, const std::vector<std::string>& inputs,
                              const std::vector<OnnxAttr>& attrs, int num_outputs,
                              const std::string& name, const std::string& domain) {
  auto* n = impl_->model.mutable_graph()->add_node();
  std::string node_name = name.empty() ? op_type + std::to_string(impl_->counter++) : name;
  n->set_name(node_name);
  n->set_op_type(op_type);
  if (!domain.empty()) {
    n->set_domain(domain);
    bool have = false;
    for (const auto& imp : impl_->model.opset_import()) have |= imp.domain() == domain;
    if (!have) {
      auto* imp = impl_->model.add_opset_import();
      imp->set_domain(domain);
      imp->set_version(1);
    }
  }
  for (const auto& in : inputs) n->add_input(in);
  for (int i = 0; i < num_outputs; ++i) n->add_output(node_name + "_out" + std::to_string(i));
  for (const auto& a : attrs) {
    auto* p = n->add_attribute();
    p->set_name(a.name);
    if (const auto* i = std::get_if<int64_t>(&a.value)) {
      p->set_type(onnx::AttributeProto::INT);
      p->set_i(*i);
    } else if (const auto* f = std::get_if<float>(&a.value)) {
      p->set_type(onnx::AttributeProto::FLOAT);
      p->set_f(*f);
    } else if (const auto* s = std::get_if<std::string>(&a.value)) {
      p->set_type(onnx::AttributeProto::STRING);
      p->set_s(*s);
    } else if (const auto* is = std::get_if<std::vector<int64_t>>(&a.value)) {
      p->set_type(onnx::AttributeProto::INTS);
      for (int64_t v : *is) p->add_ints(v);
    } else if (const auto* fs = std::get_if<std::vector<float>>(&a.value)) {
      p->set_type(onnx::AttributeProto::FLOATS);
      for (float v : *fs) p->add_floats(v);
    }
  }
  return n->output(0);
}

void OnnxBuilder::SetInputDim(const std::string& name, int axis, int64_t value) {
  for (auto& in : *impl_->model.mutable_graph()->mutable_input()) {
    if (in.name() != name) continue;
    in.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(axis)->set_dim_value(
        value);
  }
}

void OnnxBuilder::Output(const std::string& name) {
  auto* out = impl_->model.mutable_graph()->add_output();
  out->set_name(name);
}

void OnnxBuilder::MakeExternal(const std::string& name, const std::string& location) {
  for (auto& t : *impl_->model.mutable_graph()->mutable_initializer()) {
    if (t.name() != name) continue;
    impl_->external[name] = location;
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    auto* loc = t.add_external_data();
    loc->set_key("location");
    loc->set_value(location);
    auto* len = t.add_external_data();
    len->set_key("length");
    len->set_value(std::to_string(t.raw_data().size()));
  }
}

std::string OnnxBuilder::Serialize() const {
  onnx::ModelProto copy = impl_->model;
  for (auto& t : *copy.mutable_graph()->mutable_initializer()) {
    if (t.data_location() == onnx::TensorProto::EXTERNAL) t.clear_raw_data();
  }
  return copy.SerializeAsString();
}

std::string OnnxBuilder::WriteTo(const std::string& dir, const std::string& file_name) const {
  for (const auto& t : impl_->model.graph().initializer()) {
    auto it = impl_->external.find(t.name());
    if (it == impl_->external.end()) continue;
    std::ofstream(dir + "/" + it->second, std::ios::binary) << t.raw_data();
  }
  std::string path = dir + "/" + file_name;
  std::ofstream(path, std::ios::binary) << Serialize();
  return path;
}

}  // namespace mbench::testing
