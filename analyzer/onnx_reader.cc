#include "analyzer/onnx_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "analyzer/limits.h"
#include "analyzer/onnx_control_flow_reader.h"
#include "analyzer/onnx_node_inference_reader.h"
#include "analyzer/onnx_ops.h"
#include "analyzer/onnx_proto_reader.h"
#include "analyzer/onnx_tensor_reader.h"
#include "analyzer/shape_inference.h"
#include "core/env.h"
#include "core/half.h"
#include "core/text.h"
#include "core/units.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

namespace mbench::analyzer {
namespace {

class Converter {
 public:
  Converter(const std::string& path, const ReadOptions& options) : path_(path), options_(options) {}

  StatusOr<Graph> Run(std::string_view bytes);

 private:
  Status Err(StatusCode code, const std::string& msg) const;
  Status CheckHeader();
  Status FixInputShapes();
  // Inputs given a value (--input-value) become initializers of the main graph.
  Status FixInputValues();
  // If, Loop and Scan replaced by their subgraphs' nodes where the reader can (see
  // onnx_control_flow_reader.h); their notes join the graph's.
  Status InlineControlFlowNodes();
  // Window and grouping attributes a division or a loop depends on, checked before anything
  // (libonnx's shape inference included, which divides by strides) reads them; recurses into
  // subgraphs. kCorruption naming the node and the attribute.
  Status CheckAttributes(const onnx::GraphProto& g) const;
  // Reorders the main graph's nodes so each comes after the nodes whose outputs it reads
  // (names its subgraphs read included), as ONNX Runtime does: exporters sometimes store a Cast
  // after its readers. Stable; a graph in order is left as it is. kCorruption naming a cycle.
  Status SortNodes();
  void RunOnnxShapeInference();
  // `sparse`: a sparse initializer's dense form, whose stored values are fewer than its shape.
  // `kept_raw`: its raw_data when the parse left it in the file (see StripLargeRawData).
  Status AddConstant(const onnx::TensorProto& p, const std::string& name, bool sparse = false,
                     const std::string_view* kept_raw = nullptr);
  // The side file of an external initializer: `location` resolved against the model's folder,
  // which it may not leave (no absolute path, no "..", no symlink out). kCorruption otherwise.
  StatusOr<std::string> ExternalDataPath(const std::string& location,
                                         const std::string& name) const;
  Status AddNode(const onnx::NodeProto& p, int index);
  int32_t TensorFor(const std::string& name, bool* created);
  void ApplyType(const onnx::TypeProto& type, TensorInfo& t) const;
  void CollectTypes();
  void ResolveShapesIteratively();

