// Convolutions (dense, grouped, depthwise) with constant weights: XNNPACK's operators in fp32,
// fp16 and int8, or the runner's own kernels where they are faster on this CPU (dense fp32 on
// runner/kernels/gemm.h or winograd.h, depthwise on dwconv.h). BatchNorm folded into the weights,
// fused activations and a fused residual Add are applied here.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/kernels/dwconv.h"
#include "runner/kernels/gemm.h"
#include "runner/kernels/winograd.h"
#include "runner/plan_impl.h"

namespace mbench::runner {
namespace {

// A large-window depthwise convolution (runner/kernels/dwconv.h), one tile of output rows per task.
struct DepthwiseJob {
  DepthwiseShape shape;
  const float* input = nullptr;
  const float* weights = nullptr;
  const float* bias = nullptr;
  float* output = nullptr;
};
void DepthwiseRowTask(void* context, size_t begin, size_t count) {
  auto* job = static_cast<DepthwiseJob*>(context);
  DepthwiseRows(job->shape, job->input, job->weights, job->bias, job->output,
                static_cast<int64_t>(begin), static_cast<int64_t>(begin + count));
}

// A dense convolution through runner/kernels/gemm.h: (block, tile) products.
struct DenseConvJob {
  std::unique_ptr<DenseConv> conv;
  float* output = nullptr;
};
void DenseConvTask(void* context, size_t block, size_t tile) {
  auto* job = static_cast<DenseConvJob*>(context);
  const auto b = static_cast<int64_t>(block);
  job->conv->Compute(job->output, b, b + 1, static_cast<int64_t>(tile), tile == 1);
}
void DenseConvTileTask(void* context, size_t tile) {
  auto* job = static_cast<DenseConvJob*>(context);
  job->conv->Compute(job->output, 0, job->conv->blocks(), static_cast<int64_t>(tile));
}

// A 3x3 convolution through runner/kernels/winograd.h: one task of the phase being run.
struct WinogradJob {
  std::unique_ptr<WinogradConv> conv;
  float* output = nullptr;
  int64_t phase = 0;  // the phase being run (set before each parallel call)
};
void WinogradTask(void* context, size_t task) {
  auto* job = static_cast<WinogradJob*>(context);
  job->conv->Compute(job->phase, static_cast<int64_t>(task), job->output);
}

}  // namespace

// Whether a fp32 convolution or fully connected layer computing `rows` output pixels runs on
// runner/kernels/gemm.h rather than XNNPACK: on CPUs it serves, unless the options say XNNPACK
// only, with at least one full tile of rows and more than 16 output channels (fewer leave most of
// the kernel's FMAs idle; XNNPACK's 16-wide tiles waste less there: a 1x1 8->8 layer at
// 128x128 took 88 us here and 65 us there, a 3x3 8->1 one 1.7 ms and 1.3 ms).
bool Plan::Impl::UseDenseConv(int64_t rows, int64_t out_channels) const {
  return !options.xnnpack_only && rows >= DenseConv::kRows && out_channels > 16 &&
         DenseConvAvailable();
}

// Whether convolution `n` will run on runner/kernels/gemm.h in an fp32 plan (the test Conv() makes,
// from the graph's shapes, before any buffer exists).
bool Plan::Impl::DenseCandidate(const Node& n) const {
  if (n.kind != OpKind::kConv || n.inputs.size() < 2 || n.inputs[0] < 0 || n.inputs[1] < 0 ||
      n.outputs.size() != 1 || n.outputs[0] < 0 || !bufs[n.inputs[1]].constant) {
    return false;
  }
  const Shape& x = G(n.inputs[0]);
  const Shape& y = G(n.outputs[0]);
  const Shape& w = G(n.inputs[1]);
  if (x.size() != 4 || y.size() != 4 || w.size() != 4) return false;
  const bool nhwc = graph->layout == analyzer::Layout::kNHWC;
  const int64_t cin = nhwc ? x[3] : x[1];
  const int64_t per_group = nhwc ? w[3] : w[1];
  if (per_group != cin || (!nhwc && n.GetInt("group", 1) != 1)) return false;
  return UseDenseConv(nhwc ? y[0] * y[1] * y[2] : y[0] * y[2] * y[3], nhwc ? y[3] : y[1]);
}

void Plan::Impl::ChooseWinogradLayers() {
  if (!options.winograd) return;
  int64_t model_bytes = 0;
  for (const auto& t : graph->tensors) {
    if (auto n = analyzer::NumElements(t.shape); t.is_constant && n) model_bytes += *n * 4;
  }
  winograd_budget = options.winograd_budget_bytes >= 0
                        ? options.winograd_budget_bytes
                        : std::max<int64_t>(int64_t{64} << 20, 4 * model_bytes);
  const bool nhwc = graph->layout == analyzer::Layout::kNHWC;
  struct Candidate {
    int32_t layer;
    int64_t tiles, bytes;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < graph->nodes.size(); ++i) {
    const Node& n = graph->nodes[i];
    if (n.kind != OpKind::kConv || n.inputs.size() < 2 || n.inputs[0] < 0 || n.inputs[1] < 0 ||
        n.outputs.empty() || n.outputs[0] < 0 || n.GetInt("group", 1) != 1 ||
        n.op_type == "ConvInteger") {
      // Not ConvInteger: Winograd's rounding (1e-5 of a layer's range) moves values across the
      // next DynamicQuantizeLinear's steps, and that compounds: the dynamically quantized IS-Net
      // then differed from ONNX Runtime by up to 10% of an output's range, against 0-1% direct.
      continue;
    }
    const Shape& x = graph->tensors[n.inputs[0]].shape;
    const Shape& w = graph->tensors[n.inputs[1]].shape;
    const Shape& y = graph->tensors[n.outputs[0]].shape;
    if (x.size() != 4 || w.size() != 4 || y.size() != 4) continue;
    DenseConvShape s;
    s.batch = y[0];
    s.in_c = nhwc ? x[3] : x[1];
    s.out_c = nhwc ? y[3] : y[1];
    s.out_h = nhwc ? y[1] : y[2];
    s.out_w = nhwc ? y[2] : y[3];
    s.kernel_h = nhwc ? w[1] : w[2];
    s.kernel_w = nhwc ? w[2] : w[3];
    const auto strides = n.GetInts("strides"), dil = n.GetInts("dilations");
    for (int64_t v : strides) s.stride_h = std::max(s.stride_h, v);
    for (int64_t v : dil) s.dilation_h = std::max(s.dilation_h, v);
    s.stride_w = s.stride_h;
    s.dilation_w = s.dilation_h;
    if (nhwc) {  // TFLite's stride and dilation attributes
      s.stride_h =
          std::max<int64_t>({s.stride_h, n.GetInt("stride_h", 1), n.GetInt("stride_w", 1)});
      s.dilation_h = std::max<int64_t>(
          {s.dilation_h, n.GetInt("dilation_h_factor", 1), n.GetInt("dilation_w_factor", 1)});
      s.stride_w = s.stride_h;
      s.dilation_w = s.dilation_h;
    }
    if (!WinogradSuits(s)) continue;
    const int64_t tiles = s.batch * ((s.out_h + 3) / 4) * ((s.out_w + 3) / 4);
    candidates.push_back({static_cast<int32_t>(i), tiles, WinogradWeightBytes(s)});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.tiles > b.tiles; });
  int64_t used = 0;
  for (const Candidate& c : candidates) {
    if (used + c.bytes > winograd_budget) continue;
    used += c.bytes;
    winograd_layers.insert(c.layer);
  }
}

