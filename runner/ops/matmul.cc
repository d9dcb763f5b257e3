// Fully connected layers and matrix products: constant weights on XNNPACK's fully connected
// operator (fp32, fp16, int8); products of two activations (attention) on the runner's batched
// GEMM (runner/kernels/gemm.h) or a plain loop.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/kernels/gemm.h"
#include "runner/plan_impl.h"

namespace mbench::runner {
namespace {

// A batched matmul of two activations through runner/kernels/gemm.h: one (product, column block)
// task.
struct MatMulJob {
  std::unique_ptr<BatchedMatMul> mm;
  const float* a = nullptr;
  const float* b = nullptr;
  float* c = nullptr;
};
void MatMulTask(void* context, size_t task) {
  auto* job = static_cast<MatMulJob*>(context);
  job->mm->Compute(static_cast<int64_t>(task), job->a, job->b, job->c);
}

}  // namespace

Status Plan::Impl::FullyConnected(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[OutOf(n)];
  if (!bufs[n.inputs[1]].constant || x.gshape.empty() || y.gshape.empty()) {
    return Status::Unsupported("layer '" + n.name + "': fully connected without constant weights");
  }
  // The activation's last model dim is K; the weight is [N, K] or [K, N].
  const Shape& ws = G(n.inputs[1]);
  int64_t k = x.gshape.back(), nout = y.gshape.back();
  if (ws.size() != 2) return Status::Unsupported("layer '" + n.name + "': weight of rank != 2");
  // ncnn's InnerProduct reads a 4-D activation as one row per batch item: K is C*H*W.
  bool flat = false;
  if (x.gshape.size() == 4 && ws[0] != k && ws[1] != k) {
    const int64_t per_item = Product(x.gshape) / std::max<int64_t>(x.gshape[0], 1);
    if (ws[0] == per_item || ws[1] == per_item) {
      k = per_item;
      flat = true;
    }
  }
  bool n_by_k = ws[0] == nout && ws[1] == k;
  bool k_by_n = ws[0] == k && ws[1] == nout;
  if (n_by_k && k_by_n) {  // square: the attribute decides (ONNX Gemm transB, MatMul none)
    n_by_k = n.kind == OpKind::kFullyConnected && n.GetInt("transB", 1) == 1;
  }
  if (!n_by_k && !k_by_n) {
    return Status::Unsupported("layer '" + n.name + "': weight shape does not match the input");
  }
  if (x.nhwc && !flat && Product(x.gshape) / k != x.gshape[0]) {
    return Status::Unsupported("layer '" + n.name + "': fully connected on a 4-D activation");
  }
  if (n.GetFloat("alpha", 1.0) != 1.0 || n.GetFloat("beta", 1.0) != 1.0 ||
      n.GetInt("transA", 0) != 0) {
    return Status::Unsupported("layer '" + n.name + "': Gemm with alpha, beta or transA");
  }
  const float* bias = nullptr;
  if (n.kind == OpKind::kFullyConnected && n.inputs.size() > 2 && n.inputs[2] >= 0) {
    const Shape& bs = G(n.inputs[2]);
    if (!bufs[n.inputs[2]].constant || Product(bs) != nout || (bs.size() == 2 && bs[0] != 1)) {
      return Status::Unsupported("layer '" + n.name + "': bias that is not one value per output");
    }
    bias = Const(n.inputs[2]).data();
  }
  if (auto folded_bias = matmul_bias.find(LayerOf(n)); folded_bias != matmul_bias.end()) {
    bias = Const(folded_bias->second).data();  // FoldMatMulBiases
  }
  auto [lo, hi] = FusedRange(n);
  const float* w = Const(n.inputs[1]).data();
  if (n.op_type == "MatMulInteger") {
    // Input from a DynamicQuantizeLinear (stored minus its zero point); B [K, N] minus its zero
    // points (one per column at most).
    MBENCH_RETURN_IF_ERROR(CheckCentredInput(n, 2));
    if (!k_by_n)
      return Status::Unsupported("layer '" + n.name + "': MatMulInteger's B is not [K, N]");
    const auto columns = static_cast<size_t>(nout);
    MBENCH_ASSIGN_OR_RETURN(std::vector<float> centred,
                            CentredWeights(n, n.inputs[1], n.inputs.size() > 3 ? n.inputs[3] : -1,
                                           [columns](size_t i) { return int64_t(i % columns); }));
    w = Packed(std::move(centred));
  }
  if (flat && x.nhwc) {
    // The model flattens C, H, W; the activation is stored H, W, C: reorder the weight's K
    // axis once instead of the activation on every run.
    const int64_t c = x.gshape[1], h = x.gshape[2], wd = x.gshape[3];
    std::vector<float> permuted(static_cast<size_t>(k * nout));
    for (int64_t o = 0; o < nout; ++o)
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t hw = 0; hw < h * wd; ++hw) {
          const int64_t from = ci * h * wd + hw, to = hw * c + ci;
          if (n_by_k) {
            permuted[static_cast<size_t>(o * k + to)] = w[o * k + from];
          } else {
            permuted[static_cast<size_t>(to * nout + o)] = w[from * nout + o];
          }
        }
    w = Packed(std::move(permuted));
  }
  const uint32_t flags = n_by_k ? 0 : XNN_FLAG_TRANSPOSE_WEIGHTS;
  if (st.int8()) {
    if (!n_by_k) return Status::Unsupported("layer '" + n.name + "': int8 weights stored [K, N]");
    const auto& info = graph->tensors[n.inputs[1]];
    std::vector<int32_t> wq = StoredInts(n.inputs[1]);
    std::vector<int8_t> w8(wq.begin(), wq.end());
    std::vector<int32_t> bq(static_cast<size_t>(nout), 0);
    if (bias != nullptr) bq = StoredInts(n.inputs[2]);
    auto [qlo, qhi] = QuantRange(y, lo, hi);
    if (y.unsigned8) {
      const int64_t wz = info.quant_zero_points.empty() ? 0 : info.quant_zero_points[0];
      MBENCH_RETURN_IF_ERROR(
          Check(xnn_create_fully_connected_nc_qu8(
                    k, nout, k, nout, static_cast<uint8_t>(x.zero_point), x.scale,
                    static_cast<uint8_t>(wz), static_cast<float>(info.quant_scales[0]),
                    reinterpret_cast<const uint8_t*>(PackedBytes(std::move(w8))),
                    PackedInts(std::move(bq)), static_cast<uint8_t>(y.zero_point), y.scale,
                    static_cast<uint8_t>(qlo), static_cast<uint8_t>(qhi), 0, &st.op),
                n, "uint8 fully connected create"));
      return Check(xnn_setup_fully_connected_nc_qu8(st.op, Product(x.ishape) / k,
                                                    reinterpret_cast<const uint8_t*>(x.q8),
                                                    reinterpret_cast<uint8_t*>(y.q8), pool),
                   n, "uint8 fully connected setup");
    }
    MBENCH_RETURN_IF_ERROR(
        Check(xnn_create_fully_connected_nc_qs8(
                  k, nout, k, nout, static_cast<int8_t>(x.zero_point), x.scale,
                  static_cast<float>(info.quant_scales[0]), PackedBytes(std::move(w8)),
                  PackedInts(std::move(bq)), static_cast<int8_t>(y.zero_point), y.scale,
                  static_cast<int8_t>(qlo), static_cast<int8_t>(qhi), 0, &st.op),
              n, "int8 fully connected create"));
    return Check(xnn_setup_fully_connected_nc_qs8(st.op, Product(x.ishape) / k, x.q8, y.q8, pool),
                 n, "int8 fully connected setup");
  }
  if (st.half()) {
    MBENCH_RETURN_IF_ERROR(
        Check(xnn_create_fully_connected_nc_f16(k, nout, k, nout, PackedHalf(w, k * nout),
                                                PackedHalf(bias, nout), lo, hi, flags, &st.op),
              n, "fp16 fully connected create"));
    return Check(
        xnn_setup_fully_connected_nc_f16(st.op, Product(x.ishape) / k, x.half, y.half, pool), n,
        "fp16 fully connected setup");
  }
  const int64_t rows = Product(x.ishape) / k;
  if (UseDenseConv(rows, nout)) {
    // Rows of a fully connected layer are the pixels of a 1x1 convolution.
    std::vector<float> by_out;
    if (!n_by_k) {
      by_out.resize(static_cast<size_t>(k * nout));
      for (int64_t i = 0; i < k; ++i)
        for (int64_t o = 0; o < nout; ++o) by_out[static_cast<size_t>(o * k + i)] = w[i * nout + o];
      w = by_out.data();
    }
    DenseStep(n, st, {1, rows, 1, k, rows, 1, nout, 1, 1, 1, 1, 1, 1, 0, 0, lo, hi}, w, bias,
              x.data, y.data);
    return Status::Ok();
  }
  MBENCH_RETURN_IF_ERROR(
      Check(xnn_create_fully_connected_nc_f32(k, nout, k, nout, w, bias, lo, hi, flags, &st.op), n,
            "fully connected create"));
  return Check(xnn_setup_fully_connected_nc_f32(st.op, rows, x.data, y.data, pool), n,
               "fully connected setup");
}