  const std::string& path_;
  const ReadOptions& options_;
  onnx::ModelProto model_;
  Graph graph_;
  std::unordered_map<std::string, int32_t> by_name_;
  std::unordered_map<std::string, const onnx::TypeProto*> types_;
  std::unordered_set<std::string> node_names_;
  int64_t schema_opset_ = 0;
  // Where nodes that choose an If's outputs at run time, and what would fix the condition.
  std::map<std::string, std::string> runtime_selects_;
  // Control flow was inlined: libonnx's whole-graph inference, which crashed in libonnx 1.12 on
  // such graphs, gives way to InferShapesNodeByNode.
  bool inlined_ = false;
  // Integer values that inference evaluated (shape arithmetic inside inlined subgraphs), kept
  // on the Graph's tensors for shape inference, cost rules and the runner.
  std::unordered_map<std::string, std::vector<int64_t>> computed_;
  void ApplyComputedValues();
  int last_resolved_ = -1;  // tensors resolved after ResolveShapesIteratively's last round
};

void Converter::ApplyComputedValues() {
  for (TensorInfo& t : graph_.tensors) {
    if (t.has_values || t.is_constant || !IsInteger(t.dtype)) continue;
    auto it = computed_.find(t.name);
    if (it == computed_.end()) continue;
    if (auto n = NumElements(t.shape); !n || *n != static_cast<int64_t>(it->second.size())) {
      continue;
    }
    t.int_values = it->second;
    t.has_values = true;
  }
}

Status Converter::Err(StatusCode code, const std::string& msg) const {
  std::string full = path_ + ": " + msg;
  switch (code) {
    case StatusCode::kNotFound: return Status::NotFound(full);
    case StatusCode::kUnsupported: return Status::Unsupported(full);
    case StatusCode::kInvalidArgument: return Status::InvalidArgument(full);
    default: return Status::Corruption(full);
  }
}

Status Converter::CheckHeader() {
  if (!model_.has_graph()) return Err(StatusCode::kCorruption, "not an ONNX model: no graph");
  if (model_.ir_version() <= 0) {
    return Err(StatusCode::kCorruption, "not an ONNX model: ir_version=" +
                                            std::to_string(model_.ir_version()) + ": must be >= 1");
  }
  int64_t opset = -1;
  for (const auto& imp : model_.opset_import()) {
    if (imp.domain().empty() || imp.domain() == "ai.onnx") opset = imp.version();
  }
  if (opset == -1) {
    // IR version 1-2 models carry no opset_import; they are opset 1.
    if (model_.opset_import_size() == 0 && model_.ir_version() < 3) {
      opset = 1;
    } else if (model_.opset_import_size() == 0) {
      return Err(StatusCode::kCorruption, "no opset_import: an ONNX model must declare its opset");
    } else {
      opset = 0;  // only custom domains: no default-domain ops expected
    }
  }
  if (opset < 0 || opset > kMaxOnnxOpset) {
    return Err(StatusCode::kUnsupported, "opset=" + std::to_string(opset) +
                                             ": supported default-domain opsets are 1.." +
                                             std::to_string(kMaxOnnxOpset));
  }
  graph_.opset = opset;
  if (model_.graph().node_size() > kMaxLayers ||
      model_.graph().initializer_size() + model_.graph().value_info_size() > kMaxTensors) {
    return Err(StatusCode::kCorruption, std::to_string(model_.graph().node_size()) + " nodes and " +
                                            std::to_string(model_.graph().initializer_size()) +
                                            " initializers: above the limits of " +
                                            std::to_string(kMaxLayers) + " and " +
                                            std::to_string(kMaxTensors) + " (docs/limits.md)");
  }
  const auto& range = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto it = range.find("");
  schema_opset_ = it != range.end() ? it->second.second : 0;
  if (opset > schema_opset_) {
    graph_.notes.push_back("opset " + std::to_string(opset) + " is newer than the ONNX " +
                           "schemas in this build (up to " + std::to_string(schema_opset_) +
                           "); ops changed since then were read with the older schemas");
  }
  graph_.producer = model_.producer_name();
  if (!model_.producer_version().empty()) graph_.producer += " " + model_.producer_version();
  return Status::Ok();
}

Status Converter::SortNodes() {
  StatusOr<bool> moved = SortNodesInDependencyOrder(model_.mutable_graph());
  if (!moved.ok()) return Err(StatusCode::kCorruption, moved.status().message());
  if (*moved) {
    graph_.notes.push_back(
        "the file stores nodes out of dependency order; read in dependency "
        "order, as ONNX Runtime does");
  }
  return Status::Ok();
}

Status Converter::CheckAttributes(const onnx::GraphProto& g) const {
  // Structure libonnx's shape inference assumes (it dereferences what a node reads and the
  // schema of its op; a fuzzed file without them crashed it): every node names an op, and in
  // the main graph every tensor a node reads is defined somewhere in it (an input, an
  // initializer or a node's output; order is not required). Subgraphs may read names of the
  // graph around them, so only their ops are checked.
  const bool main_graph = &g == &model_.graph();
  std::unordered_set<std::string> defined;
  if (main_graph) {
    for (const auto& v : g.input()) defined.insert(v.name());
    for (const auto& init : g.initializer()) defined.insert(init.name());
    for (const auto& s : g.sparse_initializer()) defined.insert(s.values().name());
    for (const auto& node : g.node()) defined.insert(node.output().begin(), node.output().end());
  }
  // Ranks the file states for graph inputs, initializers and value_info: a convolution or pool
  // whose data and weights disagree on rank, or whose window attributes have another length,
  // made libonnx's convPoolShapeInference read past its dimensions (SIGSEGV, found by fuzzing).
  std::unordered_map<std::string, int> rank;
  if (main_graph) {
    auto note = [&](const onnx::ValueInfoProto& v) {
      if (v.type().has_tensor_type() && v.type().tensor_type().has_shape()) {
        rank[v.name()] = v.type().tensor_type().shape().dim_size();
      }
    };
    for (const auto& v : g.input()) note(v);
    for (const auto& v : g.value_info()) note(v);
    for (const auto& init : g.initializer()) rank[init.name()] = init.dims_size();
  }
  static const std::unordered_set<std::string> kConvPool = {
      "Conv",        "ConvInteger", "QLinearConv", "ConvTranspose",     "MaxPool",
      "AveragePool", "LpPool",      "MaxUnpool",   "QLinearAveragePool"};
  for (const auto& node : g.node()) {
    if (node.op_type().empty()) {
      return Err(StatusCode::kCorruption, "node '" + node.name() + "' names no op type");
    }
    if (main_graph && kConvPool.count(node.op_type()) > 0 && node.input_size() > 0) {
      const auto x = rank.find(node.input(0));
      const int weight_slot = node.op_type() == "QLinearConv" ? 3 : 1;
      const bool has_weight =
          node.op_type().find("Conv") != std::string::npos && node.input_size() > weight_slot;
      const auto w = has_weight ? rank.find(node.input(weight_slot)) : rank.end();
      std::string why;
      if (x != rank.end() && x->second < 3) {
        why = "data of rank " + std::to_string(x->second) + " (a window needs 3 or more)";
      } else if (x != rank.end() && w != rank.end() && x->second != w->second) {
        why = "data of rank " + std::to_string(x->second) + " and weights of rank " +
              std::to_string(w->second);
      }
      for (const auto& a : node.attribute()) {
        if (!why.empty() || x == rank.end()) break;
        const int spatial = x->second - 2;
        const int want = a.name() == "pads" ? 2 * spatial : spatial;
        if ((a.name() == "kernel_shape" || a.name() == "strides" || a.name() == "dilations" ||
             a.name() == "pads" || a.name() == "output_padding" || a.name() == "output_shape") &&
            a.ints_size() != want) {
          why = a.name() + " of " + std::to_string(a.ints_size()) + " values for " +
                std::to_string(spatial) + " spatial dimensions";
        }
      }
      if (!why.empty()) {
        return Err(StatusCode::kCorruption,
                   "node '" + node.name() + "' (" + node.op_type() + "): " + why);
      }
    }
    // The op's schema checks what its inference function takes for granted (Scan's
    // num_scan_inputs against its inputs, a body graph that is there): libonnx crashed on a
    // fuzzed Scan without them.
    if (node.domain().empty() || node.domain() == "ai.onnx") {
      const onnx::OpSchema* schema =
          onnx::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(graph_.opset), "");
      if (schema != nullptr) {
        try {
          schema->Verify(node);
        } catch (const std::exception& e) {
          std::string what = e.what();
          what = what.substr(0, what.find('\n'));
          return Err(StatusCode::kCorruption,
                     "node '" + node.name() + "' (" + node.op_type() + "): " + what);
        }
      }
    }
    for (const auto& in : node.input()) {
      if (main_graph && !in.empty() && defined.count(in) == 0) {
        return Err(StatusCode::kCorruption, "node '" + node.name() + "' (" + node.op_type() +
                                                ") reads '" + in +
                                                "', which no node, initializer or input defines");
      }
    }
  }
  for (const auto& node : g.node()) {
    for (const auto& a : node.attribute()) {
      const std::string& name = a.name();
      if (a.type() == onnx::AttributeProto::GRAPH) {
        MBENCH_RETURN_IF_ERROR(CheckAttributes(a.g()));
        continue;
      }
      for (const auto& sub : a.graphs()) MBENCH_RETURN_IF_ERROR(CheckAttributes(sub));
      int64_t least = 0;
      if (name == "strides" || name == "dilations" || name == "kernel_shape" || name == "group" ||
          name == "blocksize") {
        least = 1;
      } else if (name == "pads" && (node.op_type() == "Pad" || node.op_type() == "Col2Im")) {
        continue;  // Pad's pads may be negative (cropping)
      } else if (name != "pads" && name != "output_padding") {
        continue;
      }
      std::vector<int64_t> values(a.ints().begin(), a.ints().end());
      if (a.type() == onnx::AttributeProto::INT) values = {a.i()};
      for (int64_t v : values) {
        if (v >= least && v <= (int64_t{1} << 31)) continue;
        std::string list;
        for (int64_t x : values) list += (list.empty() ? "" : ",") + std::to_string(x);
        return Err(StatusCode::kCorruption,
                   "node '" + node.name() + "' (" + node.op_type() + "): " + name + "=[" + list +
                       "]: every value must be in [" + std::to_string(least) + ", 2^31]");
      }
    }
  }
  return Status::Ok();
}

Status Converter::FixInputShapes() {
  onnx::GraphProto* g = model_.mutable_graph();
  std::unordered_set<std::string> initializer_names;
  for (const auto& init : g->initializer()) initializer_names.insert(init.name());
  std::vector<std::string> names;
  std::unordered_set<std::string> used_overrides;
  std::vector<std::string> missing;  // inputs with dynamic dims, and which
  std::string flags;                 // the --input-shape flags that would fix them
  for (auto& input : *g->mutable_input()) {
    if (initializer_names.count(input.name())) continue;
    names.push_back(input.name());
    if (!input.type().has_tensor_type()) continue;  // sequences/maps: left as they are
    auto* tt = input.mutable_type()->mutable_tensor_type();
    auto ov = options_.input_shapes.find(input.name());
    if (ov != options_.input_shapes.end()) {
      used_overrides.insert(input.name());
      if (tt->has_shape() && tt->shape().dim_size() != static_cast<int>(ov->second.size())) {
        return Err(StatusCode::kInvalidArgument,
                   "--input-shape " + input.name() + "=" + ShapeToString(ov->second) + ": rank " +
                       std::to_string(ov->second.size()) + " but input '" + input.name() +
                       "' has rank " + std::to_string(tt->shape().dim_size()));
      }
      auto* shape = tt->mutable_shape();
      shape->clear_dim();
      for (int64_t d : ov->second) shape->add_dim()->set_dim_value(d);
      continue;
    }
    if (!tt->has_shape()) {
      missing.push_back("'" + input.name() + "' (no shape in the file)");
      flags += " --input-shape " + input.name() + "=d0,d1,...";
      continue;
    }
    std::string dynamic;
    for (int i = 0; i < tt->shape().dim_size(); ++i) {
      auto* dim = tt->mutable_shape()->mutable_dim(i);
      if (dim->has_dim_value()) {
        if (dim->dim_value() < 0) {
          return Err(StatusCode::kCorruption,
                     "input '" + input.name() + "' dim " + std::to_string(i) + "=" +
                         std::to_string(dim->dim_value()) + ": dimensions must be >= 0");
        }
        continue;
      }
      std::string label = dim->has_dim_param() ? "'" + dim->dim_param() + "'" : "unnamed";
      if (i == 0 && tt->shape().dim_size() >= 2) {
        graph_.notes.push_back("input '" + input.name() + "': dynamic batch dim " + label +
                               " set to 1 (change with --input-shape)");
        dim->set_dim_value(1);
        continue;
      }
      dynamic += (dynamic.empty() ? "dim " : ", dim ") + std::to_string(i) + " (" + label + ")";
    }
    if (!dynamic.empty()) {
      // Every dynamic dim of every input in one message, with the flags that fix them all: a
      // model with three symbolic dims once took three tries.
      std::string example;
      for (int j = 0; j < tt->shape().dim_size(); ++j) {
        const auto& d = tt->shape().dim(j);
        if (j > 0) example += ",";
        example += d.has_dim_value() ? std::to_string(d.dim_value()) : "D" + std::to_string(j);
      }
      missing.push_back("'" + input.name() + "' " + dynamic);
      flags += " --input-shape " + input.name() + "=" + example;
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size(); ++i) {
      list += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + missing[i];
    }
    return Err(StatusCode::kInvalidArgument,
               std::string(missing.size() == 1 ? "input " : "inputs ") + list +
                   (missing.size() == 1 ? " is" : " are") + " dynamic: set with" + flags);
  }
  for (const auto& [name, shape] : options_.input_shapes) {
    if (!used_overrides.count(name)) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      return Err(StatusCode::kInvalidArgument, "--input-shape names '" + name +
                                                   "', which is not an input of the model " +
                                                   "(inputs: " + list + ")");
    }
  }
  return Status::Ok();
}

