#include "analyzer/onnx_writer.h"

#include <cmath>
#include <cstring>
#include <exception>
#include <fstream>
#include <random>

#include "onnx/checker.h"
#include "onnx/onnx_pb.h"

namespace mbench::analyzer {
namespace {

constexpr int64_t kOpset = 17;  // HardSwish entered at opset 14, LayerNormalization at 17

void SetShape(onnx::ValueInfoProto* vi, const TensorInfo& t) {
  vi->set_name(t.name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : t.shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

class Writer {
 public:
  Writer(const Graph& g, uint32_t seed) : g_(g), rng_(seed) {}

  Status Build(onnx::ModelProto* model) {
    model->set_ir_version(7);
    model->set_producer_name("mbench");
    model->set_producer_version(g_.producer);
    auto* opset = model->add_opset_import();
    opset->set_domain("");
    opset->set_version(kOpset);
    graph_ = model->mutable_graph();
    graph_->set_name("mbench_zoo");
    for (int32_t in : g_.inputs) SetShape(graph_->add_input(), g_.tensors[in]);
    for (int32_t out : g_.outputs) SetShape(graph_->add_output(), g_.tensors[out]);
    for (size_t i = 0; i < g_.tensors.size(); ++i) {
      if (g_.tensors[i].is_constant)
        written_.push_back(false);
      else
        written_.push_back(true);
    }
    for (const Node& n : g_.nodes) MBENCH_RETURN_IF_ERROR(WriteNode(n));
    return Status::Ok();
  }

 private:
  std::string Name(int32_t t) { return t < 0 ? std::string() : g_.tensors[t].name; }

  // Emits the initializer for constant tensor `t` the first time a node reads it: its values
  // when the graph holds them (scales, indices), else seeded random ones. `dims` overrides the
  // stored shape (a transposed weight).
  void Initializer(int32_t t, double scale, bool positive = false, const Shape* dims = nullptr) {
    if (t < 0 || written_[t]) return;
    written_[t] = true;
    const TensorInfo& info = g_.tensors[t];
    auto* init = graph_->add_initializer();
    init->set_name(info.name);
    if (info.has_values && !info.int_values.empty()) {
      init->set_data_type(onnx::TensorProto::INT64);
      for (int64_t d : info.shape) init->add_dims(d);
      for (int64_t v : info.int_values) init->add_int64_data(v);
      return;
    }
    init->set_data_type(onnx::TensorProto::FLOAT);
    if (info.has_values) {
      for (int64_t d : info.shape) init->add_dims(d);
      for (double v : info.float_values) init->add_float_data(static_cast<float>(v));
      return;
    }
    int64_t n = 1;
    for (int64_t d : dims != nullptr ? *dims : info.shape) {
      init->add_dims(d);
      n *= d;
    }
    std::normal_distribution<float> dist(0.0f, static_cast<float>(scale));
    std::string raw(static_cast<size_t>(n) * 4, '\0');
    for (int64_t i = 0; i < n; ++i) {
      float v = dist(rng_);
      if (positive) v = std::fabs(v) + 0.5f;
      std::memcpy(raw.data() + i * 4, &v, 4);
    }
    init->set_raw_data(raw);
  }

  std::string ScalarInit(float v) {
    std::string name = "const_" + std::to_string(constants_++);
    auto* init = graph_->add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::FLOAT);
    init->add_float_data(v);
    return name;
  }

  std::string IntsInit(const std::vector<int64_t>& v) {
    std::string name = "const_" + std::to_string(constants_++);
    auto* init = graph_->add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::INT64);
    init->add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) init->add_int64_data(x);
    return name;
  }

  onnx::NodeProto* Emit(const std::string& op, const std::string& name,
                        const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs) {
    auto* p = graph_->add_node();
    p->set_op_type(op);
    p->set_name(name);
    for (const auto& i : inputs) p->add_input(i);
    for (const auto& o : outputs) p->add_output(o);
    return p;
  }