Status Plan::Impl::MatMul(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const float* in = x.data;
  const Buf& bb = bufs[n.inputs[1]];
  if (bb.constant && bb.gshape.size() == 2) return FullyConnected(n, st);
  if (x.nhwc || bb.nhwc || x.gshape.size() != bb.gshape.size() || x.gshape.size() < 2) {
    return Status::Unsupported("layer '" + n.name + "': matmul operands of different ranks");
  }
  const size_t r = x.gshape.size();
  const int64_t m = x.gshape[r - 2], k = x.gshape[r - 1], nn = bb.gshape[r - 1];
  if (bb.gshape[r - 2] != k || Product(x.gshape) / (m * k) != Product(bb.gshape) / (k * nn)) {
    return Status::Unsupported("layer '" + n.name + "': broadcast batched matmul");
  }
  const int64_t batch = Product(x.gshape) / (m * k);
  const float* bp = bb.constant ? Const(n.inputs[1]).data() : bb.data;
  // A scalar multiply after it (attention's 1 / sqrt(head size)) folded in, writing its output.
  float* mm_out = bufs[OutOf(n)].data;
  const auto scaled = matmul_scale.find(LayerOf(n));
  const float scale = scaled == matmul_scale.end() ? 1.0f : scaled->second;
  if (m * k * nn > 0 && !options.xnnpack_only && DenseConvAvailable()) {
    // Attention's products on the AVX-512 micro-kernel, one task per 32 columns of a product.
    auto job = std::make_shared<MatMulJob>();
    job->mm = std::make_unique<BatchedMatMul>(batch, m, k, nn, scale);
    job->a = in;
    job->b = bp;
    job->c = mm_out;
    weight_bytes += job->mm->scratch_bytes();
    st.info.kernel = "mbench-gemm";
    pthreadpool_t p = pool;
    st.plain = [job, p] {
      pthreadpool_parallelize_1d(p, &MatMulTask, job.get(), static_cast<size_t>(job->mm->tasks()),
                                 0);
    };
    return Status::Ok();
  }
  st.plain = [in, bp, mm_out, batch, m, k, nn, scale] {
    for (int64_t z = 0; z < batch; ++z) {
      const float* __restrict a = in + z * m * k;
      const float* __restrict b = bp + z * k * nn;
      float* __restrict c = mm_out + z * m * nn;
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < nn; ++j) c[i * nn + j] = 0.0f;
        for (int64_t p = 0; p < k; ++p) {
          const float av = a[i * k + p];
          for (int64_t j = 0; j < nn; ++j) c[i * nn + j] += av * b[p * nn + j];
        }
        if (scale != 1.0f) {
          for (int64_t j = 0; j < nn; ++j) c[i * nn + j] *= scale;
        }
      }
    }
  };
  return Status::Ok();
}

}  // namespace mbench::runner