Status Converter::FixInputValues() {
  onnx::GraphProto* g = model_.mutable_graph();
  for (const auto& [name, values] : options_.input_values) {
    int at = -1;
    std::string names;
    for (int i = 0; i < g->input_size(); ++i) {
      if (g->input(i).name() == name) at = i;
      names += (names.empty() ? "" : ", ") + g->input(i).name();
    }
    const std::string flag = "--input-value " + name;
    if (at < 0) {
      return Err(StatusCode::kInvalidArgument,
                 flag + ": not an input of the model (inputs: " + names + ")");
    }
    onnx::TensorProto t;
    if (Status made = ValueTensor(g->input(at), values, &t); !made.ok()) {
      return Err(made.code(), flag + ": " + made.message());
    }
    *g->add_initializer() = std::move(t);
    g->mutable_input()->DeleteSubrange(at, 1);
    std::string shown;
    for (size_t i = 0; i < values.size() && i < 8; ++i) {
      shown += (i ? "," : "") + ShortNumber(values[i]);
    }
    if (values.size() > 8) shown += ",...";
    graph_.notes.push_back("input '" + name + "' fixed to " + shown +
                           " (--input-value): a constant of the model as read");
  }
  return Status::Ok();
}

Status Converter::InlineControlFlowNodes() {
  if (!HasControlFlow(model_)) return Status::Ok();
  // libonnx sees the subgraphs once, whole: their value_info comes along when they are inlined.
  RunOnnxShapeInference();
  std::unordered_map<std::string, std::vector<int64_t>> shapes;
  ShapeLookup lookup = [&](const std::string& name) -> std::optional<std::vector<int64_t>> {
    auto it = shapes.find(name);
    if (it == shapes.end()) return std::nullopt;
    return it->second;
  };
  // Rounds: inline what is decided, infer shapes inside it (conditions often test a shape),
  // again; the last round decides the rest (both branches of an If, or left uncounted).
  constexpr int kMaxRounds = 16;
  for (int round = 0; round < kMaxRounds && HasControlFlow(model_); ++round) {
    shapes.clear();
    auto note = [&](const onnx::ValueInfoProto& v) {
      const auto& tt = v.type().tensor_type();
      if (!v.type().has_tensor_type() || !tt.has_shape()) return;
      std::vector<int64_t> dims;
      for (const auto& d : tt.shape().dim()) {
        if (!d.has_dim_value()) return;
        dims.push_back(d.dim_value());
      }
      shapes[v.name()] = dims;
    };
    const onnx::GraphProto& g = model_.graph();
    for (const auto& v : g.input()) note(v);
    for (const auto& v : g.value_info()) note(v);
    for (const auto& v : g.output()) note(v);
    for (const auto& init : g.initializer()) {
      shapes[init.name()] = std::vector<int64_t>(init.dims().begin(), init.dims().end());
    }
    const bool last = round + 1 == kMaxRounds;
    MBENCH_ASSIGN_OR_RETURN(ControlFlowResult result,
                            InlineControlFlow(&model_, kMaxLayers, lookup, /*defer=*/!last));
    if (result.inlined == 0 && !last) {
      // Nothing more decided: undecided Ifs keep both branches, the rest stays with a note.
      MBENCH_ASSIGN_OR_RETURN(result, InlineControlFlow(&model_, kMaxLayers, lookup, false));
    }
    for (auto& n : result.notes) {
      // A node left as it is may be looked at again in a later round.
      if (std::find(graph_.notes.begin(), graph_.notes.end(), n) == graph_.notes.end()) {
        graph_.notes.push_back(std::move(n));
      }
    }
    runtime_selects_.merge(result.runtime_selects);
    if (result.inlined == 0) break;
    inlined_ = true;
    // The structure the reader checks of a main graph holds for what came out of subgraphs too.
    MBENCH_RETURN_IF_ERROR(CheckAttributes(model_.graph()));
    StatusOr<bool> moved = SortNodesInDependencyOrder(model_.mutable_graph());
    if (!moved.ok()) return Err(StatusCode::kCorruption, moved.status().message());
    InferShapesNodeByNode(&model_, {}, &computed_);
  }
  return Status::Ok();
}