  static void Ints(onnx::NodeProto* p, const std::string& key, const std::vector<int64_t>& v) {
    auto* a = p->add_attribute();
    a->set_name(key);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void Int(onnx::NodeProto* p, const std::string& key, int64_t v) {
    auto* a = p->add_attribute();
    a->set_name(key);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }

  Status WriteNode(const Node& n) {
    // Constants the cases below do not initialize themselves (scales, indices, learned tokens).
    if (n.kind != OpKind::kConv && n.kind != OpKind::kDepthwiseConv &&
        n.kind != OpKind::kBatchNorm && n.kind != OpKind::kFullyConnected &&
        n.kind != OpKind::kLayerNorm) {
      for (int32_t t : n.inputs) Initializer(t, 0.02);
    }
    std::vector<std::string> in, out;
    for (int32_t t : n.inputs) in.push_back(Name(t));
    for (int32_t t : n.outputs) out.push_back(Name(t));
    while (!in.empty() && in.back().empty()) in.pop_back();
    switch (n.kind) {
      case OpKind::kConv:
      case OpKind::kDepthwiseConv: {
        const Shape& w = g_.tensors[n.inputs[1]].shape;
        Initializer(n.inputs[1], std::sqrt(2.0 / (w[1] * w[2] * w[3])));
        if (n.inputs.size() > 2) Initializer(n.inputs[2], 0.01);
        auto* p = Emit("Conv", n.name, in, out);
        for (const char* key : {"kernel_shape", "strides", "pads", "dilations"}) {
          if (n.HasAttr(key)) Ints(p, key, n.GetInts(key));
        }
        Int(p, "group", n.GetInt("group", 1));
        return Status::Ok();
      }
      case OpKind::kConvTranspose: {
        const Shape& w = g_.tensors[n.inputs[1]].shape;
        Initializer(n.inputs[1], std::sqrt(1.0 / (w[0] * w[2] * w[3])));
        if (n.inputs.size() > 2) Initializer(n.inputs[2], 0.01);
        auto* p = Emit("ConvTranspose", n.name, in, out);
        for (const char* key : {"kernel_shape", "strides", "pads"}) {
          if (n.HasAttr(key)) Ints(p, key, n.GetInts(key));
        }
        Int(p, "group", n.GetInt("group", 1));
        return Status::Ok();
      }
      case OpKind::kBatchNorm:
        Initializer(n.inputs[1], 0.1, true);
        Initializer(n.inputs[2], 0.01);
        Initializer(n.inputs[3], 0.01);
        Initializer(n.inputs[4], 0.1, true);
        Emit("BatchNormalization", n.name, in, out);
        return Status::Ok();
      case OpKind::kFullyConnected: {
        const Shape& w = g_.tensors[n.inputs[1]].shape;
        bool has_bias = n.inputs.size() > 2 && n.inputs[2] >= 0;
        if (has_bias) Initializer(n.inputs[2], 0.01);
        if (g_.tensors[n.inputs[0]].shape.size() == 2) {
          Initializer(n.inputs[1], std::sqrt(1.0 / w[1]));
          Int(Emit("Gemm", n.name, in, out), "transB", 1);
          return Status::Ok();
        }
        // Gemm is 2-D only: tokens go through MatMul with the weight stored as [in, out].
        Shape transposed = {w[1], w[0]};
        Initializer(n.inputs[1], std::sqrt(1.0 / w[1]), false, &transposed);
        if (!has_bias) {
          Emit("MatMul", n.name, {in[0], in[1]}, out);
          return Status::Ok();
        }
        std::string product = n.name + ".matmul";
        Emit("MatMul", product, {in[0], in[1]}, {product});
        Emit("Add", n.name, {product, in[2]}, out);
        return Status::Ok();
      }
      case OpKind::kLayerNorm:
        Initializer(n.inputs[1], 0.1, true);
        Initializer(n.inputs[2], 0.01);
        Int(Emit("LayerNormalization", n.name, in, out), "axis", n.GetInt("axis", -1));
        return Status::Ok();
      case OpKind::kGelu: {
        // GELU(x) = x * 0.5 * (1 + erf(x / sqrt(2))); ONNX has no Gelu op before opset 20.
        std::string a = n.name + ".div", e = n.name + ".erf", p1 = n.name + ".add",
                    m = n.name + ".mul";
        Emit("Div", a, {in[0], ScalarInit(1.41421356f)}, {a});
        Emit("Erf", e, {a}, {e});
        Emit("Add", p1, {e, ScalarInit(1.0f)}, {p1});
        Emit("Mul", m, {in[0], p1}, {m});
        Emit("Mul", n.name, {m, ScalarInit(0.5f)}, out);
        return Status::Ok();
      }
      case OpKind::kReshape:
        Emit("Reshape", n.name, {in[0], IntsInit(n.GetInts("shape"))}, out);
        return Status::Ok();
      case OpKind::kTranspose:
        Ints(Emit("Transpose", n.name, in, out), "perm", n.GetInts("perm"));
        return Status::Ok();
      case OpKind::kSoftmax:
        Int(Emit("Softmax", n.name, in, out), "axis", n.GetInt("axis", -1));
        return Status::Ok();
      case OpKind::kMatMul: Emit("MatMul", n.name, in, out); return Status::Ok();
      case OpKind::kResize: {
        auto* p = Emit("Resize", n.name, {in[0], "", "", IntsInit(n.GetInts("sizes"))}, out);
        auto* a = p->add_attribute();
        a->set_name("mode");
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s(n.GetString("mode", "nearest"));
        return Status::Ok();
      }
      case OpKind::kPad:
        Emit("Pad", n.name, {in[0], IntsInit(n.GetInts("pads"))}, out);
        return Status::Ok();
      case OpKind::kGather:
        Int(Emit("Gather", n.name, in, out), "axis", n.GetInt("axis", 0));
        return Status::Ok();
      case OpKind::kClip:
        Emit("Clip", n.name,
             {in[0], ScalarInit(static_cast<float>(n.GetFloat("min", 0))),
              ScalarInit(static_cast<float>(n.GetFloat("max", 6)))},
             out);
        return Status::Ok();
      case OpKind::kSwish: {
        // SiLU has no ONNX op at opset 13: x * sigmoid(x).
        std::string gate = n.name + ".sigmoid";
        Emit("Sigmoid", gate, {in[0]}, {gate});
        Emit("Mul", n.name, {in[0], gate}, out);
        return Status::Ok();
      }
      case OpKind::kShuffleChannel: {
        const Shape& s = g_.tensors[n.inputs[0]].shape;
        int64_t groups = n.GetInt("group", 2);
        std::string a = n.name + ".split", b = n.name + ".swapped";
        Emit("Reshape", n.name + "/reshape0",
             {in[0], IntsInit({s[0], groups, s[1] / groups, s[2], s[3]})}, {a});
        Ints(Emit("Transpose", n.name + "/transpose", {a}, {b}), "perm", {0, 2, 1, 3, 4});
        Emit("Reshape", n.name, {b, IntsInit(s)}, out);
        return Status::Ok();
      }
      case OpKind::kSplit: {
        const Shape& s = g_.tensors[n.outputs[0]].shape;
        Int(Emit("Split", n.name, {in[0], IntsInit({s[1], s[1]})}, out), "axis", 1);
        return Status::Ok();
      }
      case OpKind::kMaxPool:
      case OpKind::kAveragePool: {
        if (n.GetInt("adaptive", 0)) {
          return Status::Unsupported("ONNX export: layer '" + n.name + "' is an adaptive pool " +
                                     "with uneven windows, which ONNX cannot express; export at " +
                                     "the architecture's default resolution");
        }
        auto* p = Emit(n.kind == OpKind::kMaxPool ? "MaxPool" : "AveragePool", n.name, in, out);
        for (const char* key : {"kernel_shape", "strides", "pads"}) Ints(p, key, n.GetInts(key));
        Int(p, "ceil_mode", n.GetInt("ceil_mode", 0));
        return Status::Ok();
      }
      case OpKind::kConcat:
        Int(Emit("Concat", n.name, in, out), "axis", n.GetInt("axis", 1));
        return Status::Ok();
      case OpKind::kFlatten:
        Int(Emit("Flatten", n.name, in, out), "axis", n.GetInt("axis", 1));
        return Status::Ok();
      case OpKind::kRelu: Emit("Relu", n.name, in, out); return Status::Ok();
      case OpKind::kSigmoid: Emit("Sigmoid", n.name, in, out); return Status::Ok();
      case OpKind::kHardSigmoid: Emit("HardSigmoid", n.name, in, out); return Status::Ok();
      case OpKind::kHardSwish: Emit("HardSwish", n.name, in, out); return Status::Ok();
      case OpKind::kAdd: Emit("Add", n.name, in, out); return Status::Ok();
      case OpKind::kMul: Emit("Mul", n.name, in, out); return Status::Ok();
      case OpKind::kGlobalAveragePool:
        Emit("GlobalAveragePool", n.name, in, out);
        return Status::Ok();
      case OpKind::kDropout: Emit("Identity", n.name, in, out); return Status::Ok();
      default:
        return Status::Unsupported("ONNX export: layer '" + n.name + "' has op kind '" +
                                   OpKindName(n.kind) + "', which the writer does not express");
    }
  }

  const Graph& g_;
  std::mt19937 rng_;
  onnx::GraphProto* graph_ = nullptr;
  std::vector<bool> written_;
  int constants_ = 0;
};

}  // namespace

Status WriteOnnxModel(const Graph& graph, const std::string& path, uint32_t seed) {
  onnx::ModelProto model;
  Writer writer(graph, seed);
  MBENCH_RETURN_IF_ERROR(writer.Build(&model));
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("ONNX export failed the checker: ") + e.what());
  }
  std::ofstream out(path, std::ios::binary);
  if (!out || !model.SerializeToOstream(&out)) {
    return Status::IOError(path + ": cannot write the ONNX model");
  }
  return Status::Ok();
}

}  // namespace mbench::analyzer