Status Plan::Impl::ShareWinogradScratch() {
  int64_t bytes = 0;
  for (const WinogradConv* c : winograd_convs) bytes = std::max(bytes, c->scratch_bytes());
  if (winograd_convs.empty()) return Status::Ok();
  const auto size = static_cast<size_t>((bytes + 63) / 64 * 64);
  winograd_scratch = static_cast<float*>(std::aligned_alloc(64, size));
  if (winograd_scratch == nullptr) {
    return Status::InvalidArgument("no memory for the Winograd scratch of " +
                                   std::to_string(bytes) + " bytes");
  }
  std::memset(winograd_scratch, 0, size);
  for (WinogradConv* c : winograd_convs) c->UseScratch(winograd_scratch);
  weight_bytes += bytes;
  return Status::Ok();
}

// Makes `st` a dense convolution through runner/kernels/gemm.h, or runner/kernels/winograd.h for
// the 3x3 stride-1 layers it suits: `weights` [out_c][kh][kw][in_c], the node's fused activation
// applied after.
void Plan::Impl::DenseStep(const Node& n, Step& st, const DenseConvShape& shape,
                           const float* weights, const float* bias, const float* in, float* out) {
  const float* add = nullptr;
  if (auto it = residual.find(LayerOf(n)); it != residual.end()) add = bufs[it->second].data;
  pthreadpool_t p = pool;
  auto tail = FusedTail(n);
  const int64_t m = shape.batch * shape.out_h * shape.out_w * shape.out_c;
  const bool suits = options.winograd && WinogradSuits(shape);
  winograd_eligible += suits;
  if (suits && winograd_layers.count(LayerOf(n)) > 0) {
    auto job = std::make_shared<WinogradJob>();
    // A null pool (a layer run on one thread) runs its one task on the calling thread.
    job->conv = std::make_unique<WinogradConv>(shape, weights, bias, in, add,
                                               p == nullptr ? 1 : options.threads,
                                               /*own_scratch=*/false);
    job->output = out;
    weight_bytes += job->conv->packed_weight_bytes();
    winograd_convs.push_back(job->conv.get());
    st.info.kernel = "mbench-winograd";
    st.plain = [job, p, tail, m] {
      for (job->phase = 0; job->phase < job->conv->phases(); ++job->phase) {
        pthreadpool_parallelize_1d(p, &WinogradTask, job.get(),
                                   static_cast<size_t>(job->conv->tasks(job->phase)), 0);
      }
      if (tail) tail(job->output, m);
    };
    return;
  }
  auto job = std::make_shared<DenseConvJob>();
  job->conv = std::make_unique<DenseConv>(shape, weights, bias, in, add);
  job->output = out;
  weight_bytes += job->conv->packed_weight_bytes();
  st.info.kernel = "mbench-gemm";
  // Weights that stay in a core's L2 are read once per tile of pixels, all blocks in turn,
  // while the tile's input rows stay in L1. Larger ones (deep layers, few pixels) go blocks
  // outer: consecutive tasks of a thread share one block's weights.
  constexpr int64_t kL2Weights = 512 << 10;
  const bool tiles_outer = job->conv->packed_weight_bytes() <= kL2Weights;
  st.plain = [job, p, tail, m, tiles_outer] {
    const auto tiles = static_cast<size_t>(job->conv->tiles());
    if (tiles_outer) {
      pthreadpool_parallelize_1d(p, &DenseConvTileTask, job.get(), tiles, 0);
    } else {
      pthreadpool_parallelize_2d(p, &DenseConvTask, job.get(),
                                 static_cast<size_t>(job->conv->blocks()), tiles, 0);
    }
    if (tail) tail(job->output, m);
  };
}