void Converter::RunOnnxShapeInference() {
  // error_mode 0: a node whose inference fails leaves its outputs unresolved instead of
  // aborting; data propagation resolves Shape -> Gather -> Concat -> Reshape chains.
  onnx::ShapeInferenceOptions opts(/*check_type_val=*/false, /*strict_mode_val=*/0,
                                   /*data_prop_val=*/true);
  // Inference writes only value_info and the outputs' types, so those are what a failure has to
  // roll back (copying the whole model would copy every weight).
  onnx::GraphProto* g = model_.mutable_graph();
  auto value_info = g->value_info();
  auto outputs = g->output();
  auto restore = [&] {
    *g->mutable_value_info() = value_info;
    *g->mutable_output() = outputs;
  };
  try {
    onnx::shape_inference::InferShapes(model_, onnx::OpSchemaRegistry::Instance(), opts);
    return;
  } catch (const std::exception& e) {
    restore();
    graph_.notes.push_back(std::string("ONNX shape inference stopped (") + e.what() +
                           "); retried without the file's value_info");
  }
  g->clear_value_info();
  try {
    onnx::shape_inference::InferShapes(model_, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (const std::exception& e) {
    g->clear_value_info();
    *g->mutable_output() = outputs;
    graph_.notes.push_back(std::string("ONNX shape inference failed again (") + e.what() +
                           "); only mbench's own inference was used");
  }
}

void Converter::ApplyType(const onnx::TypeProto& type, TensorInfo& t) const {
  if (!type.has_tensor_type()) return;
  const auto& tt = type.tensor_type();
  if (t.dtype == DType::kUnknown) t.dtype = FromOnnxType(tt.elem_type());
  if (!tt.has_shape() || t.has_shape) return;
  t.has_shape = true;
  t.shape.clear();
  for (const auto& d : tt.shape().dim()) t.shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
}

void Converter::CollectTypes() {
  types_.clear();
  const onnx::GraphProto& g = model_.graph();
  for (const auto& vi : g.value_info()) types_[vi.name()] = &vi.type();
  for (const auto& vi : g.output()) types_[vi.name()] = &vi.type();
  for (const auto& vi : g.input()) types_[vi.name()] = &vi.type();
}

bool FullyResolved(const TensorInfo& t) {
  if (!t.has_shape) return false;
  for (int64_t d : t.shape) {
    if (d < 0) return false;
  }
  return true;
}

// ONNX's inference (1.12) stops at shape arithmetic it cannot evaluate (Cast or Slice of a
// Shape feeding a Reshape); mbench's own pass evaluates those values. Alternating the two lets
// each continue where the other stopped: resolved shapes go back into value_info and ONNX
// inference runs again. Tensors still unresolved afterwards are flagged by Analyze().
void Converter::ResolveShapesIteratively() {
  constexpr int kMaxRounds = 8;
  // Tensors that matter: read by a node or a graph output (an unused optional output, such as a
  // training-only statistic, may stay unresolved without sending libonnx round again).
  std::vector<char> used(graph_.tensors.size(), 0);
  for (const Node& n : graph_.nodes) {
    for (int32_t t : n.inputs) {
      if (t >= 0) used[static_cast<size_t>(t)] = 1;
    }
  }
  for (int32_t t : graph_.outputs) used[static_cast<size_t>(t)] = 1;
  auto resolved = [&] {
    int n = 0;
    for (size_t i = 0; i < graph_.tensors.size(); ++i) {
      const TensorInfo& t = graph_.tensors[i];
      n += !used[i] || t.is_constant || FullyResolved(t);
    }
    return n;
  };
  for (int round = 0; round < kMaxRounds; ++round) {
    const int before = resolved();
    const int own = InferMissingShapes(graph_);
    if (resolved() == static_cast<int>(graph_.tensors.size())) return;
    // The first round always gives the inference passes a try; later ones need progress.
    if (round > 0 && own == 0 && before == last_resolved_) break;
    // Write what is known back into the model and let ONNX infer downstream of it.
    std::unordered_map<std::string, onnx::ValueInfoProto*> infos;
    onnx::GraphProto* g = model_.mutable_graph();
    for (auto& vi : *g->mutable_value_info()) infos[vi.name()] = &vi;
    for (auto& vi : *g->mutable_output()) infos[vi.name()] = &vi;
    std::unordered_set<std::string> inputs;
    for (const auto& vi : g->input()) inputs.insert(vi.name());
    for (const TensorInfo& t : graph_.tensors) {
      if (t.is_constant || !FullyResolved(t) || inputs.count(t.name)) continue;
      auto it = infos.find(t.name);
      onnx::ValueInfoProto* vi = it != infos.end() ? it->second : g->add_value_info();
      vi->set_name(t.name);
      auto* tt = vi->mutable_type()->mutable_tensor_type();
      if (tt->elem_type() == 0) {
        for (int e = 1; e <= 16; ++e) {
          if (FromOnnxType(e) == t.dtype) tt->set_elem_type(e);
        }
      }
      auto* shape = tt->mutable_shape();
      shape->clear_dim();
      for (int64_t d : t.shape) shape->add_dim()->set_dim_value(d);
    }
    // libonnx's pass (not on inlined graphs: see inlined_), then the node-by-node one, which
    // evaluates the shape arithmetic libonnx's data propagation stops at (ConstantOfShape,
    // Transpose and reversed Slices of shapes, as functions expand LayerNormalization) and
    // keeps whatever was already known.
    if (!inlined_) RunOnnxShapeInference();
    std::unordered_map<std::string, std::vector<int64_t>> values;
    for (const TensorInfo& t : graph_.tensors) {
      if (!t.is_constant && t.has_values && IsInteger(t.dtype)) values[t.name] = t.int_values;
    }
    InferShapesNodeByNode(&model_, values, &computed_);
    ApplyComputedValues();
    CollectTypes();
    for (TensorInfo& t : graph_.tensors) {
      if (t.is_constant || FullyResolved(t)) continue;
      auto ty = types_.find(t.name);
      if (ty == types_.end()) continue;
      TensorInfo fresh;
      ApplyType(*ty->second, fresh);
      if (!fresh.has_shape) continue;
      int known_old = 0, known_new = 0;
      for (int64_t d : t.shape) known_old += d >= 0;
      for (int64_t d : fresh.shape) known_new += d >= 0;
      if (!t.has_shape || known_new > known_old) {
        t.shape = fresh.shape;
        t.has_shape = true;
      }
      if (t.dtype == DType::kUnknown) t.dtype = fresh.dtype;
    }
    last_resolved_ = resolved();
  }
}

int32_t Converter::TensorFor(const std::string& name, bool* created) {
  auto it = by_name_.find(name);
  if (it != by_name_.end()) {
    *created = false;
    return it->second;
  }
  TensorInfo t;
  t.name = name;
  auto ty = types_.find(name);
  if (ty != types_.end()) ApplyType(*ty->second, t);
  int32_t idx = graph_.AddTensor(std::move(t));
  by_name_.emplace(name, idx);
  *created = true;
  return idx;
}

StatusOr<std::string> Converter::ExternalDataPath(const std::string& location,
                                                  const std::string& name) const {
  namespace fs = std::filesystem;
  const fs::path loc(location);
  const auto refuse = [&](const std::string& why) {
    return Err(StatusCode::kCorruption, "initializer '" + name + "': external data location '" +
                                            location + "' " + why +
                                            ": external data must be a file in the model's folder");
  };
  if (loc.is_absolute() || location.find('\0') != std::string::npos) {
    return refuse("is an absolute path");
  }
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::absolute(DirName(path_), ec), ec);
  const fs::path full = fs::weakly_canonical(base / loc, ec);
  if (ec) return refuse("cannot be resolved (" + ec.message() + ")");
  // Inside: `base` is a prefix of `full`, component by component.
  auto b = base.begin(), f = full.begin();
  for (; b != base.end() && f != full.end() && *b == *f; ++b, ++f) {
  }
  if (b != base.end() || f == full.end()) return refuse("resolves outside the model's folder");
  return full.string();
}

Status Converter::AddConstant(const onnx::TensorProto& p, const std::string& name, bool sparse,
                              const std::string_view* kept_raw) {
  const bool has_raw = kept_raw != nullptr || p.has_raw_data();
  const std::string_view raw = kept_raw != nullptr ? *kept_raw : std::string_view(p.raw_data());
  if (by_name_.count(name)) {
    return Err(StatusCode::kCorruption, "tensor '" + name + "' is defined twice");
  }
  TensorInfo t;
  t.name = name;
  t.is_constant = true;
  t.has_shape = true;
  t.dtype = FromOnnxType(p.data_type());
  for (int64_t d : p.dims()) {
    if (d < 0) {
      return Err(StatusCode::kCorruption, "initializer '" + name + "' dim=" + std::to_string(d) +
                                              ": dimensions must be >= 0");
    }
    t.shape.push_back(d);
  }
  if (!NumElements(t.shape)) {
    return Err(StatusCode::kInvalidArgument, "initializer '" + name + "' shape " +
                                                 ShapeToString(t.shape) +
                                                 ": element count overflows int64");
  }
  if (*NumElements(t.shape) > kMaxTensorElements) {
    return Err(StatusCode::kCorruption, "initializer '" + name + "' shape " +
                                            ShapeToString(t.shape) + ": above the limit of " +
                                            std::to_string(kMaxTensorElements) +
                                            " elements (docs/limits.md)");
  }
  // The file must back what it claims: an inline initializer stores every value its shape
  // promises (complex and string tensors aside, whose sizes are not fixed per element).
  const int bits_per_value = DTypeBits(t.dtype);
  if (p.data_location() != onnx::TensorProto::EXTERNAL && !sparse && bits_per_value > 0 &&
      t.dtype != DType::kString && t.dtype != DType::kComplex64 && t.dtype != DType::kComplex128) {
    const int64_t stored = StoredValues(p, raw, bits_per_value);
    if (stored < *NumElements(t.shape)) {
      return Err(StatusCode::kCorruption, "initializer '" + name + "' " + ShapeToString(t.shape) +
                                              " claims " + std::to_string(*NumElements(t.shape)) +
                                              " values but the file stores " +
                                              std::to_string(stored));
    }
  }
  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto& kv : p.external_data()) {
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = std::atoll(kv.value().c_str());
      if (kv.key() == "length") length = std::atoll(kv.value().c_str());
    }
    if (location.empty()) {
      return Err(StatusCode::kCorruption,
                 "initializer '" + name + "' is stored externally but names no location");
    }
    MBENCH_ASSIGN_OR_RETURN(t.external_file, ExternalDataPath(location, name));
    auto size = FileSizeBytes(t.external_file);
    if (!size.ok()) {
      return Err(StatusCode::kNotFound, "external data file '" + location + "' of initializer '" +
                                            name + "' not found (looked at " + t.external_file +
                                            ")");
    }
    auto end = CheckedAdd(offset, std::max<int64_t>(length, 0));
    if (offset < 0 || !end) {
      return Err(StatusCode::kCorruption,
                 "initializer '" + name + "' external data offset=" + std::to_string(offset) +
                     " length=" + std::to_string(length) + ": out of range");
    }
    if (length >= 0 && *end > *size) {
      return Err(StatusCode::kCorruption, "external data file '" + location + "' is " +
                                              std::to_string(*size) + " bytes, but initializer '" +
                                              name + "' needs bytes " + std::to_string(offset) +
                                              ".." + std::to_string(offset + length));
    }
    // The values, for the runner (and shape arithmetic on small constants): the bytes the
    // tensor's type and shape call for, read from the file as if they were raw_data.
    const int64_t n = *NumElements(t.shape);
    const int bits = DTypeBits(t.dtype);
    if ((options_.keep_weights || n <= TensorInfo::kMaxInlineValues) && bits >= 8 &&
        t.dtype != DType::kString) {
      const int64_t want = n * (bits / 8);
      if (length >= 0 && length != want) {
        return Err(StatusCode::kCorruption,
                   "initializer '" + name + "' " + ShapeToString(t.shape) + " " +
                       DTypeName(t.dtype) + " needs " + std::to_string(want) +
                       " bytes, but its external data length is " + std::to_string(length));
      }
      if (offset + want > *size) {
        return Err(StatusCode::kCorruption,
                   "external data file '" + location + "' is " + std::to_string(*size) +
                       " bytes, but initializer '" + name + "' needs bytes " +
                       std::to_string(offset) + ".." + std::to_string(offset + want));
      }
      std::ifstream in(t.external_file, std::ios::binary);
      std::string bytes(static_cast<size_t>(want), '\0');
      if (!in.seekg(offset) || !in.read(bytes.data(), want)) {
        return Err(StatusCode::kIOError, "cannot read external data file '" + location +
                                             "' for initializer '" + name + "'");
      }
      ExtractValues(p, bytes, true, t);
      if (options_.keep_weights) t.weights = ExtractWeights(p, bytes, true, n);
    }
  } else {
    ExtractValues(p, raw, has_raw, t);
    if (options_.keep_weights) t.weights = ExtractWeights(p, raw, has_raw, *NumElements(t.shape));
  }
  int32_t idx = graph_.AddTensor(std::move(t));
  by_name_.emplace(name, idx);
  return Status::Ok();
}

