// GraphBuilder: builds a Graph layer by layer in NCHW, computing every output shape as it goes
// (the zoo's architectures are written with it; no file is involved). Weights are constant
// tensors with shapes only. A shape that cannot work (an input too small for a kernel, a
// reshape that changes the element count) is recorded as the first error, which Finish()
// returns; building goes on with stand-in sizes so the code needs no checks at each step.
// Not thread-safe; one builder per graph.
#ifndef MBENCH_ANALYZER_GRAPH_BUILDER_H_
#define MBENCH_ANALYZER_GRAPH_BUILDER_H_

#include <string>
#include <vector>

#include "analyzer/graph.h"
#include "core/status_or.h"

namespace mbench::analyzer {

// A tensor handle: its index in the graph under construction.
using TensorId = int32_t;

class GraphBuilder {
 public:
  // With `fold_bn`, BatchNorm() right after a convolution is folded into it (the deployment
  // form: the conv gains a bias, no BatchNorm layer); otherwise, and for a BatchNorm that
  // follows no conv, it is its own layer (the training form).
  explicit GraphBuilder(bool fold_bn = false);

  TensorId Input(const std::string& name, Shape shape);
  // 2-D convolution; `pad` < 0 means "same" for odd kernels ((k-1)/2 * dilation).
  TensorId Conv(TensorId x, int64_t cout, int64_t k, int64_t stride = 1, int64_t pad = -1,
                int64_t groups = 1, bool bias = false, int64_t dilation = 1);
  // Rectangular kernel (kh x kw) with explicit pads.
  TensorId ConvRect(TensorId x, int64_t cout, int64_t kh, int64_t kw, int64_t ph, int64_t pw,
                    int64_t stride = 1, bool bias = false);
  // Transposed 2-D convolution without padding: k x k window, output (in - 1) * stride + k
  // (the 2x2 stride-2 upsampling of detection and segmentation decoders).
  TensorId ConvTranspose(TensorId x, int64_t cout, int64_t k, int64_t stride, bool bias = false);
  TensorId BatchNorm(TensorId x);
  // Conv + BatchNorm + activation (kUnknown: none).
  TensorId ConvBnAct(TensorId x, int64_t cout, int64_t k, int64_t stride, OpKind act,
                     int64_t groups = 1, int64_t pad = -1);
  TensorId Act(TensorId x, OpKind kind);  // relu, clip (relu6), sigmoid, hard_swish, ...
  TensorId Add(TensorId a, TensorId b);
  TensorId Mul(TensorId a, TensorId b);
  TensorId MaxPool(TensorId x, int64_t k, int64_t stride, int64_t pad = 0, bool ceil = false);
  TensorId AvgPool(TensorId x, int64_t k, int64_t stride, int64_t pad = 0, bool ceil = false);
  TensorId GlobalAvgPool(TensorId x);
  // Adaptive average pooling to out x out: identity when already that size, else a pool.
  TensorId AdaptiveAvgPool(TensorId x, int64_t out);
  TensorId Flatten(TensorId x);
  TensorId Linear(TensorId x, int64_t out, bool bias = true);
  TensorId Concat(const std::vector<TensorId>& xs, int64_t axis = 1);
  // Splits channels in two equal halves.
  std::pair<TensorId, TensorId> SplitChannels(TensorId x);
  TensorId ChannelShuffle(TensorId x, int64_t groups);
  // Resizes the spatial dims of an NCHW tensor to out_h x out_w ("linear" or "nearest").
  TensorId Resize(TensorId x, int64_t out_h, int64_t out_w, const std::string& mode);
  // Zero-pads `extra` channels after the existing ones (BlazeFace's widening shortcut).
  TensorId PadChannels(TensorId x, int64_t extra);
  TensorId Dropout(TensorId x);
  // Squeeze-and-excitation: global pool, 1x1 conv (squeeze, bias) + act, 1x1 conv (bias) + gate,
  // multiply.
  TensorId SqueezeExcite(TensorId x, int64_t squeeze, OpKind act, OpKind gate);

  // Transformer pieces (token layout [N, tokens, dim]).
  TensorId LayerNorm(TensorId x);           // over the last axis, with gamma and beta
  TensorId MatMul(TensorId a, TensorId b);  // batched: [..., M, K] x [..., K, N]
  TensorId Softmax(TensorId x);             // over the last axis
  TensorId Reshape(TensorId x, Shape shape);
  TensorId Transpose(TensorId x, std::vector<int64_t> perm);
  TensorId Scale(TensorId x, double factor);  // multiply by a scalar constant
  // A learned tensor (class token, position embedding): a constant the graph reads as data.
  TensorId Parameter(const std::string& name, Shape shape);
  // x[:, index] along axis 1 (the class token).
  TensorId TakeToken(TensorId x, int64_t index);

  const Shape& ShapeOf(TensorId t) const { return graph_.tensors[t].shape; }
  int64_t Channels(TensorId t) const { return graph_.tensors[t].shape[1]; }

  // Marks `outputs` as graph outputs and returns the graph, or kInvalidArgument with the first
  // shape error (naming the layer). The builder is spent afterwards.
  StatusOr<Graph> Finish(const std::vector<TensorId>& outputs, std::string format = "zoo");

 private:
  TensorId AddNode(OpKind kind, const std::string& op_type, std::vector<TensorId> inputs,
                   Shape out_shape, std::map<std::string, AttrValue, std::less<>> attrs = {});
  TensorId Weight(const std::string& suffix, Shape shape);
  TensorId ScalarConstant(const std::string& name, DType dtype, double value);
  // Records the first shape error; returns `fallback` so building can continue.
  int64_t Fail(const std::string& what, int64_t fallback = 1);
  int64_t Window(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation, bool ceil);
  TensorId Pool(OpKind kind, TensorId x, int64_t k, int64_t stride, int64_t pad, bool ceil);

  bool fold_bn_;
  Status status_;
  Graph graph_;
  int counter_ = 0;
  std::string last_name_;
};

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_GRAPH_BUILDER_H_