// A 1-D convolution ([N, C, L], ONNX): XNNPACK's 2-D convolution over a 1-pixel-high image,
// the activation transposed to [N, L, C] and back around it.
Status Plan::Impl::Conv1D(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[OutOf(n)];
  const Shape& w = G(n.inputs[1]);
  auto refuse = [&](const std::string& why) {
    return Status::Unsupported("layer '" + n.name + "': 1-D convolution " + why);
  };
  if (graph->format != "onnx" || x.gshape.size() != 3 || y.gshape.size() != 3 || w.size() != 3 ||
      !bufs[n.inputs[1]].constant || st.half() || st.int8()) {
    return refuse("of an ONNX model in fp32 with constant weights only");
  }
  const int64_t batch = x.gshape[0], cin = x.gshape[1], len = x.gshape[2];
  const int64_t cout = y.gshape[1], out_len = y.gshape[2], kw = w[2];
  const int64_t groups = n.GetInt("group", 1);
  const auto strides = n.GetInts("strides"), dil = n.GetInts("dilations");
  const int64_t sw = strides.empty() ? 1 : strides[0], dw = dil.empty() ? 1 : dil[0];
  if (groups < 1 || cin % groups != 0 || cout % groups != 0 || w[0] != cout ||
      w[1] * groups != cin || sw < 1 || dw < 1 || y.gshape[0] != batch) {
    return refuse("whose channels, groups or weights do not match");
  }
  int64_t pl = 0, pr = 0;
  const auto pads = n.GetInts("pads");
  const std::string auto_pad = n.GetString("auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const int64_t total = std::max<int64_t>(0, (out_len - 1) * sw + dw * (kw - 1) + 1 - len);
    pl = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    pr = total - pl;
  } else if (pads.size() == 2) {
    pl = pads[0];
    pr = pads[1];
  }
  if (pl < 0 || pr < 0 || (len + pl + pr - dw * (kw - 1) - 1) / sw + 1 != out_len) {
    return refuse("geometry does not give the model's output length");
  }
  const int64_t gi = cin / groups, go = cout / groups;
  MBENCH_RETURN_IF_ERROR(CheckCentredInput(n, 3));
  std::vector<float> centred;
  if (n.op_type == "ConvInteger") {
    const auto per_channel = static_cast<size_t>(gi * kw);
    MBENCH_ASSIGN_OR_RETURN(
        centred, CentredWeights(n, n.inputs[1], n.inputs.size() > 4 ? n.inputs[4] : -1,
                                [per_channel](size_t i) { return int64_t(i / per_channel); }));
  }
  const auto& src = n.op_type == "ConvInteger" ? centred : Const(n.inputs[1]);
  std::vector<float> k(static_cast<size_t>(cout * kw * gi));
  for (int64_t oc = 0; oc < cout; ++oc)
    for (int64_t b = 0; b < kw; ++b)
      for (int64_t i = 0; i < gi; ++i) {
        k[static_cast<size_t>((oc * kw + b) * gi + i)] =
            src[static_cast<size_t>((oc * gi + i) * kw + b)];
      }
  const float* bias = n.inputs.size() > 2 && n.inputs[2] >= 0 && n.op_type != "ConvInteger"
                          ? Const(n.inputs[2]).data()
                          : nullptr;
  const std::pair<float, float> range = FusedRange(n);
  MBENCH_RETURN_IF_ERROR(
      Check(xnn_create_convolution2d_nhwc_f32(
                0, static_cast<uint32_t>(pr), 0, static_cast<uint32_t>(pl), 1,
                static_cast<uint32_t>(kw), 1, static_cast<uint32_t>(sw), 1,
                static_cast<uint32_t>(dw), static_cast<uint32_t>(groups), static_cast<size_t>(gi),
                static_cast<size_t>(go), static_cast<size_t>(cin), static_cast<size_t>(cout),
                Packed(std::move(k)), bias, range.first, range.second, 0, &st.op),
            n, "1-D convolution create"));
  float* xt = Packed(std::vector<float>(static_cast<size_t>(batch * len * cin)));
  float* yt = Packed(std::vector<float>(static_cast<size_t>(batch * out_len * cout)));
  MBENCH_RETURN_IF_ERROR(
      Check(xnn_setup_convolution2d_nhwc_f32(st.op, static_cast<size_t>(batch), 1,
                                             static_cast<size_t>(len), xt, yt, pool),
            n, "1-D convolution setup"));
  xnn_operator_t op = st.op;
  st.op = nullptr;          // run by the plain step, between the transposes
  extra_ops.push_back(op);  // deleted with the plan
  const float* in = x.data;
  float* out = y.data;
  pthreadpool_t p = st.pool;
  st.plain = [=] {
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t c = 0; c < cin; ++c)
        for (int64_t l = 0; l < len; ++l) xt[(b * len + l) * cin + c] = in[(b * cin + c) * len + l];
    xnn_run_operator(op, p);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t l = 0; l < out_len; ++l)
        for (int64_t c = 0; c < cout; ++c)
          out[(b * cout + c) * out_len + l] = yt[(b * out_len + l) * cout + c];
  };
  return Status::Ok();
}