AttrValue ConvertAttr(const onnx::AttributeProto& a) {
  switch (a.type()) {
    case onnx::AttributeProto::FLOAT: return static_cast<double>(a.f());
    case onnx::AttributeProto::INT: return static_cast<int64_t>(a.i());
    case onnx::AttributeProto::STRING: return a.s();
    case onnx::AttributeProto::FLOATS:
      return std::vector<double>(a.floats().begin(), a.floats().end());
    case onnx::AttributeProto::INTS: return std::vector<int64_t>(a.ints().begin(), a.ints().end());
    case onnx::AttributeProto::STRINGS:
      return std::vector<std::string>(a.strings().begin(), a.strings().end());
    default: return std::string("<") + onnx::AttributeProto::AttributeType_Name(a.type()) + ">";
  }
}

// Reorders the inputs of quantized ONNX ops into the canonical slot order of their OpKind
// ([x, W, B, quantization params...]) so that cost rules read the same slots for every format.
std::vector<int32_t> CanonicalInputs(const std::string& op_type, std::vector<int32_t> in) {
  auto at = [&](size_t i) { return i < in.size() ? in[i] : -1; };
  if (op_type == "QLinearConv") {
    // x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B
    return {at(0), at(3), at(8), at(1), at(2), at(4), at(5), at(6), at(7)};
  }
  if (op_type == "ConvInteger") return {at(0), at(1), -1, at(2), at(3)};
  if (op_type == "QLinearMatMul") {
    // a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp
    return {at(0), at(3), at(1), at(2), at(4), at(5), at(6), at(7)};
  }
  return in;
}

