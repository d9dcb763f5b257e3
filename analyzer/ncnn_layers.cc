// ncnn's layer types: the table that maps each to its OpKind and converter, and the converters,
// which read a layer's parameters (by the names ncnn gives them), add its weights in the .bin's
// order and compute its output shapes with ncnn's rules.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>

#include "analyzer/ncnn_internal.h"
#include "analyzer/ncnn_reader.h"

namespace mbench::analyzer::ncnn {

const char* FusedActivation(int64_t type) {
  switch (type) {
    case 1: return "relu";
    case 2: return "leaky_relu";
    case 3: return "clip";
    case 4: return "sigmoid";
    case 5: return "mish";
    case 6: return "hard_swish";
    default: return nullptr;
  }
}

int64_t ConvOut(int64_t in, int64_t k, int64_t dil, int64_t stride, int64_t pad_lo,
                int64_t pad_hi) {
  if (stride <= 0) return -1;
  if (pad_lo == -233 || pad_lo == -234) return (in + stride - 1) / stride;
  int64_t eff = dil * (k - 1) + 1;
  int64_t span = in + pad_lo + pad_hi - eff;
  return span < 0 ? -1 : span / stride + 1;
}

using C = Converter;
constexpr LayerInfo kLayers[] = {
    {"Input", OpKind::kIdentity, &C::Same},
    {"Convolution", OpKind::kConv, &C::Conv},
    {"ConvolutionDepthWise", OpKind::kConv, &C::Conv},
    {"Convolution1D", OpKind::kConv, &C::Conv},
    {"ConvolutionDepthWise1D", OpKind::kConv, &C::Conv},
    {"Deconvolution", OpKind::kConvTranspose, &C::Conv},
    {"DeconvolutionDepthWise", OpKind::kConvTranspose, &C::Conv},
    {"Deconvolution1D", OpKind::kConvTranspose, &C::Conv},
    {"DeconvolutionDepthWise1D", OpKind::kConvTranspose, &C::Conv},
    {"InnerProduct", OpKind::kFullyConnected, &C::InnerProduct},
    {"Gemm", OpKind::kFullyConnected, &C::Gemm},
    {"Pooling", OpKind::kMaxPool, &C::Pooling},
    {"ReLU", OpKind::kRelu, &C::Relu},
    {"Clip", OpKind::kClip, &C::Same},
    {"Sigmoid", OpKind::kSigmoid, &C::Same},
    {"HardSigmoid", OpKind::kHardSigmoid, &C::Same},
    {"HardSwish", OpKind::kHardSwish, &C::Same},
    {"Swish", OpKind::kSwish, &C::Same},
    {"Mish", OpKind::kMish, &C::Same},
    {"TanH", OpKind::kTanh, &C::Same},
    {"ELU", OpKind::kElu, &C::Same},
    {"SELU", OpKind::kSelu, &C::Same},
    {"GELU", OpKind::kGelu, &C::Same},
    {"Softplus", OpKind::kSoftplus, &C::Same},
    {"BNLL", OpKind::kSoftplus, &C::Same},
    {"PReLU", OpKind::kPRelu, &C::PRelu},
    {"AbsVal", OpKind::kAbs, &C::Same},
    {"Exp", OpKind::kExp, &C::Same},
    {"Log", OpKind::kLog, &C::Same},
    {"Power", OpKind::kPow, &C::Same},
    {"Threshold", OpKind::kThresholdedRelu, &C::Same},
    {"Softmax", OpKind::kSoftmax, &C::Same},
    {"BatchNorm", OpKind::kBatchNorm, &C::BatchNorm},
    {"Scale", OpKind::kBatchNorm, &C::ScaleBias},
    {"Bias", OpKind::kAdd, &C::ScaleBias},
    {"InstanceNorm", OpKind::kInstanceNorm, &C::Norm},
    {"LayerNorm", OpKind::kLayerNorm, &C::Norm},
    {"RMSNorm", OpKind::kLayerNorm, &C::Norm},
    {"GroupNorm", OpKind::kGroupNorm, &C::Norm},
    {"Normalize", OpKind::kLpNormalization, &C::Norm},
    {"LRN", OpKind::kLrn, &C::Same},
    {"Dropout", OpKind::kDropout, &C::Same},
    {"Noop", OpKind::kIdentity, &C::Same},
    {"DeepCopy", OpKind::kIdentity, &C::Same},
    {"Erf", OpKind::kErf, &C::Same},
    {"CELU", OpKind::kCelu, &C::Same},
    {"MatMul", OpKind::kMatMul, &C::MatMul},
    {"Split", OpKind::kIdentity, &C::Same},
    {"Packing", OpKind::kIdentity, &C::Same},
    {"Cast", OpKind::kCast, &C::Same},
    {"Eltwise", OpKind::kSum, &C::Binary},
    {"BinaryOp", OpKind::kAdd, &C::Binary},
    {"UnaryOp", OpKind::kAbs, &C::Unary},
    {"Concat", OpKind::kConcat, &C::Concat},
    {"Slice", OpKind::kSplit, &C::Slice},
    {"Crop", OpKind::kSlice, &C::Crop},
    {"Interp", OpKind::kResize, &C::Interp},
    {"Reshape", OpKind::kReshape, &C::Reshape},
    {"Permute", OpKind::kTranspose, &C::Permute},
    {"Flatten", OpKind::kFlatten, &C::Flatten},
    {"Padding", OpKind::kPad, &C::Padding},
    {"ShuffleChannel", OpKind::kShuffleChannel, &C::Same},
    {"Reorg", OpKind::kSpaceToDepth, &C::Reorg},
    {"PixelShuffle", OpKind::kDepthToSpace, &C::Reorg},
    {"Quantize", OpKind::kQuantize, &C::Same},
    {"Dequantize", OpKind::kDequantize, &C::Same},
    {"Requantize", OpKind::kQuantize, &C::Same},
    {"Reduction", OpKind::kReduceSum, &C::Reduction},
    {"ArgMax", OpKind::kArgMax, &C::ArgMax},
    {"PriorBox", OpKind::kConstantOfShape, &C::PriorBox},
    {"DetectionOutput", OpKind::kNonMaxSuppression, &C::Detection},
    {"YoloDetectionOutput", OpKind::kNonMaxSuppression, &C::Detection},
    {"Yolov3DetectionOutput", OpKind::kNonMaxSuppression, &C::Detection},
    {"MemoryData", OpKind::kIdentity, &C::Same},
    {"Embed", OpKind::kGather, &C::Embed},
    {"SDPA", OpKind::kAttention, &C::Sdpa},
    {"MultiHeadAttention", OpKind::kFullyConnected, &C::MultiHeadAttention},
    {"LSTM", OpKind::kLstm, &C::Recurrent},
    {"GRU", OpKind::kGru, &C::Recurrent},
    {"RNN", OpKind::kRnn, &C::Recurrent},
    {"RotaryEmbed", OpKind::kRotaryEmbed, &C::Same},
    {"Tile", OpKind::kTile, &C::Tile},
    {"ExpandDims", OpKind::kUnsqueeze, &C::ExpandSqueeze},
    {"Squeeze", OpKind::kSqueeze, &C::ExpandSqueeze},
    {"CumulativeSum", OpKind::kCumSum, &C::Same},
    // ncnn_layers_more.cc
    {"Convolution3D", OpKind::kConv, &C::Conv3D},
    {"ConvolutionDepthWise3D", OpKind::kConv, &C::Conv3D},
    {"Deconvolution3D", OpKind::kConvTranspose, &C::Conv3D},
    {"DeconvolutionDepthWise3D", OpKind::kConvTranspose, &C::Conv3D},
    {"DeformableConv2D", OpKind::kConv, &C::DeformableConv},
    {"Pooling1D", OpKind::kMaxPool, &C::Pooling1D},
    {"Pooling3D", OpKind::kMaxPool, &C::Pooling3D},
    {"GLU", OpKind::kSwish, &C::Glu},
    {"Shrink", OpKind::kThresholdedRelu, &C::Same},
    {"MVN", OpKind::kInstanceNorm, &C::Same},
    {"Flip", OpKind::kReverseSequence, &C::Same},
    {"CopyTo", OpKind::kScatterElements, &C::CopyTo},
    {"Diag", OpKind::kTrilu, &C::Diag},
    {"Unfold", OpKind::kSpaceToDepth, &C::Unfold},
    {"Fold", OpKind::kDepthToSpace, &C::Fold},
    {"GridSample", OpKind::kResize, &C::GridSample},
    {"SPP", OpKind::kGlobalMaxPool, &C::Spp},
    {"StatisticsPooling", OpKind::kGlobalAveragePool, &C::StatisticsPooling},
    {"ROIAlign", OpKind::kRoiAlign, &C::RoiPool},
    {"ROIPooling", OpKind::kMaxRoiPool, &C::RoiPool},
    {"PSROIPooling", OpKind::kRoiAlign, &C::RoiPool},
    {"Proposal", OpKind::kNonMaxSuppression, &C::Proposal},
    {"Spectrogram", OpKind::kCustom, &C::Spectrogram},
    {"InverseSpectrogram", OpKind::kCustom, &C::Spectrogram},
    {"Einsum", OpKind::kEinsum, &C::Einsum},
};

const LayerInfo* FindLayer(const std::string& type) {
  for (const auto& l : kLayers) {
    if (type == l.type) return &l;
  }
  return nullptr;
}

Status Converter::ConvertConv(const NcnnLayer& l, NShape x, std::vector<NShape>* out, Node* node) {
  bool one_d = l.type.size() > 2 && l.type.compare(l.type.size() - 2, 2, "1D") == 0;
  bool deconv = l.type.rfind("Deconvolution", 0) == 0;
  int64_t num_output = l.I(ConvParam::kNumOutput, 0);
  int64_t kw = l.I(ConvParam::kKernelW, 0), kh = l.I(ConvParam::kKernelH, kw);
  int64_t dw = l.I(ConvParam::kDilationW, 1), dh = l.I(ConvParam::kDilationH, dw);
  int64_t sw = l.I(ConvParam::kStrideW, 1), sh = l.I(ConvParam::kStrideH, sw);
  int64_t pl = l.I(ConvParam::kPadLeft, 0), pt = l.I(ConvParam::kPadTop, pl),
          pr = l.I(ConvParam::kPadRight, pl), pb = l.I(ConvParam::kPadBottom, pt);
  int64_t group = std::max<int64_t>(1, l.I(ConvParam::kGroup, 1));
  int64_t weight_size = l.I(ConvParam::kWeightDataSize, 0);
  if (num_output <= 0 || kw <= 0 || kh <= 0) return Fail(l, "num_output and kernel must be >= 1");
  if (one_d) {
    // Conv1D works on [h rows of w]: channels are h.
    if (x.dims != 2) return Fail(l, "expects a 2-D input, got " + x.ToString());
    int64_t ow = ConvOut(x.w, kw, dw, sw, pl, pr);
    if (deconv) {
      ow = l.I(ConvParam::kOutputW, 0) > 0
               ? l.I(ConvParam::kOutputW, 0)
               : (x.w - 1) * sw + dw * (kw - 1) + 1 - pl - pr + l.I(ConvParam::kOutputPadRight, 0);
    }
    if (ow <= 0) return Fail(l, "kernel larger than the padded input " + x.ToString());
    out->push_back(NShape::D2(ow, num_output));
    node->attrs["kernel_shape"] = std::vector<int64_t>{kw};
    // Graph shape of a 2-D blob is [h, w]: present it as [1, h, w] to the conv rule.
  } else {
    if (x.dims == 1) x = NShape::D3(1, 1, x.w);  // a vector feeds a conv as 1x1xC
    if (x.dims != 3) return Fail(l, "expects a 3-D input, got " + x.ToString());
    int64_t ow, oh;
    if (deconv) {
      int64_t opr = l.I(ConvParam::kOutputPadRight, 0), opb = l.I(ConvParam::kOutputPadBottom, opr);
      ow = l.I(ConvParam::kOutputW, 0) > 0 ? l.I(ConvParam::kOutputW, 0)
                                           : (x.w - 1) * sw + dw * (kw - 1) + 1 - pl - pr + opr;
      oh = l.I(ConvParam::kOutputH, 0) > 0 ? l.I(ConvParam::kOutputH, 0)
                                           : (x.h - 1) * sh + dh * (kh - 1) + 1 - pt - pb + opb;
      if (pl == -233 || pl == -234) {
        ow = x.w * sw;
        oh = x.h * sh;
      }
    } else {
      ow = ConvOut(x.w, kw, dw, sw, pl, pr);
      oh = ConvOut(x.h, kh, dh, sh, pt, pb);
    }
    if (ow <= 0 || oh <= 0) return Fail(l, "kernel larger than the padded input " + x.ToString());
    out->push_back(NShape::D3(ow, oh, num_output));
    node->attrs["kernel_shape"] = std::vector<int64_t>{kh, kw};
    node->attrs["strides"] = std::vector<int64_t>{sh, sw};
    node->attrs["dilations"] = std::vector<int64_t>{dh, dw};
  }
  int64_t cin = one_d ? x.h : x.c;
  node->attrs["group"] = group;
  if (!deconv && group > 1 && group == cin && group == num_output) {
    node->kind = OpKind::kDepthwiseConv;
  }
  int64_t k = one_d ? kw : kw * kh;
  int64_t per_filter = deconv ? (num_output / group) * k : (cin / group) * k;
  Shape wshape =
      deconv ? Shape{cin, num_output / group, kh, kw} : Shape{num_output, cin / group, kh, kw};
  if (one_d)
    wshape = deconv ? Shape{cin, num_output / group, kw} : Shape{num_output, cin / group, kw};
  if (weight_size > 0 && weight_size != (deconv ? cin : num_output) * per_filter) {
    wshape = Shape{weight_size};  // trust the stored size; MACs still follow the geometry
  }
  DType wtype = l.I(ConvParam::kInt8ScaleTerm, 0) > 0 ? DType::kInt8 : DType::kFloat32;
  const int32_t weight = AddWeight(l, "weight", wshape, wtype, /*tagged=*/true);
  node->inputs.push_back(weight);
  node->inputs.push_back(
      l.I(ConvParam::kBiasTerm, 0) ? AddWeight(l, "bias", {num_output}, DType::kFloat32) : -1);
  if (int64_t int8 = l.I(ConvParam::kInt8ScaleTerm, 0); int8 > 0 && !deconv) {
    // weight scales (one per output channel, or per group for depthwise), input scale(s),
    // and an output scale when int8_scale_term > 100.
    bool per_group = group > 1;
    const int64_t weight_scales = per_group ? group : num_output;
    SkipRaw(weight_scales + (per_group ? group : 1) + (int8 > 100 ? 1 : 0), weight, weight_scales);
  }
  if (const char* act = FusedActivation(l.I(ConvParam::kActivationType, 0)))
    node->attrs["fused_activation"] = std::string(act);
  return Status::Ok();
}

Status Converter::ConvertPooling(const NcnnLayer& l, const NShape& x, std::vector<NShape>* out,
                                 Node* node) {
  bool avg = l.I(PoolParam::kPoolingType, 0) == 1;
  if (x.dims != 3) return Fail(l, "expects a 3-D input, got " + x.ToString());
  if (l.I(PoolParam::kGlobalPooling,
          0)) {  // global pooling: ncnn emits a vector of c; kept as c x 1 x 1
    node->kind = avg ? OpKind::kGlobalAveragePool : OpKind::kGlobalMaxPool;
    out->push_back(NShape::D3(1, 1, x.c));
    return Status::Ok();
  }
  node->kind = avg ? OpKind::kAveragePool : OpKind::kMaxPool;
  int64_t kw = l.I(PoolParam::kKernelW, 0), kh = l.I(PoolParam::kKernelH, kw);
  int64_t sw = l.I(PoolParam::kStrideW, 1), sh = l.I(PoolParam::kStrideH, sw);
  int64_t pl = l.I(PoolParam::kPadLeft, 0), pt = l.I(PoolParam::kPadTop, pl),
          pr = l.I(PoolParam::kPadRight, pl), pb = l.I(PoolParam::kPadBottom, pt);
  int64_t mode = l.I(PoolParam::kPadMode, 0);
  int64_t ow, oh;
  if (l.I(PoolParam::kAdaptivePooling, 0)) {  // adaptive
    ow = l.I(PoolParam::kOutW, 0);
    oh = l.I(PoolParam::kOutH, ow);
    kw = ow > 0 ? (x.w + ow - 1) / ow : 0;
    kh = oh > 0 ? (x.h + oh - 1) / oh : 0;
  } else {
    if (kw <= 0 || kh <= 0 || sw <= 0 || sh <= 0) return Fail(l, "kernel and stride must be >= 1");
    ow = PoolOut(x.w, kw, sw, pl, pr, mode);
    oh = PoolOut(x.h, kh, sh, pt, pb, mode);
  }
  if (ow <= 0 || oh <= 0) return Fail(l, "window larger than the padded input " + x.ToString());
  node->attrs["kernel_shape"] = std::vector<int64_t>{kh, kw};
  out->push_back(NShape::D3(ow, oh, x.c));
  return Status::Ok();
}

NShape Broadcast(const std::vector<NShape>& in) {
  NShape out = in[0];
  for (const NShape& s : in) {
    if (s.dims > out.dims || (s.dims == out.dims && s.Elems() > out.Elems())) out = s;
  }
  for (const NShape& s : in) {
    if (s.dims == out.dims) {
      out.w = std::max(out.w, s.w);
      out.h = std::max(out.h, s.h);
      out.d = std::max(out.d, s.d);
      out.c = std::max(out.c, s.c);
    }
  }
  return out;
}

void Converter::SameShape(const NcnnLayer& l, const std::vector<NShape>& in,
                          std::vector<NShape>* out) {
  for (size_t i = 0; i < l.tops.size(); ++i) out->push_back(in[0]);
}

Status Converter::NeedInputs(const NcnnLayer& l, const std::vector<NShape>& in, size_t n) const {
  if (in.size() >= n) return Status::Ok();
  return Fail(l, "needs " + std::to_string(n) + " inputs, has " + std::to_string(in.size()));
}

Status Converter::Same(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* /*node*/) {
  SameShape(l, in, out);
  return Status::Ok();
}

Status Converter::Conv(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* node) {
  return ConvertConv(l, in[0], out, node);
}

Status Converter::Pooling(const NcnnLayer& l, const std::vector<NShape>& in,
                          std::vector<NShape>* out, Node* node) {
  return ConvertPooling(l, in[0], out, node);
}

Status Converter::Convert(const NcnnLayer& l, const LayerInfo& info, const std::vector<NShape>& in,
                          std::vector<NShape>* out, Node* node) {
  if (l.type != "Input" && l.type != "MemoryData") MBENCH_RETURN_IF_ERROR(NeedInputs(l, in, 1));
  return (this->*info.convert)(l, in, out, node);
}

Status Converter::InnerProduct(const NcnnLayer& l, const std::vector<NShape>& in,
                               std::vector<NShape>* out, Node* node) {
  int64_t n = l.I(InnerProductParam::kNumOutput, 0);
  if (n <= 0) return Fail(l, "num_output must be >= 1");
  const NShape& x = in[0];
  int64_t k = x.dims == 2 ? x.w : x.Elems();
  out->push_back(x.dims == 2 ? NShape::D2(n, x.h) : NShape::D1(n));
  DType wtype = l.I(InnerProductParam::kInt8ScaleTerm, 0) > 0 ? DType::kInt8 : DType::kFloat32;
  const int32_t weight = AddWeight(l, "weight", {n, k}, wtype, /*tagged=*/true);
  node->inputs.push_back(weight);
  node->inputs.push_back(
      l.I(InnerProductParam::kBiasTerm, 0) ? AddWeight(l, "bias", {n}, DType::kFloat32) : -1);
  if (l.I(InnerProductParam::kInt8ScaleTerm, 0) > 0)
    SkipRaw(n + 1, weight, n);  // weight scales, input scale
  if (const char* act = FusedActivation(l.I(InnerProductParam::kActivationType, 0)))
    node->attrs["fused_activation"] = std::string(act);
  return Status::Ok();
}

Status Converter::Gemm(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* node) {
  // A [M, K] (transA: [K, M]) times B [K, N] (transB: [N, K]); constant B is a weight.
  const NShape& a = in[0];
  bool trans_a = l.I(GemmParam::kTransA, 0) != 0;
  int64_t m =
      l.I(GemmParam::kConstantM, 0) > 0 ? l.I(GemmParam::kConstantM, 0) : (trans_a ? a.w : a.h);
  int64_t k =
      l.I(GemmParam::kConstantK, 0) > 0 ? l.I(GemmParam::kConstantK, 0) : (trans_a ? a.h : a.w);
  int64_t n = l.I(GemmParam::kConstantN, 0);
  if (l.I(GemmParam::kConstantB, 0) == 0) {
    MBENCH_RETURN_IF_ERROR(NeedInputs(l, in, 2));
    node->kind = OpKind::kMatMul;
    const NShape& b = in[1];
    n = l.I(GemmParam::kTransB, 0) ? b.h : b.w;
  } else {
    node->inputs.push_back(AddWeight(l, "B", {n, k}, DType::kFloat32, /*tagged=*/true,
                                     /*readable=*/false));
    int64_t c_type = l.I(GemmParam::kConstantBroadcastTypeC, -1);
    node->inputs.push_back(l.I(GemmParam::kConstantC, 0) && c_type >= 0
                               ? AddWeight(l, "C", {n}, DType::kFloat32)
                               : -1);
  }
  if (m <= 0 || n <= 0 || k <= 0) return Fail(l, "M, N and K must be known and >= 1");
  out->push_back(a.dims == 1 ? NShape::D1(n) : NShape::D2(n, m));
  return Status::Ok();
}

// ncnn's MatMul: A [..., M, K] times B [..., K, N] (transB: [..., N, K]), the leading axes
// broadcast; a 1-D operand is a vector.
Status Converter::MatMul(const NcnnLayer& l, const std::vector<NShape>& in,
                         std::vector<NShape>* out, Node* /*node*/) {
  MBENCH_RETURN_IF_ERROR(NeedInputs(l, in, 2));
  const NShape& a = in[0];
  const NShape& b = in[1];
  const bool trans_b = l.I(0, 0) != 0;
  const int64_t k = a.w;
  const int64_t n = b.dims == 1 ? 1 : trans_b ? b.h : b.w;
  const int64_t bk = b.dims == 1 ? b.w : trans_b ? b.w : b.h;
  if (k != bk) {
    return Fail(l, "A's inner size " + std::to_string(k) + " does not meet B's " +
                       std::to_string(bk) + " (" + a.ToString() + " x " + b.ToString() + ")");
  }
  if (a.dims == 1) {
    out->push_back(NShape::D1(n));
  } else if (b.dims == 1) {
    out->push_back(a.dims == 2 ? NShape::D1(a.h) : NShape::D2(a.h, a.c * a.d));
  } else {
    NShape o = a.dims >= b.dims ? a : b;
    o.w = n;
    o.h = a.h;
    o.d = std::max(a.d, b.d);
    o.c = std::max(a.c, b.c);
    out->push_back(o);
  }
  return Status::Ok();
}

Status Converter::Relu(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* node) {
  if (l.F(ReluParam::kSlope, 0.0) != 0.0) node->kind = OpKind::kLeakyRelu;
  SameShape(l, in, out);
  return Status::Ok();
}

Status Converter::PRelu(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                        Node* node) {
  node->inputs.push_back(AddWeight(
      l, "slope", {std::max<int64_t>(1, l.I(PReluParam::kNumSlope, 1))}, DType::kFloat32));
  SameShape(l, in, out);
  return Status::Ok();
}

Status Converter::BatchNorm(const NcnnLayer& l, const std::vector<NShape>& in,
                            std::vector<NShape>* out, Node* node) {
  int64_t c = l.I(BatchNormParam::kChannels, in[0].dims == 3 ? in[0].c : in[0].w);
  // .bin order is slope, mean, var, bias; the node takes [x, scale, bias, mean, var].
  int32_t slope = AddWeight(l, "slope", {c}, DType::kFloat32);
  int32_t mean = AddWeight(l, "mean", {c}, DType::kFloat32);
  int32_t var = AddWeight(l, "var", {c}, DType::kFloat32);
  int32_t bias = AddWeight(l, "bias", {c}, DType::kFloat32);
  node->inputs.insert(node->inputs.end(), {slope, bias, mean, var});
  SameShape(l, in, out);
  return Status::Ok();
}

Status Converter::ScaleBias(const NcnnLayer& l, const std::vector<NShape>& in,
                            std::vector<NShape>* out, Node* node) {
  const std::string& t = l.type;
  int64_t size = l.I(ScaleParam::kDataSize, 0);
  if (t == "Scale" && size == kSentinel) {
    node->kind = OpKind::kMul;  // scale comes from the second input
  } else {
    node->inputs.push_back(AddWeight(l, t == "Scale" ? "scale" : "bias", {size}, DType::kFloat32));
    if (t == "Scale") {
      if (l.I(ScaleParam::kBiasTerm, 0)) {
        node->inputs.push_back(AddWeight(l, "bias", {size}, DType::kFloat32));
      } else {
        node->kind = OpKind::kMul;
      }
    }
  }
  out->push_back(in[0]);
  return Status::Ok();
}

Status Converter::Norm(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* node) {
  // InstanceNorm, LayerNorm and RMSNorm: the size at 0, affine at 2; GroupNorm: channels at 1,
  // affine at 3; Normalize: scale_data_size at 3, affine when it is set.
  const std::string& t = l.type;
  int64_t size = l.I(NormParam::kSize, 0);
  bool affine = l.I(NormParam::kAffine, 1) != 0;
  if (t == "GroupNorm") {
    size = l.I(GroupNormParam::kChannels, 0);
    affine = l.I(GroupNormParam::kAffine, 1) != 0;
  } else if (t == "Normalize") {
    size = l.I(NormalizeParam::kScaleDataSize, 0);
    affine = size > 0;
  }
  if (affine && size > 0) {
    node->inputs.push_back(AddWeight(l, "gamma", {size}, DType::kFloat32));
    if (t != "RMSNorm" && t != "Normalize") {
      node->inputs.push_back(AddWeight(l, "beta", {size}, DType::kFloat32));
    }
  }
  SameShape(l, in, out);
  return Status::Ok();
}

Status Converter::Binary(const NcnnLayer& l, const std::vector<NShape>& in,
                         std::vector<NShape>* out, Node* node) {
  const std::string& t = l.type;
  if (t == "Eltwise") {
    int64_t op = l.I(BinaryParam::kOpType, 1);
    node->kind = op == 0 ? OpKind::kMul : op == 2 ? OpKind::kMax : OpKind::kSum;
  } else {
    static constexpr OpKind kBinary[] = {OpKind::kAdd, OpKind::kSub, OpKind::kMul,  OpKind::kDiv,
                                         OpKind::kMax, OpKind::kMin, OpKind::kPow,  OpKind::kSub,
                                         OpKind::kDiv, OpKind::kPow, OpKind::kAtan, OpKind::kAtan};
    int64_t op = l.I(BinaryParam::kOpType, 0);
    if (op < 0 || op > 11) return Fail(l, "op_type=" + std::to_string(op) + ": unknown");
    node->kind = kBinary[op];
  }
  out->push_back(Broadcast(in));
  return Status::Ok();
}

Status Converter::Unary(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                        Node* node) {
  static constexpr OpKind kUnary[] = {
      OpKind::kAbs,        OpKind::kNeg,   OpKind::kFloor, OpKind::kCeil,  OpKind::kSquare,
      OpKind::kSqrt,       OpKind::kRsqrt, OpKind::kExp,   OpKind::kLog,   OpKind::kSin,
      OpKind::kCos,        OpKind::kTan,   OpKind::kAsin,  OpKind::kAcos,  OpKind::kAtan,
      OpKind::kReciprocal, OpKind::kTanh,  OpKind::kLog,   OpKind::kRound, OpKind::kFloor};
  int64_t op = l.I(UnaryParam::kOpType, 0);
  if (op < 0 || op > 19) return Fail(l, "op_type=" + std::to_string(op) + ": unknown");
  node->kind = kUnary[op];
  SameShape(l, in, out);
  return Status::Ok();
}

Status Converter::Concat(const NcnnLayer& l, const std::vector<NShape>& in,
                         std::vector<NShape>* out, Node* /*node*/) {
  NShape o = in[0];
  int64_t* axis = o.Axis(static_cast<int>(l.I(ConcatParam::kAxis, 0)));
  if (axis == nullptr) return Fail(l, "axis out of range for " + o.ToString());
  for (size_t i = 1; i < in.size(); ++i) {
    NShape s = in[i];
    int64_t* a = s.Axis(static_cast<int>(l.I(ConcatParam::kAxis, 0)));
    if (a == nullptr || s.dims != o.dims) return Fail(l, "inputs of different ranks");
    *axis += *a;
  }
  out->push_back(o);
  return Status::Ok();
}

Status Converter::Slice(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                        Node* /*node*/) {
  NShape x = in[0];
  int64_t* axis = x.Axis(static_cast<int>(l.I(SliceParam::kAxis, 0)));
  if (axis == nullptr) return Fail(l, "axis out of range for " + x.ToString());
  std::vector<int64_t> slices = l.Ints(SliceParam::kSlices);
  std::vector<int64_t> indices = l.Ints(SliceParam::kIndices);
  int64_t total = *axis, used = 0, unknown = 0;
  size_t n = l.tops.size();
  std::vector<int64_t> sizes(n, -1);
  if (!indices.empty()) {
    int64_t prev = 0;
    for (size_t i = 0; i < n; ++i) {
      int64_t end = i < indices.size() ? indices[i] : total;
      if (end < 0) end += total;
      sizes[i] = end - prev;
      prev = end;
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (i < slices.size() && slices[i] != kSentinel) {
        sizes[i] = slices[i];
        used += slices[i];
      } else {
        ++unknown;
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if (sizes[i] == -1) sizes[i] = unknown > 0 ? (total - used) / unknown : 0;
    }
  }
  for (int64_t s : sizes) {
    if (s < 0) return Fail(l, "slices do not fit the input " + x.ToString());
    NShape o = x;
    *o.Axis(static_cast<int>(l.I(SliceParam::kAxis, 0))) = s;
    out->push_back(o);
  }
  return Status::Ok();
}

Status Converter::Crop(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* /*node*/) {
  NShape o = in[0];
  if (in.size() >= 2) {
    const NShape& ref = in[1];
    o.w = ref.w;
    if (o.dims >= 2) o.h = ref.h;
  } else if (l.Has(CropParam::kStarts)) {  // starts/ends/axes arrays
    std::vector<int64_t> starts = l.Ints(CropParam::kStarts), ends = l.Ints(CropParam::kEnds),
                         axes = l.Ints(CropParam::kAxes);
    for (size_t i = 0; i < starts.size() && i < ends.size(); ++i) {
      int ax = axes.size() > i ? static_cast<int>(axes[i]) : static_cast<int>(i);
      int64_t* a = o.Axis(ax);
      if (a == nullptr) return Fail(l, "axis out of range");
      int64_t st = starts[i] < 0 ? starts[i] + *a : starts[i];
      int64_t en = ends[i] < 0 ? ends[i] + *a : std::min(ends[i], *a);
      *a = std::max<int64_t>(0, en - st);
    }
  } else {
    o.w = l.I(CropParam::kOutW, 0) > 0
              ? l.I(CropParam::kOutW, 0)
              : o.w - l.I(CropParam::kWOffset, 0) - l.I(CropParam::kWOffset2, 0);
    o.h = l.I(CropParam::kOutH, 0) > 0
              ? l.I(CropParam::kOutH, 0)
              : o.h - l.I(CropParam::kHOffset, 0) - l.I(CropParam::kHOffset2, 0);
    if (o.dims == 3)
      o.c = l.I(CropParam::kOutC, 0) > 0
                ? l.I(CropParam::kOutC, 0)
                : o.c - l.I(CropParam::kCOffset, 0) - l.I(CropParam::kCOffset2, 0);
  }
  out->push_back(o);
  return Status::Ok();
}

Status Converter::Interp(const NcnnLayer& l, const std::vector<NShape>& in,
                         std::vector<NShape>* out, Node* node) {
  NShape x = in[0];
  if (x.dims == 1) x = NShape::D3(1, 1, x.w);
  int64_t mode = l.I(InterpParam::kResizeType, 0);
  node->attrs["mode"] = std::string(mode == 2 ? "linear" : mode == 3 ? "cubic" : "nearest");
  NShape o = x;
  if (in.size() >= 2) {
    o.w = in[1].w;
    o.h = in[1].h;
  } else if (l.I(InterpParam::kOutputHeight, 0) > 0 && l.I(InterpParam::kOutputWidth, 0) > 0) {
    o.h = l.I(InterpParam::kOutputHeight, 0);
    o.w = l.I(InterpParam::kOutputWidth, 0);
  } else {
    o.h = static_cast<int64_t>(x.h * l.F(InterpParam::kHeightScale, 1.0));
    o.w = static_cast<int64_t>(x.w * l.F(InterpParam::kWidthScale, 1.0));
  }
  out->push_back(o);
  return Status::Ok();
}

Status Converter::Reshape(const NcnnLayer& l, const std::vector<NShape>& in,
                          std::vector<NShape>* out, Node* /*node*/) {
  const NShape& x = in[0];
  int64_t w = l.I(ReshapeParam::kW, kSentinel), h = l.I(ReshapeParam::kH, kSentinel),
          d = l.I(ReshapeParam::kD, kSentinel), c = l.I(ReshapeParam::kC, kSentinel);
  int dims = h == kSentinel ? 1 : c == kSentinel ? 2 : d == kSentinel ? 3 : 4;
  int64_t total = x.Elems();
  NShape o;
  o.dims = dims;
  int64_t* dst[4] = {&o.w, &o.h, &o.d, &o.c};
  int64_t src[4] = {w, h, d, c};
  int64_t srcx[4] = {x.w, x.h, x.d, x.c};
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < 4; ++i) {
    bool used = (i == 0) || (i == 1 && dims >= 2) || (i == 3 && dims >= 3) || (i == 2 && dims == 4);
    if (!used) continue;
    int64_t v = src[i] == 0 ? srcx[i] : src[i];
    if (v == -1) {
      infer = i;
      continue;
    }
    if (v <= 0) return Fail(l, "dimension " + std::to_string(v) + " is not valid");
    *dst[i] = v;
    known *= v;
  }
  if (infer >= 0) {
    if (known == 0 || total % known != 0) return Fail(l, "cannot infer -1 from " + x.ToString());
    *dst[infer] = total / known;
  }
  if (o.Elems() != total) {
    return Fail(
        l, "reshape of " + x.ToString() + " to " + o.ToString() + " changes the element count");
  }
  out->push_back(o);
  return Status::Ok();
}

Status Converter::Permute(const NcnnLayer& l, const std::vector<NShape>& in,
                          std::vector<NShape>* out, Node* /*node*/) {
  const NShape& x = in[0];
  int64_t order = l.I(PermuteParam::kOrderType, 0);
  NShape o = x;
  if (x.dims == 2 && order == 1) std::swap(o.w, o.h);
  if (x.dims == 3) {
    // order names the new (w, h, c) taken from the old axes.
    int64_t v[3] = {x.w, x.h, x.c};
    static constexpr int kOrders[6][3] = {{0, 1, 2}, {1, 0, 2}, {0, 2, 1},
                                          {2, 0, 1}, {1, 2, 0}, {2, 1, 0}};
    if (order < 0 || order > 5) return Fail(l, "order_type out of range");
    o.w = v[kOrders[order][0]];
    o.h = v[kOrders[order][1]];
    o.c = v[kOrders[order][2]];
  }
  out->push_back(o);
  return Status::Ok();
}

Status Converter::Flatten(const NcnnLayer& /*l*/, const std::vector<NShape>& in,
                          std::vector<NShape>* out, Node* /*node*/) {
  out->push_back(NShape::D1(in[0].Elems()));
  return Status::Ok();
}

Status Converter::Padding(const NcnnLayer& l, const std::vector<NShape>& in,
                          std::vector<NShape>* out, Node* /*node*/) {
  NShape o = in[0];
  o.h += l.I(PaddingParam::kTop, 0) + l.I(PaddingParam::kBottom, 0);
  o.w += l.I(PaddingParam::kLeft, 0) + l.I(PaddingParam::kRight, 0);
  if (o.dims == 3) o.c += l.I(PaddingParam::kFront, 0) + l.I(PaddingParam::kBehind, 0);
  out->push_back(o);
  return Status::Ok();
}

Status Converter::Reorg(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                        Node* node) {
  const std::string& t = l.type;
  int64_t s = std::max<int64_t>(1, l.I(PixelShuffleParam::kFactor, 1));
  NShape o = in[0];
  if (t == "Reorg") {
    o.w /= s;
    o.h /= s;
    o.c *= s * s;
  } else {
    o.w *= s;
    o.h *= s;
    o.c /= s * s;
    // Mode 0 is PyTorch's pixel shuffle (ONNX CRD), 1 TensorFlow's depth-to-space (DCR).
    node->attrs["blocksize"] = s;
    node->attrs["mode"] = std::string(l.I(PixelShuffleParam::kMode, 0) == 1 ? "DCR" : "CRD");
  }
  out->push_back(o);
  return Status::Ok();
}

Status Converter::Reduction(const NcnnLayer& l, const std::vector<NShape>& in,
                            std::vector<NShape>* out, Node* node) {
  static constexpr OpKind kReduce[] = {
      OpKind::kReduceSum, OpKind::kReduceL1,     OpKind::kReduceSumSquare, OpKind::kReduceMean,
      OpKind::kReduceMax, OpKind::kReduceMin,    OpKind::kReduceProd,      OpKind::kReduceL1,
      OpKind::kReduceL2,  OpKind::kReduceLogSum, OpKind::kReduceLogSumExp};
  int64_t op = l.I(ReductionParam::kOperation, 0);
  if (op < 0 || op > 10) return Fail(l, "operation out of range");
  node->kind = kReduce[op];
  NShape o = in[0];
  bool keep = l.I(ReductionParam::kKeepDims, 0) != 0;
  if (l.I(ReductionParam::kReduceAll, 1)) {
    o = keep ? NShape{o.dims, 1, 1, 1, 1} : NShape::D1(1);
  } else {
    std::vector<int64_t> axes = l.Ints(ReductionParam::kAxes);
    for (int64_t a : axes) {
      // fixbug0=1 (param 5) indexes axes from the outermost; older files counted the batch.
      int axis = static_cast<int>(l.I(ReductionParam::kFixbug0, 0) ? a : a - 1);
      int64_t* p = o.Axis(axis);
      if (p == nullptr) return Fail(l, "axis " + std::to_string(a) + " out of range");
      *p = 1;
    }
    if (!keep) return Fail(l, "keepdims=0 is not supported by mbench's ncnn shape rules");
  }
  out->push_back(o);
  return Status::Ok();
}

Status Converter::PriorBox(const NcnnLayer& l, const std::vector<NShape>& in,
                           std::vector<NShape>* out, Node* /*node*/) {
  const NShape& f = in[0];
  int64_t num_min = static_cast<int64_t>(l.Ints(PriorBoxParam::kMinSizes).size());
  int64_t num_max = static_cast<int64_t>(l.Ints(PriorBoxParam::kMaxSizes).size());
  int64_t num_ar = static_cast<int64_t>(l.Ints(PriorBoxParam::kAspectRatios).size());
  int64_t priors = num_min * num_ar + num_min + num_max;
  if (l.I(PriorBoxParam::kFlip, 1)) priors += num_min * num_ar;
  out->push_back(NShape::D2(4 * f.w * f.h * priors, 2));
  return Status::Ok();
}

Status Converter::Detection(const NcnnLayer& /*l*/, const std::vector<NShape>& /*in*/,
                            std::vector<NShape>* out, Node* /*node*/) {
  out->push_back(NShape::D2(6, -1));  // one row per detection: data-dependent
  return Status::Ok();
}

Status Converter::ArgMax(const NcnnLayer& l, const std::vector<NShape>& /*in*/,
                         std::vector<NShape>* out, Node* /*node*/) {
  out->push_back(NShape::D1(std::max<int64_t>(1, l.I(ArgMaxParam::kTopK, 1))));
  return Status::Ok();
}

Status Converter::Embed(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                        Node* node) {
  int64_t n = l.I(EmbedParam::kNumOutput, 0), vocab = l.I(EmbedParam::kInputDim, 0);
  node->inputs = {AddWeight(l, "weight", {vocab, n}, DType::kFloat32, /*tagged=*/true),
                  node->inputs[0]};
  out->push_back(NShape::D2(n, in[0].w));
  return Status::Ok();
}

Status Converter::Sdpa(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* node) {
  MBENCH_RETURN_IF_ERROR(NeedInputs(l, in, 3));
  NShape o = in[0];
  o.w = in[2].w;
  out->push_back(o);
  if (l.I(SdpaParam::kKvCache, 0) && in.size() >= 6) {
    // KV-cache mode: inputs q, k, v, mask, past_k, past_v; outputs also the grown caches,
    // and attention runs over past + current keys.
    NShape ck = in[4], cv = in[5];
    node->attrs["kv_cache_len"] = ck.h;
    ck.h += in[1].h;
    cv.h += in[2].h;
    out->push_back(ck);
    out->push_back(cv);
  }
  return Status::Ok();
}

int32_t Converter::AddStep(const NcnnLayer& l, const std::string& step, OpKind kind,
                           std::vector<int32_t> inputs, Shape shape) {
  Node n;
  n.name = l.name + "/" + step;
  n.op_type = l.type;
  n.kind = kind;
  n.inputs = std::move(inputs);
  TensorInfo t;
  t.name = n.name;
  t.dtype = DType::kFloat32;
  t.has_shape = true;
  t.shape = std::move(shape);
  t.producer = static_cast<int32_t>(graph_.nodes.size());
  names_.insert(t.name);
  const int32_t out = graph_.AddTensor(std::move(t));
  n.outputs.push_back(out);
  graph_.nodes.push_back(std::move(n));
  return out;
}

// ncnn's LSTM, GRU and RNN over a [T, input] blob: 0=num_output, 1=weight_data_size,
// 2=direction (0 forward, 1 reverse, 2 both). The .bin holds, all type-tagged, the input
// weights [dirs][gates*H][I], the biases (GRU keeps four per unit) and the recurrent weights
// [dirs][gates*H][H]; the node takes them in ONNX's slot order (X, W, R, B).
Status Converter::Recurrent(const NcnnLayer& l, const std::vector<NShape>& in,
                            std::vector<NShape>* out, Node* node) {
  const int64_t hidden = l.I(0, 0), size = l.I(1, 0), direction = l.I(2, 0);
  const int64_t dirs = direction == 2 ? 2 : 1;
  const int64_t gates = l.type == "LSTM" ? 4 : l.type == "GRU" ? 3 : 1;
  const int64_t bias_rows = l.type == "GRU" ? 4 : gates;
  const NShape& x = in[0];
  if (x.dims != 2) return Fail(l, "expects a [time, features] blob, got " + x.ToString());
  if (hidden <= 0 || direction < 0 || direction > 2 || size != dirs * gates * hidden * x.w) {
    return Fail(l, "num_output, direction and weight_data_size must match the input's " +
                       std::to_string(x.w) + " features (weight_data_size " + std::to_string(size) +
                       ")");
  }
  const int32_t w = AddWeight(l, "weight_xc", {dirs, gates * hidden, x.w}, DType::kFloat32, true);
  const int32_t b = AddWeight(l, "bias_c", {dirs, bias_rows * hidden}, DType::kFloat32, true);
  const int32_t r =
      AddWeight(l, "weight_hc", {dirs, gates * hidden, hidden}, DType::kFloat32, true);
  node->inputs = {node->inputs[0], w, r, b};
  node->attrs["hidden_size"] = hidden;
  node->attrs["direction"] = std::string(direction == 2   ? "bidirectional"
                                         : direction == 1 ? "reverse"
                                                          : "forward");
  out->push_back(NShape::D2(hidden * dirs, x.h));
  for (size_t i = 1; i < l.tops.size(); ++i) out->push_back(NShape::D2(hidden, dirs));
  return Status::Ok();
}

// ncnn's MultiHeadAttention (ViT and transformer exports): q, k and v projected to embed_dim,
// attention over num_heads heads, projected back to q's width. Three fully connected steps and
// an attention step run before the layer, which is the output projection; the .bin holds q, k,
// v and out weights, each followed by its bias.
Status Converter::MultiHeadAttention(const NcnnLayer& l, const std::vector<NShape>& in,
                                     std::vector<NShape>* out, Node* node) {
  using P = MultiHeadAttentionParam;
  const int64_t embed = l.I(P::kEmbedDim, 0), heads = l.I(P::kNumHeads, 1);
  const int64_t size = l.I(P::kWeightDataSize, 0);
  if (embed <= 0 || heads <= 0 || embed % heads != 0 || size <= 0 || size % embed != 0) {
    return Fail(l,
                "embed_dim, num_heads and weight_data_size must be >= 1, with embed_dim a "
                "multiple of num_heads and weight_data_size of embed_dim");
  }
  const int64_t qdim = size / embed;
  const int64_t kdim = l.I(P::kKDim, embed), vdim = l.I(P::kVDim, embed);
  const bool mask = l.I(P::kAttnMask, 0) != 0;
  const size_t given = in.size() - (mask ? 1 : 0);
  if (in.empty() || given < 1 || given > 3) return Fail(l, "expects q[, k[, v]][, mask]");
  const std::vector<int32_t> bottoms = node->inputs;
  const int32_t q = bottoms[0];
  const int32_t k = given >= 2 ? bottoms[1] : q;
  const int32_t v = given == 3 ? bottoms[2] : k;
  const NShape& qs = in[0];
  const NShape& ks = given >= 2 ? in[1] : in[0];
  const NShape& vs = given == 3 ? in[2] : ks;
  if (qs.dims != 2 || ks.dims != 2 || vs.dims != 2 || qs.w != qdim || ks.w != kdim ||
      vs.w != vdim || ks.h != vs.h) {
    return Fail(l, "q, k and v must be [sequence, width] blobs of widths " + std::to_string(qdim) +
                       ", " + std::to_string(kdim) + " and " + std::to_string(vdim) +
                       " (k and v of one length); got " + qs.ToString() + ", " + ks.ToString() +
                       ", " + vs.ToString());
  }
  auto project = [&](const std::string& what, int32_t x, int64_t from, int64_t rows) {
    const int32_t w = AddWeight(l, what + "_weight", {embed, from}, DType::kFloat32, true);
    const int32_t b = AddWeight(l, what + "_bias", {embed}, DType::kFloat32);
    return AddStep(l, what + "_proj", OpKind::kFullyConnected, {x, w, b}, {rows, embed});
  };
  const int32_t qp = project("q", q, qdim, qs.h);
  const int32_t kp = project("k", k, kdim, ks.h);
  const int32_t vp = project("v", v, vdim, vs.h);
  std::vector<int32_t> attn_in = {qp, kp, vp};
  if (mask) attn_in.push_back(bottoms.back());
  const int32_t attn = AddStep(l, "attention", OpKind::kAttention, attn_in, {qs.h, embed});
  graph_.nodes.back().attrs["num_heads"] = heads;
  const int32_t w = AddWeight(l, "out_weight", {qdim, embed}, DType::kFloat32, true);
  const int32_t b = AddWeight(l, "out_bias", {qdim}, DType::kFloat32);
  node->inputs = {attn, w, b};
  out->push_back(NShape::D2(qdim, qs.h));
  return Status::Ok();
}

Status Converter::Tile(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* /*node*/) {
  NShape o = in[0];
  std::vector<int64_t> reps = l.Ints(TileParam::kRepeats);
  // repeats are listed outermost first, like the blob's axes
  for (size_t i = 0; i < reps.size(); ++i) {
    int64_t* a = o.Axis(static_cast<int>(i) - static_cast<int>(reps.size()));
    if (a != nullptr) *a *= reps[i];
  }
  out->push_back(o);
  return Status::Ok();
}

Status Converter::ExpandSqueeze(const NcnnLayer& l, const std::vector<NShape>& in,
                                std::vector<NShape>* out, Node* /*node*/) {
  const std::string& t = l.type;
  std::vector<int64_t> v = in[0].ToList();
  std::vector<int64_t> axes = l.Ints(ExpandSqueezeParam::kAxes);
  if (t == "ExpandDims") {
    auto rank = static_cast<int64_t>(v.size() + axes.size());
    std::vector<bool> inserted(rank, false);
    for (int64_t a : axes) {
      if (a < 0) a += rank;
      if (a < 0 || a >= rank) return Fail(l, "axis out of range");
      inserted[a] = true;
    }
    std::vector<int64_t> o;
    size_t j = 0;
    for (int64_t i = 0; i < rank; ++i) o.push_back(inserted[i] ? 1 : v[j++]);
    v = o;
  } else {
    std::vector<int64_t> o;
    for (size_t i = 0; i < v.size(); ++i) {
      bool listed =
          axes.empty()
              ? v[i] == 1
              : std::count(axes.begin(), axes.end(), static_cast<int64_t>(i)) > 0 ||
                    std::count(axes.begin(), axes.end(),
                               static_cast<int64_t>(i) - static_cast<int64_t>(v.size())) > 0;
      if (!listed) o.push_back(v[i]);
    }
    if (o.empty()) o.push_back(1);
    v = o;
  }
  auto shape = NShape::FromList(v);
  if (!shape) return Fail(l, "result has more than 4 dimensions, beyond ncnn's blobs");
  out->push_back(*shape);
  return Status::Ok();
}

}  // namespace mbench::analyzer::ncnn

namespace mbench::analyzer {

bool IsKnownNcnnLayer(const std::string& type) { return ncnn::FindLayer(type) != nullptr; }

}  // namespace mbench::analyzer