Status Plan::Impl::Conv(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[OutOf(n)];
  const Shape& w = G(n.inputs[1]);
  if (x.gshape.size() == 3 && w.size() == 3) return Conv1D(n, st);
  const bool nhwc_graph = graph->layout == analyzer::Layout::kNHWC;
  if (x.ishape.size() != 4 || y.ishape.size() != 4 || w.size() != 4 ||
      !bufs[n.inputs[1]].constant) {
    return Status::Unsupported("layer '" + n.name +
                               "': only 2-D convolutions with constant weights");
  }
  // Input/output as N, H, W, C.
  const Shape xi = x.ishape, yi = y.ishape;
  int64_t cin = xi[3], cout = yi[3];
  int64_t kh, kw;
  int64_t groups;
  const bool tflite_depthwise = n.kind == OpKind::kDepthwiseConv && nhwc_graph;
  if (tflite_depthwise) {  // TFLite: weights [1, kh, kw, cin * multiplier]
    kh = w[1];
    kw = w[2];
    groups = cin;
  } else if (nhwc_graph) {  // TFLite conv: [O, kh, kw, I]
    kh = w[1];
    kw = w[2];
    groups = cin / std::max<int64_t>(w[3], 1);
  } else {  // [O, I/g, kh, kw]; a depthwise conv of an NCHW model has I/g = 1
    kh = w[2];
    kw = w[3];
    groups = n.kind == OpKind::kDepthwiseConv ? cin : n.GetInt("group", 1);
  }
  if (groups < 1 || cin % groups != 0 || cout % groups != 0) {
    return Status::Unsupported("layer '" + n.name + "': channel groups do not divide the channels");
  }
  auto strides = n.GetInts("strides");
  auto dil = n.GetInts("dilations");
  int64_t sh = strides.size() == 2 ? strides[0] : 1, sw = strides.size() == 2 ? strides[1] : 1;
  int64_t dh = dil.size() == 2 ? dil[0] : 1, dw = dil.size() == 2 ? dil[1] : 1;
  // Plain variables, not structured bindings: lambdas below capture them (clang 14, which
  // builds the fuzz harnesses, cannot capture bindings).
  const std::pair<int64_t, int64_t> pads_h = Pads(n, 0, xi[1], yi[1], kh, sh, dh);
  const std::pair<int64_t, int64_t> pads_w = Pads(n, 1, xi[2], yi[2], kw, sw, dw);
  const int64_t pt = pads_h.first, pb = pads_h.second, pl = pads_w.first, pr = pads_w.second;
  const int64_t gi = cin / groups, go = cout / groups;
  if (!WindowMatches(xi[1], yi[1], kh, sh, dh, pt, pb) ||
      !WindowMatches(xi[2], yi[2], kw, sw, dw, pl, pr) || xi[0] != yi[0] ||
      Product(w) != cout * gi * kh * kw) {
    return Status::Unsupported("layer '" + n.name +
                               "': convolution geometry does not give the "
                               "model's output shape");
  }
  // ConvInteger: input from a DynamicQuantizeLinear (stored minus its zero point), weights
  // minus theirs (one per output channel at most).
  MBENCH_RETURN_IF_ERROR(CheckCentredInput(n, 3));
  std::vector<float> centred;
  if (n.op_type == "ConvInteger") {
    const size_t per_channel = static_cast<size_t>(gi * kh * kw);
    MBENCH_ASSIGN_OR_RETURN(
        centred, CentredWeights(n, n.inputs[1], n.inputs.size() > 4 ? n.inputs[4] : -1,
                                [per_channel](size_t i) { return int64_t(i / per_channel); }));
  }
  // XNNPACK wants [groups][go][kh][kw][gi].
  const auto& src = n.op_type == "ConvInteger" ? centred : Const(n.inputs[1]);
  std::vector<float> k(static_cast<size_t>(groups * go * kh * kw * gi));
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t o = 0; o < go; ++o)
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b)
          for (int64_t i = 0; i < gi; ++i) {
            int64_t oc = g * go + o;
            size_t from;
            if (tflite_depthwise) {
              from = static_cast<size_t>((a * kw + b) * cout + oc);
            } else if (nhwc_graph) {
              from = static_cast<size_t>(((oc * kh + a) * kw + b) * gi + i);
            } else {
              from = static_cast<size_t>(((oc * gi + i) * kh + a) * kw + b);
            }
            k[static_cast<size_t>((((g * go + o) * kh + a) * kw + b) * gi + i)] = src[from];
          }
  const float* bias = nullptr;
  if (n.inputs.size() > 2 && n.inputs[2] >= 0) bias = Const(n.inputs[2]).data();
  if (auto it = bn_folded.find(LayerOf(n)); it != bn_folded.end()) {
    // y = s * (W x + b) + t with s = gamma / sqrt(var + eps), t = beta - mean * s.
    const Node& bn = graph->nodes[it->second];
    const auto& gamma = Const(bn.inputs[1]);
    const auto& beta = Const(bn.inputs[2]);
    const auto& mean = Const(bn.inputs[3]);
    const auto& var = Const(bn.inputs[4]);
    for (const auto* v : {&gamma, &beta, &mean, &var}) {
      if (static_cast<int64_t>(v->size()) < cout) {
        return Status::Unsupported("layer '" + n.name + "': batch norm statistics of " +
                                   std::to_string(v->size()) + " values for " +
                                   std::to_string(cout) + " channels");
      }
    }
    const float eps = static_cast<float>(bn.GetFloat("epsilon", 1e-5));
    std::vector<float> folded_bias(static_cast<size_t>(cout));
    const int64_t per_oc = kh * kw * gi;
    for (int64_t oc = 0; oc < cout; ++oc) {
      const float s = gamma[oc] / std::sqrt(std::abs(var[oc]) + eps);
      for (int64_t j = 0; j < per_oc; ++j) k[static_cast<size_t>(oc * per_oc + j)] *= s;
      folded_bias[oc] = (bias ? bias[oc] : 0.0f) * s + beta[oc] - mean[oc] * s;
    }
    bias = Packed(std::move(folded_bias));
  }
  const std::pair<float, float> range = FusedRange(n);
  const float lo = range.first, hi = range.second;
  if (st.half()) {
    MBENCH_RETURN_IF_ERROR(
        Check(xnn_create_convolution2d_nhwc_f16(
                  static_cast<uint32_t>(pt), static_cast<uint32_t>(pr), static_cast<uint32_t>(pb),
                  static_cast<uint32_t>(pl), static_cast<uint32_t>(kh), static_cast<uint32_t>(kw),
                  static_cast<uint32_t>(sh), static_cast<uint32_t>(sw), static_cast<uint32_t>(dh),
                  static_cast<uint32_t>(dw), static_cast<uint32_t>(groups), gi, go, cin, cout,
                  PackedHalf(k.data(), static_cast<int64_t>(k.size())), PackedHalf(bias, cout), lo,
                  hi, 0, &st.op),
              n, "fp16 convolution create"));
    return Check(xnn_setup_convolution2d_nhwc_f16(st.op, xi[0], xi[1], xi[2], x.half, y.half, pool),
                 n, "fp16 convolution setup");
  }
  if (st.int8()) {
    // Stored int8 weights (zero point 0) in XNNPACK's order, one scale per output channel
    // (TFLite's per-channel scales run as qc8, one scale as qs8); int32 bias in units of
    // input scale x weight scale, as TFLite stores it.
    const auto& info = graph->tensors[n.inputs[1]];
    std::vector<float> ws(static_cast<size_t>(cout));
    for (int64_t oc = 0; oc < cout; ++oc) {
      ws[oc] = static_cast<float>(info.quant_scales.size() == 1 ? info.quant_scales[0]
                                                                : info.quant_scales[oc]);
    }
    std::vector<int32_t> bq(static_cast<size_t>(cout), 0);
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) bq = StoredInts(n.inputs[2]);
    if (static_cast<int64_t>(bq.size()) != cout) {
      return Status::Unsupported("layer '" + n.name + "': int8 bias is not one value per output");
    }
    auto [qlo, qhi] = QuantRange(y, lo, hi);
    const uint32_t geometry[10] = {static_cast<uint32_t>(pt), static_cast<uint32_t>(pr),
                                   static_cast<uint32_t>(pb), static_cast<uint32_t>(pl),
                                   static_cast<uint32_t>(kh), static_cast<uint32_t>(kw),
                                   static_cast<uint32_t>(sh), static_cast<uint32_t>(sw),
                                   static_cast<uint32_t>(dh), static_cast<uint32_t>(dw)};
    if (y.unsigned8) {  // uint8 weights with their zero point, one scale (RunsInt8)
      const int64_t wz = info.quant_zero_points.empty() ? 0 : info.quant_zero_points[0];
      std::vector<uint8_t> ku(k.size());
      for (size_t i = 0; i < k.size(); ++i) {
        ku[i] = static_cast<uint8_t>(std::clamp<long>(std::lround(k[i] / ws[0]) + wz, 0, 255));
      }
      const auto* g = geometry;
      MBENCH_RETURN_IF_ERROR(
          Check(xnn_create_convolution2d_nhwc_qu8(
                    g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9],
                    static_cast<uint32_t>(groups), gi, go, cin, cout,
                    static_cast<uint8_t>(x.zero_point), x.scale, static_cast<uint8_t>(wz), ws[0],
                    reinterpret_cast<const uint8_t*>(PackedBytes({ku.begin(), ku.end()})),
                    PackedInts(std::move(bq)), static_cast<uint8_t>(y.zero_point), y.scale,
                    static_cast<uint8_t>(qlo), static_cast<uint8_t>(qhi), 0, &st.op),
                n, "uint8 convolution create"));
      return Check(xnn_setup_convolution2d_nhwc_qu8(st.op, xi[0], xi[1], xi[2],
                                                    reinterpret_cast<const uint8_t*>(x.q8),
                                                    reinterpret_cast<uint8_t*>(y.q8), pool),
                   n, "uint8 convolution setup");
    }
    const int64_t per_oc = kh * kw * gi;
    std::vector<int8_t> kq(k.size());
    for (size_t i = 0; i < k.size(); ++i) {
      const long q = std::lround(k[i] / ws[i / per_oc]);
      kq[i] = static_cast<int8_t>(std::clamp<long>(q, -128, 127));
    }
    const int8_t* kp8 = PackedBytes(std::move(kq));
    const int32_t* bp = PackedInts(std::move(bq));
    const int8_t xz = static_cast<int8_t>(x.zero_point), yz = static_cast<int8_t>(y.zero_point);
    const auto* u = geometry;
    if (info.quant_scales.size() == 1) {
      MBENCH_RETURN_IF_ERROR(
          Check(xnn_create_convolution2d_nhwc_qs8(
                    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
                    static_cast<uint32_t>(groups), gi, go, cin, cout, xz, x.scale, ws[0], kp8, bp,
                    yz, y.scale, static_cast<int8_t>(qlo), static_cast<int8_t>(qhi), 0, &st.op),
                n, "int8 convolution create"));
      return Check(xnn_setup_convolution2d_nhwc_qs8(st.op, xi[0], xi[1], xi[2], x.q8, y.q8, pool),
                   n, "int8 convolution setup");
    }
    const float* wsp = Packed(std::move(ws));
    MBENCH_RETURN_IF_ERROR(
        Check(xnn_create_convolution2d_nhwc_qc8(
                  u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
                  static_cast<uint32_t>(groups), gi, go, cin, cout, xz, x.scale, wsp, kp8, bp, yz,
                  y.scale, static_cast<int8_t>(qlo), static_cast<int8_t>(qhi), 0, &st.op),
              n, "int8 convolution create"));
    return Check(xnn_setup_convolution2d_nhwc_qc8(st.op, xi[0], xi[1], xi[2], x.q8, y.q8, pool), n,
                 "int8 convolution setup");
  }
  // Steps on runner/kernels/dwconv.h: weights [kh][kw][channels], output rows spread over the
  // threads.
  auto own_depthwise = [&](std::vector<float> hwc, bool sum_channels) {
    auto job = std::make_shared<DepthwiseJob>();
    job->shape = {xi[0], xi[1], xi[2], cin, yi[1], yi[2], kh, kw, sh, sw, dh, dw, pt, pl, lo, hi};
    job->shape.sum_channels = sum_channels;
    job->input = x.data;
    job->weights = Packed(std::move(hwc));
    job->bias = bias;
    job->output = y.data;
    pthreadpool_t p = pool;
    auto tail = FusedTail(n);
    const int64_t m = Product(yi);
    st.info.kernel = "mbench-dwconv";
    st.plain = [job, p, tail, m] {
      // A null pool runs the tasks on the calling thread.
      const size_t rows = static_cast<size_t>(job->shape.batch * job->shape.out_h);
      pthreadpool_parallelize_1d_tile_1d(p, &DepthwiseRowTask, job.get(), rows, 1, 0);
      if (tail) tail(job->output, m);
    };
    return Status::Ok();
  };
  if (gi == 1 && go == 1 &&
      (kh * kw > kXnnpackDepthwiseMaxTaps ||
       (!options.xnnpack_only &&
        (DepthwisePacksPixels(sh, sw, cout) || DepthwiseWideMap(yi[1] * yi[2], cout))))) {
    // A window XNNPACK has no depthwise kernel for, few channels at stride 1, or 16-32 channels
    // over a large map (see runner/kernels/dwconv.h).
    std::vector<float> hwc(k.size());
    for (int64_t c = 0; c < cout; ++c)
      for (int64_t t = 0; t < kh * kw; ++t)
        hwc[static_cast<size_t>(t * cout + c)] = k[static_cast<size_t>(c * kh * kw + t)];
    return own_depthwise(std::move(hwc), false);
  }
  if (groups == 1 && cout == 1 && !options.xnnpack_only && DepthwisePacksPixels(sh, sw, cin) &&
      !residual.count(LayerOf(n))) {
    // One output channel over 1-8 input channels at stride 1: the depthwise kernel summing the
    // per-channel products (sum_channels); the weights [1][kh][kw][cin] are already the
    // [kh][kw][channels] it reads.
    return own_depthwise(std::move(k), true);
  }
  const bool dense = groups == 1 && UseDenseConv(xi[0] * yi[1] * yi[2], cout);
  if (residual.count(LayerOf(n)) && !dense) {
    return Status::Internal("layer '" + n.name +
                            "': a residual addition was fused into a "
                            "convolution that cannot run on the dense kernel");
  }
  if (dense) {
    DenseStep(
        n, st,
        {xi[0], xi[1], xi[2], cin, yi[1], yi[2], cout, kh, kw, sh, sw, dh, dw, pt, pl, lo, hi},
        k.data(), bias, x.data, y.data);
    return Status::Ok();
  }
  float* kp = Packed(std::move(k));
  MBENCH_RETURN_IF_ERROR(
      Check(xnn_create_convolution2d_nhwc_f32(
                static_cast<uint32_t>(pt), static_cast<uint32_t>(pr), static_cast<uint32_t>(pb),
                static_cast<uint32_t>(pl), static_cast<uint32_t>(kh), static_cast<uint32_t>(kw),
                static_cast<uint32_t>(sh), static_cast<uint32_t>(sw), static_cast<uint32_t>(dh),
                static_cast<uint32_t>(dw), static_cast<uint32_t>(groups), gi, go, cin, cout, kp,
                bias, lo, hi, 0, &st.op),
            n, "convolution create"));
  MBENCH_RETURN_IF_ERROR(
      Check(xnn_setup_convolution2d_nhwc_f32(st.op, xi[0], xi[1], xi[2], x.data, y.data, pool), n,
            "convolution setup"));
  if (auto tail = FusedTail(n)) ThenApply(st, std::move(tail), y.data, Product(yi));
  return Status::Ok();
}

}  // namespace mbench::runner