Status Converter::AddNode(const onnx::NodeProto& p, int index) {
  // Constant nodes become constant tensors, not layers.
  if ((p.domain().empty() || p.domain() == "ai.onnx") && p.op_type() == "Constant") {
    if (p.output_size() < 1) return Err(StatusCode::kCorruption, "Constant node without output");
    onnx::TensorProto value;
    bool found = false;
    for (const auto& a : p.attribute()) {
      found = true;
      if (a.name() == "value" || a.name() == "sparse_value") {
        value = a.name() == "value" ? a.t() : a.sparse_tensor().values();
        if (a.name() == "sparse_value") {
          value.clear_dims();
          for (int64_t d : a.sparse_tensor().dims()) value.add_dims(d);
          value.clear_raw_data();
        }
      } else if (a.name() == "value_float") {
        value.set_data_type(onnx::TensorProto::FLOAT);
        value.add_float_data(a.f());
      } else if (a.name() == "value_floats") {
        value.set_data_type(onnx::TensorProto::FLOAT);
        value.add_dims(a.floats_size());
        for (float f : a.floats()) value.add_float_data(f);
      } else if (a.name() == "value_int") {
        value.set_data_type(onnx::TensorProto::INT64);
        value.add_int64_data(a.i());
      } else if (a.name() == "value_ints") {
        value.set_data_type(onnx::TensorProto::INT64);
        value.add_dims(a.ints_size());
        for (int64_t v : a.ints()) value.add_int64_data(v);
      } else if (a.name() == "value_string" || a.name() == "value_strings") {
        value.set_data_type(onnx::TensorProto::STRING);
        if (a.name() == "value_strings") value.add_dims(a.strings_size());
      } else {
        found = false;
      }
      if (found) break;
    }
    if (!found) {
      return Err(StatusCode::kCorruption, "Constant node '" + p.name() + "' has no value");
    }
    return AddConstant(value, p.output(0));
  }

  Node node;
  node.op_type =
      p.domain().empty() || p.domain() == "ai.onnx" ? p.op_type() : p.domain() + ":" + p.op_type();
  node.kind = LookupKind(p.domain(), p.op_type());
  node.name = p.name();
  if (node.name.empty() || node_names_.count(node.name)) {
    node.name = (node.name.empty() ? p.op_type() : node.name) + "_" + std::to_string(index);
  }
  node_names_.insert(node.name);
  for (const auto& a : p.attribute()) node.attrs.emplace(a.name(), ConvertAttr(a));
  if (node.kind == OpKind::kConstantOfShape) {
    // Its fill value is a one-element tensor attribute: kept as a number for the runner.
    for (const auto& a : p.attribute()) {
      if (a.name() != "value" || !a.has_t()) continue;
      TensorInfo fill;
      fill.shape = {1};
      ExtractValues(a.t(), a.t().raw_data(), a.t().has_raw_data(), fill);
      if (!fill.float_values.empty()) node.attrs["value"] = fill.float_values[0];
      if (!fill.int_values.empty()) node.attrs["value"] = static_cast<double>(fill.int_values[0]);
    }
  }

  std::vector<int32_t> inputs;
  for (const std::string& in : p.input()) {
    if (in.empty()) {
      inputs.push_back(-1);
      continue;
    }
    auto it = by_name_.find(in);
    if (it == by_name_.end()) {
      return Err(StatusCode::kCorruption, "node '" + node.name + "' (" + node.op_type +
                                              ") reads '" + in +
                                              "', which no node, initializer or input defines");
    }
    inputs.push_back(it->second);
  }
  node.inputs = CanonicalInputs(p.op_type(), std::move(inputs));
  auto node_index = static_cast<int32_t>(graph_.nodes.size());
  for (const std::string& out : p.output()) {
    if (out.empty()) {
      node.outputs.push_back(-1);
      continue;
    }
    bool created = false;
    int32_t idx = TensorFor(out, &created);
    if (!created) {
      return Err(StatusCode::kCorruption, "tensor '" + out + "' is written by two producers");
    }
    graph_.tensors[idx].producer = node_index;
    node.outputs.push_back(idx);
  }

  // Normalize attributes that cost rules read for every format.
  if (node.kind == OpKind::kConv || node.kind == OpKind::kConvTranspose) {
    const TensorInfo* w =
        node.inputs.size() > 1 && node.inputs[1] >= 0 ? &graph_.tensors[node.inputs[1]] : nullptr;
    if (!node.HasAttr("kernel_shape") && w != nullptr && w->has_shape && w->shape.size() > 2) {
      node.attrs["kernel_shape"] = Shape(w->shape.begin() + 2, w->shape.end());
    }
    int64_t group = node.GetInt("group", 1);
    const TensorInfo* x =
        node.inputs.empty() || node.inputs[0] < 0 ? nullptr : &graph_.tensors[node.inputs[0]];
    if (node.kind == OpKind::kConv && group > 1 && w != nullptr && w->has_shape &&
        w->shape.size() > 1 && w->shape[1] == 1 && x != nullptr && x->has_shape &&
        x->shape.size() > 1 && x->shape[1] == group) {
      node.kind = OpKind::kDepthwiseConv;
    }
  }
  if (auto sel = runtime_selects_.find(node.name); sel != runtime_selects_.end()) {
    // Read by the runner, which refuses to run both branches of an If.
    node.attrs["if_condition_fix"] = sel->second;
  }
  if (node.kind == OpKind::kResize && p.op_type() == "Upsample" && !node.HasAttr("mode")) {
    node.attrs["mode"] = std::string("nearest");
  }
  graph_.nodes.push_back(std::move(node));
  return Status::Ok();
}

