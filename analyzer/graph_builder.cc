#include "analyzer/graph_builder.h"

#include <algorithm>

#include "core/check.h"

namespace mbench::analyzer {
namespace {

int64_t WindowOutRaw(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation,
                     bool ceil) {
  int64_t span = in + 2 * pad - dilation * (k - 1) - 1;
  int64_t out = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
  // PyTorch's ceil mode drops a last window that would start inside the padding only.
  if (ceil && (out - 1) * stride >= in + pad) --out;
  return out;
}

}  // namespace

int64_t GraphBuilder::Fail(const std::string& what, int64_t fallback) {
  if (status_.ok()) status_ = Status::InvalidArgument("layer '" + last_name_ + "': " + what);
  return fallback;
}

int64_t GraphBuilder::Window(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation,
                             bool ceil) {
  int64_t out = WindowOutRaw(in, k, stride, pad, dilation, ceil);
  if (out < 1) {
    return Fail("input size " + std::to_string(in) + " is smaller than its " + std::to_string(k) +
                "-wide window (stride " + std::to_string(stride) + ")");
  }
  return out;
}

GraphBuilder::GraphBuilder(bool fold_bn) : fold_bn_(fold_bn) {
  graph_.format = "zoo";
  graph_.layout = Layout::kNCHW;
}

TensorId GraphBuilder::Input(const std::string& name, Shape shape) {
  TensorInfo t;
  t.name = name;
  t.dtype = DType::kFloat32;
  t.has_shape = true;
  t.shape = std::move(shape);
  TensorId id = graph_.AddTensor(std::move(t));
  graph_.inputs.push_back(id);
  return id;
}

TensorId GraphBuilder::Weight(const std::string& suffix, Shape shape) {
  TensorInfo t;
  t.name = last_name_ + "." + suffix;
  t.dtype = DType::kFloat32;
  t.has_shape = true;
  t.is_constant = true;
  t.shape = std::move(shape);
  return graph_.AddTensor(std::move(t));
}

TensorId GraphBuilder::AddNode(OpKind kind, const std::string& op_type,
                               std::vector<TensorId> inputs, Shape out_shape,
                               std::map<std::string, AttrValue, std::less<>> attrs) {
  Node n;
  n.kind = kind;
  n.op_type = op_type;
  n.name = last_name_;
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  TensorInfo out;
  out.name = n.name + ".out";
  out.dtype = DType::kFloat32;
  out.has_shape = true;
  out.shape = std::move(out_shape);
  out.producer = static_cast<int32_t>(graph_.nodes.size());
  TensorId id = graph_.AddTensor(std::move(out));
  n.outputs = {id};
  graph_.nodes.push_back(std::move(n));
  return id;
}

TensorId GraphBuilder::Conv(TensorId x, int64_t cout, int64_t k, int64_t stride, int64_t pad,
                            int64_t groups, bool bias, int64_t dilation) {
  if (pad < 0) pad = (k - 1) / 2 * dilation;
  const Shape in = ShapeOf(x);
  last_name_ = "conv" + std::to_string(counter_++);
  if (in.size() != 4 || in[1] % groups != 0 || cout % groups != 0) {
    groups = Fail("conv of " + ShapeToString(in) + " into " + std::to_string(cout) +
                  " channels cannot use " + std::to_string(groups) + " groups");
  }
  TensorId w = Weight("weight", {cout, in[1] / groups, k, k});
  TensorId b = bias ? Weight("bias", {cout}) : -1;
  Shape out = {in[0], cout, Window(in[2], k, stride, pad, dilation, false),
               Window(in[3], k, stride, pad, dilation, false)};
  bool depthwise = groups > 1 && groups == in[1] && groups == cout;
  return AddNode(depthwise ? OpKind::kDepthwiseConv : OpKind::kConv, "Conv", {x, w, b}, out,
                 {{"kernel_shape", std::vector<int64_t>{k, k}},
                  {"strides", std::vector<int64_t>{stride, stride}},
                  {"pads", std::vector<int64_t>{pad, pad, pad, pad}},
                  {"dilations", std::vector<int64_t>{dilation, dilation}},
                  {"group", groups}});
}

TensorId GraphBuilder::ConvRect(TensorId x, int64_t cout, int64_t kh, int64_t kw, int64_t ph,
                                int64_t pw, int64_t stride, bool bias) {
  const Shape in = ShapeOf(x);
  last_name_ = "conv" + std::to_string(counter_++);
  TensorId w = Weight("weight", {cout, in[1], kh, kw});
  TensorId b = bias ? Weight("bias", {cout}) : -1;
  Shape out = {in[0], cout, Window(in[2], kh, stride, ph, 1, false),
               Window(in[3], kw, stride, pw, 1, false)};
  return AddNode(OpKind::kConv, "Conv", {x, w, b}, out,
                 {{"kernel_shape", std::vector<int64_t>{kh, kw}},
                  {"strides", std::vector<int64_t>{stride, stride}},
                  {"pads", std::vector<int64_t>{ph, pw, ph, pw}},
                  {"group", int64_t{1}}});
}

TensorId GraphBuilder::ConvTranspose(TensorId x, int64_t cout, int64_t k, int64_t stride,
                                     bool bias) {
  const Shape in = ShapeOf(x);
  last_name_ = "deconv" + std::to_string(counter_++);
  if (in.size() != 4 || k < 1 || stride < 1) {
    Fail("transposed conv of " + ShapeToString(in) + " with kernel " + std::to_string(k) +
         " and stride " + std::to_string(stride));
  }
  TensorId w = Weight("weight", {in.size() == 4 ? in[1] : 1, cout, k, k});  // ONNX: [I, O, kh, kw]
  TensorId b = bias ? Weight("bias", {cout}) : -1;
  Shape out = {in.empty() ? 1 : in[0], cout, in.size() == 4 ? (in[2] - 1) * stride + k : 1,
               in.size() == 4 ? (in[3] - 1) * stride + k : 1};
  return AddNode(OpKind::kConvTranspose, "ConvTranspose", {x, w, b}, out,
                 {{"kernel_shape", std::vector<int64_t>{k, k}},
                  {"strides", std::vector<int64_t>{stride, stride}},
                  {"pads", std::vector<int64_t>{0, 0, 0, 0}},
                  {"group", int64_t{1}}});
}

TensorId GraphBuilder::BatchNorm(TensorId x) {
  int64_t c = Channels(x);
  const Node* prev = graph_.nodes.empty() ? nullptr : &graph_.nodes.back();
  bool foldable = prev != nullptr && prev->outputs[0] == x &&
                  (prev->kind == OpKind::kConv || prev->kind == OpKind::kDepthwiseConv);
  if (fold_bn_ && foldable) {
    // Deployment form: the preceding conv absorbs scale and shift as its bias. A BatchNorm
    // that follows no conv (DenseNet's pre-activation) stays a layer.
    if (prev->inputs.size() < 3 || prev->inputs[2] < 0) {
      std::string saved = last_name_;
      last_name_ = prev->name;
      TensorId b = Weight("bias", {c});
      last_name_ = saved;
      graph_.nodes.back().inputs.resize(3, -1);
      graph_.nodes.back().inputs[2] = b;
    }
    return x;
  }
  last_name_ = "bn" + std::to_string(counter_++);
  TensorId s = Weight("weight", {c});
  TensorId b = Weight("bias", {c});
  TensorId m = Weight("running_mean", {c});
  TensorId v = Weight("running_var", {c});
  return AddNode(OpKind::kBatchNorm, "BatchNormalization", {x, s, b, m, v}, ShapeOf(x));
}

TensorId GraphBuilder::ConvBnAct(TensorId x, int64_t cout, int64_t k, int64_t stride, OpKind act,
                                 int64_t groups, int64_t pad) {
  TensorId y = BatchNorm(Conv(x, cout, k, stride, pad, groups));
  return act == OpKind::kUnknown ? y : Act(y, act);
}

TensorId GraphBuilder::Act(TensorId x, OpKind kind) {
  last_name_ = std::string(OpKindName(kind)) + std::to_string(counter_++);
  std::map<std::string, AttrValue, std::less<>> attrs;
  if (kind == OpKind::kClip) {
    attrs["min"] = 0.0;
    attrs["max"] = 6.0;
  }
  return AddNode(kind, OpKindName(kind), {x}, ShapeOf(x), std::move(attrs));
}

TensorId GraphBuilder::Add(TensorId a, TensorId b) {
  last_name_ = "add" + std::to_string(counter_++);
  const Shape& sa = ShapeOf(a);
  const Shape& sb = ShapeOf(b);  // the larger operand's shape, as Mul (a bias first broadcasts)
  return AddNode(OpKind::kAdd, "Add", {a, b}, NumElements(sa) >= NumElements(sb) ? sa : sb);
}

TensorId GraphBuilder::Mul(TensorId a, TensorId b) {
  last_name_ = "mul" + std::to_string(counter_++);
  const Shape& sa = ShapeOf(a);
  const Shape& sb = ShapeOf(b);
  return AddNode(OpKind::kMul, "Mul", {a, b}, NumElements(sa) >= NumElements(sb) ? sa : sb);
}

TensorId GraphBuilder::Pool(OpKind kind, TensorId x, int64_t k, int64_t stride, int64_t pad,
                            bool ceil) {
  const Shape in = ShapeOf(x);
  last_name_ = (kind == OpKind::kMaxPool ? "maxpool" : "avgpool") + std::to_string(counter_++);
  Shape out = {in[0], in[1], Window(in[2], k, stride, pad, 1, ceil),
               Window(in[3], k, stride, pad, 1, ceil)};
  return AddNode(kind, kind == OpKind::kMaxPool ? "MaxPool" : "AveragePool", {x}, out,
                 {{"kernel_shape", std::vector<int64_t>{k, k}},
                  {"strides", std::vector<int64_t>{stride, stride}},
                  {"pads", std::vector<int64_t>{pad, pad, pad, pad}},
                  {"ceil_mode", int64_t{ceil ? 1 : 0}}});
}

TensorId GraphBuilder::MaxPool(TensorId x, int64_t k, int64_t stride, int64_t pad, bool ceil) {
  return Pool(OpKind::kMaxPool, x, k, stride, pad, ceil);
}

TensorId GraphBuilder::AvgPool(TensorId x, int64_t k, int64_t stride, int64_t pad, bool ceil) {
  return Pool(OpKind::kAveragePool, x, k, stride, pad, ceil);
}

TensorId GraphBuilder::GlobalAvgPool(TensorId x) {
  const Shape in = ShapeOf(x);
  last_name_ = "gap" + std::to_string(counter_++);
  return AddNode(OpKind::kGlobalAveragePool, "GlobalAveragePool", {x}, {in[0], in[1], 1, 1});
}

TensorId GraphBuilder::AdaptiveAvgPool(TensorId x, int64_t out) {
  const Shape in = ShapeOf(x);
  if (in[2] == out && in[3] == out) return x;
  if (out == 1) return GlobalAvgPool(x);
  if (in[2] % out == 0 && in[3] == in[2]) return AvgPool(x, in[2] / out, in[2] / out);
  // PyTorch's adaptive pooling with uneven windows (or replication when the input is smaller):
  // every output averages at most ceil(in/out) inputs per axis.
  last_name_ = "adaptive_avgpool" + std::to_string(counter_++);
  int64_t k = std::max<int64_t>(1, (std::max(in[2], in[3]) + out - 1) / out);
  return AddNode(OpKind::kAveragePool, "AdaptiveAveragePool", {x}, {in[0], in[1], out, out},
                 {{"kernel_shape", std::vector<int64_t>{k, k}}, {"adaptive", int64_t{1}}});
}

TensorId GraphBuilder::Flatten(TensorId x) {
  const Shape in = ShapeOf(x);
  last_name_ = "flatten" + std::to_string(counter_++);
  int64_t rest = 1;
  for (size_t i = 1; i < in.size(); ++i) rest *= in[i];
  return AddNode(OpKind::kFlatten, "Flatten", {x}, {in[0], rest}, {{"axis", int64_t{1}}});
}

TensorId GraphBuilder::Linear(TensorId x, int64_t out, bool bias) {
  const Shape in = ShapeOf(x);
  last_name_ = "fc" + std::to_string(counter_++);
  TensorId w = Weight("weight", {out, in.back()});
  TensorId b = bias ? Weight("bias", {out}) : -1;
  Shape o = in;
  o.back() = out;
  return AddNode(OpKind::kFullyConnected, "Gemm", {x, w, b}, o, {{"transB", int64_t{1}}});
}

TensorId GraphBuilder::Concat(const std::vector<TensorId>& xs, int64_t axis) {
  Shape out = ShapeOf(xs[0]);
  for (size_t i = 1; i < xs.size(); ++i) out[axis] += ShapeOf(xs[i])[axis];
  last_name_ = "concat" + std::to_string(counter_++);
  return AddNode(OpKind::kConcat, "Concat", xs, out, {{"axis", axis}});
}

std::pair<TensorId, TensorId> GraphBuilder::SplitChannels(TensorId x) {
  Shape half = ShapeOf(x);
  half[1] /= 2;
  last_name_ = "split" + std::to_string(counter_++);
  TensorId a = AddNode(OpKind::kSplit, "Split", {x}, half, {{"axis", int64_t{1}}});
  // A second output on the same node.
  TensorInfo second;
  second.name = graph_.nodes.back().name + ".out1";
  second.dtype = DType::kFloat32;
  second.has_shape = true;
  second.shape = half;
  second.producer = static_cast<int32_t>(graph_.nodes.size() - 1);
  TensorId b = graph_.AddTensor(std::move(second));
  graph_.nodes.back().outputs.push_back(b);
  return {a, b};
}

TensorId GraphBuilder::ChannelShuffle(TensorId x, int64_t groups) {
  last_name_ = "shuffle" + std::to_string(counter_++);
  return AddNode(OpKind::kShuffleChannel, "ChannelShuffle", {x}, ShapeOf(x), {{"group", groups}});
}

TensorId GraphBuilder::Resize(TensorId x, int64_t out_h, int64_t out_w, const std::string& mode) {
  Shape out = ShapeOf(x);
  out[2] = out_h;
  out[3] = out_w;
  last_name_ = "resize" + std::to_string(counter_++);
  return AddNode(OpKind::kResize, "Resize", {x}, out, {{"mode", mode}, {"sizes", out}});
}

TensorId GraphBuilder::PadChannels(TensorId x, int64_t extra) {
  Shape out = ShapeOf(x);
  const int64_t rank = static_cast<int64_t>(out.size());
  out[1] += extra;
  std::vector<int64_t> pads(2 * rank, 0);
  pads[rank + 1] = extra;  // ONNX order: all begins, then all ends
  last_name_ = "pad" + std::to_string(counter_++);
  return AddNode(OpKind::kPad, "Pad", {x}, out, {{"pads", pads}});
}

TensorId GraphBuilder::Dropout(TensorId x) {
  last_name_ = "dropout" + std::to_string(counter_++);
  return AddNode(OpKind::kDropout, "Dropout", {x}, ShapeOf(x));
}

TensorId GraphBuilder::SqueezeExcite(TensorId x, int64_t squeeze, OpKind act, OpKind gate) {
  int64_t c = Channels(x);
  TensorId s = GlobalAvgPool(x);
  s = Act(Conv(s, squeeze, 1, 1, 0, 1, /*bias=*/true), act);
  s = Act(Conv(s, c, 1, 1, 0, 1, /*bias=*/true), gate);
  return Mul(x, s);
}

TensorId GraphBuilder::LayerNorm(TensorId x) {
  last_name_ = "ln" + std::to_string(counter_++);
  int64_t d = ShapeOf(x).back();
  TensorId g = Weight("weight", {d});
  TensorId bb = Weight("bias", {d});
  return AddNode(OpKind::kLayerNorm, "LayerNormalization", {x, g, bb}, ShapeOf(x),
                 {{"axis", int64_t{-1}}});
}

TensorId GraphBuilder::MatMul(TensorId a, TensorId b) {
  Shape out = ShapeOf(a);
  const Shape& sb = ShapeOf(b);
  last_name_ = "matmul" + std::to_string(counter_++);
  if (out.size() != sb.size() || out.back() != sb[sb.size() - 2]) {
    Fail("matmul of " + ShapeToString(out) + " and " + ShapeToString(sb));
  }
  out.back() = sb.back();
  return AddNode(OpKind::kMatMul, "MatMul", {a, b}, out);
}

TensorId GraphBuilder::Softmax(TensorId x) {
  last_name_ = "softmax" + std::to_string(counter_++);
  return AddNode(OpKind::kSoftmax, "Softmax", {x}, ShapeOf(x), {{"axis", int64_t{-1}}});
}

TensorId GraphBuilder::Reshape(TensorId x, Shape shape) {
  last_name_ = "reshape" + std::to_string(counter_++);
  if (NumElements(shape) != NumElements(ShapeOf(x))) {
    Fail("reshape of " + ShapeToString(ShapeOf(x)) + " to " + ShapeToString(shape) +
         " changes the element count (input size not divisible as the architecture needs)");
  }
  return AddNode(OpKind::kReshape, "Reshape", {x}, shape, {{"shape", shape}});
}

TensorId GraphBuilder::Transpose(TensorId x, std::vector<int64_t> perm) {
  const Shape& in = ShapeOf(x);
  Shape out;
  for (int64_t p : perm) out.push_back(in[p]);
  last_name_ = "transpose" + std::to_string(counter_++);
  return AddNode(OpKind::kTranspose, "Transpose", {x}, out, {{"perm", perm}});
}

TensorId GraphBuilder::ScalarConstant(const std::string& name, DType dtype, double value) {
  TensorInfo c;
  c.name = name;
  c.dtype = dtype;
  c.has_shape = true;  // rank 0
  c.is_constant = true;
  c.has_values = true;
  if (IsFloatingPoint(dtype)) {
    c.float_values = {value};
  } else {
    c.int_values = {static_cast<int64_t>(value)};
  }
  return graph_.AddTensor(std::move(c));
}

TensorId GraphBuilder::Scale(TensorId x, double factor) {
  last_name_ = "scale" + std::to_string(counter_++);
  TensorId f = ScalarConstant(last_name_ + ".factor", DType::kFloat32, factor);
  return AddNode(OpKind::kMul, "Mul", {x, f}, ShapeOf(x));
}

TensorId GraphBuilder::Parameter(const std::string& name, Shape shape) {
  std::string saved = last_name_;
  last_name_ = name;
  TensorId t = Weight("data", std::move(shape));
  last_name_ = saved;
  return t;
}

TensorId GraphBuilder::TakeToken(TensorId x, int64_t index) {
  Shape in = ShapeOf(x);
  last_name_ = "token" + std::to_string(counter_++);
  TensorId i = ScalarConstant(last_name_ + ".index", DType::kInt64, static_cast<double>(index));
  Shape out = {in[0]};
  out.insert(out.end(), in.begin() + 2, in.end());
  return AddNode(OpKind::kGather, "Gather", {x, i}, out, {{"axis", int64_t{1}}});
}

StatusOr<Graph> GraphBuilder::Finish(const std::vector<TensorId>& outputs, std::string format) {
  if (!status_.ok()) return status_;
  graph_.outputs = outputs;
  graph_.format = std::move(format);
  Status valid = ValidateGraph(graph_);
  if (!valid.ok()) return Status::InvalidArgument(valid.message());
  return std::move(graph_);
}

}  // namespace mbench::analyzer