StatusOr<Graph> Converter::Run(std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return Err(StatusCode::kUnsupported, "size_bytes=" + std::to_string(bytes.size()) +
                                             ": protobuf models are limited to 2 GiB; store " +
                                             "weights as external data");
  }
  StrippedModel stripped;
  std::string_view proto = bytes;
  if (StripLargeRawData(bytes, kMinKeptRawBytes, &stripped)) {
    proto = stripped.proto;
  } else {
    stripped.raw.clear();
  }
  if (!model_.ParseFromArray(proto.data(), static_cast<int>(proto.size()))) {
    return Err(StatusCode::kCorruption,
               "not a valid ONNX model: protobuf parsing failed "
               "(truncated or not an ONNX file)");
  }
  MBENCH_RETURN_IF_ERROR(CheckHeader());
  MBENCH_RETURN_IF_ERROR(FixInputShapes());
  MBENCH_RETURN_IF_ERROR(FixInputValues());
  MBENCH_RETURN_IF_ERROR(CheckAttributes(model_.graph()));
  MBENCH_RETURN_IF_ERROR(SortNodes());
  MBENCH_RETURN_IF_ERROR(InlineControlFlowNodes());
  if (!inlined_) RunOnnxShapeInference();

  graph_.format = "onnx";
  graph_.layout = Layout::kNCHW;
  const onnx::GraphProto& g = model_.graph();
  CollectTypes();

  for (int i = 0; i < g.initializer_size(); ++i) {
    const onnx::TensorProto& init = g.initializer(i);
    const bool kept = static_cast<size_t>(i) < stripped.raw.size() && stripped.raw[i];
    if (kept && init.has_raw_data()) {
      // raw_data in two pieces, one too small to keep apart: protobuf's parse would take the
      // last; this one cannot tell which that was.
      return Err(StatusCode::kCorruption,
                 "initializer '" + init.name() + "' stores raw_data more than once");
    }
    MBENCH_RETURN_IF_ERROR(
        AddConstant(init, init.name(), false, kept ? &*stripped.raw[i] : nullptr));
  }
  for (const auto& sparse : g.sparse_initializer()) {
    onnx::TensorProto dense = sparse.values();
    dense.clear_dims();
    for (int64_t d : sparse.dims()) dense.add_dims(d);
    dense.clear_raw_data();
    MBENCH_RETURN_IF_ERROR(AddConstant(dense, sparse.values().name(), /*sparse=*/true));
  }
  for (const auto& input : g.input()) {
    if (by_name_.count(input.name())) continue;  // an initializer listed as input (IR < 4)
    bool created = false;
    int32_t idx = TensorFor(input.name(), &created);
    graph_.inputs.push_back(idx);
  }
  for (int i = 0; i < g.node_size(); ++i) MBENCH_RETURN_IF_ERROR(AddNode(g.node(i), i));
  for (const auto& out : g.output()) {
    auto it = by_name_.find(out.name());
    if (it == by_name_.end()) {
      return Err(StatusCode::kCorruption,
                 "graph output '" + out.name() + "' is not produced by any node");
    }
    graph_.outputs.push_back(it->second);
  }
  ApplyComputedValues();
  ResolveShapesIteratively();
  ApplyComputedValues();
  Status valid = ValidateGraph(graph_);
  if (!valid.ok()) return valid.Annotate(path_);
  return std::move(graph_);
}

}  // namespace

StatusOr<Graph> ReadOnnxModel(const std::string& path, std::string_view bytes,
                              const ReadOptions& options) {
  // libonnx and protobuf signal some failures with exceptions; none may escape this library.
  try {
    Converter converter(path, options);
    return converter.Run(bytes);
  } catch (const std::exception& e) {
    return Status::Corruption(path + ": malformed ONNX model: " + e.what());
  }
}

}  // namespace mbench::analyzer
